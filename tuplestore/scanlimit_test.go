package tuplestore

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/strata-db/strata/layer"
)

// queryPage runs one page and returns its bindings, printed, and its
// continuation.
func queryPage(t *testing.T, db layer.DB, s *Store, opts QueryOptions, patterns ...Pattern) ([]string, Continuation) {
	t.Helper()
	type page struct {
		rows []string
		next Continuation
	}
	p, err := layer.ReadTransact(context.Background(), db, func(tx layer.ReadTx) (page, error) {
		var p page
		cur := s.Query(tx, opts, patterns...)
		for b, err := range cur.All() {
			if err != nil {
				return page{}, err
			}
			p.rows = append(p.rows, fmt.Sprint(b))
		}
		p.next = cur.Continuation()
		return p, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return p.rows, p.next
}

func TestScanLimitRareJoin(t *testing.T) {
	db, s := newStore(t, 3)
	const n = 1200
	var tuples [][]any
	for i := range n {
		p := fmt.Sprintf("p%04d", i)
		tuples = append(tuples,
			[]any{p, "type", "person"},
			[]any{p, "friend", fmt.Sprintf("p%04d", (i*7+1)%n)},
			[]any{p, "friend", fmt.Sprintf("p%04d", (i*13+5)%n)},
		)
		if i%2 == 0 {
			tuples = append(tuples, []any{p, "likes", "rock"})
		}
		if i%2 == 1 || i%101 == 4 {
			tuples = append(tuples, []any{p, "likes", "jazz"})
		}
		if i%89 == 3 {
			tuples = append(tuples, []any{p, "city", "paris"})
		}
	}
	for start := 0; start < len(tuples); start += 500 {
		add(t, db, s, tuples[start:min(start+500, len(tuples))]...)
	}
	x, y := Var("x"), Var("y")
	for _, tc := range []struct {
		name     string
		patterns []Pattern
	}{
		// Each pattern matches about half the people, both few.
		{"rare intersection", []Pattern{{x, "likes", "rock"}, {x, "likes", "jazz"}}},
		// Three steps: the last filters almost every binding.
		{"rare at depth", []Pattern{{x, "type", "person"}, {x, "friend", y}, {y, "city", "paris"}}},
		{"everything", []Pattern{{x, "type", "person"}, {x, "friend", y}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want, next := queryPage(t, db, s, QueryOptions{ScanLimit: -1}, tc.patterns...)
			if next != nil || len(want) == 0 {
				t.Fatal(len(want), next)
			}
			for _, budget := range []int{1, 7, 50, 300} {
				var got []string
				pages, short := 0, 0
				opts := QueryOptions{Limit: 10, ScanLimit: budget, Batch: 16}
				for {
					rows, next := queryPage(t, db, s, opts, tc.patterns...)
					got = append(got, rows...)
					if pages++; next == nil {
						break
					}
					if len(rows) < opts.Limit {
						short++
					}
					if pages > 100000 {
						t.Fatal("no progress")
					}
					opts.After = next
				}
				if !slices.Equal(got, want) {
					t.Fatalf("budget %d: %d bindings, want %d\n%v\n%v", budget, len(got), len(want), got, want)
				}
				if tc.name != "everything" && budget <= 50 && short == 0 {
					t.Fatalf("budget %d: no short page", budget)
				}
				t.Logf("budget %d: %d bindings in %d pages (%d short)", budget, len(got), pages, short)
			}
			// No Limit, no default budget: one run reads everything.
			if rows, next := queryPage(t, db, s, QueryOptions{}, tc.patterns...); next != nil || len(rows) != len(want) {
				t.Fatal(len(rows), next)
			}
		})
	}
}
