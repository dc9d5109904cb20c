package embedded

import "bytes"

// The write buffer keeps a transaction's per-key mutations in a skiplist:
// O(log n) inserts and lookups, in-order iteration both ways, and node
// pointers that stay valid while the list grows (so a range read can
// resume after the transaction writes more).

const maxLevel = 20

type node struct {
	key  []byte
	ent  entry
	prev *node
	next []*node
}

type skiplist struct {
	head  node
	level int
	n     int
	rnd   uint64
	links [maxLevel]*node
}

func (s *skiplist) init() {
	if s.head.next == nil {
		s.head.next = s.links[:]
		s.level = 1
		s.rnd = 0x9E3779B97F4A7C15
	}
}

func (s *skiplist) reset() {
	s.links = [maxLevel]*node{}
	s.head.next = s.links[:]
	s.level = 1
	s.n = 0
}

func (s *skiplist) randomLevel() int {
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
func (s *skiplist) seekGE(k []byte) *node {
	if s.n == 0 {
		return nil
	}
	x := &s.head
	for i := s.level - 1; i >= 0; i-- {
		for nx := x.next[i]; nx != nil && bytes.Compare(nx.key, k) < 0; nx = x.next[i] {
			x = nx
		}
	}
	return x.next[0]
}

// seekLT returns the last node with key < k, or nil.
func (s *skiplist) seekLT(k []byte) *node {
	if s.n == 0 {
		return nil
	}
	x := &s.head
	for i := s.level - 1; i >= 0; i-- {
		for nx := x.next[i]; nx != nil && bytes.Compare(nx.key, k) < 0; nx = x.next[i] {
			x = nx
		}
	}
	if x == &s.head {
		return nil
	}
	return x
}

// find returns the node for k, or nil.
func (s *skiplist) find(k []byte) *node {
	n := s.seekGE(k)
	if n != nil && bytes.Equal(n.key, k) {
		return n
	}
	return nil
}

// first returns the first node, or nil.
func (s *skiplist) first() *node {
	if s.head.next == nil {
		return nil
	}
	return s.head.next[0]
}

// next returns the node after n, or nil.
func (n *node) nextNode() *node { return n.next[0] }

// prevNode returns the node before n, or nil.
func (n *node) prevNode() *node { return n.prev }

// insert returns the node for k, adding it (with a copy of k) if absent.
func (s *skiplist) insert(k []byte) (*node, bool) {
	s.init()
	var update [maxLevel]*node
	x := &s.head
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
			update[i] = &s.head
		}
		s.level = lvl
	}
	nd := &node{key: append([]byte(nil), k...), next: make([]*node, lvl)}
	for i := 0; i < lvl; i++ {
		nd.next[i] = update[i].next[i]
		update[i].next[i] = nd
	}
	if x != &s.head {
		nd.prev = x
	}
	if nd.next[0] != nil {
		nd.next[0].prev = nd
	}
	s.n++
	return nd, true
}
