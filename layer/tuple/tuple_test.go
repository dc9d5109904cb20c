package tuple

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// namedBytes stands for a user's key type such as `type Key []byte`.
type namedBytes []byte

// keyer implements KeyConvertible.
type keyer string

func (k keyer) FDBKey() []byte { return []byte("key:" + string(k)) }

var (
	sampleUUID = UUID{0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff}
	sampleVS   = Versionstamp{TransactionVersion: [10]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, UserVersion: 0x0b0c}
	negZero64  = math.Copysign(0, -1)
	negZero32  = float32(negZero64)
)

// packVectors are fixed encodings. The first group is taken from the
// examples in design/tuple.md; the rest cover each type code and the
// boundaries between integer sizes.
var packVectors = []struct {
	name  string
	tuple Tuple
	hex   string
}{
	{"spec bytes", Tuple{[]byte("foo\x00bar")}, "01 666f6f 00ff 626172 00"},
	{"spec unicode", Tuple{"F\u00d4O\u0000bar"}, "02 46c3944f 00ff 626172 00"},
	{"spec nested", Tuple{Tuple{[]byte("foo\x00bar"), nil, Tuple{}}}, "05 01666f6f00ff62617200 00ff 0500 00"},
	{"spec int", Tuple{-5551212}, "11 ab4b93"},
	{"spec float", Tuple{float32(-42)}, "20 3dd7ffff"},
	{"spec minus one", Tuple{-1}, "13 fe"},

	{"empty tuple", Tuple{}, ""},
	{"nil tuple", Tuple(nil), ""},
	{"null", Tuple{nil}, "00"},
	{"nested null", Tuple{Tuple{nil}}, "05 00ff 00"},
	{"nested empty", Tuple{Tuple{}}, "05 00"},
	{"nested nil tuple", Tuple{Tuple(nil)}, "05 00"},
	{"doubly nested", Tuple{Tuple{Tuple{nil}, nil}}, "05 05 00ff 00 00ff 00"},
	{"empty bytes", Tuple{[]byte{}}, "01 00"},
	{"nil bytes", Tuple{[]byte(nil)}, "01 00"},
	{"bytes of zeros", Tuple{[]byte{0, 0}}, "01 00ff 00ff 00"},
	{"bytes with ff", Tuple{[]byte{0xff, 0x00, 0xff}}, "01 ff 00ff ff 00"},
	{"empty string", Tuple{""}, "02 00"},
	{"invalid utf8 string", Tuple{"\xff\xfe"}, "02 fffe 00"},
	{"named bytes", Tuple{namedBytes("a\x00")}, "01 61 00ff 00"},
	{"key convertible", Tuple{keyer("x")}, "01 6b65793a78 00"},
	{"mixed", Tuple{"a", 1, nil, true}, "02 61 00 15 01 00 27"},

	{"zero", Tuple{0}, "14"},
	{"one", Tuple{1}, "15 01"},
	{"255", Tuple{255}, "15 ff"},
	{"256", Tuple{256}, "16 0100"},
	{"-255", Tuple{-255}, "13 00"},
	{"-256", Tuple{-256}, "12 feff"},
	{"65535", Tuple{uint(65535)}, "16 ffff"},
	{"2^32", Tuple{int64(1) << 32}, "19 0100000000"},
	{"max int64", Tuple{int64(math.MaxInt64)}, "1c 7fffffffffffffff"},
	{"min int64", Tuple{int64(math.MinInt64)}, "0c 7fffffffffffffff"},
	{"2^63", Tuple{uint64(1) << 63}, "1c 8000000000000000"},
	{"max uint64", Tuple{uint64(math.MaxUint64)}, "1c ffffffffffffffff"},
	{"int8", Tuple{int8(-3)}, "13 fc"},
	{"int16", Tuple{int16(-300)}, "12 fed3"},
	{"int32", Tuple{int32(70000)}, "17 011170"},
	{"uint8", Tuple{uint8(200)}, "15 c8"},
	{"uint16", Tuple{uint16(513)}, "16 0201"},
	{"uint32", Tuple{uint32(math.MaxUint32)}, "18 ffffffff"},

	{"big zero", Tuple{big.NewInt(0)}, "14"},
	{"big small negative", Tuple{big.NewInt(-5)}, "13 fa"},
	{"big value type", Tuple{*big.NewInt(300)}, "16 012c"},
	{"big max uint64", Tuple{pow2(1, 64, -1)}, "1c ffffffffffffffff"},
	{"big 2^64", Tuple{pow2(1, 64, 0)}, "1d 09 010000000000000000"},
	{"big -(2^64-1)", Tuple{pow2(-1, 64, -1)}, "0c 0000000000000000"},
	{"big -2^63-1", Tuple{pow2(-1, 63, 1)}, "0c 7ffffffffffffffe"},
	{"big -2^64", Tuple{pow2(-1, 64, 0)}, "0b f6 feffffffffffffffff"},
	{"big 2^2040-1", Tuple{pow2(1, 2040, -1)}, "1d ff " + strings.Repeat("ff", 255)},
	{"big -(2^2040-1)", Tuple{pow2(-1, 2040, -1)}, "0b 00 " + strings.Repeat("00", 255)},

	{"float32 zero", Tuple{float32(0)}, "20 80000000"},
	{"float32 -0", Tuple{negZero32}, "20 7fffffff"},
	{"float32 42", Tuple{float32(42)}, "20 c2280000"},
	{"float32 +inf", Tuple{float32(math.Inf(1))}, "20 ff800000"},
	{"float64 zero", Tuple{0.0}, "21 8000000000000000"},
	{"float64 -0", Tuple{negZero64}, "21 7fffffffffffffff"},
	{"float64 1", Tuple{1.0}, "21 bff0000000000000"},
	{"float64 -1", Tuple{-1.0}, "21 400fffffffffffff"},
	{"float64 +inf", Tuple{math.Inf(1)}, "21 fff0000000000000"},
	{"float64 -inf", Tuple{math.Inf(-1)}, "21 000fffffffffffff"},
	{"float64 NaN", Tuple{math.NaN()}, "21 fff8000000000001"},
	{"float64 negative NaN", Tuple{math.Float64frombits(0xfff8000000000001)}, "21 0007fffffffffffe"},

	{"false", Tuple{false}, "26"},
	{"true", Tuple{true}, "27"},
	{"uuid", Tuple{sampleUUID}, "30 00112233445566778899aabbccddeeff"},
	{"google uuid", Tuple{uuid.UUID(sampleUUID)}, "30 00112233445566778899aabbccddeeff"},
	{"versionstamp", Tuple{sampleVS}, "33 0102030405060708090a 0b0c"},
}

func TestPackVectors(t *testing.T) {
	for _, tc := range packVectors {
		t.Run(tc.name, func(t *testing.T) {
			want := unhex(tc.hex)
			got, err := tc.tuple.PackChecked()
			if err != nil {
				t.Fatalf("PackChecked: %v", err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("PackChecked\n got %x\nwant %x", got, want)
			}
			if got := tc.tuple.Pack(); !bytes.Equal(got, want) {
				t.Fatalf("Pack\n got %x\nwant %x", got, want)
			}
			prefix := []byte("prefix")
			got, err = tc.tuple.AppendPack(prefix[:3:3])
			if err != nil || !bytes.Equal(got, append([]byte("pre"), want...)) {
				t.Fatalf("AppendPack = %x, %v", got, err)
			}
			if string(prefix) != "prefix" {
				t.Fatalf("AppendPack wrote past the capacity of dst: %q", prefix)
			}
		})
	}
}

// TestRoundTrip checks that every vector unpacks to its input, modulo the
// documented type normalisation, and that re-packing the result is stable.
func TestRoundTrip(t *testing.T) {
	for _, tc := range packVectors {
		t.Run(tc.name, func(t *testing.T) {
			packed := tc.tuple.Pack()
			got, err := Unpack(packed)
			if err != nil {
				t.Fatalf("Unpack(%x): %v", packed, err)
			}
			want := normalize(tc.tuple)
			if !equalTuples(got, want, false) {
				t.Fatalf("Unpack(%x)\n got %#v\nwant %#v", packed, got, want)
			}
			if again := got.Pack(); !bytes.Equal(again, packed) {
				t.Fatalf("re-pack gave %x, want %x", again, packed)
			}
		})
	}
}

// normalize converts a tuple to the Go types Unpack returns for its packed
// form.
func normalize(t Tuple) Tuple {
	if len(t) == 0 {
		return nil
	}
	out := make(Tuple, len(t))
	for i, e := range t {
		switch v := e.(type) {
		case Tuple:
			out[i] = normalize(v)
		case []byte:
			if len(v) == 0 {
				out[i] = []byte(nil)
			} else {
				out[i] = v
			}
		case namedBytes:
			out[i] = []byte(v)
		case KeyConvertible:
			out[i] = v.FDBKey()
		case uuid.UUID:
			out[i] = UUID(v)
		default:
			if n := asBig(e); n != nil {
				switch {
				case n.IsInt64():
					out[i] = n.Int64()
				case n.IsUint64():
					out[i] = n.Uint64()
				default:
					out[i] = n
				}
				continue
			}
			out[i] = e
		}
	}
	return out
}

// decodeVectors pins the Go types Unpack returns, including for
// non-canonical integer encodings, which follow the official decoder.
var decodeVectors = []struct {
	name string
	hex  string
	want Tuple
}{
	{"empty input", "", nil},
	{"top-level null", "00", Tuple{nil}},
	{"two nulls", "00 00", Tuple{nil, nil}},
	{"empty bytes are nil", "01 00", Tuple{[]byte(nil)}},
	{"empty nested is nil Tuple", "05 00", Tuple{Tuple(nil)}},
	{"nested null", "05 00ff 00", Tuple{Tuple{nil}}},
	{"nested bytes then null", "05 01 00ff 00 00ff 00", Tuple{Tuple{[]byte{0}, nil}}},
	{"escaped string", "02 61 00ff 00ff 62 00", Tuple{"a\x00\x00b"}},
	{"small int", "15 05", Tuple{int64(5)}},
	{"padded int", "16 0005", Tuple{int64(5)}},
	{"padded 8-byte int", "1c 0000000000000005", Tuple{int64(5)}},
	{"padded zero is uint64", "15 00", Tuple{uint64(0)}},
	{"padded 8-byte zero is uint64", "1c 0000000000000000", Tuple{uint64(0)}},
	{"large uint64", "1c ffffffffffffffff", Tuple{uint64(math.MaxUint64)}},
	{"negative padded to zero", "13 ff", Tuple{int64(0)}},
	{"negative 8-byte padded to zero", "0c ffffffffffffffff", Tuple{int64(0)}},
	{"negative padded", "12 ff00", Tuple{int64(-255)}},
	{"min int64", "0c 7fffffffffffffff", Tuple{int64(math.MinInt64)}},
	{"below min int64", "0c 7ffffffffffffffe", Tuple{pow2(-1, 63, 1)}},
	{"most negative 8-byte", "0c 0000000000000000", Tuple{pow2(-1, 64, -1)}},
	{"0x1d small is big.Int", "1d 01 05", Tuple{big.NewInt(5)}},
	{"0x1d empty is big zero", "1d 00", Tuple{big.NewInt(0)}},
	{"0x1d 2^64", "1d 09 010000000000000000", Tuple{pow2(1, 64, 0)}},
	{"0x0b small is big.Int", "0b fe fa", Tuple{big.NewInt(-5)}},
	{"0x0b empty is big zero", "0b ff", Tuple{big.NewInt(0)}},
	{"0x0b min int64 is int64", "0b f7 7fffffffffffffff", Tuple{int64(math.MinInt64)}},
	{"float32 -0", "20 7fffffff", Tuple{negZero32}},
	{"float32 NaN payload", "20 ffc00001", Tuple{math.Float32frombits(0x7fc00001)}},
	{"float64 all-ones NaN", "21 0000000000000000", Tuple{math.Float64frombits(math.MaxUint64)}},
	{"signalling NaN", "21 fff0000000000001", Tuple{math.Float64frombits(0x7ff0000000000001)}},
	{"incomplete versionstamp", "33 ffffffffffffffffffff 0001", Tuple{IncompleteVersionstamp(1)}},
	{"uuid", "30 00112233445566778899aabbccddeeff", Tuple{sampleUUID}},
}

func TestUnpackDecodedTypes(t *testing.T) {
	for _, tc := range decodeVectors {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Unpack(unhex(tc.hex))
			if err != nil {
				t.Fatalf("Unpack: %v", err)
			}
			if !equalTuples(got, tc.want, false) {
				t.Fatalf("Unpack(%s)\n got %#v\nwant %#v", tc.hex, got, tc.want)
			}
		})
	}
}

func TestUnpackDoesNotAlias(t *testing.T) {
	in := Tuple{[]byte("abc"), "def", Tuple{[]byte("ghi")}}.Pack()
	got, err := Unpack(in)
	if err != nil {
		t.Fatal(err)
	}
	for i := range in {
		in[i] = 'X'
	}
	want := Tuple{[]byte("abc"), "def", Tuple{[]byte("ghi")}}
	if !equalTuples(got, want, false) {
		t.Fatalf("decoded tuple changed with its input: %v", got)
	}
}

// malformedVectors are inputs Unpack must reject with ErrMalformed.
var malformedVectors = []struct{ name, hex string }{
	{"unknown code 0x03", "03"},
	{"unknown code 0x04", "04"},
	{"reserved 0x0a", "0a 00"},
	{"reserved 0x1e", "1e 00"},
	{"long double 0x22", "22 00000000000000000000"},
	{"deprecated true 0x25", "25"},
	{"code 0x31", "31 0000000000000000"},
	{"code 0x32", "32 00000000000000000000"},
	{"escape byte as code", "ff"},
	{"top-level 00ff", "00 ff"},
	{"valid then garbage", "15 01 40"},
	{"bytes without terminator", "01"},
	{"bytes cut", "01 6162"},
	{"bytes ending in escape", "01 61 00ff"},
	{"bytes ff only", "01 ff"},
	{"string without terminator", "02 61"},
	{"nested unterminated", "05"},
	{"nested with element unterminated", "05 14"},
	{"nested ending in null", "05 00ff"},
	{"doubly nested half terminated", "05 05 00"},
	{"bad element inside nested", "05 ff 00"},
	{"int missing byte", "15"},
	{"int 2 bytes cut", "16 01"},
	{"int 8 bytes cut", "1c 01020304050607"},
	{"negative int cut", "0c"},
	{"negative 8 byte cut", "0c 7f"},
	{"negative 8 byte cut high bit", "0c ff"},
	{"big positive without length", "1d"},
	{"big positive cut", "1d 02 01"},
	{"big negative without length", "0b"},
	{"big negative cut", "0b fd 01"},
	{"float cut", "20 000000"},
	{"double cut", "21 00"},
	{"uuid cut", "30 00112233"},
	{"versionstamp cut", "33 0102030405060708090a 0b"},
}

func TestUnpackErrors(t *testing.T) {
	for _, tc := range malformedVectors {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Unpack(unhex(tc.hex))
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("Unpack(%s) = %v, %v; want ErrMalformed", tc.hex, got, err)
			}
			if got != nil {
				t.Fatalf("Unpack returned %v alongside an error", got)
			}
			if !strings.HasPrefix(err.Error(), "tuple: ") {
				t.Fatalf("error %q lacks the package prefix", err)
			}
		})
	}
}

func TestPackErrors(t *testing.T) {
	cyclic := Tuple{1, nil}
	cyclic[1] = cyclic
	indirect := Tuple{nil}
	inner := Tuple{"x", indirect}
	indirect[0] = inner

	tests := []struct {
		name  string
		tuple Tuple
		want  error
	}{
		{"struct", Tuple{struct{}{}}, ErrUnsupportedType},
		{"channel", Tuple{make(chan int)}, ErrUnsupportedType},
		{"map", Tuple{map[string]int{}}, ErrUnsupportedType},
		{"func", Tuple{func() {}}, ErrUnsupportedType},
		{"pointer", Tuple{new(int)}, ErrUnsupportedType},
		{"complex", Tuple{1i}, ErrUnsupportedType},
		{"uintptr", Tuple{uintptr(1)}, ErrUnsupportedType},
		{"int slice", Tuple{[]int{1}}, ErrUnsupportedType},
		{"any slice is not a Tuple", Tuple{[]any{1}}, ErrUnsupportedType},
		{"named string", Tuple{keyerString("a")}, ErrUnsupportedType},
		{"nil big.Int", Tuple{(*big.Int)(nil)}, ErrUnsupportedType},
		{"deep unsupported", Tuple{"ok", Tuple{1, Tuple{struct{}{}}}}, ErrUnsupportedType},
		{"big 2^2040", Tuple{pow2(1, 2040, 0)}, ErrIntegerTooLarge},
		{"big -2^2040", Tuple{pow2(-1, 2040, 0)}, ErrIntegerTooLarge},
		{"big value too large", Tuple{*pow2(1, 2048, 0)}, ErrIntegerTooLarge},
		{"incomplete versionstamp", Tuple{IncompleteVersionstamp(0)}, ErrIncompleteVersionstamp},
		{"nested incomplete versionstamp", Tuple{Tuple{IncompleteVersionstamp(7)}}, ErrIncompleteVersionstamp},
		{"cyclic tuple", cyclic, ErrCyclicTuple},
		{"indirectly cyclic tuple", inner, ErrCyclicTuple},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := tc.tuple.PackChecked()
			if !errors.Is(err, tc.want) || b != nil {
				t.Fatalf("PackChecked = %x, %v; want %v", b, err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "tuple: ") {
				t.Fatalf("error %q lacks the package prefix", err)
			}
			dst := []byte("pre")
			b, err = tc.tuple.AppendPack(dst)
			if !errors.Is(err, tc.want) || string(b) != "pre" {
				t.Fatalf("AppendPack = %q, %v; want %q, %v", b, err, "pre", tc.want)
			}
			func() {
				defer func() {
					r := recover()
					perr, ok := r.(error)
					if !ok || !errors.Is(perr, tc.want) {
						t.Fatalf("Pack panicked with %v, want an error wrapping %v", r, tc.want)
					}
				}()
				tc.tuple.Pack()
			}()
		})
	}
}

type keyerString string

func TestPackWithVersionstamp(t *testing.T) {
	complete := Versionstamp{TransactionVersion: [10]byte{9, 8, 7, 6, 5, 4, 3, 2, 1, 0}, UserVersion: 42}
	tests := []struct {
		name   string
		prefix []byte
		tuple  Tuple
		offset uint32
	}{
		{"alone", nil, Tuple{IncompleteVersionstamp(5)}, 1},
		{"empty prefix", []byte{}, Tuple{IncompleteVersionstamp(5)}, 1},
		{"after prefix", []byte("pfx"), Tuple{IncompleteVersionstamp(5)}, 4},
		{"after elements", []byte("pfx"), Tuple{"ab", 7, IncompleteVersionstamp(5)}, 3 + 4 + 2 + 1},
		{"before elements", nil, Tuple{IncompleteVersionstamp(5), "tail"}, 1},
		{"nested", []byte{0xfe}, Tuple{1, Tuple{nil, IncompleteVersionstamp(0)}}, 1 + 2 + 1 + 2 + 1},
		{"with a complete one", nil, Tuple{complete, IncompleteVersionstamp(0xffff)}, 13 + 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			prefixCopy := bytes.Clone(tc.prefix)
			got, err := tc.tuple.PackWithVersionstamp(tc.prefix)
			if err != nil {
				t.Fatalf("PackWithVersionstamp: %v", err)
			}
			if !bytes.Equal(tc.prefix, prefixCopy) {
				t.Fatalf("prefix modified")
			}
			if len(got) < 4 {
				t.Fatalf("output %x too short", got)
			}
			body, tail := got[:len(got)-4], got[len(got)-4:]
			off := binary.LittleEndian.Uint32(tail)
			if off != tc.offset {
				t.Fatalf("offset %d, want %d (output %x)", off, tc.offset, got)
			}
			if !bytes.HasPrefix(body, tc.prefix) {
				t.Fatalf("output %x does not start with the prefix", got)
			}
			if int(off) < 1 || int(off)+10 > len(body) || body[off-1] != versionstampCode ||
				!bytes.Equal(body[off:off+10], incompleteTxVersion[:]) {
				t.Fatalf("offset %d does not point at the placeholder in %x", off, body)
			}

			// What the database does at commit: overwrite the ten bytes and
			// drop the offset. The result must be the packing of the tuple
			// with the versionstamp completed.
			filled := bytes.Clone(body)
			copy(filled[off:], complete.TransactionVersion[:])
			want := append(bytes.Clone(tc.prefix), fillVersionstamp(tc.tuple, complete.TransactionVersion).Pack()...)
			if !bytes.Equal(filled, want) {
				t.Fatalf("filled key %x, want %x", filled, want)
			}
			has, err := tc.tuple.HasIncompleteVersionstamp()
			if !has || err != nil {
				t.Fatalf("HasIncompleteVersionstamp = %v, %v", has, err)
			}
		})
	}
}

// fillVersionstamp returns a copy of t with incomplete versionstamps given
// the transaction version tx.
func fillVersionstamp(t Tuple, tx [10]byte) Tuple {
	out := make(Tuple, len(t))
	for i, e := range t {
		switch v := e.(type) {
		case Versionstamp:
			if !v.IsComplete() {
				v.TransactionVersion = tx
			}
			out[i] = v
		case Tuple:
			out[i] = fillVersionstamp(v, tx)
		default:
			out[i] = e
		}
	}
	return out
}

func TestPackWithVersionstampErrors(t *testing.T) {
	tests := []struct {
		name  string
		tuple Tuple
		want  error
	}{
		{"none", Tuple{"a", 1}, ErrNoIncompleteVersionstamp},
		{"empty", Tuple{}, ErrNoIncompleteVersionstamp},
		{"only complete", Tuple{sampleVS}, ErrNoIncompleteVersionstamp},
		{"two", Tuple{IncompleteVersionstamp(1), IncompleteVersionstamp(2)}, ErrMultipleIncompleteVersionstamps},
		{"two nested", Tuple{IncompleteVersionstamp(1), Tuple{Tuple{IncompleteVersionstamp(2)}}}, ErrMultipleIncompleteVersionstamps},
		{"unsupported element", Tuple{IncompleteVersionstamp(1), struct{}{}}, ErrUnsupportedType},
		{"too large", Tuple{IncompleteVersionstamp(1), pow2(1, 2041, 0)}, ErrIntegerTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := tc.tuple.PackWithVersionstamp([]byte("p"))
			if !errors.Is(err, tc.want) || b != nil {
				t.Fatalf("PackWithVersionstamp = %x, %v; want %v", b, err, tc.want)
			}
		})
	}
}

func TestHasIncompleteVersionstamp(t *testing.T) {
	cyclic := Tuple{nil}
	cyclic[0] = cyclic
	tests := []struct {
		name    string
		tuple   Tuple
		want    bool
		wantErr error
	}{
		{"empty", Tuple{}, false, nil},
		{"complete only", Tuple{sampleVS, 1}, false, nil},
		{"one", Tuple{1, IncompleteVersionstamp(3)}, true, nil},
		{"nested one", Tuple{Tuple{Tuple{IncompleteVersionstamp(3)}}}, true, nil},
		{"two", Tuple{IncompleteVersionstamp(1), Tuple{IncompleteVersionstamp(2)}}, true, ErrMultipleIncompleteVersionstamps},
		{"unsupported elements are ignored", Tuple{struct{}{}, IncompleteVersionstamp(1)}, true, nil},
		{"cyclic", cyclic, false, ErrCyclicTuple},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.tuple.HasIncompleteVersionstamp()
			if got != tc.want || !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
				t.Fatalf("HasIncompleteVersionstamp = %v, %v; want %v, %v", got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func TestVersionstamp(t *testing.T) {
	if got, want := sampleVS.Bytes(), unhex("0102030405060708090a0b0c"); !bytes.Equal(got, want) {
		t.Fatalf("Bytes = %x, want %x", got, want)
	}
	inc := IncompleteVersionstamp(0x1234)
	if inc.IsComplete() || !sampleVS.IsComplete() {
		t.Fatalf("IsComplete wrong")
	}
	if got, want := inc.Bytes(), unhex("ffffffffffffffffffff1234"); !bytes.Equal(got, want) {
		t.Fatalf("Bytes = %x, want %x", got, want)
	}
}

func TestString(t *testing.T) {
	cyclic := Tuple{"loop", nil}
	cyclic[1] = cyclic
	tests := []struct {
		value fmt.Stringer
		want  string
	}{
		// Cases and expected strings from the official tuple_test.go.
		{Tuple{[]byte("hello"), "world", 42, 0x99}, `(b"hello", "world", 42, 153)`},
		{Tuple{nil, Tuple{"Ok", Tuple{1, 2}, "Go"}, 42, 0x99}, `(<nil>, ("Ok", (1, 2), "Go"), 42, 153)`},
		{Tuple{"Bool", true, false}, `("Bool", true, false)`},
		{Tuple{"UUID", goldenUUID}, `("UUID", UUID(1100aabb-ccdd-eeff-1100-aabbccddeeff))`},
		{
			Tuple{"Versionstamp", Versionstamp{[10]byte{0, 0, 0, 0xaa, 0, 0xbb, 0, 0xcc, 0, 0xdd}, 620}},
			`("Versionstamp", Versionstamp(\x00\x00\x00\xaa\x00\xbb\x00\xcc\x00\xdd, 620))`,
		},
		// Further cases.
		{Tuple{}, `()`},
		{Tuple{[]byte(`a\b`), 1.5, float32(2), pow2(1, 64, 0)}, `(b"a\\b", 1.5, 2, 18446744073709551616)`},
		{sampleUUID, `00112233-4455-6677-8899-aabbccddeeff`},
		{IncompleteVersionstamp(1), `Versionstamp(\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff, 1)`},
	}
	for _, tc := range tests {
		if got := tc.value.String(); got != tc.want {
			t.Errorf("String() = %s, want %s", got, tc.want)
		}
	}
	// A cyclic tuple must print in finite time.
	if s := cyclic.String(); !strings.Contains(s, "(...)") {
		t.Errorf("cyclic tuple printed as %s", s)
	}
}

// TestDeepNesting checks that deeply nested input is decoded without
// recursion limits and that truncating it is reported, not crashed on.
func TestDeepNesting(t *testing.T) {
	const depth = 50_000
	in := append(bytes.Repeat([]byte{nestedCode}, depth), bytes.Repeat([]byte{0}, depth)...)
	got, err := Unpack(in)
	if err != nil {
		t.Fatalf("Unpack: %v", err)
	}
	d := 0
	for cur := got; len(cur) == 1; d++ {
		next, ok := cur[0].(Tuple)
		if !ok {
			t.Fatalf("level %d holds %T", d, cur[0])
		}
		cur = next
	}
	if d != depth {
		t.Fatalf("decoded depth %d, want %d", d, depth)
	}
	if again := got.Pack(); !bytes.Equal(again, in) {
		t.Fatalf("re-pack of deep tuple differs")
	}
	if _, err := Unpack(in[:len(in)-1]); !errors.Is(err, ErrMalformed) {
		t.Fatalf("truncated deep tuple: err = %v, want ErrMalformed", err)
	}
}

// TestTypeNormalisation checks that all integer kinds of equal value pack
// identically.
func TestTypeNormalisation(t *testing.T) {
	tests := []struct {
		name   string
		values []any
	}{
		{"7", []any{7, int8(7), int16(7), int32(7), int64(7), uint(7), uint8(7), uint16(7), uint32(7), uint64(7), big.NewInt(7), *big.NewInt(7)}},
		{"-129", []any{-129, int16(-129), int32(-129), int64(-129), big.NewInt(-129)}},
		{"max uint32", []any{uint64(math.MaxUint32), uint(math.MaxUint32), uint32(math.MaxUint32), pow2(1, 32, -1)}},
		{"max uint64", []any{uint64(math.MaxUint64), pow2(1, 64, -1)}},
		{"bytes", []any{[]byte("k"), namedBytes("k")}},
		{"uuid", []any{sampleUUID, uuid.UUID(sampleUUID)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want := Tuple{tc.values[0]}.Pack()
			for _, v := range tc.values[1:] {
				if got := (Tuple{v}).Pack(); !bytes.Equal(got, want) {
					t.Errorf("%T: %x, want %x", v, got, want)
				}
			}
		})
	}
}
