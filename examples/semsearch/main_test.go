package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/strata-db/strata/eav"
	"github.com/strata-db/strata/examples/internal/example"
	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/subspace"
	"github.com/strata-db/strata/layer/tuple"
	"github.com/strata-db/strata/vector"
)

func TestRun(t *testing.T) {
	got := example.Test(t, func(ctx context.Context, db layer.DB, out io.Writer) error {
		return run(ctx, db, out, 8, 0.9)
	})
	for _, want := range []string{
		"stored: 50 documents, 50 vectors\n",
		"failed add of empty-01: document stored false, vector stored false\n",
		"trained: 4 lists, 50 vectors moved\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	// Each query's top hit.
	for q, id := range map[string]string{
		"retry conflicting writes at commit time": "db-04",
		"knead and bake bread dough":              "cook-01",
		"stars and galaxies":                      "astro-06",
		"runners train for a long race":           "sport-02",
		"feed the soil with compost":              "garden-02",
	} {
		i := strings.Index(got, fmt.Sprintf("query %q", q))
		if i < 0 {
			t.Errorf("no query %q in output", q)
			continue
		}
		lines := strings.SplitN(got[i:], "\n", 3)
		if f := strings.Fields(lines[1]); len(f) == 0 || f[0] != id {
			t.Errorf("query %q: top hit %q, want %s", q, lines[1], id)
		}
	}
	// The filter holds: the cooking query returns cooking documents only.
	i := strings.Index(got, `query "knead and bake bread dough"`)
	for _, l := range strings.Split(got[i:], "\n")[1:4] {
		if !strings.HasPrefix(strings.TrimSpace(l), "cook-") {
			t.Errorf("cooking query returned %q", l)
		}
	}
	// Exactly the two planted near-duplicate pairs.
	_, dups, _ := strings.Cut(got, "near-duplicates (cosine >= 0.90):\n")
	var pairs []string
	for _, l := range strings.Split(strings.TrimSpace(dups), "\n") {
		f := strings.Fields(l)
		pairs = append(pairs, f[0]+" "+f[1])
	}
	if want := []string{"db-01 db-07", "garden-02 garden-07"}; strings.Join(pairs, ",") != strings.Join(want, ",") {
		t.Errorf("near-duplicates %q, want %q", pairs, want)
	}
}

func TestEmbed(t *testing.T) {
	a, b := Embed("Goroutines and channels"), Embed("goroutines, AND channels!")
	var n float64
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("embedding depends on case or punctuation at %d", i)
		}
		n += float64(a[i]) * float64(a[i])
	}
	if math.Abs(n-1) > 1e-5 {
		t.Errorf("norm² %v, want 1", n)
	}
	for _, x := range Embed("the of and") {
		if x != 0 {
			t.Fatal("stopwords only: want the zero vector")
		}
	}
}

// TestRacingAdds has 16 writers add a document under the same id, each
// with its own text: exactly one commits, and the vector stored is the
// embedding of the text the document holds.
func TestRacingAdds(t *testing.T) {
	example.Test(t, func(ctx context.Context, db layer.DB, out io.Writer) error {
		root := subspace.FromTuple(tuple.Tuple{"test", "semsearch"})
		ix, err := layer.Transact(ctx, db, func(tx layer.Tx) (*vector.Index, error) {
			return vector.New(root.Sub("v")).CreateIndex(tx, "docs", vector.IndexSpec{Dims: Dims, Metric: vector.Cosine, Kind: vector.Exact})
		})
		if err != nil {
			return err
		}
		lib := Library{docs: eav.New(root.Sub("d")), ix: ix}
		const writers = 16
		var wg sync.WaitGroup
		var mu sync.Mutex
		won, lost := 0, 0
		for w := range writers {
			wg.Go(func() {
				d := doc{"same", "misc", fmt.Sprintf("writer %d wrote about topic %d", w, w*7)}
				_, err := layer.Transact(ctx, db, func(tx layer.Tx) (struct{}, error) {
					return struct{}{}, lib.Add(tx, d)
				})
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					won++
				case errors.Is(err, eav.ErrExists):
					lost++
				default:
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if won != 1 || lost != writers-1 {
			t.Errorf("won %d, lost %d; want 1 and %d", won, lost, writers-1)
		}
		_, err = layer.ReadTransact(ctx, db, func(tx layer.ReadTx) (struct{}, error) {
			d, err := lib.docs.Get(tx, "same")
			if err != nil {
				return struct{}{}, err
			}
			it, err := ix.Get(tx, "same", true)
			if err != nil {
				return struct{}{}, err
			}
			want := Embed(d["text"].(string))
			for i := range want {
				if it.Vector[i] != want[i] {
					t.Errorf("stored vector is not the embedding of %q", d["text"])
					break
				}
			}
			return struct{}{}, nil
		})
		return err
	})
}
