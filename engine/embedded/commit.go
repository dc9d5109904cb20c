package embedded

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2"

	"github.com/strata-db/strata/layer"
)

// Commit pipeline.
//
// Commit prepares a request (coalesced read and write conflict ranges, the
// write buffer) and queues it. One goroutine takes every queued request
// (up to a bound) as a batch and, in queue order:
//
//  1. picks the batch's commit version (beginCommit);
//  2. fails with 1007 a transaction whose read version is more than
//     MaxReadVersionLag behind, and with 1020 one whose read conflict
//     ranges intersect a range written after its read version — by an
//     earlier batch or an earlier transaction of this batch, both recorded
//     in the resolver;
//  3. applies the survivors' mutations to one indexed Pebble batch, which
//     evaluates atomic ops against the latest state including the earlier
//     transactions of the batch, and fills versionstamps (commit version,
//     order in the batch);
//  4. writes the batch with the last committed version (and a renewed
//     version lease when due) in one Pebble commit (fsynced unless
//     WithSync(false)), then takes a snapshot and publishes it as the new
//     read version;
//  5. fires and registers watches, and answers each committer.

const (
	maxBatchTxs   = 4096
	maxBatchBytes = 32 << 20
)

const (
	reqQueued int32 = iota
	reqClaimed
	reqAborted
)

// errInvalidVersion is transaction_invalid_version (2020), the versionstamp
// of a transaction whose commit failed.
var errInvalidVersion = layer.ErrTransactionInvalidVersion

type commitReq struct {
	t       *tx
	state   atomic.Int32
	rv      int64
	reads   []keyRange // coalesced read conflict ranges
	writes  []keyRange // coalesced write conflict ranges
	buf     *writeBuffer
	watches []*watch
	size    int

	// Results.
	err     error
	version int64
	order   uint16 // the transaction's order in its batch
	// done is released once, by finish, when the request is answered.
	done sync.WaitGroup
}

func (r *commitReq) finish(err error) {
	r.err = err
	r.done.Done()
}

func rangesSize(rs []keyRange) int {
	n := 0
	for _, r := range rs {
		n += len(r.begin) + len(r.end)
	}
	return n
}

// mutationBytes is the size of the mutations FoundationDB would send for
// the buffer: keys and values of sets and atomic ops, bounds of clears.
func (w *writeBuffer) mutationBytes() int {
	n := 0
	for c := w.clears.first(); c != nil; c = c.nextNode() {
		n += len(c.key) + len(c.val)
	}
	for nd := w.list.first(); nd != nil; nd = nd.nextNode() {
		switch nd.val.base {
		case baseSet, baseVersionstamp:
			n += len(nd.key) + len(nd.val.value)
		case baseClear:
			if !w.clears.contains(nd.key) {
				n += 2*len(nd.key) + 1
			}
		}
		for _, o := range nd.val.ops {
			n += len(nd.key) + len(o.param)
		}
	}
	for _, vk := range w.vsKeys {
		n += len(vk.key) + len(vk.value)
	}
	return n
}

// Commit implements layer.Tx.
func (t *tx) Commit() error {
	t.mu.Lock()
	if err := t.usable(); err != nil {
		t.mu.Unlock()
		return err
	}
	t.committing = true
	t.closeIters()
	if t.writes.empty() && len(t.wconf) == 0 {
		// Read-only: nothing to resolve; watches start now.
		t.committed = true
		t.committedVersion = -1
		t.vs.resolve(nil, layer.ErrNoCommitVersion)
		watches := t.watches
		t.watches = nil
		t.db.releaseRead(t)
		t.mu.Unlock()
		for _, w := range watches {
			t.db.registerReadOnlyWatch(w)
		}
		return nil
	}
	reads := coalesce(t.reads)
	var wdst []keyRange
	if n := len(t.wconf) + t.writes.list.n + t.writes.clears.len(); n <= len(t.writeBuf) {
		wdst = t.writeBuf[:0]
	} else {
		wdst = make([]keyRange, 0, n)
	}
	writes := coalesce(t.writes.writeConflicts(append(wdst, t.wconf...)))
	size := t.writes.mutationBytes() + rangesSize(reads) + rangesSize(writes)
	if size > t.sizeLimit {
		t.db.releaseRead(t)
		t.failWatches(layer.ErrTransactionTooLarge)
		t.vs.resolve(nil, errInvalidVersion)
		t.mu.Unlock()
		return layer.ErrTransactionTooLarge
	}
	rv := t.rv
	if len(reads) > 0 && !t.hasRV {
		if t.wantRV != 0 {
			rv = t.wantRV
		} else {
			var err error
			if rv, err = t.db.currentReadVersion(); err != nil {
				t.db.releaseRead(t)
				t.failWatches(err)
				t.vs.resolve(nil, errInvalidVersion)
				t.mu.Unlock()
				return err
			}
		}
	}
	t.db.releaseRead(t)
	// The transaction's own request, unless an earlier one was cancelled
	// while queued: the queue may still hold it (the pipeline skips it
	// when it gets there), so it is never reused.
	var req *commitReq
	if t.reqStale {
		req = new(commitReq)
	} else {
		req = &t.req
		req.state.Store(reqQueued)
		req.err, req.version, req.order = nil, 0, 0
	}
	req.t = t
	req.rv = rv
	req.reads = reads
	req.writes = writes
	req.buf = &t.writes
	req.watches = t.watches
	req.size = size
	req.done.Add(1)
	t.watches = nil
	t.pending = req
	gen := t.gen
	t.mu.Unlock()

	t.db.submit(req)
	req.done.Wait()

	t.mu.Lock()
	defer t.mu.Unlock()
	if t.gen != gen {
		// Reset (or OnError) cancelled the queued request meanwhile and
		// started a new attempt, which this must not touch.
		for _, w := range req.watches {
			w.fire(req.err)
		}
		return req.err
	}
	t.pending = nil
	if t.pendingDone != nil {
		t.pendingDone.Broadcast()
	}
	if req.err != nil {
		for _, w := range req.watches {
			w.fire(req.err)
		}
		// As FoundationDB's commitAndWatch: a failed commit has no
		// versionstamp (transaction_invalid_version).
		t.vs.resolve(nil, errInvalidVersion)
		return req.err
	}
	t.committed = true
	t.committedVersion = req.version
	if t.vs != nil {
		stamp := make([]byte, versionstampLen)
		putVersionstamp(stamp, req.version, req.order)
		t.vs.resolve(stamp, nil)
	}
	return nil
}

// submit hands a commit request to the pipeline. When the pipeline is idle
// the caller's goroutine resolves and writes it at once (no hand-off);
// otherwise the request queues for the commit goroutine, which takes the
// queue in batches.
func (db *DB) submit(r *commitReq) {
	if p := db.fatal.Load(); p != nil {
		if r.state.CompareAndSwap(reqQueued, reqClaimed) {
			r.finish(*p)
		}
		return
	}
	db.qMu.Lock()
	if db.qClosed {
		db.qMu.Unlock()
		if r.state.CompareAndSwap(reqQueued, reqClaimed) {
			r.finish(errDBClosed)
		}
		return
	}
	if !db.busy && len(db.queue) == 0 {
		db.busy = true
		db.qMu.Unlock()
		one := [1]*commitReq{r}
		db.processBatch(one[:])
		db.qMu.Lock()
		db.busy = false
		more := len(db.queue) > 0
		db.idle.Broadcast()
		db.qMu.Unlock()
		if more {
			db.signal()
		}
		return
	}
	db.queue = append(db.queue, r)
	db.qMu.Unlock()
	db.signal()
}

// acquirePipeline waits until no batch is being processed and takes the
// pipeline (busy) for work that must not interleave with a batch (lease
// writes). It reports false if the pipeline is closed.
func (db *DB) acquirePipeline() bool {
	db.qMu.Lock()
	for db.busy && !db.qClosed {
		db.idle.Wait()
	}
	if db.qClosed {
		db.qMu.Unlock()
		return false
	}
	db.busy = true
	db.qMu.Unlock()
	return true
}

// releasePipeline ends acquirePipeline and starts the requests queued
// meanwhile.
func (db *DB) releasePipeline() {
	db.qMu.Lock()
	db.busy = false
	more := len(db.queue) > 0
	db.idle.Broadcast()
	db.qMu.Unlock()
	if more {
		db.signal()
	}
}

func (db *DB) signal() {
	select {
	case db.wake <- struct{}{}:
	default:
	}
}

func (db *DB) commitLoop() {
	defer db.bg.Done()
	var batch []*commitReq
	for {
		select {
		case <-db.quit:
			return
		case <-db.wake:
		}
		for {
			db.qMu.Lock()
			if db.busy {
				// An inline commit is running; it signals when done.
				db.qMu.Unlock()
				break
			}
			batch = db.take(batch[:0])
			if len(batch) == 0 {
				db.qMu.Unlock()
				break
			}
			db.busy = true
			db.qMu.Unlock()
			db.processBatch(batch)
			clear(batch)
			db.qMu.Lock()
			db.busy = false
			db.idle.Broadcast()
			db.qMu.Unlock()
		}
	}
}

// take moves queued requests into batch, up to the batch bounds. Called
// with qMu held.
func (db *DB) take(batch []*commitReq) []*commitReq {
	n, bytes := 0, 0
	for n < len(db.queue) && n < maxBatchTxs && (n == 0 || bytes+db.queue[n].size <= maxBatchBytes) {
		bytes += db.queue[n].size
		n++
	}
	batch = append(batch, db.queue[:n]...)
	rest := copy(db.queue, db.queue[n:])
	clear(db.queue[rest:])
	db.queue = db.queue[:rest]
	return batch
}

func (db *DB) processBatch(batch []*commitReq) {
	// Claim the requests; Cancel or a timeout may have taken some back.
	live := batch[:0]
	for _, r := range batch {
		if r.state.CompareAndSwap(reqQueued, reqClaimed) {
			live = append(live, r)
		}
	}
	if len(live) == 0 {
		return
	}
	cv, lease := db.beginCommit()
	db.res.maybePrune(cv - layer.MaxReadVersionLag)
	// Atomic ops over stored values and watches read through the batch,
	// which then needs an index; plain batches are cheaper.
	indexed := false
	for _, r := range live {
		if r.buf.dependent > 0 || len(r.watches) > 0 {
			indexed = true
			break
		}
	}
	var pb *pebble.Batch
	if indexed {
		pb = db.pdb.NewIndexedBatch()
	} else {
		pb = db.pdb.NewBatch()
	}
	defer pb.Close()
	// Only one batch runs at a time (busy): the scratch slice is free.
	committed := db.committedBuf[:0]
	defer func() {
		clear(committed)
		db.committedBuf = committed[:0]
	}()
	var order uint16
	for _, r := range live {
		if len(r.reads) > 0 {
			if cv-r.rv > layer.MaxReadVersionLag {
				r.err = layer.ErrTransactionTooOld
				continue
			}
			if db.res.conflicts(r.reads, r.rv) {
				r.err = layer.ErrNotCommitted
				continue
			}
		}
		vsWrites, err := db.applyTx(pb, r, cv, order)
		if err != nil {
			r.err = err
			continue
		}
		for _, w := range r.writes {
			db.res.assign(w.begin, w.end, cv)
		}
		for _, w := range vsWrites {
			db.res.assign(w.begin, w.end, cv)
		}
		r.version = cv
		r.order = order
		order++
		committed = append(committed, r)
	}
	if len(committed) == 0 {
		db.abortCommit()
		for _, r := range live {
			r.finish(r.err)
		}
		return
	}
	var vb [8]byte
	binary.BigEndian.PutUint64(vb[:], uint64(cv))
	_ = pb.Set(metaVersionKey, vb[:], nil)
	if lease != 0 {
		// The lease renewal rides on the batch's write.
		var lb [8]byte
		binary.BigEndian.PutUint64(lb[:], uint64(lease))
		_ = pb.Set(metaLeaseKey, lb[:], nil)
	}
	if err := pb.Commit(db.wopts); err != nil {
		// The outcome on disk is unknown; later commits are refused.
		ferr := fmt.Errorf("embedded: writing commit batch: %v: %w", err, layer.ErrCommitUnknownResult)
		fatal := error(fmt.Errorf("embedded: database failed after a write error (%v): %w", err, layer.ErrInternal))
		db.fatal.CompareAndSwap(nil, &fatal)
		db.abortCommit()
		for _, r := range live {
			if r.err == nil {
				r.err = ferr
			}
			r.finish(r.err)
		}
		return
	}
	db.publish(cv, db.pdb.NewSnapshot(), lease)
	db.processWatches(committed)
	for _, r := range live {
		r.finish(r.err)
	}
}

// batchGet reads key through the batch: the latest committed state plus
// the batch's earlier mutations. The value is a copy.
func batchGet(pb *pebble.Batch, key []byte) ([]byte, bool, error) {
	v, closer, err := pb.Get(key)
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

// applyTx writes one transaction's mutations into the batch, and computes
// its watches' reference values. It returns the write conflict ranges of
// its versionstamped keys.
func (db *DB) applyTx(pb *pebble.Batch, r *commitReq, cv int64, order uint16) ([]keyRange, error) {
	w := r.buf
	// Versionstamped keys are checked first, so that a failure leaves the
	// batch untouched.
	var vsKeys [][]byte
	var vsWrites []keyRange
	for i := range w.vsKeys {
		vk := &w.vsKeys[i]
		fk := fillVersionstamp(vk.key, vk.pos, cv, order)
		if isSystemKey(fk) {
			return nil, layer.ErrKeyOutsideLegalRange
		}
		vsKeys = append(vsKeys, fk)
	}
	for c := w.clears.first(); c != nil; c = c.nextNode() {
		if err := pb.DeleteRange(c.key, c.val, nil); err != nil {
			return nil, wrapStorage(err)
		}
	}
	for n := w.list.first(); n != nil; n = n.nextNode() {
		e := &n.val
		var v []byte
		present := false
		switch e.base {
		case baseSet:
			v, present = e.value, true
		case baseClear:
			if w.clears.contains(n.key) {
				continue
			}
		case baseVersionstamp:
			pos, _ := versionstampOffset(e.value)
			v, present = fillVersionstamp(e.value, pos, cv, order), true
		case baseDB:
			var err error
			v, present, err = batchGet(pb, n.key)
			if err != nil {
				return nil, err
			}
		}
		for _, o := range e.ops {
			v, present = applyOp(o.typ, v, present, o.param)
		}
		var err error
		if present {
			err = pb.Set(n.key, v, nil)
		} else {
			err = pb.Delete(n.key, nil)
		}
		if err != nil {
			return nil, wrapStorage(err)
		}
	}
	for i := range w.vsKeys {
		vk := &w.vsKeys[i]
		fk := vsKeys[i]
		cleared := false
		for _, c := range vk.clearedAfter {
			if c.contains(fk) {
				cleared = true
				break
			}
		}
		vsWrites = append(vsWrites, keyRange{fk, keyAfter(fk)})
		if cleared {
			continue
		}
		if err := pb.Set(fk, vk.value, nil); err != nil {
			return nil, wrapStorage(err)
		}
	}
	for _, wt := range r.watches {
		v, ok, err := batchGet(pb, wt.key)
		if err != nil {
			return nil, err
		}
		wt.ref, wt.refOK = v, ok
	}
	return vsWrites, nil
}
