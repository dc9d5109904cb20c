package embedded

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/strata-db/strata/layer"
)

// The benchmarks run the same work on raw Pebble (in memory, no sync) and
// through transactions, side by side, to show the cost of FoundationDB's
// semantics over the store.

const benchKeys = 10_000

func benchKey(i int) []byte {
	return binary.BigEndian.AppendUint64([]byte("bench/"), uint64(i%benchKeys))
}

var benchValue = make([]byte, 100)

func openRawPebble(b *testing.B) *pebble.DB {
	pdb, err := pebble.Open("raw", &pebble.Options{FS: vfs.NewMem(), Logger: quietLogger{}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { pdb.Close() })
	for i := 0; i < benchKeys; i++ {
		pdb.Set(benchKey(i), benchValue, pebble.NoSync)
	}
	return pdb
}

func openBenchDB(b *testing.B) *DB {
	db, err := OpenMemory(WithSync(false))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	tx, _ := db.CreateTransaction()
	for i := 0; i < benchKeys; i++ {
		tx.Set(benchKey(i), benchValue)
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	return db
}

func BenchmarkGet(b *testing.B) {
	b.Run("pebble", func(b *testing.B) {
		pdb := openRawPebble(b)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			snap := pdb.NewSnapshot()
			v, c, err := snap.Get(benchKey(i))
			if err != nil {
				b.Fatal(err)
			}
			_ = append([]byte(nil), v...)
			c.Close()
			snap.Close()
		}
	})
	b.Run("tx", func(b *testing.B) {
		db := openBenchDB(b)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			tx, _ := db.CreateTransaction()
			if _, err := tx.Get(benchKey(i)).Get(); err != nil {
				b.Fatal(err)
			}
			tx.Cancel()
		}
	})
	b.Run("tx-10-reads", func(b *testing.B) {
		db := openBenchDB(b)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i += 10 {
			tx, _ := db.CreateTransaction()
			for j := 0; j < 10; j++ {
				if _, err := tx.Get(benchKey(i + j)).Get(); err != nil {
					b.Fatal(err)
				}
			}
			tx.Cancel()
		}
	})
}

func BenchmarkCommit(b *testing.B) {
	b.Run("pebble", func(b *testing.B) {
		pdb := openRawPebble(b)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			batch := pdb.NewBatch()
			batch.Set(benchKey(i), benchValue, nil)
			if err := batch.Commit(pebble.NoSync); err != nil {
				b.Fatal(err)
			}
			batch.Close()
		}
	})
	b.Run("tx-blind-write", func(b *testing.B) {
		db := openBenchDB(b)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			tx, _ := db.CreateTransaction()
			tx.Set(benchKey(i), benchValue)
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("tx-read-modify-write", func(b *testing.B) {
		db := openBenchDB(b)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			tx, _ := db.CreateTransaction()
			if _, err := tx.Get(benchKey(i)).Get(); err != nil {
				b.Fatal(err)
			}
			tx.Set(benchKey(i), benchValue)
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkCommitDisk measures durable commits on disk from 16 goroutines
// per core: Pebble's own commit pipeline against the engine's group
// commit, both fsyncing.
func BenchmarkCommitDisk(b *testing.B) {
	b.Run("pebble", func(b *testing.B) {
		pdb, err := pebble.Open(b.TempDir(), &pebble.Options{Logger: quietLogger{}})
		if err != nil {
			b.Fatal(err)
		}
		defer pdb.Close()
		b.SetParallelism(16)
		var n atomic.Int64
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				batch := pdb.NewBatch()
				batch.Set(benchKey(int(n.Add(1))), benchValue, nil)
				if err := batch.Commit(pebble.Sync); err != nil {
					b.Error(err)
				}
				batch.Close()
			}
		})
	})
	b.Run("tx", func(b *testing.B) {
		db, err := OpenDir(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		b.SetParallelism(16)
		var n atomic.Int64
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				i := int(n.Add(1))
				tx, _ := db.CreateTransaction()
				tx.Get(benchKey(i)).Get()
				tx.Set(benchKey(i), benchValue)
				if err := tx.Commit(); err != nil && !errors.Is(err, layer.ErrNotCommitted) {
					b.Error(err)
				}
			}
		})
	})
}

// BenchmarkCommitParallel measures group commit: many goroutines each
// committing small read-modify-write transactions on distinct keys.
func BenchmarkCommitParallel(b *testing.B) {
	for _, sync := range []bool{false, true} {
		b.Run(fmt.Sprintf("pebble/sync=%v", sync), func(b *testing.B) {
			pdb := openRawPebble(b)
			wo := pebble.NoSync
			if sync {
				wo = pebble.Sync
			}
			b.SetParallelism(16)
			var n atomic.Int64
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := int(n.Add(1))
					batch := pdb.NewBatch()
					batch.Set(benchKey(i), benchValue, nil)
					if err := batch.Commit(wo); err != nil {
						b.Error(err)
					}
					batch.Close()
				}
			})
		})
		b.Run(fmt.Sprintf("tx/sync=%v", sync), func(b *testing.B) {
			db, err := OpenMemory(WithSync(sync))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { db.Close() })
			b.SetParallelism(16)
			var n, conflicts atomic.Int64
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := int(n.Add(1))
					tx, _ := db.CreateTransaction()
					tx.Get(benchKey(i)).Get()
					tx.Set(benchKey(i), benchValue)
					if err := tx.Commit(); err != nil {
						if !errors.Is(err, layer.ErrNotCommitted) {
							b.Error(err)
						}
						conflicts.Add(1)
					}
				}
			})
			b.ReportMetric(float64(conflicts.Load())/float64(b.N), "conflicts/op")
		})
	}
}

func BenchmarkRange(b *testing.B) {
	b.Run("pebble-100", func(b *testing.B) {
		pdb := openRawPebble(b)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			snap := pdb.NewSnapshot()
			it, _ := snap.NewIter(&pebble.IterOptions{LowerBound: benchKey(i), UpperBound: []byte("bench0")})
			n := 0
			for ok := it.First(); ok && n < 100; ok = it.Next() {
				v, _ := it.ValueAndErr()
				_ = append(append([]byte(nil), it.Key()...), v...)
				n++
			}
			it.Close()
			snap.Close()
		}
	})
	b.Run("tx-100", func(b *testing.B) {
		db := openBenchDB(b)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			tx, _ := db.CreateTransaction()
			kvs, err := tx.GetRange(layer.KeyRange{Begin: benchKey(i), End: []byte("bench0")}, layer.RangeOptions{Limit: 100}).Slice()
			if err != nil {
				b.Fatal(err)
			}
			_ = kvs
			tx.Cancel()
		}
	})
	b.Run("tx-100-all", func(b *testing.B) {
		db := openBenchDB(b)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			tx, _ := db.CreateTransaction()
			n := 0
			for _, err := range tx.GetRange(layer.KeyRange{Begin: benchKey(i), End: []byte("bench0")}, layer.RangeOptions{}).All() {
				if err != nil {
					b.Fatal(err)
				}
				n++
				if n == 100 {
					break
				}
			}
			tx.Cancel()
		}
	})
}
