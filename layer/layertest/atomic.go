package layertest

import (
	"bytes"
	"testing"

	"github.com/strata-db/strata/layer"
)

// atomicOps maps each atomic operation's name to the call.
var atomicOps = map[string]func(tx layer.Tx, key, param []byte){
	"Add":             func(tx layer.Tx, k, p []byte) { tx.Add(k, p) },
	"BitAnd":          func(tx layer.Tx, k, p []byte) { tx.BitAnd(k, p) },
	"BitOr":           func(tx layer.Tx, k, p []byte) { tx.BitOr(k, p) },
	"BitXor":          func(tx layer.Tx, k, p []byte) { tx.BitXor(k, p) },
	"AppendIfFits":    func(tx layer.Tx, k, p []byte) { tx.AppendIfFits(k, p) },
	"Max":             func(tx layer.Tx, k, p []byte) { tx.Max(k, p) },
	"Min":             func(tx layer.Tx, k, p []byte) { tx.Min(k, p) },
	"ByteMax":         func(tx layer.Tx, k, p []byte) { tx.ByteMax(k, p) },
	"ByteMin":         func(tx layer.Tx, k, p []byte) { tx.ByteMin(k, p) },
	"CompareAndClear": func(tx layer.Tx, k, p []byte) { tx.CompareAndClear(k, p) },
}

type atomicCase struct {
	op, name string
	existing []byte // nil: the key is absent
	param    []byte
	want     []byte // nil: the key ends absent
}

// atomicCases are FoundationDB's byte semantics, worked out by hand.
// Integers are little-endian; b() is a present, empty value.
func atomicCases() []atomicCase {
	a := func(n int) []byte { return bytes.Repeat([]byte{'a'}, n) }
	return []atomicCase{
		{"Add", "absent", nil, b(1, 0), b(1, 0)},
		{"Add", "empty existing", b(), b(5), b(5)},
		{"Add", "empty param", b(1, 2), b(), b()},
		{"Add", "same length", b(1, 2), b(3, 4), b(4, 6)},
		{"Add", "carry", b(0xff, 0x00), b(0x01, 0x00), b(0x00, 0x01)},
		{"Add", "carry chain", b(0xff, 0xff, 0x00), b(0x01, 0x00, 0x00), b(0x00, 0x00, 0x01)},
		{"Add", "overflow wraps", b(0xff, 0xff), b(0x01, 0x00), b(0x00, 0x00)},
		{"Add", "shorter existing zero-extended", b(0xff), b(0x01, 0x01), b(0x00, 0x02)},
		{"Add", "longer existing truncated", b(0x01, 0x02, 0x03), b(0x01, 0x01), b(0x02, 0x03)},
		{"Add", "longer existing carry dropped", b(0xff, 0xff, 0x05), b(0x01, 0x00), b(0x00, 0x00)},
		{"Add", "minus one", le64(16), le64(^uint64(0)), le64(15)},

		{"BitAnd", "absent becomes param", nil, b(0x0f), b(0x0f)},
		{"BitAnd", "empty existing", b(), b(0x0f, 0xf0), b(0x00, 0x00)},
		{"BitAnd", "empty param", b(0x12), b(), b()},
		{"BitAnd", "same length", b(0xf0, 0x0f), b(0x3c, 0x3c), b(0x30, 0x0c)},
		{"BitAnd", "shorter existing", b(0xff), b(0x0f, 0x0f), b(0x0f, 0x00)},
		{"BitAnd", "longer existing", b(0xff, 0xff, 0xff), b(0x0f, 0xf0), b(0x0f, 0xf0)},

		{"BitOr", "absent", nil, b(0x0f), b(0x0f)},
		{"BitOr", "empty existing", b(), b(0x0f), b(0x0f)},
		{"BitOr", "empty param", b(0x12), b(), b()},
		{"BitOr", "shorter existing", b(0x0f), b(0xf0, 0x01), b(0xff, 0x01)},
		{"BitOr", "longer existing", b(0x01, 0x02, 0x03), b(0x10, 0x20), b(0x11, 0x22)},

		{"BitXor", "absent", nil, b(0x0f), b(0x0f)},
		{"BitXor", "empty existing", b(), b(0x0f), b(0x0f)},
		{"BitXor", "empty param", b(0x12), b(), b()},
		{"BitXor", "shorter existing", b(0xff), b(0x0f, 0x0f), b(0xf0, 0x0f)},
		{"BitXor", "longer existing", b(0xff, 0xff, 0xff), b(0x0f, 0xf0), b(0xf0, 0x0f)},

		{"AppendIfFits", "absent", nil, b(0xab), b(0xab)},
		{"AppendIfFits", "empty existing", b(), v("ab"), v("ab")},
		{"AppendIfFits", "append", v("a"), v("bc"), v("abc")},
		{"AppendIfFits", "empty param", v("a"), b(), v("a")},
		{"AppendIfFits", "reaches 100000 bytes", a(99_999), v("b"), append(a(99_999), 'b')},
		{"AppendIfFits", "would exceed 100000 bytes", a(99_999), v("bc"), a(99_999)},
		{"AppendIfFits", "already 100000 bytes", a(100_000), v("b"), a(100_000)},
		{"AppendIfFits", "absent, 100000-byte param", nil, a(100_000), a(100_000)},

		{"Max", "absent", nil, b(2, 0), b(2, 0)},
		{"Max", "empty existing", b(), b(2, 0), b(2, 0)},
		{"Max", "empty param", b(5), b(), b()},
		{"Max", "param larger", b(1, 0), b(2, 0), b(2, 0)},
		{"Max", "param smaller", b(5, 0), b(2, 0), b(5, 0)},
		{"Max", "little-endian comparison", b(0xff, 0x00), b(0x00, 0x01), b(0x00, 0x01)},
		{"Max", "shorter existing larger", b(5), b(2, 0), b(5, 0)},
		{"Max", "shorter existing smaller", b(5), b(0, 1), b(0, 1)},
		{"Max", "longer existing truncated, param larger", b(1, 0, 7), b(2, 0), b(2, 0)},
		{"Max", "longer existing truncated, existing larger", b(3, 0, 7), b(2, 0), b(3, 0)},
		{"Max", "equal", b(4, 4), b(4, 4), b(4, 4)},

		{"Min", "absent becomes param", nil, b(5, 0), b(5, 0)},
		{"Min", "empty existing", b(), b(5), b(0)},
		{"Min", "empty param", b(5), b(), b()},
		{"Min", "existing smaller", b(1, 0), b(2, 0), b(1, 0)},
		{"Min", "existing larger", b(5, 0), b(2, 0), b(2, 0)},
		{"Min", "little-endian comparison", b(0x00, 0x01), b(0xff, 0x00), b(0xff, 0x00)},
		{"Min", "shorter existing larger", b(5), b(2, 0), b(2, 0)},
		{"Min", "shorter existing smaller", b(5), b(0, 1), b(5, 0)},
		{"Min", "longer existing truncated, existing smaller", b(1, 0, 7), b(2, 0), b(1, 0)},
		{"Min", "longer existing truncated, param smaller", b(3, 0, 7), b(2, 0), b(2, 0)},

		{"ByteMax", "absent", nil, v("abc"), v("abc")},
		{"ByteMax", "param larger", v("abc"), v("abd"), v("abd")},
		{"ByteMax", "existing larger", v("b"), v("abc"), v("b")},
		{"ByteMax", "prefix is smaller", v("ab"), v("abc"), v("abc")},
		{"ByteMax", "empty existing", b(), v("a"), v("a")},
		{"ByteMax", "empty param", v("a"), b(), v("a")},

		{"ByteMin", "absent becomes param", nil, v("abc"), v("abc")},
		{"ByteMin", "existing smaller", v("abc"), v("abd"), v("abc")},
		{"ByteMin", "param smaller", v("b"), v("abc"), v("abc")},
		{"ByteMin", "prefix is smaller", v("ab"), v("abc"), v("ab")},
		{"ByteMin", "empty existing", b(), v("a"), b()},
		{"ByteMin", "empty param", v("a"), b(), b()},

		{"CompareAndClear", "equal", v("x"), v("x"), nil},
		{"CompareAndClear", "unequal", v("x"), v("y"), v("x")},
		{"CompareAndClear", "prefix unequal", v("xy"), v("x"), v("xy")},
		{"CompareAndClear", "absent", nil, v("x"), nil},
		{"CompareAndClear", "empty equal", b(), b(), nil},
		{"CompareAndClear", "absent, empty param", nil, b(), nil},
	}
}

func (s *suite) testAtomicOps(t *testing.T) {
	e := s.env(t)
	cases := atomicCases()
	key := func(path string, c atomicCase) []byte { return e.k(path, "/", c.op, "/", c.name) }
	setup := func(path string) {
		e.do(func(tx layer.Tx) {
			for _, c := range cases {
				if c.existing == nil {
					tx.Clear(key(path, c))
				} else {
					tx.Set(key(path, c), c.existing)
				}
			}
		})
	}
	readAll := func(path string) [][]byte {
		tx := e.tx()
		out := make([][]byte, len(cases))
		for i, c := range cases {
			out[i] = mustGet(t, tx, key(path, c))
		}
		return out
	}

	// Path 1: the op commits in a transaction that never reads the key.
	setup("committed")
	e.do(func(tx layer.Tx) {
		for _, c := range cases {
			atomicOps[c.op](tx, key("committed", c), c.param)
		}
	})
	committed := readAll("committed")

	// Path 2: the op is read back in its own transaction (read-your-writes
	// over the stored value), then committed.
	setup("ryw")
	tx := e.tx()
	ryw := make([][]byte, len(cases))
	for i, c := range cases {
		atomicOps[c.op](tx, key("ryw", c), c.param)
		ryw[i] = mustGet(t, tx, key("ryw", c))
	}
	mustCommit(t, tx)
	rywCommitted := readAll("ryw")

	// Path 3: the existing value is written in the same transaction as the
	// op (Set, or Clear for an absent one).
	tx = e.tx()
	same := make([][]byte, len(cases))
	for i, c := range cases {
		k := key("same", c)
		if c.existing == nil {
			tx.Clear(k)
		} else {
			tx.Set(k, c.existing)
		}
		atomicOps[c.op](tx, k, c.param)
		same[i] = mustGet(t, tx, k)
	}
	mustCommit(t, tx)
	sameCommitted := readAll("same")

	for i, c := range cases {
		t.Run(c.op+"/"+c.name, func(t *testing.T) {
			for _, o := range []struct {
				path string
				got  []byte
			}{
				{"committed op", committed[i]},
				{"read in the op's transaction", ryw[i]},
				{"committed after being read in its transaction", rywCommitted[i]},
				{"existing value written in the op's transaction, read there", same[i]},
				{"existing value written in the op's transaction, committed", sameCommitted[i]},
			} {
				if !sameValue(o.got, c.want) {
					t.Errorf("%s(existing %s, param %s), %s: got %s, want %s",
						c.op, showVal(c.existing), showVal(c.param), o.path, showVal(o.got), showVal(c.want))
				}
			}
		})
	}

	t.Run("ParamTooLarge", func(t *testing.T) {
		e := e.sub(t)
		big := bytes.Repeat([]byte{1}, layer.MaxValueSize+1)
		for name, op := range atomicOps {
			ok := e.uniq("ok")
			tx := e.tx()
			tx.Set(ok, v("1"))
			op(tx, e.uniq(name), big)
			wantCode(t, tx.Commit(), 2103, name+" with a 100,001-byte param")
			e.expectValue(ok, nil, "nothing is written by a transaction that failed with 2103")
		}
	})
}
