// Command leader elects a leader among concurrent candidates with a lease,
// lets it write under fencing, deposes it when its lease expires (on a
// simulated clock), and shows that the old leader's late write is refused.
//
//	go run ./examples/leader [-db mem:] [-candidates 5]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/strata-db/strata/examples/internal/example"
	"github.com/strata-db/strata/kv"
	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/subspace"
	"github.com/strata-db/strata/layer/tuple"
)

func main() {
	candidates := flag.Int("candidates", 5, "concurrent candidates")
	example.Main(func(ctx context.Context, db layer.DB, out io.Writer) error {
		return run(ctx, db, out, *candidates)
	})
}

const (
	leaseName = "leader"
	leaseTTL  = 10 * time.Second
)

// Cluster is the shared state the leader maintains: a log of entries, each
// written only while its writer holds the lease.
type Cluster struct {
	s   *kv.Store
	seq kv.Counter
}

// Append writes an entry as the holder of l. The lease check and the
// write are one transaction: if the lease has expired or changed hands by
// the time it commits, the check's read conflicts or fails, and nothing is
// written. That is fencing without trusting clocks on the writer's side.
func (c Cluster) Append(tx layer.Tx, l kv.Lease, entry string) error {
	if err := c.s.Check(tx, l); err != nil {
		return err
	}
	n, err := c.seq.Get(tx)
	if err != nil {
		return err
	}
	c.seq.Add(tx, 1)
	_, err = c.s.Put(tx, fmt.Sprintf("log:%06d", n), []byte(l.Token.String()+" "+entry), kv.PutOptions{})
	return err
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func run(ctx context.Context, db layer.DB, out io.Writer, candidates int) error {
	clk := &clock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	s := kv.New(subspace.FromTuple(tuple.Tuple{"examples", "leader"}), kv.Options{Clock: clk.Now})
	seq, err := s.Counter("log-seq")
	if err != nil {
		return err
	}
	c := Cluster{s: s, seq: seq}

	// elect has every candidate but skip try to acquire the lease at once,
	// and returns the one lease granted.
	elect := func(skip string) (kv.Lease, error) {
		var mu sync.Mutex
		var won []kv.Lease
		var errs []error
		var wg sync.WaitGroup
		for i := range candidates {
			name := fmt.Sprintf("node-%d", i)
			if name == skip {
				continue
			}
			wg.Go(func() {
				f, err := layer.Transact(ctx, db, func(tx layer.Tx) (layer.Future[kv.Lease], error) {
					return s.Acquire(tx, leaseName, name, leaseTTL)
				})
				var l kv.Lease
				if err == nil {
					l, err = f.Get()
				}
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					won = append(won, l)
				case !errors.Is(err, kv.ErrLeaseHeld):
					errs = append(errs, err)
				}
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return kv.Lease{}, err
		}
		if len(won) != 1 {
			return kv.Lease{}, fmt.Errorf("%d leaders elected", len(won))
		}
		return won[0], nil
	}
	appendAs := func(l kv.Lease, entry string) error {
		_, err := layer.Transact(ctx, db, func(tx layer.Tx) (struct{}, error) { return struct{}{}, c.Append(tx, l, entry) })
		return err
	}

	first, err := elect("")
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "term 1: one leader among %d candidates\n", candidates)
	for i := range 3 {
		if err := appendAs(first, fmt.Sprintf("entry %d", i)); err != nil {
			return err
		}
		clk.Advance(2 * time.Second)
		if first, err = layer.Transact(ctx, db, func(tx layer.Tx) (kv.Lease, error) { return s.Renew(tx, first, leaseTTL) }); err != nil {
			return err
		}
	}
	// The leader stalls (a long GC pause, a network partition) past its
	// lease; the others elect a new leader.
	clk.Advance(leaseTTL + time.Second)
	second, err := elect(first.Holder)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "term 2: new leader, token greater than term 1's: %v\n", second.Token.Compare(first.Token) > 0)
	// The old leader wakes up and tries to write: refused.
	err = appendAs(first, "stale write")
	fmt.Fprintf(out, "deposed leader's write: %v\n", errors.Is(err, kv.ErrLeaseLost))
	if err != nil && !errors.Is(err, kv.ErrLeaseLost) {
		return err
	}
	for i := range 2 {
		if err := appendAs(second, fmt.Sprintf("entry %d", 3+i)); err != nil {
			return err
		}
	}
	// The log holds only fenced entries, with tokens that never go back.
	entries, err := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) ([]kv.Item, error) {
		p, err := s.Scan(tx, kv.ScanOptions{Prefix: "log:"})
		return p.Items, err
	})
	if err != nil {
		return err
	}
	prev := ""
	for _, e := range entries {
		tok := string(e.Value[:20])
		if tok < prev {
			return fmt.Errorf("token went back in %s", e.Key)
		}
		prev = tok
	}
	fmt.Fprintf(out, "log: %d entries, tokens never decrease\n", len(entries))
	return nil
}
