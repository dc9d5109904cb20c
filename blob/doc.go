// Package blob is a content-addressed blob store of unbounded blobs: found's
// bstore (Python, asyncio-foundationdb), redone. Blobs are named by the
// SHA-256 of their content, cut into content-defined chunks (FastCDC), and
// each chunk is stored once however many blobs hold it.
//
// # Basics
//
// A Store is a subspace and a Config; it holds no data and no transaction.
// Blobs of any size go in through a Writer and come out through a Reader,
// which span as many transactions as a blob needs:
//
//	store, err := blob.New(subspace.FromTuple(tuple.Tuple{"files"}), blob.Config{})
//	w := store.NewWriter(ctx, db)
//	_, err = io.Copy(w, file)
//	info, err := w.Commit() // or Close; info.ID is the content's SHA-256
//
//	r, err := store.NewReader(ctx, db, info.ID) // io.ReadSeeker, io.ReaderAt, io.WriterTo
//	_, err = io.Copy(dst, r)
//	r.Close()
//
// Small blobs (up to MaxSmallSize, and MaxSmallChunks chunks) also go in and out inside the caller's
// transaction, with other layers' writes: PutSmall (found's
// get_or_create) and GetSmall. Stat, Exists, List, Resolve (an ID from a
// hex prefix), Usage and Delete take the caller's transaction too.
//
// Putting content that is already stored adds a reference (Info.Refs);
// Delete removes one, and the blob disappears at zero. Space comes back
// when GC runs: it releases the chunk references of deleted blobs and of
// abandoned uploads, and deletes the chunks left without references, in
// bounded transactions. Run it periodically (strata blob gc does).
//
// Stores may be registered by name (Create, Open, List, Drop, in the
// registry of internal/catalog; DefaultRegistry is the strata command
// line's), which keeps their chunk sizes.
//
// # Writing
//
// A Writer cuts its input into chunks (MinChunk, AvgChunk, MaxChunk:
// 16/32/64 KiB by default; random data averages about 38 KiB, as FastCDC
// starts looking for a cut point only after MinChunk bytes) and hashes each
// chunk and the whole blob. Every Config.BatchBytes (4 MiB) of chunks it
// commits one transaction that stores the chunks the store lacks, takes one
// reference on each chunk with an atomic add, and writes the batch's page
// of the manifest and the upload's record, which renews the upload's lease.
// That transaction runs in the background while the next batch is cut and
// hashed (one at a time, in order), so a Writer holds two batches in
// memory, and the error of a batch shows at the next Write or at Commit.
// Commit then publishes the blob in one last transaction: it writes the
// header that points at the manifest. Until then nothing is visible; if
// the blob exists already, Commit adds a reference to it instead and the
// upload's own manifest goes to the collector. A blob that fits one batch
// takes one transaction.
//
// An upload that never commits (the process died, Abort was called, an
// error) publishes nothing: the collector gives it up once its lease
// (Config.Lease, one hour) has passed without a batch (at once after
// Abort), releases the references its manifest took and deletes the chunks
// that no blob needs. A Writer given up this way fails with
// ErrUploadExpired.
//
// # Reading
//
// A Reader reads Config.ReadAhead (4 MiB) per transaction: it finds the
// manifest pages for the window, issues the reads of all of its chunks,
// then waits on them, so that on FoundationDB they run in parallel; while
// the window is consumed, the next one is fetched in the background. Each
// chunk is checked against its hash (ErrCorrupt otherwise). A published
// blob never changes, so reading across transactions is consistent; each
// transaction also checks that the blob is still published, and once it is
// deleted the Reader's next transaction fails with ErrDeleted (bytes
// already read were the blob's). A blob deleted and stored again meanwhile
// is read on, from its new manifest.
//
// # Key layout
//
// Under the store's subspace, with hash and id the 32-byte SHA-256 of a
// chunk or a blob (tuple byte strings) and m a manifest's UUIDv7:
//
//	("b", id)          = pack((1, size, chunks, created Unix ns, m))     blob header
//	("n", id)          = int64 LE, atomic add                            blob references
//	("c", hash)        = the chunk's bytes (1 to 64 KiB)                 chunk
//	("r", hash)        = int64 LE, atomic add                            chunk references
//	("m", m, offset)   = 0x01 then entries of hash (32 bytes) and        manifest page
//	                     size (uint32 BE), at most 2,048 (73,729 bytes)
//	("u", m)           = pack((1, state, started ns, updated ns, bytes)) upload record
//	("g", hash)        = size (uint32 BE)                                GC candidate
//	("s", name)        = int64 LE, atomic add                            counters: "blobs",
//	                                                                    "blob_bytes", "chunks",
//	                                                                    "chunk_bytes"
//
// A manifest page's key holds the blob offset of its first chunk, so the
// page holding any offset is one key selector away (a Seek costs one range
// read). A Writer writes one page per batch; PutSmall pages of up to
// 2,048 entries. A chunk's reference count is the number of manifest
// entries naming it, in published manifests, in uploads running and in
// manifests waiting for the collector. Record states: 1 an upload is
// running (updated is when its lease started), 2 published (the header owns
// the manifest; the record stays a lease long so that a Writer retrying
// its publication after an unknown commit result finds it), 3 dead (given
// up, aborted or deleted: the collector releases the manifest), 4 merged
// (published as a reference to an existing blob: released too). A
// registered store's catalog entry holds (min, avg, max) chunk sizes as its
// options.
//
// # Garbage collection and its races
//
// GC works in three resumable steps, each in bounded transactions
// (GCOptions.TxEntries): it marks running uploads idle past the lease as
// dead; for each dead or merged manifest it adds -1 to the reference count
// of each entry, records the chunk as a candidate and clears the page, a
// few pages per transaction; then for each candidate it reads the chunk's
// count and, at zero, deletes its bytes and count. Every step is in the
// database when it commits, so an interrupted collection is finished by
// the next one, and a page is released once (its transaction reads it and
// clears it).
//
// The race that matters is an upload reusing a chunk at zero references
// (left by a deleted blob) while the collector deletes it. The upload's
// transaction reads the chunk's count (a snapshot read) to decide whether
// to store its bytes; if the chunk is there, it does not store them but
// adds a read conflict on the chunk's bytes key and takes its reference
// with an atomic add. The collector's transaction reads the count (a
// conflicting read) and clears the bytes and the count. Whichever commits
// second fails with layer.ErrNotCommitted and is retried: a retried upload
// finds the chunk gone and stores it again; a retried collection sees the
// new reference and keeps the chunk. So a chunk is deleted only if no
// committed manifest names it, and a published blob never lacks one (the
// tests play both orders). For a chunk that is absent, the upload adds a
// read conflict on its count instead, so two uploads storing the same new
// chunk do not both count it. Likewise the collector's expiry of an upload
// reads (with a conflict) the record each batch rewrites: a batch renewing
// the lease fails an expiry that read the old lease, and a batch after an
// expiry finds its upload dead.
//
// # Caveats
//
//   - The lease is wall-clock time in the upload's record compared with
//     the collector's clock: keep it far longer than the clock skew between
//     machines and than the longest pause of a Writer between batches (a
//     Writer renews its lease at least every quarter lease while it is
//     written to; one that is not written to for a whole lease is given
//     up).
//   - Chunk sizes decide the chunks: stores (or Configs) with different
//     sizes share no chunks, and changing the gear table of the chunker
//     would change every boundary. IDs do not depend on them.
//   - PutSmall of an existing blob and Commit of a Writer take a new
//     reference, and Delete drops one; Delete is not idempotent under
//     layer.ErrCommitUnknownResult (a retried Delete may drop two).
//   - Until the collector runs, deleted blobs and abandoned uploads take
//     space (Usage counts their chunks), and a store whose uploads never
//     finish grows: run GC.
//   - Each transaction of a Reader reads at its own read version: a Reader
//     does not see a blob as of one instant, which is harmless since a
//     blob's bytes never change, but a deletion is noticed only at its
//     next transaction (the bytes of the window it holds are still
//     served).
//   - Transaction sizes: a Writer's batch writes about BatchBytes plus 80
//     bytes per chunk (4 MiB default, MaxBatchBytes 8 MiB, under
//     FoundationDB's 10,000,000); PutSmall writes up to MaxSmallSize (4 MiB)
//     in up to MaxSmallChunks (2048) chunks in the caller's transaction,
//     which must leave room for it. With small chunk sizes (MinChunk near
//     MinChunkLimit) the chunk bound comes first: a blob of a few hundred
//     KiB fails with ErrTooLarge; store it with a Writer.
//   - Keys written in the store's subspace by other programs make reads
//     fail with ErrCorrupt.
package blob
