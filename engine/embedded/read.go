package embedded

import (
	"bytes"
	"errors"
	"iter"

	"github.com/cockroachdb/pebble/v2"

	"github.com/strata-db/strata/layer"
)

// ensureSnapshot gives the transaction its read version and snapshot at
// its first read of the database. Called with t.mu held.
func (t *tx) ensureSnapshot() error {
	if t.snap != nil {
		return nil
	}
	if t.expired {
		return layer.ErrTransactionTooOld
	}
	want := t.wantRV
	if t.hasRV {
		want = t.rv
	}
	return t.db.acquireRead(t, want)
}

// checkAge fails reads whose read version left the five-second window.
func (t *tx) checkAge() error {
	if t.db.clock.now()-t.rv > layer.MaxReadVersionLag {
		return layer.ErrTransactionTooOld
	}
	return nil
}

// readySnapshot is ensureSnapshot then checkAge, without the second
// clock reading when the snapshot was just acquired (acquireRead checked
// the age then).
func (t *tx) readySnapshot() error {
	if t.snap == nil {
		return t.ensureSnapshot()
	}
	return t.checkAge()
}

// dbGet reads key at the read version: the value (nil if absent) and
// whether it is present.
func (t *tx) dbGet(key []byte) ([]byte, bool, error) {
	if err := t.readySnapshot(); err != nil {
		return nil, false, err
	}
	v, closer, err := t.snap.snap.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, wrapStorage(err)
	}
	out := clone(v)
	closer.Close()
	return out, true, nil
}

func wrapStorage(err error) error {
	return errors.Join(layer.ErrInternal, err)
}

// addReadKey adds the read conflict range of one key.
func (t *tx) addReadKey(key []byte) {
	t.reads = append(t.reads, singleKeyRange(key))
}

// appendRead adds [b, e) to the read conflict ranges, extending the last
// one when it ends at b (a range read adds its rows one after another).
func (t *tx) appendRead(b, e []byte) {
	if n := len(t.reads); n > 0 && bytes.Equal(t.reads[n-1].end, b) && bytes.Compare(t.reads[n-1].begin, b) <= 0 {
		t.reads[n-1].end = e
		return
	}
	t.reads = append(t.reads, keyRange{b, e})
}

// addReadRange adds [b, e) as a read conflict range, minus the parts this
// transaction wrote independently of the database (set or cleared) as of
// now, as FoundationDB's updateConflictMap does when a read's data
// arrives. b and e must not change later.
func (t *tx) addReadRange(b, e []byte) {
	if bytes.Compare(b, e) >= 0 {
		return
	}
	if t.writes.empty() {
		t.appendRead(b, e)
		return
	}
	t.unwritten(b, e, t.appendRead)
}

// unwritten calls emit, in order, for the parts of [b, e) that the buffer
// does not hold independently of the database (set or cleared). The cost
// is O(log n) plus the buffered keys and clear ranges inside [b, e).
func (t *tx) unwritten(b, e []byte, emit func(b, e []byte)) {
	w := &t.writes
	pos := b
	c := w.clears.search(b)
	n := w.list.seekGE(b)
	for bytes.Compare(pos, e) < 0 {
		// The next independent span: a clear range or an independently
		// written key, whichever begins first. Dependent keys (atomic ops
		// over the stored value) are read, so they stay in; the walk over
		// them stops at e.
		for n != nil && !n.val.independent() && bytes.Compare(n.key, e) < 0 {
			n = n.nextNode()
		}
		var sb, se []byte
		haveC := c != nil && bytes.Compare(c.key, e) < 0
		haveN := n != nil && bytes.Compare(n.key, e) < 0
		switch {
		case haveC && (!haveN || bytes.Compare(c.key, n.key) <= 0):
			sb, se = c.key, c.val
			c = c.nextNode()
		case haveN:
			sb = n.key
			se = nil // keyAfter(n.key), made only if needed
			n = n.nextNode()
		default:
			emit(pos, e)
			return
		}
		if bytes.Compare(sb, pos) > 0 {
			emit(pos, sb)
		}
		if se == nil {
			if bytes.Compare(sb, pos) >= 0 {
				pos = keyAfter(sb)
			}
			continue
		}
		if bytes.Compare(se, pos) > 0 {
			pos = se
		}
	}
}

// ---- Get ----

// Get implements layer.ReadTx.
func (t *tx) Get(key []byte) layer.Future[[]byte] { return t.get(key, false) }

func (t *tx) get(key []byte, snapshot bool) layer.Future[[]byte] {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.usable(); err != nil {
		return layer.Ready[[]byte](nil, err)
	}
	if isSystemKey(key) {
		return layer.Ready[[]byte](nil, layer.ErrKeyOutsideLegalRange)
	}
	if len(key) > layer.MaxKeySize {
		return layer.Ready[[]byte](nil, nil)
	}
	v, err := t.getLocked(key, snapshot)
	return t.readyValue(v, err)
}

// getLocked reads key through the write buffer.
func (t *tx) getLocked(key []byte, snapshot bool) ([]byte, error) {
	w := &t.writes
	if !w.empty() {
		if w.unreadable.len() > 0 && w.unreadable.contains(key) {
			return nil, layer.ErrAccessedUnreadable
		}
		if n := w.list.find(key); n != nil {
			switch n.val.base {
			case baseSet:
				return clone(n.val.value), nil
			case baseClear:
				return nil, nil
			case baseVersionstamp:
				return nil, layer.ErrAccessedUnreadable
			}
			// Ops over the stored value: a dependent read, which conflicts.
			v, ok, err := t.dbGet(key)
			if err != nil {
				return nil, err
			}
			for _, o := range n.val.ops {
				v, ok = applyOp(o.typ, v, ok, o.param)
			}
			if !snapshot {
				t.addReadKey(key)
			}
			if !ok {
				return nil, nil
			}
			return clone(v), nil
		}
		if w.clears.contains(key) {
			return nil, nil
		}
	}
	v, ok, err := t.dbGet(key)
	if err != nil {
		return nil, err
	}
	if !snapshot {
		t.addReadKey(key)
	}
	if !ok {
		return nil, nil
	}
	return v, nil
}

// GetReadVersion implements layer.ReadTx.
func (t *tx) GetReadVersion() layer.Future[int64] {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.usable(); err != nil {
		return layer.Ready[int64](0, err)
	}
	if !t.hasRV {
		if t.wantRV != 0 {
			// As FoundationDB: the version set is the read version; it is
			// checked (1007, 1009) by the reads.
			return layer.Ready(t.wantRV, nil)
		}
		if err := t.ensureSnapshot(); err != nil {
			return layer.Ready[int64](0, err)
		}
	}
	return layer.Ready(t.rv, nil)
}

// GetEstimatedRangeSizeBytes implements layer.ReadTx.
func (t *tx) GetEstimatedRangeSizeBytes(r layer.KeyRange) layer.Future[int64] {
	t.mu.Lock()
	err := t.usable()
	t.mu.Unlock()
	if err != nil {
		return layer.Ready[int64](0, err)
	}
	if bytes.Compare(r.Begin, r.End) > 0 {
		return layer.Ready[int64](0, layer.ErrInvertedRange)
	}
	b, e := r.Begin, minKey(r.End, maxUserKeyEnd)
	if bytes.Compare(b, e) >= 0 {
		return layer.Ready[int64](0, nil)
	}
	n, err := t.db.estimateRangeSize(b, e)
	return layer.Ready(n, err)
}

// ---- Key selectors ----

// normalize removes OrEqual from a selector as FoundationDB's
// removeOrEqual: (k, orEqual, off) is (k+"\x00", false, off).
func normalize(sel layer.KeySelector) ([]byte, int) {
	if sel.OrEqual {
		return keyAfter(sel.Key), sel.Offset
	}
	return clone(sel.Key), sel.Offset
}

// resolve finds the key a normalized selector designates in the
// transaction's view: the offset-th key >= k for offset >= 1, the
// (1-offset)-th key < k going down for offset <= 0. Running off the end
// gives "\xff" (throughEnd if keys were still to be skipped), off the
// beginning "" (toBegin).
func (t *tx) resolve(k []byte, off int) (key []byte, toBegin, throughEnd bool, err error) {
	if off >= 1 {
		lo := minKey(k, maxUserKeyEnd)
		if bytes.Equal(lo, maxUserKeyEnd) {
			return clone(maxUserKeyEnd), false, off > 1, nil
		}
		m, err := t.newMergeIter(lo, maxUserKeyEnd, false)
		if err != nil {
			return nil, false, false, err
		}
		defer m.close()
		found := 0
		for {
			kk, _, ok, err := m.next()
			if err != nil {
				return nil, false, false, err
			}
			if !ok {
				return clone(maxUserKeyEnd), false, off-found > 1, nil
			}
			found++
			if found == off {
				return clone(kk), false, false, nil
			}
		}
	}
	hi := minKey(k, maxUserKeyEnd)
	if len(hi) == 0 {
		return []byte{}, true, false, nil
	}
	m, err := t.newMergeIter(nil, hi, true)
	if err != nil {
		return nil, false, false, err
	}
	defer m.close()
	need := 1 - off
	found := 0
	for {
		kk, _, ok, err := m.next()
		if err != nil {
			return nil, false, false, err
		}
		if !ok {
			return []byte{}, true, false, nil
		}
		found++
		if found == need {
			return clone(kk), false, false, nil
		}
	}
}

// GetKey implements layer.ReadTx.
func (t *tx) GetKey(sel layer.KeySelector) layer.Future[[]byte] { return t.getKey(sel, false) }

func (t *tx) getKey(sel layer.KeySelector, snapshot bool) layer.Future[[]byte] {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.usable(); err != nil {
		return layer.Ready[[]byte](nil, err)
	}
	if bytes.Compare(sel.Key, maxUserKeyEnd) > 0 {
		return layer.Ready[[]byte](nil, layer.ErrKeyOutsideLegalRange)
	}
	k, off := normalize(sel)
	key, _, _, err := t.resolve(k, off)
	if err != nil {
		return layer.Ready[[]byte](nil, err)
	}
	if !snapshot {
		// FoundationDB's conflict range for a key selector: between the
		// selector's key and the resolved key.
		if off <= 0 {
			t.addReadRange(key, minKey(k, maxUserKeyEnd))
		} else {
			t.addReadRange(k, minKey(keyAfter(key), maxUserKeyEnd))
		}
	}
	return layer.Ready(key, nil)
}

// ---- Range reads ----

// rangeResult is a range read, run (again) by each All or Slice.
type rangeResult struct {
	t        *tx
	gen      uint64
	snapshot bool
	err      error
	empty    bool
	bk, ek   []byte // normalized selector keys
	bo, eo   int    // selector offsets
	limit    int
	reverse  bool
}

// GetRange implements layer.ReadTx.
func (t *tx) GetRange(r layer.Range, opts layer.RangeOptions) layer.RangeResult {
	return t.getRange(r, opts, false)
}

func (t *tx) getRange(r layer.Range, opts layer.RangeOptions, snapshot bool) layer.RangeResult {
	b, e := r.Selectors()
	t.mu.Lock()
	defer t.mu.Unlock()
	rr := &rangeResult{t: t, gen: t.gen, snapshot: snapshot, limit: opts.Limit, reverse: opts.Reverse}
	err := t.usable()
	switch {
	case err != nil:
		rr.err = err
	case opts.Limit < 0:
		rr.err = layer.ErrRangeLimitsInvalid
	case opts.Mode == layer.StreamingModeExact && opts.Limit == 0:
		rr.err = layer.ErrExactModeWithoutLimits
	case bytes.Compare(b.Key, maxUserKeyEnd) > 0 || bytes.Compare(e.Key, maxUserKeyEnd) > 0:
		rr.err = layer.ErrKeyOutsideLegalRange
	}
	if rr.err != nil {
		return rr
	}
	rr.bk, rr.bo = normalize(b)
	rr.ek, rr.eo = normalize(e)
	if rr.bo >= rr.eo && bytes.Compare(rr.bk, rr.ek) >= 0 {
		rr.empty = true
		return rr
	}
	// The read version is taken when the read is issued.
	if err := t.ensureSnapshot(); err != nil {
		rr.err = err
	}
	return rr
}

// rangeScan is one execution of a rangeResult.
//
// Its read conflict range is FoundationDB's for the range read (see
// bounds), but All records it as the rows are delivered, each row's part
// before the caller sees the row: the part up to and including a row is
// matched against the write buffer as it was when the row was read, so
// that writes the caller makes in the loop body (read-modify-write of each
// row) neither remove rows they read from the conflict range nor split it
// into a piece per row; and rows taken with iter.Pull are covered even if
// the iteration is never stopped. finish adds the rest.
type rangeScan struct {
	r          *rangeResult
	m          *mergeIter
	toBegin    bool
	throughEnd bool
	n          int    // rows delivered
	first      []byte // first row's key (a copy)
	last       []byte // last row's key (a copy)
	exhausted  bool   // the scan reached its end
	started    bool
	lo, hi     []byte // the keys walked: [lo, hi)

	// Recorded as rows are delivered (All): the conflict range is in
	// t.reads from its start to pos (forward) or from pos to its end
	// (reverse). resolved holds the parts of the ranges the selectors'
	// resolution read (between each selector's key and the key it
	// resolved to) that the buffer did not hold when they were read: the
	// loop body may write there before finish.
	covering bool
	pos      []byte
	resolved []keyRange
	mutAt    int // t.writes.mutations at the first row
}

// start resolves the selectors and opens the merged iterator. Called with
// t.mu held.
func (s *rangeScan) start() error {
	r, t := s.r, s.r.t
	if t.gen != r.gen {
		return layer.ErrTransactionCancelled
	}
	if err := t.usable(); err != nil {
		return err
	}
	lo, hi := r.bk, r.ek
	if r.bo != 1 {
		k, tb, te, err := t.resolve(r.bk, r.bo)
		if err != nil {
			return err
		}
		lo, s.toBegin, s.throughEnd = k, tb, te
	}
	if r.eo != 1 {
		k, tb, te, err := t.resolve(r.ek, r.eo)
		if err != nil {
			return err
		}
		hi = k
		s.toBegin = s.toBegin || tb
		s.throughEnd = s.throughEnd || te
	}
	hi = minKey(hi, maxUserKeyEnd)
	s.lo, s.hi = lo, hi
	s.started = true
	if bytes.Compare(lo, hi) >= 0 {
		s.exhausted = true
		return nil
	}
	m, err := t.newMergeIter(lo, hi, r.reverse)
	if err != nil {
		return err
	}
	s.m = m
	return nil
}

// fill appends up to maxRows rows to out; checkAge says whether to check
// the read version's age first (a clock read). Called with t.mu held.
func (s *rangeScan) fill(out []layer.KeyValue, maxRows int, checkAge bool) ([]layer.KeyValue, error) {
	r, t := s.r, s.r.t
	if t.gen != r.gen {
		return out, layer.ErrTransactionCancelled
	}
	if err := t.usable(); err != nil {
		return out, err
	}
	if s.m.dead {
		if t.expired {
			return out, layer.ErrTransactionTooOld
		}
		return out, layer.ErrTransactionCancelled
	}
	if checkAge {
		if err := t.checkAge(); err != nil {
			return out, err
		}
	}
	for i := 0; i < maxRows; i++ {
		if r.limit > 0 && s.n+len(out) >= r.limit {
			break
		}
		k, v, ok, err := s.m.next()
		if err != nil {
			return out, err
		}
		if !ok {
			s.exhausted = true
			break
		}
		buf := make([]byte, len(k)+len(v))
		copy(buf, k)
		copy(buf[len(k):], v)
		out = append(out, layer.KeyValue{Key: buf[:len(k):len(k)], Value: buf[len(k):]})
	}
	return out, nil
}

// delivered records a row handed to the caller of All, and adds its part
// of the read conflict range before the caller sees it. Called with t.mu
// held.
func (s *rangeScan) delivered(kv layer.KeyValue) {
	if s.n == 0 {
		s.first = clone(kv.Key)
	}
	s.last = append(s.last[:0], kv.Key...)
	s.n++
	r, t := s.r, s.r.t
	if r.snapshot {
		return
	}
	if !s.covering {
		// The first row: the buffer is as it was when the selectors were
		// resolved.
		s.covering = true
		s.mutAt = t.writes.mutations
		rb, re := s.bounds(true)
		if !r.reverse {
			s.pos = rb
		} else {
			s.pos = re
		}
		if r.bo <= 0 {
			s.resolved = s.appendUnwritten(s.resolved, s.lo, r.bk)
		} else if r.bo > 1 {
			s.resolved = s.appendUnwritten(s.resolved, r.bk, minKey(keyAfter(s.lo), maxUserKeyEnd))
		}
		if r.eo <= 0 {
			s.resolved = s.appendUnwritten(s.resolved, s.hi, r.ek)
		} else if r.eo > 1 {
			s.resolved = s.appendUnwritten(s.resolved, r.ek, minKey(keyAfter(s.hi), maxUserKeyEnd))
		}
	}
	if !r.reverse {
		ka := keyAfter(kv.Key)
		t.addReadRange(s.pos, ka)
		s.pos = ka
	} else {
		k := clone(kv.Key)
		t.addReadRange(k, s.pos)
		s.pos = k
	}
}

// appendUnwritten appends to dst the parts of [b, e) the buffer does not
// hold independently of the database, as of now.
func (s *rangeScan) appendUnwritten(dst []keyRange, b, e []byte) []keyRange {
	if bytes.Compare(b, e) >= 0 {
		return dst
	}
	t := s.r.t
	if t.writes.empty() {
		return append(dst, keyRange{b, e})
	}
	t.unwritten(b, e, func(b, e []byte) { dst = append(dst, keyRange{b, e}) })
	return dst
}

// bounds returns the read conflict range of the scan so far, as
// FoundationDB computes it for a range read: the range between the
// selectors' keys, with a limit (more: rows remain) only up to the last
// row, extended to the rows returned, and to the ends of the keyspace when
// a selector ran off them.
func (s *rangeScan) bounds(more bool) (rb, re []byte) {
	r := s.r
	if !r.reverse {
		if bytes.Compare(r.bk, r.ek) < 0 {
			rb = r.bk
			re = r.ek
			if r.eo > 0 && more {
				re = r.bk
			}
		} else {
			rb, re = r.ek, r.bk
		}
		if s.toBegin && r.bo <= 0 {
			rb = nil
		}
		if s.throughEnd && r.eo > 0 {
			re = maxUserKeyEnd
		}
		if s.n > 0 {
			if r.bo <= 0 {
				rb = minKey(rb, s.first)
			}
			if bytes.Compare(re, s.last) <= 0 {
				re = keyAfter(s.last)
			}
		}
	} else {
		if bytes.Compare(r.bk, r.ek) < 0 {
			rb = r.bk
			if r.bo <= 1 && more {
				rb = r.ek
			}
			re = r.ek
		} else {
			rb, re = r.ek, r.bk
		}
		if s.toBegin && r.bo <= 0 {
			rb = nil
		}
		if s.throughEnd && r.eo > 0 {
			re = maxUserKeyEnd
		}
		if s.n > 0 {
			if bytes.Compare(s.last, rb) < 0 {
				rb = clone(s.last)
			}
			if r.eo > 0 && bytes.Compare(re, s.first) <= 0 {
				re = keyAfter(s.first)
			}
		}
	}
	if rb == nil {
		rb = []byte{}
	}
	re = minKey(re, maxUserKeyEnd)
	return rb, re
}

// finish adds the rest of the read conflict range and closes the
// iterator. Called with t.mu held.
func (s *rangeScan) finish(failed bool) {
	r, t := s.r, s.r.t
	if s.m != nil {
		s.m.close()
	}
	if r.snapshot || !s.started || t.gen != r.gen || t.committing {
		return
	}
	if failed {
		// Rows delivered before the failure keep their conflict ranges,
		// and the selectors' resolution they depended on.
		for _, p := range s.resolved {
			t.appendRead(p.begin, p.end)
		}
		return
	}
	rb, re := s.bounds(!s.exhausted)
	if !s.covering {
		t.addReadRange(rb, re)
		return
	}
	// The rest of the range against the buffer as it is now (what the
	// scan walked last, or never reached), and the parts the selectors'
	// resolution read, as they were then. If the caller wrote during the
	// iteration, the rows it got may also depend on keys outside
	// FoundationDB's range for the read (the scan resolved its selectors
	// once, then walked to the bound they gave, seeing the caller's new
	// writes): then the whole walk and the whole of the resolution are
	// covered.
	changed := t.writes.mutations != s.mutAt
	if !r.reverse {
		end := re
		if changed && s.exhausted {
			end = maxKey(re, s.hi)
		}
		t.addReadRange(s.pos, end)
	} else {
		begin := rb
		if changed && s.exhausted {
			begin = minKey(rb, s.lo)
		}
		t.addReadRange(begin, s.pos)
	}
	for _, p := range s.resolved {
		pb, pe := p.begin, p.end
		if !changed {
			pb, pe = maxKey(pb, rb), minKey(pe, re)
		}
		if bytes.Compare(pb, pe) < 0 {
			t.appendRead(pb, pe)
		}
	}
}

// All implements layer.RangeResult. Rows are read one at a time as the
// caller asks for them (the Pebble iterator stays open between rows), so a
// caller that stops early reads, and conflicts on, only what it received.
// Each row's conflict range is recorded before the row is yielded (see
// rangeScan).
func (r *rangeResult) All() iter.Seq2[layer.KeyValue, error] {
	return func(yield func(layer.KeyValue, error) bool) {
		if r.err != nil {
			yield(layer.KeyValue{}, r.err)
			return
		}
		if r.empty {
			return
		}
		t := r.t
		s := &rangeScan{r: r}
		t.mu.Lock()
		if err := s.start(); err != nil {
			s.finish(true)
			t.mu.Unlock()
			yield(layer.KeyValue{}, err)
			return
		}
		t.mu.Unlock()
		var one [1]layer.KeyValue
		for !s.exhausted && (r.limit == 0 || s.n < r.limit) {
			t.mu.Lock()
			out, err := s.fill(one[:0], 1, s.n%64 == 0)
			if err != nil {
				s.finish(true)
				t.mu.Unlock()
				yield(layer.KeyValue{}, err)
				return
			}
			if len(out) == 0 {
				t.mu.Unlock()
				break
			}
			s.delivered(out[0])
			t.mu.Unlock()
			if !yield(out[0], nil) {
				t.mu.Lock()
				s.finish(false)
				t.mu.Unlock()
				return
			}
		}
		t.mu.Lock()
		s.finish(false)
		t.mu.Unlock()
	}
}

// Slice implements layer.RangeResult.
func (r *rangeResult) Slice() ([]layer.KeyValue, error) {
	if r.err != nil {
		return nil, r.err
	}
	if r.empty {
		return nil, nil
	}
	t := r.t
	t.mu.Lock()
	defer t.mu.Unlock()
	s := &rangeScan{r: r}
	if err := s.start(); err != nil {
		s.finish(true)
		return nil, err
	}
	var out []layer.KeyValue
	if r.limit > 0 {
		out = make([]layer.KeyValue, 0, min(r.limit, 256))
	}
	if !s.exhausted {
		var err error
		out, err = s.fill(out, int(^uint(0)>>1), true)
		if err != nil {
			s.finish(true)
			return nil, err
		}
	}
	if n := len(out); n > 0 {
		s.n = n
		s.first = clone(out[0].Key)
		s.last = clone(out[n-1].Key)
	}
	s.finish(false)
	return out, nil
}

// ---- Merged iteration ----

// mergeIter walks the transaction's view of [lo, hi): the snapshot at the
// read version overlaid with the write buffer. It lives under t.mu; Cancel,
// expiry and Close may close it between calls (dead).
type mergeIter struct {
	t       *tx
	pit     *pebble.Iterator
	reverse bool
	lo, hi  []byte
	wn      *wnode
	seen    int // t.writes.mutations when wn was positioned
	last    []byte
	hasLast bool
	advDB   bool // advance pit before the next step
	advW    bool // advance wn before the next step
	dbDone  bool // the stored keys are exhausted
	dead    bool
}

func (t *tx) newMergeIter(lo, hi []byte, reverse bool) (*mergeIter, error) {
	if err := t.readySnapshot(); err != nil {
		return nil, err
	}
	pit, err := t.snap.snap.NewIter(&pebble.IterOptions{LowerBound: lowerBound(lo), UpperBound: hi})
	if err != nil {
		return nil, wrapStorage(err)
	}
	m := &mergeIter{t: t, pit: pit, reverse: reverse, lo: lo, hi: hi}
	if reverse {
		pit.Last()
	} else {
		pit.First()
	}
	m.seekW()
	t.iters = append(t.iters, m)
	return m, nil
}

// seekW positions the buffer cursor after the last key returned.
func (m *mergeIter) seekW() {
	w := &m.t.writes
	m.seen = w.mutations
	m.advW = false
	if w.list.n == 0 {
		m.wn = nil
		return
	}
	if !m.reverse {
		from := m.lo
		if m.hasLast {
			from = keyAfter(m.last)
		}
		m.wn = w.list.seekGE(from)
	} else {
		to := m.hi
		if m.hasLast {
			to = m.last
		}
		m.wn = w.list.seekLT(to)
	}
}

// next returns the next key and value of the view. The slices are valid
// until the next call.
func (m *mergeIter) next() (key, value []byte, ok bool, err error) {
	if m.dead {
		return nil, nil, false, layer.ErrTransactionCancelled
	}
	w := &m.t.writes
	if m.seen != w.mutations {
		m.seekW()
	}
	if m.advW {
		m.advW = false
		if m.wn != nil {
			if m.reverse {
				m.wn = m.wn.prevNode()
			} else {
				m.wn = m.wn.nextNode()
			}
		}
	}
	if m.advDB {
		m.advDB = false
		if m.reverse {
			m.pit.Prev()
		} else {
			m.pit.Next()
		}
	}
	for {
		// The empty key is a key: presence is dbOK, not dk != nil.
		var dk []byte
		dbOK := false
		if m.dbDone {
		} else if m.pit.Valid() {
			dk, dbOK = m.pit.Key(), true
		} else if err := m.pit.Error(); err != nil {
			return nil, nil, false, wrapStorage(err)
		}
		wn := m.wn
		if wn != nil {
			if (!m.reverse && bytes.Compare(wn.key, m.hi) >= 0) || (m.reverse && bytes.Compare(wn.key, m.lo) < 0) {
				wn, m.wn = nil, nil
			}
		}
		if !dbOK && wn == nil {
			if err := m.checkUnreadable(nil, true); err != nil {
				return nil, nil, false, err
			}
			return nil, nil, false, nil
		}
		fromW, both := false, false
		var k []byte
		switch {
		case wn != nil && dbOK:
			c := bytes.Compare(wn.key, dk)
			if m.reverse {
				c = -c
			}
			if c <= 0 {
				k, fromW, both = wn.key, true, c == 0
			} else {
				k = dk
			}
		case wn != nil:
			k, fromW = wn.key, true
		default:
			k = dk
		}
		if err := m.checkUnreadable(k, false); err != nil {
			return nil, nil, false, err
		}
		if fromW {
			var v []byte
			present := false
			switch wn.val.base {
			case baseSet:
				v, present = wn.val.value, true
			case baseClear:
			case baseVersionstamp:
				return nil, nil, false, layer.ErrAccessedUnreadable
			case baseDB:
				if both {
					dv, err := m.pit.ValueAndErr()
					if err != nil {
						return nil, nil, false, wrapStorage(err)
					}
					v, present = dv, true
				}
				for _, o := range wn.val.ops {
					v, present = applyOp(o.typ, v, present, o.param)
				}
			}
			m.setLast(k)
			if present {
				m.advW = true
				m.advDB = both
				return k, v, true, nil
			}
			m.step(true, both)
			continue
		}
		// A stored key with no buffered write: hidden if cleared.
		if w.clears.len() > 0 {
			if r, ok := w.clears.rangeAt(dk); ok {
				if m.reverse {
					if len(r.begin) == 0 {
						m.dbDone = true // nothing sorts before ""
					} else {
						m.pit.SeekLT(r.begin)
					}
				} else {
					m.pit.SeekGE(r.end)
				}
				continue
			}
		}
		v, err := m.pit.ValueAndErr()
		if err != nil {
			return nil, nil, false, wrapStorage(err)
		}
		m.setLast(k)
		m.advDB = true
		return k, v, true, nil
	}
}

// step moves past the current position at once.
func (m *mergeIter) step(w, db bool) {
	if w && m.wn != nil {
		if m.reverse {
			m.wn = m.wn.prevNode()
		} else {
			m.wn = m.wn.nextNode()
		}
	}
	if db {
		if m.reverse {
			m.pit.Prev()
		} else {
			m.pit.Next()
		}
	}
}

func (m *mergeIter) setLast(k []byte) {
	m.last = append(m.last[:0], k...)
	m.hasLast = true
}

// checkUnreadable fails if the part of the range walked since the last
// key, up to and including k (to the end of the range if atEnd), touches a
// range a SetVersionstampedKey may write.
func (m *mergeIter) checkUnreadable(k []byte, atEnd bool) error {
	u := &m.t.writes.unreadable
	if u.len() == 0 {
		return nil
	}
	if !m.reverse {
		from := m.lo
		if m.hasLast {
			from = m.last
		}
		x := u.search(from)
		if x == nil {
			return nil
		}
		if (atEnd && bytes.Compare(x.key, m.hi) < 0) || (!atEnd && bytes.Compare(x.key, k) <= 0) {
			return layer.ErrAccessedUnreadable
		}
		return nil
	}
	to := m.hi
	if m.hasLast {
		to = m.last
	}
	from := k
	if atEnd {
		from = m.lo
	}
	if x := u.search(from); x != nil && bytes.Compare(x.key, to) < 0 {
		return layer.ErrAccessedUnreadable
	}
	return nil
}

// close releases the Pebble iterator and unregisters it.
func (m *mergeIter) close() {
	if m.dead {
		return
	}
	m.closeLocked()
	its := m.t.iters
	for i, x := range its {
		if x == m {
			its[i] = its[len(its)-1]
			its[len(its)-1] = nil
			m.t.iters = its[:len(its)-1]
			break
		}
	}
}

// closeLocked closes the Pebble iterator; the iterator is dead after.
func (m *mergeIter) closeLocked() {
	if m.dead {
		return
	}
	m.dead = true
	m.pit.Close()
	m.pit = nil
}
