package embedded

import (
	"context"
	"encoding/binary"
	"strconv"
	"sync"
	"testing"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/strata-db/strata/layer"
)

// The benchmarks run each workload through the engine and on raw Pebble, in
// the same run, as pairs that sort together (BenchmarkX/engine beside
// BenchmarkX/pebble). Both sides are on disk (b.TempDir()), with the Pebble
// options the engine uses (enginePebbleOptions), and durable writes fsync
// on both sides (the engine's default WithSync(true), pebble.Sync on the
// raw side). Engine operations go through layer.Transact and
// layer.ReadTransact, as an application's would. Every benchmark uses
// b.Loop; ns/op is the wall time per operation (per transaction, per
// batch), whatever the number of clients, so throughput is 1e9/(ns/op) and
// the ratio engine/pebble of throughputs is pebble ns/op / engine ns/op.
//
//	go test ./engine/embedded/ -run '^$' -bench . -benchtime=1s -count=5
//
// -count repeats each leaf benchmark in a row (all engine runs, then all
// Pebble runs). On a shared machine, whose load and fsync latency drift,
// repeat the whole command with -count=1 instead, so that the two sides of
// a pair alternate and each engine run has a Pebble run beside it:
//
//	for i in $(seq 10); do go test ./engine/embedded/ -run '^$' -bench . -benchtime=1s -count=1; done
//
// Nothing here runs without -bench: all setup is inside the benchmarks.

const (
	readKeys   = 100_000 // keys of the read fixture
	loadChunk  = 5_000   // keys per loading transaction or batch
	rangeLen   = 1_000   // rows of a range read
	valueSize  = 100
	multiKeys  = 10 // keys of a multi-key write
	benchPrime = 7919
)

var benchValue = make([]byte, valueSize)

// benchKey is the i-th key under prefix: the prefix then i, 8 bytes
// big-endian, so that keys sort by i.
func benchKey(prefix string, i int) []byte {
	k := make([]byte, 0, len(prefix)+8)
	return binary.BigEndian.AppendUint64(append(k, prefix...), uint64(i))
}

// enginePebbleOptions returns the Pebble options the engine opens its store
// with (captured through WithPebbleOptions, so that they follow the
// engine's), for raw Pebble on the real file system.
func enginePebbleOptions(b *testing.B) *pebble.Options {
	b.Helper()
	engineOptions.once.Do(func() {
		db, err := OpenMemory(WithSync(false), WithPebbleOptions(func(po *pebble.Options) {
			engineOptions.po = po.Clone()
		}))
		if err != nil {
			engineOptions.err = err
			return
		}
		engineOptions.err = db.Close()
	})
	if engineOptions.err != nil {
		b.Fatal(engineOptions.err)
	}
	po := engineOptions.po.Clone()
	po.FS = vfs.Default
	po.Logger = quietLogger{}
	return po
}

var engineOptions struct {
	once sync.Once
	po   *pebble.Options
	err  error
}

func openEngine(b *testing.B) *DB {
	b.Helper()
	db, err := OpenDir(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

func openPebble(b *testing.B) *pebble.DB {
	b.Helper()
	pdb, err := pebble.Open(b.TempDir(), enginePebbleOptions(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { pdb.Close() })
	return pdb
}

// readFixture is the same readKeys keys, "r/" then 0..readKeys-1, with
// valueSize-byte values, in the engine and in raw Pebble, each flushed and
// compacted so that both stores have the same shape.
type readFixture struct {
	db   *DB
	pdb  *pebble.DB
	keys [][]byte
}

func newReadFixture(b *testing.B) *readFixture {
	b.Helper()
	f := &readFixture{db: openEngine(b), pdb: openPebble(b), keys: make([][]byte, readKeys)}
	for i := range f.keys {
		f.keys[i] = benchKey("r/", i)
	}
	ctx := context.Background()
	for lo := 0; lo < readKeys; lo += loadChunk {
		chunk := f.keys[lo:min(lo+loadChunk, readKeys)]
		if _, err := layer.Transact(ctx, f.db, func(tx layer.Tx) (struct{}, error) {
			for _, k := range chunk {
				tx.Set(k, benchValue)
			}
			return struct{}{}, nil
		}); err != nil {
			b.Fatal(err)
		}
		batch := f.pdb.NewBatch()
		for _, k := range chunk {
			batch.Set(k, benchValue, nil)
		}
		if err := f.pdb.Apply(batch, pebble.Sync); err != nil {
			b.Fatal(err)
		}
		batch.Close()
	}
	for _, pdb := range []*pebble.DB{f.db.pdb, f.pdb} {
		if err := pdb.Flush(); err != nil {
			b.Fatal(err)
		}
		if err := pdb.Compact(ctx, []byte{}, []byte{0xff, 0xff}, true); err != nil {
			b.Fatal(err)
		}
	}
	return f
}

// pick spreads successive operations over the keys.
func pick(i, n int) int { return i * benchPrime % n }

// BenchmarkPointRead reads one existing key of 100,000 per transaction: a
// read version and a Get (layer.ReadTransact), against raw Pebble taking a
// snapshot per read ("pebble", the pair's reference: one consistent view
// per operation, as the engine's read version) and reading from one shared
// snapshot ("pebble-shared-snapshot", Pebble's floor). Values are copied
// out on both sides.
func BenchmarkPointRead(b *testing.B) {
	f := newReadFixture(b)
	ctx := context.Background()
	b.Run("engine", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			k := f.keys[pick(i, readKeys)]
			i++
			v, err := layer.ReadTransact(ctx, f.db, func(tx layer.ReadTx) ([]byte, error) {
				return tx.Get(k).Get()
			})
			if err != nil || len(v) != valueSize {
				b.Fatal(len(v), err)
			}
		}
	})
	get := func(b *testing.B, r pebble.Reader, k []byte) []byte {
		v, closer, err := r.Get(k)
		if err != nil {
			b.Fatal(err)
		}
		out := clone(v)
		closer.Close()
		return out
	}
	b.Run("pebble", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			k := f.keys[pick(i, readKeys)]
			i++
			snap := f.pdb.NewSnapshot()
			v := get(b, snap, k)
			snap.Close()
			if len(v) != valueSize {
				b.Fatal(len(v))
			}
		}
	})
	b.Run("pebble-shared-snapshot", func(b *testing.B) {
		b.ReportAllocs()
		snap := f.pdb.NewSnapshot()
		defer snap.Close()
		i := 0
		for b.Loop() {
			k := f.keys[pick(i, readKeys)]
			i++
			if v := get(b, snap, k); len(v) != valueSize {
				b.Fatal(len(v))
			}
		}
	})
}

// BenchmarkRangeRead reads 1,000 consecutive keys of 100,000 per
// transaction (layer.ReadTransact, GetRange over a KeyRange, Slice; or All,
// row by row) against a raw Pebble iterator over the same keys (an
// iterator is a consistent view of its own). Rows are copied out on both
// sides.
func BenchmarkRangeRead(b *testing.B) {
	f := newReadFixture(b)
	ctx := context.Background()
	bounds := func(i int) layer.KeyRange {
		s := pick(i, readKeys-rangeLen)
		return layer.KeyRange{Begin: f.keys[s], End: f.keys[s+rangeLen]}
	}
	b.Run("engine", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			r := bounds(i)
			i++
			kvs, err := layer.ReadTransact(ctx, f.db, func(tx layer.ReadTx) ([]layer.KeyValue, error) {
				return tx.GetRange(r, layer.RangeOptions{}).Slice()
			})
			if err != nil || len(kvs) != rangeLen {
				b.Fatal(len(kvs), err)
			}
		}
	})
	b.Run("engine-all", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			r := bounds(i)
			i++
			kvs, err := layer.ReadTransact(ctx, f.db, func(tx layer.ReadTx) ([]layer.KeyValue, error) {
				var out []layer.KeyValue
				for kv, err := range tx.GetRange(r, layer.RangeOptions{}).All() {
					if err != nil {
						return nil, err
					}
					out = append(out, kv)
				}
				return out, nil
			})
			if err != nil || len(kvs) != rangeLen {
				b.Fatal(len(kvs), err)
			}
		}
	})
	b.Run("pebble", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			r := bounds(i)
			i++
			it, err := f.pdb.NewIter(&pebble.IterOptions{LowerBound: r.Begin, UpperBound: r.End})
			if err != nil {
				b.Fatal(err)
			}
			var out []layer.KeyValue
			for ok := it.First(); ok; ok = it.Next() {
				k := it.Key()
				v, err := it.ValueAndErr()
				if err != nil {
					b.Fatal(err)
				}
				buf := make([]byte, len(k)+len(v))
				copy(buf, k)
				copy(buf[len(k):], v)
				out = append(out, layer.KeyValue{Key: buf[:len(k):len(k)], Value: buf[len(k):]})
			}
			if err := it.Close(); err != nil {
				b.Fatal(err)
			}
			if len(out) != rangeLen {
				b.Fatal(len(out))
			}
		}
	})
}

// runClients runs the benchmark's operations on clients goroutines: op(i)
// is the i-th operation. With one client the operations run in the b.Loop
// goroutine; with more, b.Loop hands each iteration to a free client, and
// the timer runs until the last operation completes, so ns/op is wall time
// per operation over all clients.
func runClients(b *testing.B, clients int, op func(i int) error) {
	if clients == 1 {
		i := 0
		for b.Loop() {
			if err := op(i); err != nil {
				b.Fatal(err)
			}
			i++
		}
		return
	}
	work := make(chan int)
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for i := range work {
				if err := op(i); err != nil {
					b.Error(err)
				}
			}
		})
	}
	i := 0
	for b.Loop() {
		work <- i
		i++
	}
	b.StartTimer()
	close(work)
	wg.Wait()
	b.StopTimer()
}

// reportRate adds the throughput in operations per second.
func reportRate(b *testing.B, unit string) {
	if s := b.Elapsed().Seconds(); s > 0 {
		b.ReportMetric(float64(b.N)/s, unit)
	}
}

// BenchmarkDurableWrite commits a 1-key transaction (layer.Transact, one
// Set, fsynced) from 1, 16 and 64 concurrent clients, against raw Pebble
// applying a 1-key batch with pebble.Sync from as many goroutines. Each
// operation writes a new key.
func BenchmarkDurableWrite(b *testing.B) {
	ctx := context.Background()
	for _, clients := range []int{1, 16, 64} {
		b.Run("clients="+strconv.Itoa(clients), func(b *testing.B) {
			b.Run("engine", func(b *testing.B) {
				db := openEngine(b)
				b.ReportAllocs()
				runClients(b, clients, func(i int) error {
					k := benchKey("w/", i)
					_, err := layer.Transact(ctx, db, func(tx layer.Tx) (struct{}, error) {
						tx.Set(k, benchValue)
						return struct{}{}, nil
					})
					return err
				})
				reportRate(b, "tx/s")
			})
			b.Run("pebble", func(b *testing.B) {
				pdb := openPebble(b)
				b.ReportAllocs()
				runClients(b, clients, func(i int) error {
					batch := pdb.NewBatch()
					defer batch.Close()
					if err := batch.Set(benchKey("w/", i), benchValue, nil); err != nil {
						return err
					}
					return pdb.Apply(batch, pebble.Sync)
				})
				reportRate(b, "tx/s")
			})
		})
	}
}

// BenchmarkDurableWrite10 commits 10-key transactions (10 Sets, fsynced)
// from one client, against raw Pebble applying a 10-key batch with
// pebble.Sync. Each operation writes 10 new keys.
func BenchmarkDurableWrite10(b *testing.B) {
	ctx := context.Background()
	keys := func(i int) [][]byte {
		ks := make([][]byte, multiKeys)
		for j := range ks {
			ks[j] = benchKey("w/", i*multiKeys+j)
		}
		return ks
	}
	b.Run("engine", func(b *testing.B) {
		db := openEngine(b)
		b.ReportAllocs()
		runClients(b, 1, func(i int) error {
			ks := keys(i)
			_, err := layer.Transact(ctx, db, func(tx layer.Tx) (struct{}, error) {
				for _, k := range ks {
					tx.Set(k, benchValue)
				}
				return struct{}{}, nil
			})
			return err
		})
		reportRate(b, "tx/s")
	})
	b.Run("pebble", func(b *testing.B) {
		pdb := openPebble(b)
		b.ReportAllocs()
		runClients(b, 1, func(i int) error {
			batch := pdb.NewBatch()
			defer batch.Close()
			for _, k := range keys(i) {
				if err := batch.Set(k, benchValue, nil); err != nil {
					return err
				}
			}
			return pdb.Apply(batch, pebble.Sync)
		})
		reportRate(b, "tx/s")
	})
}
