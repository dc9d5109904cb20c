// Command ratelimit is a sliding-window rate limiter: at most Limit
// requests per client in any Window, decided in one transaction per
// request, with many concurrent requests.
//
//	go run ./examples/ratelimit [-db mem:] [-clients 32]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/strata-db/strata/examples/internal/example"
	"github.com/strata-db/strata/kv"
	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/subspace"
	"github.com/strata-db/strata/layer/tuple"
)

func main() {
	clients := flag.Int("clients", 32, "concurrent requests per burst")
	example.Main(func(ctx context.Context, db layer.DB, out io.Writer) error {
		return run(ctx, db, out, *clients)
	})
}

// Limiter allows Limit requests per Window for each key. A key's recent
// requests are a sorted set scored by their time in seconds.
type Limiter struct {
	s      *kv.Store
	Limit  int
	Window time.Duration
}

func seconds(t time.Time) float64 { return float64(t.UnixMicro()) / 1e6 }

// Allow records a request of key at now, with a unique id, if fewer than
// Limit requests fall in the window ending at now. Dropping old entries,
// counting and adding are one transaction: the strict read of the window
// makes concurrent requests that saw the same count conflict, so the
// limit holds exactly.
func (l Limiter) Allow(tx layer.Tx, key, id string, now time.Time) (bool, error) {
	start := seconds(now.Add(-l.Window))
	// Forget requests older than the window.
	if _, err := l.s.ZPopByScore(tx, key, math.Inf(-1), math.Nextafter(start, math.Inf(-1)), 0); err != nil {
		return false, err
	}
	recent, err := l.s.ZRangeByScore(tx, key, start, math.Inf(1), kv.ZRangeOptions{Limit: l.Limit})
	if err != nil {
		return false, err
	}
	if len(recent) >= l.Limit {
		return false, nil
	}
	_, err = l.s.ZAdd(tx, key, id, seconds(now))
	return err == nil, err
}

func run(ctx context.Context, db layer.DB, out io.Writer, clients int) error {
	l := Limiter{s: kv.New(subspace.FromTuple(tuple.Tuple{"examples", "ratelimit"}), kv.Options{}), Limit: 10, Window: time.Second}
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	seq := 0
	burst := func(at time.Time) (int64, error) {
		var allowed atomic.Int64
		var wg sync.WaitGroup
		errs := make(chan error, clients)
		for range clients {
			seq++
			id := fmt.Sprintf("req-%04d", seq)
			wg.Go(func() {
				ok, err := layer.Transact(ctx, db, func(tx layer.Tx) (bool, error) { return l.Allow(tx, "api-key-1", id, at) })
				if err != nil {
					errs <- err
				} else if ok {
					allowed.Add(1)
				}
			})
		}
		wg.Wait()
		close(errs)
		return allowed.Load(), <-errs
	}
	for _, step := range []struct {
		after time.Duration
		label string
	}{
		{0, "t=0.0s"},
		{500 * time.Millisecond, "t=0.5s"},
		{600 * time.Millisecond, "t=1.1s"},
	} {
		now = now.Add(step.after)
		n, err := burst(now)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%s: %d of %d requests allowed\n", step.label, n, clients)
	}
	return nil
}
