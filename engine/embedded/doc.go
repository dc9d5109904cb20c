// Package embedded is strata's single-machine engine: FoundationDB's
// client-visible transaction semantics (layer.DB and layer.Tx) in pure Go,
// on a Pebble store held in memory or in a directory.
//
// # Basics
//
// OpenMemory returns a fresh in-memory database; OpenDir opens (or creates)
// one in a directory. Both run the same code over Pebble, on vfs.NewMem or
// the real file system. The package registers the URL schemes "mem" (every
// layer.Open(ctx, "mem:") is a new, empty database) and "file" (the
// location is a directory, created if missing), so a program that imports
// it for its side effect can use layer.Open.
//
//	db, err := embedded.OpenDir("/var/lib/app")
//	...
//	defer db.Close()
//	_, err = layer.Transact(ctx, db, func(tx layer.Tx) (any, error) { ... })
//
// The core types are DB (safe for concurrent use) and the transactions it
// creates (used by one goroutine at a time; Cancel may come from any
// goroutine, and so may waits on futures and watches). A transaction lives
// until it commits, is cancelled, or is dropped; one that is dropped
// without Cancel releases its snapshot when its read version leaves the
// five-second window.
//
// What a transaction guarantees is FoundationDB's: it reads one consistent
// snapshot (its read version, taken at its first read of the database),
// sees its own writes (atomic ops applied to the value read, clears, clear
// ranges), and commits only if no transaction that committed after its
// read version wrote into its read conflict ranges (1020 otherwise). Read
// conflict ranges are the ranges asked for, minus what the transaction
// itself set or cleared when the read's data arrived; with a limit, or a
// range iteration stopped early, only the part actually read. A range
// read consumed with All records each row's part of its conflict range
// before the row is yielded, so rows rewritten in the loop body still
// conflict, and rows taken with iter.Pull count even if the iteration is
// never stopped. Snapshot reads add none; atomic ops and writes add write
// conflict ranges only (a versionstamped key's is the key it gets, added
// at commit). Consecutive atomic ops on a key fold as FoundationDB's
// write map folds them (same type; Add, BitOr, BitXor, Max and Min only
// with parameters of the same length), and the transaction's size counts
// the folded mutations. The limits, error codes and atomic-op bytes are
// FoundationDB's: see the layer package.
//
// # Versions and snapshots
//
// Versions come from the wall clock, about 1,000,000 a second, and never
// go backwards, across restarts too, even if the wall clock does. Read
// versions follow the clock even when nothing commits, so persisting the
// last commit version would not be enough: the engine keeps a version
// lease, a version that no read or commit version handed out exceeds,
// persisted (synced) before any version above the previous lease is handed
// out. When the clock comes within two seconds of the lease, the lease is
// renewed four seconds ahead: by the next commit batch, in its own write
// (no extra fsync), or, when only reads advance the clock, by a write of
// its own (at most about one every two seconds of reads). A reader never
// gets a read version above the lease; one that finds the clock past it
// (after an idle spell) waits for the renewal. On open, the clock starts
// at max(lease + 1, last committed version + 1, Unix time in
// microseconds). Each commit batch gets one version; after its write, the
// engine takes a Pebble snapshot and publishes it as the newest read
// version. A read version v is served by the snapshot of the newest batch
// with a version <= v, which holds exactly the commits <= v. Transactions
// pin their snapshot (a reference count); snapshots nobody pins are closed
// once they leave the window, or beyond the newest 256, so SetReadVersion
// works for recent versions (older or unknown ones give 1007). A read at a
// version the clock has not reached waits for it up to a second, as
// FoundationDB's storage servers do, then fails with 1009; one more than a
// second ahead fails at once. (A commit that read nothing is not checked
// against its read version, as in FoundationDB.) Reads whose read version
// is more than MaxReadVersionLag (5,000,000) versions behind the clock
// fail with 1007.
//
// # Commit pipeline
//
// Commit prepares the transaction (coalesced read and write conflict
// ranges, its size: 2101 above the size limit) and hands it to the
// pipeline. If the pipeline is idle, the committing goroutine runs it
// itself; otherwise the request queues and a commit goroutine takes every
// queued request, in order, as one batch (group commit). For each
// transaction of the batch the resolver checks the read conflict ranges
// against the newest version written in them, kept for the five-second
// window in an interval treap (O(log n) per range whatever the number of
// writes; old versions are pruned). That covers both earlier batches and
// earlier transactions of the same batch, whose writes are recorded as
// soon as they are accepted. Accepted transactions' mutations go into one
// Pebble batch: atomic ops read the latest state through it (including
// earlier transactions of the batch), versionstamps are filled in (the
// 8-byte big-endian commit version and the 2-byte big-endian order of the
// transaction in the batch), and the batch, with the new last committed
// version (and the renewed lease when due), is written in one Pebble
// commit, fsynced unless WithSync(false). Only then is the version published and the committers answered.
// Read-only transactions commit without the pipeline (GetCommittedVersion
// -1, GetVersionstamp 2021).
//
// Watches registered by a commit are compared with the key's value as of
// that commit and fire when a later commit leaves a different value.
//
// # Key layout
//
// The store is Pebble with its default bytewise comparer. User keys, which
// are always below "\xff", are stored as they are, each with its latest
// value; there is no per-version copy (history lives in Pebble snapshots).
// The engine keeps its records above the user keyspace, under
// "\xff\x00strata/":
//
//	\xff\x00strata/version   the last committed version, 8 bytes big-endian,
//	                         written in every commit batch
//	\xff\x00strata/lease     the version lease, 8 bytes big-endian: no
//	                         version above it has been handed out; written
//	                         on open, then in a commit batch or on its own
//	                         when the clock nears it
//	\xff\x00strata/format    the layout version, "1"
//
// A directory holds Pebble's files plus STRATA-HOLDER, a note of the
// process that has the directory open (pid, host, start time) for the
// error a second opener gets.
//
// # Caveats
//
//   - One process at a time: a directory is locked by Pebble's lock file
//     (an fcntl lock, plus a table of directories open in this process); a
//     second opener, here or in another process, gets a *LockError
//     matching ErrLocked that names the directory and the holder. The
//     engine is not a server: other processes reach the data only through
//     the process that opened it.
//   - An in-memory database vanishes when it is closed. With
//     WithSync(false), a crash may lose the latest commits (never corrupt
//     the store), and the latest lease renewal: versions handed out in the
//     last seconds before the crash may be handed out again if the wall
//     clock went back meanwhile.
//   - Close fails the transactions still running (errors matching both
//     ErrClosed and layer.ErrTransactionCancelled), fails the queued
//     commits and the pending watches, and waits for the batch being
//     written.
//   - A range read runs when its result is consumed (All or Slice), against
//     the transaction's writes at that time; each All or Slice runs it
//     again. Rows are read from Pebble as the iteration asks for them. All
//     resolves the selectors once, then walks to the bound they gave,
//     seeing the writes the loop body makes ahead of it; if the loop body
//     writes, the read conflict range covers the whole walk and the keys
//     the selectors' resolution passed, which may be a little more than
//     FoundationDB's range for the read.
//   - Reset (or OnError) from another goroutine while Commit waits cancels
//     the commit if it is still queued (Commit returns 1025), else waits
//     for it to finish.
//   - Transaction timeouts and OnError's backoff use real time; WithClock
//     changes only the version clock (for tests).
//   - Differences from FoundationDB: commit versions are Unix microseconds
//     rather than a cluster's counter; GetEstimatedRangeSizeBytes is exact
//     for small ranges and Pebble's table estimate for large ones; watches
//     do not fire when a key is rewritten with the same value.
package embedded
