package vnstore_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	_ "github.com/strata-db/strata/engine/embedded" // registers mem:
	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/subspace"
	"github.com/strata-db/strata/layer/tuple"
	"github.com/strata-db/strata/tuplestore"
	"github.com/strata-db/strata/vnstore"
)

// must runs fn in a transaction and stops the example on error.
func must[T any](db layer.DB, fn func(tx layer.Tx) (T, error)) T {
	v, err := layer.Transact(context.Background(), db, fn)
	if err != nil {
		log.Fatal(err)
	}
	return v
}

// titles prints the titles of the posts in the state opts names, in the
// order of the index the query reads (by title).
func titles(db layer.DB, blog *vnstore.Store, opts vnstore.QueryOptions) {
	_, err := layer.ReadTransact(context.Background(), db, func(tx layer.ReadTx) (struct{}, error) {
		cur := blog.Query(tx, opts, tuplestore.Pattern{tuplestore.Var("post"), "title", tuplestore.Var("title")})
		for b, err := range cur.All() {
			if err != nil {
				return struct{}{}, err
			}
			fmt.Printf("  %v: %v\n", b["post"], b["title"])
		}
		return struct{}{}, nil
	})
	if err != nil {
		log.Fatal(err)
	}
}

// Changes are built, then applied; every applied change stays readable.
func Example() {
	db, err := layer.Open(context.Background(), "mem:")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	blog, err := vnstore.New(subspace.FromTuple(tuple.Tuple{"blog"}), 3)
	if err != nil {
		log.Fatal(err)
	}

	// A change may be built over several transactions, then applied.
	first := must(db, func(tx layer.Tx) (vnstore.ChangeID, error) { return blog.CreateChange(tx) })
	must(db, func(tx layer.Tx) (bool, error) { return blog.Add(tx, first, []any{"post1", "title", "Hello"}) })
	must(db, func(tx layer.Tx) (bool, error) { return blog.Add(tx, first, []any{"post2", "title", "Draft"}) })
	must(db, func(tx layer.Tx) (struct{}, error) { return struct{}{}, blog.Message(tx, first, "two posts") })
	must(db, func(tx layer.Tx) (struct{}, error) { return struct{}{}, blog.Apply(tx, first) })

	// A second change, in one transaction.
	second := must(db, func(tx layer.Tx) (vnstore.ChangeID, error) {
		id, err := blog.CreateChange(tx)
		if err != nil {
			return id, err
		}
		if _, err := blog.Remove(tx, id, []any{"post2", "title", "Draft"}); err != nil {
			return id, err
		}
		if _, err := blog.Add(tx, id, []any{"post2", "title", "Final"}); err != nil {
			return id, err
		}
		return id, blog.Apply(tx, id)
	})

	fmt.Println("latest:")
	titles(db, blog, vnstore.QueryOptions{})
	fmt.Println("as of the first change:")
	titles(db, blog, vnstore.QueryOptions{AsOf: first})

	changes, _ := layer.ReadTransact(context.Background(), db, func(tx layer.ReadTx) ([]vnstore.Change, error) {
		return blog.Changes(tx)
	})
	for _, c := range changes {
		fmt.Printf("%v change of %d tuples %q, first: %v, second: %v\n", c.State, c.Tuples, c.Message, c.ID == first, c.ID == second)
	}
	// Output:
	// latest:
	//   post2: Final
	//   post1: Hello
	// as of the first change:
	//   post2: Draft
	//   post1: Hello
	// applied change of 2 tuples "two posts", first: true, second: false
	// applied change of 2 tuples "", first: false, second: true
}

// Two changes edit the same tuple; the one applied second conflicts, and
// its author rebases it, reviews it and applies it.
func ExampleStore_Apply() {
	db, err := layer.Open(context.Background(), "mem:")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	docs, err := vnstore.New(subspace.FromTuple(tuple.Tuple{"docs"}), 3)
	if err != nil {
		log.Fatal(err)
	}
	edit := func(id vnstore.ChangeID, op vnstore.Op, t ...any) {
		must(db, func(tx layer.Tx) (bool, error) {
			if op == vnstore.Add {
				return docs.Add(tx, id, t)
			}
			return docs.Remove(tx, id, t)
		})
	}
	apply := func(id vnstore.ChangeID) error {
		_, err := layer.Transact(context.Background(), db, func(tx layer.Tx) (struct{}, error) {
			return struct{}{}, docs.Apply(tx, id)
		})
		return err
	}
	create := func() vnstore.ChangeID {
		return must(db, func(tx layer.Tx) (vnstore.ChangeID, error) { return docs.CreateChange(tx) })
	}
	c0 := create()
	edit(c0, vnstore.Add, "doc", "status", "draft")
	apply(c0)

	alice, bob := create(), create()
	edit(alice, vnstore.Remove, "doc", "status", "draft")
	edit(alice, vnstore.Add, "doc", "status", "published")
	edit(bob, vnstore.Remove, "doc", "status", "draft")
	edit(bob, vnstore.Add, "doc", "status", "archived")
	fmt.Println("alice:", apply(alice))

	err = apply(bob)
	var conflict *vnstore.ConflictError
	if errors.As(err, &conflict) {
		for _, c := range conflict.Conflicts {
			fmt.Printf("bob: conflict on %v, changed by alice: %v\n", c.Tuple, c.By == alice)
		}
	}
	// Bob rebases: his removal of draft is moot now. He reads his change
	// on top of the latest state, and decides.
	must(db, func(tx layer.Tx) ([]vnstore.Conflict, error) { return docs.Rebase(tx, bob) })
	ok, _ := layer.ReadTransact(context.Background(), db, func(tx layer.ReadTx) (bool, error) {
		return docs.Ask(tx, []any{"doc", "status", "published"}, vnstore.QueryOptions{Pending: bob})
	})
	fmt.Println("bob sees published:", ok)
	edit(bob, vnstore.Remove, "doc", "status", "published")
	fmt.Println("bob:", apply(bob))
	// Output:
	// alice: <nil>
	// bob: conflict on [doc status draft], changed by alice: true
	// bob sees published: true
	// bob: <nil>
}

// The history of a tuple: every change that added or removed it, in apply
// order.
func ExampleStore_History() {
	db, err := layer.Open(context.Background(), "mem:")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	s, err := vnstore.New(subspace.FromTuple(tuple.Tuple{"flags"}), 2)
	if err != nil {
		log.Fatal(err)
	}
	for _, op := range []vnstore.Op{vnstore.Add, vnstore.Remove, vnstore.Add} {
		must(db, func(tx layer.Tx) (struct{}, error) {
			id, err := s.CreateChange(tx)
			if err != nil {
				return struct{}{}, err
			}
			if op == vnstore.Add {
				_, err = s.Add(tx, id, []any{"beta", true})
			} else {
				_, err = s.Remove(tx, id, []any{"beta", true})
			}
			if err != nil {
				return struct{}{}, err
			}
			return struct{}{}, s.Apply(tx, id)
		})
	}
	events, _ := layer.ReadTransact(context.Background(), db, func(tx layer.ReadTx) ([]vnstore.Event, error) {
		return s.History(tx, []any{"beta", true})
	})
	for _, e := range events {
		fmt.Println(e.Op)
	}
	// Output:
	// add
	// remove
	// add
}
