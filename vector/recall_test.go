package vector_test

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/strata-db/strata/internal/testdb"
	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/vector"
)

// RecallEnv enables TestRecallQPS, the measurement of ivf against exact
// search; it is too slow for the default run.
const RecallEnv = "STRATA_VECTOR_RECALL"

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

// TestRecallQPS measures recall@10 of ivf against exact search, and the
// queries per second of both, single-threaded and with parallel queries,
// on clustered data (200 Gaussian clusters around random centres):
//
//	STRATA_VECTOR_RECALL=1 go test -run RecallQPS -v -timeout 30m ./vector
//
// Sizes: STRATA_VECTOR_N (100000), _DIMS (64), _NLIST (400), _QUERIES
// (200), _SEED (1), _SPREAD_PCT (50: the clusters' standard deviation per
// dimension, in hundredths; the clusters overlap).
func TestRecallQPS(t *testing.T) {
	if os.Getenv(RecallEnv) == "" {
		t.Skipf("set %s=1 to run", RecallEnv)
	}
	n := envInt("STRATA_VECTOR_N", 100_000)
	dims := envInt("STRATA_VECTOR_DIMS", 64)
	nlist := envInt("STRATA_VECTOR_NLIST", 400)
	nq := envInt("STRATA_VECTOR_QUERIES", 200)
	seed := uint64(envInt("STRATA_VECTOR_SEED", 1))
	spread := float64(envInt("STRATA_VECTOR_SPREAD_PCT", 50)) / 100
	t.Logf("n=%d dims=%d clusters=200 (centres uniform in [-1,1]^dims, per-dimension sd %.2f) nlist=%d queries=%d seed=%d GOMAXPROCS=%d db=%s",
		n, dims, spread, nlist, nq, seed, runtime.GOMAXPROCS(0), testdb.URL())
	db := testdb.Open(t)
	vs := clustered(n+nq, dims, 200, spread, seed)
	items := make([]vector.Item, n)
	for i := range items {
		items[i] = vector.Item{Key: fmt.Sprintf("v%07d", i), Vector: vs[i], Metadata: map[string]any{"i": i}}
	}
	qs := vs[n:]
	ix := newIndex(t, db, "bench", vector.IndexSpec{Dims: dims, Metric: vector.Euclidean, Kind: vector.IVF, NList: nlist})
	start := time.Now()
	putAll(t, db, ix, items)
	el := time.Since(start)
	t.Logf("put: %d vectors in %v, %.0f vectors/s (batches of 1000)", n, el.Round(time.Millisecond), float64(n)/el.Seconds())
	start = time.Now()
	res, err := ix.Train(ctx, db, vector.TrainOptions{Seed: seed, SampleSize: 50 * nlist})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("train: %+v in %v", res, time.Since(start).Round(time.Millisecond))

	run := func(opts vector.SearchOptions, par int, viaDB bool) ([][]string, float64) {
		out := make([][]string, len(qs))
		var next atomic.Int64
		var wg sync.WaitGroup
		start := time.Now()
		for range par {
			wg.Go(func() {
				for {
					i := int(next.Add(1) - 1)
					if i >= len(qs) {
						return
					}
					var rs []vector.Result
					var err error
					if viaDB {
						rs, err = ix.SearchDB(ctx, db, qs[i], opts)
					} else {
						rs, err = layer.ReadTransact(ctx, db, func(tx layer.ReadTx) ([]vector.Result, error) {
							return ix.Search(tx, qs[i], opts)
						})
					}
					if err != nil {
						t.Error(err)
						return
					}
					out[i] = keys(rs)
				}
			})
		}
		wg.Wait()
		return out, float64(len(qs)) / time.Since(start).Seconds()
	}
	par := runtime.GOMAXPROCS(0)
	truth, exact1 := run(vector.SearchOptions{K: 10, Exact: true}, 1, false)
	_, exactP := run(vector.SearchOptions{K: 10, Exact: true}, par, false)
	_, exactDB := run(vector.SearchOptions{K: 10, Exact: true, Parallel: par}, 1, true)
	t.Logf("exact: %.1f QPS single-threaded, %.1f QPS with %d parallel queries, %.1f QPS SearchDB (paged, %d parallel readers)", exact1, exactP, par, exactDB, par)
	t.Logf("%7s %9s %10s %10s %10s %10s", "nprobe", "recall@10", "QPS(1)", "x exact", "QPS(par)", "x exact")
	for _, np := range []int{1, 2, 4, 8, 12, 16, 24, 32, 64} {
		if np > nlist {
			break
		}
		got, q1 := run(vector.SearchOptions{K: 10, NProbe: np}, 1, false)
		_, qp := run(vector.SearchOptions{K: 10, NProbe: np}, par, false)
		var sum float64
		for i := range got {
			sum += recall(got[i], truth[i])
		}
		t.Logf("%7d %9.4f %10.1f %10.1f %10.1f %10.1f", np, sum/float64(len(got)), q1, q1/exact1, qp, qp/exactP)
	}
	for _, np := range []int{8, 16} {
		_, q := run(vector.SearchOptions{K: 10, NProbe: np, Parallel: 1}, 1, true)
		_, qpar := run(vector.SearchOptions{K: 10, NProbe: np, Parallel: par}, 1, true)
		t.Logf("SearchDB nprobe %d: %.1f QPS reading lists sequentially, %.1f QPS with %d goroutines (one ReadTransact per list)", np, q, qpar, par)
	}
}
