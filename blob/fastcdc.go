package blob

import "math/bits"

// FastCDC: content-defined chunking with a gear rolling hash and normalized
// chunk sizes (Xia et al., "FastCDC: a Fast and Efficient Content-Defined
// Chunking Approach for Data Deduplication", USENIX ATC 2016).
//
// The fingerprint is fp = fp<<1 + gear[b] for each byte b, so its bit i
// depends on the last i+1 bytes. A cut is made after a byte where the
// fingerprint's top bits, selected by a mask, are all zero. No cut is made
// in the first min bytes of a chunk; between min and avg the mask has two
// bits more than log2(avg) (cuts are rare), after avg two bits fewer (cuts
// are frequent), and a chunk ends at max bytes in any case. This
// "normalization level 2" concentrates chunk sizes around avg.
//
// Boundaries depend only on the bytes, the gear table and the three sizes,
// so the same content cut with the same configuration gives the same
// chunks wherever it occurs in a stream, which is what makes chunks
// shared between similar blobs.

// gear is the table of the rolling hash: the first 256 outputs of
// SplitMix64 seeded with 0. It is fixed: changing it changes every chunk
// boundary, and with them which chunks new blobs share with stored ones.
var gear = func() (g [256]uint64) {
	var x uint64
	for i := range g {
		x += 0x9e3779b97f4a7c15
		z := x
		z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
		z = (z ^ z>>27) * 0x94d049bb133111eb
		g[i] = z ^ z>>31
	}
	return g
}()

// chunker cuts byte streams into chunks with FastCDC.
type chunker struct {
	min, avg, max int
	maskS, maskL  uint64 // before avg (harder), after avg (easier)
}

// newChunker returns the chunker of a valid configuration (see
// Config.validate): min < avg < max, avg a power of two.
func newChunker(minSize, avgSize, maxSize int) chunker {
	b := bits.Len(uint(avgSize)) - 1 // log2(avg)
	return chunker{
		min:   minSize,
		avg:   avgSize,
		max:   maxSize,
		maskS: topBits(b + 2),
		maskL: topBits(max(b-2, 1)),
	}
}

// topBits returns a mask of the n most significant bits.
func topBits(n int) uint64 { return ^uint64(0) << (64 - n) }

// cut returns the length of the chunk that starts data. The caller passes
// at least max bytes, or all that is left of the stream: a shorter data is
// taken as the stream's end. cut returns 0 only for empty data.
func (c *chunker) cut(data []byte) int {
	n := len(data)
	if n <= c.min {
		return n
	}
	if n > c.max {
		n = c.max
	}
	normal := min(c.avg, n)
	var fp uint64
	i := c.min
	for ; i < normal; i++ {
		fp = fp<<1 + gear[data[i]]
		if fp&c.maskS == 0 {
			return i + 1
		}
	}
	for ; i < n; i++ {
		fp = fp<<1 + gear[data[i]]
		if fp&c.maskL == 0 {
			return i + 1
		}
	}
	return n
}
