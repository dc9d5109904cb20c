package embedded

import (
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/strata-db/strata/layer"
)

// versionClock derives versions from wall time: about VersionsPerSecond a
// second, starting at max(last persisted version + 1, the wall clock in
// microseconds since the Unix epoch) when the database opens, so that
// versions never go backwards across restarts even if the wall clock does.
type versionClock struct {
	wall  func() time.Time
	start time.Time
	base  int64
}

func newVersionClock(wall func() time.Time, persisted int64) versionClock {
	start := wall()
	base := max(persisted+1, start.UnixMicro())
	return versionClock{wall: wall, start: start, base: base}
}

// now returns the current clock version.
func (c *versionClock) now() int64 {
	d := c.wall().Sub(c.start)
	if d < 0 {
		d = 0
	}
	return c.base + d.Microseconds()*(layer.VersionsPerSecond/1_000_000)
}

// snapEntry is a Pebble snapshot that shows exactly the commits with
// versions <= version: it serves every read version from version up to
// (excluding) the next entry's version. The commit goroutine creates one
// after each batch, before the batch's version becomes readable.
type snapEntry struct {
	version int64
	snap    *pebble.Snapshot
	// holders lists the transactions reading at this entry (intrusive list
	// through tx.snapNext/snapPrev).
	holders  *tx
	nholders int
	closed   bool
}

// retainSnapshots bounds how many entries no transaction holds are kept
// for SetReadVersion; older ones close early (reads at their versions get
// 1007, as if the window had passed).
const retainSnapshots = 256

// trimChunk is how many closable entries accumulate before they close.
const trimChunk = 16

// acquireRead gives t its read version and snapshot: want 0 means the
// latest (GetReadVersion), otherwise the version set by SetReadVersion.
// Called with t.mu held.
func (db *DB) acquireRead(t *tx, want int64) error {
	db.verMu.Lock()
	defer db.verMu.Unlock()
	for {
		if db.closed.Load() {
			return errDBClosed
		}
		if want == 0 || want > db.horizon {
			if db.inflight {
				if want == 0 {
					break // the horizon is the latest readable version
				}
				// The batch in flight may have a version <= want.
				db.verCond.Wait()
				continue
			}
			now := db.clock.now()
			if want > now {
				return layer.ErrFutureVersion
			}
			if now > db.horizon {
				db.horizon = now
			}
		}
		break
	}
	rv := want
	if rv == 0 {
		rv = db.horizon
	}
	if db.clock.now()-rv > layer.MaxReadVersionLag {
		return layer.ErrTransactionTooOld
	}
	// The entry serving rv is the last with version <= rv.
	i := len(db.entries) - 1
	if want != 0 {
		lo, hi := 0, len(db.entries)
		for lo < hi {
			m := int(uint(lo+hi) >> 1)
			if db.entries[m].version <= rv {
				lo = m + 1
			} else {
				hi = m
			}
		}
		i = lo - 1
	}
	if i < 0 || db.entries[i].closed {
		return layer.ErrTransactionTooOld
	}
	e := db.entries[i]
	t.snap = e
	t.rv = rv
	t.hasRV = true
	t.snapPrev = nil
	t.snapNext = e.holders
	if e.holders != nil {
		e.holders.snapPrev = t
	}
	e.holders = t
	e.nholders++
	return nil
}

// currentReadVersion returns the version a read would take now, without
// holding a snapshot (for commits with conflict ranges but no reads).
func (db *DB) currentReadVersion() int64 {
	db.verMu.Lock()
	defer db.verMu.Unlock()
	if !db.inflight {
		if now := db.clock.now(); now > db.horizon {
			db.horizon = now
		}
	}
	return db.horizon
}

// releaseRead drops t's hold on its snapshot. Called with t.mu held.
func (db *DB) releaseRead(t *tx) {
	e := t.snap
	if e == nil {
		return
	}
	db.verMu.Lock()
	if t.snapPrev != nil {
		t.snapPrev.snapNext = t.snapNext
	} else {
		e.holders = t.snapNext
	}
	if t.snapNext != nil {
		t.snapNext.snapPrev = t.snapPrev
	}
	t.snapNext, t.snapPrev, t.snap = nil, nil, nil
	e.nholders--
	var toClose []*pebble.Snapshot
	if e.nholders == 0 {
		toClose = db.trimEntriesLocked(toClose)
	}
	db.verMu.Unlock()
	closeSnapshots(toClose)
}

// beginCommit picks the version of the next commit batch: past every read
// version handed out, and at least the clock. Until publish or abortCommit,
// readers get the current horizon (which beginCommit brings up to the
// clock, so that readers during the commit are not stale).
func (db *DB) beginCommit() int64 {
	db.verMu.Lock()
	defer db.verMu.Unlock()
	if now := db.clock.now(); now > db.horizon {
		db.horizon = now
	}
	db.inflight = true
	return db.horizon + 1
}

// abortCommit ends a commit batch that wrote nothing.
func (db *DB) abortCommit() {
	db.verMu.Lock()
	db.inflight = false
	db.verCond.Broadcast()
	db.verMu.Unlock()
}

// publish makes version cv readable with snapshot s. Called by the commit
// goroutine after the batch is durable.
func (db *DB) publish(cv int64, s *pebble.Snapshot) {
	db.verMu.Lock()
	db.entries = append(db.entries, &snapEntry{version: cv, snap: s})
	db.horizon = cv
	db.lastCV = cv
	db.inflight = false
	toClose := db.trimEntriesLocked(nil)
	db.verCond.Broadcast()
	db.verMu.Unlock()
	closeSnapshots(toClose)
}

// trimEntriesLocked removes the oldest entries that no one holds and that
// are past the window or beyond the retention bound, once there are
// trimChunk of them (closing snapshots one by one would make Pebble look
// for compactions each time). It returns their snapshots for the caller to
// close, with closeSnapshots, after unlocking verMu.
func (db *DB) trimEntriesLocked(toClose []*pebble.Snapshot) []*pebble.Snapshot {
	if len(db.entries) <= trimChunk {
		return toClose
	}
	now := db.clock.now()
	n := 0
	for n < len(db.entries)-1 {
		e := db.entries[n]
		if e.nholders > 0 {
			break
		}
		expired := now-(db.entries[n+1].version-1) > layer.MaxReadVersionLag
		if !expired && len(db.entries)-n <= retainSnapshots {
			break
		}
		n++
	}
	if n < trimChunk {
		return toClose
	}
	for _, e := range db.entries[:n] {
		e.closed = true
		toClose = append(toClose, e.snap)
	}
	clear(db.entries[:n])
	db.entries = db.entries[n:]
	if cap(db.entries) > 4*len(db.entries)+64 {
		db.entries = append([]*snapEntry(nil), db.entries...)
	}
	return toClose
}

// closeSnapshots closes snapshots listed oldest first, newest first: Pebble
// looks for compactions only when the earliest snapshot closes.
func closeSnapshots(snaps []*pebble.Snapshot) {
	for i := len(snaps) - 1; i >= 0; i-- {
		snaps[i].Close()
	}
}

// sweep expires the transactions that read at versions past the window
// (their reads would fail with 1007 anyway; this frees the snapshots of
// abandoned transactions), then closes every unheld entry that is expired
// or beyond the retention bound, not only the oldest ones.
func (db *DB) sweep() {
	db.verMu.Lock()
	now := db.clock.now()
	var expiredHolders []*tx
	for i, e := range db.entries {
		if i == len(db.entries)-1 {
			break
		}
		if e.nholders > 0 && now-(db.entries[i+1].version-1) > layer.MaxReadVersionLag {
			for t := e.holders; t != nil; t = t.snapNext {
				expiredHolders = append(expiredHolders, t)
			}
		}
	}
	db.verMu.Unlock()
	for _, t := range expiredHolders {
		t.expire()
	}

	db.verMu.Lock()
	var toClose []*pebble.Snapshot
	n := len(db.entries)
	kept := db.entries[:0]
	for i, e := range db.entries {
		if i == n-1 {
			kept = append(kept, e)
			break
		}
		expired := now-(db.entries[i+1].version-1) > layer.MaxReadVersionLag
		if e.nholders == 0 && (expired || i < n-retainSnapshots) {
			e.closed = true
			toClose = append(toClose, e.snap)
			continue
		}
		kept = append(kept, e)
	}
	clear(db.entries[len(kept):])
	db.entries = kept
	db.verMu.Unlock()
	closeSnapshots(toClose)
}

func (db *DB) sweepLoop() {
	defer db.bg.Done()
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-db.quit:
			return
		case <-tick.C:
			db.sweep()
		}
	}
}
