package tuple

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"strings"
)

// Unpack decodes a packed tuple. It never panics; bytes that are not a
// valid encoding yield an error wrapping ErrMalformed.
//
// Elements come back with the Go types the official bindings produce:
//
//   - nil for null; []byte for byte strings (nil when empty); string for
//     text, whose bytes are not checked for UTF-8 validity;
//   - Tuple for nested tuples (a nil Tuple when empty);
//   - int64 for integers that fit; uint64 for positive integers above
//     math.MaxInt64, and also for a zero written with a non-minimal
//     fixed-size code; *big.Int for integers outside both ranges and for
//     every value written with the arbitrary-precision code 0x1d, and for
//     0x0b except math.MinInt64 (which is an int64);
//   - float32, float64 (bit patterns kept, NaN payloads included), bool,
//     UUID and Versionstamp.
//
// An empty input decodes to a nil Tuple.
func Unpack(b []byte) (Tuple, error) {
	if len(b) == 0 {
		return nil, nil
	}
	// Nested tuples are decoded with an explicit stack rather than
	// recursion, so hostile input cannot exhaust the goroutine stack.
	var parents []Tuple
	cur := make(Tuple, 0, min(len(b), 8))
	i := 0
	for i < len(b) {
		code := b[i]
		var el any
		switch {
		case code == nilCode:
			if len(parents) == 0 {
				i++ // top-level null
			} else if i+1 < len(b) && b[i+1] == escapeByte {
				i += 2 // null inside a nested tuple
			} else {
				// End of the innermost nested tuple.
				done := cur
				cur = parents[len(parents)-1]
				parents = parents[:len(parents)-1]
				cur = append(cur, done)
				i++
				continue
			}
		case code == bytesCode:
			end, escapes, err := scanEscaped(b, i)
			if err != nil {
				return nil, err
			}
			el = unescapeBytes(b[i+1:end], escapes)
			i = end + 1
		case code == stringCode:
			end, escapes, err := scanEscaped(b, i)
			if err != nil {
				return nil, err
			}
			el = unescapeString(b[i+1:end], escapes)
			i = end + 1
		case code == nestedCode:
			parents = append(parents, cur)
			cur = nil
			i++
			continue
		case code >= negBigIntCode && code <= posBigIntCode:
			var err error
			el, i, err = decodeInt(b, i)
			if err != nil {
				return nil, err
			}
		case code == floatCode:
			if len(b)-i < 5 {
				return nil, truncated("float", i)
			}
			u := binary.BigEndian.Uint32(b[i+1:])
			if u&(1<<31) != 0 {
				u ^= 1 << 31
			} else {
				u = ^u
			}
			el = math.Float32frombits(u)
			i += 5
		case code == doubleCode:
			if len(b)-i < 9 {
				return nil, truncated("double", i)
			}
			u := binary.BigEndian.Uint64(b[i+1:])
			if u&(1<<63) != 0 {
				u ^= 1 << 63
			} else {
				u = ^u
			}
			el = math.Float64frombits(u)
			i += 9
		case code == falseCode:
			el = false
			i++
		case code == trueCode:
			el = true
			i++
		case code == uuidCode:
			if len(b)-i < 17 {
				return nil, truncated("UUID", i)
			}
			el = UUID(b[i+1 : i+17])
			i += 17
		case code == versionstampCode:
			if len(b)-i < 1+versionstampLen {
				return nil, truncated("versionstamp", i)
			}
			el = Versionstamp{
				TransactionVersion: [10]byte(b[i+1 : i+11]),
				UserVersion:        binary.BigEndian.Uint16(b[i+11:]),
			}
			i += 1 + versionstampLen
		default:
			return nil, fmt.Errorf("%w: unknown type code 0x%02x at offset %d", ErrMalformed, code, i)
		}
		cur = append(cur, el)
	}
	if len(parents) > 0 {
		return nil, fmt.Errorf("%w: %d nested tuple(s) not terminated", ErrMalformed, len(parents))
	}
	return cur, nil
}

func truncated(what string, at int) error {
	return fmt.Errorf("%w: %s at offset %d is cut short", ErrMalformed, what, at)
}

// scanEscaped finds the terminator of the byte or text string whose type
// code is at b[at]: the first 0x00 not followed by 0xFF. It also returns the
// number of escaped 0x00 bytes seen before it.
func scanEscaped(b []byte, at int) (end, escapes int, err error) {
	j := at + 1
	for {
		k := bytes.IndexByte(b[j:], 0)
		if k < 0 {
			return 0, 0, fmt.Errorf("%w: string at offset %d has no terminator", ErrMalformed, at)
		}
		j += k
		if j+1 < len(b) && b[j+1] == escapeByte {
			escapes++
			j += 2
			continue
		}
		return j, escapes, nil
	}
}

// unescapeBytes copies s, dropping the 0xFF after each 0x00. Like the
// official decoder it returns nil for an empty payload and never aliases s.
func unescapeBytes(s []byte, escapes int) []byte {
	if len(s) == 0 {
		return nil
	}
	out := make([]byte, 0, len(s)-escapes)
	if escapes == 0 {
		return append(out, s...)
	}
	for {
		k := bytes.IndexByte(s, 0)
		if k < 0 {
			return append(out, s...)
		}
		out = append(out, s[:k+1]...)
		s = s[k+2:]
	}
}

func unescapeString(s []byte, escapes int) string {
	if escapes == 0 {
		return string(s)
	}
	var sb strings.Builder
	sb.Grow(len(s) - escapes)
	for {
		k := bytes.IndexByte(s, 0)
		if k < 0 {
			sb.Write(s)
			return sb.String()
		}
		sb.Write(s[:k+1])
		s = s[k+2:]
	}
}

// decodeInt decodes the integer whose type code (0x0b..0x1d) is at b[at]
// and returns it with the offset just past it. The Go type of the result
// follows the official decoder, including for non-minimal encodings.
func decodeInt(b []byte, at int) (any, int, error) {
	code := b[at]
	if code == negBigIntCode || code == posBigIntCode {
		if len(b)-at < 2 {
			return nil, 0, truncated("integer", at)
		}
		n := int(b[at+1])
		if code == negBigIntCode {
			n ^= 0xFF
		}
		start := at + 2
		if len(b)-start < n {
			return nil, 0, truncated("integer", at)
		}
		mag := b[start : start+n]
		if code == posBigIntCode {
			// Always *big.Int, even when small: that is what the official
			// decoder returns for this code.
			return new(big.Int).SetBytes(mag), start + n, nil
		}
		return negativeBig(mag), start + n, nil
	}

	n := int(code) - intZeroCode
	neg := n < 0
	if neg {
		n = -n
	}
	start := at + 1
	if len(b)-start < n {
		return nil, 0, truncated("integer", at)
	}
	var u uint64
	for _, c := range b[start : start+n] {
		u = u<<8 | uint64(c)
	}
	end := start + n
	switch {
	case code == intZeroCode:
		return int64(0), end, nil
	case !neg:
		// A zero spelled with a non-minimal code decodes as uint64(0), as
		// in the official decoder.
		if u == 0 || u > math.MaxInt64 {
			return u, end, nil
		}
		return int64(u), end, nil
	case n == 8 && u < 1<<63:
		// The value lies at or below math.MinInt64.
		return negativeBig(b[start:end]), end, nil
	default:
		// value = u - (2^(8n) - 1); wrapping arithmetic covers n == 8.
		limit := uint64(math.MaxUint64)
		if n < 8 {
			limit = 1<<(8*n) - 1
		}
		return int64(u - limit), end, nil
	}
}

// negativeBig decodes a negative integer stored as the one's complement of
// its magnitude. math.MinInt64 comes back as int64, anything else as
// *big.Int, mirroring the official decoder.
func negativeBig(stored []byte) any {
	mag := make([]byte, len(stored))
	for i, c := range stored {
		mag[i] = ^c
	}
	v := new(big.Int).SetBytes(mag)
	v.Neg(v)
	if v.IsInt64() && v.Int64() == math.MinInt64 {
		return int64(math.MinInt64)
	}
	return v
}
