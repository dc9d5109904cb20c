package tuplestore

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/strata-db/strata/layer/tuple"
)

// Items travel through the package in their packed form: each one is the
// encoding of the 1-tuple holding it (a top-level tuple element), and a
// run of them side by side is the packed tuple of the run. Two items are
// the same when their encodings are the same bytes, which is when they are
// the same key to the database.

// EncodeItem returns the packed form of one item: the encoding of the
// 1-tuple (v). It fails, wrapping tuple's sentinel, for what the encoding
// refuses, incomplete versionstamps included.
func EncodeItem(v any) ([]byte, error) {
	return tuple.Tuple{v}.PackChecked()
}

// DecodeItem returns the item whose packed form is b, as tuple.Unpack
// returns it.
func DecodeItem(b []byte) (any, error) {
	t, err := tuple.Unpack(b)
	if err != nil {
		return nil, err
	}
	if len(t) != 1 {
		return nil, fmt.Errorf("%w: %d elements where one item was expected", tuple.ErrMalformed, len(t))
	}
	return t[0], nil
}

// SplitItems cuts a packed tuple into the packed forms of its elements,
// appending them to dst (which may be nil). The slices alias b.
func SplitItems(dst [][]byte, b []byte) ([][]byte, error) {
	for i := 0; i < len(b); {
		end, err := elementEnd(b, i)
		if err != nil {
			return dst, err
		}
		dst = append(dst, b[i:end])
		i = end
	}
	return dst, nil
}

var errTruncated = fmt.Errorf("%w: element cut short", tuple.ErrMalformed)

// elementEnd returns the offset just past the top-level element that
// starts at b[i].
func elementEnd(b []byte, i int) (int, error) {
	if b[i] == 0x05 { // nested tuple: to its unescaped 0x00
		depth := 1
		j := i + 1
		for depth > 0 {
			if j >= len(b) {
				return 0, errTruncated
			}
			switch b[j] {
			case 0x00:
				if j+1 < len(b) && b[j+1] == 0xff {
					j += 2 // a null inside the nested tuple
				} else {
					depth--
					j++
				}
			case 0x05:
				depth++
				j++
			default:
				end, err := scalarEnd(b, j)
				if err != nil {
					return 0, err
				}
				j = end
			}
		}
		return j, nil
	}
	return scalarEnd(b, i)
}

// scalarEnd returns the offset just past the element at b[i], which is not
// a nested tuple.
func scalarEnd(b []byte, i int) (int, error) {
	code := b[i]
	size := 0
	switch {
	case code == 0x00: // null at top level
		return i + 1, nil
	case code == 0x01 || code == 0x02: // bytes, string: to the unescaped 0x00
		for j := i + 1; j < len(b); j++ {
			if b[j] == 0x00 {
				if j+1 < len(b) && b[j+1] == 0xff {
					j++
					continue
				}
				return j + 1, nil
			}
		}
		return 0, errTruncated
	case code == 0x0b || code == 0x1d: // big integers: a length byte
		if i+1 >= len(b) {
			return 0, errTruncated
		}
		n := int(b[i+1])
		if code == 0x0b {
			n = int(b[i+1] ^ 0xff)
		}
		size = 1 + n
	case code >= 0x0c && code <= 0x1c: // integers of 0..8 bytes
		size = int(code) - 0x14
		if size < 0 {
			size = -size
		}
	case code == 0x20:
		size = 4
	case code == 0x21:
		size = 8
	case code == 0x26 || code == 0x27:
		size = 0
	case code == 0x30:
		size = 16
	case code == 0x33:
		size = 12
	default:
		return 0, fmt.Errorf("%w: unknown type code 0x%02x at offset %d", tuple.ErrMalformed, code, i)
	}
	end := i + 1 + size
	if end > len(b) {
		return 0, errTruncated
	}
	return end, nil
}

// encodedTuple is a tuple checked and packed item by item for a write.
type encodedTuple struct {
	items [][]byte // packed items by column
	size  int      // sum of len(items[i])
	// vsItem is the column holding the incomplete versionstamp, or -1;
	// vsOffset is the offset of its transaction version within the item.
	vsItem   int
	vsOffset int
}

// encodeTuple checks t against n columns and packs its items. allowVS
// permits one incomplete versionstamp (for Add).
func encodeTuple(t []any, n int, allowVS bool) (encodedTuple, error) {
	if len(t) != n {
		return encodedTuple{}, fmt.Errorf("%w: %d items for %d columns", ErrArity, len(t), n)
	}
	e := encodedTuple{items: make([][]byte, n), vsItem: -1}
	for i, v := range t {
		if _, ok := v.(Var); ok {
			return encodedTuple{}, &ItemError{Pattern: -1, Position: i, Item: v, Err: ErrItem, Detail: "a variable is not a value"}
		}
		b, err := EncodeItem(v)
		if errors.Is(err, tuple.ErrIncompleteVersionstamp) {
			if !allowVS {
				return encodedTuple{}, &ItemError{Pattern: -1, Position: i, Item: v, Err: ErrIncompleteVersionstamp}
			}
			if e.vsItem >= 0 {
				return encodedTuple{}, &ItemError{Pattern: -1, Position: i, Item: v, Err: ErrItem, Cause: tuple.ErrMultipleIncompleteVersionstamps,
					Detail: fmt.Sprintf("item %d already holds one", e.vsItem)}
			}
			var withOffset []byte
			withOffset, err = tuple.Tuple{v}.PackWithVersionstamp(nil)
			if err == nil {
				b = withOffset[:len(withOffset)-4]
				e.vsItem = i
				e.vsOffset = int(binary.LittleEndian.Uint32(withOffset[len(withOffset)-4:]))
			}
		}
		if err != nil {
			return encodedTuple{}, &ItemError{Pattern: -1, Position: i, Item: v, Err: ErrItem, Cause: err}
		}
		e.items[i] = b
		e.size += len(b)
	}
	return e, nil
}

// largest returns the column of the longest item.
func (e encodedTuple) largest() int {
	best := 0
	for i, b := range e.items {
		if len(b) > len(e.items[best]) {
			best = i
		}
	}
	return best
}
