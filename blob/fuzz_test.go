package blob

import (
	"bytes"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/tuple"
)

// FuzzDecodePage feeds arbitrary bytes to the manifest page decoder. It
// checks that decodePage never panics, reports failures as ErrCorrupt,
// accepts only pages that fit a value and hold valid chunk sizes, and that
// what it accepts encodes back to the same bytes.
func FuzzDecodePage(f *testing.F) {
	f.Add(encodePage([]entry{{hash: Sum([]byte("a")), size: 1}}))
	f.Add(encodePage([]entry{{hash: Sum(nil), size: MaxChunkLimit}, {hash: ID{1}, size: 4096}}))
	f.Add([]byte{})
	f.Add([]byte{formatVersion})
	f.Add([]byte{2, 0})
	f.Add(append([]byte{formatVersion}, make([]byte, entrySize)...))
	f.Fuzz(func(t *testing.T, v []byte) {
		es, err := decodePage(v)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) || es != nil {
				t.Fatalf("decodePage(%x) = %v, %v", v, es, err)
			}
			return
		}
		if len(es) == 0 || len(es) > maxPageEntries || len(v) > layer.MaxValueSize {
			t.Fatalf("decodePage accepted %d entries from %d bytes", len(es), len(v))
		}
		for _, e := range es {
			if e.size == 0 || e.size > MaxChunkLimit {
				t.Fatalf("decodePage accepted a chunk of %d bytes", e.size)
			}
		}
		if back := encodePage(es); !bytes.Equal(back, v) {
			t.Fatalf("decodePage(%x) re-encodes as %x", v, back)
		}
	})
}

// FuzzDecodeHeader feeds arbitrary bytes to the blob header decoder: no
// panic, ErrCorrupt on failure, consistent fields on success, and a round
// trip of what it accepts.
func FuzzDecodeHeader(f *testing.F) {
	f.Add(encodeHeader(header{size: 100, chunks: 2, created: time.Unix(1, 2), manifest: tuple.UUID{1}}))
	f.Add(encodeHeader(header{created: time.Unix(0, 0)}))
	f.Add(tuple.Tuple{int64(1), int64(-1), int64(0), int64(0), tuple.UUID{}}.Pack())
	f.Add(tuple.Tuple{int64(2), int64(1), int64(1), int64(0), tuple.UUID{}}.Pack())
	f.Add([]byte("junk"))
	f.Fuzz(func(t *testing.T, v []byte) {
		h, err := decodeHeader(v)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("decodeHeader(%x): %v", v, err)
			}
			return
		}
		if h.size < 0 || h.chunks < 0 || h.chunks > h.size || (h.size == 0) != (h.chunks == 0) {
			t.Fatalf("decodeHeader(%x) accepted %+v", v, h)
		}
		h2, err := decodeHeader(encodeHeader(h))
		if err != nil || h2 != h && !(h2.created.Equal(h.created) && h2.size == h.size && h2.chunks == h.chunks && h2.manifest == h.manifest) {
			t.Fatalf("round trip of %+v: %+v, %v", h, h2, err)
		}
	})
}

// FuzzDecodeRecord does the same for upload records.
func FuzzDecodeRecord(f *testing.F) {
	f.Add(encodeRecord(record{state: stateActive, started: time.Unix(5, 0), updated: time.Unix(6, 0), size: 10}))
	f.Add(encodeRecord(record{state: stateMerged}))
	f.Add(tuple.Tuple{int64(1), int64(9), int64(0), int64(0), int64(0)}.Pack())
	f.Fuzz(func(t *testing.T, v []byte) {
		r, err := decodeRecord(v)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("decodeRecord(%x): %v", v, err)
			}
			return
		}
		if r.state < stateActive || r.state > stateMerged || r.size < 0 {
			t.Fatalf("decodeRecord(%x) accepted %+v", v, r)
		}
		r2, err := decodeRecord(encodeRecord(r))
		if err != nil || r2.state != r.state || r2.size != r.size || !r2.started.Equal(r.started) || !r2.updated.Equal(r.updated) {
			t.Fatalf("round trip of %+v: %+v, %v", r, r2, err)
		}
	})
}

// FuzzChunker checks, for arbitrary data and chunk sizes, that chunks
// tile the data within the bounds, and that cutting a stream fed in two
// pieces (as the Writer does) gives the chunks of the whole.
func FuzzChunker(f *testing.F) {
	f.Add([]byte("hello, world"), uint8(0), uint16(0))
	f.Add(bytes.Repeat([]byte{0}, 5000), uint8(1), uint16(700))
	f.Add(randomData(1, 20_000), uint8(2), uint16(9000))
	f.Fuzz(func(t *testing.T, data []byte, shape uint8, split uint16) {
		minSize := 64 << (shape % 4)
		c := newChunker(minSize, minSize*2, minSize*4)
		ls := cuts(c, data)
		total := 0
		for i, n := range ls {
			total += n
			if n < 1 || n > c.max || n < c.min && i != len(ls)-1 {
				t.Fatalf("chunk %d of %d bytes (min %d, max %d)", i, n, c.min, c.max)
			}
		}
		if total != len(data) {
			t.Fatalf("chunks cover %d of %d bytes", total, len(data))
		}
		// Streamed: cut only with max bytes ahead, or at the end.
		s := &Store{cdc: c, cfg: Config{MaxChunk: c.max}}
		var streamed []int
		buf := []byte{}
		feed := func(p []byte, eof bool) {
			buf = append(buf, p...)
			for len(buf) >= c.max || eof && len(buf) > 0 {
				n := s.cdc.cut(buf)
				streamed = append(streamed, n)
				buf = buf[n:]
			}
		}
		k := int(split) % (len(data) + 1)
		feed(data[:k], false)
		feed(data[k:], true)
		if !slices.Equal(ls, streamed) {
			t.Fatalf("streamed cuts %v, whole %v", streamed, ls)
		}
	})
}
