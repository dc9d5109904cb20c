package embedded

import (
	"bytes"
	"errors"
	"math"
	"sync"
	"time"

	"github.com/strata-db/strata/layer"
)

// tx implements layer.Tx. Its methods run under mu, which Cancel, the
// timeout timer and Close also take (from other goroutines) to cut the
// transaction off; nothing blocks while holding it.
type tx struct {
	db *DB
	mu sync.Mutex

	// Options; they persist across OnError and Reset.
	timeout    time.Duration
	retryLimit int
	sizeLimit  int

	created  time.Time
	timer    *time.Timer
	timerGen uint64
	retries  int
	backoff  layer.Backoff

	// abortErr is set by Cancel (1025), the timeout (1031) and Close, and
	// cleared only by Reset; abortCh is closed when it is set.
	abortErr error
	abortCh  chan struct{}

	// gen changes on every reset, so that range reads issued before a
	// reset stop.
	gen uint64

	// Per-attempt state.
	rv                 int64 // read version, valid if hasRV
	hasRV              bool
	wantRV             int64 // set by SetReadVersion, taken at the first read
	snap               *snapEntry
	snapNext, snapPrev *tx
	snapSeq            uint64 // which acquisition of snap (guarded by db.verMu and mu)
	expired            bool   // the read version left the MVCC window
	deferred           error
	committing         bool // Commit was called (FoundationDB's commitStarted)
	committed          bool
	committedVersion   int64
	writes             writeBuffer
	reads              []keyRange
	wconf              []keyRange
	watches            []*watch
	vs                 *future[[]byte]
	iters              []*mergeIter
	pending            *commitReq
	// req is the commit request Commit uses, unless reqStale: an attempt's
	// request was cancelled while queued (set where it is cancelled, under
	// mu) and may still be in the queue, so it is never reused.
	req      commitReq
	reqStale bool
	// futs are the futures of the first reads (see readyValue); nfut
	// counts those used, over the transaction's life.
	futs [2]valueFuture
	nfut int
	// readBuf holds the first read conflict range (t.reads starts on it);
	// writeBuf, a commit's write conflict range when there is one.
	readBuf  [1]keyRange
	writeBuf [1]keyRange
	// pendingDone (on mu) is signalled when Commit clears pending.
	pendingDone *sync.Cond
}

var (
	_ layer.Tx     = (*tx)(nil)
	_ layer.ReadTx = snapshotTx{}
)

func newTx(db *DB) *tx {
	t := &tx{
		db:               db,
		retryLimit:       -1,
		sizeLimit:        layer.DefaultSizeLimit,
		created:          time.Now(),
		committedVersion: -1,
	}
	t.reads = t.readBuf[:0]
	return t
}

var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// usable returns the error every read and Commit fails with, if any: a
// deferred mutation error first, then use after Commit, then cancellation.
func (t *tx) usable() error {
	if t.deferred != nil {
		return t.deferred
	}
	if t.committing {
		return layer.ErrUsedDuringCommit
	}
	return t.abortErr
}

// fail records an invalid mutation: the next read or Commit returns it.
func (t *tx) fail(err error) { t.deferred = err }

func isSystemKey(k []byte) bool { return len(k) > 0 && k[0] == 0xff }

// checkWriteKey validates a key being written: 2004, then 2102.
func checkWriteKey(k []byte) error {
	if isSystemKey(k) {
		return layer.ErrKeyOutsideLegalRange
	}
	if len(k) > layer.MaxKeySize {
		return layer.ErrKeyTooLarge
	}
	return nil
}

// truncateKey shortens a range bound longer than any key to MaxKeySize+1
// bytes, which orders the same against every storable key.
func truncateKey(k []byte) []byte {
	if len(k) > layer.MaxKeySize+1 {
		return k[:layer.MaxKeySize+1]
	}
	return k
}

func clone(b []byte) []byte { return append(make([]byte, 0, len(b)), b...) }

// ---- Mutations ----

// writable checks a key and value (or operand) as FoundationDB checks a
// mutation's, putting the transaction in the error state the next read or
// Commit reports if they are not; called with t.mu held.
func (t *tx) writable(key, value []byte) bool {
	err := checkWriteKey(key)
	switch {
	case t.committing:
		err = layer.ErrUsedDuringCommit
	case err == nil && len(value) > layer.MaxValueSize:
		err = layer.ErrValueTooLarge
	}
	if err != nil {
		t.fail(err)
		return false
	}
	return true
}

// Set implements layer.Tx.
func (t *tx) Set(key, value []byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.writable(key, value) {
		return
	}
	t.writes.set(key, value)
}

// Clear implements layer.Tx.
func (t *tx) Clear(key []byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.committing {
		t.fail(layer.ErrUsedDuringCommit)
		return
	}
	if isSystemKey(key) {
		t.fail(layer.ErrKeyOutsideLegalRange)
		return
	}
	if len(key) > layer.MaxKeySize {
		return // no such key can exist
	}
	t.writes.clear(key)
}

// ClearRange implements layer.Tx.
func (t *tx) ClearRange(r layer.KeyRange) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.committing {
		t.fail(layer.ErrUsedDuringCommit)
		return
	}
	if bytes.Compare(r.Begin, r.End) > 0 {
		t.fail(layer.ErrInvertedRange)
		return
	}
	if bytes.Compare(r.Begin, maxUserKeyEnd) > 0 || bytes.Compare(r.End, maxUserKeyEnd) > 0 {
		t.fail(layer.ErrKeyOutsideLegalRange)
		return
	}
	b, e := truncateKey(r.Begin), truncateKey(r.End)
	if bytes.Compare(b, e) >= 0 {
		return
	}
	t.writes.clearRange(clone(b), clone(e))
}

func (t *tx) atomic(typ opType, key, param []byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.writable(key, param) {
		return
	}
	t.writes.atomic(key, typ, param)
}

// Add implements layer.Tx.
func (t *tx) Add(key, param []byte) { t.atomic(opAdd, key, param) }

// BitAnd implements layer.Tx.
func (t *tx) BitAnd(key, param []byte) { t.atomic(opAnd, key, param) }

// BitOr implements layer.Tx.
func (t *tx) BitOr(key, param []byte) { t.atomic(opOr, key, param) }

// BitXor implements layer.Tx.
func (t *tx) BitXor(key, param []byte) { t.atomic(opXor, key, param) }

// AppendIfFits implements layer.Tx.
func (t *tx) AppendIfFits(key, param []byte) { t.atomic(opAppendIfFits, key, param) }

// Max implements layer.Tx.
func (t *tx) Max(key, param []byte) { t.atomic(opMax, key, param) }

// Min implements layer.Tx.
func (t *tx) Min(key, param []byte) { t.atomic(opMin, key, param) }

// ByteMax implements layer.Tx.
func (t *tx) ByteMax(key, param []byte) { t.atomic(opByteMax, key, param) }

// ByteMin implements layer.Tx.
func (t *tx) ByteMin(key, param []byte) { t.atomic(opByteMin, key, param) }

// CompareAndClear implements layer.Tx.
func (t *tx) CompareAndClear(key, param []byte) { t.atomic(opCompareAndClear, key, param) }

// SetVersionstampedKey implements layer.Tx.
func (t *tx) SetVersionstampedKey(key, value []byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.writable(key, value) {
		return
	}
	pos, ok := versionstampOffset(key)
	if !ok {
		t.fail(layer.ErrClientInvalidOperation)
		return
	}
	// As FoundationDB's getVersionstampKeyRange: the commit version is
	// after the read version, so the stamp is at least (rv+1, 0). (With a
	// version set by SetReadVersion and no read yet, FoundationDB uses that
	// version; a future one could exceed the commit version, so the bound
	// stays 0 here.)
	var minVersion int64
	if t.hasRV {
		minVersion = t.rv + 1
	}
	t.writes.setVersionstampedKey(key, pos, value, minVersion)
}

// SetVersionstampedValue implements layer.Tx.
func (t *tx) SetVersionstampedValue(key, value []byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.writable(key, value) {
		return
	}
	if _, ok := versionstampOffset(value); !ok {
		t.fail(layer.ErrClientInvalidOperation)
		return
	}
	t.writes.setVersionstampedValue(key, value)
}

// checkConflictRange validates an explicit conflict range and returns it
// truncated and copied, or ok false if it is empty.
func checkConflictRange(r layer.KeyRange) (keyRange, bool, error) {
	if bytes.Compare(r.Begin, r.End) > 0 {
		return keyRange{}, false, layer.ErrInvertedRange
	}
	if bytes.Compare(r.Begin, maxUserKeyEnd) > 0 || bytes.Compare(r.End, maxUserKeyEnd) > 0 {
		return keyRange{}, false, layer.ErrKeyOutsideLegalRange
	}
	b, e := truncateKey(r.Begin), truncateKey(r.End)
	if bytes.Compare(b, e) >= 0 {
		return keyRange{}, false, nil
	}
	return keyRange{clone(b), clone(e)}, true, nil
}

// AddReadConflictRange implements layer.Tx.
func (t *tx) AddReadConflictRange(r layer.KeyRange) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.committing {
		t.fail(layer.ErrUsedDuringCommit)
		return layer.ErrUsedDuringCommit
	}
	kr, ok, err := checkConflictRange(r)
	if !ok {
		return err
	}
	t.addReadRange(kr.begin, kr.end)
	return nil
}

// AddWriteConflictRange implements layer.Tx.
func (t *tx) AddWriteConflictRange(r layer.KeyRange) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.committing {
		t.fail(layer.ErrUsedDuringCommit)
		return layer.ErrUsedDuringCommit
	}
	kr, ok, err := checkConflictRange(r)
	if !ok {
		return err
	}
	t.wconf = append(t.wconf, kr)
	return nil
}

// ---- Options ----

// SetReadVersion implements layer.Tx.
func (t *tx) SetReadVersion(version int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case t.committing:
		t.fail(layer.ErrUsedDuringCommit)
	case t.hasRV || t.wantRV != 0:
		t.fail(layer.ErrReadVersionAlreadySet)
	case version <= 0:
		t.fail(layer.ErrVersionInvalid)
	default:
		t.wantRV = version
	}
}

// SetTimeout implements layer.Tx.
func (t *tx) SetTimeout(d time.Duration) error {
	if d < 0 || d > math.MaxInt32*time.Millisecond {
		return layer.ErrInvalidOptionValue
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.timeout = d
	t.armTimer()
	return nil
}

// SetRetryLimit implements layer.Tx.
func (t *tx) SetRetryLimit(n int) error {
	if n < -1 || n > math.MaxInt32 {
		return layer.ErrInvalidOptionValue
	}
	t.mu.Lock()
	t.retryLimit = n
	t.mu.Unlock()
	return nil
}

// SetSizeLimit implements layer.Tx.
func (t *tx) SetSizeLimit(n int) error {
	if n < 32 || n > layer.DefaultSizeLimit {
		return layer.ErrInvalidOptionValue
	}
	t.mu.Lock()
	t.sizeLimit = n
	t.mu.Unlock()
	return nil
}

// armTimer (re)starts the timeout timer from the transaction's creation.
func (t *tx) armTimer() {
	if t.timer != nil {
		t.timer.Stop()
		t.timer = nil
	}
	t.timerGen++
	if t.timeout <= 0 {
		return
	}
	gen := t.timerGen
	d := time.Until(t.created.Add(t.timeout))
	if d <= 0 {
		t.abortLocked(layer.ErrTransactionTimedOut)
		return
	}
	t.timer = time.AfterFunc(d, func() {
		t.mu.Lock()
		if t.timerGen == gen {
			t.abortLocked(layer.ErrTransactionTimedOut)
		}
		t.mu.Unlock()
	})
}

// ---- Lifecycle ----

// abortLocked cuts the transaction off with err (kept until Reset): pending
// and later operations fail with it.
func (t *tx) abortLocked(err error) {
	if t.abortErr == nil {
		t.abortErr = err
		if t.abortCh != nil {
			close(t.abortCh)
		} else {
			t.abortCh = closedChan
		}
	}
	err = t.abortErr
	if p := t.pending; p != nil && p.state.CompareAndSwap(reqQueued, reqAborted) {
		t.reqStale = true // the queue may still hold it
		p.finish(err)
	}
	t.closeIters()
	t.db.releaseRead(t)
	if t.pending == nil && !t.committed {
		t.failWatches(err)
		t.vs.resolve(nil, err)
	}
}

// abortChan returns a channel closed when the transaction is aborted.
func (t *tx) abortChan() chan struct{} {
	if t.abortCh == nil {
		t.abortCh = make(chan struct{})
	}
	return t.abortCh
}

// kill aborts the transaction because the database closes.
func (t *tx) kill(err error) {
	t.mu.Lock()
	t.abortLocked(err)
	t.mu.Unlock()
}

// expire drops the snapshot of a transaction whose read version left the
// window; its reads then fail with 1007. It acts only if the transaction
// still holds the snapshot the sweep saw (entry e, acquisition seq), not a
// fresh one taken since by a retry.
func (t *tx) expire(e *snapEntry, seq uint64) {
	t.mu.Lock()
	if t.snap != nil && t.snap == e && t.snapSeq == seq {
		t.closeIters()
		t.expired = true
		t.db.releaseRead(t)
	}
	t.mu.Unlock()
}

func (t *tx) closeIters() {
	for _, it := range t.iters {
		it.closeLocked()
	}
	clear(t.iters)
	t.iters = t.iters[:0]
}

func (t *tx) failWatches(err error) {
	for _, w := range t.watches {
		w.fire(err)
	}
	clear(t.watches)
	t.watches = t.watches[:0]
}

// settleCommit makes sure no commit of this transaction is using its
// write buffer, for a Reset or OnError that comes (from another goroutine)
// while Commit waits: a commit still queued is cancelled (Commit returns
// 1025, as FoundationDB's does when the transaction is reset); one the
// pipeline has taken is waited for (Commit returns its outcome). Called
// with t.mu held, which it may release while it waits.
func (t *tx) settleCommit() {
	for t.pending != nil {
		p := t.pending
		if p.state.CompareAndSwap(reqQueued, reqAborted) {
			t.reqStale = true // the queue may still hold it
			p.finish(layer.ErrTransactionCancelled)
			t.pending = nil // Commit sees the new generation and leaves the state alone
			return
		}
		if t.pendingDone == nil {
			t.pendingDone = sync.NewCond(&t.mu)
		}
		t.pendingDone.Wait()
	}
}

// resetAttempt discards the attempt's state; options, retries, timeout and
// cancellation stay.
func (t *tx) resetAttempt() {
	t.settleCommit()
	t.gen++
	t.closeIters()
	t.db.releaseRead(t)
	if t.pending == nil && !t.committed {
		t.failWatches(layer.ErrTransactionCancelled)
		t.vs.resolve(nil, layer.ErrTransactionCancelled)
	}
	clear(t.watches)
	t.watches = t.watches[:0]
	t.vs = nil
	t.pending = nil
	t.rv, t.hasRV, t.wantRV, t.expired = 0, false, 0, false
	t.deferred = nil
	t.committing, t.committed, t.committedVersion = false, false, -1
	t.writes.reset()
	clear(t.reads)
	t.reads = t.reads[:0]
	clear(t.wconf)
	t.wconf = t.wconf[:0]
}

// Reset implements layer.Tx.
func (t *tx) Reset() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.resetAttempt()
	t.abortErr = nil
	if t.abortCh == closedChan || (t.abortCh != nil && isClosed(t.abortCh)) {
		t.abortCh = nil
	}
	t.retries = 0
	t.backoff.Reset()
	t.created = time.Now()
	t.armTimer()
}

func isClosed(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// Cancel implements layer.Tx.
func (t *tx) Cancel() {
	t.mu.Lock()
	t.abortLocked(layer.ErrTransactionCancelled)
	t.mu.Unlock()
}

// OnError implements layer.Tx.
func (t *tx) OnError(err error) error {
	var fe layer.Error
	if !errors.As(err, &fe) {
		return err
	}
	t.mu.Lock()
	if t.abortErr != nil {
		e := t.abortErr
		t.mu.Unlock()
		return e
	}
	limitHit := t.retryLimit != -1 && t.retries >= t.retryLimit
	if t.retries < math.MaxInt32 {
		t.retries++
	}
	if limitHit || !layer.Retryable(err) {
		// As FoundationDB (API >= 610): a transaction whose error is not
		// retried is cancelled until Reset.
		t.abortLocked(layer.ErrTransactionCancelled)
		t.mu.Unlock()
		return err
	}
	d := t.backoff.Next()
	abort := t.abortChan()
	// Release the snapshot now: the next attempt takes a fresh one.
	t.closeIters()
	t.db.releaseRead(t)
	t.mu.Unlock()
	if d > 0 {
		timer := time.NewTimer(d)
		select {
		case <-timer.C:
		case <-abort:
			timer.Stop()
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.abortErr != nil {
		return t.abortErr
	}
	t.resetAttempt()
	return nil
}

// GetVersionstamp implements layer.Tx.
func (t *tx) GetVersionstamp() layer.Future[[]byte] {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.committing {
		return layer.Ready[[]byte](nil, layer.ErrUsedDuringCommit)
	}
	if t.abortErr != nil {
		return layer.Ready[[]byte](nil, t.abortErr)
	}
	if t.vs == nil {
		t.vs = newFuture[[]byte]()
	}
	return t.vs
}

// GetCommittedVersion implements layer.Tx.
func (t *tx) GetCommittedVersion() (int64, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.committedVersion, nil
}

// Snapshot implements layer.ReadTx.
func (t *tx) Snapshot() layer.ReadTx { return snapshotTx{t} }

// snapshotTx is the snapshot view of a transaction: its reads add no read
// conflict ranges.
type snapshotTx struct{ t *tx }

func (s snapshotTx) Get(key []byte) layer.Future[[]byte] { return s.t.get(key, true) }
func (s snapshotTx) GetKey(sel layer.KeySelector) layer.Future[[]byte] {
	return s.t.getKey(sel, true)
}
func (s snapshotTx) GetRange(r layer.Range, opts layer.RangeOptions) layer.RangeResult {
	return s.t.getRange(r, opts, true)
}
func (s snapshotTx) GetReadVersion() layer.Future[int64] { return s.t.GetReadVersion() }
func (s snapshotTx) GetEstimatedRangeSizeBytes(r layer.KeyRange) layer.Future[int64] {
	return s.t.GetEstimatedRangeSizeBytes(r)
}
func (s snapshotTx) Snapshot() layer.ReadTx { return s }

// ---- Futures ----

// valueFuture is a read's result, ready at once.
type valueFuture struct {
	v   []byte
	err error
}

// Get implements layer.Future.
func (f *valueFuture) Get() ([]byte, error) { return f.v, f.err }

// readyValue returns a ready future for a read's result: one of the
// transaction's slots while they last (a pointer fits in the interface
// without an allocation), else layer.Ready. Slots are never reused, so
// the futures stay valid. Called with t.mu held.
func (t *tx) readyValue(v []byte, err error) layer.Future[[]byte] {
	if t.nfut < len(t.futs) {
		f := &t.futs[t.nfut]
		t.nfut++
		f.v, f.err = v, err
		return f
	}
	return layer.Ready(v, err)
}

// future is a value that becomes available later (versionstamps).
type future[T any] struct {
	done chan struct{}
	once sync.Once
	v    T
	err  error
}

func newFuture[T any]() *future[T] { return &future[T]{done: make(chan struct{})} }

// resolve sets the result once; later calls and calls on nil do nothing.
func (f *future[T]) resolve(v T, err error) {
	if f == nil {
		return
	}
	f.once.Do(func() {
		f.v, f.err = v, err
		close(f.done)
	})
}

// Get implements layer.Future.
func (f *future[T]) Get() (T, error) {
	<-f.done
	return f.v, f.err
}
