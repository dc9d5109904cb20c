package vnstore

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/strata-db/strata/layer"
)

// TestConcurrentApplies runs workers that build changes over a few tuples
// (so that they overlap), each over one to three transactions, and apply
// them concurrently with layer.Transact; on a conflict a worker rebases
// and applies again, or abandons. Then it checks that the history is one
// the applied changes produce when applied serially in apply
// (versionstamp) order, each finding the tuples it edits as its author saw
// them, and that the latest state, the state as of every applied change
// and every tuple's history equal that serial replay.
func TestConcurrentApplies(t *testing.T) {
	sd := seed(t)
	db, s := newStore(t, 3)
	universe := [][]any{{"a", "b"}, {"p"}, {int64(0), int64(1), int64(2)}}
	workers, rounds := 4, 25
	if testing.Short() {
		rounds = 8
	}
	type result struct {
		id    ChangeID
		stamp []byte
	}
	var (
		mu        sync.Mutex
		succeeded []result
		conflicts int
		wg        sync.WaitGroup
		failed    = make(chan error, workers)
	)
	ctx := context.Background()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(sd, uint64(w)))
			err := func() error {
				for range rounds {
					id, err := layer.Transact(ctx, db, func(tx layer.Tx) (ChangeID, error) { return s.CreateChange(tx) })
					if err != nil {
						return err
					}
					for range 1 + rng.IntN(3) {
						// Let the other workers apply between this change's
						// transactions, so that changes overlap.
						time.Sleep(time.Duration(rng.IntN(300)) * time.Microsecond)
						_, err := layer.Transact(ctx, db, func(tx layer.Tx) (struct{}, error) {
							for range 1 + rng.IntN(3) {
								tu := randomTuple(rng, universe)
								var err error
								if rng.IntN(2) == 0 {
									_, err = s.Remove(tx, id, tu)
								} else {
									_, err = s.Add(tx, id, tu)
								}
								if err != nil {
									return struct{}{}, err
								}
							}
							return struct{}{}, nil
						})
						if err != nil {
							return err
						}
					}
					time.Sleep(time.Duration(rng.IntN(300)) * time.Microsecond)
					for attempt := 0; ; attempt++ {
						stamp, err := layer.Transact(ctx, db, func(tx layer.Tx) (layer.Future[[]byte], error) {
							return tx.GetVersionstamp(), s.Apply(tx, id)
						})
						if err == nil {
							v, err := stamp.Get()
							if err != nil {
								return err
							}
							mu.Lock()
							succeeded = append(succeeded, result{id, v})
							mu.Unlock()
							break
						}
						if !errors.Is(err, ErrConflict) {
							return err
						}
						mu.Lock()
						conflicts++
						mu.Unlock()
						if attempt < 2 && rng.IntN(3) > 0 {
							if _, err := layer.Transact(ctx, db, func(tx layer.Tx) ([]Conflict, error) { return s.Rebase(tx, id) }); err != nil {
								return err
							}
							continue
						}
						if _, err := layer.Transact(ctx, db, func(tx layer.Tx) (struct{}, error) { return struct{}{}, s.Abandon(tx, id) }); err != nil {
							return err
						}
						break
					}
				}
				return nil
			}()
			if err != nil {
				failed <- err
			}
		}()
	}
	wg.Wait()
	close(failed)
	for err := range failed {
		t.Fatal(err)
	}
	t.Logf("%d changes applied, %d conflicts", len(succeeded), conflicts)
	if conflicts == 0 {
		t.Log("no conflicts in this run: the workers did not overlap")
	}

	changes := appliedChanges(t, db, s)
	// Exactly the applies that succeeded are in the history, each with the
	// versionstamp of its transaction.
	got := map[ChangeID][10]byte{}
	for _, c := range changes {
		got[c.id] = c.version.TransactionVersion
	}
	if len(got) != len(succeeded) {
		t.Fatalf("%d changes in the history, %d applies succeeded", len(got), len(succeeded))
	}
	for _, r := range succeeded {
		if v, ok := got[r.id]; !ok || !slices.Equal(v[:], r.stamp) {
			t.Fatalf("change %v applied at %x, history says %x (present %v)", r.id, r.stamp, v, ok)
		}
	}
	states := replay(t, changes)
	checkStates(t, db, s, rand.New(rand.NewPCG(sd, 99)), universe, changes, states)
}
