package vnstore

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/strata-db/strata/internal/testdb"
	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/tuple"
)

// seed returns the seed of a randomized test: $VNSTORE_SEED, or the time.
// The test prints it, so that a failure can be replayed.
func seed(t *testing.T) uint64 {
	t.Helper()
	s := uint64(time.Now().UnixNano())
	if v := os.Getenv("VNSTORE_SEED"); v != "" {
		var err error
		if s, err = strconv.ParseUint(v, 10, 64); err != nil {
			t.Fatalf("VNSTORE_SEED: %v", err)
		}
	}
	t.Logf("seed %d (replay with VNSTORE_SEED=%d)", s, s)
	return s
}

// model is the state of a store: its alive tuples by packed key.
type model map[string][]any

func (m model) clone() model {
	out := make(model, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func (m model) tuples() [][]any {
	var out [][]any
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

func packed(tu []any) string { return string(tuple.Tuple(tu).Pack()) }

// applied is an applied change with its edits, for a serial replay.
type applied struct {
	id      ChangeID
	version tuple.Versionstamp
	edits   []Edit
}

// appliedChanges reads every applied change with its edits, in apply
// order.
func appliedChanges(t *testing.T, db layer.DB, s *Store) []applied {
	t.Helper()
	var out []applied
	for _, c := range testdb.Read(t, db, func(tx layer.ReadTx) ([]Change, error) { return s.Changes(tx) }) {
		if c.State != Applied {
			continue
		}
		_, es := show(t, db, s, c.ID)
		out = append(out, applied{c.ID, c.Version, es})
	}
	return out
}

// replay applies the changes one after the other, in their order, and
// returns the state after each. It fails the test if an edit does not fit
// the state it is applied to (an addition of an alive tuple, a removal of
// a dead one): such a history is not that of the changes applied serially,
// each as its author saw the tuples it edits.
func replay(t *testing.T, changes []applied) []model {
	t.Helper()
	state := model{}
	var out []model
	for i, c := range changes {
		if i > 0 && bytes.Compare(c.version.Bytes(), changes[i-1].version.Bytes()) <= 0 {
			t.Fatalf("change %v at %v follows %v", c.id, c.version, changes[i-1].version)
		}
		for _, e := range c.edits {
			k := packed(e.Tuple)
			_, alive := state[k]
			if alive == (e.Op == Add) {
				t.Fatalf("change %d (%v) %vs %v, which is already so (alive %v): not a serial history", i, c.id, e.Op, e.Tuple, alive)
			}
			if e.Op == Add {
				state[k] = e.Tuple
			} else {
				delete(state, k)
			}
		}
		out = append(out, state.clone())
	}
	return out
}

// randomPattern returns a pattern of n items over the universe of items
// per column, with variables (some repeated) and values.
func randomPattern(rng *rand.Rand, universe [][]any) Pattern {
	p := make(Pattern, len(universe))
	for i := range p {
		switch rng.IntN(3) {
		case 0:
			p[i] = universe[i][rng.IntN(len(universe[i]))]
		case 1:
			p[i] = Var(fmt.Sprint("v", rng.IntN(2)))
		default:
			p[i] = Var(fmt.Sprint("c", i))
		}
	}
	return p
}

func randomTuple(rng *rand.Rand, universe [][]any) []any {
	tu := make([]any, len(universe))
	for i := range tu {
		tu[i] = universe[i][rng.IntN(len(universe[i]))]
	}
	return tu
}

// checkStates compares every state of the store, latest and as of each
// applied change, with the replayed models; and every tuple's history
// with the changes that flipped it.
func checkStates(t *testing.T, db layer.DB, s *Store, rng *rand.Rand, universe [][]any, changes []applied, states []model) {
	t.Helper()
	final := model{}
	if len(states) > 0 {
		final = states[len(states)-1]
	}
	patterns := [][]Pattern{{randomPattern(rng, universe)}}
	for range 4 {
		patterns = append(patterns, []Pattern{randomPattern(rng, universe)}, []Pattern{randomPattern(rng, universe), randomPattern(rng, universe)})
	}
	all := make(Pattern, len(universe))
	for i := range all {
		all[i] = Var(fmt.Sprint("c", i))
	}
	patterns = append(patterns, []Pattern{all})
	check := func(what string, opts QueryOptions, m model) {
		for i, ps := range patterns {
			want := brute(t, m.tuples(), ps)
			got := query(t, db, s, opts, ps...)
			if !sameBindings(got, want) {
				t.Fatalf("%s, %v: got %d bindings %v, want %d %v", what, ps, len(got), got, len(want), want)
			}
			if i%4 == 0 {
				if paged := pages(t, db, s, opts, 3, ps...); !sameBindings(paged, want) {
					t.Fatalf("%s, %v, in pages: %v, want %v", what, ps, paged, want)
				}
			}
		}
		for range 5 {
			tu := randomTuple(rng, universe)
			if _, want := m[packed(tu)]; ask(t, db, s, opts, tu...) != want {
				t.Fatalf("%s: Ask(%v) != %v", what, tu, want)
			}
		}
	}
	check("latest", QueryOptions{}, final)
	for i, c := range changes {
		check(fmt.Sprintf("as of change %d (%v)", i, c.id), QueryOptions{AsOf: c.id}, states[i])
	}
	// History of every tuple ever touched.
	events := map[string][]Event{}
	var touched [][]any
	for _, c := range changes {
		for _, e := range c.edits {
			k := packed(e.Tuple)
			if events[k] == nil {
				touched = append(touched, e.Tuple)
			}
			events[k] = append(events[k], Event{Change: c.id, Version: c.version, Op: e.Op})
		}
	}
	for _, tu := range touched {
		got := testdb.Read(t, db, func(tx layer.ReadTx) ([]Event, error) { return s.History(tx, tu) })
		if !slices.Equal(got, events[packed(tu)]) {
			t.Fatalf("History(%v) = %v, want %v", tu, got, events[packed(tu)])
		}
	}
}

// TestTimeTravel applies random changes, some built over several
// transactions, some abandoned, and checks that the state as of every
// applied change, the latest state and each tuple's history equal a model.
func TestTimeTravel(t *testing.T) {
	rng := rand.New(rand.NewPCG(seed(t), 2))
	db, s := newStore(t, 3)
	universe := [][]any{{"a", "b", "c", "d", "e"}, {"p", "q"}, {int64(0), int64(1), "a", nil}}
	state := model{}
	var changes []applied
	var states []model
	for range 40 {
		id := create(t, db, s)
		for range 1 + rng.IntN(3) { // transactions
			write(t, db, func(tx layer.Tx) (struct{}, error) {
				for range rng.IntN(6) {
					tu := randomTuple(rng, universe)
					var err error
					if rng.IntN(3) == 0 {
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
		}
		if rng.IntN(8) == 0 {
			if err := writeErr(db, func(tx layer.Tx) error { return s.Abandon(tx, id) }); err != nil {
				t.Fatal(err)
			}
			continue
		}
		_, es := show(t, db, s, id)
		apply(t, db, s, id)
		for _, e := range es {
			if e.Op == Add {
				state[packed(e.Tuple)] = e.Tuple
			} else {
				delete(state, packed(e.Tuple))
			}
		}
		c, _ := show(t, db, s, id)
		changes = append(changes, applied{id, c.Version, es})
		states = append(states, state.clone())
	}
	if got := appliedChanges(t, db, s); len(got) != len(changes) {
		t.Fatalf("%d applied changes, want %d", len(got), len(changes))
	}
	replayed := replay(t, changes)
	for i := range states {
		if len(replayed[i]) != len(states[i]) {
			t.Fatalf("replay of change %d: %d tuples, model %d", i, len(replayed[i]), len(states[i]))
		}
	}
	checkStates(t, db, s, rng, universe, changes, states)
}
