package invindex

import (
	"context"
	"fmt"
	"testing"

	"github.com/strata-db/strata/internal/testdb"
	"github.com/strata-db/strata/layer"
)

// TestReadsBounded checks that evaluation skips: an And query of a rare
// and a common term reads about as many postings as the rare term has,
// not the common term's list; so does an Or query for the top 1, once
// MaxScore finds that the common term alone cannot reach the best score.
func TestReadsBounded(t *testing.T) {
	ctx := context.Background()
	db := testdb.Open(t)
	ix, _ := New(testdb.Subspace(t, db), Options{})
	const n = 4000
	for i := 0; i < n; i += 500 {
		_, err := layer.Transact(ctx, db, func(tx layer.Tx) (any, error) {
			for j := i; j < i+500; j++ {
				text := "common filler"
				if j%800 == 0 {
					text += " rare"
				}
				if err := ix.Index(tx, fmt.Sprintf("d%05d", j), text); err != nil {
					return nil, err
				}
			}
			return nil, nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	measure := func(q string, mode Mode, k int) (int, []Hit) {
		st, err := ix.begin(Tokenize(q), SearchOptions{Mode: mode, Limit: k})
		if err != nil {
			t.Fatal(err)
		}
		_, err = layer.ReadTransact(ctx, db, func(tx layer.ReadTx) (bool, error) { return ix.run(tx, st, 0) })
		if err != nil {
			t.Fatal(err)
		}
		return st.reads, st.result()
	}
	reads, hits := measure("rare common", And, 10)
	if len(hits) != 5 || reads > 5*20 {
		t.Errorf("And rare common: %d hits, %d postings read (of %d)", len(hits), reads, n+5)
	}
	orReads, hits := measure("rare common", Or, 1)
	if len(hits) != 1 || orReads > 200 {
		t.Errorf("Or rare common top 1: %d hits, %d postings read (of %d)", len(hits), orReads, n+5)
	}
	full, _ := measure("common", Or, n)
	if full != n {
		t.Errorf("Or common, all hits: read %d postings, want %d", full, n)
	}
	t.Logf("rare+common: And read %d postings, Or top 1 read %d; the lists hold %d", reads, orReads, n+5)
}
