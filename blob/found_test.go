package blob

// found's bstore tests (found/tests.py in amirouche/asyncio-foundationdb:
// test_bstore_small, test_bstore_large, test_bstore_idempotent), ported one
// for one: get_or_create is PutSmall and get is GetSmall, each in its own
// transaction as found.transactional runs them. found's MAX_SIZE_VALUE is
// FoundationDB's value limit, layer.MaxValueSize.
//
// Then tests that fail on found's bugs: found cannot store the empty blob
// (get raises, as it takes no chunks for no blob), writes a blob in one
// transaction (so blobs over 10 MB fail with transaction_too_large), and
// has neither delete nor garbage collection.

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/strata-db/strata/internal/testdb"
	"github.com/strata-db/strata/layer"
)

func putSmall(t *testing.T, db layer.DB, s *Store, data []byte) Info {
	t.Helper()
	var info Info
	testdb.Write(t, db, func(tx layer.Tx) error {
		var err error
		info, err = s.PutSmall(tx, data)
		return err
	})
	return info
}

func getSmall(t *testing.T, db layer.DB, s *Store, id ID) []byte {
	t.Helper()
	return testdb.Read(t, db, func(tx layer.ReadTx) ([]byte, error) { return s.GetSmall(tx, id) })
}

// test_bstore_small
func TestFoundSmall(t *testing.T) {
	db, s := newStore(t, Config{})
	expected := []byte("\xBE\xEF")
	uid := putSmall(t, db, s, expected).ID
	if out := getSmall(t, db, s, uid); !bytes.Equal(out, expected) {
		t.Fatalf("got %x, want %x", out, expected)
	}
}

// test_bstore_large
func TestFoundLarge(t *testing.T) {
	db, s := newStore(t, Config{})
	expected := bytes.Repeat([]byte("\xBE\xEF"), layer.MaxValueSize)
	uid := putSmall(t, db, s, expected).ID
	if out := getSmall(t, db, s, uid); !bytes.Equal(out, expected) {
		t.Fatalf("got %d bytes, want %d", len(out), len(expected))
	}
	// Also through the streaming Reader.
	if out := get(t, db, s, uid); !bytes.Equal(out, expected) {
		t.Fatalf("Reader: got %d bytes, want %d", len(out), len(expected))
	}
}

// test_bstore_idempotent
func TestFoundIdempotent(t *testing.T) {
	db, s := newStore(t, Config{})
	blob := bytes.Repeat([]byte("\xBE\xEF"), layer.MaxValueSize)
	expected := putSmall(t, db, s, blob)
	out := putSmall(t, db, s, blob)
	if out.ID != expected.ID {
		t.Fatalf("second get_or_create: %s, want %s", out.ID, expected.ID)
	}
	// Here a second put is a second reference: two deletes remove it.
	if expected.Refs != 1 || out.Refs != 2 {
		t.Errorf("refs after two puts: %d then %d, want 1 then 2", expected.Refs, out.Refs)
	}
}

// found: "BLOB should be in database" for the empty blob, whose get finds
// no chunk.
func TestFoundBugEmptyBlob(t *testing.T) {
	db, s := newStore(t, Config{})
	info := putSmall(t, db, s, nil)
	if info.ID != EmptyID || info.Size != 0 || info.Chunks != 0 {
		t.Fatalf("PutSmall(empty) = %+v", info)
	}
	if got := getSmall(t, db, s, EmptyID); got == nil || len(got) != 0 {
		t.Fatalf("GetSmall(empty) = %v (nil %v), want an empty non-nil slice", got, got == nil)
	}
	// Through a Writer and a Reader, too.
	w := s.NewWriter(context.Background(), db)
	info2, err := w.Commit()
	if err != nil || info2.ID != EmptyID || info2.Refs != 2 {
		t.Fatalf("Writer with no data: %+v, %v", info2, err)
	}
	r, err := s.NewReader(context.Background(), db, EmptyID)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := r.Read(make([]byte, 10)); n != 0 || err != io.EOF {
		t.Fatalf("Read of the empty blob: %d, %v", n, err)
	}
	if b, err := io.ReadAll(io.NewSectionReader(r, 0, 1)); len(b) != 0 || err != nil {
		t.Fatalf("ReadAt of the empty blob: %q, %v", b, err)
	}
	r.Close()
	// Deleting both references and collecting leaves nothing.
	for range 2 {
		testdb.Write(t, db, func(tx layer.Tx) error { _, err := s.Delete(tx, EmptyID); return err })
	}
	gc(t, db, s, GCOptions{})
	checkEmpty(t, db, s)
}

// found writes a blob in one transaction: over 10 MB it fails with
// transaction_too_large (2101). A Writer spans transactions, each bounded.
func TestFoundBugOver10MB(t *testing.T) {
	meter := &meterDB{DB: testdb.Open(t)}
	s, err := New(testdb.Subspace(t, meter.DB), Config{BatchBytes: 2 << 20})
	if err != nil {
		t.Fatal(err)
	}
	const size = 25 << 20
	data := randomData(25, size)
	info, st := put(t, meter, s, data)
	if st.Transactions < 12 {
		t.Errorf("%d transactions for %d bytes in batches of 2 MiB", st.Transactions, size)
	}
	if meter.maxBytes > 3<<20 {
		t.Errorf("largest transaction wrote %d bytes, want about 2 MiB", meter.maxBytes)
	}
	t.Logf("25 MiB: %d chunks, %d transactions (largest %d bytes, longest %v)", info.Chunks, st.Transactions, meter.maxBytes, meter.maxTime)
	if got := get(t, meter, s, info.ID); sum(got) != sum(data) {
		t.Fatal("read back differs")
	}
	// found's way, one transaction: refused before the database is asked.
	_, err = layer.Transact(context.Background(), meter, func(tx layer.Tx) (Info, error) { return s.PutSmall(tx, data) })
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "Writer") {
		t.Errorf("PutSmall of 25 MiB: %v, want ErrTooLarge pointing to the Writer", err)
	}
	_, err = layer.ReadTransact(context.Background(), meter, func(tx layer.ReadTx) ([]byte, error) { return s.GetSmall(tx, info.ID) })
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("GetSmall of 25 MiB: %v, want ErrTooLarge", err)
	}
}

// found has no delete and no garbage collection.
func TestFoundBugNoDelete(t *testing.T) {
	db, s := newStore(t, smallConfig)
	data := randomData(3, 200_000)
	info := putSmall(t, db, s, data)
	var left int64
	testdb.Write(t, db, func(tx layer.Tx) error {
		var err error
		left, err = s.Delete(tx, info.ID)
		return err
	})
	if left != 0 {
		t.Fatalf("Delete left %d references", left)
	}
	if _, err := getErr(db, s, info.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("read after delete: %v, want ErrNotFound", err)
	}
	st := gc(t, db, s, GCOptions{})
	if st.ChunksDeleted != info.Chunks || st.BytesFreed != int64(len(data)) {
		t.Errorf("GC: %+v, want %d chunks and %d bytes freed", st, info.Chunks, len(data))
	}
	checkEmpty(t, db, s)
}
