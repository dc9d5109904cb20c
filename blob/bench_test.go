package blob

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"testing"

	"github.com/strata-db/strata/internal/testdb"
	"github.com/strata-db/strata/layer"
)

// The benchmarks run on $STRATA_TEST_DB (default mem:) with the default
// configuration; b.SetBytes makes go test report throughput.

const benchBlob = 16 << 20

// distinct makes data differ from every earlier iteration in every 4 KiB,
// so that no chunk is shared with an earlier blob.
func distinct(data []byte, i uint64) {
	for off := 0; off+8 <= len(data); off += 4096 {
		binary.LittleEndian.PutUint64(data[off:], i)
	}
}

// BenchmarkPut writes new 16 MiB blobs through a Writer: chunking, hashing,
// and the batches' transactions.
func BenchmarkPut(b *testing.B) {
	db, s := newStore(b, Config{})
	data := randomData(1, benchBlob)
	b.SetBytes(benchBlob)
	var i uint64
	for b.Loop() {
		b.StopTimer()
		i++
		distinct(data, i)
		b.StartTimer()
		if _, err := s.Put(context.Background(), db, bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPutDuplicate writes the same 16 MiB blob again and again: every
// chunk exists, so only hashing and references are paid.
func BenchmarkPutDuplicate(b *testing.B) {
	db, s := newStore(b, Config{})
	data := randomData(2, benchBlob)
	b.SetBytes(benchBlob)
	for b.Loop() {
		if _, err := s.Put(context.Background(), db, bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGet reads a 16 MiB blob through a Reader (WriteTo), windows
// fetched ahead in the background, every chunk verified.
func BenchmarkGet(b *testing.B) {
	db, s := newStore(b, Config{})
	info, err := s.Put(context.Background(), db, bytes.NewReader(randomData(3, benchBlob)))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(benchBlob)
	for b.Loop() {
		r, err := s.NewReader(context.Background(), db, info.ID)
		if err != nil {
			b.Fatal(err)
		}
		if n, err := io.Copy(io.Discard, r); err != nil || n != benchBlob {
			b.Fatal(n, err)
		}
		r.Close()
	}
}

// BenchmarkPutSmall stores distinct 4 KiB blobs, one per transaction.
func BenchmarkPutSmall(b *testing.B) {
	db, s := newStore(b, Config{})
	data := randomData(4, 4096)
	b.SetBytes(int64(len(data)))
	var i uint64
	for b.Loop() {
		i++
		distinct(data, i)
		_, err := layer.Transact(context.Background(), db, func(tx layer.Tx) (Info, error) { return s.PutSmall(tx, data) })
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGetSmall reads a 4 KiB blob in a transaction.
func BenchmarkGetSmall(b *testing.B) {
	db, s := newStore(b, Config{})
	data := randomData(5, 4096)
	var info Info
	testdb.Write(b, db, func(tx layer.Tx) (err error) { info, err = s.PutSmall(tx, data); return err })
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		_, err := layer.ReadTransact(context.Background(), db, func(tx layer.ReadTx) ([]byte, error) { return s.GetSmall(tx, info.ID) })
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkChunker measures FastCDC alone, and BenchmarkSHA256 the hash
// every chunk and every blob go through, for comparison.
func BenchmarkChunker(b *testing.B) {
	c := newChunker(DefaultMinChunk, DefaultAvgChunk, DefaultMaxChunk)
	data := randomData(6, benchBlob)
	b.SetBytes(benchBlob)
	for b.Loop() {
		for d := data; len(d) > 0; {
			d = d[c.cut(d):]
		}
	}
}

func BenchmarkSHA256(b *testing.B) {
	data := randomData(7, benchBlob)
	b.SetBytes(benchBlob)
	for b.Loop() {
		Sum(data)
	}
}
