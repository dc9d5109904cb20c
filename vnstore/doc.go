// Package vnstore is a versioned n-tuple store: a set of tuples changed
// only by applying change sets, whose history is kept and readable as of
// any applied change. It is found's vnstore (Python, asyncio-foundationdb)
// redone on tuplestore's pieces, with its documented flaws fixed: history
// order is commit order, and applying a change checks that the tuples it
// edits are still as its author saw them.
//
// # Basics
//
// A Store, like a tuplestore.Store, is a description (a subspace and n
// columns, 1 to MaxColumns) whose methods take the caller's transaction and
// never commit or retry. Tuples are changed through changes:
//
//	id, err := s.CreateChange(tx)                        // pending
//	ok, err := s.Add(tx, id, []any{"post1", "title", "Hello"})
//	ok, err = s.Remove(tx, id, []any{"post1", "title", "Draft"})
//	err = s.Message(tx, id, "retitle post1")
//	err = s.Apply(tx, id)                                // or s.Abandon(tx, id)
//
// A change may be built over many transactions and applied in another. It
// is invisible until applied, except to a read that asks for it
// (QueryOptions.Pending: the latest state with the change on top, its
// author's view). Apply makes all of it visible at once.
//
// Reads go through tuplestore's planner and joins (tuplestore.Join) over a
// tuplestore.Source for the state they ask for:
//
//	cur := s.Query(tx, vnstore.QueryOptions{}, pattern...)            // latest
//	cur = s.Query(tx, vnstore.QueryOptions{AsOf: id}, pattern...)     // time travel
//	cur = s.Query(tx, vnstore.QueryOptions{Pending: id}, pattern...)  // author's view
//	alive, err := s.Ask(tx, tuple, vnstore.QueryOptions{})
//	events, err := s.History(tx, tuple)  // every add and remove, with change and version
//
// Latest, AsOf and WithPending return those states as Sources, to join
// with other stores in one tuplestore.Join. Pages of a Query follow
// tuplestore's rules: a page may stop on its scan budget with fewer than
// Limit bindings, even none, and a non-nil continuation; the end is a nil
// continuation. Changes lists the changes (applied ones in apply order)
// in one transaction, ChangesPage in pages; Show one change and its
// tuples.
//
// Stores may be registered by name (Create, Open, List, Drop) in the
// registry of internal/catalog, as tuplestore's are, under the kind
// "vnstore".
//
// # Significance: history order is commit order
//
// A change's place in history, its significance, is the versionstamp of
// the transaction that applies it: Apply writes the history and the apply
// log with SetVersionstampedKey and the change's record with
// SetVersionstampedValue, so the database fills in the version at commit.
// Versionstamps are commit versions (and the transaction's order within its
// commit batch), so apply order is commit order, and a reader of the
// history never sees a change inserted before one it has already seen.
// found drew a uuid7 when the apply started: a change whose apply started
// first but committed last was ordered first, behind readers' backs. One
// transaction applies at most one change (ErrSecondApply), so that each
// has its own versionstamp.
//
// # Conflicts
//
// Each tuple a change edits carries a base: the read version of the
// transaction that first edited it in this change (Edit.Base). That
// transaction read the tuple's state (to normalise the edit), so the base
// is the version of the state the author saw. Apply fails with a
// *ConflictError (ErrConflict) if any tuple of the change was touched by
// another change applied after its base, that is, whose versionstamp's
// commit version is greater than the base. Apply reads each tuple's latest
// history entry without snapshot, so a change applied concurrently, which
// writes there, makes the applying transaction fail to commit (1020), and
// the retry finds the conflict.
//
// When a change applies, then, every tuple it edits is in the state its
// author saw: the change has the effect of running at once at its commit
// version, and the history is the serial application of the applied
// changes in apply order. Bases are per tuple, not per change, so a change
// built over days conflicts only on tuples changed after the author
// touched them (found's second flaw: changes built over several
// transactions could break consistency).
//
// To resolve a conflict the caller rebases: Rebase moves the conflicting
// tuples' bases to the current read version and drops the edits that have
// become no-ops, and returns the conflicts; the caller reviews the change
// (Show, or a read with QueryOptions.Pending), edits it, and applies it
// again. The check covers the tuples a change edits, not those its author
// only read: an invariant between a tuple one change reads and another
// edits is the caller's to keep (check it in the applying transaction,
// whose reads conflict as any transaction's do).
//
// # Normalisation
//
// A change holds at most one edit per tuple, and only edits that change
// the state: adding an alive tuple, or removing a dead one, records nothing
// (Add and Remove report false); adding a tuple the change removes, or
// removing one it adds, drops that edit (and records the new one if the
// tuple's state now differs from it). So a query never returns a tuple
// twice, and an applied change's edits are exactly its effect. Applied
// changes are immutable: editing, messaging, applying or abandoning one
// fails with ErrApplied; abandoned ones with ErrAbandoned; unknown ones
// with ErrNoChange.
//
// # Limits
//
// A change is applied in one transaction, which must stay within
// FoundationDB's 10,000,000 bytes and five seconds. So a change holds at
// most MaxChangeTuples (10,000) tuples, which bounds Apply's reads, and its
// estimated apply size (Change.Bytes) is at most MaxApplyBytes
// (9,000,000): an edit beyond either fails with ErrChangeTooLarge, and
// the change still applies. The estimate is an upper bound of what
// FoundationDB counts for each tuple (its history and live keys in each of
// the C(n, n/2) indexes, as mutations and write conflict ranges, and the
// read conflict range of its history), so it grows with the prefix, the
// items and n: a few thousand small triples, a few hundred tuples of
// kilobytes, or a handful of 15-column ones. A larger edit is split into
// several changes, applied one after the other. (Applying a large change
// over several transactions behind a marker committed last would lift the
// limit, at the price of readers checking the marker on every row; the
// bound keeps reads at one range scan.)
//
// # Key layout
//
// Under the store's subspace ss (every part a packed tuple after ss's raw
// prefix):
//
//	("l", i, t[p[0]], ..., t[p[n-1]]) = ""
//	    the live index: the tuples alive now, in found's indexes i with
//	    permutations p (tuplestore.Indexes), written with tuplestore's
//	    Store; queries at the latest state read it, one range per pattern
//	("h", i, t[p[0]], ..., t[p[n-1]], version) = op
//	    the history: one entry per change that added (op 0x01) or removed
//	    (op 0x00) a tuple, in found's indexes followed by the version
//	    column (a tuplestore layout of n+1 columns, NewLayout); version is
//	    the applying transaction's versionstamp (user version 0), written
//	    with SetVersionstampedKey. A tuple's entries are adjacent and in
//	    apply order; the state as of version V is the op of the last entry
//	    at or before V
//	("c", change) = (1, state, message, created, tuples, bytes, version)
//	    a change's record: change is its id as a UUID, state 1 pending,
//	    2 applied, 3 abandoned, created the read version of the creating
//	    transaction, tuples and bytes its size, version its versionstamp
//	    once applied (written with SetVersionstampedValue), else nil
//	("e", change, 0, t[0], ..., t[n-1]) = (op, base)
//	    the change's edits, in a one-index tuplestore layout (the
//	    identity): op 1 add, 0 remove, base the read version at which the
//	    change saw the tuple. Kept after apply (the change's content, for
//	    Show); cleared by Abandon
//	("v", version) = change
//	    the apply log: the changes in apply (commit) order, 16-byte ids
//	("head",) = (version,)
//	    the versionstamp of the last apply
//
// # Caveats
//
//   - After Apply, its transaction cannot read the change's record, the
//     history of its tuples, the apply log or the head: their keys or
//     values hold the versionstamp, known only at commit
//     (layer.ErrAccessedUnreadable, 1036). The live index is readable.
//   - Transact retries a commit of unknown result (1021); if the first
//     attempt committed, the retried Apply fails with ErrApplied. A caller
//     that sees ErrApplied for its own change after a retry may take it
//     for success (Change tells).
//   - A read as of a change scans every version of the matching tuples;
//     tuples with long histories make it slower than a read of the latest
//     state. A read with a pending change also reads the change's edits
//     that match each lookup, from their one index: all of them when the
//     pattern does not bind the first column.
//   - Reads add read conflict ranges; pass tx.Snapshot() for reads that
//     should not make the transaction conflict. A paged query is not one
//     snapshot, except as of a change (history does not change).
//   - Tuples hold values only (no incomplete versionstamps: they are
//     written at apply), and have no value of their own.
package vnstore
