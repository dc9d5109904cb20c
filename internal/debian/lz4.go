package debian

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// lz4Reader decodes the LZ4 frame format (lz4 1.9's, which apt uses for
// its lists), with no dependency: frames of independent or linked blocks,
// with optional content size, content checksum and block checksums, which
// are skipped rather than verified. Skippable frames are skipped;
// concatenated frames are read one after the other.
type lz4Reader struct {
	r    *bufio.Reader
	out  []byte // decoded bytes not yet returned are out[pos:]
	pos  int
	hist []byte // the last 64 KiB of output, for linked blocks
	fr   *lz4Frame
	err  error
}

type lz4Frame struct {
	independent bool
	blockSum    bool
	contentSum  bool
}

const lz4Magic = 0x184D2204

var errLZ4 = errors.New("lz4: corrupt input")

func newLZ4Reader(r *bufio.Reader) *lz4Reader { return &lz4Reader{r: r} }

func (z *lz4Reader) Read(p []byte) (int, error) {
	for z.pos >= len(z.out) {
		if z.err != nil {
			return 0, z.err
		}
		z.err = z.next()
	}
	n := copy(p, z.out[z.pos:])
	z.pos += n
	return n, nil
}

// next decodes the next block into z.out, reading a frame header first
// when needed.
func (z *lz4Reader) next() error {
	if z.fr == nil {
		var m [4]byte
		if _, err := io.ReadFull(z.r, m[:]); err != nil {
			if err == io.ErrUnexpectedEOF {
				return errLZ4
			}
			return err // io.EOF between frames: the end
		}
		magic := binary.LittleEndian.Uint32(m[:])
		if magic&0xFFFFFFF0 == 0x184D2A50 {
			var n [4]byte
			if _, err := io.ReadFull(z.r, n[:]); err != nil {
				return errLZ4
			}
			_, err := z.r.Discard(int(binary.LittleEndian.Uint32(n[:])))
			if err != nil {
				return errLZ4
			}
			z.out, z.pos = nil, 0
			return nil
		}
		if magic != lz4Magic {
			return fmt.Errorf("lz4: bad magic %#x", magic)
		}
		flg, err := z.r.ReadByte()
		if err != nil {
			return errLZ4
		}
		if flg>>6 != 1 {
			return fmt.Errorf("lz4: unsupported frame version %d", flg>>6)
		}
		if _, err := z.r.ReadByte(); err != nil { // BD
			return errLZ4
		}
		skip := 1 // header checksum
		if flg&0x08 != 0 {
			skip += 8 // content size
		}
		if flg&0x01 != 0 {
			skip += 4 // dictionary id
		}
		if _, err := z.r.Discard(skip); err != nil {
			return errLZ4
		}
		z.fr = &lz4Frame{independent: flg&0x20 != 0, blockSum: flg&0x10 != 0, contentSum: flg&0x04 != 0}
		z.hist = z.hist[:0]
	}
	var b [4]byte
	if _, err := io.ReadFull(z.r, b[:]); err != nil {
		return errLZ4
	}
	size := binary.LittleEndian.Uint32(b[:])
	if size == 0 { // end mark
		if z.fr.contentSum {
			if _, err := z.r.Discard(4); err != nil {
				return errLZ4
			}
		}
		z.fr = nil
		z.out, z.pos = nil, 0
		return nil
	}
	raw := size&0x80000000 != 0
	size &= 0x7FFFFFFF
	if size > 8<<20 {
		return errLZ4
	}
	data := make([]byte, size)
	if _, err := io.ReadFull(z.r, data); err != nil {
		return errLZ4
	}
	if z.fr.blockSum {
		if _, err := z.r.Discard(4); err != nil {
			return errLZ4
		}
	}
	// Decode after the history, so that matches may reach into it.
	dst := append([]byte(nil), z.hist...)
	start := len(dst)
	if raw {
		dst = append(dst, data...)
	} else {
		var err error
		if dst, err = lz4Block(dst, data); err != nil {
			return err
		}
	}
	z.out, z.pos = dst[start:], 0
	if !z.fr.independent {
		h := dst
		if len(h) > 64<<10 {
			h = h[len(h)-64<<10:]
		}
		z.hist = append(z.hist[:0], h...)
	}
	return nil
}

// lz4Block appends the decoding of one LZ4 block to dst, whose bytes are
// the history matches may refer to.
func lz4Block(dst, src []byte) ([]byte, error) {
	i := 0
	for i < len(src) {
		tok := src[i]
		i++
		lit := int(tok >> 4)
		if lit == 15 {
			for {
				if i >= len(src) {
					return nil, errLZ4
				}
				c := src[i]
				i++
				lit += int(c)
				if c != 255 {
					break
				}
			}
		}
		if i+lit > len(src) {
			return nil, errLZ4
		}
		dst = append(dst, src[i:i+lit]...)
		i += lit
		if i == len(src) {
			return dst, nil // the last sequence has literals only
		}
		if i+2 > len(src) {
			return nil, errLZ4
		}
		off := int(src[i]) | int(src[i+1])<<8
		i += 2
		if off == 0 || off > len(dst) {
			return nil, errLZ4
		}
		ml := int(tok & 15)
		if ml == 15 {
			for {
				if i >= len(src) {
					return nil, errLZ4
				}
				c := src[i]
				i++
				ml += int(c)
				if c != 255 {
					break
				}
			}
		}
		ml += 4
		p := len(dst) - off
		for k := 0; k < ml; k++ { // byte by byte: matches may overlap
			dst = append(dst, dst[p+k])
		}
	}
	return dst, nil
}
