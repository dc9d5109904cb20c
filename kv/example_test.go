package kv_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"math"
	"time"

	_ "github.com/strata-db/strata/engine/embedded" // registers mem:
	"github.com/strata-db/strata/kv"
	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/subspace"
	"github.com/strata-db/strata/layer/tuple"
)

// Versioned values: a put, a compare-and-swap on the version read, and a
// stale CAS that fails.
func Example() {
	ctx := context.Background()
	db, err := layer.Open(ctx, "mem:")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	s := kv.New(subspace.FromTuple(tuple.Tuple{"app"}), kv.Options{})

	w, err := layer.Transact(ctx, db, func(tx layer.Tx) (kv.Write, error) {
		return s.Put(tx, "greeting", []byte("hello"), kv.PutOptions{IfAbsent: true})
	})
	if err != nil {
		log.Fatal(err)
	}
	v1, _ := w.Version.Get() // known once the transaction has committed

	_, err = layer.Transact(ctx, db, func(tx layer.Tx) (kv.Write, error) {
		return s.Put(tx, "greeting", []byte("hello, world"), kv.PutOptions{IfMatch: v1})
	})
	fmt.Println("cas with the current version:", err)
	_, err = layer.Transact(ctx, db, func(tx layer.Tx) (kv.Write, error) {
		return s.Put(tx, "greeting", []byte("hi"), kv.PutOptions{IfMatch: v1})
	})
	fmt.Println("cas with a stale version:", errors.Is(err, kv.ErrVersionMismatch))
	item, _ := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) (kv.Item, error) { return s.Get(tx, "greeting") })
	fmt.Printf("%s (newer: %v)\n", item.Value, item.Version.Compare(v1) > 0)
	// Output:
	// cas with the current version: <nil>
	// cas with a stale version: true
	// hello, world (newer: true)
}

// A leaderboard on a sorted set, and an atomic pop of the lowest score.
func ExampleStore_ZPopMin() {
	ctx := context.Background()
	db, _ := layer.Open(ctx, "mem:")
	defer db.Close()
	s := kv.New(subspace.FromTuple(tuple.Tuple{"game"}), kv.Options{})
	layer.Transact(ctx, db, func(tx layer.Tx) (struct{}, error) {
		for name, score := range map[string]float64{"ann": 310, "bob": 120, "cy": 250} {
			if _, err := s.ZAdd(tx, "board", name, score); err != nil {
				return struct{}{}, err
			}
		}
		return struct{}{}, nil
	})
	top, _ := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) ([]kv.Scored, error) {
		return s.ZRangeByScore(tx, "board", math.Inf(-1), math.Inf(1), kv.ZRangeOptions{Limit: 2, Reverse: true})
	})
	fmt.Println("top two:", top)
	low, _ := layer.Transact(ctx, db, func(tx layer.Tx) ([]kv.Scored, error) { return s.ZPopMin(tx, "board", 1) })
	fmt.Println("popped:", low)
	// Output:
	// top two: [{ann 310} {cy 250}]
	// popped: [{bob 120}]
}

// A value with a time to live, on a clock the example controls.
func ExampleStore_Sweep() {
	ctx := context.Background()
	db, _ := layer.Open(ctx, "mem:")
	defer db.Close()
	now := time.Unix(1_700_000_000, 0)
	s := kv.New(subspace.FromTuple(tuple.Tuple{"sessions"}), kv.Options{
		DefaultTTL: 30 * time.Minute,
		Clock:      func() time.Time { return now },
	})
	layer.Transact(ctx, db, func(tx layer.Tx) (kv.Write, error) {
		return s.Put(tx, "sess:1", []byte("alice"), kv.PutOptions{})
	})
	now = now.Add(31 * time.Minute)
	_, err := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) (kv.Item, error) { return s.Get(tx, "sess:1") })
	fmt.Println(err)
	for {
		res, err := layer.Transact(ctx, db, func(tx layer.Tx) (kv.SweepResult, error) { return s.Sweep(tx, 100) })
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("swept", res.Values)
		if !res.More {
			break
		}
	}
	// Output:
	// kv: not found: "sess:1"
	// swept 1
}
