package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/tuple"
)

// Reader reads a published blob: an io.ReadSeeker, io.ReaderAt and
// io.WriterTo that spans as many transactions as the blob needs. Each
// transaction reads one window of Config.ReadAhead bytes, issuing the reads
// of all of its chunks before waiting on any, so that on FoundationDB they
// run in parallel; reading forward, the next window is fetched in the
// background while the current one is consumed.
//
// A published blob never changes, so reading it across transactions is
// consistent. Each transaction checks that the blob is still published: if
// it was deleted, reads fail with ErrDeleted (the bytes returned before
// were the blob's). Every chunk is checked against its SHA-256.
//
// Read, Seek and WriteTo are used by one goroutine; ReadAt may be called
// from several at once. Close stops the background fetch.
type Reader struct {
	s    *Store
	ctx  context.Context
	stop context.CancelFunc
	db   layer.DB
	id   ID
	info Info

	mu       sync.Mutex
	manifest tuple.UUID // the manifest read from; changes if the blob is deleted and stored again

	closed atomic.Bool
	atMu   sync.Mutex
	atWin  window // the last window ReadAt fetched

	pos   int64
	win   window
	ahead *fetchResult // the next window, being fetched
	wg    sync.WaitGroup
	err   error
}

// window is a run of consecutive chunks.
type window struct {
	start  int64
	end    int64
	chunks [][]byte
	starts []int64
}

type fetchResult struct {
	start int64
	done  chan struct{}
	win   window
	err   error
}

// NewReader opens a published blob for reading, or fails with
// ErrNotFound. ctx bounds the Reader's transactions until Close.
func (s *Store) NewReader(ctx context.Context, db layer.DB, id ID) (*Reader, error) {
	type opened struct {
		info Info
		m    tuple.UUID
	}
	o, err := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) (opened, error) {
		snap := tx.Snapshot()
		hf, rf := snap.Get(s.k.headerKey(id)), snap.Get(s.k.refsKey(id))
		h, err := s.getHeader(hf, id)
		if err != nil {
			return opened{}, err
		}
		refs, err := rf.Get()
		if err != nil {
			return opened{}, err
		}
		return opened{h.info(id, decodeCounter(refs)), h.manifest}, nil
	})
	if err != nil {
		return nil, err
	}
	rctx, stop := context.WithCancel(ctx)
	return &Reader{s: s, ctx: rctx, stop: stop, db: db, id: id, info: o.info, manifest: o.m}, nil
}

// Info returns the blob's Info as of NewReader.
func (r *Reader) Info() Info { return r.info }

// Size returns the blob's size.
func (r *Reader) Size() int64 { return r.info.Size }

// fetch reads, in one transaction, the chunks from the one holding offset
// pos up to limit bytes (at least one chunk).
func (r *Reader) fetch(ctx context.Context, pos int64, limit int) (window, error) {
	s, k := r.s, &r.s.k
	r.mu.Lock()
	m := r.manifest
	r.mu.Unlock()
	win, err := layer.ReadTransact(ctx, r.db, func(tx layer.ReadTx) (window, error) {
		snap := tx.Snapshot()
		for {
			hf := snap.Get(k.headerKey(r.id))
			es, starts, err := r.entries(snap, m, pos, limit)
			h, herr := s.getHeader(hf, r.id)
			switch {
			case errors.Is(herr, ErrNotFound):
				return window{}, fmt.Errorf("%w: %s, at byte %d of %d", ErrDeleted, r.id, pos, r.info.Size)
			case herr != nil:
				return window{}, herr
			case h.manifest != m:
				// Deleted and stored again: the same bytes under another
				// manifest, whose chunks may differ.
				m = h.manifest
				continue
			case err != nil:
				return window{}, err
			}
			fs := make([]layer.Future[[]byte], len(es))
			for i, e := range es {
				fs[i] = snap.Get(k.chunkKey(e.hash))
			}
			w := window{start: starts[0], chunks: make([][]byte, len(es)), starts: starts}
			for i, f := range fs {
				v, err := f.Get()
				if err != nil {
					return window{}, err
				}
				if err := checkChunk(es[i], v); err != nil {
					return window{}, fmt.Errorf("%w (blob %s, byte %d)", err, r.id, starts[i])
				}
				w.chunks[i] = v
			}
			w.end = starts[len(es)-1] + int64(es[len(es)-1].size)
			return w, nil
		}
	})
	if err != nil {
		return window{}, err
	}
	r.mu.Lock()
	r.manifest = m
	r.mu.Unlock()
	return win, nil
}

// entries reads the manifest entries of m from the chunk holding pos, up to
// limit bytes (at least one entry), and their offsets.
func (r *Reader) entries(tx layer.ReadTx, m tuple.UUID, pos int64, limit int) ([]entry, []int64, error) {
	k := &r.s.k
	pr := k.pageRange(m)
	// The page holding pos is the last one starting at or before it.
	sel := layer.SelectorRange{
		Begin: layer.LastLessOrEqual(k.pageKey(m, pos)),
		End:   layer.FirstGreaterOrEqual(pr.End),
	}
	var (
		es     []entry
		starts []int64
		next   int64 = -1 // where the next page must start
		bytes  int64
	)
	for kv, err := range tx.GetRange(sel, layer.RangeOptions{}).All() {
		if err != nil {
			return nil, nil, err
		}
		if !pr.Contains(kv.Key) {
			// The selector landed before the manifest: it has no page at
			// or before pos. Stop before reading the keys in between.
			break
		}
		off, err := k.pageOffset(m, kv.Key)
		if err != nil {
			return nil, nil, err
		}
		page, err := decodePage(kv.Value)
		if err != nil {
			return nil, nil, err
		}
		if next >= 0 && off != next || next < 0 && off > pos {
			return nil, nil, fmt.Errorf("%w: blob %s: manifest page at byte %d, want %d", ErrCorrupt, r.id, off, max(next, pos))
		}
		for _, e := range page {
			end := off + int64(e.size)
			if end > pos {
				es = append(es, e)
				starts = append(starts, off)
				bytes += int64(e.size)
			}
			off = end
			if bytes >= int64(limit) {
				return es, starts, nil
			}
		}
		next = off
		if off >= r.info.Size {
			break
		}
	}
	if len(es) == 0 {
		return nil, nil, fmt.Errorf("%w: blob %s: no manifest entry holds byte %d", ErrCorrupt, r.id, pos)
	}
	return es, starts, nil
}

// window returns the window holding r.pos, fetching it (or taking the one
// fetched ahead), and starts fetching the next.
func (r *Reader) window() (*window, error) {
	if r.err != nil {
		return nil, r.err
	}
	if r.pos >= r.win.start && r.pos < r.win.end {
		return &r.win, nil
	}
	var (
		w   window
		err error
	)
	if a := r.ahead; a != nil && a.start == r.pos {
		<-a.done
		w, err = a.win, a.err
	} else {
		w, err = r.fetch(r.ctx, r.pos, r.s.cfg.ReadAhead)
	}
	r.ahead = nil
	if err != nil {
		return nil, err
	}
	r.win = w
	if w.end < r.info.Size {
		a := &fetchResult{start: w.end, done: make(chan struct{})}
		r.ahead = a
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			defer close(a.done)
			a.win, a.err = r.fetch(r.ctx, a.start, r.s.cfg.ReadAhead)
		}()
	}
	return &r.win, nil
}

// chunkAt returns the index of the chunk holding pos.
func (w *window) chunkAt(pos int64) int {
	i, found := slices.BinarySearch(w.starts, pos)
	if !found {
		i--
	}
	return i
}

// copyOut copies bytes of w from offset pos into p.
func (w *window) copyOut(p []byte, pos int64) int {
	n := 0
	i := w.chunkAt(pos)
	for ; i < len(w.chunks) && n < len(p); i++ {
		c := w.chunks[i]
		skip := max(0, pos+int64(n)-w.starts[i])
		n += copy(p[n:], c[skip:])
	}
	return n
}

// Read implements io.Reader.
func (r *Reader) Read(p []byte) (int, error) {
	if r.pos >= r.info.Size {
		if r.err != nil {
			return 0, r.err
		}
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	w, err := r.window()
	if err != nil {
		return 0, err
	}
	n := w.copyOut(p, r.pos)
	r.pos += int64(n)
	return n, nil
}

// Seek implements io.Seeker. Seeking past the end is allowed; reads there
// return io.EOF.
func (r *Reader) Seek(offset int64, whence int) (int64, error) {
	if r.err != nil {
		return 0, r.err
	}
	var abs int64
	switch whence {
	case io.SeekStart:
		abs = offset
	case io.SeekCurrent:
		abs = r.pos + offset
	case io.SeekEnd:
		abs = r.info.Size + offset
	default:
		return 0, fmt.Errorf("blob: Seek: invalid whence %d", whence)
	}
	if abs < 0 {
		return 0, fmt.Errorf("blob: Seek: negative position %d", abs)
	}
	r.pos = abs
	return abs, nil
}

// ReadAt implements io.ReaderAt: it reads len(p) bytes from off, in as
// many transactions as it takes, without disturbing Read's position. It
// keeps the last window it read, so that small reads close together (as
// archive/zip makes) share a transaction. It is safe to call from several
// goroutines.
func (r *Reader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("blob: ReadAt: negative offset %d", off)
	}
	n := 0
	for n < len(p) {
		pos := off + int64(n)
		if pos >= r.info.Size {
			return n, io.EOF
		}
		r.atMu.Lock()
		w := r.atWin
		r.atMu.Unlock()
		if pos < w.start || pos >= w.end {
			if r.closed.Load() {
				return n, ErrClosed
			}
			var err error
			if w, err = r.fetch(r.ctx, pos, max(min(len(p)-n, r.s.cfg.ReadAhead), readAtMin)); err != nil {
				return n, err
			}
			r.atMu.Lock()
			r.atWin = w
			r.atMu.Unlock()
		}
		n += w.copyOut(p[n:], pos)
	}
	return n, nil
}

// readAtMin is the least ReadAt fetches per transaction.
const readAtMin = 256 << 10

// WriteTo implements io.WriterTo: it writes the blob from the current
// position to its end into dst, window by window.
func (r *Reader) WriteTo(dst io.Writer) (int64, error) {
	var total int64
	for r.pos < r.info.Size {
		w, err := r.window()
		if err != nil {
			return total, err
		}
		for i := w.chunkAt(r.pos); i < len(w.chunks); i++ {
			c := w.chunks[i][r.pos-w.starts[i]:]
			n, err := dst.Write(c)
			total += int64(n)
			r.pos += int64(n)
			if err != nil {
				return total, err
			}
			if n != len(c) {
				return total, io.ErrShortWrite
			}
		}
	}
	return total, nil
}

// Close stops the background fetch and releases the Reader; later calls
// fail with ErrClosed.
func (r *Reader) Close() error {
	r.closed.Store(true)
	r.stop()
	r.wg.Wait()
	r.ahead = nil
	r.win = window{}
	r.atMu.Lock()
	r.atWin = window{}
	r.atMu.Unlock()
	if r.err == nil {
		r.err = ErrClosed
	}
	return nil
}

var _ interface {
	io.ReadSeekCloser
	io.ReaderAt
	io.WriterTo
} = (*Reader)(nil)
