package tuplestore_test

import (
	"context"
	"fmt"
	"log"

	_ "github.com/strata-db/strata/engine/embedded" // registers mem:
	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/subspace"
	"github.com/strata-db/strata/layer/tuple"
	"github.com/strata-db/strata/tuplestore"
)

// A triple store: add triples, then join three patterns.
func Example() {
	ctx := context.Background()
	db, err := layer.Open(ctx, "mem:")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	// found's nstore.make("blog", ["blog"], 3) reads and writes the same keys.
	blog, err := tuplestore.New(subspace.FromTuple(tuple.Tuple{"blog"}), 3)
	if err != nil {
		log.Fatal(err)
	}
	_, err = layer.Transact(ctx, db, func(tx layer.Tx) (struct{}, error) {
		for _, t := range [][]any{
			{"hyper.dev", "title", "hyper.dev"},
			{"hyper.dev", "keyword", "scheme"},
			{"post1", "blog", "hyper.dev"},
			{"post1", "title", "hoply is awesome"},
			{"post2", "blog", "hyper.dev"},
			{"post2", "title", "hoply foundiple store"},
		} {
			if err := blog.Add(tx, t, nil); err != nil {
				return struct{}{}, err
			}
		}
		return struct{}{}, nil
	})
	if err != nil {
		log.Fatal(err)
	}
	s, p, t, b := tuplestore.Var("s"), tuplestore.Var("post"), tuplestore.Var("title"), tuplestore.Var("blog")
	_, err = layer.ReadTransact(ctx, db, func(tx layer.ReadTx) (struct{}, error) {
		cur := blog.Query(tx, tuplestore.QueryOptions{},
			tuplestore.Pattern{b, "title", "hyper.dev"},
			tuplestore.Pattern{p, "blog", b},
			tuplestore.Pattern{p, "title", t},
		)
		for binding, err := range cur.All() {
			if err != nil {
				return struct{}{}, err
			}
			fmt.Println(binding[p], binding[t])
		}
		// A repeated variable must be the same item in every place.
		for binding, err := range blog.Query(tx, tuplestore.QueryOptions{}, tuplestore.Pattern{s, "title", s}).All() {
			if err != nil {
				return struct{}{}, err
			}
			fmt.Println(binding)
		}
		return struct{}{}, nil
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// post1 hoply is awesome
	// post2 hoply foundiple store
	// map[?s:hyper.dev]
}

// A tuple holding an incomplete versionstamp gets the transaction's
// versionstamp at commit.
func ExampleStore_Add_versionstamp() {
	ctx := context.Background()
	db, err := layer.Open(ctx, "mem:")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	events, _ := tuplestore.New(subspace.FromTuple(tuple.Tuple{"events"}), 2)
	stamp, err := layer.Transact(ctx, db, func(tx layer.Tx) (layer.Future[[]byte], error) {
		if err := events.Add(tx, []any{tuple.IncompleteVersionstamp(0), "started"}, nil); err != nil {
			return nil, err
		}
		return tx.GetVersionstamp(), nil // resolves after the commit
	})
	if err != nil {
		log.Fatal(err)
	}
	b, err := stamp.Get()
	if err != nil {
		log.Fatal(err)
	}
	vs := tuple.Versionstamp{TransactionVersion: [10]byte(b), UserVersion: 0}
	found, err := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) (bool, error) {
		_, ok, err := events.Get(tx, []any{vs, "started"})
		return ok, err
	})
	fmt.Println(found, err)
	// Output: true <nil>
}

// Long results are read in pages, one transaction each, resuming from the
// continuation of the page before.
func ExampleCursor_Continuation() {
	ctx := context.Background()
	db, err := layer.Open(ctx, "mem:")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	nums, _ := tuplestore.New(subspace.FromTuple(tuple.Tuple{"nums"}), 2)
	_, err = layer.Transact(ctx, db, func(tx layer.Tx) (struct{}, error) {
		for i := range 5 {
			if err := nums.Add(tx, []any{"n", i}, nil); err != nil {
				return struct{}{}, err
			}
		}
		return struct{}{}, nil
	})
	if err != nil {
		log.Fatal(err)
	}
	var after tuplestore.Continuation
	for {
		page, err := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) ([]any, error) {
			var out []any
			cur := nums.Query(tx, tuplestore.QueryOptions{Limit: 2, After: after}, tuplestore.Pattern{"n", tuplestore.Var("i")})
			for b, err := range cur.All() {
				if err != nil {
					return nil, err
				}
				out = append(out, b["i"])
			}
			after = cur.Continuation()
			return out, nil
		})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(page)
		if after == nil {
			break
		}
	}
	// Output:
	// [0 1]
	// [2 3]
	// [4]
}

// Stores can be registered by name, as the strata command line does.
func ExampleCreate() {
	ctx := context.Background()
	db, err := layer.Open(ctx, "mem:")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	registry := subspace.FromTuple(tuple.Tuple{"app", "registry"})
	_, err = layer.Transact(ctx, db, func(tx layer.Tx) (*tuplestore.Store, error) {
		return tuplestore.Create(tx, registry, "people", tuplestore.Spec{
			Subspace: subspace.FromTuple(tuple.Tuple{"app", "people"}),
			Columns:  []string{"subject", "predicate", "object"},
		})
	})
	if err != nil {
		log.Fatal(err)
	}
	s, err := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) (*tuplestore.Store, error) {
		return tuplestore.Open(tx, registry, "people")
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(s.Name(), s.Columns(), s.ColumnNames(), s.Subspace())
	// Output: people 3 [subject predicate object] Subspace("app", "people")
}
