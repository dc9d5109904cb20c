// Package eav is a document store of entity-attribute-value triples with
// field-level writes and indexed queries: found's eavstore (Python,
// asyncio-foundationdb), redone with its bugs fixed, and the document
// model of IKV (upsert and delete of fields, store-wide drops).
//
// # Basics
//
// A Store keeps documents under a subspace. It is a description, not a
// handle: it holds no transaction and no data, and every method takes the
// caller's transaction, never commits and never retries, so a store
// composes with any other layer in one transaction (RunJob, which needs
// many transactions, is the exception).
//
//	people := eav.New(subspace.FromTuple(tuple.Tuple{"people"}))
//	id, err := people.Create(tx, eav.Document{"name": "Alice", "age": 34,
//		"langs": []string{"go", "sql"}, "address": eav.Document{"city": "Paris"}})
//	err = people.CreateWithID(tx, "bob", doc)           // ErrExists if taken
//	d, err := people.Get(tx, id)                        // ErrNotFound if absent
//	ds, err := people.MultiGet(tx, []eav.ID{id, "bob"}) // nil for absent ones
//	ok, err := people.Exists(tx, id)
//	err = people.Replace(tx, id, doc)                   // ErrNotFound if absent
//	err = people.UpsertFields(tx, id, eav.Document{"age": 35, "address.zip": "75001"})
//	err = people.DeleteFields(tx, id, "langs", "address")
//	existed, err := people.Delete(tx, id)
//
//	cur := people.Query(tx, eav.QueryOptions{Limit: 100},
//		eav.Ge("age", 30), eav.Eq("langs", "go"), eav.Prefix("address.city", "Pa"))
//	for id, err := range cur.All() { ... }
//	next := cur.Continuation() // nil when the results are exhausted
//
// The Cursor belongs to its transaction: range over All once, inside the
// transaction function. A result too long for one transaction is read in
// pages, each in its own transaction, the next one passing the
// Continuation of the one before as QueryOptions.After.
//
// A page also has a scan budget (QueryOptions.ScanLimit, DefaultScanLimit
// index entries for a query with a Limit): a selective query that reads
// many candidates to find few matches stops there, so that the page ends
// well inside the transaction's time limit. Such a page returns fewer ids
// than Limit, possibly none, with a non-nil continuation that resumes
// after the last entry read. Keep paging while the continuation is not
// nil: the end of the results is a nil continuation, never a short page.
//
// Stores may be registered by name (Create, Open, List, Drop, in the
// catalog of internal/catalog under the kind "eav"; DefaultRegistry is the
// strata command line's).
//
// # Documents
//
// A document maps attribute names to values. Nested maps are flattened to
// dotted paths: {"address": {"city": "Paris"}} and {"address.city":
// "Paris"} are the same document, whose attribute is "address.city"; Get
// returns documents nested again. A path holds a value or attributes, not
// both: a write with "a" and "a.b" is refused (ErrAttribute), and
// UpsertFields of "a" removes "a.b" (and of "a.b" removes a value at "a"),
// so a document is always a tree. An empty nested map adds nothing.
//
// Values are scalars or lists of scalars. Each scalar is stored as one
// element of the FoundationDB tuple encoding (tuplestore.EncodeItem), and
// Get returns it in the type on the right:
//
//	string                                   string
//	[]byte                                   []byte (never nil)
//	int, int8..int64, uint..uint64, named    int64, or uint64 above math.MaxInt64
//	float32, float64                         float64
//	bool                                     bool
//	uuid.UUID, tuple.UUID                    uuid.UUID
//	time.Time                                time.Time in UTC, to the nanosecond
//	json.Number                              int64, uint64 or float64
//
// A time is stored as the nested tuple (seconds, nanoseconds) since the
// Unix epoch (t.Unix(), t.Nanosecond()), which sorts chronologically; its
// location and monotonic reading are not kept. nil is not a value
// (DeleteFields removes an attribute), nor are lists of lists or of maps
// (ErrValue).
//
// A list is a multi-valued attribute: a query condition matches when one
// of its elements does, and each distinct element has an index entry. The
// list itself is stored whole in one value, elements in order and repeats
// kept, so Get returns it as it was written: []any, in order. A list of
// one element stays a list, and an empty list is stored but has no index
// entry: no condition matches it.
//
// Ids are version 7 UUIDs (time-ordered, google/uuid) made by Create, or
// the caller's (CreateWithID): uuid.UUID, strings or integers, at most
// MaxIDSize bytes encoded.
//
// # Indexes
//
// Index rules say which attributes have index entries: "*" (every
// attribute), "name" (one) or "path.*" (every attribute under a path). A
// store indexes every attribute by default, as found did, so that any
// attribute can be queried. A store may declare its rules instead
// (Spec.Indexes at registration, or DropIndex("*") and AddIndex), to save
// the space and write cost of entries nobody queries, and to store values
// too long to be index keys (about 10,000 bytes; see ErrIndexKeyTooLarge).
// Rules do not overlap.
//
// AddIndex declares a rule in the caller's transaction; from then on,
// writes maintain its entries, and the BuildIndex job adds those of the
// documents written before and makes the rule ready. Queries use ready
// rules only. DropIndex clears a rule's entries in one range clear.
//
// Every write clears exactly the index entries of the values it removes
// or changes and writes those of the new values (found's remove cleared a
// wrong key and left them all); values that do not change are not
// rewritten.
//
// # Queries
//
// Conditions (Eq, Ge, Gt, Le, Lt, Between, Prefix, Has) compare values of
// one kind: numbers (integers and floats together, by value: 1 and 1.0
// are equal, -0.0 and 0.0 too, NaN matches no comparison), strings and
// bytes (bytewise; Prefix for both), booleans (false < true), UUIDs
// (bytewise, so version 7 UUIDs by time) and times (chronologically).
//
// Several conditions are an intersection. The most selective condition on
// an indexed attribute drives: planning reads the first 32 index entries
// of each candidate condition (snapshot reads), and if none has fewer,
// asks the database's range size estimates. Its index range is read in
// order, and the other conditions are checked on each candidate's values,
// read by batches of point reads issued together (QueryOptions.Batch).
// Conditions on attributes without an index filter only; a query with no
// condition on a ready index fails with ErrNotIndexed. A query without
// conditions returns every id.
//
// Ids come in the order of the driver's index (by value, then id; for
// numbers, integers before floats), each once even when several elements
// of a list match: an index entry of an attribute with several values
// carries a mark, and the driver reads that document's value to yield it
// only at its first matching entry. A Continuation records the query's
// fingerprint, its driver and the last index key yielded (or read, after
// a stop on the scan budget); resuming starts
// after that key, so it neither repeats nor skips an id whose entries are
// unchanged, even if other documents changed in between.
//
// # Jobs
//
// Changes to every document do not fit in one transaction: RunJob runs
// them (DropField, DropPrefix, DropAll, BuildIndex) in transactions of at
// most JobOptions.StepDocs documents and StepBytes bytes, each recording
// in the same commit the id of the last document it examined. Stopping a
// job at any point (a crash, a cancelled context, JobOptions.MaxSteps)
// loses nothing; running the same job again resumes after the recorded
// id, and the record is removed when the job ends. Jobs lists those in
// progress. A job sees each document once, as it is when the job reaches
// it; a document written behind the job's position keeps what it was
// given. DropAll is a single range clear (FoundationDB clears ranges in
// one small mutation), run as a job of one step for uniformity.
//
// # Key layout
//
// Under the store's subspace (the store's raw prefix followed by packed
// tuples):
//
//	(0, "config")                    = pack((1, rule, ready, rule, ready, ...))   absent: (("*", true))
//	(0, "job", kind, arg)            = pack((1, last id examined or nil, documents, changed))
//	(1, id)                          = pack((size, attribute names...))           the header, names sorted
//	(2, id, attribute)               = pack((v,))                                 a scalar
//	(2, id, attribute)               = pack((nil, v1, v2, ...))                   a list
//	(3, attribute, v, id)            = "" or "\x01"                               an index entry
//
// The header says that the document exists (Exists is one point read) and
// lists its attributes, so that MultiGet reads a batch of documents with
// two rounds of point reads issued together, headers then values,
// instead of one range read after another. Index entries are empty for an
// attribute with one distinct value and "\x01" for one with several.
//
// # Limits
//
// A value (a whole list) is at most layer.MaxValueSize, 100,000 bytes
// encoded: a larger one fails with ErrValueTooLarge, whose message points
// to the blob layer (package blob), where large content belongs, its hash
// kept in the document. A value of an indexed attribute must fit in an
// index key (ErrIndexKeyTooLarge past layer.MaxKeySize, 10,000 bytes).
//
// A document is at most MaxDocumentSize, 1,000,000 bytes, counted as it is
// stored with every attribute indexed: its header, data keys and values,
// and one index key per distinct value that could be indexed (whatever
// the rules, so that the size does not change with them). Its attribute
// names must also fit in its header, one value. A transaction counts each
// key it writes about three times (the mutation and its write conflict
// range) and each key it clears four times, so a write of one document
// takes at most 3,000,000 bytes (Create), 4,000,000 (Delete, DeleteFields)
// or 7,000,000 (Replace or UpsertFields changing every value of an
// index-heavy document), within FoundationDB's 10,000,000, and a job step
// at most four times JobOptions.StepBytes (1 MiB by default) or one
// document's worth. A document of 10 MB fails cleanly with
// ErrDocumentTooLarge instead of failing the commit (2101).
// TestWorstCaseWrites checks these bounds.
//
// # Errors
//
// Bad input is refused before anything is written, with errors that wrap
// the package's sentinels (ErrNotFound, ErrExists, ErrAttribute,
// ErrValue, ErrValueTooLarge, ...) and start with "eav: "; errors about
// one attribute are *AttrError values naming it. Nothing panics on bad
// input.
//
// # Caveats
//
//   - Run in Transact, Create makes a new id on each attempt; CreateWithID
//     retried after an unknown commit result (1021) that did commit fails
//     with ErrExists.
//   - Reads through a Store add read conflict ranges; pass tx.Snapshot() to
//     Query or Get for reads that should not make the transaction
//     conflict. Every write reads the store's configuration key, so
//     AddIndex and DropIndex conflict with writes in flight, which retry
//     under the new rules.
//   - A paged query is not one snapshot: each page reads at its own read
//     version. Order is by index key, not by a global sort of values:
//     a numeric range yields integers before floats.
//   - Float32 values come back as float64, times in UTC, integers as
//     int64: Get returns the stored types, not the written ones.
//   - This layout is not found's (found nested the store's prefix as a
//     tuple in every key and kept no header): a store written by found is
//     not readable here.
//   - Keys written by other programs in the store's subspace make reads
//     fail with ErrCorrupt.
package eav
