package tuplestore

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

// The query benchmarks share one store of a million triples, loaded once
// per process, and only when a benchmark asks for it (go test -bench). It
// lives in its own database ($STRATA_TEST_DB, default mem:), which
// TestMain clears and closes.
const (
	benchEntities = 100_000 // ten triples each
	benchPerTx    = 5_000   // triples per loading transaction
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

// entityTriples returns the ten triples of entity i.
func entityTriples(i int) [][]any {
	n := benchEntities
	kind := "person"
	if i%10 == 0 {
		kind = "org"
	}
	return [][]any{
		{i, "type", kind},
		{i, "name", fmt.Sprintf("name-%d", i)},
		{i, "age", i % 90},
		{i, "knows", (i*7 + 1) % n},
		{i, "knows", (i*13 + 2) % n},
		{i, "knows", (i*31 + 3) % n},
		{i, "city", fmt.Sprintf("city-%d", i%1000)},
		{i, "tag", fmt.Sprintf("tag-%d", i%50)},
		{i, "tag", fmt.Sprintf("tag-%d", (i+1)%50)},
		{i, "score", i * 3 % 1000},
	}
}

// millionTriples returns the shared store, loading it on first use in
// transactions of benchPerTx triples.
func millionTriples(b *testing.B) *Store {
	bench.once.Do(func() {
		ctx := context.Background()
		bench.db, bench.err = layer.Open(ctx, testdb.URL())
		if bench.err != nil {
			return
		}
		bench.ss = subspace.FromTuple(tuple.Tuple{testdb.Root, "tuplestore-bench", fmt.Sprintf("%016x", rand.Uint64())})
		bench.store, _ = New(bench.ss, 3)
		start := time.Now()
		per := benchPerTx / 10
		for first := 0; first < benchEntities; first += per {
			_, bench.err = layer.Transact(ctx, bench.db, func(tx layer.Tx) (struct{}, error) {
				for i := first; i < min(first+per, benchEntities); i++ {
					for _, t := range entityTriples(i) {
						if err := bench.store.Add(tx, t, nil); err != nil {
							return struct{}{}, err
						}
					}
				}
				return struct{}{}, nil
			})
			if bench.err != nil {
				return
			}
		}
		bench.load = time.Since(start)
		fmt.Fprintf(os.Stderr, "loaded %d triples (%d keys) in %v: %.0f triples/s\n",
			benchEntities*10, benchEntities*10*3, bench.load.Round(time.Millisecond), float64(benchEntities*10)/bench.load.Seconds())
	})
	if bench.err != nil {
		b.Fatal(bench.err)
	}
	return bench.store
}

// BenchmarkAdd measures Add: transactions of 1 and of 1,000 triples into
// a store that grows as the benchmark runs.
func BenchmarkAdd(b *testing.B) {
	for _, per := range []int{1, 1000} {
		b.Run(fmt.Sprintf("tx=%d", per), func(b *testing.B) {
			db, s := newStore(b, 3)
			ctx := context.Background()
			next := 0
			for b.Loop() {
				_, err := layer.Transact(ctx, db, func(tx layer.Tx) (struct{}, error) {
					for j := range per {
						i := next + j
						if err := s.Add(tx, []any{i, "knows", fmt.Sprintf("name-%d", i)}, nil); err != nil {
							return struct{}{}, err
						}
					}
					return struct{}{}, nil
				})
				if err != nil {
					b.Fatal(err)
				}
				next += per
			}
			b.ReportMetric(float64(next)/b.Elapsed().Seconds(), "triples/s")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(next), "ns/triple")
		})
	}
}

// runQuery runs one query to its end in a read transaction and returns the
// number of bindings.
func runQuery(b *testing.B, db layer.DB, s *Store, opts QueryOptions, ps ...Pattern) int {
	n, err := layer.ReadTransact(context.Background(), db, func(tx layer.ReadTx) (int, error) {
		n := 0
		for _, err := range s.Query(tx, opts, ps...).All() {
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
	return n
}

// BenchmarkQuery1 measures one-pattern queries on a million triples: the
// subjects that know a random entity (about 3 bindings: one short range
// read), and the first 1,000 subjects with a tag (of 20,000).
func BenchmarkQuery1(b *testing.B) {
	s := millionTriples(b)
	rng := rand.New(rand.NewPCG(1, 2))
	b.Run("knows", func(b *testing.B) {
		total := 0
		for b.Loop() {
			total += runQuery(b, bench.db, s, QueryOptions{}, Pattern{Var("s"), "knows", rng.IntN(benchEntities)})
		}
		b.ReportMetric(float64(total)/float64(b.N), "bindings/op")
	})
	b.Run("tag-limit-1000", func(b *testing.B) {
		for b.Loop() {
			if n := runQuery(b, bench.db, s, QueryOptions{Limit: 1000}, Pattern{Var("s"), "tag", fmt.Sprintf("tag-%d", rng.IntN(50))}); n != 1000 {
				b.Fatalf("%d bindings", n)
			}
		}
		b.ReportMetric(1000, "bindings/op")
	})
}

// BenchmarkQuery3 measures three-pattern joins on a million triples:
// friends of friends of a random entity with their names (9 bindings,
// 1 + 3 + 9 lookups), and the names of the organisations of a city, where
// the planner starts from the city (100 rows) rather than the type (10,000)
// by the estimated range sizes.
func BenchmarkQuery3(b *testing.B) {
	s := millionTriples(b)
	rng := rand.New(rand.NewPCG(3, 4))
	b.Run("friends-of-friends", func(b *testing.B) {
		for b.Loop() {
			e := rng.IntN(benchEntities)
			n := runQuery(b, bench.db, s, QueryOptions{},
				Pattern{e, "knows", Var("f")},
				Pattern{Var("f"), "knows", Var("g")},
				Pattern{Var("g"), "name", Var("n")},
			)
			if n != 9 {
				b.Fatalf("%d bindings for %d", n, e)
			}
		}
		b.ReportMetric(9, "bindings/op")
	})
	b.Run("orgs-of-a-city", func(b *testing.B) {
		for b.Loop() {
			city := 10 * rng.IntN(100) // cities whose entities are all organisations
			n := runQuery(b, bench.db, s, QueryOptions{},
				Pattern{Var("p"), "type", "org"},
				Pattern{Var("p"), "city", fmt.Sprintf("city-%d", city)},
				Pattern{Var("p"), "name", Var("n")},
			)
			if n != 100 {
				b.Fatalf("%d bindings for city-%d", n, city)
			}
		}
		b.ReportMetric(100, "bindings/op")
	})
}
