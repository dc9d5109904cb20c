package embedded

// Benchmarks for the performance findings of the engine review: each runs
// at two sizes, so that the time per element shows how the cost grows
// (flat: linear in total; growing with n: quadratic). They use only the
// public API.

import (
	"fmt"
	"testing"

	"github.com/strata-db/strata/layer"
)

func benchDB(b *testing.B) *DB {
	b.Helper()
	db, err := OpenMemory(WithSync(false))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

func benchTx(b *testing.B, db *DB) layer.Tx {
	b.Helper()
	tx, err := db.CreateTransaction()
	if err != nil {
		b.Fatal(err)
	}
	return tx
}

// perElement reports the time per element of work (n per iteration).
func perElement(b *testing.B, n int, unit string) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/"+unit)
}

// BenchmarkClearRangeDescending: n ClearRanges issued in descending order
// in one transaction (the set of cleared ranges must insert in the
// middle).
func BenchmarkClearRangeDescending(b *testing.B) {
	for _, n := range []int{10_000, 40_000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			db := benchDB(b)
			keys := make([][]byte, n)
			for i := range keys {
				keys[i] = fmt.Appendf(nil, "doc/%08d/", i)
			}
			for b.Loop() {
				tx := benchTx(b, db)
				for i := n - 1; i >= 0; i-- {
					tx.ClearRange(layer.KeyRange{Begin: keys[i], End: append(keys[i][:len(keys[i]):len(keys[i])], 0xff)})
				}
				tx.Cancel()
			}
			perElement(b, n, "clear")
		})
	}
}

// BenchmarkRangeReadAfterAtomicOps: n atomic ops on keys after the ranges
// read, then n small range reads (each adds a read conflict range, which
// skips the buffered atomic ops).
func BenchmarkRangeReadAfterAtomicOps(b *testing.B) {
	for _, n := range []int{2_500, 10_000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			db := benchDB(b)
			one := []byte{1, 0, 0, 0, 0, 0, 0, 0}
			for b.Loop() {
				tx := benchTx(b, db)
				for i := 0; i < n; i++ {
					tx.Add(fmt.Appendf(nil, "z/counter/%08d", i), one)
				}
				for i := 0; i < n; i++ {
					k := fmt.Appendf(nil, "a/%08d/", i)
					if _, err := tx.GetRange(layer.KeyRange{Begin: k, End: append(k, 0xff)}, layer.RangeOptions{Limit: 1}).Slice(); err != nil {
						b.Fatal(err)
					}
				}
				tx.Cancel()
			}
			perElement(b, n, "read")
		})
	}
}

// BenchmarkAddGetSameKey: n times Add then Get on one stored counter (each
// read applies the pending ops).
func BenchmarkAddGetSameKey(b *testing.B) {
	for _, n := range []int{1_500, 6_000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			db := benchDB(b)
			seed := benchTx(b, db)
			seed.Set([]byte("counter"), make([]byte, 8))
			if err := seed.Commit(); err != nil {
				b.Fatal(err)
			}
			one := []byte{1, 0, 0, 0, 0, 0, 0, 0}
			for b.Loop() {
				tx := benchTx(b, db)
				for i := 0; i < n; i++ {
					tx.Add([]byte("counter"), one)
					if _, err := tx.Get([]byte("counter")).Get(); err != nil {
						b.Fatal(err)
					}
				}
				tx.Cancel()
			}
			perElement(b, n, "add+get")
		})
	}
}

// BenchmarkCommitWithWatches: commits while 5,000 watches are registered
// on other keys.
func BenchmarkCommitWithWatches(b *testing.B) {
	db := benchDB(b)
	const nw = 5000
	var ws []layer.Watch
	for i := 0; i < nw; i += 500 {
		tx := benchTx(b, db)
		for j := i; j < i+500; j++ {
			ws = append(ws, tx.Watch(fmt.Appendf(nil, "w/%06d", j)))
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	b.Cleanup(func() {
		for _, w := range ws {
			w.Cancel()
		}
	})
	vsKey := append([]byte("q/xxxxxxxxxx"), 2, 0, 0, 0)
	for _, c := range []struct {
		name string
		do   func(tx layer.Tx)
	}{
		{"plain Set", func(tx layer.Tx) { tx.Set([]byte("x"), []byte("1")) }},
		{"1 SetVersionstampedKey", func(tx layer.Tx) { tx.SetVersionstampedKey(vsKey, []byte("1")) }},
		{"50 ClearRanges", func(tx layer.Tx) {
			for i := 0; i < 50; i++ {
				k := fmt.Appendf(nil, "c/%03d", i)
				tx.ClearRange(layer.KeyRange{Begin: k, End: append(k, 0xff)})
			}
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				tx := benchTx(b, db)
				c.do(tx)
				if err := tx.Commit(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkAllSetPerRow: read-modify-write of every row of a 100,000-row
// range through All, then commit.
func BenchmarkAllSetPerRow(b *testing.B) {
	db := benchDB(b)
	const rows = 100_000
	val := make([]byte, 60)
	seed := benchTx(b, db)
	for i := 0; i < rows; i++ {
		seed.Set(fmt.Appendf(nil, "big/%08d", i), val)
	}
	if err := seed.Commit(); err != nil {
		b.Fatal(err)
	}
	r := layer.KeyRange{Begin: []byte("big/"), End: []byte("big0")}
	for _, commit := range []bool{false, true} {
		b.Run(fmt.Sprintf("commit=%v", commit), func(b *testing.B) {
			for b.Loop() {
				tx := benchTx(b, db)
				for kv, err := range tx.GetRange(r, layer.RangeOptions{}).All() {
					if err != nil {
						b.Fatal(err)
					}
					tx.Set(kv.Key, kv.Value)
				}
				if !commit {
					tx.Cancel()
					continue
				}
				// Before the fix this failed with 2101 (a read range per
				// row).
				if err := tx.Commit(); err != nil {
					b.Log(err)
				}
			}
			perElement(b, rows, "row")
		})
	}
}
