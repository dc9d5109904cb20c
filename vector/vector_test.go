package vector_test

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/strata-db/strata/eav"
	"github.com/strata-db/strata/internal/testdb"
	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/tuple"
	"github.com/strata-db/strata/vector"
)

func TestCRUD(t *testing.T) {
	db := testdb.Open(t)
	ix := newIndex(t, db, "docs", vector.IndexSpec{Dims: 3, Metric: vector.Euclidean, Kind: vector.Exact})
	_, err := layer.Transact(ctx, db, func(tx layer.Tx) (struct{}, error) {
		if err := ix.Put(tx, "a", []float32{1, 0, 0}, map[string]any{"n": 1}); err != nil {
			return struct{}{}, err
		}
		return struct{}{}, ix.PutMany(tx, []vector.Item{
			{Key: "b", Vector: []float32{0, 1, 0}},
			{Key: "c", Vector: []float32{0, 0, 1}, Metadata: map[string]any{"tag": "x"}},
			{Key: "b", Vector: []float32{0, 2, 0}}, // repeated: the last wins
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) (vector.Item, error) { return ix.Get(tx, "b", true) })
	if err != nil || !slices.Equal(got.Vector, []float32{0, 2, 0}) {
		t.Fatalf("Get(b) = %v, %v", got, err)
	}
	got, _ = layer.ReadTransact(ctx, db, func(tx layer.ReadTx) (vector.Item, error) { return ix.Get(tx, "a", false) })
	if got.Vector != nil || got.Metadata["n"] != 1.0 {
		t.Errorf("Get(a, no vector) = %+v", got)
	}
	st, _ := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) (vector.IndexInfo, error) { return ix.Stats(tx) })
	if st.Count != 3 {
		t.Errorf("Count = %d, want 3", st.Count)
	}
	rs := search(t, db, ix, []float32{0, 1.9, 0}, vector.SearchOptions{K: 2, WithVector: true})
	if len(rs) != 2 || rs[0].Key != "b" || math.Abs(rs[0].Distance-0.1) > 1e-6 || rs[0].Score != -rs[0].Distance || rs[0].Vector == nil {
		t.Errorf("Search = %+v", rs)
	}
	ok, err := layer.Transact(ctx, db, func(tx layer.Tx) (bool, error) { return ix.Delete(tx, "b") })
	if !ok || err != nil {
		t.Fatalf("Delete = %v, %v", ok, err)
	}
	if _, err := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) (vector.Item, error) { return ix.Get(tx, "b", false) }); !errors.Is(err, vector.ErrNotFound) {
		t.Errorf("Get after Delete: %v, want ErrNotFound", err)
	}
	st, _ = layer.ReadTransact(ctx, db, func(tx layer.ReadTx) (vector.IndexInfo, error) { return ix.Stats(tx) })
	if st.Count != 2 {
		t.Errorf("Count = %d, want 2", st.Count)
	}
}

func TestErrors(t *testing.T) {
	db := testdb.Open(t)
	ss := testdb.Subspace(t, db)
	b := vector.New(ss)
	ix := newIndex(t, db, "i", vector.IndexSpec{Dims: 2, Metric: vector.Cosine, Kind: vector.Exact})
	try := func(fn func(tx layer.Tx) error) error {
		_, err := layer.Transact(ctx, db, func(tx layer.Tx) (struct{}, error) { return struct{}{}, fn(tx) })
		return err
	}
	big := map[string]any{"s": strings.Repeat("x", vector.MaxMetadataSize)}
	many := map[string]any{}
	for i := range vector.MaxMetadataKeys + 1 {
		many[fmt.Sprint(i)] = i
	}
	cases := []struct {
		name string
		fn   func(tx layer.Tx) error
		want error
	}{
		{"dims", func(tx layer.Tx) error { return ix.Put(tx, "k", []float32{1, 2, 3}, nil) }, vector.ErrDimension},
		{"nan", func(tx layer.Tx) error { return ix.Put(tx, "k", []float32{float32(math.NaN()), 1}, nil) }, vector.ErrInvalidVector},
		{"zero cosine", func(tx layer.Tx) error { return ix.Put(tx, "k", []float32{0, 0}, nil) }, vector.ErrInvalidVector},
		{"empty key", func(tx layer.Tx) error { return ix.Put(tx, "", []float32{1, 0}, nil) }, vector.ErrKey},
		{"big metadata", func(tx layer.Tx) error { return ix.Put(tx, "k", []float32{1, 0}, big) }, vector.ErrMetadata},
		{"many fields", func(tx layer.Tx) error { return ix.Put(tx, "k", []float32{1, 0}, many) }, vector.ErrMetadata},
		{"bad json", func(tx layer.Tx) error { return ix.Put(tx, "k", []float32{1, 0}, map[string]any{"f": func() {}}) }, vector.ErrMetadata},
		{"query dims", func(tx layer.Tx) error { _, err := ix.Search(tx, []float32{1}, vector.SearchOptions{K: 1}); return err }, vector.ErrDimension},
		{"k", func(tx layer.Tx) error { _, err := ix.Search(tx, []float32{1, 0}, vector.SearchOptions{}); return err }, vector.ErrSpec},
		{"bad dims", func(tx layer.Tx) error {
			_, err := b.CreateIndex(tx, "x", vector.IndexSpec{Dims: 0, Metric: vector.Dot, Kind: vector.Exact})
			return err
		}, vector.ErrSpec},
		{"bad metric", func(tx layer.Tx) error {
			_, err := b.CreateIndex(tx, "x", vector.IndexSpec{Dims: 2, Metric: "manhattan", Kind: vector.Exact})
			return err
		}, vector.ErrSpec},
		{"exists", func(tx layer.Tx) error {
			_, err := b.CreateIndex(tx, "i", vector.IndexSpec{Dims: 2, Metric: vector.Dot, Kind: vector.Exact})
			return err
		}, vector.ErrIndexExists},
		{"no index", func(tx layer.Tx) error { _, err := b.Index(tx, "nope"); return err }, vector.ErrNoIndex},
		{"train exact", func(tx layer.Tx) error { _, err := ix.Train(ctx, db, vector.TrainOptions{}); return err }, vector.ErrNotTrained},
	}
	for _, c := range cases {
		err := try(c.fn)
		if !errors.Is(err, c.want) || !strings.HasPrefix(err.Error(), "vector: ") {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	// A handle on a dropped index fails, even if the name is reused.
	if err := try(func(tx layer.Tx) error {
		if err := b.DropIndex(tx, "i"); err != nil {
			return err
		}
		_, err := b.CreateIndex(tx, "i", vector.IndexSpec{Dims: 2, Metric: vector.Cosine, Kind: vector.Exact})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := try(func(tx layer.Tx) error { return ix.Put(tx, "k", []float32{1, 0}, nil) }); !errors.Is(err, vector.ErrIndexChanged) {
		t.Errorf("Put on a dropped index's handle: %v", err)
	}
}

func TestBucketsAndIndexes(t *testing.T) {
	db := testdb.Open(t)
	ss := testdb.Subspace(t, db)
	reg := ss.Sub("registry")
	_, err := layer.Transact(ctx, db, func(tx layer.Tx) (struct{}, error) {
		b, err := vector.Create(tx, reg, "b1", vector.Spec{Subspace: ss.Sub("b1")})
		if err != nil {
			return struct{}{}, err
		}
		for _, n := range []string{"x", "y"} {
			ix, err := b.CreateIndex(tx, n, vector.IndexSpec{Dims: 2, Metric: vector.Dot, Kind: vector.IVF, NList: 4})
			if err != nil {
				return struct{}{}, err
			}
			if err := ix.Put(tx, "k", []float32{1, 2}, nil); err != nil {
				return struct{}{}, err
			}
		}
		return struct{}{}, b.DropIndex(tx, "y")
	})
	if err != nil {
		t.Fatal(err)
	}
	infos, err := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) ([]vector.IndexInfo, error) {
		b, err := vector.Open(tx, reg, "b1")
		if err != nil {
			return nil, err
		}
		return b.Indexes(tx)
	})
	if err != nil || len(infos) != 1 || infos[0].Name != "x" || infos[0].Kind != vector.IVF || infos[0].NList != 4 {
		t.Fatalf("Indexes = %+v, %v", infos, err)
	}
	// Dropping y left none of its keys.
	r, _ := ss.Sub("b1").RangeOf(tuple.Tuple{"x", "y"})
	n, _ := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) (int, error) {
		kvs, err := tx.GetRange(r, layer.RangeOptions{}).Slice()
		return len(kvs), err
	})
	if n != 0 {
		t.Errorf("%d keys left of a dropped index", n)
	}
	if _, err := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) (*vector.Bucket, error) { return vector.Open(tx, reg, "nope") }); !errors.Is(err, vector.ErrNoBucket) {
		t.Errorf("Open(nope) = %v", err)
	}
}

// TestComposes: a vector put and an eav document in one transaction
// commit together or not at all.
func TestComposes(t *testing.T) {
	db := testdb.Open(t)
	ss := testdb.Subspace(t, db)
	docs := eav.New(ss.Sub("docs"))
	ix := newIndex(t, db, "v", vector.IndexSpec{Dims: 2, Metric: vector.Euclidean, Kind: vector.Exact})
	boom := errors.New("boom")
	for _, fail := range []bool{true, false} {
		_, err := layer.Transact(ctx, db, func(tx layer.Tx) (struct{}, error) {
			if err := docs.CreateWithID(tx, "d1", eav.Document{"title": "hello"}); err != nil {
				return struct{}{}, err
			}
			if err := ix.Put(tx, "d1", []float32{1, 2}, map[string]any{"doc": "d1"}); err != nil {
				return struct{}{}, err
			}
			if fail {
				return struct{}{}, boom
			}
			return struct{}{}, nil
		})
		if fail != errors.Is(err, boom) || !fail && err != nil {
			t.Fatal(err)
		}
		both, _ := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) ([2]bool, error) {
			d, _ := docs.Exists(tx, "d1")
			_, err := ix.Get(tx, "d1", false)
			return [2]bool{d, err == nil}, nil
		})
		if both[0] != !fail || both[1] != !fail {
			t.Errorf("fail=%v: document present %v, vector present %v", fail, both[0], both[1])
		}
	}
}

// TestMetrics checks each metric's ranking against brute force.
func TestMetrics(t *testing.T) {
	db := testdb.Open(t)
	const seed = 7
	t.Logf("seed %d", seed)
	vs := clustered(500, 8, 10, 0.2, seed)
	qs := clustered(20, 8, 10, 0.3, seed+1)
	for _, m := range []vector.Metric{vector.Cosine, vector.Euclidean, vector.Dot} {
		ix := newIndex(t, db, string(m), vector.IndexSpec{Dims: 8, Metric: m, Kind: vector.Exact})
		items := make([]vector.Item, len(vs))
		for i, v := range vs {
			items[i] = vector.Item{Key: fmt.Sprintf("k%04d", i), Vector: v}
		}
		putAll(t, db, ix, items)
		for _, q := range qs {
			got := keys(search(t, db, ix, q, vector.SearchOptions{K: 10}))
			want := bruteForce(m, items, q, 10, nil)
			if recall(got, want) < 1 {
				t.Errorf("%s: got %v, want %v", m, got, want)
			}
		}
	}
}
