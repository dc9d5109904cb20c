package embedded

import (
	"bytes"
)

// resolver holds, for the MVCC window, the latest commit version that wrote
// each part of the keyspace, as FoundationDB's resolvers do. It is a map
// from boundary keys to the version of the segment that starts there,
// stored in a treap whose nodes also carry the largest version of their
// subtree, so that "the newest write in [b, e)" costs O(log n) whatever
// the number of segments in the range, and assigning a range costs
// O(log n) plus the segments it replaces.
//
// Versions below the window's floor never cause a conflict (older read
// versions fail with 1007 first), so prune rebuilds the treap without them
// when it has grown enough to be worth it.
//
// A resolver is used by the commit goroutine only.
type resolver struct {
	root *rnode
	size int
	// pruneAt is the size at which the next insert prunes.
	pruneAt int
	// slab hands out nodes a chunk at a time (a chunk stays allocated
	// while any of its nodes is in the treap).
	slab []rnode
	rnd  uint64
}

type rnode struct {
	key         []byte
	ver         int64 // version of [key, next key)
	max         int64 // largest ver in this subtree
	prio        uint32
	left, right *rnode
}

const minPruneSize = 4096

func newResolver() *resolver {
	return &resolver{pruneAt: minPruneSize, rnd: 0x2545F4914F6CDD1D}
}

func (r *resolver) random() uint32 {
	x := r.rnd
	x ^= x >> 12
	x ^= x << 25
	x ^= x >> 27
	r.rnd = x
	return uint32((x * 2685821657736338717) >> 32)
}

func (n *rnode) fix() {
	m := n.ver
	if n.left != nil && n.left.max > m {
		m = n.left.max
	}
	if n.right != nil && n.right.max > m {
		m = n.right.max
	}
	n.max = m
}

// split returns the nodes with key < k and those with key >= k.
func split(n *rnode, k []byte) (l, r *rnode) {
	if n == nil {
		return nil, nil
	}
	if bytes.Compare(n.key, k) < 0 {
		n.right, r = split(n.right, k)
		n.fix()
		return n, r
	}
	l, n.left = split(n.left, k)
	n.fix()
	return l, n
}

// merge joins two treaps where every key of l is below every key of r.
func merge(l, r *rnode) *rnode {
	if l == nil {
		return r
	}
	if r == nil {
		return l
	}
	if l.prio >= r.prio {
		l.right = merge(l.right, r)
		l.fix()
		return l
	}
	r.left = merge(l, r.left)
	r.fix()
	return r
}

// newest returns the latest version that wrote into [b, e): the version
// of the segment holding b, and of every segment starting inside (b, e).
// One descent finds the node splitting the range, then one path down each
// side, using the subtree maxima.
func (r *resolver) newest(b, e []byte) int64 {
	if r.root == nil || r.root.max == 0 || bytes.Compare(b, e) >= 0 {
		return 0
	}
	var floor int64 // version of the last node with key <= b seen so far
	n := r.root
	for n != nil {
		if bytes.Compare(n.key, b) <= 0 {
			floor = n.ver
			n = n.right
			continue
		}
		if bytes.Compare(n.key, e) >= 0 {
			n = n.left
			continue
		}
		// b < n.key < e.
		m := n.ver
		for x := n.left; x != nil; {
			if bytes.Compare(x.key, b) > 0 {
				m = max(m, x.ver)
				if x.right != nil {
					m = max(m, x.right.max)
				}
				x = x.left
			} else {
				floor = x.ver
				x = x.right
			}
		}
		for x := n.right; x != nil; {
			if bytes.Compare(x.key, e) < 0 {
				m = max(m, x.ver)
				if x.left != nil {
					m = max(m, x.left.max)
				}
				x = x.right
			} else {
				x = x.left
			}
		}
		return max(m, floor)
	}
	return floor
}

// conflicts reports whether a write newer than readVersion touches any of
// ranges.
func (r *resolver) conflicts(ranges []keyRange, readVersion int64) bool {
	if r.root == nil || r.root.max <= readVersion {
		return false
	}
	for _, kr := range ranges {
		if r.newest(kr.begin, kr.end) > readVersion {
			return true
		}
	}
	return false
}

// assign records that version wrote [b, e). version must be at least every
// version assigned before (commit versions only grow). The keys are kept,
// not copied.
func (r *resolver) assign(b, e []byte, version int64) {
	if bytes.Compare(b, e) >= 0 {
		return
	}
	if r.assignInPlace(b, e, version) {
		return
	}
	left, rest := split(r.root, b)
	mid, right := split(rest, e)
	// The version at e before the assignment: the last node below e.
	var atE int64
	if mid != nil {
		atE = rightmost(mid).ver
	} else if left != nil {
		atE = rightmost(left).ver
	}
	r.size -= release(mid)
	nb := r.newNode(b, version)
	r.size++
	t := merge(left, nb)
	if right == nil || !bytes.Equal(leftmost(right).key, e) {
		ne := r.newNode(e, atE)
		r.size++
		t = merge(t, ne)
	}
	r.root = merge(t, right)
}

// assignInPlace handles the common case of rewriting a range whose bounds
// are already adjacent boundaries (a key written again within the window):
// the segment's version changes, and since version is the largest in the
// treap, so does the maximum of every node on the path to it. No node is
// allocated or moved.
func (r *resolver) assignInPlace(b, e []byte, version int64) bool {
	var path [96]*rnode
	depth := 0
	var succ *rnode // the smallest node above b seen on the way down
	n := r.root
	for n != nil {
		if depth == len(path) {
			return false
		}
		path[depth] = n
		depth++
		c := bytes.Compare(n.key, b)
		if c == 0 {
			break
		}
		if c < 0 {
			n = n.right
		} else {
			succ = n
			n = n.left
		}
	}
	if n == nil {
		return false
	}
	if n.right != nil {
		succ = leftmost(n.right)
	}
	if succ == nil || !bytes.Equal(succ.key, e) {
		return false
	}
	n.ver = version
	for i := 0; i < depth; i++ {
		path[i].max = version
	}
	return true
}

func rightmost(n *rnode) *rnode {
	for n.right != nil {
		n = n.right
	}
	return n
}

func leftmost(n *rnode) *rnode {
	for n.left != nil {
		n = n.left
	}
	return n
}

// maybePrune forgets versions below floor once the treap has doubled since
// the last prune.
func (r *resolver) maybePrune(floor int64) {
	if r.size < r.pruneAt {
		return
	}
	r.prune(floor)
	r.pruneAt = max(2*r.size, minPruneSize)
}

// prune rebuilds the treap with versions below floor set to zero and equal
// neighbouring segments merged.
func (r *resolver) prune(floor int64) {
	keys := make([]*rnode, 0, r.size)
	var last int64 = 0
	var walk func(n *rnode)
	walk = func(n *rnode) {
		if n == nil {
			return
		}
		walk(n.left)
		right := n.right
		v := n.ver
		if v < floor {
			v = 0
		}
		if v != last {
			n.ver = v
			n.left, n.right = nil, nil
			keys = append(keys, n)
			last = v
		} else {
			// Dropped: its chunk may outlive it (newNode), its key need not.
			*n = rnode{}
		}
		walk(right)
	}
	walk(r.root)
	// Build a treap over the sorted nodes with fresh priorities, in linear
	// time (Cartesian tree construction).
	stack := make([]*rnode, 0, 64)
	for _, n := range keys {
		n.prio = r.random()
		n.max = n.ver
		var lastPopped *rnode
		for len(stack) > 0 && stack[len(stack)-1].prio < n.prio {
			lastPopped = stack[len(stack)-1]
			stack = stack[:len(stack)-1]
		}
		n.left = lastPopped
		if len(stack) > 0 {
			stack[len(stack)-1].right = n
		}
		stack = append(stack, n)
	}
	var root *rnode
	if len(stack) > 0 {
		root = stack[0]
	}
	fixAll(root)
	r.root = root
	r.size = len(keys)
}

func fixAll(n *rnode) {
	if n == nil {
		return
	}
	fixAll(n.left)
	fixAll(n.right)
	n.fix()
}

// rnodeChunk is how many nodes the resolver allocates at a time.
const rnodeChunk = 64

// newNode returns a new node for [key, ...) at version ver.
func (r *resolver) newNode(key []byte, ver int64) *rnode {
	if len(r.slab) == 0 {
		r.slab = make([]rnode, rnodeChunk)
	}
	n := &r.slab[0]
	r.slab = r.slab[1:]
	*n = rnode{key: key, ver: ver, max: ver, prio: r.random()}
	return n
}

// release counts the nodes of a subtree leaving the treap and clears them:
// their chunk may outlive them (newNode), their keys need not.
func release(n *rnode) int {
	if n == nil {
		return 0
	}
	c := 1 + release(n.left) + release(n.right)
	*n = rnode{}
	return c
}
