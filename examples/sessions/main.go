// Command sessions manages login sessions that expire after 30 minutes of
// inactivity: concurrent logins and activity, then time passes (on a
// simulated clock), idle sessions expire, and a sweep removes them.
//
//	go run ./examples/sessions [-db mem:] [-users 20]
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
	users := flag.Int("users", 20, "concurrent users")
	example.Main(func(ctx context.Context, db layer.DB, out io.Writer) error {
		return run(ctx, db, out, *users)
	})
}

// IdleTimeout is how long a session lives without activity.
const IdleTimeout = 30 * time.Minute

// Sessions is a session manager over a kv store whose DefaultTTL is the
// idle timeout.
type Sessions struct{ s *kv.Store }

// Login creates session id for user; an id in use is refused.
func (m Sessions) Login(tx layer.Tx, id, user string) error {
	_, err := m.s.Put(tx, id, []byte(user), kv.PutOptions{IfAbsent: true})
	return err
}

// Touch records activity: the session lives IdleTimeout from now. It
// fails with kv.ErrNotFound for a session that has expired.
func (m Sessions) Touch(tx layer.Tx, id string) error { return m.s.Expire(tx, id, IdleTimeout) }

// User returns the session's user, or kv.ErrNotFound.
func (m Sessions) User(tx layer.ReadTx, id string) (string, error) {
	it, err := m.s.Get(tx, id)
	return string(it.Value), err
}

// Logout ends a session.
func (m Sessions) Logout(tx layer.Tx, id string) error {
	_, err := m.s.Delete(tx, id, kv.DeleteOptions{})
	return err
}

// clock is the simulated time the store reads.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func run(ctx context.Context, db layer.DB, out io.Writer, users int) error {
	clk := &clock{t: time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC)}
	m := Sessions{kv.New(subspace.FromTuple(tuple.Tuple{"examples", "sessions"}),
		kv.Options{DefaultTTL: IdleTimeout, Clock: clk.Now})}
	do := func(fn func(tx layer.Tx) error) error {
		_, err := layer.Transact(ctx, db, func(tx layer.Tx) (struct{}, error) { return struct{}{}, fn(tx) })
		return err
	}
	parallel := func(fn func(i int) error) error {
		var wg sync.WaitGroup
		errs := make([]error, users)
		for i := range users {
			wg.Go(func() { errs[i] = fn(i) })
		}
		wg.Wait()
		return errors.Join(errs...)
	}
	id := func(i int) string { return fmt.Sprintf("sess-%02d", i) }
	// Everyone logs in at once.
	if err := parallel(func(i int) error {
		return do(func(tx layer.Tx) error { return m.Login(tx, id(i), fmt.Sprintf("user%d", i)) })
	}); err != nil {
		return err
	}
	// Then everyone tries to take session 0's id: nobody can.
	if err := parallel(func(i int) error {
		err := do(func(tx layer.Tx) error { return m.Login(tx, id(0), "intruder") })
		if !errors.Is(err, kv.ErrAlreadyExists) {
			return fmt.Errorf("taking a live session's id: %v", err)
		}
		return nil
	}); err != nil {
		return err
	}
	fmt.Fprintf(out, "logged in: %d\n", users)
	clk.Advance(20 * time.Minute)
	// Even users are active; user 1 logs out.
	if err := parallel(func(i int) error {
		switch {
		case i%2 == 0:
			return do(func(tx layer.Tx) error { return m.Touch(tx, id(i)) })
		case i == 1:
			return do(func(tx layer.Tx) error { return m.Logout(tx, id(i)) })
		}
		return nil
	}); err != nil {
		return err
	}
	clk.Advance(15 * time.Minute) // 35 minutes after login, 15 after activity
	live := 0
	for i := range users {
		u, err := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) (string, error) { return m.User(tx, id(i)) })
		switch {
		case err == nil && u == fmt.Sprintf("user%d", i):
			live++
		case errors.Is(err, kv.ErrNotFound):
		default:
			return fmt.Errorf("session %d: %q, %v", i, u, err)
		}
	}
	fmt.Fprintf(out, "live after 35 minutes: %d\n", live)
	swept := 0
	for {
		res, err := layer.Transact(ctx, db, func(tx layer.Tx) (kv.SweepResult, error) { return m.s.Sweep(tx, 4) })
		if err != nil {
			return err
		}
		swept += res.Values
		if !res.More {
			break
		}
	}
	fmt.Fprintf(out, "expired sessions swept: %d\n", swept)
	return nil
}
