// Package invindex is an inverted index with BM25 ranking inside
// FoundationDB transactions: found's pstore, redone. Documents are indexed,
// reindexed and removed in the caller's transaction, together with any
// other layer's writes, and searched with an exact, deterministic top-k.
//
// # Basics
//
// An Index keeps its data under a subspace. It is a description, not a
// handle: every method takes the caller's layer.Tx or layer.ReadTx, never
// commits and never retries:
//
//	ix, err := invindex.New(subspace.FromTuple(tuple.Tuple{"app", "search"}), invindex.Options{})
//	_, err = layer.Transact(ctx, db, func(tx layer.Tx) (any, error) {
//		return nil, ix.Index(tx, "doc-42", "The quick brown fox")
//	})
//	hits, err := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) ([]invindex.Hit, error) {
//		return ix.Search(tx, "brown fox", invindex.SearchOptions{Limit: 10})
//	})
//
// Index (text through the analyzer) and IndexCounts (a term -> count map,
// as found's pstore took) replace a document already indexed under the
// same id: the document's record keeps its term list, so its old postings
// are cleared exactly and none goes stale. Reindex is Index for a document
// that must exist; Remove removes one. Create, Open, List and Drop keep
// named indexes in a registry (internal/catalog), with k1, b and the shard
// count recorded.
//
// # Analysis
//
// The default analyzer, Tokenize, splits text into maximal runs of Unicode
// letters, digits and marks and lowercases them (Unicode case mapping,
// strings.ToLower; no final-sigma rule, no Unicode normalization, so
// precomposed and decomposed accents are different terms). It does not
// stem. WithStopWords drops a list of words (EnglishStopWords is one).
// Options.Analyzer takes any func(string) []string; the registry does not
// record it, so index and query with the same one. Terms are at most
// MaxTermSize (200) bytes, document ids at most MaxDocIDSize (1000).
//
// # Ranking
//
// Search scores with BM25 (k1 and b from Options, 1.2 and 0.75 by
// default, overridable per search):
//
//	score(D, Q) = sum over distinct terms t of Q present in D of
//	    IDF(t) * tf * (k1 + 1) / (tf + k1 * (1 - b + b * |D| / avgdl))
//	IDF(t)      = ln(1 + (N - df + 0.5) / (df + 0.5))     (Lucene's, never negative)
//
// where tf is t's count in D, |D| the number of term occurrences in D,
// N the number of documents, avgdl the total length over N, df the number
// of documents holding t. A term repeated in a query counts once. The
// contributions are summed in the terms' byte order, so a document's score
// does not depend on the evaluation order. Hits are sorted by score, then
// by document id (ascending bytes); the top k is exact, never sampled.
//
// Modes: Or (any term; the default) and And (all terms; a term absent from
// the index makes the result empty). An empty query, or one whose terms
// the analyzer drops, returns no hits and no error. Pagination: Offset and
// Limit (the evaluation keeps Offset+Limit hits).
//
// # Evaluation
//
// Posting lists are read document-at-a-time, in document-id order, a page
// at a time (range reads with a limit that doubles from 16 to 4096
// postings while a cursor reads on); a cursor that must skip ahead past
// its page reads a new page of 16 from the target, so skipped stretches
// are not read. And intersects the
// lists shortest first (by df), leapfrogging: the shortest proposes a
// document, the others seek to it. Or uses MaxScore: every term has an
// upper bound on its contribution, IDF * g(max tf) with
// g(x) = x(k1+1)/(x + k1(1 - b + b x/avgdl)), valid because a term's
// contribution grows with tf and shrinks with |D| >= tf (the bound is
// raised by a relative 1e-9 against rounding). Once k hits are held, the
// lists whose bounds sum to at most the k-th score are non-essential:
// candidates come only from the other lists, and a candidate is dropped
// as soon as its partial score plus the remaining bounds cannot beat the
// k-th. The first reads of a search (the statistics, every term's df
// shards and max tf, the first page of every list) are issued before any
// is waited on.
//
// Search reads inside the caller's transaction, so it is bounded by the
// transaction's five seconds. SearchDB runs a search over as many
// transactions as it needs, each reading a budget of postings and handing
// the next its place in document order and the hits so far (see its
// caveat on versions).
//
// # Key layout
//
// Under the index's subspace (tuple-encoded):
//
//	("p", term, doc)   posting: uvarint tf, uvarint |doc|. Ordered by doc.
//	                   The length is copied here so that scoring reads no
//	                   per-document key; Index rewrites it.
//	("d", doc)         the document: tuple (|doc|, term1, tf1, term2, tf2, ...),
//	                   terms sorted; what Remove and reindexing clear.
//	("f", term, shard) df: 8-byte little-endian counter, atomic Add; cleared
//	                   with CompareAndClear when it reaches 0.
//	("m", term)        max tf ever indexed for the term: 8-byte little-endian,
//	                   atomic Max; written only for counts above 1 (absent
//	                   reads as 1), which saves an atomic op per term.
//	("s", shard, "n")  document count of the shard (atomic Add).
//	("s", shard, "len") total length of the shard (atomic Add).
//
// A document's statistics go to shard fnv32a(doc) % Shards (16 by
// default); readers sum a term's shards with one range read and the
// collection's with another. Statistics are only changed by atomic
// operations, which add no read conflicts, so concurrent indexing of
// different documents does not conflict; spreading them over shards keeps
// one key from taking every write.
//
// # Caveats
//
//   - A document's term list is one value: a document with too many
//     distinct terms for layer.MaxValueSize (about 10,000 of average
//     length) fails with ErrDocumentTooLarge. Split larger documents.
//   - Indexing one document writes a posting per distinct term, each
//     keyed by the whole document id, with its conflict ranges and
//     statistics updates; replacing a document also clears its old
//     postings. IndexCounts estimates these bytes as FoundationDB counts
//     them and refuses a document over MaxDocumentTxBytes (8,000,000)
//     with ErrDocumentTooLarge, writing nothing (e.g. a 1000-byte id
//     with 3,000 terms, or reindexing a 200-byte id with 6,000). A
//     document near the bound may index but not reindex: Remove it in
//     its own transaction first.
//   - A transaction indexes its documents within FoundationDB's
//     10,000,000-byte limit: batch accordingly (a few hundred typical
//     documents per transaction).
//   - The max tf of a term never decreases when documents are removed:
//     the MaxScore bound stays valid, only looser.
//   - Shards must not change once documents are indexed (the registry
//     records it).
//   - Indexing the same document id concurrently conflicts (both read its
//     record); layer.Transact retries.
//   - The index keeps no positions: no phrase queries.
package invindex
