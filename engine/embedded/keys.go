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

// rangeSet is a set of keys kept as sorted, disjoint, non-adjacent ranges.
// It suits the few ranges a transaction clears; operations are O(log n)
// lookups and O(n) updates.
type rangeSet struct {
	r []keyRange
}

func (s *rangeSet) len() int { return len(s.r) }

// search returns the index of the first range whose end is > k.
func (s *rangeSet) search(k []byte) int {
	lo, hi := 0, len(s.r)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if bytes.Compare(s.r[m].end, k) <= 0 {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// contains reports whether k is in the set.
func (s *rangeSet) contains(k []byte) bool {
	if len(s.r) == 0 {
		return false
	}
	i := s.search(k)
	return i < len(s.r) && bytes.Compare(s.r[i].begin, k) <= 0
}

// rangeAt returns the range holding k.
func (s *rangeSet) rangeAt(k []byte) (keyRange, bool) {
	if len(s.r) == 0 {
		return keyRange{}, false
	}
	i := s.search(k)
	if i < len(s.r) && bytes.Compare(s.r[i].begin, k) <= 0 {
		return s.r[i], true
	}
	return keyRange{}, false
}

// add inserts [b, e). The slices are kept, not copied.
func (s *rangeSet) add(b, e []byte) {
	if bytes.Compare(b, e) >= 0 {
		return
	}
	// First range that ends at or after b (touching counts), last that
	// begins at or before e.
	i := s.search(b)
	if i > 0 && bytes.Equal(s.r[i-1].end, b) {
		i--
	}
	j := i
	for j < len(s.r) && bytes.Compare(s.r[j].begin, e) <= 0 {
		j++
	}
	if i == j {
		s.r = slices.Insert(s.r, i, keyRange{b, e})
		return
	}
	nb := minKey(b, s.r[i].begin)
	ne := maxKey(e, s.r[j-1].end)
	s.r[i] = keyRange{nb, ne}
	s.r = slices.Delete(s.r, i+1, j)
}

// subtract removes [b, e) from the set.
func (s *rangeSet) subtract(b, e []byte) {
	if len(s.r) == 0 || bytes.Compare(b, e) >= 0 {
		return
	}
	i := s.search(b)
	var keep []keyRange
	j := i
	for ; j < len(s.r) && bytes.Compare(s.r[j].begin, e) < 0; j++ {
		r := s.r[j]
		if bytes.Compare(r.begin, b) < 0 {
			keep = append(keep, keyRange{r.begin, b})
		}
		if bytes.Compare(e, r.end) < 0 {
			keep = append(keep, keyRange{e, r.end})
		}
	}
	if i == j {
		return
	}
	s.r = slices.Replace(s.r, i, j, keep...)
}

func (s *rangeSet) reset() {
	clear(s.r)
	s.r = s.r[:0]
}
