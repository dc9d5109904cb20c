package cli

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strings"
	"testing"

	"github.com/strata-db/strata/layer/tuple"
)

func bigInt(s string) *big.Int {
	n, ok := new(big.Int).SetString(s, 10)
	if !ok {
		panic(s)
	}
	return n
}

func TestParseTuple(t *testing.T) {
	uuid := tuple.UUID{0x0a, 0x1b, 0x2c, 0x3d, 0, 0, 0x40, 0, 0x80, 0, 0, 0, 0, 0, 0xab, 0xcd}
	vs := tuple.Versionstamp{TransactionVersion: [10]byte{0, 0, 0, 0, 0, 0, 0, 1, 0, 0}, UserVersion: 3}
	tests := []struct {
		in   string
		want tuple.Tuple
		out  string // FormatTuple of the result; "" means same as in
	}{
		{`("users", 42)`, tuple.Tuple{"users", int64(42)}, ``},
		{`"users", 42`, tuple.Tuple{"users", int64(42)}, `("users", 42)`},
		{` ( "users" ,42 , ) `, tuple.Tuple{"users", int64(42)}, `("users", 42)`},
		{`"users"`, tuple.Tuple{"users"}, `("users")`},
		{`42`, tuple.Tuple{int64(42)}, `(42)`},
		{`("users")`, tuple.Tuple{"users"}, ``},
		{`(("users"))`, tuple.Tuple{tuple.Tuple{"users"}}, ``},
		{`("a"), 1`, tuple.Tuple{tuple.Tuple{"a"}, int64(1)}, `(("a"), 1)`},
		{`()`, tuple.Tuple{}, ``},
		{`((), ())`, tuple.Tuple{tuple.Tuple{}, tuple.Tuple{}}, ``},
		{`("a", ("b", 1))`, tuple.Tuple{"a", tuple.Tuple{"b", int64(1)}}, ``},
		{`(-7, +7, 0, -0)`, tuple.Tuple{int64(-7), int64(7), int64(0), int64(0)}, `(-7, 7, 0, 0)`},
		{`(9223372036854775807, 9223372036854775808, 18446744073709551615)`,
			tuple.Tuple{int64(math.MaxInt64), uint64(1 << 63), uint64(math.MaxUint64)}, ``},
		{`(18446744073709551616, -9223372036854775808, -9223372036854775809)`,
			tuple.Tuple{bigInt("18446744073709551616"), int64(math.MinInt64), bigInt("-9223372036854775809")}, ``},
		{`(1.5, -0.0, 1e9, 1E-3, .5, 2., inf, -inf, +inf, nan, Inf)`,
			tuple.Tuple{1.5, math.Copysign(0, -1), 1e9, 1e-3, 0.5, 2.0, math.Inf(1), math.Inf(-1), math.Inf(1), math.NaN(), math.Inf(1)},
			`(1.5, -0.0, 1e+09, 0.001, 0.5, 2.0, inf, -inf, inf, nan, inf)`},
		{`(1.0, 100.0, 1e21)`, tuple.Tuple{1.0, 100.0, 1e21}, `(1.0, 100.0, 1e+21)`},
		{`(float32(1.5), float32(-0.0), float32(inf), float32(0.1), float32(3))`,
			tuple.Tuple{float32(1.5), float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(0.1), float32(3)},
			`(float32(1.5), float32(-0.0), float32(inf), float32(0.1), float32(3.0))`},
		{`(true, false, nil)`, tuple.Tuple{true, false, nil}, ``},
		{`("", b"")`, tuple.Tuple{"", []byte{}}, ``},
		{`("tab\there \"q\" \\ é \x00", "\u00e9")`, tuple.Tuple{"tab\there \"q\" \\ é \x00", "é"}, `("tab\there \"q\" \\ é \x00", "é")`},
		{`"\xff\xfe"`, tuple.Tuple{"\xff\xfe"}, `("\xff\xfe")`},
		{`b"\x01\xffabc\"\\"`, tuple.Tuple{[]byte("\x01\xffabc\"\\")}, `(b"\x01\xffabc\"\\")`},
		{`b"é"`, tuple.Tuple{[]byte("é")}, `(b"\xc3\xa9")`},
		{`uuid("0a1b2c3d-0000-4000-8000-00000000abcd")`, tuple.Tuple{uuid}, `(uuid("0a1b2c3d-0000-4000-8000-00000000abcd"))`},
		{`(0A1B2C3D-0000-4000-8000-00000000ABCD, 1)`, tuple.Tuple{uuid, int64(1)}, `(uuid("0a1b2c3d-0000-4000-8000-00000000abcd"), 1)`},
		{`versionstamp("00000000000000010000", 3)`, tuple.Tuple{vs}, `(versionstamp("00000000000000010000", 3))`},
		{"(\n\t\"multi\",\r\n 2\n)", tuple.Tuple{"multi", int64(2)}, `("multi", 2)`},
	}
	for _, tc := range tests {
		got, err := ParseTuple(tc.in)
		if err != nil {
			t.Errorf("ParseTuple(%s): %v", tc.in, err)
			continue
		}
		if !tupleEqual(got, tc.want) {
			t.Errorf("ParseTuple(%s) = %#v, want %#v", tc.in, got, tc.want)
		}
		out := tc.out
		if out == "" {
			out = tc.in
		}
		if s := FormatTuple(got); s != out {
			t.Errorf("FormatTuple(ParseTuple(%s)) = %s, want %s", tc.in, s, out)
		}
		again, err := ParseTuple(FormatTuple(got))
		if err != nil || !tupleEqual(again, got) {
			t.Errorf("round trip of %s: %v, %v", tc.in, again, err)
		}
	}
}

func TestParseTupleErrors(t *testing.T) {
	tests := []struct{ in, msg string }{
		{``, "empty literal"},
		{`   `, "empty literal"},
		{`("a"`, "missing )"},
		{`"a")`, "unexpected )"},
		{`("a" "b")`, "expected , or )"},
		{`"a" "b"`, "expected , or )"},
		{`(,)`, `unexpected ","`},
		{`users`, "strings need double quotes"},
		{`'users'`, `unexpected "'"`},
		{`"unterminated`, "unterminated"},
		{`"bad \q escape"`, "unterminated or malformed"},
		{`1.2.3`, "malformed element"},
		{`1e`, "malformed number"},
		{`--1`, "malformed element"},
		{`1_000`, "malformed element"},
		{`0x10`, "malformed element"},
		{`1e400`, "out of range"},
		{`float32(1e39)`, "out of range"},
		{`float32(x)`, "float32"},
		{`float32(1.5`, "missing )"},
		{`uuid("0a1b2c3d")`, "malformed UUID"},
		{`uuid(0a1b2c3d-0000-4000-8000-00000000abcd)`, "uuid wants a quoted string"},
		{`versionstamp("0001", 1)`, "20 hex digits"},
		{`versionstamp("00000000000000010000", 70000)`, "user version"},
		{`versionstamp("00000000000000010000")`, "expected , and a user version"},
		{`frob(1)`, `unknown function "frob"`},
		{`(` + strings.Repeat("9", 700) + `)`, "too large"},
		{strings.Repeat("(", 200) + strings.Repeat(")", 200), "nested deeper"},
	}
	for _, tc := range tests {
		_, err := ParseTuple(tc.in)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("ParseTuple(%s): error %v, want a *SyntaxError", tc.in, err)
			continue
		}
		if !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("ParseTuple(%s): error %q, want it to contain %q", tc.in, err, tc.msg)
		}
	}
}

func TestParseKey(t *testing.T) {
	tests := []struct {
		in   string
		want []byte
	}{
		{`("users", 42)`, []byte("\x02users\x00\x15\x2a")},
		{`"users"`, []byte("\x02users\x00")},
		{`()`, []byte{}},
		{`raw:"\x01abc"`, []byte("\x01abc")},
		{` raw:"" `, []byte{}},
		{`raw:"\xff\xff"`, []byte{0xff, 0xff}},
		{`nil`, []byte{0}},
	}
	for _, tc := range tests {
		got, err := ParseKey(tc.in)
		if err != nil {
			t.Errorf("ParseKey(%s): %v", tc.in, err)
			continue
		}
		if !bytes.Equal(got, tc.want) {
			t.Errorf("ParseKey(%s) = %q, want %q", tc.in, got, tc.want)
		}
	}
	for _, bad := range []string{`raw:`, `raw:abc`, `raw:"a" "b"`, `raw:"\q"`, `versionstamp("ffffffffffffffffffff", 1)`} {
		if _, err := ParseKey(bad); err == nil {
			t.Errorf("ParseKey(%s) succeeded, want an error", bad)
		}
	}
}

func TestFormatKey(t *testing.T) {
	tests := []struct {
		key  []byte
		want string
	}{
		{[]byte("\x02users\x00\x15\x2a"), `("users", 42)`},
		{[]byte{}, `()`},
		{[]byte("\x01abc"), `raw:"\x01abc"`},             // unterminated bytes
		{[]byte("hello"), `raw:"hello"`},                 // 'h' is no type code
		{[]byte{0x1d, 0x01, 0x05}, `raw:"\x1d\x01\x05"`}, // non-minimal integer
		{[]byte{0x21, 0xff, 0xf8, 0, 0, 0, 0, 0, 0x02}, `raw:"!\xff\xf8\x00\x00\x00\x00\x00\x02"`}, // NaN payload
		{[]byte{0x21, 0x80, 0, 0, 0, 0, 0, 0, 0}, `(0.0)`},
		{[]byte{0x20, 0x7f, 0xff, 0xff, 0xff}, `(float32(-0.0))`},
	}
	for _, tc := range tests {
		if got := FormatKey(tc.key); got != tc.want {
			t.Errorf("FormatKey(%q) = %s, want %s", tc.key, got, tc.want)
		}
		back, err := ParseKey(FormatKey(tc.key))
		if err != nil || !bytes.Equal(back, tc.key) {
			t.Errorf("ParseKey(FormatKey(%q)) = %q, %v", tc.key, back, err)
		}
	}
}

func TestFormatValue(t *testing.T) {
	tests := []struct {
		v    []byte
		want string
	}{
		{[]byte("alice"), "alice"},
		{[]byte("héllo wörld"), "héllo wörld"},
		{[]byte(""), ""},
		{[]byte("two\nlines"), `raw:"two\x0alines"`},
		{[]byte("\x00\x01"), `raw:"\x00\x01"`},
		{[]byte("\xff"), `raw:"\xff"`},
		{[]byte(`raw:"x"`), `raw:"raw:\"x\""`},
	}
	for _, tc := range tests {
		if got := FormatValue(tc.v); got != tc.want {
			t.Errorf("FormatValue(%q) = %s, want %s", tc.v, got, tc.want)
		}
	}
}

// tupleEqual compares tuples element by element, type included; NaNs are
// equal to NaNs with the same bits, and nil and empty slices are equal.
func tupleEqual(a, b tuple.Tuple) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !elementEqual(a[i], b[i]) {
			return false
		}
	}
	return true
}

func elementEqual(a, b any) bool {
	switch a := a.(type) {
	case tuple.Tuple:
		b, ok := b.(tuple.Tuple)
		return ok && tupleEqual(a, b)
	case []byte:
		b, ok := b.([]byte)
		return ok && bytes.Equal(a, b)
	case *big.Int:
		b, ok := b.(*big.Int)
		return ok && a.Cmp(b) == 0
	case float64:
		b, ok := b.(float64)
		return ok && (math.Float64bits(a) == math.Float64bits(b) || math.IsNaN(a) && math.IsNaN(b))
	case float32:
		b, ok := b.(float32)
		return ok && (math.Float32bits(a) == math.Float32bits(b) || a != a && b != b)
	}
	return a == b
}

func FuzzParseTuple(f *testing.F) {
	for _, s := range []string{
		`("users", 42)`, `"a", 1`, `()`, `(("a"), ())`, `-0.0`, `float32(nan)`, `inf`,
		`b"\x01\xff"`, `"\u00e9\xff"`, `uuid("0a1b2c3d-0000-4000-8000-00000000abcd")`,
		`versionstamp("00000000000000010000", 3)`, `18446744073709551616`, `-9223372036854775809`,
		`(nil, true, false)`, `raw:"\x01"`, `1e-320`, `float32(1e-45)`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseTuple(s)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("ParseTuple(%q): error %v is not a *SyntaxError", s, err)
			}
			return
		}
		text := FormatTuple(got)
		again, err := ParseTuple(text)
		if err != nil {
			t.Fatalf("ParseTuple(FormatTuple(ParseTuple(%q))) = ParseTuple(%s): %v", s, text, err)
		}
		if !tupleEqual(again, got) {
			t.Fatalf("round trip of %q through %s: got %#v, want %#v", s, text, again, got)
		}
		if key, err := got.PackChecked(); err == nil {
			// Keys render in a form that parses back to the same bytes.
			if back, err := ParseKey(FormatKey(key)); err != nil || !bytes.Equal(back, key) {
				t.Fatalf("key %q renders as %s, which parses to %q, %v", key, FormatKey(key), back, err)
			}
		}
	})
}

// FuzzFormatKey checks that any byte string renders as a key literal that
// parses back to the same bytes.
func FuzzFormatKey(f *testing.F) {
	for _, s := range []string{"\x02users\x00\x15\x2a", "", "\x01abc", "\x05\x00\xff\x00", "\x21\xff\xf8\x00\x00\x00\x00\x00\x02", "\x1d\x01\x05"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, key []byte) {
		text := FormatKey(key)
		back, err := ParseKey(text)
		if err != nil || !bytes.Equal(back, key) {
			t.Fatalf("key %q renders as %s, which parses to %q, %v", key, text, back, err)
		}
	})
}

func ExampleParseTuple() {
	t, err := ParseTuple(`("users", 42, -1.5, b"\x01\xff", ("nested", nil, true))`)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%d elements: %T %T %T %T %T\n", len(t), t[0], t[1], t[2], t[3], t[4])
	fmt.Println(FormatTuple(t))

	key, _ := ParseKey(`"users", 42`)
	fmt.Printf("%q\n", key)
	fmt.Println(FormatKey(key))
	fmt.Println(FormatKey([]byte("\x01not a tuple")))
	// Output:
	// 5 elements: string int64 float64 []uint8 tuple.Tuple
	// ("users", 42, -1.5, b"\x01\xff", ("nested", nil, true))
	// "\x02users\x00\x15*"
	// ("users", 42)
	// raw:"\x01not a tuple"
}
