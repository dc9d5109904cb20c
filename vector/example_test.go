package vector_test

import (
	"context"
	"fmt"

	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/subspace"
	"github.com/strata-db/strata/layer/tuple"
	"github.com/strata-db/strata/vector"

	_ "github.com/strata-db/strata/engine/embedded"
)

func Example() {
	ctx := context.Background()
	db, err := layer.Open(ctx, "mem:")
	if err != nil {
		panic(err)
	}
	defer db.Close()
	b := vector.New(subspace.FromTuple(tuple.Tuple{"example", "vectors"}))
	ix, err := layer.Transact(ctx, db, func(tx layer.Tx) (*vector.Index, error) {
		ix, err := b.CreateIndex(tx, "fruit", vector.IndexSpec{Dims: 2, Metric: vector.Euclidean, Kind: vector.Exact})
		if err != nil {
			return nil, err
		}
		return ix, ix.PutMany(tx, []vector.Item{
			{Key: "apple", Vector: []float32{1, 1}, Metadata: map[string]any{"color": "red", "price": 3}},
			{Key: "cherry", Vector: []float32{1, 2}, Metadata: map[string]any{"color": "red", "price": 9}},
			{Key: "lime", Vector: []float32{1, 1.5}, Metadata: map[string]any{"color": "green", "price": 2}},
		})
	})
	if err != nil {
		panic(err)
	}
	f, err := vector.ParseFilterJSON([]byte(`{"color": "red", "price": {"$lt": 10}}`))
	if err != nil {
		panic(err)
	}
	rs, err := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) ([]vector.Result, error) {
		return ix.Search(tx, []float32{1, 1.4}, vector.SearchOptions{K: 2, Filter: f})
	})
	if err != nil {
		panic(err)
	}
	for _, r := range rs {
		fmt.Printf("%s %.1f %v\n", r.Key, r.Distance, r.Metadata["price"])
	}
	// Output:
	// apple 0.4 3
	// cherry 0.6 9
}

func ExampleParseFilterJSON() {
	_, err := vector.ParseFilterJSON([]byte(`{"$or": [{"year": {"$gte": 1990}}, {"year": {"$between": [1, 2]}}]}`))
	fmt.Println(err)
	// Output:
	// vector: invalid filter at $or[1].year.$between: unknown operator (want $eq $ne $gt $gte $lt $lte $in $nin $exists)
}
