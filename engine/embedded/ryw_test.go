package embedded

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/strata-db/strata/layer"
)

// model is an ordered map standing in for the database plus a
// transaction's writes.
type model map[string][]byte

func (m model) clone() model {
	c := model{}
	for k, v := range m {
		c[k] = v
	}
	return c
}

func (m model) keys() []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// resolve resolves a key selector the way FoundationDB defines it.
func (m model) resolve(sel layer.KeySelector) string {
	k := string(sel.Key)
	if sel.OrEqual {
		k += "\x00"
	}
	ks := m.keys()
	i, _ := slices.BinarySearch(ks, k) // first key >= k
	i += sel.Offset - 1                // offset 1 is the first key >= k, 0 the last < k
	if i < 0 {
		return ""
	}
	if i >= len(ks) {
		return "\xff"
	}
	return ks[i]
}

func (m model) rangeRead(b, e layer.KeySelector, opts layer.RangeOptions) []layer.KeyValue {
	lo, hi := m.resolve(b), m.resolve(e)
	var out []layer.KeyValue
	ks := m.keys()
	if opts.Reverse {
		slices.Reverse(ks)
	}
	for _, k := range ks {
		if k < lo || k >= hi {
			continue
		}
		out = append(out, layer.KeyValue{Key: []byte(k), Value: m[k]})
		if opts.Limit > 0 && len(out) == opts.Limit {
			break
		}
	}
	return out
}

func randKey(r *rand.Rand) []byte {
	n := r.IntN(3) // the empty key included
	k := make([]byte, n)
	for i := range k {
		k[i] = byte('a' + r.IntN(5))
	}
	return k
}

func randSel(r *rand.Rand) layer.KeySelector {
	return layer.KeySelector{Key: randKey(r), OrEqual: r.IntN(2) == 0, Offset: r.IntN(5) - 2}
}

func fmtKVs(kvs []layer.KeyValue) string {
	var b bytes.Buffer
	for _, kv := range kvs {
		fmt.Fprintf(&b, "%q=%x ", kv.Key, kv.Value)
	}
	return b.String()
}

// TestReadYourWritesRandom runs random mutations and reads in transactions
// and compares every read, and the committed result, with a model.
func TestReadYourWritesRandom(t *testing.T) {
	r := testRand(t)
	db, err := OpenMemory(WithSync(false))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	committed := model{}
	for round := 0; round < 150; round++ {
		txn, _ := db.CreateTransaction()
		m := committed.clone()
		var log []string
		fail := func(format string, args ...any) {
			t.Helper()
			t.Fatalf("round %d after %q: %s", round, log, fmt.Sprintf(format, args...))
		}
		for step := 0; step < 25; step++ {
			var rt layer.ReadTx = txn
			if r.IntN(3) == 0 {
				rt = txn.Snapshot()
			}
			switch r.IntN(12) {
			case 0, 1:
				k, v := randKey(r), []byte{byte(r.IntN(256))}
				txn.Set(k, v)
				m[string(k)] = v
				log = append(log, fmt.Sprintf("set %s=%x", k, v))
			case 2:
				k := randKey(r)
				txn.Clear(k)
				delete(m, string(k))
				log = append(log, fmt.Sprintf("clear %s", k))
			case 3:
				b, e := randKey(r), randKey(r)
				if bytes.Compare(b, e) > 0 {
					b, e = e, b
				}
				txn.ClearRange(layer.KeyRange{Begin: b, End: e})
				for k := range m {
					if k >= string(b) && k < string(e) {
						delete(m, k)
					}
				}
				log = append(log, fmt.Sprintf("clearrange %s-%s", b, e))
			case 4:
				k := randKey(r)
				ops := []opType{opAdd, opAnd, opOr, opXor, opAppendIfFits, opMax, opMin, opByteMin, opByteMax, opCompareAndClear}
				typ := ops[r.IntN(len(ops))]
				p := make([]byte, r.IntN(3))
				for i := range p {
					p[i] = byte(r.IntN(4))
				}
				old, ok := m[string(k)]
				nv, nok := applyOp(typ, old, ok, p)
				if nok {
					m[string(k)] = bytes.Clone(nv)
				} else {
					delete(m, string(k))
				}
				txn.(*tx).atomic(typ, k, p)
				log = append(log, fmt.Sprintf("%v %s %x", typ, k, p))
			case 5, 6:
				k := randKey(r)
				got, err := rt.Get(k).Get()
				if err != nil {
					fail("get %s: %v", k, err)
				}
				want, ok := m[string(k)]
				if ok != (got != nil) || !bytes.Equal(got, want) {
					fail("get %s = %x (present %v), want %x (present %v)", k, got, got != nil, want, ok)
				}
			case 7, 8:
				b, e := randSel(r), randSel(r)
				if r.IntN(2) == 0 {
					b = layer.FirstGreaterOrEqual(randKey(r))
					e = layer.FirstGreaterOrEqual(randKey(r))
				}
				opts := layer.RangeOptions{Limit: r.IntN(4), Reverse: r.IntN(2) == 0}
				rr := rt.GetRange(layer.SelectorRange{Begin: b, End: e}, opts)
				var got []layer.KeyValue
				if r.IntN(2) == 0 {
					got, err = rr.Slice()
				} else {
					for kv, err2 := range rr.All() {
						if err2 != nil {
							err = err2
							break
						}
						got = append(got, kv)
					}
				}
				if err != nil {
					fail("range %+v %+v: %v", b, e, err)
				}
				want := m.rangeRead(b, e, opts)
				if fmtKVs(got) != fmtKVs(want) {
					fail("range %+v..%+v %+v:\n got %s\nwant %s", b, e, opts, fmtKVs(got), fmtKVs(want))
				}
			case 9:
				sel := randSel(r)
				got, err := rt.GetKey(sel).Get()
				if err != nil {
					fail("getkey %+v: %v", sel, err)
				}
				if want := m.resolve(sel); string(got) != want {
					fail("getkey %+v = %q, want %q", sel, got, want)
				}
			case 10:
				// A range iteration interrupted by writes.
				n := 0
				for kv, err := range rt.GetRange(layer.KeyRange{Begin: []byte("a"), End: []byte("f")}, layer.RangeOptions{}).All() {
					if err != nil {
						fail("all: %v", err)
					}
					if _, ok := m[string(kv.Key)]; !ok {
						fail("all returned %q, absent in model", kv.Key)
					}
					n++
					if n == 2 {
						break
					}
				}
			case 11:
				if _, err := rt.GetReadVersion().Get(); err != nil {
					fail("grv: %v", err)
				}
			}
		}
		if r.IntN(5) == 0 {
			txn.Cancel()
			continue
		}
		if err := txn.Commit(); err != nil {
			fail("commit: %v", err)
		}
		committed = m
		// The database must now hold the model.
		got, err := layer.ReadTransact(t.Context(), db, func(rt layer.ReadTx) ([]layer.KeyValue, error) {
			return rt.GetRange(layer.KeyRange{Begin: nil, End: []byte{0xff}}, layer.RangeOptions{}).Slice()
		})
		if err != nil {
			t.Fatal(err)
		}
		want := committed.rangeRead(layer.FirstGreaterOrEqual(nil), layer.FirstGreaterOrEqual([]byte{0xff}), layer.RangeOptions{})
		if fmtKVs(got) != fmtKVs(want) {
			fail("committed state:\n got %s\nwant %s", fmtKVs(got), fmtKVs(want))
		}
	}
}
