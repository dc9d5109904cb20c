// Package tuplestore is an n-tuple store with pattern queries: found's
// nstore (Python, asyncio-foundationdb), in Go, on the same keys, with its
// known bugs fixed.
//
// # Basics
//
// A Store keeps tuples of n items (1 to MaxColumns columns), each with an
// optional value, under a subspace. It is a description, not a handle: it
// holds no transaction and no data, and every method takes the caller's
// transaction, never commits and never retries, so a store composes with
// any other layer in one transaction.
//
//	blog, err := tuplestore.New(subspace.FromTuple(tuple.Tuple{"blog"}), 3)
//	err = blog.Add(tx, []any{"post1", "title", "hello"}, nil) // value optional
//	err = blog.Remove(tx, []any{"post1", "title", "hello"})
//	v, ok, err := blog.Get(tx, []any{"post1", "title", "hello"})
//
// Query matches patterns, tuples whose items may be variables (Var; Any is
// the anonymous one), and yields a Binding (variable -> item) per match:
//
//	cur := blog.Query(tx, tuplestore.QueryOptions{Limit: 100},
//		tuplestore.Pattern{tuplestore.Var("post"), "blog", "hyper.dev"},
//		tuplestore.Pattern{tuplestore.Var("post"), "title", tuplestore.Var("title")})
//	for b, err := range cur.All() { ... b["title"] ... }
//	next := cur.Continuation() // nil when the results are exhausted
//
// The Cursor belongs to its transaction: range over All once, inside the
// transaction function. A result too long for one transaction (five
// seconds on FoundationDB) is read in pages, each in its own transaction,
// the next one passing the Continuation of the one before as
// QueryOptions.After.
//
// A page also has a scan budget (QueryOptions.ScanLimit, DefaultScanLimit
// lookups and rows for a query with a Limit): a selective join that reads
// many rows to find few bindings stops there, so that the page ends well
// inside the transaction's time limit. Such a page returns fewer bindings
// than Limit, possibly none, with a non-nil continuation that resumes
// after the last row read. Keep paging while the continuation is not nil:
// the end of the results is a nil continuation, never a short page.
//
// Stores may be registered by name in the database (Create, Open, List,
// Drop, in a registry subspace; DefaultRegistry is the strata command
// line's), so that tools find a store's subspace and columns by name.
//
// # Key layout
//
// The layout is found's, so Go and Python programs on one cluster share a
// store: the found store nstore.make(name, prefix, n) is
// New(subspace.FromTuple(prefix), n). Each tuple is written once per index:
//
//	pack(prefix + (i,) + (t[p[0]], t[p[1]], ..., t[p[n-1]])) = value
//
// where i is the index number and p its permutation (Indexes); in bytes, the
// store subspace's raw prefix followed by the packed tuple (i, t[p[0]],
// ...), which for a subspace made from a tuple is the packed concatenation.
// The value is the caller's bytes as they are, the same under every index;
// found's default, and a nil value here, is the empty value. Get reads
// index 0, whose permutation is the identity.
//
// The index list is found's, in found's order: for each combination c of
// n/2 columns (itertools.combinations order), the columns in c are marked,
// the first adjacent (unmarked, marked) pair is taken repeatedly, its
// marked column appended to a list A and its unmarked one to a list B, and
// both removed; the permutation is A, the columns left, B. That gives
// C(n, n/2) indexes, every set of columns being a prefix of one of them:
// for n = 3, (0,1,2) (1,2,0) (2,0,1); for n = 4, (0,1,2,3) (2,0,3,1)
// (3,0,1,2) (1,2,3,0) (1,3,0,2) (2,3,1,0).
//
// The registry (Create) keeps one key per store, under the registry's
// subspace, in the format of internal/catalog:
//
//	("tuplestore", name) = pack((1, prefix bytes, n, (column names...), ()))
//
// # Queries
//
// Index choice: each Layout holds a table, computed once per n, from every
// set of bound columns (a Mask) to the index whose permutation starts with
// those columns, so a pattern is one range read (a point read when fully
// bound). found compares the columns' digits as strings and picks wrong
// indexes from n = 11; the table has no such limit. For a layout that does
// not cover every set (NewLayout), the table picks the index with the
// longest bound prefix and the reader filters the rest.
//
// Joins: Plan starts from the pattern with the most bound columns (ties
// broken by the database's estimate of its range size), then binds the
// others in turn, preferring patterns that share a bound variable, then
// those with the most known columns. The lookups of a pattern for a batch
// of bindings (QueryOptions.Batch, default 64) are all issued before any
// is read, so that on FoundationDB their round trips overlap.
//
// Unification: a variable stands for the same item wherever it occurs, in
// one pattern or across patterns: (?x, "p", ?x) matches ("a", "p", "a")
// but not ("a", "p", "x") (found matched both). Items are equal when
// their packed encodings are: 1, 1.0 and "1" are three different items,
// as they are three different keys.
//
// Order and continuations: bindings come in the order of the keys the plan
// reads (for one pattern, the chosen index's key order). A Continuation
// records the plan and the key read at each step for the last binding
// yielded (after a stop on the scan budget, the keys down to the last row
// read, whose extensions were all done); resuming restarts each step at
// that key, so it neither repeats
// nor skips a binding whose keys are unchanged, even if other tuples were
// added or removed in between.
//
// # Versionstamps
//
// An item may be an incomplete versionstamp (tuple.IncompleteVersionstamp),
// at the top level or nested; one per tuple. Add then writes every index
// key with SetVersionstampedKey (the bytes of tuple.PackWithVersionstamp),
// and the database fills in the transaction's versionstamp at commit
// (found wrote the placeholder bytes instead). Such a tuple cannot be read
// in the transaction that adds it: its keys are unknown until the commit,
// and a read that touches them fails with layer.ErrAccessedUnreadable
// (1036). The final value is the transaction's versionstamp: ask for
// tx.GetVersionstamp() before the commit, and after it build
// tuple.Versionstamp{TransactionVersion: [10]byte(stamp), UserVersion: u}.
// Remove, Get and patterns refuse incomplete versionstamps.
//
// # Building on tuplestore
//
// The pieces a layer over n-tuples needs are exported so that it need not
// write its own: Indexes, LayoutOf and NewLayout with Layout.Choose (the
// index table), and NewWithLayout for a store on another index set; Var,
// Pattern, Binding, Vars and Unify (patterns and the in-memory unifier);
// EncodeItem, DecodeItem and SplitItems (items in their packed form);
// Source, Lookup, Row, Clause, Join and Plan (the planner and the batched
// join engine over any relation: a Store is a Source, and a versioned
// store provides its own, such as its state as of some version); and
// internal/catalog for its registry entries.
//
// # Errors
//
// Bad input is refused before anything is written, with errors that wrap
// the package's sentinels (ErrArity, ErrItem, ErrKeyTooLarge,
// ErrValueTooLarge, ErrIncompleteVersionstamp, ...) and start with
// "tuplestore: "; errors about one item are *ItemError values naming its
// position. Nothing panics on bad input.
//
// # Caveats
//
//   - Every tuple is written C(n, n/2) times, value included: 3 keys for
//     n = 3, 70 for n = 8, 12,870 for n = 16, which with long items or
//     values can exceed a transaction's 10,000,000 bytes (2101 at commit).
//   - Index keys hold the store's prefix, an index number and every item:
//     Add refuses a tuple whose longest key would pass layer.MaxKeySize
//     (four bytes less with a versionstamp, whose offset the engines count).
//   - Reads through a Store add read conflict ranges; pass tx.Snapshot() to
//     Query for reads that should not make the transaction conflict.
//   - A paged query is not one snapshot: each page reads at its own read
//     version.
//   - Keys written by other programs in the store's subspace that are not
//     packed tuples of n items make queries fail with ErrCorrupt.
package tuplestore
