package vnstore

// found's vnstore tests (found/tests.py in amirouche/asyncio-foundationdb,
// v0.13), ported: same data, same patterns, same assertions, except where
// found's behaviour is one of the flaws this package fixes (noted at each
// test). found's change_continue + add/remove is Add/Remove with the
// change's id; select followed by where is Query with both patterns;
// change_get is Change, change_changes Show. test_vnstore_pk and
// test_vnstore_get_not_implemented test a debugging helper and a stub that
// have no counterpart.

import (
	"errors"
	"slices"
	"testing"

	"github.com/strata-db/strata/internal/testdb"
	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/subspace"
	"github.com/strata-db/strata/layer/tuple"
)

// test_vnstore_empty
func TestFoundEmpty(t *testing.T) {
	s, err := New(subspace.FromTuple(tuple.Tuple{"subspace-42"}), 3)
	if err != nil || s == nil {
		t.Fatalf("New = %v, %v", s, err)
	}
}

// test_vnstore_query_zero: add and apply in one transaction, query, remove
// and apply in one transaction, query again; ten times over.
func TestFoundQueryZero(t *testing.T) {
	db, s := newStore(t, 3)
	for range 10 {
		expected := uuid4()
		if out := query(t, db, s, QueryOptions{}, Pattern{Var("subject"), "title", "hypermove.fr"}); len(out) != 0 {
			t.Fatalf("hypermove.fr: %v", out)
		}
		change := create(t, db, s)
		write(t, db, func(tx layer.Tx) (struct{}, error) {
			if _, err := s.Add(tx, change, []any{expected, "title", "hypermove"}); err != nil {
				return struct{}{}, err
			}
			return struct{}{}, s.Apply(tx, change)
		})
		out := query(t, db, s, QueryOptions{}, Pattern{Var("subject"), "title", "hypermove"})
		if len(out) != 1 || out[0]["subject"] != expected {
			t.Fatalf("after add: %v, want subject %v", out, expected)
		}
		change = create(t, db, s)
		write(t, db, func(tx layer.Tx) (struct{}, error) {
			if _, err := s.Remove(tx, change, []any{expected, "title", "hypermove"}); err != nil {
				return struct{}{}, err
			}
			return struct{}{}, s.Apply(tx, change)
		})
		if out := query(t, db, s, QueryOptions{}, Pattern{Var("subject"), "title", "hypermove"}); len(out) != 0 {
			t.Fatalf("after remove: %v", out)
		}
	}
}

// test_vnstore_query: the same entity is added again in every round (found
// then holds duplicates of its alive tuples; here re-adding an alive tuple
// is a no-op), its title removed, and the two-pattern query finds nothing.
func TestFoundQuery(t *testing.T) {
	db, s := newStore(t, 3)
	euid := uuid4()
	const expected = "Fractal queries for the win"
	for i := range 10 {
		change := create(t, db, s)
		uid := uuid4()
		edit(t, db, s, change, Add,
			[]any{euid, "title", expected},
			[]any{euid, "slug", "fractal-queries"},
			[]any{euid, "body", "fractal architecture help ease cognitive performance"},
			[]any{uid, "title", "A case for inspecting values at runtime"},
			[]any{uid, "slug", "runtime-inspection"},
			[]any{uid, "body", "Runtime inspection help just-in-time user defined compilation"},
		)
		apply(t, db, s, change)
		// Only the first round's change adds euid's slug and body: later
		// rounds find them alive.
		_, edits := show(t, db, s, change)
		if want := map[bool]int{true: 6, false: 4}[i == 0]; len(edits) != want {
			t.Fatalf("round %d: the change touches %d tuples, want %d", i, len(edits), want)
		}
		bySlug := []Pattern{{Var("subject"), "slug", "fractal-queries"}, {Var("subject"), "title", Var("title")}}
		if out := query(t, db, s, QueryOptions{}, bySlug...); len(out) != 1 || out[0]["title"] != expected {
			t.Fatalf("round %d, before the removal: %v", i, out)
		}
		change = create(t, db, s)
		edit(t, db, s, change, Remove, []any{euid, "title", expected})
		apply(t, db, s, change)
		if out := query(t, db, s, QueryOptions{}, bySlug...); len(out) != 0 {
			t.Fatalf("round %d: %v", i, out)
		}
	}
	// One slug per entity: no duplicates.
	if out := query(t, db, s, QueryOptions{}, Pattern{Var("s"), "slug", Var("slug")}); len(out) != 11 {
		t.Fatalf("%d slugs, want 11", len(out))
	}
}

// test_vnstore_change_list
func TestFoundChangeList(t *testing.T) {
	db, s := newStore(t, 3)
	c1, c2 := create(t, db, s), create(t, db, s)
	changes := testdb.Read(t, db, func(tx layer.ReadTx) ([]Change, error) { return s.Changes(tx) })
	var ids []ChangeID
	for _, c := range changes {
		ids = append(ids, c.ID)
	}
	if !slices.Equal(ids, []ChangeID{c1, c2}) {
		t.Fatalf("Changes = %v, want %v %v", ids, c1, c2)
	}
}

// test_vnstore_change_message
func TestFoundChangeMessage(t *testing.T) {
	db, s := newStore(t, 3)
	id := create(t, db, s)
	write(t, db, func(tx layer.Tx) (struct{}, error) { return struct{}{}, s.Message(tx, id, "hello world") })
	c := testdb.Read(t, db, func(tx layer.ReadTx) (Change, error) { return s.Change(tx, id) })
	if c.Message != "hello world" || c.ID != id || c.State != Pending {
		t.Fatalf("Change = %+v", c)
	}
}

func show(t testing.TB, db layer.DB, s *Store, id ChangeID) (Change, []Edit) {
	t.Helper()
	type shown struct {
		c  Change
		es []Edit
	}
	r := testdb.Read(t, db, func(tx layer.ReadTx) (shown, error) {
		c, es, err := s.Show(tx, id)
		return shown{c, es}, err
	})
	return r.c, r.es
}

// test_vnstore_change_changes
func TestFoundChangeChanges(t *testing.T) {
	db, s := newStore(t, 3)
	id := create(t, db, s)
	edit(t, db, s, id, Add, []any{"subj1", "key1", "val1"}, []any{"subj2", "key2", "val2"})
	c, es := show(t, db, s, id)
	if len(es) != 2 || c.Tuples != 2 || es[0].Op != Add || es[0].Tuple[0] != "subj1" {
		t.Fatalf("Show = %+v, %+v", c, es)
	}
}

// test_vnstore_where
func TestFoundWhere(t *testing.T) {
	db, s := newStore(t, 3)
	uid1 := uuid4()
	commit(t, db, s, []any{uid1, "title", "hello"}, []any{uid1, "tag", "world"})
	out := query(t, db, s, QueryOptions{}, Pattern{Var("uid"), "title", "hello"}, Pattern{Var("uid"), "tag", Var("tag")})
	if len(out) != 1 || out[0]["tag"] != "world" {
		t.Fatalf("got %v", out)
	}
}

// test_vnstore_change_apply_twice: found ignores the second apply (with a
// warning in its log); here it is an error, and the version stays.
func TestFoundChangeApplyTwice(t *testing.T) {
	db, s := newStore(t, 3)
	id := create(t, db, s)
	apply(t, db, s, id)
	v1 := testdb.Read(t, db, func(tx layer.ReadTx) (tuple.Versionstamp, error) { return s.Version(tx, id) })
	if !v1.IsComplete() || v1 == (tuple.Versionstamp{}) {
		t.Fatalf("version after apply: %v", v1)
	}
	if err := applyErr(db, s, id); !errors.Is(err, ErrApplied) {
		t.Fatalf("second apply: %v, want ErrApplied", err)
	}
	if v2 := testdb.Read(t, db, func(tx layer.ReadTx) (tuple.Versionstamp, error) { return s.Version(tx, id) }); v2 != v1 {
		t.Fatalf("version moved from %v to %v", v1, v2)
	}
}

// test_vnstore_change_get_nonexistent: found returns None.
func TestFoundChangeGetNonexistent(t *testing.T) {
	db, s := newStore(t, 3)
	_, err := layer.ReadTransact(t.Context(), db, func(tx layer.ReadTx) (Change, error) { return s.Change(tx, ChangeID(uuid4())) })
	if !errors.Is(err, ErrNoChange) {
		t.Fatalf("Change of an unknown id: %v", err)
	}
}

// test_vnstore_remove_nonexistent
func TestFoundRemoveNonexistent(t *testing.T) {
	db, s := newStore(t, 3)
	id := create(t, db, s)
	changed := write(t, db, func(tx layer.Tx) (bool, error) { return s.Remove(tx, id, []any{"no-such-uid", "no-key", "no-val"}) })
	if changed {
		t.Fatal("removing a tuple that is not there changed the change")
	}
}
