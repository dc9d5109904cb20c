package cli

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"strings"
	"time"

	ucli "github.com/urfave/cli/v3"

	"github.com/strata-db/strata/blob"
	"github.com/strata-db/strata/layer"
)

const blobDescription = `A blob store holds files and streams of any size, named by the SHA-256 of
their content (the ID sha256sum prints). Content is cut into chunks of
about 32 KiB at boundaries that depend on the bytes (FastCDC), and a chunk
is stored once however many blobs hold it, so similar files share most of
their space. Stores are registered by name in the database, under
("strata", "catalog"); create keeps a store's keys under
("strata", "blob", STORE) unless --prefix gives another prefix.

put reads FILE (or stdin) and writes it in transactions of at most 4 MiB of
new chunks, then publishes it in a last transaction: an interrupted put
leaves no blob, and gc later frees what it wrote. Putting content that is
stored already adds a reference to it. It prints the ID, the size, the
chunks and the bytes that were new to the store.

get writes a blob to --out FILE (written to a temporary file renamed into
place once complete and verified) or to stdout when it is not a terminal.
It reads 4 MiB per transaction, the next window while the current one is
written, and checks every chunk and the whole content against their
SHA-256. A blob deleted while get reads it makes get fail.

IDs: an ID argument is the full hex ID or a prefix of at least 4 hex
digits that names one blob of the store.

rm removes one reference; the blob is gone when none is left. gc gives up
uploads idle for longer than --lease, releases what deleted blobs and
abandoned uploads held, and deletes the chunks nothing references; it
runs in bounded transactions and resumes where an interrupted gc stopped.

A progress bar goes to stderr while put and get run, when it is a terminal.`

// blobRegistry is where the command line registers its blob stores.
var blobRegistry = blob.DefaultRegistry

func blobCommand() *ucli.Command {
	return &ucli.Command{
		Name:        "blob",
		Usage:       "content-addressed blobs of any size (found's bstore)",
		Description: blobDescription,
		Action:      groupAction,
		Commands: []*ucli.Command{
			{
				Name:      "create",
				Usage:     "register a blob store",
				ArgsUsage: "STORE",
				Flags: []ucli.Flag{
					blobStores.prefixFlag(),
					&ucli.IntFlag{Name: "avg-chunk", Usage: fmt.Sprintf("average chunk size in `BYTES`, a power of two (chunks are avg/2 to 2*avg; default %d)", blob.DefaultAvgChunk)},
				},
				Action: blobCreate,
			},
			blobStores.dropCommand("remove a blob store and all of its blobs"),
			{
				Name:      "put",
				Usage:     "store a file (or stdin) as a blob and print its ID",
				ArgsUsage: "STORE [FILE | -]",
				Action:    blobPut,
			},
			{
				Name:      "get",
				Usage:     "write a blob to --out FILE or stdout (exit code 4 if there is none)",
				ArgsUsage: "STORE ID",
				Flags: []ucli.Flag{
					&ucli.StringFlag{Name: "out", Usage: "write to `FILE` (- or absent: stdout, unless it is a terminal)", TakesFile: true},
				},
				Action: blobGet,
			},
			{
				Name:      "stat",
				Usage:     "describe a blob, or with no ID the store (exit code 4 if there is no such blob)",
				ArgsUsage: "STORE [ID]",
				Action:    blobStat,
			},
			{
				Name:      "rm",
				Usage:     "remove one reference to each blob (exit code 4 if one is missing)",
				ArgsUsage: "STORE ID...",
				Action:    blobRemove,
			},
			{
				Name:      "ls",
				Usage:     "list the blobs of a store, or with no STORE the stores",
				ArgsUsage: "[STORE]",
				Flags: []ucli.Flag{
					&ucli.IntFlag{Name: "limit", Usage: "print at most `N` blobs (0: no limit)"},
				},
				Action: blobList,
			},
			{
				Name:      "gc",
				Usage:     "free the space of deleted blobs and abandoned uploads",
				ArgsUsage: "STORE",
				Flags: []ucli.Flag{
					&ucli.DurationFlag{Name: "lease", Usage: "give up uploads idle for longer than `DURATION`", Value: blob.DefaultLease},
				},
				Action: blobGC,
			},
		},
	}
}

// blobError gives the layer's input and lookup errors their exit codes.
func blobError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, blob.ErrNotFound):
		return withCode(ExitNotFound, err)
	case errors.Is(err, blob.ErrNoStore), errors.Is(err, blob.ErrStoreExists), errors.Is(err, blob.ErrSpec),
		errors.Is(err, blob.ErrConfig), errors.Is(err, blob.ErrInvalidID), errors.Is(err, blob.ErrAmbiguous):
		return withCode(ExitUsage, err)
	}
	return err
}

// blobStores are the blob stores.
var blobStores = &storeKind[*blob.Store]{
	layer:   "blob",
	errs:    blobError,
	open:    func(tx layer.ReadTx, name string) (*blob.Store, error) { return blob.Open(tx, blobRegistry, name) },
	list:    func(tx layer.ReadTx) ([]*blob.Store, error) { return blob.List(tx, blobRegistry) },
	drop:    func(tx layer.Tx, name string) error { return blob.Drop(tx, blobRegistry, name) },
	columns: []column{{name: "name"}, {name: "chunk_sizes"}, {name: "prefix"}},
	row: func(st *blob.Store) []any {
		c := st.Config()
		return []any{st.Name(), fmt.Sprintf("%d/%d/%d", c.MinChunk, c.AvgChunk, c.MaxChunk), FormatKey(st.Subspace().Bytes())}
	},
}

// openBlobStore reads a store's registration.
func openBlobStore(tx layer.ReadTx, name string) (*blob.Store, error) {
	return blobStores.openStore(tx, name)
}

var blobCreate = createAction(blobStores, func(cmd *ucli.Command, name string) (spec blob.Spec, err error) {
	if spec.Subspace, err = blobStores.subspace(cmd, name); err != nil {
		return spec, err
	}
	if cmd.IsSet("avg-chunk") {
		avg := cmd.Int("avg-chunk")
		spec.Config = blob.Config{MinChunk: avg / 2, AvgChunk: avg, MaxChunk: avg * 2}
		if _, err := blob.New(spec.Subspace, spec.Config); err != nil {
			return spec, usageErrorf("--avg-chunk %d: %v", avg, err)
		}
	}
	return spec, nil
}, func(tx layer.Tx, name string, spec blob.Spec) (*blob.Store, error) {
	return blob.Create(tx, blobRegistry, name, spec)
})

var blobPutColumns = []column{{name: "id"}, {name: "size"}, {name: "chunks"}, {name: "new_chunks"}, {name: "new_bytes"}, {name: "refs"}, {name: "transactions"}}

// blobInput opens FILE, or stdin for "" and "-"; size is the input's size
// when known (a regular file), else 0.
func blobInput(s *session, name string) (r io.Reader, size int64, closeFn func() error, err error) {
	closeFn = func() error { return nil }
	var f *os.File
	if name == "" || name == "-" {
		sf, ok := s.stdin.(*os.File)
		if !ok {
			return s.stdin, 0, closeFn, nil
		}
		if isTerminal(sf) {
			return nil, 0, nil, usageErrorf("blob put: stdin is a terminal; give FILE or redirect stdin")
		}
		f = sf
	} else {
		if f, err = os.Open(name); err != nil {
			return nil, 0, nil, usageErrorf("blob put: %v", err)
		}
		closeFn = f.Close
	}
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
		size = fi.Size()
	}
	return f, size, closeFn, nil
}

func blobPut(ctx context.Context, cmd *ucli.Command) (err error) {
	s, a, err := sessionArgs(cmd, 1, 2, "STORE [FILE | -]")
	if err != nil {
		return err
	}
	file := ""
	if len(a) == 2 {
		file = a[1]
	}
	in, size, closeIn, err := blobInput(s, file)
	if err != nil {
		return err
	}
	defer closeIn()
	if err := s.open(ctx); err != nil {
		return err
	}
	defer s.close(&err)
	st, err := blobStores.readStore(ctx, s, a[0])
	if err != nil {
		return err
	}
	p := newByteProgress(cmd.Root().ErrWriter, "stored", size)
	defer p.done()
	w := st.NewWriter(ctx, s.ownTxDB())
	_, err = io.CopyBuffer(w, &progressReader{r: in, p: p}, make([]byte, 1<<20))
	if err != nil {
		// Give the upload's chunks back to the collector at once.
		w.Abort()
		return fmt.Errorf("blob put: %w (nothing was published)", err)
	}
	info, err := w.Commit()
	if err != nil {
		w.Abort()
		return fmt.Errorf("blob put: %w (nothing was published)", err)
	}
	p.done()
	ws := w.Stats()
	return writeObject(s.stdout, s.format, blobPutColumns,
		info.ID.String(), info.Size, info.Chunks, ws.NewChunks, ws.NewBytes, info.Refs, ws.Transactions)
}

// resolveID reads an ID argument: a full ID or a unique prefix.
func resolveID(tx layer.ReadTx, st *blob.Store, arg string) (blob.ID, error) {
	id, err := st.Resolve(tx, arg)
	return id, blobError(err)
}

var blobGetColumns = []column{{name: "id"}, {name: "size"}, {name: "file"}}

func blobGet(ctx context.Context, cmd *ucli.Command) (err error) {
	s, a, err := sessionArgs(cmd, 2, 2, "STORE ID")
	if err != nil {
		return err
	}
	out := cmd.String("out")
	toStdout := out == "" || out == "-"
	if toStdout && isTerminal(s.stdout) {
		return usageErrorf("blob get: stdout is a terminal; give --out FILE or redirect stdout")
	}
	if err := s.open(ctx); err != nil {
		return err
	}
	defer s.close(&err)
	type target struct {
		st *blob.Store
		id blob.ID
	}
	tg, err := readTx(ctx, s, func(tx layer.ReadTx) (target, error) {
		st, err := openBlobStore(tx, a[0])
		if err != nil {
			return target{}, err
		}
		id, err := resolveID(tx, st, a[1])
		return target{st, id}, err
	})
	if err != nil {
		return err
	}
	r, err := tg.st.NewReader(ctx, s.ownTxDB(), tg.id)
	if err != nil {
		return blobError(err)
	}
	defer r.Close()

	var w io.Writer = s.stdout
	var tmp *outFile
	if !toStdout {
		if tmp, err = createOutFile(out); err != nil {
			return err
		}
		defer tmp.discard()
		w = tmp
	}
	p := newByteProgress(cmd.Root().ErrWriter, "read", r.Size())
	defer p.done()
	h := sha256.New()
	n, err := io.Copy(&progressWriter{w: w, h: h, p: p}, r)
	if err != nil {
		return fmt.Errorf("blob get: %w (after %d of %d bytes)", blobError(err), n, r.Size())
	}
	if got := blob.ID(h.Sum(nil)); got != tg.id || n != r.Size() {
		return fmt.Errorf("blob get: %d bytes with SHA-256 %s, want %d bytes with %s", n, got, r.Size(), tg.id)
	}
	p.done()
	if toStdout {
		return nil
	}
	if err := tmp.commit("blob get"); err != nil {
		return err
	}
	return writeObject(s.stdout, s.format, blobGetColumns, tg.id.String(), n, out)
}

var (
	blobInfoColumns  = []column{{name: "id"}, {name: "size"}, {name: "chunks"}, {name: "refs"}, {name: "created"}}
	blobUsageColumns = []column{{name: "blobs"}, {name: "bytes"}, {name: "chunks"}, {name: "stored_bytes"}}
)

func formatCreated(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func blobStat(ctx context.Context, cmd *ucli.Command) (err error) {
	s, a, err := sessionArgs(cmd, 1, 2, "STORE [ID]")
	if err != nil {
		return err
	}
	if err := s.open(ctx); err != nil {
		return err
	}
	defer s.close(&err)
	if len(a) == 1 {
		u, err := readTx(ctx, s, func(tx layer.ReadTx) (blob.Usage, error) {
			st, err := openBlobStore(tx, a[0])
			if err != nil {
				return blob.Usage{}, err
			}
			return st.Usage(tx)
		})
		if err != nil {
			return err
		}
		return writeObject(s.stdout, s.format, blobUsageColumns, u.Blobs, u.BlobBytes, u.Chunks, u.ChunkBytes)
	}
	info, err := readTx(ctx, s, func(tx layer.ReadTx) (blob.Info, error) {
		st, err := openBlobStore(tx, a[0])
		if err != nil {
			return blob.Info{}, err
		}
		id, err := resolveID(tx, st, a[1])
		if err != nil {
			return blob.Info{}, err
		}
		info, err := st.Stat(tx, id)
		return info, blobError(err)
	})
	if err != nil {
		return err
	}
	return writeObject(s.stdout, s.format, blobInfoColumns, info.ID.String(), info.Size, info.Chunks, info.Refs, formatCreated(info.Created))
}

var blobRemoveColumns = []column{{name: "id"}, {name: "refs"}}

func blobRemove(ctx context.Context, cmd *ucli.Command) (err error) {
	s, err := newSession(cmd)
	if err != nil {
		return err
	}
	a := cmd.Args().Slice()
	if len(a) < 2 {
		return usageErrorf("%s: want STORE ID..., got %d argument(s); see %s --help", commandPath(cmd), len(a), cmd.FullName())
	}
	if err := s.open(ctx); err != nil {
		return err
	}
	defer s.close(&err)
	l := newListWriter(s.stdout, s.format, blobRemoveColumns...)
	for _, arg := range a[1:] {
		type removed struct {
			id   blob.ID
			left int64
		}
		r, err := writeTx(ctx, s, func(tx layer.Tx) (removed, error) {
			st, err := openBlobStore(tx, a[0])
			if err != nil {
				return removed{}, err
			}
			id, err := resolveID(tx, st, arg)
			if err != nil {
				return removed{}, err
			}
			left, err := st.Delete(tx, id)
			return removed{id, left}, blobError(err)
		})
		if err != nil {
			l.Close()
			return err
		}
		if err := l.Row(r.id.String(), r.left); err != nil {
			return err
		}
	}
	return l.Close()
}

func blobList(ctx context.Context, cmd *ucli.Command) (err error) {
	s, a, err := sessionArgs(cmd, 0, 1, "[STORE]")
	if err != nil {
		return err
	}
	limit, err := limitFlag(cmd)
	if err != nil {
		return err
	}
	if err := s.open(ctx); err != nil {
		return err
	}
	defer s.close(&err)
	if len(a) == 0 {
		return blobStores.printStores(ctx, s)
	}
	l := newListWriter(s.stdout, s.format, blobInfoColumns...)
	var after *blob.ID
	err = pages(limit, func(n int) (int, bool, error) {
		type listPage struct {
			infos []blob.Info
			more  bool
		}
		page, err := readTx(ctx, s, func(tx layer.ReadTx) (listPage, error) {
			st, err := openBlobStore(tx, a[0])
			if err != nil {
				return listPage{}, err
			}
			start := time.Now()
			infos, err := collect(st.List(tx.Snapshot(), blob.ListOptions{After: after, Limit: n}), n, func(err error) error { return err })
			if err != nil {
				return listPage{}, err
			}
			return listPage{infos, len(infos) > 0 && (len(infos) == n || time.Since(start) >= pageTime)}, nil
		})
		if err != nil {
			return 0, false, err
		}
		for _, info := range page.infos {
			if err := l.Row(info.ID.String(), info.Size, info.Chunks, info.Refs, formatCreated(info.Created)); err != nil {
				return 0, false, err
			}
		}
		if page.more {
			last := page.infos[len(page.infos)-1].ID
			after = &last
		}
		return len(page.infos), page.more, nil
	})
	if err != nil {
		l.Flush()
		return err
	}
	return l.Close()
}

var blobGCColumns = []column{{name: "expired"}, {name: "in_flight"}, {name: "released"}, {name: "references"},
	{name: "chunks_deleted"}, {name: "bytes_freed"}, {name: "transactions"}}

func blobGC(ctx context.Context, cmd *ucli.Command) (err error) {
	s, a, err := sessionArgs(cmd, 1, 1, "STORE")
	if err != nil {
		return err
	}
	lease := cmd.Duration("lease")
	if lease <= 0 {
		return usageErrorf("--lease %v: want a positive duration", lease)
	}
	if err := s.open(ctx); err != nil {
		return err
	}
	defer s.close(&err)
	st, err := blobStores.readStore(ctx, s, a[0])
	if err != nil {
		return err
	}
	g, err := st.GC(ctx, s.ownTxDB(), blob.GCOptions{Lease: lease})
	if err != nil {
		return fmt.Errorf("blob gc: %w (what committed stays done; run gc again to finish)", err)
	}
	return writeObject(s.stdout, s.format, blobGCColumns,
		g.Expired, g.InFlight, g.Released, g.References, g.ChunksDeleted, g.BytesFreed, g.Transactions)
}

// byteProgress draws a progress bar for bytes on stderr, through the
// progress type (which shows it only on a terminal, at most every
// progressEvery).
type byteProgress struct {
	*progress
	start time.Time
}

func newByteProgress(w io.Writer, verb string, total int64) *byteProgress {
	return &byteProgress{progress: newProgress(w, verb, total), start: time.Now()}
}

// tickBytes reports bytes done.
func (p *byteProgress) tickBytes(done int64) {
	now, ok := p.due()
	if !ok {
		return
	}
	const mib = 1 << 20
	rate := float64(done) / mib / max(now.Sub(p.start).Seconds(), 1e-3)
	var line string
	if p.total > 0 {
		const width = 30
		frac := min(float64(done)/float64(p.total), 1)
		fill := int(frac * width)
		line = fmt.Sprintf("%s [%s%s] %3.0f%% %.1f/%.1f MiB, %.1f MiB/s", p.verb,
			strings.Repeat("=", fill), strings.Repeat(" ", width-fill), frac*100,
			float64(done)/mib, float64(p.total)/mib, rate)
	} else {
		line = fmt.Sprintf("%s %.1f MiB, %.1f MiB/s", p.verb, float64(done)/mib, rate)
	}
	p.show(line)
}

// progressReader counts what is read through it.
type progressReader struct {
	r io.Reader
	p *byteProgress
	n int64
}

func (r *progressReader) Read(b []byte) (int, error) {
	n, err := r.r.Read(b)
	r.n += int64(n)
	r.p.tickBytes(r.n)
	return n, err
}

// progressWriter counts and hashes what is written through it.
type progressWriter struct {
	w io.Writer
	h hash.Hash
	p *byteProgress
	n int64
}

func (w *progressWriter) Write(b []byte) (int, error) {
	n, err := w.w.Write(b)
	w.h.Write(b[:n])
	w.n += int64(n)
	w.p.tickBytes(w.n)
	return n, err
}
