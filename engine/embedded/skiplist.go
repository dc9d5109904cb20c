package embedded

import "bytes"

// skiplist is an ordered map from byte-string keys to values of type V:
// O(log n) inserts, deletes and lookups, in-order iteration both ways, and
// node pointers that stay valid while the list grows (so a range read can
// resume after the transaction writes more). Three structures use it: the
// write buffer (per-key mutations), rangeSet (sorted disjoint ranges) and
// the registry of watches.

const maxLevel = 20

type node[V any] struct {
	key  []byte
	val  V
	prev *node[V]
	next []*node[V]
	// next0 holds the link of a level-1 node (most of them), so that
	// next needs no allocation of its own.
	next0 [1]*node[V]
}

// headNode is a list's head with its links, allocated on the first insert:
// a transaction holds several lists, most of which stay empty.
type headNode[V any] struct {
	node[V]
	links [maxLevel]*node[V]
}

type skiplist[V any] struct {
	head  *node[V] // nil until the first insert
	level int
	n     int
	rnd   uint64
}

func (s *skiplist[V]) init() {
	if s.head == nil {
		h := new(headNode[V])
		h.next = h.links[:]
		s.head = &h.node
		s.level = 1
		if s.rnd == 0 {
			s.rnd = 0x9E3779B97F4A7C15
		}
	}
}

func (s *skiplist[V]) reset() {
	if s.head != nil {
		clear(s.head.next)
	}
	s.level = 1
	s.n = 0
}

func (s *skiplist[V]) randomLevel() int {
	// xorshift64*
	x := s.rnd
	x ^= x >> 12
	x ^= x << 25
	x ^= x >> 27
	s.rnd = x
	r := x * 2685821657736338717
	l := 1
	for l < maxLevel && r&3 == 0 {
		l++
		r >>= 2
	}
	return l
}

// seekGE returns the first node with key >= k, or nil.
func (s *skiplist[V]) seekGE(k []byte) *node[V] {
	if s.n == 0 {
		return nil
	}
	x := s.head
	for i := s.level - 1; i >= 0; i-- {
		for nx := x.next[i]; nx != nil && bytes.Compare(nx.key, k) < 0; nx = x.next[i] {
			x = nx
		}
	}
	return x.next[0]
}

// seekLT returns the last node with key < k, or nil.
func (s *skiplist[V]) seekLT(k []byte) *node[V] {
	if s.n == 0 {
		return nil
	}
	x := s.head
	for i := s.level - 1; i >= 0; i-- {
		for nx := x.next[i]; nx != nil && bytes.Compare(nx.key, k) < 0; nx = x.next[i] {
			x = nx
		}
	}
	if x == s.head {
		return nil
	}
	return x
}

// seekLE returns the last node with key <= k, or nil.
func (s *skiplist[V]) seekLE(k []byte) *node[V] {
	if s.n == 0 {
		return nil
	}
	x := s.head
	for i := s.level - 1; i >= 0; i-- {
		for nx := x.next[i]; nx != nil && bytes.Compare(nx.key, k) <= 0; nx = x.next[i] {
			x = nx
		}
	}
	if x == s.head {
		return nil
	}
	return x
}

// find returns the node for k, or nil.
func (s *skiplist[V]) find(k []byte) *node[V] {
	n := s.seekGE(k)
	if n != nil && bytes.Equal(n.key, k) {
		return n
	}
	return nil
}

// first returns the first node, or nil.
func (s *skiplist[V]) first() *node[V] {
	if s.head == nil {
		return nil
	}
	return s.head.next[0]
}

// nextNode returns the node after n, or nil.
func (n *node[V]) nextNode() *node[V] { return n.next[0] }

// prevNode returns the node before n, or nil.
func (n *node[V]) prevNode() *node[V] { return n.prev }

// insert returns the node for k, adding it (with a copy of k) if absent.
func (s *skiplist[V]) insert(k []byte) (*node[V], bool) { return s.insertKey(k, true) }

// insertOwned is insert without the copy: the list keeps k, which must not
// change.
func (s *skiplist[V]) insertOwned(k []byte) (*node[V], bool) { return s.insertKey(k, false) }

func (s *skiplist[V]) insertKey(k []byte, copyKey bool) (*node[V], bool) {
	s.init()
	var update [maxLevel]*node[V]
	x := s.head
	for i := s.level - 1; i >= 0; i-- {
		for nx := x.next[i]; nx != nil && bytes.Compare(nx.key, k) < 0; nx = x.next[i] {
			x = nx
		}
		update[i] = x
	}
	if nx := x.next[0]; nx != nil && bytes.Equal(nx.key, k) {
		return nx, false
	}
	lvl := s.randomLevel()
	if lvl > s.level {
		for i := s.level; i < lvl; i++ {
			update[i] = s.head
		}
		s.level = lvl
	}
	if copyKey {
		k = copyKeyZ(k)
	}
	nd := &node[V]{key: k}
	if lvl == 1 {
		nd.next = nd.next0[:]
	} else {
		nd.next = make([]*node[V], lvl)
	}
	for i := 0; i < lvl; i++ {
		nd.next[i] = update[i].next[i]
		update[i].next[i] = nd
	}
	if x != s.head {
		nd.prev = x
	}
	if nd.next[0] != nil {
		nd.next[0].prev = nd
	}
	s.n++
	return nd, true
}

// delete removes the node for k and reports whether there was one. Other
// nodes stay valid; the removed one still points at its old successor.
func (s *skiplist[V]) delete(k []byte) bool {
	if s.n == 0 {
		return false
	}
	var update [maxLevel]*node[V]
	x := s.head
	for i := s.level - 1; i >= 0; i-- {
		for nx := x.next[i]; nx != nil && bytes.Compare(nx.key, k) < 0; nx = x.next[i] {
			x = nx
		}
		update[i] = x
	}
	nd := x.next[0]
	if nd == nil || !bytes.Equal(nd.key, k) {
		return false
	}
	for i := 0; i < len(nd.next); i++ {
		if update[i].next[i] == nd {
			update[i].next[i] = nd.next[i]
		}
	}
	if nd.next[0] != nil {
		nd.next[0].prev = nd.prev
	}
	for s.level > 1 && s.head.next[s.level-1] == nil {
		s.level--
	}
	s.n--
	return true
}

// copyKeyZ returns a copy of k followed, beyond its length (its capacity
// is len(k)+1), by a zero byte, so that keyEnd can make the key after it
// without an allocation.
func copyKeyZ(k []byte) []byte {
	b := make([]byte, len(k)+1)
	copy(b, k)
	return b[:len(k)]
}

// nodeKeyEnd returns the first key after k, k followed by a zero byte,
// without an allocation if k is a key the write buffer laid out with a
// zero byte after it (copyKeyZ, writeBuffer.set); only for such keys,
// whose bytes never change.
func nodeKeyEnd(k []byte) []byte {
	if cap(k) > len(k) {
		if e := k[:len(k)+1]; e[len(k)] == 0 {
			return e
		}
	}
	return keyAfter(k)
}
