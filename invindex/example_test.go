package invindex_test

import (
	"context"
	"fmt"

	"github.com/strata-db/strata/invindex"
	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/subspace"
	"github.com/strata-db/strata/layer/tuple"

	_ "github.com/strata-db/strata/engine/embedded" // registers mem:
)

func Example() {
	ctx := context.Background()
	db, err := layer.Open(ctx, "mem:")
	if err != nil {
		panic(err)
	}
	defer db.Close()
	ix, _ := invindex.New(subspace.FromTuple(tuple.Tuple{"example", "search"}), invindex.Options{})
	_, err = layer.Transact(ctx, db, func(tx layer.Tx) (any, error) {
		for id, text := range map[string]string{
			"fdb":    "FoundationDB: a distributed, transactional key-value store",
			"sqlite": "SQLite: an embedded SQL database engine",
			"pebble": "Pebble: a key-value store inspired by RocksDB",
		} {
			if err := ix.Index(tx, id, text); err != nil {
				return nil, err
			}
		}
		return nil, nil
	})
	if err != nil {
		panic(err)
	}
	hits, err := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) ([]invindex.Hit, error) {
		return ix.Search(tx, "key-value store", invindex.SearchOptions{Limit: 10})
	})
	if err != nil {
		panic(err)
	}
	for _, h := range hits {
		fmt.Printf("%s %.4f\n", h.ID, h.Score)
	}
	and, _ := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) ([]invindex.Hit, error) {
		return ix.Search(tx, "embedded database", invindex.SearchOptions{Mode: invindex.And})
	})
	fmt.Println(len(and), and[0].ID)
	// Output:
	// fdb 1.4100
	// pebble 1.3322
	// 1 sqlite
}

// IndexCounts takes term counts as found's pstore did; reindexing a
// document replaces its postings, and Remove clears them.
func ExampleIndex_IndexCounts() {
	ctx := context.Background()
	db, _ := layer.Open(ctx, "mem:")
	defer db.Close()
	ix, _ := invindex.New(subspace.FromTuple(tuple.Tuple{"example", "pstore"}), invindex.Options{})
	show := func(q string) {
		hits, _ := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) ([]invindex.Hit, error) {
			return ix.Search(tx, q, invindex.SearchOptions{})
		})
		fmt.Printf("%s:", q)
		for _, h := range hits {
			fmt.Printf(" %s", h.ID)
		}
		fmt.Println()
	}
	layer.Transact(ctx, db, func(tx layer.Tx) (any, error) {
		ix.IndexCounts(tx, "0", map[string]int{"foundationdb": 1, "okvs": 2, "database": 42})
		ix.IndexCounts(tx, "1", map[string]int{"sqlite": 1, "sql": 2, "database": 3})
		return nil, nil
	})
	show("database")
	layer.Transact(ctx, db, func(tx layer.Tx) (any, error) {
		return nil, ix.IndexCounts(tx, "0", map[string]int{"foundationdb": 1})
	})
	show("database")
	layer.Transact(ctx, db, func(tx layer.Tx) (any, error) {
		return ix.Remove(tx, "1")
	})
	show("database")
	// Output:
	// database: 0 1
	// database: 1
	// database:
}
