// Command eventsource appends events to a stream in commit order (keys
// holding the transaction's versionstamp), replays them, and takes a
// snapshot while writers run; replaying the snapshot plus the events after
// it gives the same state as a full replay.
//
//	go run ./examples/eventsource [-db mem:] [-writers 8] [-events 25]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sync"

	"github.com/strata-db/strata/examples/internal/example"
	"github.com/strata-db/strata/kv"
	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/subspace"
	"github.com/strata-db/strata/layer/tuple"
)

func main() {
	writers := flag.Int("writers", 8, "concurrent writers")
	events := flag.Int("events", 25, "events per writer")
	example.Main(func(ctx context.Context, db layer.DB, out io.Writer) error {
		return run(ctx, db, out, *writers, *events)
	})
}

// Stream is an append-only event log: (stream, versionstamp) = event.
// Appends write with SetVersionstampedKey, so they never conflict, and
// their keys sort in commit order.
type Stream struct {
	events    subspace.Subspace
	snapshots *kv.Store
	name      string
}

// Event is one deposit into an account.
type Event struct {
	Writer, Seq, Amount int64
}

// Append adds an event; several appends in one transaction keep their
// order through the user version.
func (s Stream) Append(tx layer.Tx, userVersion uint16, e Event) error {
	key, err := s.events.PackWithVersionstamp(tuple.Tuple{s.name, tuple.IncompleteVersionstamp(userVersion)})
	if err != nil {
		return err
	}
	tx.SetVersionstampedKey(key, tuple.Tuple{e.Writer, e.Seq, e.Amount}.Pack())
	return nil
}

// State is what the events fold into.
type State struct {
	Balance int64
	Count   int64
}

// Replay folds the events after the versionstamp after (nil: from the
// start) into st, and returns the new state and the last event's stamp.
// A long stream would be replayed in pages, one transaction each.
func (s Stream) Replay(tx layer.ReadTx, st State, after *tuple.Versionstamp, check func(Event) error) (State, *tuple.Versionstamp, error) {
	r, err := s.events.RangeOf(tuple.Tuple{s.name})
	if err != nil {
		return st, nil, err
	}
	if after != nil {
		r.Begin = append(s.events.MustPack(tuple.Tuple{s.name, *after}), 0x00)
	}
	last := after
	for kv, err := range tx.GetRange(r, layer.RangeOptions{}).All() {
		if err != nil {
			return st, nil, err
		}
		k, err := s.events.Unpack(kv.Key)
		if err != nil {
			return st, nil, err
		}
		v, err := tuple.Unpack(kv.Value)
		if err != nil || len(v) != 3 {
			return st, nil, fmt.Errorf("bad event %q", kv.Value)
		}
		e := Event{v[0].(int64), v[1].(int64), v[2].(int64)}
		if check != nil {
			if err := check(e); err != nil {
				return st, nil, err
			}
		}
		st.Balance += e.Amount
		st.Count++
		vs := k[1].(tuple.Versionstamp)
		last = &vs
	}
	return st, last, nil
}

// Snapshot folds the stream so far and stores the state with the stamp of
// the last event it covers.
func (s Stream) Snapshot(tx layer.Tx) (State, error) {
	st, last, err := s.Replay(tx.Snapshot(), State{}, nil, nil)
	if err != nil || last == nil {
		return st, err
	}
	_, err = s.snapshots.Put(tx, s.name, tuple.Tuple{st.Balance, st.Count, *last}.Pack(), kv.PutOptions{})
	return st, err
}

// LoadSnapshot returns the stored state and its stamp.
func (s Stream) LoadSnapshot(tx layer.ReadTx) (State, *tuple.Versionstamp, error) {
	it, err := s.snapshots.Get(tx, s.name)
	if errors.Is(err, kv.ErrNotFound) {
		return State{}, nil, nil
	}
	if err != nil {
		return State{}, nil, err
	}
	t, err := tuple.Unpack(it.Value)
	if err != nil || len(t) != 3 {
		return State{}, nil, fmt.Errorf("bad snapshot")
	}
	vs := t[2].(tuple.Versionstamp)
	return State{t[0].(int64), t[1].(int64)}, &vs, nil
}

func run(ctx context.Context, db layer.DB, out io.Writer, writers, events int) error {
	root := subspace.FromTuple(tuple.Tuple{"examples", "eventsource"})
	s := Stream{events: root.Sub("events"), snapshots: kv.New(root.Sub("snapshots"), kv.Options{}), name: "account-1"}
	var wg sync.WaitGroup
	errs := make(chan error, writers+1)
	for w := range writers {
		wg.Go(func() {
			for i := 0; i < events; i += 2 {
				// Two events per transaction, ordered by user version.
				_, err := layer.Transact(ctx, db, func(tx layer.Tx) (struct{}, error) {
					for j := range min(2, events-i) {
						if err := s.Append(tx, uint16(j), Event{int64(w), int64(i + j), int64(w + 1)}); err != nil {
							return struct{}{}, err
						}
					}
					return struct{}{}, nil
				})
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	// A snapshot taken while the writers run.
	wg.Go(func() {
		if _, err := layer.Transact(ctx, db, func(tx layer.Tx) (State, error) { return s.Snapshot(tx) }); err != nil {
			errs <- err
		}
	})
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	type result struct{ full, fromSnapshot State }
	r, err := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) (result, error) {
		// Each writer's events replay in the order it appended them.
		next := map[int64]int64{}
		full, _, err := s.Replay(tx, State{}, nil, func(e Event) error {
			if e.Seq != next[e.Writer] {
				return fmt.Errorf("writer %d: event %d replayed where %d was due", e.Writer, e.Seq, next[e.Writer])
			}
			next[e.Writer]++
			return nil
		})
		if err != nil {
			return result{}, err
		}
		snap, at, err := s.LoadSnapshot(tx)
		if err != nil {
			return result{}, err
		}
		tail, _, err := s.Replay(tx, snap, at, nil)
		return result{full, tail}, err
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "events: %d, in each writer's order\n", r.full.Count)
	fmt.Fprintf(out, "balance, full replay: %d\n", r.full.Balance)
	fmt.Fprintf(out, "balance, snapshot + later events: %d\n", r.fromSnapshot.Balance)
	if r.full != r.fromSnapshot {
		return fmt.Errorf("snapshot replay %+v differs from full replay %+v", r.fromSnapshot, r.full)
	}
	return nil
}
