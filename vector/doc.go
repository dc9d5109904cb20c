// Package vector keeps vector buckets: named indexes of fixed-dimension
// float32 vectors with JSON metadata, searched for the k nearest vectors
// to a query under a metric, with metadata filters, inside FoundationDB
// transactions. An index is exact (a full scan: the ground truth) or ivf
// (an inverted file: vectors partitioned into lists around centroids that
// k-means trains, a search scanning only the lists nearest the query).
//
// # Basics
//
// A Bucket is a description, not a handle: it holds no transaction. Every
// method takes the caller's layer.Tx or layer.ReadTx and never commits or
// retries, so vector writes compose with other layers' in one transaction
// (a vector and the eav document it embeds commit together or not at all):
//
//	b := vector.New(subspace.FromTuple(tuple.Tuple{"app", "vectors"}))
//	ix, err := layer.Transact(ctx, db, func(tx layer.Tx) (*vector.Index, error) {
//		return b.CreateIndex(tx, "docs", vector.IndexSpec{Dims: 384, Metric: vector.Cosine, Kind: vector.IVF})
//	})
//	_, err = layer.Transact(ctx, db, func(tx layer.Tx) (struct{}, error) {
//		return struct{}{}, ix.Put(tx, "doc-1", embedding, map[string]any{"lang": "en", "year": 2024})
//	})
//	f, err := vector.ParseFilterJSON([]byte(`{"lang": "en", "year": {"$gte": 2020}}`))
//	rs, err := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) ([]vector.Result, error) {
//		return ix.Search(tx, query, vector.SearchOptions{K: 10, Filter: f})
//	})
//
// Buckets may be registered by name (Create, Open, List, Drop, in a
// registry subspace; DefaultRegistry is the strata command line's).
// Indexes: CreateIndex, DropIndex (one ClearRange), Index (a handle),
// Indexes. Vectors: Put, PutMany (reads every key's old place before
// waiting on any), Get (with or without the vector), Delete, Stats.
//
// Search returns Results nearest first (ties by key), each with its key,
// Distance, Score, metadata and, with WithVector, its vector. Distances:
// cosine 1-cos (score cos), euclidean the L2 distance (score its
// negation), dot -q·v (score q·v). Search reads in the caller's
// transaction; SearchDB runs on a DB, pages every list scan across
// transactions (SearchOptions.PageSize entries each) and reads up to
// SearchOptions.Parallel lists at once in goroutines with transactions of
// their own.
//
// Filters (see Filter) are JSON objects over top-level metadata fields:
// $eq $ne $gt $gte $lt $lte $in $nin $exists $and $or. ParseFilter and
// ParseFilterJSON return a *FilterError (matching ErrFilter) naming the
// path of what is wrong. A filtered search returns the k nearest vectors
// among those that match: filtering happens during the scan, not after
// it, so it never returns fewer than k when k match in the lists scanned.
//
// # ivf
//
// An ivf index is exact until trained. Train is a resumable job of
// bounded transactions: it samples up to TrainOptions.SampleSize vectors
// (reservoir sampling, page by page), runs k-means (spherical for cosine)
// outside any transaction, installs the centroids as a new generation in
// one transaction, then moves the existing vectors to the lists of their
// nearest centroids, TrainOptions.PageSize entries and at most about
// TrainOptions.StepBytes (DefaultStepBytes, 4 MB) per transaction
// (MigrateStep, Migrate). A step reads the old entries as a snapshot and
// conflicts only on those it moves, so puts and deletes of other vectors
// do not make it retry. From the install on, puts go to their nearest list of the new
// generation, and searches probe the NProbe nearest lists of it plus every
// entry still in an older generation, so search results stay correct at
// every point of the job; a job stopped after the install is finished by
// Migrate, or replaced by another Train (a retrain). Every put, delete and
// migration step reads the index definition, so they conflict with an
// install and retry under the new centroids.
//
// # Key layout
//
// Under the bucket's subspace B, for an index named N, with I the
// subspace B+("x", N):
//
//	B+("i", N)                   index definition: tuple (1, id, dims, metric, kind,
//	                             nlist, nprobe, generation, lists)
//	I+("k", key)                 where the vector is: tuple (generation, list)
//	I+("l", gen, list, key)      the vector: dims float32s little-endian, then
//	                             its metadata as JSON (nothing if none)
//	I+("c", gen, list)           a centroid: dims float32s little-endian
//	I+("n")                      vector count, 8-byte little-endian, atomic add
//
// Exact and untrained indexes keep every vector in list (0, 0). The id is
// random per CreateIndex, so that handles of a dropped index fail with
// ErrIndexChanged even when the name is reused.
//
// # Limits
//
// Dimensions 1 to MaxDims (4096), fixed at creation with the metric;
// every put and query is checked (ErrDimension; NaN, infinities and, for
// cosine, zero vectors give ErrInvalidVector). Keys are 1 to MaxKeyLen
// bytes; metadata at most MaxMetadataSize bytes of JSON and
// MaxMetadataKeys top-level fields (ErrMetadata). Every error this
// package makes starts with "vector: " and wraps one of its sentinels.
//
// # Caveats
//
//   - PutMany writes its whole batch in the caller's transaction: a batch
//     whose estimated size (vectors, keys, conflict ranges) exceeds
//     MaxBatchBytes (8,000,000: about 600 vectors of 3072 dimensions)
//     fails with ErrBatchTooLarge. Split large loads across transactions.
//   - Search in one transaction is bounded by FoundationDB's five-second
//     transaction lifetime: an exact search over a large index belongs in
//     SearchDB. SearchDB's pages and lists are read at different versions,
//     so a search racing writes may see some of them and not others; each
//     vector is seen whole or not at all.
//   - ivf is approximate: a vector whose list is not among the NProbe
//     probed is missed. Recall depends on the data; measure it
//     (TestRecallQPS, behind STRATA_VECTOR_RECALL=1). For the dot metric,
//     lists are assigned by the largest inner product with a centroid,
//     which favours centroids of large norm; prefer cosine for normalised
//     embeddings.
//   - A filter that few vectors match makes an ivf search find fewer than
//     k results when the probed lists hold fewer matches; exact search
//     (SearchOptions.Exact) always finds them.
//   - Centroids are cached per Index handle and generation; a handle reads
//     one key per operation to see whether the generation changed.
//   - Metadata numbers are JSON numbers (float64): integers beyond 2^53
//     lose precision.
package vector
