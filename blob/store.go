package blob

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"iter"
	"math/bits"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/subspace"
	"github.com/strata-db/strata/layer/tuple"
)

// Defaults and limits of Config.
const (
	// DefaultMinChunk, DefaultAvgChunk and DefaultMaxChunk are the chunk
	// sizes of a zero Config: 16 KiB, 32 KiB, 64 KiB.
	DefaultMinChunk = 16 << 10
	DefaultAvgChunk = 32 << 10
	DefaultMaxChunk = 64 << 10
	// MinChunkLimit is the smallest MinChunk allowed.
	MinChunkLimit = 64
	// MaxChunkLimit is the largest MaxChunk allowed: a chunk is one value,
	// and 64 KiB stays well under layer.MaxValueSize.
	MaxChunkLimit = 64 << 10

	// DefaultBatchBytes is how many bytes of new chunks a Writer puts in
	// one transaction; MaxBatchBytes is the most allowed, well under
	// layer.DefaultSizeLimit.
	DefaultBatchBytes = 4 << 20
	MaxBatchBytes     = 8 << 20

	// DefaultReadAhead is how many bytes a Reader reads per transaction.
	DefaultReadAhead = 4 << 20
	// MaxReadAhead is the most allowed.
	MaxReadAhead = 64 << 20

	// DefaultLease is how long an upload may stay idle before the garbage
	// collector gives it up and releases its chunks.
	DefaultLease = time.Hour

	// MaxSmallSize is the largest blob PutSmall writes or GetSmall reads in
	// the caller's transaction.
	MaxSmallSize = 4 << 20
	// MaxSmallChunks is the most chunks PutSmall writes in the caller's
	// transaction (one manifest page): each chunk adds some 500 bytes of
	// keys, references and conflict ranges to the transaction, so with
	// small chunk sizes a blob under MaxSmallSize can still be too many
	// chunks for one transaction (2101).
	MaxSmallChunks = maxPageEntries

	// MinPrefixLen is the fewest hex digits Resolve takes.
	MinPrefixLen = 4
)

// Config sets a store's chunking and the bounds of its transactions. The
// zero value of every field means its default.
type Config struct {
	// MinChunk, AvgChunk and MaxChunk are FastCDC's minimum, target and
	// maximum chunk sizes: MinChunkLimit <= MinChunk < AvgChunk < MaxChunk
	// <= MaxChunkLimit, AvgChunk a power of two. They decide the chunk
	// boundaries, so blobs written with different sizes share no chunks
	// (they stay correct: a blob's ID is its content's hash whatever its
	// chunks). A registered store keeps them in the registry.
	MinChunk, AvgChunk, MaxChunk int
	// BatchBytes bounds the chunk bytes a Writer writes per transaction
	// (MaxChunk to MaxBatchBytes). A Writer holds two batches in memory:
	// the one being stored and the one being cut.
	BatchBytes int
	// ReadAhead is how many bytes a Reader fetches per transaction, with
	// the chunks' reads issued together (MaxChunk to MaxReadAhead). A
	// Reader reading forward holds two such windows: the one it serves
	// and the next, fetched in the background.
	ReadAhead int
	// Lease is how long an upload may go without writing a batch before
	// the garbage collector may give it up.
	Lease time.Duration
}

// withDefaults fills in zero fields and checks the bounds.
func (c Config) withDefaults() (Config, error) {
	if c.MinChunk == 0 && c.AvgChunk == 0 && c.MaxChunk == 0 {
		c.MinChunk, c.AvgChunk, c.MaxChunk = DefaultMinChunk, DefaultAvgChunk, DefaultMaxChunk
	}
	if c.BatchBytes == 0 {
		c.BatchBytes = max(DefaultBatchBytes, c.MaxChunk)
	}
	if c.ReadAhead == 0 {
		c.ReadAhead = max(DefaultReadAhead, c.MaxChunk)
	}
	if c.Lease == 0 {
		c.Lease = DefaultLease
	}
	switch {
	case c.MinChunk < MinChunkLimit || c.MinChunk >= c.AvgChunk || c.AvgChunk >= c.MaxChunk || c.MaxChunk > MaxChunkLimit:
		return c, fmt.Errorf("%w: chunk sizes %d/%d/%d: want %d <= min < avg < max <= %d", ErrConfig,
			c.MinChunk, c.AvgChunk, c.MaxChunk, MinChunkLimit, MaxChunkLimit)
	case bits.OnesCount(uint(c.AvgChunk)) != 1:
		return c, fmt.Errorf("%w: average chunk size %d is not a power of two", ErrConfig, c.AvgChunk)
	case c.BatchBytes < c.MaxChunk || c.BatchBytes > MaxBatchBytes:
		return c, fmt.Errorf("%w: BatchBytes %d: want %d to %d", ErrConfig, c.BatchBytes, c.MaxChunk, MaxBatchBytes)
	case c.ReadAhead < c.MaxChunk || c.ReadAhead > MaxReadAhead:
		return c, fmt.Errorf("%w: ReadAhead %d: want %d to %d", ErrConfig, c.ReadAhead, c.MaxChunk, MaxReadAhead)
	case c.Lease < 0:
		return c, fmt.Errorf("%w: negative lease %v", ErrConfig, c.Lease)
	}
	return c, nil
}

// Store is a content-addressed blob store under a subspace. It is a
// description (the subspace and the configuration) that holds no data and
// no transaction, and is safe to share between goroutines.
type Store struct {
	k    keys
	cfg  Config
	cdc  chunker
	name string
}

// New returns the blob store kept under ss with the configuration cfg
// (zero fields take their defaults). Nothing is read or written: a store
// exists by its keys.
func New(ss subspace.Subspace, cfg Config) (*Store, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Store{k: newKeys(ss), cfg: cfg, cdc: newChunker(cfg.MinChunk, cfg.AvgChunk, cfg.MaxChunk)}, nil
}

// Subspace returns the subspace of the store's keys.
func (s *Store) Subspace() subspace.Subspace { return s.k.ss }

// Config returns the store's configuration, defaults filled in.
func (s *Store) Config() Config { return s.cfg }

// Name returns the name the store was registered with, or "".
func (s *Store) Name() string { return s.name }

// String names the store.
func (s *Store) String() string {
	if s.name != "" {
		return fmt.Sprintf("blob store %q (%s)", s.name, s.k.ss)
	}
	return fmt.Sprintf("blob store (%s)", s.k.ss)
}

// Info describes a published blob.
type Info struct {
	// ID is the SHA-256 of the content.
	ID ID
	// Size is the content's length in bytes.
	Size int64
	// Chunks is the number of chunks of its manifest (0 for the empty blob).
	Chunks int64
	// Created is when the blob was first published (since it was last
	// absent from the store).
	Created time.Time
	// Refs is the number of references: puts of this content minus
	// deletes. The blob is removed when it drops to zero.
	Refs int64
}

func (h header) info(id ID, refs int64) Info {
	return Info{ID: id, Size: h.size, Chunks: h.chunks, Created: h.created, Refs: refs}
}

// Stat returns a blob's Info, or ErrNotFound.
func (s *Store) Stat(tx layer.ReadTx, id ID) (Info, error) {
	hf, rf := tx.Get(s.k.headerKey(id)), tx.Get(s.k.refsKey(id))
	h, err := s.getHeader(hf, id)
	if err != nil {
		return Info{}, err
	}
	refs, err := rf.Get()
	if err != nil {
		return Info{}, err
	}
	return h.info(id, decodeCounter(refs)), nil
}

// getHeader waits for a header read, failing with ErrNotFound.
func (s *Store) getHeader(f layer.Future[[]byte], id ID) (header, error) {
	v, err := f.Get()
	if err != nil {
		return header{}, err
	}
	if v == nil {
		return header{}, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	return decodeHeader(v)
}

// Exists reports whether a blob is published.
func (s *Store) Exists(tx layer.ReadTx, id ID) (bool, error) {
	v, err := tx.Get(s.k.headerKey(id)).Get()
	return v != nil, err
}

// Delete removes one reference to a blob and returns the references left;
// at zero the blob is unpublished at once (Stat, readers and List no longer
// see it) and the garbage collector releases its chunks later. It fails
// with ErrNotFound if the blob is not published. Delete does a constant
// amount of work whatever the blob's size.
//
// Delete is not idempotent: if the transaction's commit fails with
// layer.ErrCommitUnknownResult and is retried, two references may go.
func (s *Store) Delete(tx layer.Tx, id ID) (int64, error) {
	hk, rk := s.k.headerKey(id), s.k.refsKey(id)
	hf, rf := tx.Get(hk), tx.Get(rk)
	h, err := s.getHeader(hf, id)
	if err != nil {
		return 0, err
	}
	v, err := rf.Get()
	if err != nil {
		return 0, err
	}
	if refs := decodeCounter(v); refs > 1 {
		tx.Add(rk, minusOne)
		return refs - 1, nil
	}
	tx.Clear(hk)
	tx.Clear(rk)
	now := time.Now()
	tx.Set(s.k.recordKey(h.manifest), encodeRecord(record{state: stateDead, started: h.created, updated: now, size: h.size}))
	tx.Add(s.k.statKey(statBlobs), minusOne)
	tx.Add(s.k.statKey(statBlobBytes), counter(-h.size))
	return 0, nil
}

// Usage is what a store holds.
type Usage struct {
	// Blobs and BlobBytes count the published blobs and their sizes (each
	// blob once, whatever its references).
	Blobs, BlobBytes int64
	// Chunks and ChunkBytes count the stored chunks and their sizes: what
	// the blobs take after deduplication, plus chunks of uploads in flight
	// and garbage not yet collected.
	Chunks, ChunkBytes int64
}

// Usage reads the store's counters.
func (s *Store) Usage(tx layer.ReadTx) (Usage, error) {
	vs, err := layer.GetAll(tx, [][]byte{
		s.k.statKey(statBlobs), s.k.statKey(statBlobBytes),
		s.k.statKey(statChunks), s.k.statKey(statChunkBytes),
	})
	if err != nil {
		return Usage{}, err
	}
	return Usage{
		Blobs: decodeCounter(vs[0]), BlobBytes: decodeCounter(vs[1]),
		Chunks: decodeCounter(vs[2]), ChunkBytes: decodeCounter(vs[3]),
	}, nil
}

// ListOptions bounds List.
type ListOptions struct {
	// After starts the listing after this ID (nil: from the start).
	After *ID
	// Limit caps the blobs returned (0: no limit).
	Limit int
}

// List yields the published blobs in ID order. Breaking out of the loop is
// allowed. A listing too long for one transaction is read in pages, each
// starting After the last ID of the page before.
func (s *Store) List(tx layer.ReadTx, opts ListOptions) iter.Seq2[Info, error] {
	return func(yield func(Info, error) bool) {
		r := s.k.header.Range()
		if opts.After != nil {
			r.Begin = append(s.k.headerKey(*opts.After), 0x00)
		}
		const batch = 256
		var hs []header
		var ids []ID
		flush := func() bool {
			fs := make([]layer.Future[[]byte], len(ids))
			for i, id := range ids {
				fs[i] = tx.Get(s.k.refsKey(id))
			}
			for i, f := range fs {
				v, err := f.Get()
				if err != nil {
					yield(Info{}, err)
					return false
				}
				if !yield(hs[i].info(ids[i], decodeCounter(v)), nil) {
					return false
				}
			}
			hs, ids = hs[:0], ids[:0]
			return true
		}
		for kv, err := range tx.GetRange(r, layer.RangeOptions{Limit: opts.Limit}).All() {
			if err != nil {
				yield(Info{}, err)
				return
			}
			id, err := hashFromKey(s.k.header, kv.Key)
			if err != nil {
				yield(Info{}, err)
				return
			}
			h, err := decodeHeader(kv.Value)
			if err != nil {
				yield(Info{}, fmt.Errorf("%w (blob %s)", err, id))
				return
			}
			hs, ids = append(hs, h), append(ids, id)
			if len(ids) == batch && !flush() {
				return
			}
		}
		flush()
	}
}

// Resolve returns the ID of the one published blob whose hex ID starts
// with prefix (at least MinPrefixLen hex digits; a full ID is returned as
// it is, published or not). It fails with ErrNotFound, ErrAmbiguous or
// ErrInvalidID.
func (s *Store) Resolve(tx layer.ReadTx, prefix string) (ID, error) {
	prefix = strings.ToLower(prefix)
	if len(prefix) == 2*len(ID{}) {
		return ParseID(prefix)
	}
	if len(prefix) < MinPrefixLen || len(prefix) > 2*len(ID{}) {
		return ID{}, fmt.Errorf("%w: %q: want %d to %d hex digits", ErrInvalidID, prefix, MinPrefixLen, 2*len(ID{}))
	}
	even := prefix[:len(prefix)&^1]
	raw, err := hex.DecodeString(even)
	if err == nil && len(prefix)%2 == 1 {
		_, err = hex.DecodeString(prefix[len(prefix)-1:] + "0")
	}
	if err != nil {
		return ID{}, fmt.Errorf("%w: %q: %v", ErrInvalidID, prefix, err)
	}
	// The packed byte string of an ID starting with raw starts with the
	// packing of raw without its terminator: escaping is byte by byte.
	p := s.k.header.MustPack(tuple.Tuple{raw})
	r, err := layer.PrefixRange(p[:len(p)-1])
	if err != nil {
		return ID{}, err
	}
	var found []ID
	for kv, err := range tx.GetRange(r, layer.RangeOptions{}).All() {
		if err != nil {
			return ID{}, err
		}
		id, err := hashFromKey(s.k.header, kv.Key)
		if err != nil {
			return ID{}, err
		}
		if !strings.HasPrefix(id.String(), prefix) {
			continue
		}
		if found = append(found, id); len(found) > 1 {
			return ID{}, fmt.Errorf("%w: %q matches %s and %s", ErrAmbiguous, prefix, found[0], found[1])
		}
	}
	if len(found) == 0 {
		return ID{}, fmt.Errorf("%w: no blob ID starts with %q", ErrNotFound, prefix)
	}
	return found[0], nil
}

// chunkOf is a chunk cut from a blob, not yet stored.
type chunkOf struct {
	hash ID
	data []byte
}

// split cuts data, the whole of a blob or the rest of a stream, into
// chunks.
func (s *Store) split(data []byte, dst []chunkOf) []chunkOf {
	for len(data) > 0 {
		n := s.cdc.cut(data)
		dst = append(dst, chunkOf{hash: Sum(data[:n]), data: data[:n]})
		data = data[n:]
	}
	return dst
}

// staged counts the chunks a transaction stored anew (the others existed).
type staged struct {
	chunks, bytes int64
}

// stage stores chunks that the store lacks and takes one reference on each
// chunk (per occurrence), in tx.
//
// Conflicts make this safe against the garbage collector, which deletes a
// chunk in a transaction that reads its reference count and clears its
// bytes and count: for a chunk that exists, stage adds a read conflict on
// the chunk's bytes (so that a collection of the chunk that commits first
// fails this transaction, which then stores the chunk again), and its
// atomic add on the count fails a collection that read the count before
// (which then sees the new reference). For a chunk that is absent, stage
// adds a read conflict on the count, so that two transactions storing the
// same new chunk do not both count it as new.
func (s *Store) stage(tx layer.Tx, chunks []chunkOf) (staged, error) {
	snap := tx.Snapshot()
	fs := make([]layer.Future[[]byte], len(chunks))
	first := make(map[ID]bool, len(chunks))
	for i, c := range chunks {
		if !first[c.hash] {
			first[c.hash] = true
			fs[i] = snap.Get(s.k.chunkRefsKey(c.hash))
		}
	}
	var st staged
	for i, c := range chunks {
		rk := s.k.chunkRefsKey(c.hash)
		if fs[i] != nil {
			v, err := fs[i].Get()
			if err != nil {
				return staged{}, err
			}
			ck := s.k.chunkKey(c.hash)
			if v != nil {
				if err := tx.AddReadConflictRange(keyRange(ck)); err != nil {
					return staged{}, err
				}
			} else {
				if err := tx.AddReadConflictRange(keyRange(rk)); err != nil {
					return staged{}, err
				}
				tx.Set(ck, c.data)
				st.chunks++
				st.bytes += int64(len(c.data))
			}
		}
		tx.Add(rk, plusOne)
	}
	if st.chunks > 0 {
		tx.Add(s.k.statKey(statChunks), counter(st.chunks))
		tx.Add(s.k.statKey(statChunkBytes), counter(st.bytes))
	}
	return st, nil
}

// keyRange is the range of one key.
func keyRange(k []byte) layer.KeyRange {
	return layer.KeyRange{Begin: k, End: append(bytes.Clone(k), 0x00)}
}

// writePages writes the manifest entries of chunks, whose first starts at
// offset off of the blob, as pages of manifest m.
func (s *Store) writePages(tx layer.Tx, m tuple.UUID, off int64, chunks []chunkOf) {
	for len(chunks) > 0 {
		n := min(len(chunks), maxPageEntries)
		es := make([]entry, n)
		start := off
		for i, c := range chunks[:n] {
			es[i] = entry{hash: c.hash, size: uint32(len(c.data))}
			off += int64(len(c.data))
		}
		tx.Set(s.k.pageKey(m, start), encodePage(es))
		chunks = chunks[n:]
	}
}

// newManifest returns a new manifest ID: a UUIDv7, so that records sort by
// creation time.
func newManifest() tuple.UUID {
	u, err := uuid.NewV7()
	if err != nil {
		u = uuid.New()
	}
	return tuple.UUID(u)
}

// publishNew publishes blob id in tx with all of its chunks: the whole
// blob in one transaction. If the blob is published already, it only adds
// a reference.
func (s *Store) publishNew(tx layer.Tx, id ID, size int64, chunks []chunkOf) (info Info, st staged, existed bool, err error) {
	hk, rk := s.k.headerKey(id), s.k.refsKey(id)
	hf, rf := tx.Get(hk), tx.Snapshot().Get(rk)
	hv, err := hf.Get()
	if err != nil {
		return Info{}, staged{}, false, err
	}
	if hv != nil {
		h, err := decodeHeader(hv)
		if err != nil {
			return Info{}, staged{}, false, err
		}
		refs, err := rf.Get()
		if err != nil {
			return Info{}, staged{}, false, err
		}
		tx.Add(rk, plusOne)
		return h.info(id, decodeCounter(refs)+1), staged{}, true, nil
	}
	if st, err = s.stage(tx, chunks); err != nil {
		return Info{}, staged{}, false, err
	}
	m := newManifest()
	s.writePages(tx, m, 0, chunks)
	h := header{size: size, chunks: int64(len(chunks)), created: time.Now(), manifest: m}
	s.setHeader(tx, id, h)
	return h.info(id, 1), st, false, nil
}

// setHeader publishes a new blob.
func (s *Store) setHeader(tx layer.Tx, id ID, h header) {
	tx.Set(s.k.headerKey(id), encodeHeader(h))
	tx.Add(s.k.refsKey(id), plusOne)
	tx.Add(s.k.statKey(statBlobs), plusOne)
	tx.Add(s.k.statKey(statBlobBytes), counter(h.size))
}

// PutSmall stores data as a blob in the caller's transaction and returns
// its Info, as found's bstore.get_or_create does: if the blob exists, only
// a reference is added (Refs counts it), otherwise its chunks are stored
// (those the store lacks) and it is published. data may be empty, and at
// most MaxSmallSize bytes cut into at most MaxSmallChunks chunks (else
// ErrTooLarge: use a Writer). With the default chunk sizes every blob up
// to MaxSmallSize fits; with small chunks (a MinChunk of a few hundred
// bytes) the chunk bound is reached first, since each chunk costs a few
// hundred bytes of keys and manifest entries besides its data.
func (s *Store) PutSmall(tx layer.Tx, data []byte) (Info, error) {
	if len(data) > MaxSmallSize {
		return Info{}, fmt.Errorf("%w: %d bytes; PutSmall takes up to %d, a Writer any size", ErrTooLarge, len(data), MaxSmallSize)
	}
	chunks := s.split(data, nil)
	if len(chunks) > MaxSmallChunks {
		return Info{}, fmt.Errorf("%w: %d bytes cut into %d chunks; PutSmall takes up to %d chunks (up to MaxSmallSize, %d bytes), a Writer any size", ErrTooLarge, len(data), len(chunks), MaxSmallChunks, MaxSmallSize)
	}
	info, _, _, err := s.publishNew(tx, Sum(data), int64(len(data)), chunks)
	return info, err
}

// GetSmall reads a whole blob of at most MaxSmallSize bytes in the
// caller's transaction (else ErrTooLarge: use a Reader). It fails with
// ErrNotFound if the blob is not published, and ErrCorrupt if a chunk does
// not match its hash.
func (s *Store) GetSmall(tx layer.ReadTx, id ID) ([]byte, error) {
	h, err := s.getHeader(tx.Get(s.k.headerKey(id)), id)
	if err != nil {
		return nil, err
	}
	if h.size > MaxSmallSize {
		return nil, fmt.Errorf("%w: blob %s is %d bytes; GetSmall reads up to %d, a Reader any size", ErrTooLarge, id, h.size, MaxSmallSize)
	}
	out := make([]byte, 0, h.size)
	var es []entry
	for kv, err := range tx.GetRange(s.k.pageRange(h.manifest), layer.RangeOptions{Mode: layer.StreamingModeWantAll}).All() {
		if err != nil {
			return nil, err
		}
		page, err := decodePage(kv.Value)
		if err != nil {
			return nil, err
		}
		es = append(es, page...)
	}
	fs := make([]layer.Future[[]byte], len(es))
	for i, e := range es {
		fs[i] = tx.Get(s.k.chunkKey(e.hash))
	}
	for i, f := range fs {
		v, err := f.Get()
		if err != nil {
			return nil, err
		}
		if err := checkChunk(es[i], v); err != nil {
			return nil, err
		}
		out = append(out, v...)
	}
	if int64(len(out)) != h.size || int64(len(es)) != h.chunks {
		return nil, fmt.Errorf("%w: blob %s: its manifest has %d chunks and %d bytes, its header says %d and %d", ErrCorrupt, id, len(es), len(out), h.chunks, h.size)
	}
	return out, nil
}

// checkChunk verifies a chunk read against its manifest entry.
func checkChunk(e entry, v []byte) error {
	switch {
	case v == nil:
		return fmt.Errorf("%w: chunk %s is missing", ErrCorrupt, e.hash)
	case len(v) != int(e.size):
		return fmt.Errorf("%w: chunk %s has %d bytes, its manifest says %d", ErrCorrupt, e.hash, len(v), e.size)
	case Sum(v) != e.hash:
		return fmt.Errorf("%w: chunk %s does not match its hash", ErrCorrupt, e.hash)
	}
	return nil
}
