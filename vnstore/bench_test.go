package vnstore

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/strata-db/strata/internal/testdb"
	"github.com/strata-db/strata/layer"
)

// The benchmarks run on a store of benchEntities entities of three triples
// each (name, kind, rank), added by changes of 300 tuples, then reranked
// by benchUpdates changes of 100 removals and 100 additions each, so that
// the history holds several versions of many tuples.
const (
	benchEntities = 3_000
	benchUpdates  = 10
)

type benchFixture struct {
	db     layer.DB
	s      *Store
	first  ChangeID // the first change
	middle ChangeID // the last change of the initial load
}

func rank(i, round int) int { return (i + 7*round) % 100 }

func newBenchFixture(b *testing.B) *benchFixture {
	b.Helper()
	db, s := newStore(b, 3)
	f := &benchFixture{db: db, s: s}
	var batch [][]any
	flush := func() ChangeID {
		id := commit(b, db, s, batch...)
		batch = batch[:0]
		return id
	}
	for i := range benchEntities {
		kind := "person"
		if i%10 == 0 {
			kind = "org"
		}
		batch = append(batch, []any{i, "name", fmt.Sprint("name-", i)}, []any{i, "kind", kind}, []any{i, "rank", rank(i, 0)})
		if len(batch) == 300 {
			id := flush()
			if f.first.IsZero() {
				f.first = id
			}
			f.middle = id
		}
	}
	for round := 1; round <= benchUpdates; round++ {
		id := create(b, db, s)
		write(b, db, func(tx layer.Tx) (struct{}, error) {
			for j := range 100 {
				i := (round*100 + j) % benchEntities
				if _, err := s.Remove(tx, id, []any{i, "rank", rank(i, 0)}); err != nil {
					return struct{}{}, err
				}
				if _, err := s.Add(tx, id, []any{i, "rank", rank(i, round)}); err != nil {
					return struct{}{}, err
				}
			}
			return struct{}{}, nil
		})
		apply(b, db, s, id)
	}
	return f
}

// BenchmarkApply measures Apply of a change of 100 new triples (the change
// is built outside the timer).
func BenchmarkApply(b *testing.B) {
	f := newBenchFixture(b)
	next := benchEntities
	for b.Loop() {
		b.StopTimer()
		id := create(b, f.db, f.s)
		write(b, f.db, func(tx layer.Tx) (struct{}, error) {
			for j := range 100 {
				if _, err := f.s.Add(tx, id, []any{next + j, "name", "new"}); err != nil {
					return struct{}{}, err
				}
			}
			return struct{}{}, nil
		})
		next += 100
		b.StartTimer()
		apply(b, f.db, f.s, id)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/100, "ns/tuple")
}

func benchAsk(b *testing.B, opts func(f *benchFixture) QueryOptions) {
	f := newBenchFixture(b)
	o := opts(f)
	rng := rand.New(rand.NewPCG(1, 2))
	for b.Loop() {
		i := rng.IntN(benchEntities)
		testdb.Read(b, f.db, func(tx layer.ReadTx) (bool, error) {
			return f.s.Ask(tx, []any{i, "kind", "person"}, o)
		})
	}
}

// BenchmarkAsk measures Ask at the latest state: one point read.
func BenchmarkAsk(b *testing.B) {
	benchAsk(b, func(*benchFixture) QueryOptions { return QueryOptions{} })
}

// BenchmarkAskAsOf measures Ask as of a past change: a reverse range read
// of the tuple's history.
func BenchmarkAskAsOf(b *testing.B) {
	benchAsk(b, func(f *benchFixture) QueryOptions { return QueryOptions{AsOf: f.middle} })
}

func benchQuery(b *testing.B, opts func(f *benchFixture) QueryOptions) {
	f := newBenchFixture(b)
	o := opts(f)
	rng := rand.New(rand.NewPCG(1, 2))
	rows := 0
	for b.Loop() {
		r := rng.IntN(100)
		rows += testdb.Read(b, f.db, func(tx layer.ReadTx) (int, error) {
			n := 0
			for _, err := range f.s.Query(tx, o, Pattern{Var("s"), "rank", r}).All() {
				if err != nil {
					return 0, err
				}
				n++
			}
			return n, nil
		})
	}
	b.ReportMetric(float64(rows)/float64(b.N), "rows/op")
}

// BenchmarkQueryLatest measures a one-pattern query, (?s, "rank", R), at
// the latest state: one range read of the live index (about 30 rows).
func BenchmarkQueryLatest(b *testing.B) {
	benchQuery(b, func(*benchFixture) QueryOptions { return QueryOptions{} })
}

// BenchmarkQueryAsOf measures the same query as of the end of the initial
// load: one range read of the history, every version of the matching
// tuples folded to the state at that change.
func BenchmarkQueryAsOf(b *testing.B) {
	benchQuery(b, func(f *benchFixture) QueryOptions { return QueryOptions{AsOf: f.middle} })
}

// BenchmarkQueryPending measures the same query with a pending change of
// 100 edits on top of the latest state.
func BenchmarkQueryPending(b *testing.B) {
	benchQuery(b, func(f *benchFixture) QueryOptions {
		id := create(b, f.db, f.s)
		write(b, f.db, func(tx layer.Tx) (struct{}, error) {
			for i := range 100 {
				if _, err := f.s.Add(tx, id, []any{i, "rank", 1000 + i%100}); err != nil {
					return struct{}{}, err
				}
			}
			return struct{}{}, nil
		})
		return QueryOptions{Pending: id}
	})
}
