package vnstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/strata-db/strata/internal/testdb"
	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/tuple"
	"github.com/strata-db/strata/tuplestore"
)

func TestLifecycle(t *testing.T) {
	db, s := newStore(t, 3)
	id := create(t, db, s)
	c, es := show(t, db, s, id)
	if c.State != Pending || c.Tuples != 0 || len(es) != 0 || c.Created <= 0 || c.Version != (tuple.Versionstamp{}) {
		t.Fatalf("new change: %+v %v", c, es)
	}
	// Built over several transactions.
	edit(t, db, s, id, Add, []any{"a", "p", 1}, []any{"b", "p", 2})
	edit(t, db, s, id, Add, []any{"c", "p", 3})
	edit(t, db, s, id, Remove, []any{"b", "p", 2}) // added by the same change: dropped
	write(t, db, func(tx layer.Tx) (struct{}, error) { return struct{}{}, s.Message(tx, id, "first") })
	c, es = show(t, db, s, id)
	if c.Tuples != 2 || len(es) != 2 || c.Message != "first" || c.Bytes != 2*s.cost(len(tuple.Tuple{"a", "p", 1}.Pack()), Add) {
		t.Fatalf("after edits: %+v %+v", c, es)
	}
	// Invisible until applied, except to a pending read.
	if ask(t, db, s, QueryOptions{}, "a", "p", 1) {
		t.Fatal("a pending addition is visible")
	}
	if !ask(t, db, s, QueryOptions{Pending: id}, "a", "p", 1) || ask(t, db, s, QueryOptions{Pending: id}, "b", "p", 2) {
		t.Fatal("the pending read misses the change")
	}
	vs := write(t, db, func(tx layer.Tx) (layer.Future[[]byte], error) {
		return tx.GetVersionstamp(), s.Apply(tx, id)
	})
	stamp, err := vs.Get()
	if err != nil {
		t.Fatal(err)
	}
	c, es = show(t, db, s, id)
	if c.State != Applied || c.Version.TransactionVersion != [10]byte(stamp) || c.Version.UserVersion != 0 || len(es) != 2 {
		t.Fatalf("applied: %+v %v (versionstamp %x)", c, es, stamp)
	}
	if !ask(t, db, s, QueryOptions{}, "a", "p", 1) || !ask(t, db, s, QueryOptions{AsOf: id}, "c", "p", 3) {
		t.Fatal("the applied change is not visible")
	}
	// Applied changes are immutable.
	for name, fn := range map[string]func(tx layer.Tx) error{
		"add":     func(tx layer.Tx) error { _, err := s.Add(tx, id, []any{"d", "p", 4}); return err },
		"remove":  func(tx layer.Tx) error { _, err := s.Remove(tx, id, []any{"a", "p", 1}); return err },
		"message": func(tx layer.Tx) error { return s.Message(tx, id, "rewritten") },
		"apply":   func(tx layer.Tx) error { return s.Apply(tx, id) },
		"abandon": func(tx layer.Tx) error { return s.Abandon(tx, id) },
		"rebase":  func(tx layer.Tx) error { _, err := s.Rebase(tx, id); return err },
	} {
		if err := writeErr(db, fn); !errors.Is(err, ErrApplied) || !strings.HasPrefix(err.Error(), "vnstore: ") {
			t.Errorf("%s of an applied change: %v, want ErrApplied", name, err)
		}
	}
	// Abandoned changes: edits and applies fail; the tuples are gone.
	ab := create(t, db, s)
	edit(t, db, s, ab, Add, []any{"x", "p", 9})
	if err := writeErr(db, func(tx layer.Tx) error { return s.Abandon(tx, ab) }); err != nil {
		t.Fatal(err)
	}
	for name, fn := range map[string]func(tx layer.Tx) error{
		"add":     func(tx layer.Tx) error { _, err := s.Add(tx, ab, []any{"d", "p", 4}); return err },
		"message": func(tx layer.Tx) error { return s.Message(tx, ab, "m") },
		"apply":   func(tx layer.Tx) error { return s.Apply(tx, ab) },
		"abandon": func(tx layer.Tx) error { return s.Abandon(tx, ab) },
	} {
		if err := writeErr(db, fn); !errors.Is(err, ErrAbandoned) {
			t.Errorf("%s of an abandoned change: %v, want ErrAbandoned", name, err)
		}
	}
	if c, es := show(t, db, s, ab); c.State != Abandoned || len(es) != 0 || c.Tuples != 0 {
		t.Errorf("abandoned change: %+v %v", c, es)
	}
	// Unknown changes.
	unknown := ChangeID(uuid4())
	for name, fn := range map[string]func(tx layer.Tx) error{
		"add":     func(tx layer.Tx) error { _, err := s.Add(tx, unknown, []any{"d", "p", 4}); return err },
		"message": func(tx layer.Tx) error { return s.Message(tx, unknown, "m") },
		"apply":   func(tx layer.Tx) error { return s.Apply(tx, unknown) },
		"abandon": func(tx layer.Tx) error { return s.Abandon(tx, unknown) },
		"version": func(tx layer.Tx) error { _, err := s.Version(tx, unknown); return err },
	} {
		if err := writeErr(db, fn); !errors.Is(err, ErrNoChange) {
			t.Errorf("%s of an unknown change: %v, want ErrNoChange", name, err)
		}
	}
	// Changes: applied in apply order, then the others.
	p := create(t, db, s)
	id2 := commit(t, db, s, []any{"e", "p", 5})
	got := testdb.Read(t, db, func(tx layer.ReadTx) ([]Change, error) { return s.Changes(tx) })
	var ids []ChangeID
	for _, c := range got {
		ids = append(ids, c.ID)
	}
	if want := []ChangeID{id, id2, ab, p}; !slices.Equal(ids, want) {
		t.Errorf("Changes = %v, want %v", ids, want)
	}
}

func TestNormalisation(t *testing.T) {
	db, s := newStore(t, 2)
	commit(t, db, s, []any{"alive", 1})
	id := create(t, db, s)
	changed := func(fn func(tx layer.Tx) (bool, error)) bool { return write(t, db, fn) }
	// Adding an alive tuple is a no-op.
	if changed(func(tx layer.Tx) (bool, error) { return s.Add(tx, id, []any{"alive", 1}) }) {
		t.Error("adding an alive tuple changed the change")
	}
	// Removing a dead one too.
	if changed(func(tx layer.Tx) (bool, error) { return s.Remove(tx, id, []any{"dead", 1}) }) {
		t.Error("removing a dead tuple changed the change")
	}
	// Adding twice records once.
	if !changed(func(tx layer.Tx) (bool, error) { return s.Add(tx, id, []any{"new", 1}) }) ||
		changed(func(tx layer.Tx) (bool, error) { return s.Add(tx, id, []any{"new", 1}) }) {
		t.Error("adding twice")
	}
	// Removing what the change adds drops the addition; adding what it
	// removes drops the removal.
	if !changed(func(tx layer.Tx) (bool, error) { return s.Remove(tx, id, []any{"new", 1}) }) {
		t.Error("removing a tuple the change adds did not change the change")
	}
	if !changed(func(tx layer.Tx) (bool, error) { return s.Remove(tx, id, []any{"alive", 1}) }) ||
		!changed(func(tx layer.Tx) (bool, error) { return s.Add(tx, id, []any{"alive", 1}) }) {
		t.Error("remove then add of an alive tuple")
	}
	if c, es := show(t, db, s, id); len(es) != 0 || c.Tuples != 0 || c.Bytes != 0 {
		t.Fatalf("the change should be empty: %+v %v", c, es)
	}
	apply(t, db, s, id)
	// No duplicates: re-adding an alive tuple in found gave two results.
	if out := query(t, db, s, QueryOptions{}, Pattern{Var("x"), Var("y")}); len(out) != 1 {
		t.Fatalf("query = %v", out)
	}
	// A tuple that was removed and added back has one history entry per
	// change that touched it.
	rm := create(t, db, s)
	edit(t, db, s, rm, Remove, []any{"alive", 1})
	apply(t, db, s, rm)
	back := commit(t, db, s, []any{"alive", 1})
	h := testdb.Read(t, db, func(tx layer.ReadTx) ([]Event, error) { return s.History(tx, []any{"alive", 1}) })
	if len(h) != 3 || h[0].Op != Add || h[1].Op != Remove || h[1].Change != rm || h[2].Op != Add || h[2].Change != back ||
		bytes.Compare(h[1].Version.Bytes(), h[2].Version.Bytes()) >= 0 {
		t.Fatalf("History = %+v", h)
	}
}

// TestSecondApply checks that one transaction applies one change: the
// second Apply would share the first one's versionstamp.
func TestSecondApply(t *testing.T) {
	db, s := newStore(t, 2)
	a, b := create(t, db, s), create(t, db, s)
	err := writeErr(db, func(tx layer.Tx) error {
		if err := s.Apply(tx, a); err != nil {
			return err
		}
		return s.Apply(tx, b)
	})
	if !errors.Is(err, ErrSecondApply) {
		t.Fatalf("two applies in one transaction: %v", err)
	}
	if c, _ := show(t, db, s, a); c.State != Pending {
		t.Fatalf("the first apply committed: %+v", c)
	}
}

func TestInputErrors(t *testing.T) {
	db, s := newStore(t, 3)
	id := create(t, db, s)
	for _, tc := range []struct {
		tuple []any
		want  error
	}{
		{[]any{"a", "b"}, tuplestore.ErrArity},
		{[]any{"a", "b", struct{}{}}, tuplestore.ErrItem},
		{[]any{"a", Var("x"), 1}, tuplestore.ErrItem},
		{[]any{"a", "b", tuple.IncompleteVersionstamp(0)}, tuplestore.ErrIncompleteVersionstamp},
		{[]any{"a", "b", strings.Repeat("x", layer.MaxKeySize)}, tuplestore.ErrKeyTooLarge},
	} {
		err := writeErr(db, func(tx layer.Tx) error { _, err := s.Add(tx, id, tc.tuple); return err })
		var ie *tuplestore.ItemError
		if !errors.Is(err, tc.want) || len(tc.tuple) == 3 && !errors.As(err, &ie) {
			t.Errorf("Add(%.40v): %v, want %v", tc.tuple, err, tc.want)
		}
		_, err = layer.ReadTransact(context.Background(), db, func(tx layer.ReadTx) (bool, error) { return s.Ask(tx, tc.tuple, QueryOptions{}) })
		if !errors.Is(err, tc.want) {
			t.Errorf("Ask(%.40v): %v, want %v", tc.tuple, err, tc.want)
		}
	}
	// The longest tuple that fits applies.
	longest := layer.MaxKeySize - s.keyLen(0) - 2*2 - 2 // two empty strings, and the third's code and terminator
	tu := []any{"", "", strings.Repeat("x", longest)}
	if s.keyLen(len(tuple.Tuple(tu).Pack())) != layer.MaxKeySize {
		t.Fatalf("the longest tuple makes keys of %d bytes", s.keyLen(len(tuple.Tuple(tu).Pack())))
	}
	edit(t, db, s, id, Add, tu)
	apply(t, db, s, id)
	if !ask(t, db, s, QueryOptions{}, tu...) || !ask(t, db, s, QueryOptions{AsOf: id}, tu...) {
		t.Fatal("the longest tuple is not alive")
	}
	if _, err := New(s.Subspace(), 0); !errors.Is(err, ErrColumns) {
		t.Errorf("New(0): %v", err)
	}
	if _, err := New(s.Subspace(), MaxColumns+1); !errors.Is(err, ErrColumns) {
		t.Errorf("New(MaxColumns+1): %v", err)
	}
	if err := writeErr(db, func(tx layer.Tx) error {
		return s.Message(tx, create(t, db, s), strings.Repeat("m", MaxMessageSize+1))
	}); !errors.Is(err, ErrMessageTooLarge) {
		t.Errorf("long message: %v", err)
	}
	if _, err := queryErr(db, s, QueryOptions{AsOf: id, Pending: id}, Pattern{Var("a"), Var("b"), Var("c")}); !errors.Is(err, ErrOptions) {
		t.Errorf("AsOf and Pending: %v", err)
	}
	if _, err := queryErr(db, s, QueryOptions{Pending: id}, Pattern{Var("a"), Var("b"), Var("c")}); !errors.Is(err, ErrNotPending) {
		t.Errorf("Pending of an applied change: %v", err)
	}
	if _, err := queryErr(db, s, QueryOptions{AsOf: create(t, db, s)}, Pattern{Var("a"), Var("b"), Var("c")}); !errors.Is(err, ErrNotApplied) {
		t.Errorf("AsOf a pending change: %v", err)
	}
	if _, err := ParseChangeID("nope"); !errors.Is(err, ErrChangeID) {
		t.Errorf("ParseChangeID: %v", err)
	}
	if got, err := ParseChangeID(id.String()); err != nil || got != id {
		t.Errorf("ParseChangeID(%s) = %v, %v", id, got, err)
	}
	if got, err := ParseChangeID(strings.ReplaceAll(id.String(), "-", "")); err != nil || got != id {
		t.Errorf("ParseChangeID without dashes = %v, %v", got, err)
	}
}

// TestChangeLimits checks that a change holds at most MaxChangeTuples
// tuples and MaxApplyBytes bytes, and that a change at either limit
// applies in one transaction, within the engine's size limit.
func TestChangeLimits(t *testing.T) {
	if testing.Short() {
		t.Skip("builds changes of thousands of tuples")
	}
	t.Run("tuples", func(t *testing.T) {
		db, s := newStore(t, 1)
		if per := s.cost(len(tuple.Tuple{9999}.Pack()), Remove); per*MaxChangeTuples > MaxApplyBytes {
			t.Fatalf("a tuple of one column costs %d bytes: the byte limit comes first", per)
		}
		id := create(t, db, s)
		for i := 0; i < MaxChangeTuples; i += 2000 {
			write(t, db, func(tx layer.Tx) (struct{}, error) {
				for j := i; j < i+2000; j++ {
					if _, err := s.Add(tx, id, []any{j}); err != nil {
						return struct{}{}, err
					}
				}
				return struct{}{}, nil
			})
		}
		err := writeErr(db, func(tx layer.Tx) error { _, err := s.Add(tx, id, []any{-1}); return err })
		if !errors.Is(err, ErrChangeTooLarge) {
			t.Fatalf("tuple %d: %v", MaxChangeTuples+1, err)
		}
		// Removing one makes room.
		edit(t, db, s, id, Remove, []any{0})
		edit(t, db, s, id, Add, []any{-1})
		applyWithin(t, db, s, id)
		n := testdb.Read(t, db, func(tx layer.ReadTx) (int, error) {
			n := 0
			for _, err := range s.Query(tx, QueryOptions{}, Pattern{Var("x")}).All() {
				if err != nil {
					return 0, err
				}
				n++
			}
			return n, nil
		})
		if n != MaxChangeTuples {
			t.Fatalf("%d tuples alive, want %d", n, MaxChangeTuples)
		}
		// And a change that removes them all.
		rm := create(t, db, s)
		for i := 0; i < MaxChangeTuples; i += 2000 {
			write(t, db, func(tx layer.Tx) (struct{}, error) {
				for j := max(i, 1); j < i+2000; j++ {
					if _, err := s.Remove(tx, rm, []any{j}); err != nil {
						return struct{}{}, err
					}
				}
				return struct{}{}, nil
			})
		}
		edit(t, db, s, rm, Remove, []any{-1})
		applyWithin(t, db, s, rm)
		if ask(t, db, s, QueryOptions{}, 5) || !ask(t, db, s, QueryOptions{AsOf: id}, 5) {
			t.Fatal("the removals did not apply")
		}
	})
	t.Run("bytes", func(t *testing.T) {
		db, s := newStore(t, 3)
		big := strings.Repeat("x", 3000)
		per := s.cost(len(tuple.Tuple{0, "p", big}.Pack()), Add)
		fit := MaxApplyBytes / per
		id := create(t, db, s)
		write(t, db, func(tx layer.Tx) (struct{}, error) {
			for i := range fit {
				if _, err := s.Add(tx, id, []any{i, "p", big}); err != nil {
					return struct{}{}, err
				}
			}
			return struct{}{}, nil
		})
		err := writeErr(db, func(tx layer.Tx) error { _, err := s.Add(tx, id, []any{fit, "p", big}); return err })
		if !errors.Is(err, ErrChangeTooLarge) {
			t.Fatalf("tuple %d of %d bytes each: %v", fit+1, per, err)
		}
		// The message takes the rest of the transaction's budget.
		write(t, db, func(tx layer.Tx) (struct{}, error) {
			return struct{}{}, s.Message(tx, id, strings.Repeat("m", MaxMessageSize))
		})
		applyWithin(t, db, s, id)
		if c, _ := show(t, db, s, id); c.State != Applied || c.Tuples != fit {
			t.Fatalf("%+v", c)
		}
	})
}

// applyWithin applies a change in a transaction whose size limit is the
// change's estimate (Change.Bytes) plus what the change's record and the
// apply log take: the estimate bounds what the engine counts.
func applyWithin(t *testing.T, db layer.DB, s *Store, id ChangeID) {
	t.Helper()
	c, _ := show(t, db, s, id)
	limit := c.Bytes + 4*len(c.Message) + 1_000
	if err := writeErr(db, func(tx layer.Tx) error {
		if err := tx.SetSizeLimit(limit); err != nil {
			return err
		}
		return s.Apply(tx, id)
	}); err != nil {
		t.Fatalf("apply of %d tuples within %d bytes: %v", c.Tuples, limit, err)
	}
}

// TestPendingRead checks the author's view of a pending change against a
// model: the latest state with the change's edits on top, for every
// pattern shape, and paged through continuations.
func TestPendingRead(t *testing.T) {
	db, s := newStore(t, 3)
	var base [][]any
	for i := range 6 {
		for j := range 3 {
			base = append(base, []any{fmt.Sprint("e", i), fmt.Sprint("p", j), i * j})
		}
	}
	commit(t, db, s, base...)
	id := create(t, db, s)
	model := map[string][]any{}
	for _, tu := range base {
		model[string(tuple.Tuple(tu).Pack())] = tu
	}
	for i, tu := range base {
		if i%3 == 0 {
			edit(t, db, s, id, Remove, tu)
			delete(model, string(tuple.Tuple(tu).Pack()))
		}
	}
	for i := range 5 {
		tu := []any{fmt.Sprint("e", i+3), "p1", -i}
		edit(t, db, s, id, Add, tu)
		model[string(tuple.Tuple(tu).Pack())] = tu
	}
	var all [][]any
	for _, tu := range model {
		all = append(all, tu)
	}
	for _, patterns := range [][]Pattern{
		{{Var("s"), Var("p"), Var("o")}},
		{{Var("s"), "p1", Var("o")}},
		{{"e4", Var("p"), Var("o")}},
		{{"e4", "p1", -1}},
		{{"e4", "p1", 4}},
		{{"e3", "p0", 0}},
		{{Var("s"), "p1", Var("o")}, {Var("s"), "p2", Var("o2")}},
	} {
		want := brute(t, all, patterns)
		got := query(t, db, s, QueryOptions{Pending: id}, patterns...)
		if !sameBindings(got, want) {
			t.Errorf("%v: got %v, want %v", patterns, got, want)
		}
		if paged := pages(t, db, s, QueryOptions{Pending: id}, 2, patterns...); !reflect.DeepEqual(paged, got) {
			t.Errorf("%v paged: %v, want %v", patterns, paged, got)
		}
	}
	// The source composes with Join, and sees the change in the same
	// transaction as its edits.
	write(t, db, func(tx layer.Tx) (struct{}, error) {
		if _, err := s.Add(tx, id, []any{"late", "p9", 1}); err != nil {
			return struct{}{}, err
		}
		src, err := s.WithPending(tx, id)
		if err != nil {
			return struct{}{}, err
		}
		n := 0
		for _, err := range tuplestore.Join(tx, tuplestore.QueryOptions{}, tuplestore.Clause{Source: src, Pattern: Pattern{"late", Var("p"), Var("o")}}).All() {
			if err != nil {
				return struct{}{}, err
			}
			n++
		}
		if n != 1 {
			t.Errorf("the pending source misses an edit of its own transaction: %d", n)
		}
		return struct{}{}, nil
	})
}

// brute matches patterns against tuples with tuplestore.Unify.
func brute(t testing.TB, tuples [][]any, patterns []Pattern) []Binding {
	bs := []Binding{{}}
	for _, p := range patterns {
		var next []Binding
		for _, b := range bs {
			for _, tu := range tuples {
				nb, ok, err := tuplestore.Unify(p, tu, b)
				if err != nil {
					t.Fatal(err)
				}
				if ok {
					next = append(next, nb)
				}
			}
		}
		bs = next
	}
	return bs
}

// sameBindings compares two lists of bindings as multisets.
func sameBindings(a, b []Binding) bool {
	key := func(bs []Binding) []string {
		var out []string
		for _, b := range bs {
			var t tuple.Tuple
			vars := make([]string, 0, len(b))
			for v := range b {
				vars = append(vars, string(v))
			}
			slices.Sort(vars)
			for _, v := range vars {
				t = append(t, v, b[Var(v)])
			}
			out = append(out, string(t.Pack()))
		}
		slices.Sort(out)
		return out
	}
	return slices.Equal(key(a), key(b))
}

// pages reads a query in pages of size bindings, each in its own
// transaction, resuming from the continuation of the one before.
func pages(t testing.TB, db layer.DB, s *Store, opts QueryOptions, size int, patterns ...Pattern) []Binding {
	t.Helper()
	var out []Binding
	opts.Limit = size
	for {
		type page struct {
			bs   []Binding
			next tuplestore.Continuation
		}
		p := testdb.Read(t, db, func(tx layer.ReadTx) (page, error) {
			var p page
			cur := s.Query(tx, opts, patterns...)
			for b, err := range cur.All() {
				if err != nil {
					return p, err
				}
				p.bs = append(p.bs, b)
			}
			p.next = cur.Continuation()
			return p, nil
		})
		out = append(out, p.bs...)
		if p.next == nil {
			return out
		}
		opts.After = p.next
	}
}

// TestSources joins the states of a versioned store, latest and as of a
// change, with a plain tuplestore in one tuplestore.Join.
func TestSources(t *testing.T) {
	db, s := newStore(t, 2)
	names, err := tuplestore.New(s.Subspace().Sub("names"), 2)
	if err != nil {
		t.Fatal(err)
	}
	write(t, db, func(tx layer.Tx) (struct{}, error) {
		for i, n := range []string{"ann", "bob"} {
			if err := names.Add(tx, []any{i, n}, nil); err != nil {
				return struct{}{}, err
			}
		}
		return struct{}{}, nil
	})
	first := commit(t, db, s, []any{0, "admin"})
	swap := create(t, db, s)
	edit(t, db, s, swap, Remove, []any{0, "admin"})
	edit(t, db, s, swap, Add, []any{1, "admin"})
	apply(t, db, s, swap)
	v := testdb.Read(t, db, func(tx layer.ReadTx) (tuple.Versionstamp, error) { return s.Version(tx, first) })
	for _, tc := range []struct {
		src  tuplestore.Source
		want string
	}{{s.Latest(), "bob"}, {s.AsOf(v), "ann"}} {
		got := testdb.Read(t, db, func(tx layer.ReadTx) ([]Binding, error) {
			var out []Binding
			cur := tuplestore.Join(tx, tuplestore.QueryOptions{},
				tuplestore.Clause{Source: tc.src, Pattern: Pattern{Var("id"), "admin"}},
				tuplestore.Clause{Source: names, Pattern: Pattern{Var("id"), Var("name")}})
			for b, err := range cur.All() {
				if err != nil {
					return nil, err
				}
				out = append(out, b)
			}
			return out, nil
		})
		if len(got) != 1 || got[0]["name"] != tc.want {
			t.Errorf("admins = %v, want %s", got, tc.want)
		}
	}
}
