package blob

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"time"

	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/tuple"
)

// WriteStats says what a Writer did.
type WriteStats struct {
	// Transactions is the number of transactions committed (retries not
	// counted).
	Transactions int
	// NewChunks and NewBytes count the chunks the store lacked, which the
	// Writer stored; the others were shared with stored blobs.
	NewChunks, NewBytes int64
	// Existed reports that the blob was already published: the Writer
	// added a reference, and its own chunk references are released by the
	// garbage collector.
	Existed bool
}

// Writer uploads a blob of any size: an io.WriteCloser whose Close (or
// Commit) publishes the blob. It cuts what it is given into chunks, stores
// them in transactions of at most Config.BatchBytes, each one its own
// transaction, and publishes the blob in one final transaction; until then
// the blob is invisible, and an upload that never publishes (the process
// died, Abort was called) leaves only chunks that the garbage collector
// collects. A blob that fits one batch is written in one transaction.
//
// A Writer is used by one goroutine. After an error every method but Abort
// fails; Abort, or the lease running out, gives the chunks back.
type Writer struct {
	s   *Store
	ctx context.Context
	db  layer.DB

	buf   []byte    // written, not yet cut
	batch []chunkOf // cut, not yet stored; their bytes are in arena

	spareBatch []chunkOf    // the batch being stored
	pending    chan flushed // the outcome of the batch being stored
	arena      []byte
	spare      []byte // the arena of the batch being stored
	whole      hash.Hash
	size       int64 // bytes written
	flushed    int64 // bytes of the chunks stored
	chunks     int64 // chunks cut

	manifest  tuple.UUID
	started   time.Time // zero until the first batch is stored
	lastFlush time.Time
	stats     WriteStats
	info      Info
	err       error // sticky
	done      bool  // committed
}

// NewWriter starts an upload into the store. ctx bounds every transaction
// of the upload, which stops at the first error.
func (s *Store) NewWriter(ctx context.Context, db layer.DB) *Writer {
	return &Writer{
		s:         s,
		ctx:       ctx,
		db:        db,
		whole:     sha256.New(),
		arena:     make([]byte, 0, s.cfg.BatchBytes+s.cfg.MaxChunk),
		manifest:  newManifest(),
		lastFlush: time.Now(),
	}
}

// Write adds p to the blob. It stores a batch of chunks, in a transaction,
// whenever one is full, and at least once per quarter lease so that the
// upload's lease is renewed.
func (w *Writer) Write(p []byte) (int, error) {
	if err := w.usable(); err != nil {
		return 0, err
	}
	w.whole.Write(p)
	w.size += int64(len(p))
	w.buf = append(w.buf, p...)
	if err := w.cutAll(false); err != nil {
		return 0, w.fail(err)
	}
	if time.Since(w.lastFlush) > w.s.cfg.Lease/4 {
		var err error
		if len(w.batch) > 0 {
			err = w.flush()
		} else if !w.started.IsZero() {
			err = w.renew()
		}
		if err != nil {
			return 0, w.fail(err)
		}
	}
	return len(p), nil
}

// renew renews the upload's lease without storing anything.
func (w *Writer) renew() error {
	if err := w.wait(); err != nil {
		return err
	}
	rk := w.s.k.recordKey(w.manifest)
	_, err := layer.Transact(w.ctx, w.db, func(tx layer.Tx) (struct{}, error) {
		rv, err := tx.Get(rk).Get()
		if err != nil {
			return struct{}{}, err
		}
		if rv == nil {
			return struct{}{}, ErrUploadExpired
		}
		r, err := decodeRecord(rv)
		if err != nil {
			return struct{}{}, err
		}
		if r.state != stateActive {
			return struct{}{}, ErrUploadExpired
		}
		r.updated = time.Now()
		tx.Set(rk, encodeRecord(r))
		return struct{}{}, nil
	})
	if err == nil {
		w.lastFlush = time.Now()
		w.stats.Transactions++
	}
	return err
}

func (w *Writer) usable() error {
	if w.err != nil {
		return w.err
	}
	if w.done {
		return fmt.Errorf("%w: the blob is published", ErrClosed)
	}
	return nil
}

func (w *Writer) fail(err error) error {
	if w.err == nil {
		w.err = err
	}
	return err
}

// cutAll cuts the chunks the buffer holds: those ending before its last
// MaxChunk bytes, or all of them at the end of the stream. Full batches
// are stored on the way.
func (w *Writer) cutAll(eof bool) error {
	start := 0
	for len(w.buf)-start >= w.s.cfg.MaxChunk || eof && start < len(w.buf) {
		n := w.s.cdc.cut(w.buf[start:])
		if len(w.arena)+n > cap(w.arena) || len(w.batch) == maxPageEntries {
			if err := w.flush(); err != nil {
				return err
			}
		}
		data := w.buf[start : start+n]
		off := len(w.arena)
		w.arena = append(w.arena, data...)
		w.batch = append(w.batch, chunkOf{hash: Sum(data), data: w.arena[off : off+n : off+n]})
		w.chunks++
		start += n
		if len(w.arena) >= w.s.cfg.BatchBytes && !eof {
			if err := w.flush(); err != nil {
				return err
			}
		}
	}
	// Keep the tail at the start of the buffer.
	w.buf = w.buf[:copy(w.buf, w.buf[start:])]
	return nil
}

// flush starts storing the batch in one transaction, in the background,
// once the transaction of the batch before has finished: the next batch
// is cut and hashed meanwhile. The transaction stores the chunks, one
// reference on each, the batch's manifest page and the upload's record
// with its lease renewed. The page doubles as proof of commit, so a retry
// after an unknown commit result does not take the references twice.
// wait collects the outcome.
func (w *Writer) flush() error {
	if err := w.wait(); err != nil {
		return err
	}
	if len(w.batch) == 0 {
		return nil
	}
	s, k := w.s, &w.s.k
	first := w.started.IsZero()
	started := w.started
	if first {
		started = time.Now()
	}
	off, end := w.flushed, w.flushed
	for _, c := range w.batch {
		end += int64(len(c.data))
	}
	batch, m := w.batch, w.manifest
	rk, pk := k.recordKey(m), k.pageKey(m, off)
	// The batch's arena is in use until wait: cut into the other one.
	if w.spare == nil {
		w.spare = make([]byte, 0, cap(w.arena))
	}
	w.arena, w.spare = w.spare[:0], w.arena
	w.batch, w.spareBatch = w.spareBatch[:0], w.batch
	w.started, w.flushed = started, end
	done := make(chan flushed, 1)
	w.pending = done
	go func() {
		st, err := layer.Transact(w.ctx, w.db, func(tx layer.Tx) (staged, error) {
			rf, pf := tx.Get(rk), tx.Get(pk)
			rv, err := rf.Get()
			if err != nil {
				return staged{}, err
			}
			pv, err := pf.Get()
			if err != nil {
				return staged{}, err
			}
			if rv != nil {
				r, err := decodeRecord(rv)
				if err != nil {
					return staged{}, err
				}
				if r.state != stateActive {
					return staged{}, fmt.Errorf("%w (after %d bytes)", ErrUploadExpired, off)
				}
				if pv != nil && r.size >= end {
					return staged{}, nil // this batch committed already
				}
			} else if !first {
				return staged{}, fmt.Errorf("%w (after %d bytes)", ErrUploadExpired, off)
			}
			st, err := s.stage(tx, batch)
			if err != nil {
				return staged{}, err
			}
			s.writePages(tx, m, off, batch)
			tx.Set(rk, encodeRecord(record{state: stateActive, started: started, updated: time.Now(), size: end}))
			return st, nil
		})
		done <- flushed{st, err}
	}()
	return nil
}

// flushed is the outcome of a batch's transaction.
type flushed struct {
	st  staged
	err error
}

// wait waits for the batch being stored, if any, and returns its error.
func (w *Writer) wait() error {
	if w.pending == nil {
		return nil
	}
	f := <-w.pending
	w.pending = nil
	if f.err != nil {
		return f.err
	}
	w.lastFlush = time.Now()
	w.stats.Transactions++
	w.stats.NewChunks += f.st.chunks
	w.stats.NewBytes += f.st.bytes
	return nil
}

// Commit stores what is left and publishes the blob, in one final
// transaction, and returns its Info. If the blob is published already (the
// same content was stored before), it adds a reference to it instead. A
// blob whose chunks fit one batch is stored and published in one
// transaction. Commit is Close returning the Info; calling it again
// returns the same Info.
func (w *Writer) Commit() (Info, error) {
	if w.done {
		return w.info, nil
	}
	if w.err != nil {
		return Info{}, w.err
	}
	if err := w.cutAll(true); err != nil {
		return Info{}, w.fail(err)
	}
	id := ID(w.whole.Sum(nil))
	var (
		info Info
		st   staged
		err  error
	)
	if w.started.IsZero() {
		info, err = layer.Transact(w.ctx, w.db, func(tx layer.Tx) (Info, error) {
			var err error
			info, st, w.stats.Existed, err = w.s.publishNew(tx, id, w.size, w.batch)
			return info, err
		})
	} else {
		if err = w.flush(); err == nil {
			if err = w.wait(); err == nil {
				info, err = w.publish(id)
			}
		}
	}
	if err != nil {
		return Info{}, w.fail(err)
	}
	w.stats.Transactions++
	w.stats.NewChunks += st.chunks
	w.stats.NewBytes += st.bytes
	w.done, w.info = true, info
	w.buf, w.batch, w.arena, w.spare, w.spareBatch = nil, nil, nil, nil, nil
	return info, nil
}

// publish publishes a blob whose chunks are stored, in one transaction:
// the header points at the upload's manifest, whose record becomes
// published. If the blob exists, a reference is added to it and the
// upload's manifest is left for the garbage collector to release.
func (w *Writer) publish(id ID) (Info, error) {
	s, k := w.s, &w.s.k
	rk, hk := k.recordKey(w.manifest), k.headerKey(id)
	type result struct {
		info    Info
		existed bool
	}
	res, err := layer.Transact(w.ctx, w.db, func(tx layer.Tx) (result, error) {
		rf, hf, nf := tx.Get(rk), tx.Get(hk), tx.Snapshot().Get(k.refsKey(id))
		rv, err := rf.Get()
		if err != nil {
			return result{}, err
		}
		hv, err := hf.Get()
		if err != nil {
			return result{}, err
		}
		if rv == nil {
			return result{}, ErrUploadExpired
		}
		r, err := decodeRecord(rv)
		if err != nil {
			return result{}, err
		}
		var h header
		if hv != nil {
			if h, err = decodeHeader(hv); err != nil {
				return result{}, err
			}
		}
		switch {
		case r.state == statePublished && hv != nil && h.manifest == w.manifest:
			// A retry after an unknown commit result: it committed.
			return result{info: h.info(id, 1)}, nil
		case r.state == stateMerged && hv != nil:
			return result{info: h.info(id, 1), existed: true}, nil
		case r.state != stateActive:
			return result{}, ErrUploadExpired
		}
		r.updated = time.Now()
		if hv != nil {
			nv, err := nf.Get()
			if err != nil {
				return result{}, err
			}
			tx.Add(k.refsKey(id), plusOne)
			r.state = stateMerged
			tx.Set(rk, encodeRecord(r))
			return result{info: h.info(id, decodeCounter(nv)+1), existed: true}, nil
		}
		h = header{size: w.size, chunks: w.chunks, created: r.updated, manifest: w.manifest}
		s.setHeader(tx, id, h)
		r.state = statePublished
		tx.Set(rk, encodeRecord(r))
		return result{info: h.info(id, 1)}, nil
	})
	if err != nil {
		return Info{}, err
	}
	w.stats.Existed = res.existed
	return res.info, nil
}

// Close publishes the blob: Commit without its Info.
func (w *Writer) Close() error {
	_, err := w.Commit()
	return err
}

// Abort gives the upload up: nothing is published, and the next garbage
// collection releases the chunks it stored (without waiting for the
// lease). The Writer fails from then on. Abort after Commit does nothing.
// Abort runs even when the Writer's context has ended (an interrupted
// upload), for up to ten seconds; if it fails, the lease still expires.
func (w *Writer) Abort() error {
	if w.done {
		return nil
	}
	w.wait()
	w.fail(fmt.Errorf("%w: aborted", ErrClosed))
	w.buf, w.batch, w.arena, w.spare, w.spareBatch = nil, nil, nil, nil, nil
	if w.started.IsZero() {
		return nil
	}
	// Abort cleans up after a failure, which may be the end of the
	// upload's context: it runs even then, for a bounded time.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(w.ctx), abortTimeout)
	defer cancel()
	rk := w.s.k.recordKey(w.manifest)
	_, err := layer.Transact(ctx, w.db, func(tx layer.Tx) (struct{}, error) {
		rv, err := tx.Get(rk).Get()
		if err != nil || rv == nil {
			return struct{}{}, err
		}
		r, err := decodeRecord(rv)
		if err != nil {
			return struct{}{}, err
		}
		if r.state == stateActive {
			r.state, r.updated = stateDead, time.Now()
			tx.Set(rk, encodeRecord(r))
		}
		return struct{}{}, nil
	})
	return err
}

// abortTimeout bounds Abort.
const abortTimeout = 10 * time.Second

// Size returns the bytes written so far.
func (w *Writer) Size() int64 { return w.size }

// Stats returns what the Writer did so far; a batch being stored in the
// background counts once its transaction has finished.
func (w *Writer) Stats() WriteStats { return w.stats }

// Put stores everything r yields as a blob through a Writer, and returns
// its Info. On error the upload is aborted.
func (s *Store) Put(ctx context.Context, db layer.DB, r io.Reader) (Info, error) {
	w := s.NewWriter(ctx, db)
	if _, err := io.CopyBuffer(w, r, make([]byte, 1<<20)); err != nil {
		return Info{}, errors.Join(err, w.Abort())
	}
	info, err := w.Commit()
	if err != nil {
		return Info{}, errors.Join(err, w.Abort())
	}
	return info, nil
}
