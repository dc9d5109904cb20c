package vector_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/strata-db/strata/internal/testdb"
	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/vector"
)

// TestIVF trains on clustered data, checks recall against exact search,
// that later puts land in their nearest list, and that an interrupted
// migration leaves search correct and resumes.
func TestIVF(t *testing.T) {
	const seed, n, dims = 11, 4000, 16
	t.Logf("seed %d", seed)
	db := testdb.Open(t)
	vs := clustered(n+500, dims, 40, 0.05, seed)
	items := make([]vector.Item, len(vs))
	for i, v := range vs {
		items[i] = vector.Item{Key: fmt.Sprintf("k%05d", i), Vector: v, Metadata: map[string]any{"i": i}}
	}
	for _, m := range []vector.Metric{vector.Euclidean, vector.Cosine, vector.Dot} {
		t.Run(string(m), func(t *testing.T) {
			ix := newIndex(t, db, "ivf", vector.IndexSpec{Dims: dims, Metric: m, Kind: vector.IVF, NList: 32, NProbe: 4})
			putAll(t, db, ix, items[:n])
			// Untrained: searches scan everything.
			q := vs[n]
			if got, want := keys(search(t, db, ix, q, vector.SearchOptions{K: 10})), bruteForce(m, items[:n], q, 10, nil); !slices.Equal(got, want) {
				t.Fatalf("untrained: %v, want %v", got, want)
			}
			res, err := ix.Train(ctx, db, vector.TrainOptions{Seed: seed, PageSize: 700})
			if err != nil {
				t.Fatal(err)
			}
			if res.Gen != 1 || res.Lists != 32 || res.Moved != n || res.Sampled != n {
				t.Errorf("Train = %+v", res)
			}
			// After training: new vectors go to their nearest lists, and
			// searches find them.
			putAll(t, db, ix, items[n:])
			var sum float64
			qs := clustered(200, dims, 40, 0.06, seed+1)
			for _, q := range qs {
				got := keys(search(t, db, ix, q, vector.SearchOptions{K: 10}))
				sum += recall(got, bruteForce(m, items, q, 10, nil))
			}
			r := sum / float64(len(qs))
			t.Logf("%s: recall@10 %.3f at nprobe 4 of 32", m, r)
			if r < 0.9 {
				t.Errorf("recall@10 = %.3f", r)
			}
			// Probing every list is exact; SearchDB (paged, parallel) agrees.
			for _, q := range qs[:20] {
				want := bruteForce(m, items, q, 10, nil)
				if got := keys(search(t, db, ix, q, vector.SearchOptions{K: 10, NProbe: 32})); !slices.Equal(got, want) {
					t.Fatalf("nprobe=all: %v, want %v", got, want)
				}
				rs, err := ix.SearchDB(ctx, db, q, vector.SearchOptions{K: 10, NProbe: 32, PageSize: 50, Parallel: 3})
				if err != nil || !slices.Equal(keys(rs), want) {
					t.Fatalf("SearchDB: %v, %v, want %v", keys(rs), err, want)
				}
				rs, err = ix.SearchDB(ctx, db, q, vector.SearchOptions{K: 10, Exact: true, PageSize: 100})
				if err != nil || !slices.Equal(keys(rs), want) {
					t.Fatalf("SearchDB exact: %v, %v, want %v", keys(rs), err, want)
				}
			}
			// Retrain with fewer lists.
			res, err = ix.Train(ctx, db, vector.TrainOptions{Seed: seed + 5, NList: 24, PageSize: 100000})
			if err != nil || res.Gen != 2 || res.Moved != len(items) {
				t.Fatalf("retrain = %+v, %v", res, err)
			}
			st, _ := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) (vector.IndexInfo, error) { return ix.Stats(tx) })
			if st.Count != int64(len(items)) || st.Lists != 24 {
				t.Errorf("Stats = %+v", st)
			}
		})
	}
}

// TestResume: a training job stopped after installing its centroids, and
// again after one migration step, keeps every vector searchable; Migrate
// finishes it.
func TestResume(t *testing.T) {
	const seed, n, dims = 3, 3000, 8
	t.Logf("seed %d", seed)
	db := testdb.Open(t)
	vs := clustered(n, dims, 20, 0.05, seed)
	items := make([]vector.Item, n)
	for i, v := range vs {
		items[i] = vector.Item{Key: fmt.Sprintf("k%05d", i), Vector: v}
	}
	ix := newIndex(t, db, "ivf", vector.IndexSpec{Dims: dims, Metric: vector.Euclidean, Kind: vector.IVF, NList: 16})
	putAll(t, db, ix, items)
	qs := clustered(20, dims, 20, 0.05, seed+1)
	check := func(stage string) {
		t.Helper()
		for _, q := range qs {
			want := bruteForce(vector.Euclidean, items, q, 10, nil)
			if got := keys(search(t, db, ix, q, vector.SearchOptions{K: 10, NProbe: 16})); !slices.Equal(got, want) {
				t.Fatalf("%s: %v, want %v", stage, got, want)
			}
		}
	}
	res, err := ix.Train(ctx, db, vector.TrainOptions{Seed: seed, InstallOnly: true})
	if err != nil || res.Moved != 0 || res.Gen != 1 {
		t.Fatalf("Train = %+v, %v", res, err)
	}
	check("installed, nothing moved")
	moved, err := layer.Transact(ctx, db, func(tx layer.Tx) (int, error) { m, _, err := ix.MigrateStep(tx, 500, 0); return m, err })
	if err != nil || moved != 500 {
		t.Fatalf("MigrateStep = %d, %v", moved, err)
	}
	check("500 moved")
	// A put of a stale key moves it too.
	putAll(t, db, ix, items[n-10:])
	check("stale keys put again")
	total, err := ix.Migrate(ctx, db, 400)
	if err != nil || total != n-500-10 {
		t.Fatalf("Migrate = %d, %v, want %d", total, err, n-510)
	}
	check("migrated")
	st, _ := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) (vector.IndexInfo, error) { return ix.Stats(tx) })
	if st.Count != n {
		t.Errorf("Count = %d, want %d", st.Count, n)
	}
}
