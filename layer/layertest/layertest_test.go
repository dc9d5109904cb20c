package layertest

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/strata-db/strata/layer"
)

// The suite's entry points keep their documented shapes.
var (
	_ func(*testing.T, func(*testing.T) layer.DB)          = Run
	_ func(*testing.T, func(*testing.T) layer.DB, Options) = RunWithOptions
)

func TestResolveScale(t *testing.T) {
	for _, c := range []struct {
		opt   float64
		env   string
		small bool
		want  float64
		err   bool
	}{
		{0, "", false, 1, false},
		{0, "", true, 0.25, false},
		{0, "2", true, 2, false},
		{0.5, "2", false, 0.5, false},
		{0, "zero", false, 0, true},
		{0, "-1", false, 0, true},
	} {
		got, err := resolveScale(c.opt, c.env, c.small)
		if (err != nil) != c.err || got != c.want {
			t.Errorf("resolveScale(%v, %q, %v) = %v, %v", c.opt, c.env, c.small, got, err)
		}
	}
}

func TestResolveSeed(t *testing.T) {
	if s, env, err := resolveSeed(7, "9"); s != 7 || env || err != nil {
		t.Errorf("an explicit seed wins: %d %v %v", s, env, err)
	}
	if s, env, err := resolveSeed(0, "9"); s != 9 || !env || err != nil {
		t.Errorf("the environment's seed: %d %v %v", s, env, err)
	}
	if _, _, err := resolveSeed(0, "x"); err == nil {
		t.Error("a bad seed is an error")
	}
	if s, env, err := resolveSeed(0, ""); s == 0 || env || err != nil {
		t.Errorf("a random seed: %d %v %v", s, env, err)
	}
}

func TestSizesScaled(t *testing.T) {
	d := DefaultSizes()
	q := d.Scaled(0.25)
	if q.CycleKeys != d.CycleKeys || q.CycleClients != d.CycleClients {
		t.Error("scaling changes key or client counts")
	}
	if q.CycleTransactions != d.CycleTransactions/4 {
		t.Errorf("CycleTransactions scaled to %d", q.CycleTransactions)
	}
	if z := d.Scaled(0.0001); z.WriteSkewRounds != 1 || z.SerialTransactions != 1 {
		t.Error("scaled counts stay at least 1")
	}
}

// The model's add agrees with the hand-computed Add table.
func TestModelAddMatchesTable(t *testing.T) {
	for _, c := range atomicCases() {
		if c.op != "Add" {
			continue
		}
		got := modelAdd(c.existing, c.existing != nil, c.param)
		if !sameValue(got, c.want) {
			t.Errorf("modelAdd(%x, %x) = %x, want %x", c.existing, c.param, got, c.want)
		}
	}
}

// foldOp agrees with the table for the 8-byte operands the workload uses.
func TestFoldOp(t *testing.T) {
	one, two := le64(1), le64(2)
	for _, c := range []struct {
		op   string
		a, b []byte
		want []byte
	}{
		{"Add", le64(^uint64(0)), two, one},
		{"BitAnd", le64(6), le64(3), two},
		{"BitOr", one, two, le64(3)},
		{"BitXor", le64(3), one, two},
		{"Max", le64(0x100), le64(0xff), le64(0x100)},
		{"Min", le64(0x100), le64(0xff), le64(0xff)},
		{"ByteMax", le64(0x100), le64(0xff), le64(0xff)},
		{"ByteMin", le64(0x100), le64(0xff), le64(0x100)},
	} {
		if got := foldOp(c.op, c.a, c.b); !bytes.Equal(got, c.want) {
			t.Errorf("foldOp(%s, %x, %x) = %x, want %x", c.op, c.a, c.b, got, c.want)
		}
	}
}

func TestModelReplay(t *testing.T) {
	key := func(i int) []byte { return []byte{'k', byte('0' + i)} }
	m := model{}
	w := &stx{ops: []sop{
		{kind: opSet, k1: 1, val: v("a")},
		{kind: opSet, k1: 2, val: v("b")},
		{kind: opAdd, k1: 3, val: b(1)},
		{kind: opGet, k1: 1, got: v("a")},
		{kind: opRange, k1: 0, k2: 9, limit: 2, reverse: true, gotKVs: []layer.KeyValue{
			{Key: key(3), Value: b(1)}, {Key: key(2), Value: v("b")}}},
		{kind: opClearRange, k1: 2, k2: 3},
		{kind: opGet, k1: 2, got: nil},
	}}
	if msg := m.replay(w, key); msg != "" {
		t.Fatal(msg)
	}
	r := &stx{readOnly: true, ops: []sop{{kind: opGet, k1: 1, got: v("stale")}}}
	if msg := m.replay(r, key); msg == "" {
		t.Error("a stale read passes the replay")
	}
}

func TestRandomTx(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 1000; i++ {
		ops, ro := randomTx(rng, 10)
		writes := 0
		for _, op := range ops {
			switch op.kind {
			case opGet, opRange:
			default:
				writes++
			}
			if op.kind == opRange || op.kind == opClearRange {
				if op.k1 > op.k2 || op.k2 > 10 {
					t.Fatalf("bad range %d..%d", op.k1, op.k2)
				}
			}
		}
		if ro && writes > 0 {
			t.Fatal("a read-only transaction writes")
		}
		if !ro && writes == 0 {
			t.Fatal("a write transaction without writes")
		}
	}
}

func TestStampKey(t *testing.T) {
	got := stampKey(v("ab"), v("z"))
	want := []byte{'a', 'b', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 'z', 2, 0, 0, 0}
	if !bytes.Equal(got, want) {
		t.Errorf("stampKey = %x, want %x", got, want)
	}
}
