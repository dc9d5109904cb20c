package embedded

import (
	"bytes"
)

// entryBase says what a buffered key's pending ops apply to.
type entryBase uint8

const (
	// baseDB: the ops apply to the value stored in the database (a
	// "dependent" write in FoundationDB's terms: reading it needs the
	// database and adds a read conflict).
	baseDB entryBase = iota
	// baseSet: the key was set to value (any later ops have been folded in).
	baseSet
	// baseClear: the key was cleared (by Clear or a ClearRange).
	baseClear
	// baseVersionstamp: the key was set by SetVersionstampedValue; value
	// holds the parameter with its offset suffix, and the key is unreadable
	// until commit. Later ops queue in ops.
	baseVersionstamp
)

type op struct {
	typ   opType
	param []byte
}

// entry is the pending state of one key in the write buffer.
type entry struct {
	base  entryBase
	value []byte
	ops   []op
}

// wnode is a key of the write buffer.
type wnode = node[entry]

// independent reports whether the key's final value does not depend on the
// database (FoundationDB adds no read conflict for reading such a key).
func (e *entry) independent() bool { return e.base != baseDB }

// vsKeyOp is a pending SetVersionstampedKey.
type vsKeyOp struct {
	key   []byte // with the offset suffix
	pos   int
	value []byte
	// possible is the range of keys the final key may take.
	possible keyRange
	// clearedAfter lists ClearRanges issued after this op that overlap the
	// possible keys: the final key is dropped if one of them holds it.
	clearedAfter []keyRange
}

// writeBuffer is a transaction's uncommitted mutations, arranged for
// read-your-writes lookups and merges with the database.
type writeBuffer struct {
	list skiplist[entry]
	// clears are the ranges cleared by ClearRange; keys in them read as
	// absent unless the list has an entry for them.
	clears rangeSet
	// unreadable are the ranges a SetVersionstampedKey may write into,
	// minus what was set or cleared after it; reading there fails (1036).
	unreadable rangeSet
	vsKeys     []vsKeyOp
	// mutations counts mutation calls; zero means the buffer is empty.
	mutations int
	// dependent counts atomic ops queued over stored values (their commit
	// reads the database).
	dependent int
}

func (w *writeBuffer) empty() bool { return w.mutations == 0 }

func (w *writeBuffer) reset() {
	if w.mutations == 0 {
		return
	}
	w.list.reset()
	w.clears.reset()
	w.unreadable.reset()
	clear(w.vsKeys)
	w.vsKeys = w.vsKeys[:0]
	w.mutations = 0
	w.dependent = 0
}

func (w *writeBuffer) set(k, v []byte) {
	w.mutations++
	var n *wnode
	var val []byte
	if len(v) <= sharedValueMax {
		// One allocation for the key, a zero byte (see nodeKeyEnd) and the
		// value; an existing node keeps its key.
		buf := make([]byte, len(k)+1+len(v))
		copy(buf, k)
		copy(buf[len(k)+1:], v)
		n, _ = w.list.insertOwned(buf[: len(k) : len(k)+1])
		val = buf[len(k)+1:]
	} else {
		n, _ = w.list.insert(k)
		val = append(make([]byte, 0, len(v)), v...)
	}
	n.val = entry{base: baseSet, value: val}
	if w.unreadable.len() > 0 {
		r := singleKeyRange(k)
		w.unreadable.subtract(r.begin, r.end)
	}
}

// sharedValueMax bounds the values set stores in one allocation with the
// key: the key outlives the transaction (the resolver keeps write conflict
// ranges for the MVCC window), and keeps the allocation alive.
const sharedValueMax = 128

func (w *writeBuffer) clear(k []byte) {
	w.mutations++
	n, _ := w.list.insert(k)
	n.val = entry{base: baseClear}
	if w.unreadable.len() > 0 {
		r := singleKeyRange(k)
		w.unreadable.subtract(r.begin, r.end)
	}
}

// clearRange clears [b, e); the caller copied b and e.
func (w *writeBuffer) clearRange(b, e []byte) {
	w.mutations++
	w.clears.add(b, e)
	for n := w.list.seekGE(b); n != nil && bytes.Compare(n.key, e) < 0; n = n.nextNode() {
		n.val = entry{base: baseClear}
	}
	w.unreadable.subtract(b, e)
	for i := range w.vsKeys {
		vk := &w.vsKeys[i]
		if bytes.Compare(b, vk.possible.end) < 0 && bytes.Compare(vk.possible.begin, e) < 0 {
			vk.clearedAfter = append(vk.clearedAfter, keyRange{b, e})
		}
	}
}

// atomic queues an atomic op; the caller validated it.
func (w *writeBuffer) atomic(k []byte, typ opType, param []byte) {
	w.mutations++
	n, created := w.list.insert(k)
	if created {
		if w.clears.contains(k) {
			n.val.base = baseClear
		} else {
			n.val.base = baseDB
		}
	}
	p := append(make([]byte, 0, len(param)), param...)
	switch n.val.base {
	case baseSet:
		v, ok := applyOp(typ, n.val.value, true, p)
		if ok {
			n.val.value = v
		} else {
			n.val = entry{base: baseClear}
		}
	case baseClear:
		v, ok := applyOp(typ, nil, false, p)
		if ok {
			n.val = entry{base: baseSet, value: v}
		}
	case baseDB:
		// As FoundationDB's WriteMap::coalesceOver: an op of the same type
		// as the last one queued folds into it (for the non-associative
		// ones only with a parameter of the same length); others queue.
		// Reads replay the queue and the commit sends it, so its length is
		// both the cost of a read and the size the transaction counts.
		if k := len(n.val.ops); k > 0 && coalescible(n.val.ops[k-1], typ, p) {
			last := &n.val.ops[k-1]
			last.param, _ = applyOp(typ, last.param, true, p)
			return
		}
		n.val.ops = append(n.val.ops, op{typ, p})
		w.dependent++
	default:
		// Over a SetVersionstampedValue (unreadable): FoundationDB pushes
		// every op without coalescing.
		n.val.ops = append(n.val.ops, op{typ, p})
	}
}

// coalescible reports whether FoundationDB folds an op of type typ with
// parameter p into the queued op last (WriteMap::coalesceOver): same type,
// not CompareAndClear, and for the non-associative types (Add, BitOr,
// BitXor, Max, Min) a parameter of the same length.
func coalescible(last op, typ opType, p []byte) bool {
	if last.typ != typ || typ == opCompareAndClear {
		return false
	}
	switch typ {
	case opAdd, opOr, opXor, opMax, opMin:
		return len(last.param) == len(p)
	}
	return true // BitAnd, AppendIfFits, ByteMin, ByteMax
}

// setVersionstampedValue records a SetVersionstampedValue; the caller
// validated the offset.
func (w *writeBuffer) setVersionstampedValue(k, v []byte) {
	w.mutations++
	n, _ := w.list.insert(k)
	n.val = entry{base: baseVersionstamp, value: append(make([]byte, 0, len(v)), v...)}
	if w.unreadable.len() > 0 {
		r := singleKeyRange(k)
		w.unreadable.subtract(r.begin, r.end)
	}
}

// setVersionstampedKey records a SetVersionstampedKey; minVersion bounds
// the commit version from below (the read version + 1, or 0).
func (w *writeBuffer) setVersionstampedKey(k []byte, pos int, v []byte, minVersion int64) {
	w.mutations++
	key := append(make([]byte, 0, len(k)), k...)
	// FoundationDB's getVersionstampKeyRange: from the key with the
	// smallest possible stamp to the key with ten 0xff bytes, plus a zero.
	lo := make([]byte, len(k)-4)
	copy(lo, k)
	putVersionstamp(lo[pos:], minVersion, 0)
	hi := make([]byte, len(k)-3)
	copy(hi, k)
	hi[len(hi)-1] = 0
	for i := pos; i < pos+versionstampLen; i++ {
		hi[i] = 0xff
	}
	if bytes.Compare(hi, maxUserKeyEnd) > 0 {
		hi = maxUserKeyEnd
	}
	w.vsKeys = append(w.vsKeys, vsKeyOp{
		key:      key,
		pos:      pos,
		value:    append(make([]byte, 0, len(v)), v...),
		possible: keyRange{lo, hi},
	})
	w.unreadable.add(lo, hi)
}

// writeConflicts appends the write conflict ranges of the buffered
// mutations (not those of SetVersionstampedKey, known only at commit).
func (w *writeBuffer) writeConflicts(dst []keyRange) []keyRange {
	c := w.clears.first()
	var prevEnd []byte // end of the last clear range emitted
	for n := w.list.first(); n != nil; n = n.nextNode() {
		// Emit the clear ranges that begin before this key first, so the
		// output stays sorted.
		for ; c != nil && bytes.Compare(c.key, n.key) <= 0; c = c.nextNode() {
			dst = append(dst, keyRange{c.key, c.val})
			prevEnd = c.val
		}
		if prevEnd != nil && bytes.Compare(n.key, prevEnd) < 0 {
			continue // inside the previous clear range
		}
		dst = append(dst, keyRange{n.key, nodeKeyEnd(n.key)})
	}
	for ; c != nil; c = c.nextNode() {
		dst = append(dst, keyRange{c.key, c.val})
	}
	return dst
}
