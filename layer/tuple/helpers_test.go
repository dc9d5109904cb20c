package tuple

import (
	"encoding/hex"
	"math"
	"math/big"
	"reflect"
	"strings"
)

// unhex decodes hex written with optional spaces, for readable test tables.
func unhex(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

func bigFromString(s string) *big.Int {
	v, ok := new(big.Int).SetString(s, 0)
	if !ok {
		panic("bad big.Int literal " + s)
	}
	return v
}

// pow2 returns sign * 2^n + delta.
func pow2(sign int64, n uint, delta int64) *big.Int {
	v := new(big.Int).Lsh(big.NewInt(1), n)
	v.Add(v, big.NewInt(delta))
	if sign < 0 {
		v.Neg(v)
	}
	return v
}

// asBig returns the numeric value of an integer element, or nil when e is
// not an integer.
func asBig(e any) *big.Int {
	switch v := e.(type) {
	case int:
		return big.NewInt(int64(v))
	case int8:
		return big.NewInt(int64(v))
	case int16:
		return big.NewInt(int64(v))
	case int32:
		return big.NewInt(int64(v))
	case int64:
		return big.NewInt(v)
	case uint:
		return new(big.Int).SetUint64(uint64(v))
	case uint8:
		return new(big.Int).SetUint64(uint64(v))
	case uint16:
		return new(big.Int).SetUint64(uint64(v))
	case uint32:
		return new(big.Int).SetUint64(uint64(v))
	case uint64:
		return new(big.Int).SetUint64(v)
	case *big.Int:
		return v
	case big.Int:
		return &v
	}
	return nil
}

// equalTuples compares two tuples. Floats are compared by bit pattern, so
// NaN equals an identical NaN and -0 differs from +0. With semantic set,
// integers of any Go type are equal when their values are, and an empty
// []byte equals a nil one; otherwise the Go types must match exactly
// (big.Int values by value).
func equalTuples(a, b Tuple, semantic bool) bool {
	if len(a) != len(b) {
		return false
	}
	if !semantic && (a == nil) != (b == nil) {
		return false
	}
	for i := range a {
		if !equalElems(a[i], b[i], semantic) {
			return false
		}
	}
	return true
}

func equalElems(x, y any, semantic bool) bool {
	if semantic {
		if bx, by := asBig(x), asBig(y); bx != nil || by != nil {
			return bx != nil && by != nil && bx.Cmp(by) == 0
		}
		if bx, ok := x.([]byte); ok {
			by, ok := y.([]byte)
			return ok && string(bx) == string(by)
		}
	}
	if reflect.TypeOf(x) != reflect.TypeOf(y) {
		return false
	}
	switch xv := x.(type) {
	case float32:
		return math.Float32bits(xv) == math.Float32bits(y.(float32))
	case float64:
		return math.Float64bits(xv) == math.Float64bits(y.(float64))
	case *big.Int:
		return xv.Cmp(y.(*big.Int)) == 0
	case Tuple:
		return equalTuples(xv, y.(Tuple), semantic)
	}
	return reflect.DeepEqual(x, y)
}
