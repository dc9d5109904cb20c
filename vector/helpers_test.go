package vector_test

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/strata-db/strata/internal/testdb"
	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/vector"
)

var ctx = context.Background()

// clustered returns n vectors of dims dimensions drawn from Gaussian
// clusters around random centres: not uniform noise, so that an ivf
// index's lists mean something. Deterministic for a seed.
func clustered(n, dims, clusters int, spread float64, seed uint64) [][]float32 {
	rng := rand.New(rand.NewPCG(seed, 1))
	centres := make([][]float64, clusters)
	for i := range centres {
		centres[i] = make([]float64, dims)
		for d := range centres[i] {
			centres[i][d] = rng.Float64()*2 - 1
		}
	}
	out := make([][]float32, n)
	for i := range out {
		c := centres[rng.IntN(clusters)]
		v := make([]float32, dims)
		for d := range v {
			v[d] = float32(c[d] + rng.NormFloat64()*spread)
		}
		out[i] = v
	}
	return out
}

func newIndex(t testing.TB, db layer.DB, name string, spec vector.IndexSpec) *vector.Index {
	t.Helper()
	b := vector.New(testdb.Subspace(t, db))
	ix, err := layer.Transact(ctx, db, func(tx layer.Tx) (*vector.Index, error) {
		return b.CreateIndex(tx, name, spec)
	})
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

func putAll(t testing.TB, db layer.DB, ix *vector.Index, items []vector.Item) {
	t.Helper()
	for i := 0; i < len(items); i += 1000 {
		batch := items[i:min(i+1000, len(items))]
		if _, err := layer.Transact(ctx, db, func(tx layer.Tx) (struct{}, error) {
			return struct{}{}, ix.PutMany(tx, batch)
		}); err != nil {
			t.Fatal(err)
		}
	}
}

// bruteForce is an independent top-k: every item, filtered, by distance
// computed in float64, ties by key.
func bruteForce(m vector.Metric, items []vector.Item, q []float32, k int, keep func(map[string]any) bool) []string {
	type kd struct {
		k string
		d float64
	}
	var all []kd
	for _, it := range items {
		if keep != nil && !keep(it.Metadata) {
			continue
		}
		all = append(all, kd{it.Key, dist(m, q, it.Vector)})
	}
	slices.SortFunc(all, func(a, b kd) int {
		if a.d != b.d {
			if a.d < b.d {
				return -1
			}
			return 1
		}
		if a.k < b.k {
			return -1
		}
		return 1
	})
	var out []string
	for _, x := range all[:min(k, len(all))] {
		out = append(out, x.k)
	}
	return out
}

func dist(m vector.Metric, a, b []float32) float64 {
	var dot, na, nb, l2 float64
	for i := range a {
		x, y := float64(a[i]), float64(b[i])
		dot += x * y
		na += x * x
		nb += y * y
		l2 += (x - y) * (x - y)
	}
	switch m {
	case vector.Euclidean:
		return math.Sqrt(l2)
	case vector.Dot:
		return -dot
	}
	return 1 - dot/math.Sqrt(na*nb)
}

func keys(rs []vector.Result) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Key
	}
	return out
}

func search(t testing.TB, db layer.DB, ix *vector.Index, q []float32, opts vector.SearchOptions) []vector.Result {
	t.Helper()
	rs, err := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) ([]vector.Result, error) {
		return ix.Search(tx, q, opts)
	})
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// recall is the fraction of want found in got.
func recall(got, want []string) float64 {
	if len(want) == 0 {
		return 1
	}
	n := 0
	for _, w := range want {
		if slices.Contains(got, w) {
			n++
		}
	}
	return float64(n) / float64(len(want))
}
