package embedded

import (
	"bytes"
	"encoding/binary"
	"testing"
)

func TestApplyOp(t *testing.T) {
	long := func(n int, b byte) []byte { return bytes.Repeat([]byte{b}, n) }
	type c struct {
		name      string
		op        opType
		existing  []byte
		present   bool
		param     []byte
		want      []byte
		wantExist bool
	}
	var x = func(b ...byte) []byte { return b }
	cases := []c{
		// Add: little-endian, truncated to param's length.
		{"add/absent", opAdd, nil, false, x(1, 0), x(1, 0), true},
		{"add/empty", opAdd, x(), true, x(5), x(5), true},
		{"add/carry", opAdd, x(0xff), true, x(1, 0), x(0, 1), true},
		{"add/longer existing truncated", opAdd, x(1, 2, 3), true, x(1), x(2), true},
		{"add/overflow wraps", opAdd, x(0xff, 0xff), true, x(1, 0), x(0, 0), true},
		{"add/empty param", opAdd, x(5), true, x(), x(), true},
		// BitAnd (V2: absent becomes param).
		{"and/absent", opAnd, nil, false, x(0x0f), x(0x0f), true},
		{"and/empty", opAnd, x(), true, x(0x0f), x(0), true},
		{"and/shorter existing", opAnd, x(0xff, 0x0f), true, x(0x0f, 0xff, 0xff), x(0x0f, 0x0f, 0), true},
		{"and/longer existing", opAnd, x(0xff, 0xff, 0xff), true, x(0x0f), x(0x0f), true},
		// BitOr / BitXor: absent or empty become param.
		{"or/absent", opOr, nil, false, x(1, 2), x(1, 2), true},
		{"or/empty", opOr, x(), true, x(1, 2), x(1, 2), true},
		{"or/longer existing", opOr, x(0xf0, 1), true, x(0x0f), x(0xff), true},
		{"or/shorter existing", opOr, x(1), true, x(0x10, 0x20), x(0x11, 0x20), true},
		{"xor/absent", opXor, nil, false, x(7), x(7), true},
		{"xor/longer existing", opXor, x(0xff, 0), true, x(0x0f), x(0xf0), true},
		{"xor/shorter existing", opXor, x(1), true, x(1, 2), x(0, 2), true},
		// AppendIfFits.
		{"append/absent", opAppendIfFits, nil, false, x('c'), x('c'), true},
		{"append/both", opAppendIfFits, []byte("ab"), true, []byte("cd"), []byte("abcd"), true},
		{"append/empty param", opAppendIfFits, []byte("ab"), true, x(), []byte("ab"), true},
		{"append/fits exactly", opAppendIfFits, long(99_998, 'a'), true, x('b', 'b'), append(long(99_998, 'a'), 'b', 'b'), true},
		{"append/too long unchanged", opAppendIfFits, long(99_999, 'a'), true, x('b', 'b'), long(99_999, 'a'), true},
		// Max: unsigned little-endian of param's length.
		{"max/absent", opMax, nil, false, x(4, 0), x(4, 0), true},
		{"max/empty", opMax, x(), true, x(4, 0), x(4, 0), true},
		{"max/existing larger", opMax, x(5, 0), true, x(4, 0), x(5, 0), true},
		{"max/param larger", opMax, x(5, 0), true, x(4, 1), x(4, 1), true},
		{"max/longer existing truncated", opMax, x(1, 0, 0, 1), true, x(2, 0), x(2, 0), true},
		{"max/shorter existing, high param byte", opMax, x(3), true, x(1, 1), x(1, 1), true},
		{"max/shorter existing larger", opMax, x(5), true, x(4, 0), x(5, 0), true},
		{"max/equal", opMax, x(5, 0), true, x(5, 0), x(5, 0), true},
		// Min (V2: absent becomes param).
		{"min/absent", opMin, nil, false, x(4, 0), x(4, 0), true},
		{"min/empty", opMin, x(), true, x(4), x(0), true},
		{"min/param smaller", opMin, x(5, 0), true, x(4, 0), x(4, 0), true},
		{"min/shorter existing, high param byte", opMin, x(3), true, x(1, 1), x(3, 0), true},
		{"min/longer existing truncated", opMin, x(1, 0, 0, 1), true, x(2, 0), x(1, 0), true},
		{"min/empty param", opMin, x(3), true, x(), x(), true},
		// ByteMin / ByteMax: lexicographic.
		{"bytemin/absent", opByteMin, nil, false, []byte("b"), []byte("b"), true},
		{"bytemin/existing smaller", opByteMin, []byte("abc"), true, []byte("abd"), []byte("abc"), true},
		{"bytemin/param smaller", opByteMin, []byte("b"), true, []byte("a"), []byte("a"), true},
		{"bytemin/empty existing", opByteMin, x(), true, []byte("a"), x(), true},
		{"bytemax/absent", opByteMax, nil, false, []byte("b"), []byte("b"), true},
		{"bytemax/param larger", opByteMax, []byte("abc"), true, []byte("abd"), []byte("abd"), true},
		{"bytemax/existing larger", opByteMax, []byte("b"), true, []byte("a"), []byte("b"), true},
		{"bytemax/empty existing", opByteMax, x(), true, []byte("a"), []byte("a"), true},
		// CompareAndClear.
		{"cac/absent", opCompareAndClear, nil, false, []byte("x"), nil, false},
		{"cac/equal", opCompareAndClear, []byte("x"), true, []byte("x"), nil, false},
		{"cac/different", opCompareAndClear, []byte("x"), true, []byte("y"), []byte("x"), true},
		{"cac/both empty", opCompareAndClear, x(), true, x(), nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := applyOp(tc.op, tc.existing, tc.present, tc.param)
			if ok != tc.wantExist || !bytes.Equal(got, tc.want) {
				t.Errorf("%v(%x present=%v, %x) = %x present=%v, want %x present=%v",
					tc.op, trunc(tc.existing), tc.present, trunc(tc.param), trunc(got), ok, trunc(tc.want), tc.wantExist)
			}
		})
	}
}

func trunc(b []byte) []byte {
	if len(b) > 16 {
		return b[:16]
	}
	return b
}

// TestAddMatchesIntegers checks Add against integer arithmetic.
func TestAddMatchesIntegers(t *testing.T) {
	for _, c := range [][2]uint64{{0, 0}, {1, 1}, {0xff, 1}, {1 << 63, 1 << 63}, {0xffffffffffffffff, 2}, {12345, 67890}} {
		a := binary.LittleEndian.AppendUint64(nil, c[0])
		b := binary.LittleEndian.AppendUint64(nil, c[1])
		got, _ := applyOp(opAdd, a, true, b)
		if binary.LittleEndian.Uint64(got) != c[0]+c[1] {
			t.Errorf("%d+%d = %d", c[0], c[1], binary.LittleEndian.Uint64(got))
		}
		mx, _ := applyOp(opMax, a, true, b)
		if binary.LittleEndian.Uint64(mx) != max(c[0], c[1]) {
			t.Errorf("max(%d,%d) = %d", c[0], c[1], binary.LittleEndian.Uint64(mx))
		}
		mn, _ := applyOp(opMin, a, true, b)
		if binary.LittleEndian.Uint64(mn) != min(c[0], c[1]) {
			t.Errorf("min(%d,%d) = %d", c[0], c[1], binary.LittleEndian.Uint64(mn))
		}
	}
}

func TestVersionstampOffset(t *testing.T) {
	le := func(n int32) []byte { return binary.LittleEndian.AppendUint32(nil, uint32(n)) }
	body := []byte("ab0123456789cd") // 14 bytes
	for _, c := range []struct {
		b   []byte
		pos int
		ok  bool
	}{
		{append(bytes.Clone(body), le(2)...), 2, true},
		{append(bytes.Clone(body), le(4)...), 4, true},
		{append(bytes.Clone(body), le(5)...), 0, false}, // 5+10 > 14
		{append(bytes.Clone(body), le(-1)...), 0, false},
		{le(0)[:3], 0, false},
		{append(make([]byte, 10), le(0)...), 0, true},
		{append(make([]byte, 9), le(0)...), 0, false},
	} {
		pos, ok := versionstampOffset(c.b)
		if ok != c.ok || (ok && pos != c.pos) {
			t.Errorf("versionstampOffset(%x) = %d, %v; want %d, %v", c.b, pos, ok, c.pos, c.ok)
		}
	}
	got := fillVersionstamp(append(bytes.Clone(body), le(2)...), 2, 0x0102030405060708, 0x090a)
	want := []byte("ab\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0acd")
	if !bytes.Equal(got, want) {
		t.Errorf("fillVersionstamp = %q, want %q", got, want)
	}
}
