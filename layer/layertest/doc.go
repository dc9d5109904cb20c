// Package layertest is the conformance suite every strata engine runs: the
// embedded engine in memory and on disk, and the fdb engine against a real
// FoundationDB cluster. Its expectations are FoundationDB's observable
// behaviour (error codes, conflict ranges, read-your-writes, atomic-op
// bytes, versionstamps, watches, limits), so that code written against one
// engine behaves the same on the other.
//
// # Basics
//
// An engine's test calls Run with a function that opens a database:
//
//	func TestConformance(t *testing.T) {
//		layertest.Run(t, func(t *testing.T) layer.DB {
//			db, err := embedded.OpenMemory()
//			if err != nil {
//				t.Fatal(err)
//			}
//			t.Cleanup(func() { db.Close() })
//			return db
//		})
//	}
//
// open is called once per subtest. It may return a fresh database each
// time or the same one: the suite writes only under the prefix
// "layertest/<run id>/<subtest name>/" (the run id is random), never
// assumes the database is empty, keeps every key below "\xff", and clears
// its prefix when a subtest ends. It imports no engine.
//
// # Subtests
//
// Conflicts: ReadWrite, ClearOfAbsentKey, ReadOnlyCommitsDespiteConflict,
// CommitBeforeReadVersion, WriteWriteWithoutReads, EmptyRangePhantom,
// RangeLimitForward, RangeLimitReverse, RangeAllBreak,
// RangeAllReadModifyWrite, RangeAllPullPartial, SnapshotReads,
// AtomicOpsNoReadConflict, OwnWritesNoConflict, PendingAtomicReadConflicts,
// AddReadConflictRange, AddWriteConflictRange, GetKey, EstimatedRangeSize,
// RangeWriteSkew.
//
// ReadYourWrites: SetClearGet, EmptyValue, PendingAtomicOps,
// ClearRangeThenRange, RangeMerge.
//
// AtomicOps: one subtest per table case, named <Op>/<case> (Add, BitAnd,
// BitOr, BitXor, AppendIfFits, Max, Min, ByteMax, ByteMin, CompareAndClear;
// absent, empty, shorter and longer existing values, carries, overflow,
// the 100,000-byte AppendIfFits bound), each checked five ways (committed
// op; read in its own transaction; committed after that; existing value
// written in the same transaction, read there and committed), and
// ParamTooLarge.
//
// Versionstamps: Key, Value, OneStampPerTransaction,
// UnreadableInOwnTransaction, BadOffset, ReadOnlyHasNone, FailedCommit.
//
// Limits: KeySize, ValueSize, TransactionSize, SizeLimitOption,
// CoalescedAtomicOps, SystemKeys, InvertedRange, ExactModeWithoutLimit.
//
// KeySelectors: Resolve, Ends, OverWrites, SelectorRange.
//
// ReadVersions: StableWithinTransaction, AdvancesAfterCommit,
// SetReadVersion, FutureVersion, TooOld (skipped on a database younger
// than 6,000,000 versions).
//
// Watches: FiresOnChange, ComparesWithValueSeen, Cancel,
// FailedTransaction, ResetTransaction.
//
// Transactions: Cancel, Timeout, RetryLimit, OnError, Reset,
// TransactRetriesConflicts, TransactNonFDBError, TransactContext,
// ReadTransact.
//
// Workloads, FoundationDB's correctness workloads, run with concurrent
// goroutines:
//
//   - Cycle: a ring of 50 keys, 8 clients × 200 transactions each reading
//     three steps along the ring and reversing two nodes (Cycle.cpp), while
//     a checker reads the whole ring; the ring must survive.
//   - AtomicOps: 8 operation types × 4 keys, 8 clients × 150 transactions
//     of 1 to 3 logged operations; every key must equal the fold of its
//     logged operands, folded by the suite and by the engine.
//   - ConflictRange: 200 rounds over 100 keys of a random selector range
//     read raced against random sets or clears at one read version,
//     half of them with read-your-writes: committed implies unchanged, a
//     conflict implies changed (up to FoundationDB's known conservative
//     cases).
//   - Serializability: 24 keys, 6 clients × 150 random transactions of
//     Gets, range reads, Sets, Clears, ClearRanges and Adds, replayed in
//     versionstamp order on an in-memory model that must reproduce every
//     read and the final state.
//   - VersionStamp: 20 keys, 6 clients × 150 transactions writing
//     versionstamped keys and values: stamps equal GetVersionstamp and
//     GetCommittedVersion, are unique, follow real-time order, and the
//     database keeps the last one of each key.
//   - RangeWriteSkew: 60 rounds of two transactions that each read an
//     empty range and insert into the other's (badger#2057): exactly one
//     commits.
//
// # Scaling and seeds
//
// The counts above are scale 1. Transaction counts and rounds (not keys
// or clients) are multiplied by the scale: STRATA_LAYERTEST_SCALE (for
// example 0.1 or 4) if set, else 0.25 under -short or the race detector,
// else 1. RunWithOptions takes an explicit Scale, Sizes and Seed.
//
// The randomized workloads draw from a seed logged at the start of the run
// ("seed N (rerun with STRATA_LAYERTEST_SEED=N)"). Setting
// STRATA_LAYERTEST_SEED replays the same random choices; the interleaving
// of concurrent clients is the scheduler's.
//
// # Caveats
//
// The suite asserts no durations. It waits for watches and workloads with
// a generous bound (one minute, Options.WatchTimeout) only to fail
// instead of hanging; the timeout tests sleep past a short timeout.
//
// Some of FoundationDB's client errors are deferred: an invalid mutation
// (a key too large, a key in the system space, an inverted ClearRange, a
// bad versionstamp offset) puts the transaction in an error state that the
// next read or Commit reports. The suite checks both. For options and
// explicit conflict ranges, where FoundationDB's C client also defers the
// error, it accepts the error returned at once or at the next Commit.
//
// Where FoundationDB leaves behaviour open, the suite asserts nothing:
// whether a watch fires when a key is set to the value it already had,
// and how far beyond the consumed rows an abandoned range iteration's
// conflict range reaches.
package layertest
