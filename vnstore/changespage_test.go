package vnstore

import (
	"errors"
	"slices"
	"testing"

	"github.com/strata-db/strata/internal/testdb"
	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/tuplestore"
)

func TestChangesPage(t *testing.T) {
	db, s := newStore(t, 3)
	for i := range 7 {
		commit(t, db, s, []any{"d", "p", i})
	}
	for range 6 {
		create(t, db, s)
	}
	all := testdb.Read(t, db, func(tx layer.ReadTx) ([]Change, error) { return s.Changes(tx) })
	if len(all) != 13 {
		t.Fatalf("%d changes", len(all))
	}
	ids := func(cs []Change) map[ChangeID]bool {
		m := map[ChangeID]bool{}
		for _, c := range cs {
			m[c.ID] = true
		}
		return m
	}
	for _, tc := range []struct{ limit, scan int }{{0, 0}, {1, 0}, {3, 0}, {5, 2}, {100, 1}, {0, 4}} {
		var got []Change
		var after tuplestore.Continuation
		pages := 0
		for {
			type page struct {
				cs   []Change
				next tuplestore.Continuation
			}
			p := testdb.Read(t, db, func(tx layer.ReadTx) (page, error) {
				cs, next, err := s.ChangesPage(tx, tc.limit, tc.scan, after)
				return page{cs, next}, err
			})
			if tc.limit > 0 && len(p.cs) > tc.limit {
				t.Fatalf("%+v: page of %d", tc, len(p.cs))
			}
			got = append(got, p.cs...)
			if pages++; p.next == nil || pages > 100 {
				break
			}
			after = p.next
		}
		// The applied ones in apply order, then the same others.
		if len(got) != len(all) || !slices.EqualFunc(got[:7], all[:7], func(a, b Change) bool { return a.ID == b.ID }) ||
			len(ids(got[7:])) != 6 || !maps(ids(got[7:]), ids(all[7:])) {
			t.Fatalf("%+v: %d changes in %d pages: %v", tc, len(got), pages, got)
		}
	}
	_, err := layer.ReadTransact(t.Context(), db, func(tx layer.ReadTx) (struct{}, error) {
		_, _, err := s.ChangesPage(tx, 1, 0, tuplestore.Continuation("junk"))
		return struct{}{}, err
	})
	if !errors.Is(err, tuplestore.ErrContinuation) {
		t.Fatalf("junk continuation: %v", err)
	}
}

func maps(a, b map[ChangeID]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}
