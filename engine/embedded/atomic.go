package embedded

import (
	"bytes"
	"encoding/binary"

	"github.com/strata-db/strata/layer"
)

// opType is the kind of an atomic mutation. The byte semantics of each are
// FoundationDB's (fdbclient/Atomic.h), with the API >= 510 versions of Min
// and And (an absent value becomes the parameter).
type opType uint8

const (
	opAdd opType = iota + 1
	opAnd
	opOr
	opXor
	opAppendIfFits
	opMax
	opMin
	opByteMin
	opByteMax
	opCompareAndClear
)

var opNames = [...]string{
	opAdd:             "Add",
	opAnd:             "BitAnd",
	opOr:              "BitOr",
	opXor:             "BitXor",
	opAppendIfFits:    "AppendIfFits",
	opMax:             "Max",
	opMin:             "Min",
	opByteMin:         "ByteMin",
	opByteMax:         "ByteMax",
	opCompareAndClear: "CompareAndClear",
}

// String returns the op's name as the Tx method that issues it.
func (o opType) String() string {
	if int(o) < len(opNames) && opNames[o] != "" {
		return opNames[o]
	}
	return "op?"
}

// applyOp evaluates one atomic op against an existing value (present says
// whether the key exists) and returns the new value and whether the key
// exists afterwards. Only CompareAndClear can make a key absent. The result
// may alias param or existing; callers that keep it must not modify either.
func applyOp(typ opType, existing []byte, present bool, param []byte) ([]byte, bool) {
	switch typ {
	case opAdd:
		return doAdd(existing, param), true
	case opAnd:
		if !present {
			return param, true
		}
		return doAnd(existing, param), true
	case opOr:
		return doOrXor(existing, param, false), true
	case opXor:
		return doOrXor(existing, param, true), true
	case opAppendIfFits:
		return doAppendIfFits(existing, param), true
	case opMax:
		return doMax(existing, param), true
	case opMin:
		if !present {
			return param, true
		}
		return doMin(existing, param), true
	case opByteMin:
		if !present || bytes.Compare(param, existing) <= 0 {
			return param, true
		}
		return existing, true
	case opByteMax:
		if !present || bytes.Compare(existing, param) <= 0 {
			return param, true
		}
		return existing, true
	case opCompareAndClear:
		if !present || bytes.Equal(existing, param) {
			return nil, false
		}
		return existing, true
	}
	panic("embedded: unknown atomic op")
}

// doAdd is doLittleEndianAdd: the sum of existing and param as
// little-endian integers, truncated to param's length.
func doAdd(existing, param []byte) []byte {
	if len(existing) == 0 || len(param) == 0 {
		return param
	}
	out := make([]byte, len(param))
	carry := 0
	for i := range param {
		sum := int(param[i]) + carry
		if i < len(existing) {
			sum += int(existing[i])
		}
		out[i] = byte(sum)
		carry = sum >> 8
	}
	return out
}

// doAnd is FoundationDB's doAnd: bytes of existing past param's length are
// dropped, missing ones count as zero.
func doAnd(existing, param []byte) []byte {
	if len(param) == 0 {
		return param
	}
	out := make([]byte, len(param))
	n := min(len(existing), len(param))
	for i := 0; i < n; i++ {
		out[i] = existing[i] & param[i]
	}
	return out
}

// doOrXor is doOr (xor false) or doXor (xor true).
func doOrXor(existing, param []byte, xor bool) []byte {
	if len(existing) == 0 || len(param) == 0 {
		return param
	}
	out := make([]byte, len(param))
	copy(out, param)
	n := min(len(existing), len(param))
	for i := 0; i < n; i++ {
		if xor {
			out[i] = existing[i] ^ param[i]
		} else {
			out[i] = existing[i] | param[i]
		}
	}
	return out
}

func doAppendIfFits(existing, param []byte) []byte {
	if len(existing) == 0 {
		return param
	}
	if len(param) == 0 {
		return existing
	}
	if len(existing)+len(param) > layer.MaxValueSize {
		return existing
	}
	out := make([]byte, 0, len(existing)+len(param))
	return append(append(out, existing...), param...)
}

// resize returns existing truncated or zero-extended to n bytes.
func resize(existing []byte, n int) []byte {
	out := make([]byte, n)
	copy(out, existing)
	return out
}

// doMax compares existing and param as little-endian unsigned integers of
// param's length and keeps the larger, as FoundationDB's doMax.
func doMax(existing, param []byte) []byte {
	if len(existing) == 0 || len(param) == 0 {
		return param
	}
	i := len(param) - 1
	for ; i >= len(existing); i-- {
		if param[i] != 0 {
			return param
		}
	}
	for ; i >= 0; i-- {
		if param[i] > existing[i] {
			return param
		} else if param[i] < existing[i] {
			return resize(existing, len(param))
		}
	}
	return param
}

// doMin is FoundationDB's doMin (the caller handles an absent value).
func doMin(existing, param []byte) []byte {
	if len(param) == 0 {
		return param
	}
	i := len(param) - 1
	for ; i >= len(existing); i-- {
		if param[i] != 0 {
			return resize(existing, len(param))
		}
	}
	for ; i >= 0; i-- {
		if param[i] > existing[i] {
			return resize(existing, len(param))
		} else if param[i] < existing[i] {
			return param
		}
	}
	return param
}

// versionstampLen is the length of the transaction part of a versionstamp:
// an 8-byte big-endian commit version and a 2-byte big-endian batch order.
const versionstampLen = 10

// putVersionstamp writes a versionstamp at dst[0:10].
func putVersionstamp(dst []byte, version int64, order uint16) {
	binary.BigEndian.PutUint64(dst, uint64(version))
	binary.BigEndian.PutUint16(dst[8:], order)
}

// versionstampOffset parses the little-endian offset in the last four bytes
// of b and checks that a versionstamp fits at it in b without those bytes.
// It returns the offset, or ok false (client_invalid_operation).
func versionstampOffset(b []byte) (pos int, ok bool) {
	if len(b) < 4 {
		return 0, false
	}
	p := int64(int32(binary.LittleEndian.Uint32(b[len(b)-4:])))
	if p < 0 || p+versionstampLen > int64(len(b)-4) {
		return 0, false
	}
	return int(p), true
}

// fillVersionstamp returns a copy of b without its last four bytes and with
// the versionstamp placed at pos.
func fillVersionstamp(b []byte, pos int, version int64, order uint16) []byte {
	out := make([]byte, len(b)-4)
	copy(out, b)
	putVersionstamp(out[pos:], version, order)
	return out
}
