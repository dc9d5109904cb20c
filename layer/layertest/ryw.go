package layertest

import (
	"testing"

	"github.com/strata-db/strata/layer"
)

func (s *suite) testReadYourWrites(t *testing.T) {
	t.Run("SetClearGet", func(t *testing.T) {
		e := s.env(t)
		e.write(e.k("old"), v("committed"))
		tx := e.tx()
		tx.Set(e.k("new"), v("1"))
		if got := mustGet(t, tx, e.k("new")); string(got) != "1" {
			t.Errorf("Get after Set = %s, want \"1\"", showVal(got))
		}
		tx.Set(e.k("new"), v("2"))
		if got := mustGet(t, tx, e.k("new")); string(got) != "2" {
			t.Errorf("Get after a second Set = %s, want \"2\"", showVal(got))
		}
		tx.Clear(e.k("old"))
		if got := mustGet(t, tx, e.k("old")); got != nil {
			t.Errorf("Get after Clear = %s, want absent", showVal(got))
		}
		tx.Set(e.k("old"), v("again"))
		if got := mustGet(t, tx, e.k("old")); string(got) != "again" {
			t.Errorf("Get after Clear then Set = %s, want \"again\"", showVal(got))
		}
		if got := mustGet(t, tx.Snapshot(), e.k("new")); string(got) != "2" {
			t.Errorf("snapshot Get sees the transaction's own writes: got %s, want \"2\"", showVal(got))
		}
		mustCommit(t, tx)
		e.expectValue(e.k("new"), v("2"), "committed Set")
		e.expectValue(e.k("old"), v("again"), "committed Clear then Set")
	})

	t.Run("EmptyValue", func(t *testing.T) {
		e := s.env(t)
		tx := e.tx()
		tx.Set(e.k("empty"), []byte{})
		if got := mustGet(t, tx, e.k("empty")); got == nil || len(got) != 0 {
			t.Errorf("Get of a pending empty value = %s, want present and empty", showVal(got))
		}
		mustCommit(t, tx)
		if got := e.read(e.k("empty")); got == nil || len(got) != 0 {
			t.Errorf("Get of a committed empty value = %s, want present (non-nil) and empty", showVal(got))
		}
		kvs := e.readRange(e.rng(""), layer.RangeOptions{})
		if len(kvs) != 1 || len(kvs[0].Value) != 0 {
			t.Errorf("range read of an empty value = %s", e.showKVs(kvs))
		}
		if got := e.read(e.k("absent")); got != nil {
			t.Errorf("Get of an absent key = %s, want nil", showVal(got))
		}
	})

	t.Run("PendingAtomicOps", func(t *testing.T) {
		e := s.env(t)
		e.write(e.k("five"), le64(5), e.k("x"), v("x"), e.k("r/a"), le64(1))
		type step struct {
			name string
			key  string
			do   func(tx layer.Tx, k []byte)
			want []byte
		}
		steps := []step{
			{"Add on an existing value", "five", func(tx layer.Tx, k []byte) { tx.Add(k, le64(3)) }, le64(8)},
			{"a second Add", "five", func(tx layer.Tx, k []byte) { tx.Add(k, le64(2)) }, le64(10)},
			{"Max after Adds", "five", func(tx layer.Tx, k []byte) { tx.Max(k, le64(7)) }, le64(10)},
			{"Min after Adds", "five", func(tx layer.Tx, k []byte) { tx.Min(k, le64(9)) }, le64(9)},
			{"Add on an absent key", "absent", func(tx layer.Tx, k []byte) { tx.Add(k, le64(4)) }, le64(4)},
			{"Set", "set", func(tx layer.Tx, k []byte) { tx.Set(k, le64(10)) }, le64(10)},
			{"Add after Set", "set", func(tx layer.Tx, k []byte) { tx.Add(k, le64(1)) }, le64(11)},
			{"BitOr after Set and Add", "set", func(tx layer.Tx, k []byte) { tx.BitOr(k, le64(0x100)) }, le64(0x10b)},
			{"Clear of an existing value", "x", func(tx layer.Tx, k []byte) { tx.Clear(k) }, nil},
			{"Add after Clear", "x", func(tx layer.Tx, k []byte) { tx.Add(k, le64(1)) }, le64(1)},
			{"Set after Add", "x", func(tx layer.Tx, k []byte) { tx.Set(k, v("plain")) }, v("plain")},
			{"AppendIfFits after Set", "x", func(tx layer.Tx, k []byte) { tx.AppendIfFits(k, v("+")) }, v("plain+")},
			{"CompareAndClear, equal", "x", func(tx layer.Tx, k []byte) { tx.CompareAndClear(k, v("plain+")) }, nil},
			{"ClearRange over a key", "r/a", func(tx layer.Tx, k []byte) { tx.ClearRange(e.rng("r/")) }, nil},
			{"Add after ClearRange", "r/a", func(tx layer.Tx, k []byte) { tx.Add(k, le64(2)) }, le64(2)},
			{"Add on a key never read before", "r/b", func(tx layer.Tx, k []byte) { tx.Add(k, le64(6)) }, le64(6)},
		}
		tx := e.tx()
		final := map[string][]byte{}
		for _, st := range steps {
			k := e.k(st.key)
			st.do(tx, k)
			final[st.key] = st.want
			if got := mustGet(t, tx, k); !sameValue(got, st.want) {
				t.Errorf("%s: Get(%s) = %s, want %s", st.name, st.key, showVal(got), showVal(st.want))
			}
		}
		kvs := mustRange(t, tx, e.rng("r/"), layer.RangeOptions{})
		want := []layer.KeyValue{{Key: e.k("r/a"), Value: le64(2)}, {Key: e.k("r/b"), Value: le64(6)}}
		if !sameKVs(kvs, want) {
			t.Errorf("range read over pending atomic ops = %s, want %s", e.showKVs(kvs), e.showKVs(want))
		}
		mustCommit(t, tx)
		for key, want := range final {
			e.expectValue(e.k(key), want, "committed result of the pending ops")
		}

		// Pending ops whose result is never read in the transaction
		// are evaluated against the latest committed value.
		tx2 := e.tx()
		tx2.Add(e.k("five"), le64(1))
		other := e.tx()
		other.Set(e.k("five"), le64(100))
		mustCommit(t, other)
		mustCommit(t, tx2)
		e.expectValue(e.k("five"), le64(101), "an Add committed after another transaction's Set applies to that Set's value")
	})

	t.Run("ClearRangeThenRange", func(t *testing.T) {
		e := s.env(t)
		e.write(e.k("c/a"), v("1"), e.k("c/b"), v("2"), e.k("c/c"), v("3"), e.k("c/d"), v("4"))
		tx := e.tx()
		tx.ClearRange(layer.KeyRange{Begin: e.k("c/b"), End: e.k("c/d")})
		r := e.rng("c/")
		check := func(what string, opts layer.RangeOptions, want ...string) {
			t.Helper()
			got := mustRange(t, tx, r, opts)
			var wantKVs []layer.KeyValue
			for i := 0; i < len(want); i += 2 {
				wantKVs = append(wantKVs, layer.KeyValue{Key: e.k(want[i]), Value: v(want[i+1])})
			}
			if !sameKVs(got, wantKVs) {
				t.Errorf("%s: got %s, want %s", what, e.showKVs(got), e.showKVs(wantKVs))
			}
		}
		check("after ClearRange(c/b, c/d)", layer.RangeOptions{}, "c/a", "1", "c/d", "4")
		tx.Set(e.k("c/c"), v("new"))
		check("after a Set inside the cleared range", layer.RangeOptions{}, "c/a", "1", "c/c", "new", "c/d", "4")
		check("reverse", layer.RangeOptions{Reverse: true}, "c/d", "4", "c/c", "new", "c/a", "1")
		check("limit 2", layer.RangeOptions{Limit: 2}, "c/a", "1", "c/c", "new")
		check("reverse limit 2", layer.RangeOptions{Limit: 2, Reverse: true}, "c/d", "4", "c/c", "new")
		tx.ClearRange(r)
		check("after clearing the whole range", layer.RangeOptions{})
		tx.Set(e.k("c/b"), v("b"))
		check("after a Set into the whole cleared range", layer.RangeOptions{}, "c/b", "b")
		mustCommit(t, tx)
		if got := e.readRange(r, layer.RangeOptions{}); !sameKVs(got, []layer.KeyValue{{Key: e.k("c/b"), Value: v("b")}}) {
			t.Errorf("committed: %s, want [c/b=b]", e.showKVs(got))
		}
	})

	t.Run("RangeMerge", func(t *testing.T) {
		e := s.env(t)
		e.write(e.k("m/a"), v("1"), e.k("m/c"), v("3"), e.k("m/e"), v("5"), e.k("m/g"), v("7"))
		tx := e.tx()
		tx.Set(e.k("m/b"), v("B"))    // new, inside
		tx.Set(e.k("m/c"), v("C"))    // overwrite
		tx.Clear(e.k("m/e"))          // clear existing
		tx.Set(e.k("m/f"), v("F"))    // new
		tx.Add(e.k("m/g"), v("\x01")) // pending atomic op on "7" (0x37) -> 0x38 "8"
		tx.Set(e.k("m/z"), v("Z"))    // outside the range read (end is m/h)
		tx.Set(e.k("m"), v("before"))
		r := layer.KeyRange{Begin: e.k("m/a"), End: e.k("m/h")}
		kv := func(k, val string) layer.KeyValue { return layer.KeyValue{Key: e.k(k), Value: v(val)} }
		cases := []struct {
			name string
			opts layer.RangeOptions
			want []layer.KeyValue
		}{
			{"forward", layer.RangeOptions{}, []layer.KeyValue{kv("m/a", "1"), kv("m/b", "B"), kv("m/c", "C"), kv("m/f", "F"), kv("m/g", "8")}},
			{"reverse", layer.RangeOptions{Reverse: true}, []layer.KeyValue{kv("m/g", "8"), kv("m/f", "F"), kv("m/c", "C"), kv("m/b", "B"), kv("m/a", "1")}},
			{"limit 3", layer.RangeOptions{Limit: 3}, []layer.KeyValue{kv("m/a", "1"), kv("m/b", "B"), kv("m/c", "C")}},
			{"reverse limit 2", layer.RangeOptions{Limit: 2, Reverse: true}, []layer.KeyValue{kv("m/g", "8"), kv("m/f", "F")}},
			{"limit 1", layer.RangeOptions{Limit: 1}, []layer.KeyValue{kv("m/a", "1")}},
			{"want-all mode", layer.RangeOptions{Mode: layer.StreamingModeWantAll}, []layer.KeyValue{kv("m/a", "1"), kv("m/b", "B"), kv("m/c", "C"), kv("m/f", "F"), kv("m/g", "8")}},
			{"exact mode, limit 4", layer.RangeOptions{Limit: 4, Mode: layer.StreamingModeExact}, []layer.KeyValue{kv("m/a", "1"), kv("m/b", "B"), kv("m/c", "C"), kv("m/f", "F")}},
		}
		for _, c := range cases {
			got := mustRange(t, tx, r, c.opts)
			if !sameKVs(got, c.want) {
				t.Errorf("%s (Slice): got %s, want %s", c.name, e.showKVs(got), e.showKVs(c.want))
			}
			var all []layer.KeyValue
			for kv, err := range tx.GetRange(r, c.opts).All() {
				if err != nil {
					t.Fatalf("%s (All): %v", c.name, err)
				}
				all = append(all, kv)
			}
			if !sameKVs(all, c.want) {
				t.Errorf("%s (All): got %s, want %s", c.name, e.showKVs(all), e.showKVs(c.want))
			}
		}
		// Stopping All early returns a prefix of the rows.
		n := 0
		for kv, err := range tx.GetRange(r, layer.RangeOptions{}).All() {
			if err != nil {
				t.Fatalf("All: %v", err)
			}
			if n == 1 && string(kv.Key) != e.prefix+"m/b" {
				t.Errorf("second row of All = %s, want m/b", e.show(kv.Key))
			}
			n++
			if n == 2 {
				break
			}
		}
		sel := mustKey(t, tx, layer.FirstGreaterThan(e.k("m/c")))
		if string(sel) != e.prefix+"m/f" {
			t.Errorf("FirstGreaterThan(m/c) over a cleared m/e = %s, want m/f", e.show(sel))
		}
		mustCommit(t, tx)
		got := e.readRange(r, layer.RangeOptions{})
		if !sameKVs(got, cases[0].want) {
			t.Errorf("after commit: got %s, want %s", e.showKVs(got), e.showKVs(cases[0].want))
		}
	})
}
