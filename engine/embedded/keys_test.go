package embedded

import (
	"bytes"
	"fmt"
	"slices"
	"testing"
)

// smallKey draws a key from a small alphabet so that ranges collide often.
func smallKey(r interface{ IntN(int) int }) []byte {
	n := r.IntN(3)
	k := make([]byte, n)
	for i := range k {
		k[i] = byte('a' + r.IntN(4))
	}
	return k
}

// universe lists every key smallKey can draw, plus their successors.
func universe() [][]byte {
	var keys [][]byte
	var gen func(prefix []byte)
	gen = func(prefix []byte) {
		keys = append(keys, bytes.Clone(prefix), keyAfter(prefix))
		if len(prefix) == 3 {
			return
		}
		for c := byte('a'); c < 'a'+4; c++ {
			gen(append(bytes.Clone(prefix), c))
		}
	}
	gen(nil)
	slices.SortFunc(keys, bytes.Compare)
	return slices.CompactFunc(keys, bytes.Equal)
}

func TestRangeSetRandom(t *testing.T) {
	r := testRand(t)
	keys := universe()
	for round := 0; round < 200; round++ {
		var s rangeSet
		model := map[string]bool{}
		for step := 0; step < 30; step++ {
			b, e := smallKey(r), smallKey(r)
			if bytes.Compare(b, e) > 0 {
				b, e = e, b
			}
			add := r.IntN(3) > 0
			if add {
				s.add(b, e)
			} else {
				s.subtract(b, e)
			}
			for _, k := range keys {
				if bytes.Compare(b, k) <= 0 && bytes.Compare(k, e) < 0 {
					model[string(k)] = add
				}
			}
			// Invariants: sorted, disjoint, non-adjacent, non-empty.
			rs := s.ranges()
			if len(rs) != s.len() {
				t.Fatalf("len() = %d, ranges %q", s.len(), rs)
			}
			for i, kr := range rs {
				if bytes.Compare(kr.begin, kr.end) >= 0 {
					t.Fatalf("empty range %q in %v", kr, rs)
				}
				if i > 0 && bytes.Compare(rs[i-1].end, kr.begin) >= 0 {
					t.Fatalf("ranges %d and %d overlap or touch: %q", i-1, i, rs)
				}
			}
			for _, k := range keys {
				if s.contains(k) != model[string(k)] {
					t.Fatalf("round %d step %d: contains(%q) = %v, want %v; set %q", round, step, k, s.contains(k), model[string(k)], rs)
				}
			}
		}
	}
}

func TestCoalesce(t *testing.T) {
	kr := func(b, e string) keyRange { return keyRange{[]byte(b), []byte(e)} }
	for _, c := range []struct {
		in, want []keyRange
	}{
		{nil, nil},
		{[]keyRange{kr("a", "b")}, []keyRange{kr("a", "b")}},
		{[]keyRange{kr("c", "d"), kr("a", "b")}, []keyRange{kr("a", "b"), kr("c", "d")}},
		{[]keyRange{kr("a", "c"), kr("b", "d")}, []keyRange{kr("a", "d")}},
		{[]keyRange{kr("a", "b"), kr("b", "c")}, []keyRange{kr("a", "c")}},
		{[]keyRange{kr("a", "z"), kr("b", "c")}, []keyRange{kr("a", "z")}},
		{[]keyRange{kr("b", "b"), kr("a", "a")}, nil},
	} {
		got := coalesce(slices.Clone(c.in))
		if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", c.want) && !(len(got) == 0 && len(c.want) == 0) {
			t.Errorf("coalesce(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
