package embedded

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/strata-db/strata/layer"
)

func init() {
	layer.Register("mem", func(ctx context.Context, location string) (layer.DB, error) {
		return OpenMemory()
	})
	layer.Register("file", func(ctx context.Context, location string) (layer.DB, error) {
		if location == "" {
			return nil, errors.New("embedded: file: URL needs a directory path")
		}
		return OpenDir(location)
	})
}

// Metadata keys. Users can neither read nor write at or above "\xff", so the
// engine keeps its own records under "\xff\x00strata/".
var (
	metaPrefix     = []byte("\xff\x00strata/")
	metaVersionKey = []byte("\xff\x00strata/version")
	metaLeaseKey   = []byte("\xff\x00strata/lease")
	metaFormatKey  = []byte("\xff\x00strata/format")
	// maxUserKeyEnd bounds every user read: "\xff".
	maxUserKeyEnd = []byte{0xff}
)

// formatVersion is written under metaFormatKey when a database is created.
const formatVersion = "1"

// Sentinel errors. Transaction errors are layer.Error values; these are the
// engine's own conditions.
var (
	// ErrLocked is returned (wrapped in a *LockError) when the directory is
	// already open, in this process or another one.
	ErrLocked = errors.New("embedded: database directory is locked")
	// ErrClosed is returned for operations on a closed DB. Errors of
	// transactions that were running when the DB closed match both ErrClosed
	// and layer.ErrTransactionCancelled.
	ErrClosed = errors.New("embedded: database is closed")
)

// closedError is the error of transactions cut off by Close.
type closedError struct{}

func (closedError) Error() string {
	return "embedded: database is closed: " + layer.ErrTransactionCancelled.Error()
}

func (closedError) Unwrap() []error { return []error{ErrClosed, layer.ErrTransactionCancelled} }

var errDBClosed error = closedError{}

// Option configures OpenMemory and OpenDir.
type Option func(*config)

type config struct {
	sync          bool
	now           func() time.Time
	pebbleOptions func(*pebble.Options)
}

// WithSync sets whether a commit waits for its batch to be fsynced before
// returning (the default, true). With false, a crash may lose the latest
// commits, never corrupt the database.
func WithSync(sync bool) Option { return func(c *config) { c.sync = sync } }

// WithClock replaces the wall clock from which commit versions and the
// five-second read version window are derived (tests use it to age
// transactions). Transaction timeouts and backoff use real time.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithPebbleOptions lets fn adjust the Pebble options before the database
// opens (cache size, memtable size, ...). The file system, lock, logger and
// comparer are the engine's.
func WithPebbleOptions(fn func(*pebble.Options)) Option {
	return func(c *config) { c.pebbleOptions = fn }
}

// DB is an embedded database: FoundationDB's transaction semantics over a
// Pebble store in memory or in a directory. It implements layer.DB and is
// safe for concurrent use.
type DB struct {
	pdb      *pebble.DB
	dir      string // "" in memory
	lock     *pebble.Lock
	cfg      config
	wopts    *pebble.WriteOptions
	clock    versionClock
	closed   atomic.Bool
	closeMu  sync.RWMutex // held (read) by operations that use pdb without a snapshot
	closeErr error
	closing  sync.Once

	// Versions and snapshots (see versions.go).
	verMu    sync.Mutex
	verCond  *sync.Cond
	horizon  int64 // the newest version a reader may use
	inflight bool  // a commit batch has a version > horizon but is not published
	entries  []*snapEntry
	lastCV   int64  // last committed version
	lease    int64  // no version above it is handed out; persisted (see versions.go)
	readSeq  uint64 // counts snapshot acquisitions (tx.snapSeq)

	leaseWake   chan struct{} // asks leaseLoop for a renewal
	leaseWrites atomic.Int64  // lease records written on their own (not in a commit batch)

	// Commit pipeline (see commit.go).
	qMu     sync.Mutex
	queue   []*commitReq
	qClosed bool
	busy    bool       // a batch is being processed (guarded by qMu)
	idle    *sync.Cond // on qMu: busy became false
	wake    chan struct{}
	quit    chan struct{}
	bg      sync.WaitGroup
	res     *resolver
	fatal   atomic.Pointer[error]
	// committedBuf is processBatch's scratch list (one batch at a time).
	committedBuf []*commitReq

	// Watches (see watch.go).
	watchMu  sync.Mutex
	watches  skiplist[map[*watch]struct{}] // by key
	nwatches int
	hasWatch atomic.Bool
}

// OpenMemory opens a new, empty database held in memory. Every call returns
// a separate database; its contents vanish when it is closed.
func OpenMemory(opts ...Option) (*DB, error) {
	return open(vfs.NewMem(), "", nil, opts)
}

// OpenDir opens the database in dir, creating the directory and the
// database if missing. A directory is opened by one DB at a time: another
// opener, in this process or another, gets a *LockError matching ErrLocked.
func OpenDir(dir string, opts ...Option) (*DB, error) {
	if dir == "" {
		return nil, errors.New("embedded: empty directory path")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("embedded: %w", err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("embedded: %w", err)
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	lock, err := acquireDirLock(abs)
	if err != nil {
		return nil, err
	}
	db, err := open(vfs.Default, abs, lock, opts)
	if err != nil {
		releaseDirLock(abs, lock)
		return nil, err
	}
	return db, nil
}

type quietLogger struct{}

func (quietLogger) Infof(string, ...any) {}
func (quietLogger) Errorf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "embedded: pebble: "+format+"\n", args...)
}
func (quietLogger) Fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "embedded: pebble: "+format+"\n", args...)
	os.Exit(1)
}

func open(fs vfs.FS, dir string, lock *pebble.Lock, opts []Option) (*DB, error) {
	cfg := config{sync: true, now: time.Now}
	for _, o := range opts {
		o(&cfg)
	}
	po := &pebble.Options{
		FormatMajorVersion: pebble.FormatNewest,
		Logger:             quietLogger{},
		CacheSize:          64 << 20,
	}
	// Bloom filters let point reads skip the tables that lack the key.
	for i := range po.Levels {
		po.Levels[i].FilterPolicy = bloom.FilterPolicy(10)
	}
	if cfg.pebbleOptions != nil {
		cfg.pebbleOptions(po)
	}
	po.FS = fs
	po.Lock = lock
	po.Logger = quietLogger{}
	po.Comparer = nil
	name := dir
	if name == "" {
		name = "strata"
	}
	pdb, err := pebble.Open(name, po)
	if err != nil {
		return nil, fmt.Errorf("embedded: opening %s: %w", describe(dir), err)
	}
	persisted, err := readMetaInt64(pdb, metaVersionKey, "the last committed version")
	if err != nil {
		pdb.Close()
		return nil, err
	}
	lease, err := readMetaInt64(pdb, metaLeaseKey, "the version lease")
	if err != nil {
		pdb.Close()
		return nil, err
	}
	if err := ensureFormat(pdb, cfg.sync); err != nil {
		pdb.Close()
		return nil, err
	}
	db := &DB{
		pdb:       pdb,
		dir:       dir,
		lock:      lock,
		cfg:       cfg,
		wake:      make(chan struct{}, 1),
		leaseWake: make(chan struct{}, 1),
		quit:      make(chan struct{}),
		res:       newResolver(),
	}
	db.wopts = pebble.NoSync
	if cfg.sync {
		db.wopts = pebble.Sync
	}
	db.verCond = sync.NewCond(&db.verMu)
	db.idle = sync.NewCond(&db.qMu)
	// Versions start above every version handed out before (the lease,
	// and the last commit for a store written before leases existed); the
	// first lease covers the next leaseSpan versions.
	db.clock = newVersionClock(cfg.now, max(persisted, lease))
	db.lastCV = persisted
	db.horizon = persisted
	db.lease = db.clock.now() + leaseSpan
	if err := db.writeLease(db.lease); err != nil {
		pdb.Close()
		return nil, fmt.Errorf("embedded: writing the version lease: %w", err)
	}
	db.entries = []*snapEntry{{version: persisted, snap: pdb.NewSnapshot()}}
	db.bg.Add(3)
	go db.commitLoop()
	go db.sweepLoop()
	go db.leaseLoop()
	return db, nil
}

func describe(dir string) string {
	if dir == "" {
		return "in-memory database"
	}
	return fmt.Sprintf("database directory %q", dir)
}

// readMetaInt64 reads an 8-byte big-endian record (0 if absent).
func readMetaInt64(pdb *pebble.DB, key []byte, what string) (int64, error) {
	v, closer, err := pdb.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("embedded: reading %s: %w", what, err)
	}
	defer closer.Close()
	if len(v) != 8 {
		return 0, fmt.Errorf("embedded: corrupt record of %s (%d bytes): %w", what, len(v), layer.ErrInternal)
	}
	return int64(binary.BigEndian.Uint64(v)), nil
}

func ensureFormat(pdb *pebble.DB, sync bool) error {
	v, closer, err := pdb.Get(metaFormatKey)
	if errors.Is(err, pebble.ErrNotFound) {
		wo := pebble.NoSync
		if sync {
			wo = pebble.Sync
		}
		if err := pdb.Set(metaFormatKey, []byte(formatVersion), wo); err != nil {
			return fmt.Errorf("embedded: writing the format record: %w", err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("embedded: reading the format record: %w", err)
	}
	defer closer.Close()
	if string(v) != formatVersion {
		return fmt.Errorf("embedded: unsupported format %q (this build reads %q)", v, formatVersion)
	}
	return nil
}

// Path returns the database directory, or "" for an in-memory database.
func (db *DB) Path() string { return db.dir }

// InMemory reports whether the database lives in memory.
func (db *DB) InMemory() bool { return db.dir == "" }

// String describes the database for logs and status output.
func (db *DB) String() string {
	if db.dir == "" {
		return "embedded (memory)"
	}
	return "embedded (" + db.dir + ")"
}

// CreateTransaction starts a transaction. It implements layer.DB.
func (db *DB) CreateTransaction() (layer.Tx, error) {
	if db.closed.Load() {
		return nil, ErrClosed
	}
	return newTx(db), nil
}

// Close stops the commit pipeline (queued commits fail), fails the
// transactions still running and the pending watches, and closes the store.
// It is safe to call more than once.
func (db *DB) Close() error {
	db.closing.Do(func() { db.closeErr = db.close() })
	return db.closeErr
}

func (db *DB) close() error {
	db.verMu.Lock()
	db.closed.Store(true)
	db.verCond.Broadcast()
	db.verMu.Unlock()

	// Stop the pipeline: the batch in progress completes, queued ones fail.
	db.qMu.Lock()
	db.qClosed = true
	pending := db.queue
	db.queue = nil
	for db.busy {
		db.idle.Wait()
	}
	db.qMu.Unlock()
	for _, r := range pending {
		// Cancel, a timeout or Reset may have taken a queued request back
		// (and answered it) already.
		if r.state.CompareAndSwap(reqQueued, reqClaimed) {
			r.finish(errDBClosed)
		}
	}
	close(db.quit)
	db.bg.Wait()

	// Cut off the transactions that hold snapshots, then close those.
	for {
		db.verMu.Lock()
		var holders []*tx
		for _, e := range db.entries {
			for t := e.holders; t != nil; t = t.snapNext {
				holders = append(holders, t)
			}
		}
		db.verMu.Unlock()
		if len(holders) == 0 {
			break
		}
		for _, t := range holders {
			t.kill(errDBClosed)
		}
	}
	db.verMu.Lock()
	entries := db.entries
	db.entries = nil
	db.verMu.Unlock()
	for _, e := range entries {
		if !e.closed {
			e.closed = true
			e.snap.Close()
		}
	}

	db.failAllWatches(errDBClosed)

	db.closeMu.Lock()
	err := db.pdb.Close()
	db.closeMu.Unlock()
	if db.lock != nil {
		releaseDirLock(db.dir, db.lock)
	}
	if err != nil {
		return fmt.Errorf("embedded: closing %s: %w", describe(db.dir), err)
	}
	return nil
}

// Stats describes a database for status displays. Sizes and counts are
// estimates.
type Stats struct {
	// Location is the directory, or "memory".
	Location string
	// InMemory reports an in-memory database.
	InMemory bool
	// ReadVersion is the version a transaction starting now would read at.
	ReadVersion int64
	// CommittedVersion is the version of the latest commit (persisted
	// across restarts).
	CommittedVersion int64
	// ApproximateKeys estimates the number of user keys.
	ApproximateKeys int64
	// ApproximateBytes estimates the bytes of user keys and values.
	ApproximateBytes int64
	// DiskBytes is the space the store takes (WAL, tables, manifests).
	DiskBytes uint64
	// Snapshots is the number of read versions held open (MVCC window).
	Snapshots int
	// Watches is the number of pending watches.
	Watches int
}

// statsScanLimit is how many keys Stats counts exactly before it falls back
// on table properties.
const statsScanLimit = 100_000

// Stats returns an estimate of the database's size and its version state.
func (db *DB) Stats() (Stats, error) {
	db.closeMu.RLock()
	defer db.closeMu.RUnlock()
	if db.closed.Load() {
		return Stats{}, ErrClosed
	}
	st := Stats{Location: db.dir, InMemory: db.dir == ""}
	if st.InMemory {
		st.Location = "memory"
	}
	db.verMu.Lock()
	st.ReadVersion = max(db.horizon, min(db.clock.now(), db.lease))
	if db.inflight {
		st.ReadVersion = db.horizon
	}
	st.CommittedVersion = db.lastCV
	st.Snapshots = len(db.entries)
	db.verMu.Unlock()
	db.watchMu.Lock()
	st.Watches = db.nwatches
	db.watchMu.Unlock()

	m := db.pdb.Metrics()
	st.DiskBytes = m.DiskSpaceUsage()

	// Count exactly while that is cheap; past the limit, estimate from the
	// tables' properties.
	it, err := db.pdb.NewIter(&pebble.IterOptions{UpperBound: maxUserKeyEnd})
	if err != nil {
		return st, fmt.Errorf("embedded: %w", err)
	}
	var n, bytes int64
	for ok := it.First(); ok && n < statsScanLimit; ok = it.Next() {
		v, err := it.ValueAndErr()
		if err != nil {
			it.Close()
			return st, fmt.Errorf("embedded: %w", err)
		}
		n++
		bytes += int64(len(it.Key()) + len(v))
	}
	exhausted := !it.Valid()
	if err := it.Close(); err != nil {
		return st, fmt.Errorf("embedded: %w", err)
	}
	if exhausted {
		st.ApproximateKeys, st.ApproximateBytes = n, bytes
		return st, nil
	}
	tables, err := db.pdb.SSTables(pebble.WithProperties())
	if err != nil {
		return st, fmt.Errorf("embedded: %w", err)
	}
	var keys int64
	for _, level := range tables {
		for _, t := range level {
			if t.Properties != nil {
				keys += int64(t.Properties.NumEntries) - 2*int64(t.Properties.NumDeletions)
			}
		}
	}
	st.ApproximateKeys = max(keys, n)
	size, err := db.pdb.EstimateDiskUsage(nil, maxUserKeyEnd)
	if err != nil {
		return st, fmt.Errorf("embedded: %w", err)
	}
	st.ApproximateBytes = max(int64(size), bytes)
	return st, nil
}

// estimateRangeSize estimates the bytes stored in [b, e): exactly, by
// scanning, for small ranges; from the tables otherwise.
func (db *DB) estimateRangeSize(b, e []byte) (int64, error) {
	db.closeMu.RLock()
	defer db.closeMu.RUnlock()
	if db.closed.Load() {
		return 0, errDBClosed
	}
	const scanLimit = 10_000
	it, err := db.pdb.NewIter(&pebble.IterOptions{LowerBound: lowerBound(b), UpperBound: e})
	if err != nil {
		return 0, err
	}
	var n, sum int64
	for ok := it.First(); ok && n < scanLimit; ok = it.Next() {
		v, err := it.ValueAndErr()
		if err != nil {
			it.Close()
			return 0, err
		}
		n++
		sum += int64(len(it.Key()) + len(v))
	}
	exhausted := !it.Valid()
	if err := it.Close(); err != nil {
		return 0, err
	}
	if exhausted {
		return sum, nil
	}
	size, err := db.pdb.EstimateDiskUsage(lowerBound(b), e)
	if err != nil {
		return 0, err
	}
	return max(int64(size), sum), nil
}

// lowerBound turns an empty lower bound into nil: Pebble's invariant checks
// (enabled under -race) reject seeks to an empty key.
func lowerBound(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}
