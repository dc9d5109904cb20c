package blob

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/tuple"
)

// DefaultGCTxEntries is how many chunk references the garbage collector
// releases, or chunks it examines, per transaction.
const DefaultGCTxEntries = 10_000

// GCOptions tunes a garbage collection. The zero value uses the store's
// lease and the clock.
type GCOptions struct {
	// Lease overrides the store's Config.Lease: uploads idle for longer are
	// given up.
	Lease time.Duration
	// Now returns the current time (nil: time.Now). Tests move it forward
	// to expire uploads.
	Now func() time.Time
	// TxEntries bounds the work of one transaction: the manifest entries
	// released or the candidate chunks examined (0: DefaultGCTxEntries).
	TxEntries int
}

// GCStats says what a garbage collection did.
type GCStats struct {
	// Transactions is the number of transactions committed.
	Transactions int
	// Expired counts uploads given up because they were idle past the lease.
	Expired int
	// InFlight counts uploads left alone because their lease runs.
	InFlight int
	// Released counts manifests whose chunk references were released: of
	// deleted blobs, of expired or aborted uploads, of uploads of blobs
	// that existed already.
	Released int
	// References counts the chunk references released.
	References int64
	// ChunksDeleted and BytesFreed count the chunks deleted and their bytes.
	ChunksDeleted, BytesFreed int64
}

// GC collects garbage in bounded transactions: it gives up uploads idle
// past the lease, releases the chunk references of the manifests nobody
// owns any more (deleted blobs, expired or aborted uploads, redundant
// uploads), and deletes the chunks left without references. Every step
// is recorded in the database as it commits, so a collection that is
// interrupted (an error, ctx ending, the process dying) is resumed by the
// next one, and collections may run while blobs are written, read and
// deleted, also several at once.
//
// It never deletes a chunk that a published blob or a running upload
// references: a chunk is deleted in a transaction that reads its
// reference count (zero) and would conflict with any reference taken
// since; see the package documentation.
func (s *Store) GC(ctx context.Context, db layer.DB, opts GCOptions) (GCStats, error) {
	if opts.Lease <= 0 {
		opts.Lease = s.cfg.Lease
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.TxEntries <= 0 {
		opts.TxEntries = DefaultGCTxEntries
	}
	var st GCStats
	release, err := s.gcRecords(ctx, db, opts, &st)
	if err != nil {
		return st, err
	}
	for _, m := range release {
		if err := s.gcRelease(ctx, db, opts, m, &st); err != nil {
			return st, err
		}
	}
	err = s.gcSweep(ctx, db, opts, &st)
	return st, err
}

// gcRecords scans the upload records: it gives up the active ones idle
// past the lease, clears the published ones older than the lease (kept
// that long so that a Writer retrying its publication knows it
// committed), and returns the manifests to release.
func (s *Store) gcRecords(ctx context.Context, db layer.DB, opts GCOptions, st *GCStats) ([]tuple.UUID, error) {
	const pageRecords = 1000
	var (
		release []tuple.UUID
		after   []byte
	)
	for {
		type page struct {
			release          []tuple.UUID
			expired, running int
			last             []byte
			wrote            bool
		}
		p, err := layer.Transact(ctx, db, func(tx layer.Tx) (page, error) {
			var p page
			r := s.k.record.Range()
			if after != nil {
				r.Begin = append(bytes.Clone(after), 0x00)
			}
			rows, err := tx.Snapshot().GetRange(r, layer.RangeOptions{Limit: pageRecords}).Slice()
			if err != nil {
				return page{}, err
			}
			now := opts.Now()
			for _, kv := range rows {
				p.last = kv.Key
				t, err := s.k.record.Unpack(kv.Key)
				if err != nil || len(t) != 1 {
					return page{}, fmt.Errorf("%w: upload record key %q", ErrCorrupt, kv.Key)
				}
				m, ok := t[0].(tuple.UUID)
				if !ok {
					return page{}, fmt.Errorf("%w: upload record key %q", ErrCorrupt, kv.Key)
				}
				rec, err := decodeRecord(kv.Value)
				if err != nil {
					return page{}, err
				}
				idle := now.Sub(rec.updated) > opts.Lease
				switch {
				case rec.state == stateActive && idle:
					// Conflict with a batch renewing the lease meanwhile.
					if err := tx.AddReadConflictRange(keyRange(kv.Key)); err != nil {
						return page{}, err
					}
					rec.state, rec.updated = stateDead, now
					tx.Set(kv.Key, encodeRecord(rec))
					p.expired++
					p.wrote = true
					p.release = append(p.release, m)
				case rec.state == stateActive:
					p.running++
				case rec.state == statePublished && idle:
					if err := tx.AddReadConflictRange(keyRange(kv.Key)); err != nil {
						return page{}, err
					}
					tx.Clear(kv.Key)
					p.wrote = true
				case rec.state == stateDead || rec.state == stateMerged:
					p.release = append(p.release, m)
				}
			}
			if len(rows) < pageRecords {
				p.last = nil
			}
			return p, nil
		})
		if err != nil {
			return nil, err
		}
		if p.wrote {
			st.Transactions++
		}
		st.Expired += p.expired
		st.InFlight += p.running
		release = append(release, p.release...)
		if p.last == nil {
			return release, nil
		}
		after = p.last
	}
}

// gcRelease releases the chunk references of manifest m, a page at a time,
// in transactions of at most opts.TxEntries entries, and then its record.
// Each transaction reads the pages it clears, so a retry after an unknown
// commit result finds them gone and releases nothing twice.
func (s *Store) gcRelease(ctx context.Context, db layer.DB, opts GCOptions, m tuple.UUID, st *GCStats) error {
	rk := s.k.recordKey(m)
	released := false
	for {
		type step struct {
			refs  int64
			more  bool
			wrote bool
		}
		p, err := layer.Transact(ctx, db, func(tx layer.Tx) (step, error) {
			var p step
			rv, err := tx.Get(rk).Get()
			if err != nil || rv == nil {
				return step{}, err
			}
			rec, err := decodeRecord(rv)
			if err != nil {
				return step{}, err
			}
			if rec.state != stateDead && rec.state != stateMerged {
				return step{}, nil
			}
			for kv, err := range tx.GetRange(s.k.pageRange(m), layer.RangeOptions{}).All() {
				if err != nil {
					return step{}, err
				}
				es, err := decodePage(kv.Value)
				if err != nil {
					return step{}, fmt.Errorf("%w (manifest %s)", err, m)
				}
				for _, e := range es {
					tx.Add(s.k.chunkRefsKey(e.hash), minusOne)
					tx.Set(s.k.garbageKey(e.hash), binary.BigEndian.AppendUint32(nil, e.size))
				}
				tx.Clear(kv.Key)
				p.refs += int64(len(es))
				p.wrote = true
				if p.refs >= int64(opts.TxEntries) {
					p.more = true
					break
				}
			}
			// A merged record is kept for the lease, so that its Writer,
			// retrying its publication, finds it.
			if !p.more && (rec.state == stateDead || opts.Now().Sub(rec.updated) > opts.Lease) {
				tx.Clear(rk)
				p.wrote = true
			}
			return p, nil
		})
		if err != nil {
			return err
		}
		if p.wrote {
			st.Transactions++
		}
		if p.refs > 0 {
			st.References += p.refs
			released = true
		}
		if !p.more {
			break
		}
	}
	if released {
		st.Released++
	}
	return nil
}

// gcSweep examines the candidate chunks (those whose references dropped)
// and deletes those left without references, in transactions of at most
// opts.TxEntries candidates. Each reads the reference counts it acts on,
// so a reference taken concurrently (an upload reusing the chunk) makes it
// conflict, and the retry keeps the chunk.
func (s *Store) gcSweep(ctx context.Context, db layer.DB, opts GCOptions, st *GCStats) error {
	limit := min(opts.TxEntries, 5000)
	for {
		type step struct {
			seen          int
			chunks, freed int64
		}
		p, err := layer.Transact(ctx, db, func(tx layer.Tx) (step, error) {
			var p step
			rows, err := tx.Snapshot().GetRange(s.k.garbage.Range(), layer.RangeOptions{Limit: limit}).Slice()
			if err != nil {
				return step{}, err
			}
			hashes := make([]ID, len(rows))
			fs := make([]layer.Future[[]byte], len(rows))
			for i, kv := range rows {
				if hashes[i], err = hashFromKey(s.k.garbage, kv.Key); err != nil {
					return step{}, err
				}
				fs[i] = tx.Get(s.k.chunkRefsKey(hashes[i]))
			}
			for i, f := range fs {
				v, err := f.Get()
				if err != nil {
					return step{}, err
				}
				tx.Clear(rows[i].Key)
				p.seen++
				if v == nil || decodeCounter(v) > 0 {
					continue
				}
				tx.Clear(s.k.chunkKey(hashes[i]))
				tx.Clear(s.k.chunkRefsKey(hashes[i]))
				p.chunks++
				if len(rows[i].Value) == 4 {
					p.freed += int64(binary.BigEndian.Uint32(rows[i].Value))
				}
			}
			if p.chunks > 0 {
				tx.Add(s.k.statKey(statChunks), counter(-p.chunks))
				tx.Add(s.k.statKey(statChunkBytes), counter(-p.freed))
			}
			return p, nil
		})
		if err != nil {
			return err
		}
		if p.seen == 0 {
			return nil
		}
		st.Transactions++
		st.ChunksDeleted += p.chunks
		st.BytesFreed += p.freed
	}
}
