package tuple

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// TupleElement is any value that may appear in a Tuple. It is an alias for
// any, so a []any converts to a Tuple without copying. The accepted dynamic
// types are listed in the package documentation; Pack and friends report
// anything else as ErrUnsupportedType.
type TupleElement = any

// Tuple is an ordered list of elements that packs into a byte string whose
// lexicographic order matches the element-wise order of the tuples.
//
// Unpacking the result of packing a Tuple yields an equal Tuple up to type
// normalisation: every integer comes back as int64 (or uint64, or *big.Int
// when it does not fit), every byte-string-like value as []byte, and
// google/uuid values as UUID.
type Tuple []TupleElement

// UUID is a 16-byte RFC 4122 UUID in network byte order. It is a plain array
// so values from any UUID library can be converted to it; values of type
// github.com/google/uuid.UUID are also accepted directly by Pack.
type UUID [16]byte

// String formats the UUID in the same way as the official bindings: five
// groups of lower-case hex separated by dashes.
func (u UUID) String() string {
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:])
}

// Versionstamp is a 96-bit FoundationDB versionstamp: ten bytes of
// transaction version, assigned by the cluster at commit time, followed by a
// two-byte user version that orders writes within one transaction.
type Versionstamp struct {
	TransactionVersion [10]byte
	UserVersion        uint16
}

// incompleteTxVersion marks a versionstamp whose transaction version has not
// been assigned yet.
var incompleteTxVersion = [10]byte{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}

// versionstampLen is the encoded size of a Versionstamp, without type code.
const versionstampLen = 12

// IncompleteVersionstamp returns a versionstamp whose transaction version is
// still to be filled in by the database. Such a value may only be packed with
// PackWithVersionstamp, and at most once per tuple.
func IncompleteVersionstamp(userVersion uint16) Versionstamp {
	return Versionstamp{TransactionVersion: incompleteTxVersion, UserVersion: userVersion}
}

// IsComplete reports whether the transaction version has been assigned, that
// is, whether it is anything other than the ten 0xFF bytes used as a
// placeholder.
func (v Versionstamp) IsComplete() bool {
	return v.TransactionVersion != incompleteTxVersion
}

// Bytes returns the 12-byte big-endian form of v, exactly as it appears in a
// packed tuple after the 0x33 type code.
func (v Versionstamp) Bytes() []byte {
	b := make([]byte, versionstampLen)
	copy(b, v.TransactionVersion[:])
	binary.BigEndian.PutUint16(b[10:], v.UserVersion)
	return b
}

// String returns a readable form such as "Versionstamp(\x00\x01..., 3)".
func (v Versionstamp) String() string {
	return "Versionstamp(" + printable(v.TransactionVersion[:]) + ", " + strconv.FormatUint(uint64(v.UserVersion), 10) + ")"
}

// KeyConvertible is implemented by values that stand for a raw byte key.
// Pack encodes such an element as a byte string (type code 0x01) holding the
// result of FDBKey, and Unpack returns it as []byte. It plays the role of
// fdb.KeyConvertible in the official bindings without depending on them.
type KeyConvertible interface {
	FDBKey() []byte
}

// Errors returned (wrapped, so test them with errors.Is) by the packing and
// unpacking functions.
var (
	// ErrUnsupportedType reports a tuple element whose Go type has no tuple
	// encoding, for example a struct, a map or a channel, or a nil *big.Int.
	ErrUnsupportedType = errors.New("tuple: unsupported element type")

	// ErrIntegerTooLarge reports an integer whose magnitude needs more than
	// 255 bytes, the largest size the arbitrary-precision codes can express.
	ErrIntegerTooLarge = errors.New("tuple: integer magnitude exceeds 255 bytes")

	// ErrCyclicTuple reports a nested Tuple that contains itself, directly or
	// through other nested tuples, and so has no finite encoding.
	ErrCyclicTuple = errors.New("tuple: nested tuple contains itself")

	// ErrIncompleteVersionstamp reports an incomplete versionstamp passed to
	// a function other than PackWithVersionstamp.
	ErrIncompleteVersionstamp = errors.New("tuple: incomplete versionstamp requires PackWithVersionstamp")

	// ErrNoIncompleteVersionstamp reports a PackWithVersionstamp call on a
	// tuple without an incomplete versionstamp.
	ErrNoIncompleteVersionstamp = errors.New("tuple: no incomplete versionstamp in tuple")

	// ErrMultipleIncompleteVersionstamps reports a tuple holding more than
	// one incomplete versionstamp; the database can fill in only one.
	ErrMultipleIncompleteVersionstamps = errors.New("tuple: more than one incomplete versionstamp in tuple")

	// ErrMalformed reports bytes that are not a valid packed tuple: an
	// unknown type code, an element cut short, an unterminated byte or text
	// string, or an unterminated nested tuple.
	ErrMalformed = errors.New("tuple: malformed encoding")
)

// String returns a human-readable form of the tuple in the style of the
// official bindings, for example ("users", 42, b"\x01\x02", <nil>).
func (t Tuple) String() string {
	var sb strings.Builder
	var g cycleGuard
	writeTuple(&sb, t, &g, 0)
	return sb.String()
}

func writeTuple(sb *strings.Builder, t Tuple, g *cycleGuard, depth int) {
	if !g.enter(t, depth) {
		sb.WriteString("(...)")
		return
	}
	sb.WriteByte('(')
	for i, e := range t {
		if i > 0 {
			sb.WriteString(", ")
		}
		switch v := e.(type) {
		case Tuple:
			writeTuple(sb, v, g, depth+1)
		case nil:
			sb.WriteString("<nil>")
		case string:
			sb.WriteString(strconv.Quote(v))
		case UUID:
			sb.WriteString("UUID(")
			sb.WriteString(v.String())
			sb.WriteByte(')')
		case []byte:
			sb.WriteString(`b"`)
			sb.WriteString(printable(v))
			sb.WriteByte('"')
		default:
			fmt.Fprintf(sb, "%v", v)
		}
	}
	sb.WriteByte(')')
	g.leave(t, depth)
}

// printable renders bytes with printable ASCII kept as is and everything
// else (and the backslash) escaped, matching fdb.Printable.
func printable(b []byte) string {
	const hex = "0123456789abcdef"
	var sb strings.Builder
	sb.Grow(len(b))
	for _, c := range b {
		switch {
		case c == '\\':
			sb.WriteString(`\\`)
		case c >= 32 && c < 127:
			sb.WriteByte(c)
		default:
			sb.WriteString(`\x`)
			sb.WriteByte(hex[c>>4])
			sb.WriteByte(hex[c&0xF])
		}
	}
	return sb.String()
}

// cycleGuardDepth is the nesting depth from which walkers start to track the
// nested tuples on their current path. Shallower tuples, by far the common
// case, pay nothing; a cycle is still caught because it keeps repeating
// beyond any depth.
const cycleGuardDepth = 32

type pathKey struct {
	first *TupleElement
	n     int
}

// cycleGuard detects a nested Tuple that reappears inside itself. A slice is
// identified by its first element's address and its length, which fixes the
// elements a walker will visit.
type cycleGuard struct {
	path map[pathKey]struct{}
}

// enter records t on the current path and reports false if it is already
// there.
func (g *cycleGuard) enter(t Tuple, depth int) bool {
	if depth < cycleGuardDepth || len(t) == 0 {
		return true
	}
	k := pathKey{&t[0], len(t)}
	if _, dup := g.path[k]; dup {
		return false
	}
	if g.path == nil {
		g.path = make(map[pathKey]struct{})
	}
	g.path[k] = struct{}{}
	return true
}

// leave removes t, previously entered at the same depth, from the path.
func (g *cycleGuard) leave(t Tuple, depth int) {
	if depth < cycleGuardDepth || len(t) == 0 {
		return
	}
	delete(g.path, pathKey{&t[0], len(t)})
}
