package layer

import (
	"bytes"
	"context"
	"errors"
	"iter"
	"time"
)

// FoundationDB's limits, which both engines enforce and every layer must
// respect in its own key and value layout.
const (
	// MaxKeySize is the largest key a transaction may write (2102 above it).
	MaxKeySize = 10_000
	// MaxValueSize is the largest value a transaction may write (2103 above it).
	MaxValueSize = 100_000
	// DefaultSizeLimit is a transaction's default byte limit: the sum of its
	// mutations' and conflict ranges' sizes (2101 above it).
	DefaultSizeLimit = 10_000_000
	// VersionsPerSecond is how fast commit versions advance with wall time.
	VersionsPerSecond = 1_000_000
	// MaxReadVersionLag is how many versions old a read version may be
	// before reads and commits fail with 1007 (five seconds' worth).
	MaxReadVersionLag = 5 * VersionsPerSecond
)

// SystemKeyPrefix is the first key of FoundationDB's system key space. Normal
// transactions may neither read nor write keys at or above it (2004).
var SystemKeyPrefix = []byte{0xff}

// KeyValue is one key and its value, as returned by a range read.
type KeyValue struct {
	Key   []byte
	Value []byte
}

// KeySelector names a key relative to another: the last key less than (or
// equal to, with OrEqual) Key, moved Offset keys forward. The four
// constructors below cover the usual cases.
type KeySelector struct {
	Key     []byte
	OrEqual bool
	Offset  int
}

// FirstGreaterOrEqual selects the first key >= key.
func FirstGreaterOrEqual(key []byte) KeySelector { return KeySelector{key, false, 1} }

// FirstGreaterThan selects the first key > key.
func FirstGreaterThan(key []byte) KeySelector { return KeySelector{key, true, 1} }

// LastLessOrEqual selects the last key <= key.
func LastLessOrEqual(key []byte) KeySelector { return KeySelector{key, true, 0} }

// LastLessThan selects the last key < key.
func LastLessThan(key []byte) KeySelector { return KeySelector{key, false, 0} }

// Range is anything a range read can take: a KeyRange or a SelectorRange.
type Range interface {
	// Selectors returns the range's begin and end as key selectors.
	Selectors() (begin, end KeySelector)
}

// KeyRange is the keys k with Begin <= k < End.
type KeyRange struct {
	Begin []byte
	End   []byte
}

// Selectors implements Range.
func (r KeyRange) Selectors() (KeySelector, KeySelector) {
	return FirstGreaterOrEqual(r.Begin), FirstGreaterOrEqual(r.End)
}

// Contains reports whether key lies in the range.
func (r KeyRange) Contains(key []byte) bool {
	return bytes.Compare(r.Begin, key) <= 0 && bytes.Compare(key, r.End) < 0
}

// SelectorRange is the keys from the key Begin resolves to (included) up to
// the key End resolves to (excluded).
type SelectorRange struct {
	Begin KeySelector
	End   KeySelector
}

// Selectors implements Range.
func (r SelectorRange) Selectors() (KeySelector, KeySelector) { return r.Begin, r.End }

// ErrPrefixUnbounded is returned by PrefixRange and Strinc for a prefix that
// is empty or made only of 0xff bytes: no key bounds the keys it starts.
var ErrPrefixUnbounded = errors.New("layer: prefix is empty or all 0xff bytes, so it has no upper bound")

// Strinc returns the first key that sorts after every key starting with
// prefix: prefix with trailing 0xff bytes dropped and its last byte
// incremented.
func Strinc(prefix []byte) ([]byte, error) {
	n := len(prefix)
	for n > 0 && prefix[n-1] == 0xff {
		n--
	}
	if n == 0 {
		return nil, ErrPrefixUnbounded
	}
	out := bytes.Clone(prefix[:n])
	out[n-1]++
	return out, nil
}

// PrefixRange returns the range of all keys that start with prefix.
func PrefixRange(prefix []byte) (KeyRange, error) {
	end, err := Strinc(prefix)
	if err != nil {
		return KeyRange{}, err
	}
	return KeyRange{Begin: bytes.Clone(prefix), End: end}, nil
}

// StreamingMode tells the engine how the caller will consume a range read,
// so that it can batch the transfer. It never changes the result. The zero
// value is StreamingModeIterator.
type StreamingMode int

// Streaming modes, as in FoundationDB.
const (
	// StreamingModeIterator is the default: batches grow as the caller reads.
	StreamingModeIterator StreamingMode = iota
	// StreamingModeWantAll transfers the whole range as early as possible.
	StreamingModeWantAll
	// StreamingModeExact transfers exactly Limit rows in one batch; it
	// requires a limit.
	StreamingModeExact
	// StreamingModeSmall transfers small batches.
	StreamingModeSmall
	// StreamingModeMedium transfers medium batches.
	StreamingModeMedium
	// StreamingModeLarge transfers large batches.
	StreamingModeLarge
	// StreamingModeSerial transfers the largest batches, for one client
	// reading serially.
	StreamingModeSerial
)

// RangeOptions controls a range read. The zero value reads the whole range
// forward.
type RangeOptions struct {
	// Limit caps the number of rows returned; 0 means no limit.
	Limit int
	// Reverse returns rows from the end of the range backward.
	Reverse bool
	// Mode is a transfer hint; see StreamingMode.
	Mode StreamingMode
}

// Future is the pending result of a read. Reads start when they are issued
// and may run in parallel; Get waits for the result. Issue every independent
// read first, then Get them, so that on FoundationDB their network round
// trips overlap.
type Future[T any] interface {
	Get() (T, error)
}

// RangeResult is a pending range read.
type RangeResult interface {
	// All streams the rows in order. Breaking out of the loop early is
	// allowed; the read conflict range then covers only what was read.
	All() iter.Seq2[KeyValue, error]
	// Slice reads every row of the range (up to the limit).
	Slice() ([]KeyValue, error)
}

// Watch is a pending notification that one key's value changed.
type Watch interface {
	// Wait blocks until the key's value differs from the value the
	// transaction that created the watch saw (or wrote), until the watch
	// fails (for example because that transaction did not commit), or until
	// ctx ends.
	Wait(ctx context.Context) error
	// Cancel releases the watch; a pending Wait returns ErrOperationCancelled.
	Cancel()
}

// ReadTx is the read half of a transaction. Layer functions that only read
// take a ReadTx, so that they accept both a Tx and a snapshot.
//
// A ReadTx is used by one goroutine at a time for issuing operations; the
// futures it returns may be waited on from any goroutine.
type ReadTx interface {
	// Get reads one key's value; the value is nil if the key is absent.
	Get(key []byte) Future[[]byte]
	// GetKey resolves a key selector to a key. A selector that runs past
	// either end of the database resolves to "" or "\xff".
	GetKey(sel KeySelector) Future[[]byte]
	// GetRange reads a range of keys. The read runs when All or Slice is
	// called, and each call runs it again. A range whose begin resolves
	// after its end is empty, as in FoundationDB.
	GetRange(r Range, opts RangeOptions) RangeResult
	// GetReadVersion returns the version at which this transaction reads.
	GetReadVersion() Future[int64]
	// GetEstimatedRangeSizeBytes estimates the bytes stored in a range. It
	// is approximate, and adds no conflict range.
	GetEstimatedRangeSizeBytes(r KeyRange) Future[int64]
	// Snapshot returns a view of the same transaction whose reads add no
	// read conflict ranges: other transactions' writes to what it reads do
	// not make this one fail to commit.
	Snapshot() ReadTx
}

// Tx is a read-write transaction: FoundationDB's, with strict
// serializability for reads that are not snapshot reads.
//
// Mutations do not return errors: as in FoundationDB, an invalid mutation
// (a key too large, a key in the system space) puts the transaction in an
// error state, and the next read or Commit returns the error.
type Tx interface {
	ReadTx

	// Set writes a value.
	Set(key, value []byte)
	// Clear removes one key.
	Clear(key []byte)
	// ClearRange removes every key in the range.
	ClearRange(r KeyRange)

	// Add adds param to the stored value as little-endian integers of
	// param's length (the stored value is zero-extended or truncated).
	Add(key, param []byte)
	// BitAnd ands param into the stored value; an absent value becomes param.
	BitAnd(key, param []byte)
	// BitOr ors param into the stored value.
	BitOr(key, param []byte)
	// BitXor xors param into the stored value.
	BitXor(key, param []byte)
	// AppendIfFits appends param to the stored value unless the result
	// would exceed MaxValueSize, in which case the value is left unchanged.
	AppendIfFits(key, param []byte)
	// Max stores the larger of the stored value and param, compared as
	// little-endian unsigned integers of param's length.
	Max(key, param []byte)
	// Min stores the smaller of the stored value and param, compared as
	// little-endian unsigned integers; an absent value becomes param.
	Min(key, param []byte)
	// ByteMax stores the lexicographically larger of the stored value and param.
	ByteMax(key, param []byte)
	// ByteMin stores the lexicographically smaller of the stored value and
	// param; an absent value becomes param.
	ByteMin(key, param []byte)
	// CompareAndClear clears the key if its value equals param.
	CompareAndClear(key, param []byte)
	// SetVersionstampedKey writes value at key with the transaction's
	// 10-byte versionstamp placed at the offset given by key's last four
	// bytes (little-endian), which are removed.
	SetVersionstampedKey(key, value []byte)
	// SetVersionstampedValue writes value at key with the transaction's
	// 10-byte versionstamp placed at the offset given by value's last four
	// bytes (little-endian), which are removed.
	SetVersionstampedValue(key, value []byte)

	// AddReadConflictRange makes the commit fail if another transaction
	// writes into r after this transaction's read version.
	AddReadConflictRange(r KeyRange) error
	// AddWriteConflictRange makes transactions that read r conflict with
	// this one, as if it had written there.
	AddWriteConflictRange(r KeyRange) error

	// Watch returns a notification for when key's value changes from what
	// this transaction saw. It becomes active when the transaction commits.
	Watch(key []byte) Watch
	// GetVersionstamp returns the 10-byte versionstamp this transaction
	// commits with. Call it before Commit (afterwards it fails with 2017);
	// the future resolves after a successful commit, fails with 2021 for a
	// transaction that wrote nothing and with 2020 if the commit failed.
	GetVersionstamp() Future[[]byte]
	// GetCommittedVersion returns the version at which this transaction
	// committed; -1 for a read-only transaction.
	GetCommittedVersion() (int64, error)
	// SetReadVersion makes the transaction read at the given version
	// instead of a fresh one.
	SetReadVersion(version int64)

	// SetTimeout cancels the transaction with 1031 when d has passed since
	// it began; 0 disables the timeout. It persists across OnError.
	SetTimeout(d time.Duration) error
	// SetRetryLimit caps the retries OnError allows; -1 is unlimited. It
	// persists across OnError.
	SetRetryLimit(n int) error
	// SetSizeLimit sets the transaction's byte limit, from 32 to
	// DefaultSizeLimit.
	SetSizeLimit(bytes int) error

	// Commit applies the transaction's writes atomically, or returns an
	// error: a conflict (1020), a limit, a cancellation.
	Commit() error
	// OnError decides whether err is worth retrying. If it is, OnError waits
	// FoundationDB's backoff, resets the transaction for the next attempt
	// and returns nil; otherwise it returns err.
	OnError(err error) error
	// Reset returns the transaction to its initial state: no read version,
	// no writes, no conflict ranges. The timeout, retry limit and size limit
	// options are kept (FoundationDB clears them on reset; its adapter sets
	// them again).
	Reset()
	// Cancel makes every pending and future operation of the transaction
	// fail with ErrTransactionCancelled.
	Cancel()
}

// DB is an open database: an engine's handle to a keyspace.
type DB interface {
	// CreateTransaction starts a transaction. Most code calls Transact or
	// ReadTransact instead, which retry.
	CreateTransaction() (Tx, error)
	// Close releases the database. Transactions still running fail with an
	// error matching ErrTransactionCancelled.
	Close() error
}
