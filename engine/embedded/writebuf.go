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
	list skiplist
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
	n, _ := w.list.insert(k)
	n.ent = entry{base: baseSet, value: append(make([]byte, 0, len(v)), v...)}
	if w.unreadable.len() > 0 {
		r := singleKeyRange(k)
		w.unreadable.subtract(r.begin, r.end)
	}
}

func (w *writeBuffer) clear(k []byte) {
	w.mutations++
	n, _ := w.list.insert(k)
	n.ent = entry{base: baseClear}
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
		n.ent = entry{base: baseClear}
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
			n.ent.base = baseClear
		} else {
			n.ent.base = baseDB
		}
	}
	p := append(make([]byte, 0, len(param)), param...)
	switch n.ent.base {
	case baseSet:
		v, ok := applyOp(typ, n.ent.value, true, p)
		if ok {
			n.ent.value = v
		} else {
			n.ent = entry{base: baseClear}
		}
	case baseClear:
		v, ok := applyOp(typ, nil, false, p)
		if ok {
			n.ent = entry{base: baseSet, value: v}
		}
	default:
		n.ent.ops = append(n.ent.ops, op{typ, p})
		if n.ent.base == baseDB {
			w.dependent++
		}
	}
}

// setVersionstampedValue records a SetVersionstampedValue; the caller
// validated the offset.
func (w *writeBuffer) setVersionstampedValue(k, v []byte) {
	w.mutations++
	n, _ := w.list.insert(k)
	n.ent = entry{base: baseVersionstamp, value: append(make([]byte, 0, len(v)), v...)}
	if w.unreadable.len() > 0 {
		r := singleKeyRange(k)
		w.unreadable.subtract(r.begin, r.end)
	}
}

// setVersionstampedKey records a SetVersionstampedKey; minVersion bounds
// the versionstamp from below (the read version, or 0).
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
	ci := 0
	cl := w.clears.r
	for n := w.list.first(); n != nil; n = n.nextNode() {
		// Emit the clear ranges that begin before this key first, so the
		// output stays sorted.
		for ci < len(cl) && bytes.Compare(cl[ci].begin, n.key) <= 0 {
			dst = append(dst, cl[ci])
			ci++
		}
		if ci > 0 && bytes.Compare(n.key, cl[ci-1].end) < 0 {
			continue // inside the previous clear range
		}
		r := keyRange{n.key, keyAfter(n.key)}
		dst = append(dst, r)
	}
	dst = append(dst, cl[ci:]...)
	return dst
}
