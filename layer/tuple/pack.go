package tuple

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"reflect"
	"slices"
	"strings"

	"github.com/google/uuid"
)

// Type codes of the tuple encoding (see design/tuple.md in
// apple/foundationdb).
const (
	nilCode          = 0x00
	bytesCode        = 0x01
	stringCode       = 0x02
	nestedCode       = 0x05
	negBigIntCode    = 0x0b // negative integer of 9..255 bytes
	negInt8Code      = 0x0c // negative integer of 8 bytes
	intZeroCode      = 0x14 // zero; 0x14±n is an n-byte integer
	posInt8Code      = 0x1c // positive integer of 8 bytes
	posBigIntCode    = 0x1d // positive integer of 9..255 bytes
	floatCode        = 0x20
	doubleCode       = 0x21
	falseCode        = 0x26
	trueCode         = 0x27
	uuidCode         = 0x30
	versionstampCode = 0x33

	// escapeByte follows a 0x00 that is data rather than a terminator,
	// and follows 0x00 for a nil inside a nested tuple.
	escapeByte = 0xFF
)

// Pack returns the encoding of t.
//
// Like the official bindings, Pack panics when t cannot be encoded: an
// element of a type outside the specification, an integer wider than 255
// bytes, a cyclic nested tuple, or an incomplete versionstamp (use
// PackWithVersionstamp for those). The panic value is the error PackChecked
// would return, so it matches the package's sentinel errors under errors.Is.
// Use PackChecked or AppendPack when the tuple is built from untrusted input.
func (t Tuple) Pack() []byte {
	b, err := t.PackChecked()
	if err != nil {
		panic(err)
	}
	return b
}

// PackChecked returns the encoding of t, or an error wrapping
// ErrUnsupportedType, ErrIntegerTooLarge, ErrCyclicTuple or
// ErrIncompleteVersionstamp when t cannot be encoded. It never panics.
func (t Tuple) PackChecked() ([]byte, error) {
	p := packer{buf: make([]byte, 0, sizeHint(t)), vsPos: -1}
	if err := p.tuple(t, false, 0); err != nil {
		return nil, err
	}
	return p.buf, nil
}

// AppendPack appends the encoding of t to dst and returns the extended
// slice, which makes it cheap to put a subspace prefix in front of a key. On
// error it returns dst with its original length (bytes past that length may
// have been overwritten) and an error as described for PackChecked.
func (t Tuple) AppendPack(dst []byte) ([]byte, error) {
	p := packer{buf: slices.Grow(dst, sizeHint(t)), vsPos: -1}
	if err := p.tuple(t, false, 0); err != nil {
		return dst, err
	}
	return p.buf, nil
}

// PackWithVersionstamp returns prefix followed by the encoding of t, followed
// by the 4-byte little-endian offset of the incomplete versionstamp's
// transaction version within that output. That is the layout the
// SetVersionstampedKey mutation expects (API version 520 and later); the
// database overwrites the ten bytes at the offset and drops the trailing four.
//
// t must contain exactly one incomplete versionstamp, at any nesting depth;
// otherwise the error wraps ErrNoIncompleteVersionstamp or
// ErrMultipleIncompleteVersionstamps. Other failures are reported as by
// PackChecked. prefix is not modified.
func (t Tuple) PackWithVersionstamp(prefix []byte) ([]byte, error) {
	p := packer{
		buf:       make([]byte, len(prefix), len(prefix)+sizeHint(t)+4),
		vsPos:     -1,
		vsAllowed: true,
	}
	copy(p.buf, prefix)
	if err := p.tuple(t, false, 0); err != nil {
		return nil, err
	}
	if p.vsPos < 0 {
		return nil, ErrNoIncompleteVersionstamp
	}
	if uint64(p.vsPos) > math.MaxUint32 {
		return nil, fmt.Errorf("tuple: versionstamp offset %d does not fit in 32 bits", p.vsPos)
	}
	return binary.LittleEndian.AppendUint32(p.buf, uint32(p.vsPos)), nil
}

// HasIncompleteVersionstamp reports whether t contains an incomplete
// versionstamp at any nesting depth. When it contains more than one it
// returns true together with an error wrapping
// ErrMultipleIncompleteVersionstamps. Elements of unsupported types are
// ignored; a cyclic tuple yields ErrCyclicTuple.
func (t Tuple) HasIncompleteVersionstamp() (bool, error) {
	var g cycleGuard
	n, err := countIncomplete(t, &g, 0)
	if err != nil {
		return n > 0, err
	}
	if n > 1 {
		return true, fmt.Errorf("%w (found %d)", ErrMultipleIncompleteVersionstamps, n)
	}
	return n == 1, nil
}

func countIncomplete(t Tuple, g *cycleGuard, depth int) (int, error) {
	if !g.enter(t, depth) {
		return 0, ErrCyclicTuple
	}
	n := 0
	for _, e := range t {
		switch v := e.(type) {
		case Versionstamp:
			if !v.IsComplete() {
				n++
			}
		case Tuple:
			m, err := countIncomplete(v, g, depth+1)
			n += m
			if err != nil {
				return n, err
			}
		}
	}
	g.leave(t, depth)
	return n, nil
}

// sizeHint guesses the encoded size of t so that the output buffer is
// usually allocated once. It is exact for most flat tuples without 0x00
// bytes in their strings.
func sizeHint(t Tuple) int {
	n := 0
	for _, e := range t {
		switch v := e.(type) {
		case string:
			n += len(v) + 2
		case []byte:
			n += len(v) + 2
		case int:
			n += intLen(int64(v))
		case int64:
			n += intLen(v)
		case Tuple:
			n += 2 + 10*len(v)
		case UUID, uuid.UUID:
			n += 17
		case Versionstamp:
			n += 1 + versionstampLen
		default:
			n += 9
		}
	}
	return n
}

// intLen returns the encoded size of v, type code included.
func intLen(v int64) int {
	m := uint64(v)
	if v < 0 {
		m = -m
	}
	return 1 + (bits.Len64(m)+7)/8
}

type packer struct {
	buf []byte
	// vsPos is the offset in buf of the incomplete versionstamp's
	// transaction version, or -1.
	vsPos int
	// vsAllowed permits one incomplete versionstamp.
	vsAllowed bool
	guard     cycleGuard
}

// tuple encodes the elements of t; nested selects the rules for a nested
// tuple (type code, terminator, and nil written as 0x00 0xFF).
func (p *packer) tuple(t Tuple, nested bool, depth int) error {
	if nested {
		if !p.guard.enter(t, depth) {
			return ErrCyclicTuple
		}
		p.buf = append(p.buf, nestedCode)
	}
	for i, e := range t {
		switch v := e.(type) {
		case string:
			p.buf = appendString(p.buf, stringCode, v)
		case []byte:
			p.buf = appendBytes(p.buf, bytesCode, v)
		case int:
			p.buf = appendInt(p.buf, int64(v))
		case int64:
			p.buf = appendInt(p.buf, v)
		case nil:
			if nested {
				p.buf = append(p.buf, nilCode, escapeByte)
			} else {
				p.buf = append(p.buf, nilCode)
			}
		case Tuple:
			if err := p.tuple(v, true, depth+1); err != nil {
				return err
			}
		case uint64:
			p.buf = appendUint(p.buf, v)
		case uint:
			p.buf = appendUint(p.buf, uint64(v))
		case int32:
			p.buf = appendInt(p.buf, int64(v))
		case uint32:
			p.buf = appendUint(p.buf, uint64(v))
		case int16:
			p.buf = appendInt(p.buf, int64(v))
		case uint16:
			p.buf = appendUint(p.buf, uint64(v))
		case int8:
			p.buf = appendInt(p.buf, int64(v))
		case uint8:
			p.buf = appendUint(p.buf, uint64(v))
		case bool:
			if v {
				p.buf = append(p.buf, trueCode)
			} else {
				p.buf = append(p.buf, falseCode)
			}
		case float64:
			p.buf = appendDouble(p.buf, v)
		case float32:
			p.buf = appendFloat(p.buf, v)
		case UUID:
			p.buf = append(append(p.buf, uuidCode), v[:]...)
		case uuid.UUID:
			p.buf = append(append(p.buf, uuidCode), v[:]...)
		case Versionstamp:
			if err := p.versionstamp(v); err != nil {
				return err
			}
		case *big.Int:
			if v == nil {
				return fmt.Errorf("%w: element %d (depth %d) is a nil *big.Int", ErrUnsupportedType, i, depth)
			}
			if err := p.bigInt(v); err != nil {
				return err
			}
		case big.Int:
			if err := p.bigInt(&v); err != nil {
				return err
			}
		case KeyConvertible:
			p.buf = appendBytes(p.buf, bytesCode, v.FDBKey())
		default:
			// Cold path: a named byte-slice type such as `type Key []byte`.
			rv := reflect.ValueOf(e)
			if rv.Kind() == reflect.Slice && rv.Type().Elem().Kind() == reflect.Uint8 {
				p.buf = appendBytes(p.buf, bytesCode, rv.Bytes())
				continue
			}
			return fmt.Errorf("%w: element %d (depth %d) has type %T", ErrUnsupportedType, i, depth, e)
		}
	}
	if nested {
		p.buf = append(p.buf, nilCode)
		p.guard.leave(t, depth)
	}
	return nil
}

func (p *packer) versionstamp(v Versionstamp) error {
	p.buf = append(p.buf, versionstampCode)
	if !v.IsComplete() {
		if !p.vsAllowed {
			return ErrIncompleteVersionstamp
		}
		if p.vsPos >= 0 {
			return ErrMultipleIncompleteVersionstamps
		}
		p.vsPos = len(p.buf)
	}
	p.buf = append(p.buf, v.TransactionVersion[:]...)
	p.buf = binary.BigEndian.AppendUint16(p.buf, v.UserVersion)
	return nil
}

// bigInt encodes v with the smallest code that holds its magnitude; values
// that fit in eight bytes get the same bytes as the fixed-size codes.
func (p *packer) bigInt(v *big.Int) error {
	if v.IsInt64() {
		p.buf = appendInt(p.buf, v.Int64())
		return nil
	}
	n := (v.BitLen() + 7) / 8
	if n > 255 {
		return fmt.Errorf("%w (%d bytes)", ErrIntegerTooLarge, n)
	}
	neg := v.Sign() < 0
	switch {
	case n <= 8 && neg:
		p.buf = append(p.buf, byte(intZeroCode-n))
	case n <= 8:
		p.buf = append(p.buf, byte(intZeroCode+n))
	case neg:
		p.buf = append(p.buf, negBigIntCode, byte(n)^0xFF)
	default:
		p.buf = append(p.buf, posBigIntCode, byte(n))
	}
	start := len(p.buf)
	p.buf = slices.Grow(p.buf, n)[:start+n]
	mag := p.buf[start:]
	v.FillBytes(mag) // absolute value, big-endian, zero-padded
	if neg {
		// Negative numbers are stored as the one's complement of their
		// magnitude, which is (2^(8n) - 1) + v.
		for i := range mag {
			mag[i] ^= 0xFF
		}
	}
	return nil
}

// appendUint encodes a non-negative integer: code 0x14+n, then the n
// significant bytes, big-endian.
func appendUint(b []byte, v uint64) []byte {
	n := (bits.Len64(v) + 7) / 8
	b = append(b, byte(intZeroCode+n))
	for s := 8 * (n - 1); s >= 0; s -= 8 {
		b = append(b, byte(v>>s))
	}
	return b
}

// appendInt encodes v; a negative value uses code 0x14-n and the n-byte
// one's complement of its magnitude.
func appendInt(b []byte, v int64) []byte {
	if v >= 0 {
		return appendUint(b, uint64(v))
	}
	m := -uint64(v) // correct for math.MinInt64 too
	n := (bits.Len64(m) + 7) / 8
	c := ^m
	b = append(b, byte(intZeroCode-n))
	for s := 8 * (n - 1); s >= 0; s -= 8 {
		b = append(b, byte(c>>s))
	}
	return b
}

// appendFloat and appendDouble store the IEEE bits big-endian, with all bits
// flipped for negative numbers and just the sign bit flipped otherwise, so
// that the bytes sort in IEEE total order.
func appendFloat(b []byte, f float32) []byte {
	u := math.Float32bits(f)
	if u&(1<<31) != 0 {
		u = ^u
	} else {
		u ^= 1 << 31
	}
	return binary.BigEndian.AppendUint32(append(b, floatCode), u)
}

func appendDouble(b []byte, f float64) []byte {
	u := math.Float64bits(f)
	if u&(1<<63) != 0 {
		u = ^u
	} else {
		u ^= 1 << 63
	}
	return binary.BigEndian.AppendUint64(append(b, doubleCode), u)
}

// appendString and appendBytes write code, the payload with every 0x00
// followed by 0xFF, and a 0x00 terminator.
func appendString(b []byte, code byte, s string) []byte {
	b = slices.Grow(b, len(s)+2)
	b = append(b, code)
	for {
		i := strings.IndexByte(s, 0)
		if i < 0 {
			break
		}
		b = append(b, s[:i+1]...)
		b = append(b, escapeByte)
		s = s[i+1:]
	}
	b = append(b, s...)
	return append(b, 0)
}

func appendBytes(b []byte, code byte, s []byte) []byte {
	b = slices.Grow(b, len(s)+2)
	b = append(b, code)
	for {
		i := bytes.IndexByte(s, 0)
		if i < 0 {
			break
		}
		b = append(b, s[:i+1]...)
		b = append(b, escapeByte)
		s = s[i+1:]
	}
	b = append(b, s...)
	return append(b, 0)
}
