package embedded

import (
	"bytes"
	"slices"
)

// keyRange is the keys k with begin <= k < end.
type keyRange struct {
	begin, end []byte
}

func (r keyRange) contains(k []byte) bool {
	return bytes.Compare(r.begin, k) <= 0 && bytes.Compare(k, r.end) < 0
}

func (r keyRange) empty() bool { return bytes.Compare(r.begin, r.end) >= 0 }

// keyAfter returns the first key after k: k followed by a zero byte, in a
// new slice.
func keyAfter(k []byte) []byte {
	b := make([]byte, len(k)+1)
	copy(b, k)
	return b
}

// singleKeyRange returns [k, k\x00) in one new allocation.
func singleKeyRange(k []byte) keyRange {
	b := make([]byte, len(k)+1)
	copy(b, k)
	return keyRange{b[:len(k):len(k)], b}
}

func minKey(a, b []byte) []byte {
	if bytes.Compare(a, b) <= 0 {
		return a
	}
	return b
}

func maxKey(a, b []byte) []byte {
	if bytes.Compare(a, b) >= 0 {
		return a
	}
	return b
}

// coalesce sorts rs by begin and merges overlapping and adjacent ranges, in
// place. Empty ranges are dropped.
func coalesce(rs []keyRange) []keyRange {
	if len(rs) == 0 {
		return rs
	}
	sorted := true
	for i := 1; i < len(rs); i++ {
		if bytes.Compare(rs[i-1].begin, rs[i].begin) > 0 {
			sorted = false
			break
		}
	}
	if !sorted {
		slices.SortFunc(rs, func(a, b keyRange) int { return bytes.Compare(a.begin, b.begin) })
	}
	out := rs[:0]
	for _, r := range rs {
		if r.empty() {
			continue
		}
		if n := len(out); n > 0 && bytes.Compare(r.begin, out[n-1].end) <= 0 {
			if bytes.Compare(r.end, out[n-1].end) > 0 {
				out[n-1].end = r.end
			}
			continue
		}
		out = append(out, r)
	}
	return out
}

// rangeSet is a set of keys kept as sorted, disjoint, non-adjacent ranges,
// in a skiplist from each range's begin to its end: lookups, adds and
// subtracts cost O(log n) plus the ranges they merge or remove, whatever
// the order ranges arrive in (a transaction may clear thousands).
type rangeSet struct {
	l skiplist[[]byte]
}

// rangeNode is one range of a rangeSet: [key, val).
type rangeNode = node[[]byte]

func (s *rangeSet) len() int { return s.l.n }

// first returns the first range, or nil; nextNode walks on.
func (s *rangeSet) first() *rangeNode {
	if s.l.n == 0 {
		return nil
	}
	return s.l.first()
}

// search returns the first range whose end is > k, or nil.
func (s *rangeSet) search(k []byte) *rangeNode {
	if s.l.n == 0 {
		return nil
	}
	x := s.l.seekLE(k)
	if x == nil {
		return s.l.first()
	}
	if bytes.Compare(x.val, k) > 0 {
		return x
	}
	return x.nextNode()
}

// contains reports whether k is in the set.
func (s *rangeSet) contains(k []byte) bool {
	_, ok := s.rangeAt(k)
	return ok
}

// rangeAt returns the range holding k.
func (s *rangeSet) rangeAt(k []byte) (keyRange, bool) {
	if s.l.n == 0 {
		return keyRange{}, false
	}
	x := s.l.seekLE(k)
	if x != nil && bytes.Compare(k, x.val) < 0 {
		return keyRange{x.key, x.val}, true
	}
	return keyRange{}, false
}

// add inserts [b, e). The slices are kept, not copied.
func (s *rangeSet) add(b, e []byte) {
	if bytes.Compare(b, e) >= 0 {
		return
	}
	// The first range that ends at or after b (touching counts).
	var x *rangeNode
	if s.l.n > 0 {
		x = s.l.seekLE(b)
		if x == nil {
			x = s.l.first()
		} else if bytes.Compare(x.val, b) < 0 {
			x = x.nextNode()
		}
	}
	if x == nil || bytes.Compare(x.key, e) > 0 {
		n, _ := s.l.insertOwned(b)
		n.val = e
		return
	}
	// x overlaps or touches [b, e): it absorbs [b, e) and every later range
	// that begins at or before the new end. Lowering x's begin to b keeps
	// the order: the range before x ends before b.
	if bytes.Compare(b, x.key) < 0 {
		x.key = b
	}
	ne := maxKey(e, x.val)
	for y := x.nextNode(); y != nil && bytes.Compare(y.key, ne) <= 0; {
		ne = maxKey(ne, y.val)
		next := y.nextNode()
		s.l.delete(y.key)
		y = next
	}
	x.val = ne
}

// subtract removes [b, e) from the set.
func (s *rangeSet) subtract(b, e []byte) {
	if s.l.n == 0 || bytes.Compare(b, e) >= 0 {
		return
	}
	for x := s.search(b); x != nil && bytes.Compare(x.key, e) < 0; {
		next := x.nextNode()
		end := x.val
		if bytes.Compare(x.key, b) < 0 {
			// Keep [x.key, b), and [e, end) if e is inside.
			x.val = b
			if bytes.Compare(e, end) < 0 {
				n, _ := s.l.insertOwned(e)
				n.val = end
			}
		} else if bytes.Compare(e, end) < 0 {
			// Keep [e, end): raising the begin keeps the order.
			x.key = e
		} else {
			s.l.delete(x.key)
		}
		if bytes.Compare(e, end) <= 0 {
			return
		}
		x = next
	}
}

// ranges returns the set as a slice (for tests and messages).
func (s *rangeSet) ranges() []keyRange {
	var out []keyRange
	for x := s.first(); x != nil; x = x.nextNode() {
		out = append(out, keyRange{x.key, x.val})
	}
	return out
}

func (s *rangeSet) reset() {
	if s.l.n > 0 {
		s.l.reset()
	}
}
