package vector_test

import (
	"fmt"
	"testing"

	"github.com/strata-db/strata/internal/testdb"
	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/vector"
)

// BenchmarkPut measures the put rate, 100 vectors of 64 dimensions with
// small metadata per transaction; ns/op is per vector.
func BenchmarkPut(b *testing.B) {
	db := testdb.Open(b)
	ix := newIndex(b, db, "put", vector.IndexSpec{Dims: 64, Metric: vector.Cosine, Kind: vector.Exact})
	vs := clustered(10_000, 64, 50, 0.3, 1)
	i := 0
	b.ResetTimer()
	for b.Loop() {
		batch := make([]vector.Item, 100)
		for j := range batch {
			batch[j] = vector.Item{Key: fmt.Sprintf("k%09d", i), Vector: vs[i%len(vs)], Metadata: map[string]any{"n": i}}
			i++
		}
		if _, err := layer.Transact(ctx, db, func(tx layer.Tx) (struct{}, error) { return struct{}{}, ix.PutMany(tx, batch) }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(i), "ns/vector")
}

// BenchmarkSearch measures one search of 10 nearest among 20,000 vectors
// of 64 dimensions (clustered), exact and ivf; ns/op is per query.
func BenchmarkSearch(b *testing.B) {
	db := testdb.Open(b)
	const n = 20_000
	vs := clustered(n+100, 64, 200, 0.5, 1)
	items := make([]vector.Item, n)
	for i := range items {
		items[i] = vector.Item{Key: fmt.Sprintf("k%06d", i), Vector: vs[i]}
	}
	ix := newIndex(b, db, "search", vector.IndexSpec{Dims: 64, Metric: vector.Euclidean, Kind: vector.IVF, NList: 140})
	putAll(b, db, ix, items)
	if _, err := ix.Train(ctx, db, vector.TrainOptions{Seed: 1}); err != nil {
		b.Fatal(err)
	}
	qs := vs[n:]
	for _, c := range []struct {
		name string
		opts vector.SearchOptions
	}{
		{"exact", vector.SearchOptions{K: 10, Exact: true}},
		{"ivf-nprobe8", vector.SearchOptions{K: 10, NProbe: 8}},
		{"ivf-nprobe16", vector.SearchOptions{K: 10, NProbe: 16}},
	} {
		b.Run(c.name, func(b *testing.B) {
			i := 0
			for b.Loop() {
				q := qs[i%len(qs)]
				i++
				if _, err := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) ([]vector.Result, error) {
					return ix.Search(tx, q, c.opts)
				}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
