package blob

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"slices"
	"testing"
)

// cuts returns the chunk lengths of data.
func cuts(c chunker, data []byte) []int {
	var out []int
	for len(data) > 0 {
		n := c.cut(data)
		out = append(out, n)
		data = data[n:]
	}
	return out
}

// TestChunkerBounds checks that chunks tile the input, respect the sizes,
// and average near the target, for random and for repetitive data.
func TestChunkerBounds(t *testing.T) {
	for _, cfg := range [][3]int{{DefaultMinChunk, DefaultAvgChunk, DefaultMaxChunk}, {256, 1024, 4096}, {64, 128, 256}} {
		c := newChunker(cfg[0], cfg[1], cfg[2])
		for _, data := range [][]byte{randomData(1, 8<<20), make([]byte, 1<<20), bytes.Repeat([]byte("abcdefgh"), 1<<17)} {
			ls := cuts(c, data)
			total := 0
			for i, n := range ls {
				total += n
				if n > c.max || n < c.min && i != len(ls)-1 {
					t.Fatalf("%v: chunk %d of %d bytes", cfg, i, n)
				}
			}
			if total != len(data) {
				t.Fatalf("%v: chunks cover %d bytes of %d", cfg, total, len(data))
			}
			if !slices.Equal(ls, cuts(c, data)) {
				t.Fatalf("%v: cuts differ between two runs", cfg)
			}
			mean := len(data) / len(ls)
			t.Logf("%v: %d bytes, %d chunks, mean %d", cfg, len(data), len(ls), mean)
			// Random data averages between avg and avg+min (the cut
			// point search starts after min bytes).
			if data[0] != 0 && data[0] != 'a' && (mean < c.avg || mean > c.avg+c.min) {
				t.Errorf("%v: mean chunk %d bytes", cfg, mean)
			}
		}
	}
}

// TestChunkerResync checks that boundaries depend on content, not on
// offsets: after an insertion near the start, the chunks past it are the
// same.
func TestChunkerResync(t *testing.T) {
	c := newChunker(DefaultMinChunk, DefaultAvgChunk, DefaultMaxChunk)
	data := randomData(2, 4<<20)
	edited := slices.Concat(data[:1000], []byte("inserted bytes"), data[1000:])
	set := func(d []byte) map[ID]bool {
		m := map[ID]bool{}
		for len(d) > 0 {
			n := c.cut(d)
			m[Sum(d[:n])] = true
			d = d[n:]
		}
		return m
	}
	a, b := set(data), set(edited)
	shared := 0
	for h := range b {
		if a[h] {
			shared++
		}
	}
	if shared < len(b)-2 {
		t.Errorf("%d of %d chunks shared after one insertion", shared, len(b))
	}
}

// TestChunkerGolden pins the boundaries of a fixed input: the gear table
// and the cut rule decide which chunks new blobs share with stored ones,
// so changing them is a format change.
func TestChunkerGolden(t *testing.T) {
	c := newChunker(DefaultMinChunk, DefaultAvgChunk, DefaultMaxChunk)
	// The input: SHA-256 of 0, 1, 2, ... as 8-byte big-endian counters.
	var data []byte
	for i := uint64(0); len(data) < 400_000; i++ {
		h := sha256.Sum256(binary.BigEndian.AppendUint64(nil, i))
		data = append(data, h[:]...)
	}
	got := fmt.Sprint(cuts(c, data))
	const want = "[32977 35541 48197 43070 52746 58941 37394 46308 42904 1922]"
	if got != want {
		t.Errorf("cuts = %s, want %s", got, want)
	}
	if gear[0] != 0xe220a8397b1dcdaf {
		t.Errorf("gear[0] = %#x", gear[0])
	}
}
