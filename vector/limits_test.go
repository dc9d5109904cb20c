package vector_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/strata-db/strata/internal/testdb"
	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/vector"
)

func items(vs [][]float32) []vector.Item {
	out := make([]vector.Item, len(vs))
	for i, v := range vs {
		out[i] = vector.Item{Key: fmt.Sprintf("doc-%05d", i), Vector: v}
	}
	return out
}

func putBatches(t *testing.T, db layer.DB, ix *vector.Index, its []vector.Item, batch int) {
	t.Helper()
	for i := 0; i < len(its); i += batch {
		if _, err := layer.Transact(ctx, db, func(tx layer.Tx) (struct{}, error) {
			return struct{}{}, ix.PutMany(tx, its[i:min(i+batch, len(its))])
		}); err != nil {
			t.Fatal(err)
		}
	}
}

// checkPlaced checks every key is stored once, in the current generation,
// with its expected vector.
func checkPlaced(t *testing.T, db layer.DB, ix *vector.Index, want map[string][]float32) {
	t.Helper()
	st, err := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) (vector.IndexInfo, error) { return ix.Stats(tx) })
	if err != nil || st.Count != int64(len(want)) {
		t.Fatalf("Stats = %+v, %v; want %d vectors", st, err, len(want))
	}
	moved, err := layer.Transact(ctx, db, func(tx layer.Tx) (int, error) { m, _, err := ix.MigrateStep(tx, 1, 0); return m, err })
	if err != nil || moved != 0 {
		t.Fatalf("stale entries left: MigrateStep = %d, %v", moved, err)
	}
	for k, v := range want {
		it, err := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) (vector.Item, error) { return ix.Get(tx, k, true) })
		if err != nil || !slices.Equal(it.Vector, v) {
			t.Fatalf("Get(%s) = %v, want its vector", k, err)
		}
	}
}

// Migration bounds each transaction by bytes, not just entries: at 3072
// dimensions, 900 whole vectors are over 10 MB of mutations and conflict
// ranges, which failed every step with 2101 and left the index stuck.
func TestMigrateStepBytes(t *testing.T) {
	db := testdb.Open(t)
	const dims, n = 3072, 900
	ix := newIndex(t, db, "big", vector.IndexSpec{Dims: dims, Metric: vector.Cosine, Kind: vector.IVF, NList: 4})
	its := items(clustered(n, dims, 4, 0.1, 7))
	putBatches(t, db, ix, its, 100)
	for _, stage := range []string{"train", "retrain"} {
		res, err := ix.Train(ctx, db, vector.TrainOptions{Seed: 1})
		if err != nil || res.Moved != n {
			t.Fatalf("%s: %+v, %v; want %d moved", stage, res, err, n)
		}
	}

	// The same bound at a small scale: 64 dimensions under a 40 kB size
	// limit, steps of at most 30 kB.
	ix = newIndex(t, db, "small", vector.IndexSpec{Dims: 64, Metric: vector.Euclidean, Kind: vector.IVF, NList: 4})
	its = items(clustered(200, 64, 4, 0.1, 8))
	putBatches(t, db, ix, its, 100)
	if _, err := ix.Train(ctx, db, vector.TrainOptions{Seed: 1, InstallOnly: true}); err != nil {
		t.Fatal(err)
	}
	total, steps := 0, 0
	for more := true; more; steps++ {
		var moved int
		_, err := layer.Transact(ctx, db, func(tx layer.Tx) (struct{}, error) {
			if err := tx.SetSizeLimit(40_000); err != nil {
				return struct{}{}, err
			}
			var err error
			moved, more, err = ix.MigrateStep(tx, 1000, 30_000)
			return struct{}{}, err
		})
		if err != nil {
			t.Fatalf("step %d: %v", steps, err)
		}
		total += moved
	}
	if total != len(its) || steps < 3 {
		t.Fatalf("moved %d in %d steps, want %d in several", total, steps, len(its))
	}
	res, err := ix.Train(ctx, db, vector.TrainOptions{Seed: 2, StepBytes: 30_000})
	if err != nil || res.Moved != len(its) {
		t.Fatalf("retrain: %+v, %v", res, err)
	}
}

// PutMany refuses a batch too large for one transaction with a typed
// error, writing nothing, rather than failing the commit with 2101.
func TestPutManyTooLarge(t *testing.T) {
	db := testdb.Open(t)
	const dims = 3072
	ix := newIndex(t, db, "big", vector.IndexSpec{Dims: dims, Metric: vector.Euclidean, Kind: vector.Exact})
	its := items(clustered(900, dims, 4, 0.1, 9))
	_, err := layer.Transact(ctx, db, func(tx layer.Tx) (struct{}, error) { return struct{}{}, ix.PutMany(tx, its) })
	if !errors.Is(err, vector.ErrBatchTooLarge) {
		t.Fatalf("PutMany of 900 × %d dims: %v, want ErrBatchTooLarge", dims, err)
	}
	putBatches(t, db, ix, its, 300) // 300 fit
	st, err := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) (vector.IndexInfo, error) { return ix.Stats(tx) })
	if err != nil || st.Count != 900 {
		t.Fatalf("Stats = %+v, %v", st, err)
	}
}

// A migration step conflicts only with writes to the entries it moves: a
// put or delete of an entry left for later commits alongside it, while a
// put of a moved key, in either order, is neither lost nor duplicated.
func TestMigrateConcurrentPut(t *testing.T) {
	db := testdb.Open(t)
	ix := newIndex(t, db, "ivf", vector.IndexSpec{Dims: 8, Metric: vector.Euclidean, Kind: vector.IVF, NList: 4})
	vs := clustered(60, 8, 4, 0.1, 3)
	its := items(vs)
	putBatches(t, db, ix, its, 100)
	if _, err := ix.Train(ctx, db, vector.TrainOptions{Seed: 1, InstallOnly: true}); err != nil {
		t.Fatal(err)
	}
	want := map[string][]float32{}
	for _, it := range its {
		want[it.Key] = it.Vector
	}
	other := clustered(4, 8, 1, 0.1, 4)
	stale := make([]string, 0, len(its)) // in key order, as migration goes
	for _, it := range its {
		stale = append(stale, it.Key)
	}
	// A step under a small byte budget reads 10 entries but moves only
	// the first few.
	moves := 0
	step := func() layer.Tx {
		t.Helper()
		tx, err := db.CreateTransaction()
		if err != nil {
			t.Fatal(err)
		}
		m, more, err := ix.MigrateStep(tx, 10, 1000)
		if err != nil || m < 1 || m > 5 || !more || moves != 0 && m != moves {
			t.Fatalf("MigrateStep = %d, %v, %v", m, more, err)
		}
		moves = m
		return tx
	}
	write := func(fn func(tx layer.Tx) error) {
		t.Helper()
		if _, err := layer.Transact(ctx, db, func(tx layer.Tx) (struct{}, error) { return struct{}{}, fn(tx) }); err != nil {
			t.Fatal(err)
		}
	}
	conflict := func(err error) bool { return errors.Is(err, layer.ErrNotCommitted) }

	// Writes to keys the step read but did not move, and to one it never
	// read: it commits.
	tx := step()
	k8, k9 := stale[8], stale[9]
	write(func(tx layer.Tx) error { return ix.Put(tx, k8, other[0], nil) })
	write(func(tx layer.Tx) error { _, err := ix.Delete(tx, k9); return err })
	write(func(tx layer.Tx) error { _, err := ix.Delete(tx, "doc-00059"); return err })
	want[k8] = other[0]
	delete(want, k9)
	delete(want, "doc-00059")
	if err := tx.Commit(); err != nil {
		t.Fatalf("step with writes to entries it did not move: %v, want it to commit", err)
	}
	stale = slices.DeleteFunc(stale[moves:], func(k string) bool { return k == k8 || k == k9 || k == "doc-00059" })

	// A put of a key the step moves, committed first: the step conflicts.
	tx = step()
	write(func(tx layer.Tx) error { return ix.Put(tx, stale[0], other[1], nil) })
	want[stale[0]] = other[1]
	if err := tx.Commit(); !conflict(err) {
		t.Fatalf("step after a put of a moved key: %v, want a conflict", err)
	}
	stale = stale[1:]
	// A delete of a key the step moves, committed first: likewise.
	tx = step()
	write(func(tx layer.Tx) error { _, err := ix.Delete(tx, stale[0]); return err })
	delete(want, stale[0])
	if err := tx.Commit(); !conflict(err) {
		t.Fatalf("step after a delete of a moved key: %v, want a conflict", err)
	}
	stale = stale[1:]

	// The step committed first: a put of a moved key begun before it
	// conflicts, and its retry replaces the moved entry.
	tx = step()
	put, err := db.CreateTransaction()
	if err != nil {
		t.Fatal(err)
	}
	k := stale[0]
	if err := ix.Put(put, k, other[2], nil); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := put.Commit(); !conflict(err) {
		t.Fatalf("put after a step moved its key: %v, want a conflict", err)
	}
	write(func(tx layer.Tx) error { return ix.Put(tx, k, other[2], nil) })
	want[k] = other[2]

	if _, err := ix.Migrate(ctx, db, 7); err != nil {
		t.Fatal(err)
	}
	checkPlaced(t, db, ix, want)
	var all []string
	for _, r := range search(t, db, ix, vs[0], vector.SearchOptions{K: 100, NProbe: 4}) {
		all = append(all, r.Key)
	}
	slices.Sort(all)
	if len(all) != len(want) || len(slices.Compact(all)) != len(want) {
		t.Fatalf("search found %d keys (%d distinct), want %d", len(all), len(slices.Compact(all)), len(want))
	}
}
