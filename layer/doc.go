// Package layer is the contract between strata's data-model layers and its
// storage engines: FoundationDB's transaction API, in Go.
//
// # Basics
//
// Open a database by URL, then run transactions with Transact (read-write)
// or ReadTransact (read-only):
//
//	db, err := layer.Open(ctx, "mem:")        // or "file:/var/lib/app", "fdb:"
//	n, err := layer.Transact(ctx, db, func(tx layer.Tx) (int, error) {
//		tx.Set([]byte("k"), []byte("v"))
//		return 1, nil
//	})
//
// A transaction reads a consistent snapshot at its read version, sees its
// own writes, and commits only if nothing it read (outside snapshot reads)
// was changed by a transaction that committed after its read version:
// strict serializability, as in FoundationDB. Transact is the one retry
// loop of the code base: it commits, and on a retryable error (a conflict,
// a read version too old) waits a jittered backoff and runs the function
// again. Layer functions take the caller's Tx or ReadTx, never commit and
// never retry, so any mix of layers commits atomically in one transaction.
//
// Reads return futures: issue independent reads first and wait on them
// after (GetAll does this for point reads), so that on FoundationDB their
// network round trips overlap.
//
// Engines register URL schemes with Register; the embedded engine
// (engine/embedded) provides "mem" and "file", the FoundationDB engine
// (engine/fdb, build tag fdb) provides "fdb".
//
// # Errors
//
// Engine errors are Error values carrying FoundationDB's codes, so
// errors.Is(err, layer.ErrNotCommitted) and the predicates Retryable,
// RetryableNotCommitted and MaybeCommitted behave the same on every engine.
// Errors that a transaction function returns and that are not Error values
// end Transact at once, with nothing committed.
//
// # Caveats
//
//   - The limits are FoundationDB's and hold on every engine: keys up to
//     MaxKeySize (10,000) bytes, values up to MaxValueSize (100,000),
//     transactions up to DefaultSizeLimit (10,000,000) bytes of mutations
//     and conflict ranges, and five seconds between the read version and
//     the commit. Layers split large values and page long scans across
//     transactions themselves.
//   - Mutations (Set, Clear, atomic ops) return no error: an invalid one
//     fails the next read or the commit, as in FoundationDB.
//   - Transact may run its function more than once, and retries a commit
//     whose outcome is unknown (1021); a function with effects outside the
//     transaction, or one that is not idempotent, must account for that.
//   - A transaction is used by one goroutine at a time; a DB by many.
//   - Keys at or above "\xff" belong to the system and are refused (2004).
package layer
