package blob

import (
	"bytes"
	"context"
	"crypto/sha256"
	"flag"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/strata-db/strata/internal/testdb"
	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/subspace"
)

// smallConfig cuts chunks of about 1 KiB and writes batches of 64 KiB, so
// that tests exercise many chunks, pages and transactions with little data.
var smallConfig = Config{MinChunk: 256, AvgChunk: 1024, MaxChunk: 4096, BatchBytes: 64 << 10, ReadAhead: 32 << 10}

// newStore opens the test database and a store under the test's subspace.
func newStore(t testing.TB, cfg Config) (layer.DB, *Store) {
	t.Helper()
	db := testdb.Open(t)
	s, err := New(testdb.Subspace(t, db), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return db, s
}

// put stores data through a Writer fed in pieces of random sizes.
func put(t testing.TB, db layer.DB, s *Store, data []byte) (Info, WriteStats) {
	t.Helper()
	w := s.NewWriter(context.Background(), db)
	rest := data
	for len(rest) > 0 {
		n := min(len(rest), 1+rand.IntN(100_000))
		if _, err := w.Write(rest[:n]); err != nil {
			t.Fatal(err)
		}
		rest = rest[n:]
	}
	info, err := w.Commit()
	if err != nil {
		t.Fatal(err)
	}
	if info.ID != Sum(data) || info.Size != int64(len(data)) {
		t.Fatalf("put: Info %+v for %d bytes with ID %s", info, len(data), Sum(data))
	}
	return info, w.Stats()
}

// get reads a whole blob through a Reader.
func get(t testing.TB, db layer.DB, s *Store, id ID) []byte {
	t.Helper()
	b, err := getErr(db, s, id)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func getErr(db layer.DB, s *Store, id ID) ([]byte, error) {
	r, err := s.NewReader(context.Background(), db, id)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, r); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func stat(t testing.TB, db layer.DB, s *Store, id ID) Info {
	t.Helper()
	return testdb.Read(t, db, func(tx layer.ReadTx) (Info, error) { return s.Stat(tx, id) })
}

func gc(t testing.TB, db layer.DB, s *Store, opts GCOptions) GCStats {
	t.Helper()
	st, err := s.GC(context.Background(), db, opts)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// later is a GCOptions clock past every lease.
func later() GCOptions {
	return GCOptions{Now: func() time.Time { return time.Now().Add(DefaultLease + time.Hour) }}
}

// countRange counts the keys under a subspace.
func countRange(t testing.TB, db layer.DB, ss subspace.Subspace) int {
	t.Helper()
	return testdb.Read(t, db, func(tx layer.ReadTx) (int, error) {
		kvs, err := tx.GetRange(ss.Range(), layer.RangeOptions{}).Slice()
		return len(kvs), err
	})
}

// keyCounts counts the keys of each part of the store's layout.
type keyCounts struct{ headers, refs, chunks, chunkRefs, pages, records, garbage int }

func counts(t testing.TB, db layer.DB, s *Store) keyCounts {
	t.Helper()
	k := &s.k
	return keyCounts{
		countRange(t, db, k.header), countRange(t, db, k.refs), countRange(t, db, k.chunk),
		countRange(t, db, k.crefs), countRange(t, db, k.page), countRange(t, db, k.record),
		countRange(t, db, k.garbage),
	}
}

// checkEmpty fails unless the store holds nothing but zero counters.
func checkEmpty(t testing.TB, db layer.DB, s *Store) {
	t.Helper()
	if c := counts(t, db, s); c != (keyCounts{}) {
		t.Errorf("store not empty: %+v", c)
	}
	u := testdb.Read(t, db, func(tx layer.ReadTx) (Usage, error) { return s.Usage(tx) })
	if u != (Usage{}) {
		t.Errorf("usage of an empty store: %+v", u)
	}
}

// chunkRefs returns the reference count of a chunk and whether its bytes
// are stored.
func chunkRefs(t testing.TB, db layer.DB, s *Store, h ID) (int64, bool) {
	t.Helper()
	type res struct {
		n  int64
		ok bool
	}
	r := testdb.Read(t, db, func(tx layer.ReadTx) (res, error) {
		vs, err := layer.GetAll(tx, [][]byte{s.k.chunkRefsKey(h), s.k.chunkKey(h)})
		return res{decodeCounter(vs[0]), vs[1] != nil}, err
	})
	return r.n, r.ok
}

// manifestOf reads the entries of a published blob.
func manifestOf(t testing.TB, db layer.DB, s *Store, id ID) []entry {
	t.Helper()
	return testdb.Read(t, db, func(tx layer.ReadTx) ([]entry, error) {
		v, err := tx.Get(s.k.headerKey(id)).Get()
		if err != nil {
			return nil, err
		}
		h, err := decodeHeader(v)
		if err != nil {
			return nil, err
		}
		var es []entry
		for kv, err := range tx.GetRange(s.k.pageRange(h.manifest), layer.RangeOptions{}).All() {
			if err != nil {
				return nil, err
			}
			p, err := decodePage(kv.Value)
			if err != nil {
				return nil, err
			}
			es = append(es, p...)
		}
		return es, nil
	})
}

// randomData returns n pseudo-random bytes.
func randomData(seed uint64, n int) []byte {
	r := rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), byte(seed >> 16), byte(seed >> 24)})
	b := make([]byte, n)
	r.Read(b)
	return b
}

func sum(b []byte) [32]byte { return sha256.Sum256(b) }

var seedFlag = flag.Uint64("seed", 0, "seed of the randomized tests (0: from $BLOB_SEED, else the clock)")

// testSeed returns the seed of a randomized test and logs it.
func testSeed(t *testing.T) uint64 {
	seed := *seedFlag
	if s := os.Getenv("BLOB_SEED"); seed == 0 && s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("BLOB_SEED=%q: %v", s, err)
		}
		seed = v
	}
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (rerun with go test -run '%s' -seed %d, or BLOB_SEED=%d)", seed, t.Name(), seed, seed)
	return seed
}

// meterDB wraps a DB and measures each committed transaction: the bytes
// of its writes and how long it ran.
type meterDB struct {
	layer.DB
	mu       sync.Mutex
	commits  int
	maxBytes int
	maxTime  time.Duration
}

func (m *meterDB) CreateTransaction() (layer.Tx, error) {
	tx, err := m.DB.CreateTransaction()
	if err != nil {
		return nil, err
	}
	return &meterTx{Tx: tx, db: m, start: time.Now()}, nil
}

type meterTx struct {
	layer.Tx
	db    *meterDB
	bytes int
	start time.Time
}

func (t *meterTx) Set(k, v []byte) { t.bytes += len(k) + len(v); t.Tx.Set(k, v) }
func (t *meterTx) Add(k, v []byte) { t.bytes += len(k) + len(v); t.Tx.Add(k, v) }
func (t *meterTx) Clear(k []byte)  { t.bytes += len(k); t.Tx.Clear(k) }
func (t *meterTx) Reset()          { t.bytes, t.start = 0, time.Now(); t.Tx.Reset() }
func (t *meterTx) OnError(err error) error {
	err = t.Tx.OnError(err)
	t.bytes, t.start = 0, time.Now()
	return err
}

func (t *meterTx) Commit() error {
	err := t.Tx.Commit()
	if err == nil {
		t.db.mu.Lock()
		t.db.commits++
		t.db.maxBytes = max(t.db.maxBytes, t.bytes)
		t.db.maxTime = max(t.db.maxTime, time.Since(t.start))
		t.db.mu.Unlock()
	}
	return err
}
