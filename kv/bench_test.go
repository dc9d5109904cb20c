package kv

import (
	"fmt"
	"testing"

	"github.com/strata-db/strata/layer"
)

func BenchmarkPut(b *testing.B) {
	db, s, _ := newStore(b, Options{})
	v := make([]byte, 100)
	i := 0
	for b.Loop() {
		i++
		must(b, db, func(tx layer.Tx) (Write, error) { return s.Put(tx, fmt.Sprint(i%1000), v, PutOptions{}) })
	}
}

func BenchmarkGet(b *testing.B) {
	db, s, _ := newStore(b, Options{})
	put(b, db, s, "k", string(make([]byte, 100)), PutOptions{})
	for b.Loop() {
		if _, err := get(b, db, s, "k"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCAS(b *testing.B) {
	db, s, _ := newStore(b, Options{})
	ver := put(b, db, s, "k", "0", PutOptions{})
	for b.Loop() {
		w := must(b, db, func(tx layer.Tx) (Write, error) { return s.Put(tx, "k", []byte("x"), PutOptions{IfMatch: ver}) })
		var err error
		if ver, err = w.Version.Get(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkIncr(b *testing.B) {
	db, s, _ := newStore(b, Options{})
	c, _ := s.Counter("n")
	for b.Loop() {
		must(b, db, func(tx layer.Tx) (struct{}, error) { c.Add(tx, 1); return struct{}{}, nil })
	}
}

// BenchmarkIncrParallel: concurrent adds to one counter never conflict.
func BenchmarkIncrParallel(b *testing.B) {
	db, s, _ := newStore(b, Options{})
	c, _ := s.Counter("n")
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			must(b, db, func(tx layer.Tx) (struct{}, error) { c.Add(tx, 1); return struct{}{}, nil })
		}
	})
}

// BenchmarkZAddZPop: one ZAdd and one ZPopMin per iteration.
func BenchmarkZAddZPop(b *testing.B) {
	db, s, _ := newStore(b, Options{})
	i := 0
	for b.Loop() {
		i++
		must(b, db, func(tx layer.Tx) (bool, error) { return s.ZAdd(tx, "q", fmt.Sprint(i), float64(i%100)) })
		must(b, db, func(tx layer.Tx) ([]Scored, error) { return s.ZPopMin(tx, "q", 1) })
	}
}
