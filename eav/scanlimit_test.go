package eav

import (
	"fmt"
	"slices"
	"testing"

	"github.com/strata-db/strata/layer"
)

// pageAll pages a query with continuations to its end and returns the ids
// in order, the number of pages and how many were short but not last.
func pageAll(t *testing.T, db layer.DB, s *Store, opts QueryOptions, conds ...Cond) (ids []string, pages, short int) {
	t.Helper()
	for {
		got, next, err := queryIDs(db, s, opts, conds...)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, id := range got {
			ids = append(ids, FormatID(id))
		}
		if next == nil {
			return ids, pages, short
		}
		if len(got) < opts.Limit {
			short++
		}
		if pages > 10000 {
			t.Fatal("no progress")
		}
		opts.After = next
	}
}

func TestScanLimitRareMatches(t *testing.T) {
	db, s := newStore(t)
	const n = 3000
	for start := 0; start < n; start += 500 {
		if err := writeErr(db, func(tx layer.Tx) error {
			for i := start; i < start+500; i++ {
				d := Document{"kind": "order", "status": "closed", "tags": []any{"a", "b", fmt.Sprint("t", i%3)}}
				// Each condition matches half the documents, both together
				// few: whichever drives, most candidates fail the filter.
				if i%2 == 1 {
					d["kind"] = "invoice"
				}
				if i%2 == 1 || i%97 == 5 {
					d["status"] = "open"
				}
				if err := s.CreateWithID(tx, fmt.Sprintf("d%05d", i), d); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name  string
		conds []Cond
	}{
		{"filter", []Cond{Eq("kind", "order"), Eq("status", "open")}},
		{"multi-valued driver", []Cond{Ge("tags", "a"), Eq("status", "open")}},
		{"no filter", []Cond{Eq("kind", "order")}},
		{"every document", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ids, next, err := queryIDs(db, s, QueryOptions{ScanLimit: -1}, tc.conds...)
			if err != nil || next != nil {
				t.Fatal(err, next)
			}
			want := make([]string, len(ids))
			for i, id := range ids {
				want[i] = FormatID(id)
			}
			got, pages, short := pageAll(t, db, s, QueryOptions{Limit: 10, ScanLimit: 50}, tc.conds...)
			if !slices.Equal(got, want) {
				t.Fatalf("paged %d ids, want %d: %v", len(got), len(want), got)
			}
			t.Logf("%d ids in %d pages (%d short)", len(got), pages, short)
			if tc.name == "filter" && short == 0 {
				t.Fatal("no short page: the budget was not applied")
			}
			// Without a Limit there is no default budget: one run reads
			// everything.
			if ids, next, err := queryIDs(db, s, QueryOptions{}, tc.conds...); err != nil || next != nil || len(ids) != len(want) {
				t.Fatal(len(ids), next, err)
			}
		})
	}
	// The default budget applies to pages.
	ids, next, err := queryIDs(db, s, QueryOptions{Limit: 10, ScanLimit: 0}, Eq("kind", "order"), Eq("status", "none"))
	if err != nil || len(ids) != 0 || next != nil {
		t.Fatal(ids, next, err) // 3000 < DefaultScanLimit: read to the end
	}
}
