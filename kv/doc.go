// Package kv is a key-value layer with what users of Redis-backed and
// versioned key-value stores expect, made correct by FoundationDB
// transactions: versioned values with compare-and-swap, set-if-absent and
// set-if-present, TTLs, idempotency keys, counters, hashes, sorted sets,
// leases with fencing tokens, watches and tenants.
//
// # Basics
//
// A Store keeps its data under a subspace. It is a description, not a
// handle: it holds no transaction and no data, and every method takes the
// caller's layer.Tx or layer.ReadTx, never commits and never retries, so
// any number of operations, of this and other layers, commit atomically
// in one transaction run by layer.Transact:
//
//	s := kv.New(subspace.FromTuple(tuple.Tuple{"app"}), kv.Options{DefaultTTL: time.Hour})
//	w, err := layer.Transact(ctx, db, func(tx layer.Tx) (kv.Write, error) {
//		return s.Put(tx, "user:42", []byte("alice"), kv.PutOptions{IfAbsent: true})
//	})
//	ver, err := w.Version.Get() // the commit's versionstamp
//	item, err := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) (kv.Item, error) {
//		return s.Get(tx, "user:42") // Value, Version, Expires; or ErrNotFound
//	})
//
// Values: Put, Get, Delete, Exists, Stat, Expire, Scan, and the batch
// forms GetMany, PutMany, DeleteMany, which issue their reads before
// waiting on any, so that on FoundationDB the round trips overlap.
//
// Versions: every value carries the version of the transaction that wrote
// it, its 10-byte versionstamp, written with SetVersionstampedValue.
// The writer learns it after the commit: Write.Version (or CommitVersion)
// is a future taken from tx.GetVersionstamp() before the commit and
// resolved after it. A value written by the reading transaction itself
// reads with the zero version, which the database fills in at commit.
//
// Conditions (PutOptions, DeleteOptions): IfMatch (compare-and-swap on a
// version; ErrVersionMismatch), IfAbsent (ErrAlreadyExists), IfPresent
// (ErrNotFound). A failed condition is an error that is not a FoundationDB
// error, so Transact returns it at once and nothing is written.
//
// Consistency: reads are Strict by default (they add read conflict ranges:
// the transaction commits only if what it read is unchanged); Snapshot.Of(tx)
// or tx.Snapshot() reads at the same version without conflicts. There is
// no stale or cached read mode: every read of a transaction is at its read
// version, and this package keeps no read-version cache.
//
// TTL: a value put with a TTL (or under Options.DefaultTTL) reads as
// absent once the store's clock (Options.Clock, default time.Now) passes
// its expiry. Sweep removes expired values and idempotency records in
// bounded transactions; call it in a loop of transactions while
// SweepResult.More is set.
//
// Idempotency: a put or delete with PutOptions.IdempotencyKey applies once.
// Its transaction also writes a record of the request (its operation, a
// fingerprint of its keys, the count it removed) stamped with the
// transaction's version. A later request with the same key, within
// Options.IdempotencyTTL, writes nothing and returns the original result
// with Write.Replayed set; with other keys or another operation it fails
// with ErrIdempotencyKeyReused. Because the record commits atomically with
// the write, this holds across FoundationDB's commit_unknown_result (1021):
// when layer.Transact retries a transaction that did commit, the retry
// finds the record and replays. Code that must do something else exactly
// once in the same transaction tests Write.Replayed.
//
// Counters (Store.Counter): Add is FoundationDB's atomic add, which reads
// nothing and so never conflicts; Get reads. ShardedCounter spreads a hot
// counter over N keys. Hashes: HSet, HGet, HGetAll, HDel. Sorted sets:
// ZAdd, ZRem, ZScore, ZRangeByScore, ZPopMin, ZPopByScore; a pop is a
// strict range read and clears, so concurrent pops of one member conflict
// and each member is popped once. Leases: Acquire, Renew, Release, Check,
// CurrentLease, with the acquiring transaction's version as an increasing
// fencing token. Watch and WatchLease return layer.Watch notifications.
//
// Tenants: Store.Tenant(name) is the store under ("t", name) of the
// parent's subspace. Every key is a packed tuple under the store's
// subspace, so a tenant's store can neither read nor write another's.
//
// Stores may be registered by name (Create, Open, List, Drop, in a
// registry subspace; DefaultRegistry is the strata command line's).
//
// # Key layout
//
// Under the store's subspace, in tuple encoding (key and name are
// strings, i an integer, expiry Unix nanoseconds, score a float64):
//
//	("m", key)                  value record: format 1 (1 byte), expiry (8 bytes
//	                            big-endian, 0: none), storage (1 byte: 0 inline,
//	                            1 chunked), then the value (inline) or its length
//	                            and chunk count (4 + 4 bytes, chunked)
//	("v", key)                  the value's version: 10-byte versionstamp
//	("c", key, i)               chunk i of a chunked value (100,000 bytes each)
//	("x", expiry, "v", key)     expiry index entry of a value (empty value)
//	("x", expiry, "i", idem)    expiry index entry of an idempotency record
//	("i", idem)                 idempotency record: format 1, version (10),
//	                            expiry (8), operation ('p' or 'd'), count
//	                            removed (4), SHA-256 of the operation and keys (32)
//	("n", name)                 counter: 8-byte little-endian two's complement
//	("N", shard, name)          shard of a sharded counter, same encoding
//	("h", key, field)           hash field: its value
//	("z", key, "m", member)     sorted set member: pack((score,))
//	("z", key, "s", score, member)  score index entry (empty value)
//	("l", name)                 lease: format 1, token (10), expiry (8), holder
//	("t", tenant, ...)          the tenant's store, with this same layout
//
// Values up to 99,990 bytes live in the value record; larger ones, up to
// MaxValueSize (1 MiB), in chunks of layer.MaxValueSize bytes, read with one
// point read each, issued together (GetMany and Scan issue every chunk
// read of every value before waiting on any). The version is a key of its own so that the value record
// stays readable in the transaction that wrote it (a versionstamped value
// cannot be read before commit: 1036).
//
// A registered store is one catalog entry (internal/catalog):
//
//	("kv", name) = pack((1, prefix bytes, 0, (), (default TTL ns, idempotency TTL ns)))
//
// # Errors
//
// Errors wrap the package's sentinels (ErrNotFound, ErrAlreadyExists,
// ErrVersionMismatch, ErrKeyTooLarge, ErrValueTooLarge, ErrInvalid, ...)
// and start with "kv: "; FoundationDB errors come through unchanged (and
// are what layer.Transact retries). Nothing panics on bad input.
//
// # Caveats
//
//   - An unconditional Put reads the old record with a snapshot read, so
//     concurrent puts of one key do not conflict (the last commit wins),
//     except that a put that saw no chunks conflicts with a concurrent put
//     that wrote some (so that none are left behind). If puts race, an
//     expiry index entry may outlive the value it was for; Sweep drops
//     such entries. Conditional puts, deletes, ZAdd, HDel and pops read
//     strictly and conflict with concurrent writers of their keys.
//   - Chunks are cleared with a range clear only when a value had or gets
//     chunks: range tombstones slow later reads in an LSM such as Pebble.
//   - Pops read from the lowest score; in an LSM, a queue that is popped
//     a lot reads past the tombstones of the members popped before, until
//     compaction removes them.
//   - An expired value still occupies its keys until Sweep removes it, and
//     its expiry fires no watch. Expire changes a TTL without a new version.
//   - Counters, hashes, sorted sets and leases are namespaces of their own,
//     next to values: a counter named "a" is not the value at "a". They do
//     not expire (leases end at their expiry, but their record stays until
//     released or taken over).
//   - Sharded counter Get reads every shard; strict reads there conflict
//     with any Add to the counter. Read through tx.Snapshot() for a
//     dashboard.
//   - Pops and counter Adds are not idempotent: they take no idempotency
//     key. When layer.Transact retries a transaction that failed with
//     commit_unknown_result (1021) but did commit, a retried pop pops the
//     next members (the first ones are gone, returned to no one) and a
//     retried Add adds again. Where that matters, write a value with
//     PutOptions.IdempotencyKey (or IfAbsent) in the same transaction as
//     the pop and skip the pop when its Write.Replayed is set.
//   - A pop removes at most MaxPop members (a limit of 0 means MaxPop),
//     fewer once its keys pass 1 MiB; ZRangeByScore and Scan without a
//     limit, and GetMany of many keys, read everything asked for in one
//     transaction (5 s, 1007): page them. HGetAll fails with ErrTooMany
//     past MaxHashFields fields; HScan pages.
//   - ZPopMin and ZPopByScore under heavy contention on one set serialize:
//     correct, but the losers retry (FoundationDB's conflicts, not a lock).
//   - A transaction that reads the version of a key it wrote, or a lease it
//     acquired, gets the zero version, or for the lease 1036
//     (layer.ErrAccessedUnreadable): its versionstamp exists only at commit.
//   - Large values count against the transaction's 10,000,000 bytes:
//     PutMany of many large values can fail with 2101.
//   - The idempotency guarantee lasts Options.IdempotencyTTL; a retry after
//     that applies again.
package kv
