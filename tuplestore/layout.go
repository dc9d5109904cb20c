package tuplestore

import (
	"fmt"
	"math/bits"
	"strings"
	"sync"

	"github.com/strata-db/strata/layer/tuple"
)

// MaxColumns is the largest number of columns a store may have. A store of
// n columns writes C(n, n/2) keys per tuple: 12,870 for n = 16, about a
// megabyte of keys for a tuple of short items, which already takes a tenth
// of a transaction; n = 18 would take half of one.
const MaxColumns = 16

// Permutation is the order in which an index stores a tuple's columns:
// index key item j is the tuple's item Permutation[j].
type Permutation []int

// String renders the permutation as found does: (0, 1, 2).
func (p Permutation) String() string {
	var b strings.Builder
	b.WriteByte('(')
	for i, c := range p {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprint(&b, c)
	}
	b.WriteByte(')')
	return b.String()
}

// Mask is a set of column positions: bit i stands for column i. Query
// planning describes which columns of a pattern are bound with a Mask.
type Mask uint32

// Has reports whether column i is in the set.
func (m Mask) Has(i int) bool { return m&(1<<uint(i)) != 0 }

// Count returns the number of columns in the set.
func (m Mask) Count() int { return bits.OnesCount32(uint32(m)) }

// FullMask returns the set of all n columns.
func FullMask(n int) Mask { return Mask(1)<<uint(n) - 1 }

// String lists the columns in the set: {0, 2}.
func (m Mask) String() string {
	var b strings.Builder
	b.WriteByte('{')
	first := true
	for i := 0; i < 32; i++ {
		if m.Has(i) {
			if !first {
				b.WriteString(", ")
			}
			first = false
			fmt.Fprint(&b, i)
		}
	}
	b.WriteByte('}')
	return b.String()
}

// Indexes returns found's list of index permutations for n columns, in
// found's order (the index number of a permutation is its position in the
// list). There are C(n, n/2) of them, the fewest that let every set of
// bound columns be a prefix of one index (a symmetric chain decomposition
// of the subsets of the columns). For each combination c of n/2 columns, in
// the order of Python's itertools.combinations, the columns in c are
// marked; the first adjacent pair (unmarked, marked) is taken repeatedly,
// its marked column appended to a list A and its unmarked one to a list B,
// and both removed; the permutation is A, then the columns left, then B.
//
// n must be between 1 and MaxColumns. The slices returned are shared: do
// not modify them.
func Indexes(n int) ([]Permutation, error) {
	l, err := LayoutOf(n)
	if err != nil {
		return nil, err
	}
	return l.indexes, nil
}

// foundIndexes computes found's index list (nstore._compute_indices).
func foundIndexes(n int) []Permutation {
	var out []Permutation
	combinations(n, n/2, func(c []int) {
		type mark struct {
			col int
			in  bool
		}
		inC := make([]bool, n)
		for _, x := range c {
			inC[x] = true
		}
		l := make([]mark, n)
		for i := range l {
			l[i] = mark{i, inC[i]}
		}
		var a, b []int
		for {
			found := false
			for i := 0; i+1 < len(l); i++ {
				if !l[i].in && l[i+1].in {
					a = append(a, l[i+1].col)
					b = append(b, l[i].col)
					l = append(l[:i], l[i+2:]...)
					found = true
					break
				}
			}
			if !found {
				break
			}
		}
		p := make(Permutation, 0, n)
		p = append(p, a...)
		for _, m := range l {
			p = append(p, m.col)
		}
		p = append(p, b...)
		out = append(out, p)
	})
	return out
}

// combinations calls f with every k-combination of 0..n-1 in lexicographic
// order (itertools.combinations(range(n), k)). f must not keep c.
func combinations(n, k int, f func(c []int)) {
	c := make([]int, k)
	for i := range c {
		c[i] = i
	}
	for {
		f(c)
		i := k - 1
		for i >= 0 && c[i] == n-k+i {
			i--
		}
		if i < 0 {
			return
		}
		c[i]++
		for j := i + 1; j < k; j++ {
			c[j] = c[j-1] + 1
		}
	}
}

// Layout is the set of indexes of a store of n columns and the table that
// picks one for a lookup. A Layout is immutable and safe to share.
//
// The table is computed once per layout: for every set of bound columns
// (a Mask) it holds the index whose permutation starts with the longest
// run of bound columns, the lowest index number among equals. With found's
// indexes (LayoutOf) that run is always all of the bound columns, so every
// lookup is one range read with nothing to filter; a layout built from
// other permutations (NewLayout) may leave bound columns past the prefix,
// which the reader then filters.
type Layout struct {
	n       int
	indexes []Permutation
	// choice[m] is the index to read for the bound set m and how many of
	// its leading columns are bound.
	choice []choice
	// packed[i] is the packed index number i, the first element after the
	// store's prefix in every key of index i.
	packed [][]byte
	// maxPacked is the longest of packed.
	maxPacked int
}

type choice struct {
	index  uint32
	prefix uint8
}

// NewLayout builds a layout over the given index permutations, all of the
// same length n (1 to MaxColumns), each a permutation of 0..n-1. Index
// numbers are positions in perms. Use LayoutOf for found's layout, which
// stores must use to be readable by found; NewLayout is for layers that
// keep their own index sets.
func NewLayout(perms []Permutation) (*Layout, error) {
	if len(perms) == 0 {
		return nil, fmt.Errorf("%w: a layout needs at least one index", ErrColumns)
	}
	n := len(perms[0])
	if n < 1 || n > MaxColumns {
		return nil, fmt.Errorf("%w: %d columns; want 1 to %d", ErrColumns, n, MaxColumns)
	}
	for i, p := range perms {
		if len(p) != n {
			return nil, fmt.Errorf("%w: index %d has %d columns, index 0 has %d", ErrColumns, i, len(p), n)
		}
		var seen Mask
		for _, c := range p {
			if c < 0 || c >= n || seen.Has(c) {
				return nil, fmt.Errorf("%w: index %d, %v, is not a permutation of 0..%d", ErrColumns, i, p, n-1)
			}
			seen |= 1 << uint(c)
		}
	}
	l := &Layout{n: n, indexes: make([]Permutation, len(perms))}
	for i, p := range perms {
		l.indexes[i] = append(Permutation(nil), p...)
		b := tuple.Tuple{i}.Pack()
		l.packed = append(l.packed, b)
		l.maxPacked = max(l.maxPacked, len(b))
	}
	l.buildChoice()
	return l, nil
}

// buildChoice fills the table: first every exact prefix set of every
// index, then, for the sets that are no index's prefix, the best prefix set
// among their subsets (a subset-maximum pass over the bits, 2^n * n steps).
func (l *Layout) buildChoice() {
	size := 1 << uint(l.n)
	// score orders candidates: longer prefix first, then lower index.
	const none = -1
	best := make([]int64, size)
	for i := range best {
		best[i] = none
	}
	score := func(prefix, index int) int64 { return int64(prefix)<<32 | int64(^uint32(index)) }
	for idx, p := range l.indexes {
		var m Mask
		for k := 0; k <= l.n; k++ {
			if s := score(k, idx); s > best[m] {
				best[m] = s
			}
			if k < l.n {
				m |= 1 << uint(p[k])
			}
		}
	}
	for bit := 0; bit < l.n; bit++ {
		for m := 0; m < size; m++ {
			if m&(1<<uint(bit)) != 0 && best[m^(1<<uint(bit))] > best[m] {
				best[m] = best[m^(1<<uint(bit))]
			}
		}
	}
	l.choice = make([]choice, size)
	for m, s := range best {
		l.choice[m] = choice{index: ^uint32(s), prefix: uint8(s >> 32)}
	}
}

var layouts [MaxColumns + 1]struct {
	once sync.Once
	l    *Layout
}

// LayoutOf returns found's layout for n columns (see Indexes), computed
// once per process.
func LayoutOf(n int) (*Layout, error) {
	if n < 1 || n > MaxColumns {
		return nil, fmt.Errorf("%w: %d columns; want 1 to %d", ErrColumns, n, MaxColumns)
	}
	e := &layouts[n]
	e.once.Do(func() {
		l, err := NewLayout(foundIndexes(n))
		if err != nil {
			panic(err) // found's permutations are permutations
		}
		e.l = l
	})
	return e.l, nil
}

// Columns returns n.
func (l *Layout) Columns() int { return l.n }

// Len returns the number of indexes.
func (l *Layout) Len() int { return len(l.indexes) }

// Index returns the permutation of index i. Do not modify it.
func (l *Layout) Index(i int) Permutation { return l.indexes[i] }

// Choose returns the index to read when the columns in bound are known,
// and how many leading columns of its permutation are bound (the length of
// the key prefix the read can use). Columns of bound past that prefix must
// be filtered by the reader; with found's layout there are none.
func (l *Layout) Choose(bound Mask) (index, prefix int) {
	c := l.choice[bound&FullMask(l.n)]
	return int(c.index), int(c.prefix)
}

// IndexKey returns the packed index number i, the first element after a
// store's prefix in every key of index i. Do not modify it.
func (l *Layout) IndexKey(i int) []byte { return l.packed[i] }
