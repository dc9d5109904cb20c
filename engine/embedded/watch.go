package embedded

import (
	"bytes"
	"context"
	"errors"
	"sync"

	"github.com/cockroachdb/pebble/v2"

	"github.com/strata-db/strata/layer"
)

// maxWatches is FoundationDB's default limit of pending watches per
// database (too_many_watches, 1032, beyond it).
const maxWatches = 10_000

var errTooManyWatches = layer.ErrTooManyWatches

// watch implements layer.Watch. Until its transaction commits it is only
// remembered by the transaction; the commit registers it with the database
// with the key's value as of that commit (ref), and the commit goroutine
// fires it when a later commit leaves the key with a different value.
type watch struct {
	db    *DB
	key   []byte
	ref   []byte
	refOK bool
	done  chan struct{}
	once  sync.Once
	err   error
	// registered is guarded by db.watchMu.
	registered bool
}

var _ layer.Watch = (*watch)(nil)

func newWatch(db *DB, key, ref []byte, refOK bool) *watch {
	return &watch{db: db, key: key, ref: ref, refOK: refOK, done: make(chan struct{})}
}

func failedWatch(err error) *watch {
	w := &watch{done: make(chan struct{})}
	w.fire(err)
	return w
}

// fire ends the watch with err (nil: the value changed). Only the first
// call counts.
func (w *watch) fire(err error) {
	w.once.Do(func() {
		w.err = err
		close(w.done)
	})
}

// Wait implements layer.Watch.
func (w *watch) Wait(ctx context.Context) error {
	select {
	case <-w.done:
		return w.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Cancel implements layer.Watch.
func (w *watch) Cancel() {
	if w.db == nil {
		w.fire(layer.ErrOperationCancelled)
		return
	}
	// Under watchMu, so that a registration in progress sees the watch done.
	w.db.watchMu.Lock()
	w.db.unregisterLocked(w)
	w.fire(layer.ErrOperationCancelled)
	w.db.watchMu.Unlock()
}

// Watch implements layer.Tx. Like FoundationDB, it reads the key (adding a
// read conflict range) to know the value the transaction sees.
func (t *tx) Watch(key []byte) layer.Watch {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.usable(); err != nil {
		return failedWatch(err)
	}
	if isSystemKey(key) {
		return failedWatch(layer.ErrKeyOutsideLegalRange)
	}
	if len(key) > layer.MaxKeySize {
		return failedWatch(layer.ErrKeyTooLarge)
	}
	v, err := t.getLocked(key, false)
	if err != nil {
		return failedWatch(err)
	}
	w := newWatch(t.db, clone(key), v, v != nil)
	t.watches = append(t.watches, w)
	return w
}

// registerLocked adds w to the registry; a watch already ended (cancelled)
// is left out.
func (db *DB) registerLocked(w *watch) error {
	if w.registered || isDone(w.done) {
		return nil
	}
	if db.nwatches >= maxWatches {
		return errTooManyWatches
	}
	n, _ := db.watches.insertOwned(w.key)
	if n.val == nil {
		n.val = map[*watch]struct{}{}
	}
	n.val[w] = struct{}{}
	w.registered = true
	db.nwatches++
	db.hasWatch.Store(true)
	return nil
}

func (db *DB) unregisterLocked(w *watch) {
	if !w.registered {
		return
	}
	w.registered = false
	if n := db.watches.find(w.key); n != nil {
		delete(n.val, w)
		if len(n.val) == 0 {
			db.watches.delete(w.key)
		}
	}
	db.nwatches--
	if db.nwatches == 0 {
		db.hasWatch.Store(false)
	}
}

func (db *DB) unregisterWatch(w *watch) {
	db.watchMu.Lock()
	db.unregisterLocked(w)
	db.watchMu.Unlock()
}

func sameValue(a []byte, aok bool, b []byte, bok bool) bool {
	return aok == bok && bytes.Equal(a, b)
}

// registerReadOnlyWatch activates the watch of a read-only transaction:
// registered first, then compared with the latest value, so that a commit
// racing with it cannot be missed (either the commit goroutine sees the
// registration, or this read sees the commit).
func (db *DB) registerReadOnlyWatch(w *watch) {
	db.watchMu.Lock()
	if db.closed.Load() {
		db.watchMu.Unlock()
		w.fire(errDBClosed)
		return
	}
	err := db.registerLocked(w)
	registered := w.registered
	db.watchMu.Unlock()
	if err != nil {
		w.fire(err)
		return
	}
	if !registered {
		return
	}
	db.closeMu.RLock()
	if db.closed.Load() {
		db.closeMu.RUnlock()
		return // Close fails registered watches
	}
	v, ok, err := latestGet(db.pdb, w.key)
	db.closeMu.RUnlock()
	if err != nil {
		db.unregisterWatch(w)
		w.fire(err)
		return
	}
	if !sameValue(v, ok, w.ref, w.refOK) {
		db.unregisterWatch(w)
		w.fire(nil)
	}
}

func latestGet(pdb *pebble.DB, key []byte) ([]byte, bool, error) {
	v, closer, err := pdb.Get(key)
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

// processWatches runs on the commit goroutine after a batch is published:
// it fires the registered watches whose keys the batch changed, then
// registers the watches of the batch's transactions.
func (db *DB) processWatches(committed []*commitReq) {
	anyNew := false
	for _, r := range committed {
		if len(r.watches) > 0 {
			anyNew = true
			break
		}
	}
	if !db.hasWatch.Load() && !anyNew {
		return
	}
	var candidates []*watch
	if db.hasWatch.Load() {
		db.watchMu.Lock()
		seen := map[*watch]bool{}
		add := func(set map[*watch]struct{}) {
			for w := range set {
				if !seen[w] {
					seen[w] = true
					candidates = append(candidates, w)
				}
			}
		}
		// The watches on the keys of [b, e): a walk of the ordered
		// registry, O(log n) plus the watched keys in the range.
		addRange := func(b, e []byte) {
			for n := db.watches.seekGE(b); n != nil && bytes.Compare(n.key, e) < 0; n = n.nextNode() {
				add(n.val)
			}
		}
		for _, r := range committed {
			w := r.buf
			if w.list.n < db.watches.n {
				for n := w.list.first(); n != nil; n = n.nextNode() {
					if wn := db.watches.find(n.key); wn != nil {
						add(wn.val)
					}
				}
			} else {
				// Fewer watched keys than written ones: look the other way.
				for n := db.watches.first(); n != nil; n = n.nextNode() {
					if w.list.find(n.key) != nil {
						add(n.val)
					}
				}
			}
			for i := range w.vsKeys {
				// Any watch in the possible range may be hit; compare them.
				addRange(w.vsKeys[i].possible.begin, w.vsKeys[i].possible.end)
			}
			for c := w.clears.first(); c != nil; c = c.nextNode() {
				addRange(c.key, c.val)
			}
		}
		db.watchMu.Unlock()
	}
	for _, w := range candidates {
		v, ok, err := latestGet(db.pdb, w.key)
		if err != nil {
			continue
		}
		if !sameValue(v, ok, w.ref, w.refOK) {
			db.unregisterWatch(w)
			w.fire(nil)
		}
	}
	for _, r := range committed {
		for _, w := range r.watches {
			db.watchMu.Lock()
			err := db.registerLocked(w)
			registered := w.registered
			db.watchMu.Unlock()
			if err != nil {
				w.fire(err)
				continue
			}
			if !registered {
				continue // cancelled before its commit finished
			}
			v, ok, err := latestGet(db.pdb, w.key)
			if err != nil {
				continue
			}
			if !sameValue(v, ok, w.ref, w.refOK) {
				db.unregisterWatch(w)
				w.fire(nil)
			}
		}
	}
}

// failAllWatches ends every registered watch with err (Close).
func (db *DB) failAllWatches(err error) {
	db.watchMu.Lock()
	var all []*watch
	for n := db.watches.first(); n != nil; n = n.nextNode() {
		for w := range n.val {
			all = append(all, w)
		}
	}
	db.watches.reset()
	db.nwatches = 0
	db.hasWatch.Store(false)
	for _, w := range all {
		w.registered = false
	}
	db.watchMu.Unlock()
	for _, w := range all {
		w.fire(err)
	}
}

func isDone(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}
