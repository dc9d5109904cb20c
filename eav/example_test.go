package eav_test

import (
	"context"
	"fmt"
	"log"

	"github.com/strata-db/strata/eav"
	_ "github.com/strata-db/strata/engine/embedded" // registers mem:
	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/subspace"
	"github.com/strata-db/strata/layer/tuple"
)

func must[T any](v T, err error) T {
	if err != nil {
		log.Fatal(err)
	}
	return v
}

// Documents with nested maps and lists, read back and queried.
func Example() {
	ctx := context.Background()
	db := must(layer.Open(ctx, "mem:"))
	defer db.Close()
	people := eav.New(subspace.FromTuple(tuple.Tuple{"people"}))
	must(layer.Transact(ctx, db, func(tx layer.Tx) (struct{}, error) {
		for id, d := range map[string]eav.Document{
			"alice": {"name": "Alice", "age": 34, "langs": []string{"go", "python"}, "address": eav.Document{"city": "Paris"}},
			"bob":   {"name": "Bob", "age": 27, "langs": []string{"go"}, "address": eav.Document{"city": "Lyon"}},
			"carol": {"name": "Carol", "age": 41.5, "langs": []string{"rust", "go"}},
		} {
			if err := people.CreateWithID(tx, id, d); err != nil {
				return struct{}{}, err
			}
		}
		return struct{}{}, nil
	}))
	must(layer.ReadTransact(ctx, db, func(tx layer.ReadTx) (struct{}, error) {
		alice, err := people.Get(tx, "alice")
		if err != nil {
			return struct{}{}, err
		}
		fmt.Println(alice)
		// Every condition must hold; a list matches when one element does;
		// numbers compare by value whatever their type.
		for id, err := range people.Query(tx, eav.QueryOptions{}, eav.Ge("age", 30), eav.Eq("langs", "go")).All() {
			if err != nil {
				return struct{}{}, err
			}
			fmt.Println("age >= 30, speaks go:", id)
		}
		for id, err := range people.Query(tx, eav.QueryOptions{}, eav.Prefix("address.city", "Ly")).All() {
			if err != nil {
				return struct{}{}, err
			}
			fmt.Println("city starts with Ly:", id)
		}
		return struct{}{}, nil
	}))
	// Output:
	// map[address:map[city:Paris] age:34 langs:[go python] name:Alice]
	// age >= 30, speaks go: alice
	// age >= 30, speaks go: carol
	// city starts with Ly: bob
}

// Field-level writes: upsert some attributes, delete others.
func ExampleStore_UpsertFields() {
	ctx := context.Background()
	db := must(layer.Open(ctx, "mem:"))
	defer db.Close()
	s := eav.New(subspace.FromTuple(tuple.Tuple{"docs"}))
	must(layer.Transact(ctx, db, func(tx layer.Tx) (struct{}, error) {
		// UpsertFields creates the document if there is none.
		if err := s.UpsertFields(tx, 1, eav.Document{"title": "draft", "meta": eav.Document{"lang": "en", "words": 120}}); err != nil {
			return struct{}{}, err
		}
		if err := s.UpsertFields(tx, 1, eav.Document{"title": "final", "meta.words": 180}); err != nil {
			return struct{}{}, err
		}
		return struct{}{}, s.DeleteFields(tx, 1, "meta.lang")
	}))
	d := must(layer.ReadTransact(ctx, db, func(tx layer.ReadTx) (eav.Document, error) { return s.Get(tx, 1) }))
	fmt.Println(d)
	// Output:
	// map[meta:map[words:180] title:final]
}

// A long query read in pages, each in its own transaction.
func ExampleCursor_Continuation() {
	ctx := context.Background()
	db := must(layer.Open(ctx, "mem:"))
	defer db.Close()
	s := eav.New(subspace.FromTuple(tuple.Tuple{"nums"}))
	must(layer.Transact(ctx, db, func(tx layer.Tx) (struct{}, error) {
		for i := range 10 {
			if err := s.CreateWithID(tx, i, eav.Document{"n": i, "even": i%2 == 0}); err != nil {
				return struct{}{}, err
			}
		}
		return struct{}{}, nil
	}))
	var after eav.Continuation
	for page := 1; ; page++ {
		type result struct {
			ids  []eav.ID
			next eav.Continuation
		}
		r := must(layer.ReadTransact(ctx, db, func(tx layer.ReadTx) (result, error) {
			var r result
			cur := s.Query(tx, eav.QueryOptions{Limit: 2, After: after}, eav.Between("n", 3, 9), eav.Eq("even", true))
			for id, err := range cur.All() {
				if err != nil {
					return r, err
				}
				r.ids = append(r.ids, id)
			}
			r.next = cur.Continuation()
			return r, nil
		}))
		fmt.Println("page", page, r.ids)
		if after = r.next; after == nil {
			break
		}
	}
	// Output:
	// page 1 [4 6]
	// page 2 [8]
}

// Store-wide jobs: index an attribute of existing documents, and drop one
// everywhere, in bounded transactions that can be interrupted and resumed.
func ExampleStore_RunJob() {
	ctx := context.Background()
	db := must(layer.Open(ctx, "mem:"))
	defer db.Close()
	// A store that indexes nothing to begin with.
	s := eav.New(subspace.FromTuple(tuple.Tuple{"events"}))
	must(layer.Transact(ctx, db, func(tx layer.Tx) (struct{}, error) {
		if err := s.DropIndex(tx, "*"); err != nil {
			return struct{}{}, err
		}
		for i := range 25 {
			if err := s.CreateWithID(tx, i, eav.Document{"kind": []string{"click", "view"}[i%2], "debug": "x"}); err != nil {
				return struct{}{}, err
			}
		}
		return struct{}{}, s.AddIndex(tx, "kind")
	}))
	// Interrupted after two transactions of ten documents...
	st := must(s.RunJob(ctx, db, eav.Job{Kind: eav.BuildIndex, Arg: "kind"}, eav.JobOptions{StepDocs: 10, MaxSteps: 2}))
	fmt.Println(st.Job, "done:", st.Done, "documents:", st.Docs)
	// ... and resumed where it stopped.
	st = must(s.RunJob(ctx, db, eav.Job{Kind: eav.BuildIndex, Arg: "kind"}, eav.JobOptions{StepDocs: 10}))
	fmt.Println(st.Job, "done:", st.Done, "documents:", st.Docs)
	st = must(s.RunJob(ctx, db, eav.Job{Kind: eav.DropField, Arg: "debug"}, eav.JobOptions{}))
	fmt.Println(st.Job, "done:", st.Done, "changed:", st.Changed)
	n := must(layer.ReadTransact(ctx, db, func(tx layer.ReadTx) (int, error) {
		n := 0
		for _, err := range s.Query(tx, eav.QueryOptions{}, eav.Eq("kind", "view")).All() {
			if err != nil {
				return 0, err
			}
			n++
		}
		return n, nil
	}))
	fmt.Println("views:", n)
	// Output:
	// build-index "kind" done: false documents: 20
	// build-index "kind" done: true documents: 25
	// drop-field "debug" done: true changed: 25
	// views: 12
}
