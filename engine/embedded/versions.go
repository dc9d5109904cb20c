package embedded

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/strata-db/strata/layer"
)

// versionClock derives versions from wall time: about VersionsPerSecond a
// second, starting at max(floor + 1, the wall clock in microseconds since
// the Unix epoch) when the database opens, where floor is the persisted
// version lease (no version above it was handed out before), so that
// versions never go backwards across restarts even if the wall clock does.
type versionClock struct {
	wall  func() time.Time
	start time.Time
	base  int64
}

func newVersionClock(wall func() time.Time, floor int64) versionClock {
	start := wall()
	base := max(floor+1, start.UnixMicro())
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

// The version lease. Read versions follow the clock even when nothing
// commits, and only commit versions are written to disk, so a restart with
// the wall clock set back could hand out versions below read versions
// handed out before it. The engine therefore persists a lease: db.lease is
// a version no read or commit version handed out exceeds, and it is on
// disk (metaLeaseKey) before any version above the previous one is handed
// out; on open, versions start above it. Readers never get a read version
// above the lease: the horizon stops there while a renewal is under way.
// A renewal writes the lease leaseSpan ahead, once the clock is within
// leaseMargin of it: commit batches carry it in their own write (no extra
// fsync), and only reads with no commits to carry it cause a write of its
// own (renewLease), at most about once per leaseSpan-leaseMargin.
const (
	leaseSpan   = 4 * layer.VersionsPerSecond
	leaseMargin = 2 * layer.VersionsPerSecond
)

// A read at a version the clock has not reached waits for it, for up to
// futureVersionDelay (FoundationDB's FUTURE_VERSION_DELAY, after which its
// storage servers answer future_version, 1009); a version more than that
// ahead of the clock fails at once, since it cannot arrive in time.
const (
	futureVersionDelay  = time.Second
	futureVersionWindow = layer.VersionsPerSecond // versions in futureVersionDelay
)

// leaseWaitLocked waits, if the clock has passed the lease (no renewal
// came in time, as after an idle spell), for the renewal, rather than
// hand out a read version far behind the clock. It reports whether it
// waited (verMu was released meanwhile). Called with verMu held.
func (db *DB) leaseWaitLocked(now int64) (bool, error) {
	if now <= db.lease {
		return false, nil
	}
	if p := db.fatal.Load(); p != nil {
		return false, *p
	}
	db.verCond.Wait()
	return true, nil
}

// advanceLocked brings the horizon up to now, but not past the lease, and
// asks for a renewal when now comes within leaseMargin of the lease.
// Called with verMu held and no batch in flight.
func (db *DB) advanceLocked(now int64) {
	if now > db.horizon {
		db.horizon = max(db.horizon, min(now, db.lease))
	}
	if now > db.lease-leaseMargin {
		select {
		case db.leaseWake <- struct{}{}:
		default:
		}
	}
}

// acquireRead gives t its read version and snapshot: want 0 means the
// latest (GetReadVersion), otherwise the version set by SetReadVersion.
// Called with t.mu held. A future want waits (see futureVersionDelay),
// holding t.mu.
func (db *DB) acquireRead(t *tx, want int64) error {
	db.verMu.Lock()
	defer db.verMu.Unlock()
	var deadline time.Time
	var now int64 // the clock, read in the last pass (0: not read)
	for {
		now = 0
		if db.closed.Load() {
			return errDBClosed
		}
		if want != 0 && want <= db.horizon {
			break
		}
		now = db.clock.now()
		if db.inflight {
			// The batch in flight may have a version <= want; wait for it.
			// The latest readable version is the horizon, unless the
			// batch is renewing a lease the clock has passed.
			if want == 0 && now <= db.lease {
				break
			}
			db.verCond.Wait()
			continue
		}
		db.advanceLocked(now)
		if waited, err := db.leaseWaitLocked(now); err != nil {
			return err
		} else if waited {
			continue
		}
		if want == 0 || want <= db.horizon {
			break
		}
		// want is ahead of the clock: wait for it, as a storage server
		// waits for a future version, or fail with 1009.
		if want-now > futureVersionWindow {
			return layer.ErrFutureVersion
		}
		if deadline.IsZero() {
			deadline = time.Now().Add(futureVersionDelay)
		}
		d := time.Until(deadline)
		if d <= 0 {
			return layer.ErrFutureVersion
		}
		d = min(d, time.Duration(want-now)*time.Second/layer.VersionsPerSecond+time.Microsecond)
		db.verMu.Unlock()
		time.Sleep(d)
		db.verMu.Lock()
	}
	rv := want
	if rv == 0 {
		rv = db.horizon
	}
	if now == 0 {
		now = db.clock.now()
	}
	if now-rv > layer.MaxReadVersionLag {
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
	db.readSeq++
	t.snapSeq = db.readSeq
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
func (db *DB) currentReadVersion() (int64, error) {
	db.verMu.Lock()
	defer db.verMu.Unlock()
	for {
		if db.closed.Load() {
			return 0, errDBClosed
		}
		now := db.clock.now()
		if db.inflight {
			if now <= db.lease {
				return db.horizon, nil
			}
			db.verCond.Wait()
			continue
		}
		db.advanceLocked(now)
		if waited, err := db.leaseWaitLocked(now); err != nil {
			return 0, err
		} else if !waited {
			return db.horizon, nil
		}
	}
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
// clock, within the lease, so that readers during the commit are not
// stale). If the commit version comes within leaseMargin of the lease, it
// also returns a new lease for the batch to write with its mutations
// (0 otherwise).
func (db *DB) beginCommit() (cv, lease int64) {
	db.verMu.Lock()
	defer db.verMu.Unlock()
	now := db.clock.now()
	cv = max(db.horizon, now) + 1
	if now > db.horizon {
		db.horizon = max(db.horizon, min(now, db.lease))
	}
	db.inflight = true
	if cv > db.lease-leaseMargin {
		lease = cv + leaseSpan
	}
	return cv, lease
}

// abortCommit ends a commit batch that wrote nothing.
func (db *DB) abortCommit() {
	db.verMu.Lock()
	db.inflight = false
	db.verCond.Broadcast()
	db.verMu.Unlock()
}

// publish makes version cv readable with snapshot s, and records the
// lease the batch wrote (0: none). Called by the commit goroutine after
// the batch is durable.
func (db *DB) publish(cv int64, s *pebble.Snapshot, lease int64) {
	db.verMu.Lock()
	db.entries = append(db.entries, &snapEntry{version: cv, snap: s})
	db.horizon = cv
	db.lastCV = cv
	db.lease = max(db.lease, lease)
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
	now := db.clock.now()
	db.expireHolders(db.expiredHolders(now))

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

// snapHolder is a transaction holding a snapshot entry, as seen by sweep:
// seq says which acquisition.
type snapHolder struct {
	t   *tx
	e   *snapEntry
	seq uint64
}

// expiredHolders lists the transactions holding entries whose versions
// are all past the window at clock version now.
func (db *DB) expiredHolders(now int64) []snapHolder {
	db.verMu.Lock()
	defer db.verMu.Unlock()
	var hs []snapHolder
	for i, e := range db.entries {
		if i == len(db.entries)-1 {
			break
		}
		if e.nholders > 0 && now-(db.entries[i+1].version-1) > layer.MaxReadVersionLag {
			for t := e.holders; t != nil; t = t.snapNext {
				hs = append(hs, snapHolder{t, e, t.snapSeq})
			}
		}
	}
	return hs
}

// expireHolders expires the transactions expiredHolders listed. Between
// the two, with verMu released, a transaction may have moved on to a
// fresh snapshot (OnError, Reset and a new read): expire acts only on the
// acquisition that was listed.
func (db *DB) expireHolders(hs []snapHolder) {
	for _, h := range hs {
		h.t.expire(h.e, h.seq)
	}
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

// leaseLoop renews the lease when readers ask for it (advanceLocked).
func (db *DB) leaseLoop() {
	defer db.bg.Done()
	for {
		select {
		case <-db.quit:
			return
		case <-db.leaseWake:
			db.renewLease()
		}
	}
}

// renewLease writes a new lease on its own, for reads that took the clock
// near the lease while no commit batch renewed it. It holds the commit
// pipeline meanwhile, so that lease writes, here and in commit batches,
// are ordered.
func (db *DB) renewLease() {
	if !db.acquirePipeline() {
		return
	}
	defer db.releasePipeline()
	if db.fatal.Load() != nil {
		return
	}
	db.verMu.Lock()
	now := db.clock.now()
	lease := max(now, db.horizon) + leaseSpan
	need := now > db.lease-leaseMargin
	db.verMu.Unlock()
	if !need {
		return // a commit batch renewed it meanwhile
	}
	err := db.writeLease(lease)
	db.leaseWrites.Add(1)
	db.verMu.Lock()
	if err != nil {
		fatal := error(fmt.Errorf("embedded: database failed after a write error (%v): %w", err, layer.ErrInternal))
		db.fatal.CompareAndSwap(nil, &fatal)
	} else {
		db.lease = max(db.lease, lease)
	}
	db.verCond.Broadcast()
	db.verMu.Unlock()
}

// writeLease persists lease on its own (synced unless WithSync(false)).
func (db *DB) writeLease(lease int64) error {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(lease))
	return db.pdb.Set(metaLeaseKey, b[:], db.wopts)
}
