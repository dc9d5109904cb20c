package eav

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/strata-db/strata/internal/testdb"
	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/subspace"
	"github.com/strata-db/strata/layer/tuple"
)

// The read benchmarks share one store of benchDocs documents, loaded once
// per process and only when a benchmark asks for it (go test -bench), in
// its own database ($STRATA_TEST_DB, default mem:), which TestMain clears
// and closes.
const (
	benchDocs  = 20_000
	benchPerTx = 1_000
)

var bench struct {
	once  sync.Once
	db    layer.DB
	ss    subspace.Subspace
	store *Store
	err   error
	load  time.Duration
}

func TestMain(m *testing.M) {
	code := m.Run()
	if bench.db != nil {
		r, _ := bench.ss.FullRange()
		layer.Transact(context.Background(), bench.db, func(tx layer.Tx) (struct{}, error) {
			tx.ClearRange(r)
			return struct{}{}, nil
		})
		bench.db.Close()
	}
	os.Exit(code)
}

// benchDoc is document i: seven attributes, a list and a nested map.
func benchDoc(i int) Document {
	return Document{
		"name":    fmt.Sprintf("user-%06d", i),
		"age":     18 + i%80,
		"city":    fmt.Sprintf("city-%d", i%1000), // 20 documents per city
		"active":  i%3 != 0,
		"score":   float64(i%1000) / 10,
		"tags":    []string{fmt.Sprintf("t%d", i%7), fmt.Sprintf("t%d", i%11)},
		"address": Document{"zip": fmt.Sprintf("%05d", i%5000), "street": "main street"},
	}
}

func benchStore(b *testing.B) (layer.DB, *Store) {
	bench.once.Do(func() {
		db, err := layer.Open(context.Background(), testdb.URL())
		if err != nil {
			bench.err = err
			return
		}
		bench.db = db
		bench.ss = subspace.FromTuple(tuple.Tuple{testdb.Root, "eav-bench", time.Now().UnixNano()})
		bench.store = New(bench.ss)
		start := time.Now()
		for lo := 0; lo < benchDocs && bench.err == nil; lo += benchPerTx {
			bench.err = writeErr(db, func(tx layer.Tx) error {
				for i := lo; i < lo+benchPerTx; i++ {
					if err := bench.store.CreateWithID(tx, i, benchDoc(i)); err != nil {
						return err
					}
				}
				return nil
			})
		}
		bench.load = time.Since(start)
	})
	if bench.err != nil {
		b.Fatal(bench.err)
	}
	b.Logf("store of %d documents, loaded in %v", benchDocs, bench.load.Round(time.Millisecond))
	return bench.db, bench.store
}

// BenchmarkCreate creates one document (7 attributes, 10 index entries)
// per transaction.
func BenchmarkCreate(b *testing.B) {
	db, s := newStore(b)
	i := 0
	for b.Loop() {
		d := benchDoc(i)
		i++
		if _, err := layer.Transact(context.Background(), db, func(tx layer.Tx) (ID, error) { return s.Create(tx, d) }); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGet reads one document per transaction.
func BenchmarkGet(b *testing.B) {
	db, s := benchStore(b)
	r := rand.New(rand.NewPCG(1, 2))
	for b.Loop() {
		id := r.IntN(benchDocs)
		if _, err := layer.ReadTransact(context.Background(), db, func(tx layer.ReadTx) (Document, error) { return s.Get(tx, id) }); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMultiGet reads 100 documents per transaction.
func BenchmarkMultiGet(b *testing.B) {
	db, s := benchStore(b)
	r := rand.New(rand.NewPCG(1, 2))
	ids := make([]ID, 100)
	for b.Loop() {
		for i := range ids {
			ids[i] = r.IntN(benchDocs)
		}
		if _, err := layer.ReadTransact(context.Background(), db, func(tx layer.ReadTx) ([]Document, error) { return s.MultiGet(tx, ids) }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/100, "ns/doc")
}

// BenchmarkQuery runs indexed queries to their end, one per transaction:
// an equality with 20 results, a range with 250, and an intersection of
// the two with a filter (5 results).
func BenchmarkQuery(b *testing.B) {
	db, s := benchStore(b)
	for _, bc := range []struct {
		name  string
		conds func(i int) []Cond
		want  int
	}{
		{"eq", func(i int) []Cond { return []Cond{Eq("city", fmt.Sprintf("city-%d", i%1000))} }, 20},
		{"range", func(i int) []Cond { return []Cond{Between("age", 20+i%50, 20+i%50)} }, 250},
		{"intersection", func(i int) []Cond {
			return []Cond{Eq("city", fmt.Sprintf("city-%d", i%1000)), Ge("age", 0), Eq("active", true)}
		}, -1},
	} {
		b.Run(bc.name, func(b *testing.B) {
			i, total := 0, 0
			for b.Loop() {
				conds := bc.conds(i)
				i++
				n, err := layer.ReadTransact(context.Background(), db, func(tx layer.ReadTx) (int, error) {
					n := 0
					for _, err := range s.Query(tx, QueryOptions{}, conds...).All() {
						if err != nil {
							return 0, err
						}
						n++
					}
					return n, nil
				})
				if err != nil {
					b.Fatal(err)
				}
				if bc.want >= 0 && n != bc.want {
					b.Fatalf("%v: %d results, want %d", conds, n, bc.want)
				}
				total += n
			}
			b.ReportMetric(float64(total)/float64(b.N), "ids/op")
		})
	}
}
