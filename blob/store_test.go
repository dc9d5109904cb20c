package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"testing"
	"testing/iotest"
	"time"

	"github.com/strata-db/strata/internal/testdb"
	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/subspace"
	"github.com/strata-db/strata/layer/tuple"
)

// TestRoundTrip writes blobs of many sizes and shapes and reads them back
// with every reading method (iotest.TestReader checks Read, ReadAt and
// Seek against the content).
func TestRoundTrip(t *testing.T) {
	db, s := newStore(t, smallConfig)
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"one byte", []byte{0}},
		{"under min chunk", randomData(1, 255)},
		{"one max chunk", randomData(2, 4096)},
		{"zeros", make([]byte, 300_000)},
		{"random 1 MB", randomData(3, 1_000_000)},
		{"text", bytes.Repeat([]byte("the quick brown fox jumps over the lazy dog\n"), 20_000)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			info, st := put(t, db, s, tc.data)
			if got := stat(t, db, s, info.ID); got.Size != int64(len(tc.data)) || got.Chunks != info.Chunks || got.Refs != 1 ||
				!got.Created.Equal(info.Created) {
				t.Errorf("Stat = %+v, Commit said %+v", got, info)
			}
			es := manifestOf(t, db, s, info.ID)
			var total int64
			for _, e := range es {
				total += int64(e.size)
				if e.size > uint32(smallConfig.MaxChunk) {
					t.Errorf("chunk of %d bytes, over MaxChunk", e.size)
				}
			}
			if total != int64(len(tc.data)) || int64(len(es)) != info.Chunks {
				t.Errorf("manifest: %d entries, %d bytes; Info %+v", len(es), total, info)
			}
			t.Logf("%d bytes: %d chunks, %d transactions", len(tc.data), info.Chunks, st.Transactions)
			r, err := s.NewReader(context.Background(), db, info.ID)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if err := iotest.TestReader(r, tc.data); err != nil {
				t.Fatal(err)
			}
			if got := get(t, db, s, info.ID); !bytes.Equal(got, tc.data) {
				t.Fatal("WriteTo: content differs")
			}
			if len(tc.data) <= MaxSmallSize {
				if got := getSmall(t, db, s, info.ID); !bytes.Equal(got, tc.data) {
					t.Fatal("GetSmall: content differs")
				}
			}
		})
	}
}

// TestSeekAcrossWindows reads at random offsets of a blob spanning many
// windows, mixing Seek+Read and ReadAt.
func TestSeekAcrossWindows(t *testing.T) {
	db, s := newStore(t, smallConfig)
	data := randomData(7, 700_000)
	info, _ := put(t, db, s, data)
	r, err := s.NewReader(context.Background(), db, info.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for i, off := range []int64{0, 699_999, 123_456, 32 << 10, 32<<10 - 1, 500_000, 1, 650_000} {
		buf := make([]byte, 50_000)
		if i%2 == 0 {
			if _, err := r.Seek(off, io.SeekStart); err != nil {
				t.Fatal(err)
			}
			n, err := io.ReadFull(r, buf)
			if want := min(int64(len(buf)), int64(len(data))-off); int64(n) != want || err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("read at %d: %d, %v", off, n, err)
			}
			buf = buf[:n]
		} else {
			n, err := r.ReadAt(buf, off)
			if err != nil && err != io.EOF {
				t.Fatalf("ReadAt(%d): %v", off, err)
			}
			buf = buf[:n]
		}
		if !bytes.Equal(buf, data[off:off+int64(len(buf))]) {
			t.Fatalf("bytes at %d differ", off)
		}
	}
}

// TestDedup stores the same content twice and similar contents: chunks are
// stored once, references count the blobs, and deleting one copy leaves the
// other readable.
func TestDedup(t *testing.T) {
	db, s := newStore(t, smallConfig)
	a := randomData(11, 500_000)
	infoA, stA := put(t, db, s, a)
	before := counts(t, db, s)

	// The same content again: a second reference, no new chunk.
	infoA2, stA2 := put(t, db, s, a)
	if infoA2.ID != infoA.ID || infoA2.Refs != 2 || !stA2.Existed || stA2.NewChunks != 0 {
		t.Fatalf("second put: %+v, %+v", infoA2, stA2)
	}
	if after := counts(t, db, s); after.chunks != before.chunks {
		t.Errorf("chunks after a second put of the same blob: %d, want %d", after.chunks, before.chunks)
	}
	es := manifestOf(t, db, s, infoA.ID)
	// The second upload holds references until the collector releases
	// its redundant manifest.
	if n, ok := chunkRefs(t, db, s, es[0].hash); n != 2 || !ok {
		t.Errorf("chunk refs after two uploads: %d (stored %v), want 2", n, ok)
	}
	gc(t, db, s, GCOptions{})
	if n, _ := chunkRefs(t, db, s, es[0].hash); n != 1 {
		t.Errorf("chunk refs after GC: %d, want 1 (one manifest)", n)
	}

	// A similar blob: a few bytes changed in the middle, some inserted.
	b := slices.Concat(a[:200_000], []byte("an edit"), a[200_000:400_000], a[400_100:])
	infoB, stB := put(t, db, s, b)
	if stB.NewBytes > int64(len(b))/10 {
		t.Errorf("similar blob stored %d new bytes of %d", stB.NewBytes, len(b))
	}
	t.Logf("a: %d bytes, %d new; b: %d bytes, %d new (%d of %d chunks)", len(a), stA.NewBytes, len(b), stB.NewBytes, stB.NewChunks, infoB.Chunks)
	if n, _ := chunkRefs(t, db, s, es[0].hash); n != 2 {
		t.Errorf("refs of a chunk shared by two blobs: %d, want 2", n)
	}
	u := testdb.Read(t, db, func(tx layer.ReadTx) (Usage, error) { return s.Usage(tx) })
	if u.Blobs != 2 || u.BlobBytes != int64(len(a)+len(b)) || u.ChunkBytes != stA.NewBytes+stB.NewBytes {
		t.Errorf("usage %+v", u)
	}

	// Delete one reference of a: still readable; then b; then a.
	del := func(id ID, wantLeft int64) {
		t.Helper()
		var left int64
		testdb.Write(t, db, func(tx layer.Tx) error {
			var err error
			left, err = s.Delete(tx, id)
			return err
		})
		if left != wantLeft {
			t.Fatalf("Delete left %d references, want %d", left, wantLeft)
		}
		gc(t, db, s, GCOptions{})
	}
	del(infoA.ID, 1)
	if got := get(t, db, s, infoA.ID); !bytes.Equal(got, a) {
		t.Fatal("a after deleting one of its two references")
	}
	del(infoB.ID, 0)
	if got := get(t, db, s, infoA.ID); !bytes.Equal(got, a) {
		t.Fatal("a after deleting b, which shares its chunks")
	}
	if _, err := getErr(db, s, infoB.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("b after delete: %v", err)
	}
	if n, _ := chunkRefs(t, db, s, es[0].hash); n != 1 {
		t.Errorf("refs of a's first chunk after deleting b: %d, want 1", n)
	}
	del(infoA.ID, 0)
	// The record of the redundant upload stays for the lease, so that its
	// Writer could tell its publication committed.
	if c := counts(t, db, s); c.records != 1 || c.chunks != 0 {
		t.Errorf("after deleting everything: %+v", c)
	}
	gc(t, db, s, later())
	checkEmpty(t, db, s)
	testdb.Write(t, db, func(tx layer.Tx) error {
		if _, err := s.Delete(tx, infoA.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("Delete of a deleted blob: %v", err)
		}
		return nil
	})
}

// abandoned writes data through a Writer in several transactions and
// drops it without committing, as a process that dies would.
func abandoned(t *testing.T, db layer.DB, s *Store, data []byte) *Writer {
	t.Helper()
	w := s.NewWriter(context.Background(), db)
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.wait(); err != nil { // the batch stored in the background
		t.Fatal(err)
	}
	if w.Stats().Transactions < 2 {
		t.Fatalf("only %d transactions for %d bytes", w.Stats().Transactions, len(data))
	}
	return w
}

// TestInterruptedUpload checks that an upload that stops before Commit
// publishes nothing, keeps its chunks while its lease runs, and that the
// collector then frees them; the Writer, if it comes back, fails.
func TestInterruptedUpload(t *testing.T) {
	db, s := newStore(t, smallConfig)
	keep, _ := put(t, db, s, randomData(1, 100_000))
	data := randomData(2, 400_000)
	w := abandoned(t, db, s, data)
	id := Sum(data)
	if _, err := getErr(db, s, id); !errors.Is(err, ErrNotFound) {
		t.Fatalf("read of an unpublished blob: %v", err)
	}
	list := testdb.Read(t, db, func(tx layer.ReadTx) ([]Info, error) {
		var out []Info
		for info, err := range s.List(tx, ListOptions{}) {
			if err != nil {
				return nil, err
			}
			out = append(out, info)
		}
		return out, nil
	})
	if len(list) != 1 || list[0].ID != keep.ID {
		t.Fatalf("List = %+v, want only the published blob", list)
	}
	c := counts(t, db, s)
	// Records: the upload's, and the kept blob's, published, which stays
	// for the lease.
	if c.records != 2 || c.chunks <= int(keep.Chunks) {
		t.Fatalf("keys during the upload: %+v", c)
	}
	// The lease runs: the collector leaves the upload alone.
	st := gc(t, db, s, GCOptions{})
	if st.InFlight != 1 || st.Expired != 0 || st.ChunksDeleted != 0 {
		t.Fatalf("GC within the lease: %+v", st)
	}
	// Past the lease: given up, its chunks freed.
	st = gc(t, db, s, later())
	if st.Expired != 1 || st.Released != 1 || st.ChunksDeleted == 0 {
		t.Fatalf("GC past the lease: %+v", st)
	}
	if c := counts(t, db, s); c.chunks != int(keep.Chunks) || c.records != 0 || c.pages == 0 || c.garbage != 0 {
		t.Fatalf("keys after GC: %+v; want only the kept blob's", c)
	}
	// The Writer comes back: its next batch fails (the error shows at the
	// Write or at the Commit after it: batches are stored in the
	// background), and so does its Commit.
	if _, err := w.Write(randomData(3, 100_000)); err != nil && !errors.Is(err, ErrUploadExpired) {
		t.Fatalf("Write after expiry: %v, want ErrUploadExpired or nil", err)
	}
	if _, err := w.Commit(); !errors.Is(err, ErrUploadExpired) {
		t.Fatalf("Commit after expiry: %v, want ErrUploadExpired", err)
	}
	if _, err := getErr(db, s, id); !errors.Is(err, ErrNotFound) {
		t.Fatalf("read after the failed upload: %v", err)
	}
	if got := get(t, db, s, keep.ID); sum(got) != keep.ID {
		t.Fatal("the kept blob changed")
	}
	testdb.Write(t, db, func(tx layer.Tx) error { _, err := s.Delete(tx, keep.ID); return err })
	gc(t, db, s, GCOptions{})
	checkEmpty(t, db, s)
}

// TestExpiryRacesCommit: a Writer whose lease the collector ended between
// its last batch and its Commit publishes nothing.
func TestExpiryRacesCommit(t *testing.T) {
	db, s := newStore(t, smallConfig)
	data := randomData(4, 300_000)
	w := abandoned(t, db, s, data)
	gc(t, db, s, later())
	if _, err := w.Commit(); !errors.Is(err, ErrUploadExpired) {
		t.Fatalf("Commit: %v, want ErrUploadExpired", err)
	}
	checkEmpty(t, db, s)
}

// TestAbort: an aborted upload is collected at once, without waiting for
// its lease.
func TestAbort(t *testing.T) {
	db, s := newStore(t, smallConfig)
	w := abandoned(t, db, s, randomData(5, 300_000))
	if err := w.Abort(); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("x")); !errors.Is(err, ErrClosed) {
		t.Errorf("Write after Abort: %v", err)
	}
	st := gc(t, db, s, GCOptions{})
	if st.Released != 1 || st.Expired != 0 {
		t.Errorf("GC after Abort: %+v", st)
	}
	checkEmpty(t, db, s)
	// Abort before anything was stored, and after Commit, do nothing.
	if err := s.NewWriter(context.Background(), db).Abort(); err != nil {
		t.Error(err)
	}
	w = s.NewWriter(context.Background(), db)
	w.Write([]byte("kept"))
	if _, err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := w.Abort(); err != nil {
		t.Error(err)
	}
	if got := get(t, db, s, Sum([]byte("kept"))); string(got) != "kept" {
		t.Errorf("after Abort following Commit: %q", got)
	}
}

// deadChunk stores a blob of one chunk, deletes it and releases its
// manifest: the chunk remains with zero references, a candidate for the
// sweep.
func deadChunk(t *testing.T, db layer.DB, s *Store, data []byte) ID {
	t.Helper()
	info := putSmall(t, db, s, data)
	if info.Chunks != 1 {
		t.Fatalf("%d chunks", info.Chunks)
	}
	testdb.Write(t, db, func(tx layer.Tx) error { _, err := s.Delete(tx, info.ID); return err })
	release, err := s.gcRecords(context.Background(), db, GCOptions{Lease: time.Hour, Now: time.Now, TxEntries: 100}, &GCStats{})
	if err != nil || len(release) != 1 {
		t.Fatalf("gcRecords: %v, %v", release, err)
	}
	if err := s.gcRelease(context.Background(), db, GCOptions{Lease: time.Hour, Now: time.Now, TxEntries: 100}, release[0], &GCStats{}); err != nil {
		t.Fatal(err)
	}
	h := Sum(data)
	if n, ok := chunkRefs(t, db, s, h); n != 0 || !ok {
		t.Fatalf("dead chunk: refs %d, stored %v", n, ok)
	}
	return h
}

// TestGCRacesUpload plays both orders of the race between the sweep
// deleting a chunk with no references and an upload reusing that chunk
// (its transaction read the chunk as present, so it does not store its
// bytes again). Either the upload's transaction fails and its retry stores
// the chunk again, or the sweep's fails and its retry keeps the chunk: a
// published blob never lacks a chunk.
func TestGCRacesUpload(t *testing.T) {
	ctx := context.Background()
	t.Run("sweep commits first", func(t *testing.T) {
		db, s := newStore(t, smallConfig)
		data := []byte("a chunk that a deleted blob left behind")
		h := deadChunk(t, db, s, data)
		// The upload's batch transaction reads the chunk as present ...
		tx, err := db.CreateTransaction()
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Cancel()
		if _, err := s.stage(tx, []chunkOf{{hash: h, data: data}}); err != nil {
			t.Fatal(err)
		}
		// ... the sweep deletes it meanwhile ...
		if st := gc(t, db, s, GCOptions{}); st.ChunksDeleted != 1 {
			t.Fatalf("sweep: %+v", st)
		}
		// ... so the upload's commit fails, and its retry stores it again.
		if err := tx.Commit(); !errors.Is(err, layer.ErrNotCommitted) {
			t.Fatalf("upload commit after the sweep: %v, want 1020", err)
		}
		info := putSmall(t, db, s, data)
		if got := get(t, db, s, info.ID); !bytes.Equal(got, data) {
			t.Fatalf("blob after the race: %q", got)
		}
		if n, ok := chunkRefs(t, db, s, h); n != 1 || !ok {
			t.Fatalf("chunk after the race: refs %d, stored %v", n, ok)
		}
	})
	t.Run("upload commits first", func(t *testing.T) {
		db, s := newStore(t, smallConfig)
		data := []byte("another chunk that a deleted blob left behind")
		h := deadChunk(t, db, s, data)
		// The sweep's transaction reads the count (zero) and clears ...
		gcTx, err := db.CreateTransaction()
		if err != nil {
			t.Fatal(err)
		}
		defer gcTx.Cancel()
		v, err := gcTx.Get(s.k.chunkRefsKey(h)).Get()
		if err != nil || decodeCounter(v) != 0 {
			t.Fatalf("refs %v, %v", v, err)
		}
		gcTx.Clear(s.k.chunkKey(h))
		gcTx.Clear(s.k.chunkRefsKey(h))
		// ... an upload reusing the chunk commits meanwhile ...
		w := s.NewWriter(ctx, db)
		w.Write(data)
		info, err := w.Commit()
		if err != nil {
			t.Fatal(err)
		}
		if st := w.Stats(); st.NewChunks != 0 {
			t.Fatalf("the upload stored the chunk anew: %+v", st)
		}
		// ... so the sweep's commit fails, and a new sweep keeps the chunk.
		if err := gcTx.Commit(); !errors.Is(err, layer.ErrNotCommitted) {
			t.Fatalf("sweep commit after the upload: %v, want 1020", err)
		}
		if st := gc(t, db, s, GCOptions{}); st.ChunksDeleted != 0 {
			t.Fatalf("GC deleted a referenced chunk: %+v", st)
		}
		if got := get(t, db, s, info.ID); !bytes.Equal(got, data) {
			t.Fatalf("blob after the race: %q", got)
		}
	})
	t.Run("expiry races a batch", func(t *testing.T) {
		// The collector reads an upload's record as idle, and the upload
		// renews its lease before the collector commits: the collector's
		// transaction fails, and its retry sees the lease renewed.
		db, s := newStore(t, smallConfig)
		w := abandoned(t, db, s, randomData(9, 200_000))
		gcTx, err := db.CreateTransaction()
		if err != nil {
			t.Fatal(err)
		}
		defer gcTx.Cancel()
		rk := s.k.recordKey(w.manifest)
		rv, err := gcTx.Snapshot().Get(rk).Get()
		if err != nil || rv == nil {
			t.Fatalf("record: %v", err)
		}
		gcTx.AddReadConflictRange(keyRange(rk))
		rec, _ := decodeRecord(rv)
		rec.state = stateDead
		gcTx.Set(rk, encodeRecord(rec))
		if _, err := w.Write(randomData(10, 100_000)); err != nil {
			t.Fatal(err)
		}
		if err := w.wait(); err != nil {
			t.Fatal(err)
		}
		if err := gcTx.Commit(); !errors.Is(err, layer.ErrNotCommitted) {
			t.Fatalf("expiry commit after a renewal: %v, want 1020", err)
		}
		if _, err := w.Commit(); err != nil {
			t.Fatal(err)
		}
	})
}

// TestReaderConcurrentDelete: a blob deleted while a Reader reads it makes
// the Reader's next transaction fail with ErrDeleted, with or without the
// collector having run.
func TestReaderConcurrentDelete(t *testing.T) {
	for _, collect := range []bool{false, true} {
		t.Run(fmt.Sprintf("gc=%v", collect), func(t *testing.T) {
			db, s := newStore(t, smallConfig)
			data := randomData(12, 500_000)
			info, _ := put(t, db, s, data)
			r, err := s.NewReader(context.Background(), db, info.ID)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			buf := make([]byte, 100)
			if _, err := io.ReadFull(r, buf); err != nil || !bytes.Equal(buf, data[:100]) {
				t.Fatalf("first read: %v", err)
			}
			testdb.Write(t, db, func(tx layer.Tx) error { _, err := s.Delete(tx, info.ID); return err })
			if collect {
				gc(t, db, s, GCOptions{})
			}
			// Seek out of the windows held, so that the next read is a new
			// transaction.
			if _, err := r.Seek(300_000, io.SeekStart); err != nil {
				t.Fatal(err)
			}
			_, err = io.ReadAll(r)
			if !errors.Is(err, ErrDeleted) {
				t.Fatalf("read after delete: %v, want ErrDeleted", err)
			}
			if _, err := r.ReadAt(buf, 0); !errors.Is(err, ErrDeleted) {
				t.Fatalf("ReadAt after delete: %v, want ErrDeleted", err)
			}
		})
	}
}

// TestReaderRepublished: a blob deleted and stored again (here with other
// chunk sizes, so another manifest with other chunks) while a Reader reads
// it: the Reader follows the new manifest, the content being the same.
func TestReaderRepublished(t *testing.T) {
	db := testdb.Open(t)
	ss := testdb.Subspace(t, db)
	s1, _ := New(ss, smallConfig)
	cfg2 := smallConfig
	cfg2.MinChunk, cfg2.AvgChunk, cfg2.MaxChunk = 512, 2048, 8192
	s2, _ := New(ss, cfg2)
	data := randomData(13, 400_000)
	info, _ := put(t, db, s1, data)
	r, err := s1.NewReader(context.Background(), db, info.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	head := make([]byte, 1000)
	if _, err := io.ReadFull(r, head); err != nil {
		t.Fatal(err)
	}
	testdb.Write(t, db, func(tx layer.Tx) error { _, err := s1.Delete(tx, info.ID); return err })
	gc(t, db, s1, GCOptions{})
	put(t, db, s2, data)
	if _, err := r.Seek(200_000, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	rest, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(rest, data[200_000:]) {
		t.Fatalf("read after republication: %d bytes, %v", len(rest), err)
	}
}

// TestClosed: Readers and Writers fail after Close.
func TestClosed(t *testing.T) {
	db, s := newStore(t, smallConfig)
	w := s.NewWriter(context.Background(), db)
	w.Write([]byte("x"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("y")); !errors.Is(err, ErrClosed) {
		t.Errorf("Write after Close: %v", err)
	}
	r, err := s.NewReader(context.Background(), db, Sum([]byte("x")))
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	if _, err := r.Read(make([]byte, 1)); !errors.Is(err, ErrClosed) {
		t.Errorf("Read after Close: %v", err)
	}
	if _, err := s.NewReader(context.Background(), db, Sum([]byte("y"))); !errors.Is(err, ErrNotFound) {
		t.Errorf("NewReader of a missing blob: %v", err)
	}
}

// TestListResolveUsage checks the listing, its paging, ID prefixes and
// the counters.
func TestListResolveUsage(t *testing.T) {
	db, s := newStore(t, smallConfig)
	var ids []ID
	var total int64
	for i := range 300 {
		data := []byte(fmt.Sprintf("blob %d", i))
		ids = append(ids, putSmall(t, db, s, data).ID)
		total += int64(len(data))
	}
	putSmall(t, db, s, []byte("blob 7")) // a second reference
	slices.SortFunc(ids, func(a, b ID) int { return bytes.Compare(a[:], b[:]) })
	list := func(opts ListOptions) []Info {
		return testdb.Read(t, db, func(tx layer.ReadTx) ([]Info, error) {
			var out []Info
			for info, err := range s.List(tx, opts) {
				if err != nil {
					return nil, err
				}
				out = append(out, info)
			}
			return out, nil
		})
	}
	all := list(ListOptions{})
	if len(all) != len(ids) {
		t.Fatalf("List: %d blobs, want %d", len(all), len(ids))
	}
	for i, info := range all {
		want := int64(1)
		if info.ID == Sum([]byte("blob 7")) {
			want = 2
		}
		if info.ID != ids[i] || info.Refs != want || info.Chunks != 1 {
			t.Fatalf("List[%d] = %+v", i, info)
		}
	}
	page := list(ListOptions{After: &ids[99], Limit: 10})
	if len(page) != 10 || page[0].ID != ids[100] {
		t.Fatalf("List after %s: %+v", ids[99], page)
	}
	u := testdb.Read(t, db, func(tx layer.ReadTx) (Usage, error) { return s.Usage(tx) })
	if u.Blobs != 300 || u.BlobBytes != total || u.Chunks != 300 || u.ChunkBytes != total {
		t.Errorf("Usage = %+v", u)
	}
	resolve := func(p string) (ID, error) {
		return layer.ReadTransact(context.Background(), db, func(tx layer.ReadTx) (ID, error) { return s.Resolve(tx, p) })
	}
	for _, id := range ids[:20] {
		full := id.String()
		got, err := resolve(full[:12])
		if err != nil || got != id {
			t.Errorf("Resolve(%s) = %s, %v", full[:12], got, err)
		}
		if got, err := resolve(full[:11]); err != nil || got != id {
			t.Errorf("Resolve(%s) = %s, %v", full[:11], got, err)
		}
	}
	// 300 IDs over 65,536 four-digit prefixes and 16 one-digit ones.
	if _, err := resolve("zzzz"); !errors.Is(err, ErrInvalidID) {
		t.Errorf("Resolve(zzzz): %v", err)
	}
	if _, err := resolve("abc"); !errors.Is(err, ErrInvalidID) {
		t.Errorf("Resolve(abc): %v", err)
	}
	var ambiguous string
	for i := 1; i < len(ids); i++ {
		if a, b := ids[i-1].String(), ids[i].String(); a[:4] == b[:4] {
			ambiguous = a[:4]
			break
		}
	}
	if ambiguous != "" {
		if _, err := resolve(ambiguous); !errors.Is(err, ErrAmbiguous) {
			t.Errorf("Resolve(%s): %v, want ErrAmbiguous", ambiguous, err)
		}
	}
	missing := Sum([]byte("missing")).String()
	if _, err := resolve(missing[:16]); !errors.Is(err, ErrNotFound) {
		t.Errorf("Resolve of a missing prefix: %v", err)
	}
}

// TestIDPrefixWithZeroByte: an ID whose bytes include 0x00 (escaped in
// the key) resolves by prefix.
func TestIDPrefixWithZeroByte(t *testing.T) {
	db, s := newStore(t, smallConfig)
	for i := 0; ; i++ {
		data := []byte(fmt.Sprintf("zero %d", i))
		id := Sum(data)
		if id[1] != 0 {
			continue
		}
		putSmall(t, db, s, data)
		got, err := layer.ReadTransact(context.Background(), db, func(tx layer.ReadTx) (ID, error) {
			return s.Resolve(tx, id.String()[:6])
		})
		if err != nil || got != id {
			t.Fatalf("Resolve(%s) = %s, %v", id.String()[:6], got, err)
		}
		return
	}
}

// TestRegistry creates, opens, lists and drops stores by name.
func TestRegistry(t *testing.T) {
	db := testdb.Open(t)
	ss := testdb.Subspace(t, db)
	reg := ss.Sub("registry")
	cfg := Config{MinChunk: 1024, AvgChunk: 4096, MaxChunk: 16384}
	var s *Store
	testdb.Write(t, db, func(tx layer.Tx) error {
		var err error
		s, err = Create(tx, reg, "files", Spec{Subspace: ss.Sub("files"), Config: cfg})
		return err
	})
	testdb.Write(t, db, func(tx layer.Tx) error {
		_, err := Create(tx, reg, "files", Spec{Subspace: ss.Sub("other")})
		if !errors.Is(err, ErrStoreExists) {
			t.Errorf("second Create: %v", err)
		}
		_, err = Create(tx, reg, "nested", Spec{Subspace: ss.Sub("files", "x")})
		if !errors.Is(err, ErrSpec) {
			t.Errorf("overlapping Create: %v", err)
		}
		_, err = Create(tx, reg, "bad", Spec{Subspace: ss.Sub("bad"), Config: Config{MinChunk: 1, AvgChunk: 3, MaxChunk: 2}})
		if !errors.Is(err, ErrConfig) {
			t.Errorf("Create with bad chunk sizes: %v", err)
		}
		return nil
	})
	info, _ := put(t, db, s, randomData(1, 100_000))
	o := testdb.Read(t, db, func(tx layer.ReadTx) (*Store, error) { return Open(tx, reg, "files") })
	if c := o.Config(); c.MinChunk != 1024 || c.AvgChunk != 4096 || c.MaxChunk != 16384 || o.Name() != "files" {
		t.Errorf("Open: %v, config %+v", o, c)
	}
	if got := get(t, db, o, info.ID); sum(got) != info.ID {
		t.Error("read through the opened store")
	}
	stores := testdb.Read(t, db, func(tx layer.ReadTx) ([]*Store, error) { return List(tx, reg) })
	if len(stores) != 1 || stores[0].Name() != "files" {
		t.Errorf("List = %v", stores)
	}
	testdb.Write(t, db, func(tx layer.Tx) error { return Drop(tx, reg, "files") })
	if n := countRange(t, db, ss.Sub("files")); n != 0 {
		t.Errorf("%d keys left after Drop", n)
	}
	_, err := layer.ReadTransact(context.Background(), db, func(tx layer.ReadTx) (*Store, error) { return Open(tx, reg, "files") })
	if !errors.Is(err, ErrNoStore) {
		t.Errorf("Open after Drop: %v", err)
	}
}

// TestConfig checks the bounds of Config.
func TestConfig(t *testing.T) {
	ss := subspace.FromTuple(tuple.Tuple{"c"})
	for _, c := range []Config{
		{MinChunk: 32, AvgChunk: 64, MaxChunk: 128},
		{MinChunk: 1024, AvgChunk: 3000, MaxChunk: 8192},
		{MinChunk: 1024, AvgChunk: 512, MaxChunk: 8192},
		{MinChunk: 1024, AvgChunk: 4096, MaxChunk: 128 << 10},
		{BatchBytes: 1000},
		{BatchBytes: 9 << 20},
		{ReadAhead: 100},
		{Lease: -time.Second},
	} {
		if _, err := New(ss, c); !errors.Is(err, ErrConfig) {
			t.Errorf("New(%+v): %v, want ErrConfig", c, err)
		}
	}
	s, err := New(ss, Config{})
	if err != nil {
		t.Fatal(err)
	}
	want := Config{DefaultMinChunk, DefaultAvgChunk, DefaultMaxChunk, DefaultBatchBytes, DefaultReadAhead, DefaultLease}
	if s.Config() != want {
		t.Errorf("defaults: %+v", s.Config())
	}
}

// TestValueSizes checks that every value the store writes is under
// layer.MaxValueSize, with the default configuration and a blob large
// enough for full manifest pages.
func TestValueSizes(t *testing.T) {
	db, s := newStore(t, Config{MinChunk: 64, AvgChunk: 128, MaxChunk: 256, BatchBytes: 1 << 20})
	info, _ := put(t, db, s, randomData(8, 2_000_000))
	largest := testdb.Read(t, db, func(tx layer.ReadTx) (int, error) {
		n := 0
		for kv, err := range tx.GetRange(s.k.ss.Range(), layer.RangeOptions{}).All() {
			if err != nil {
				return 0, err
			}
			n = max(n, len(kv.Value))
		}
		return n, nil
	})
	pages := countRange(t, db, s.k.page)
	t.Logf("%d chunks in %d pages; largest value %d bytes", info.Chunks, pages, largest)
	if largest >= layer.MaxValueSize || pages < 2 || largest < maxPageEntries*entrySize {
		t.Errorf("largest value %d bytes, %d pages", largest, pages)
	}
}

// TestParseID checks the text forms of IDs.
func TestParseID(t *testing.T) {
	id := Sum([]byte("x"))
	for _, s := range []string{id.String(), string(bytes.ToUpper([]byte(id.String())))} {
		got, err := ParseID(s)
		if err != nil || got != id {
			t.Errorf("ParseID(%s) = %s, %v", s, got, err)
		}
	}
	for _, s := range []string{"", "abc", id.String()[:63] + "g", id.String() + "0"} {
		if _, err := ParseID(s); !errors.Is(err, ErrInvalidID) {
			t.Errorf("ParseID(%q): %v", s, err)
		}
	}
	var back ID
	if b, _ := id.MarshalText(); back.UnmarshalText(b) != nil || back != id {
		t.Error("text round trip")
	}
}

// TestLeaseRenewal: a Writer renews its lease when it has been written to
// for a quarter lease, even without a batch to store, and the collector
// gives the upload up only a whole lease after the last renewal.
func TestLeaseRenewal(t *testing.T) {
	cfg := smallConfig
	cfg.Lease = 400 * time.Millisecond
	db, s := newStore(t, cfg)
	w := s.NewWriter(context.Background(), db)
	if _, err := w.Write(randomData(1, 70_000)); err != nil {
		t.Fatal(err)
	}
	if err := w.wait(); err != nil {
		t.Fatal(err)
	}
	n := w.Stats().Transactions
	time.Sleep(cfg.Lease/4 + 50*time.Millisecond)
	if _, err := w.Write([]byte("a few bytes, no chunk")); err != nil {
		t.Fatal(err)
	}
	if w.Stats().Transactions != n+1 {
		t.Fatalf("%d transactions after a quarter lease, want %d (a renewal)", w.Stats().Transactions, n+1)
	}
	at := func(d time.Duration) GCOptions {
		return GCOptions{Now: func() time.Time { return time.Now().Add(d) }}
	}
	if st := gc(t, db, s, at(cfg.Lease*3/4)); st.InFlight != 1 || st.Expired != 0 {
		t.Fatalf("GC within the renewed lease: %+v", st)
	}
	if st := gc(t, db, s, at(cfg.Lease*2)); st.Expired != 1 {
		t.Fatalf("GC past the renewed lease: %+v", st)
	}
	if _, err := w.Commit(); !errors.Is(err, ErrUploadExpired) {
		t.Fatalf("Commit after expiry: %v", err)
	}
	checkEmpty(t, db, s)
}

// TestCancelledUpload: an upload whose context ends fails, and its Abort
// still gives its chunks back at once.
func TestCancelledUpload(t *testing.T) {
	db, s := newStore(t, smallConfig)
	ctx, cancel := context.WithCancel(context.Background())
	w := s.NewWriter(ctx, db)
	if _, err := w.Write(randomData(1, 300_000)); err != nil {
		t.Fatal(err)
	}
	cancel()
	_, err := w.Write(randomData(2, 300_000))
	if err == nil {
		_, err = w.Commit()
	}
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("upload after cancel: %v", err)
	}
	if err := w.Abort(); err != nil {
		t.Fatal(err)
	}
	if st := gc(t, db, s, GCOptions{}); st.Released != 1 {
		t.Errorf("GC after an aborted, cancelled upload: %+v", st)
	}
	checkEmpty(t, db, s)
}
