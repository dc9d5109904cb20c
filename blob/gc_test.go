package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/strata-db/strata/internal/testdb"
	"github.com/strata-db/strata/layer"
)

// crashDB fails the commit of its n-th transaction (counting from 1) with
// an error the retry loop does not retry, as a process dying there would
// leave things; later commits go through.
type crashDB struct {
	layer.DB
	n       int
	commits atomic.Int64
}

var errCrash = errors.New("simulated crash")

func (c *crashDB) CreateTransaction() (layer.Tx, error) {
	tx, err := c.DB.CreateTransaction()
	if err != nil {
		return nil, err
	}
	return &crashTx{Tx: tx, db: c}, nil
}

type crashTx struct {
	layer.Tx
	db *crashDB
}

func (t *crashTx) Commit() error {
	if t.db.commits.Add(1) == int64(t.db.n) {
		t.Tx.Cancel()
		return errCrash
	}
	return t.Tx.Commit()
}

// garbageSetup stores blobs, deletes some, and leaves an abandoned upload
// and an aborted one: work for every phase of the collector.
func garbageSetup(t *testing.T, db layer.DB, s *Store) (kept [][]byte) {
	t.Helper()
	var del []ID
	for i := range 6 {
		data := randomData(uint64(100+i), 50_000+i*20_000)
		info, _ := put(t, db, s, data)
		if i%2 == 0 {
			del = append(del, info.ID)
		} else {
			kept = append(kept, data)
		}
	}
	// A copy sharing chunks with a kept blob.
	info, _ := put(t, db, s, slices.Concat(kept[0][:30_000], []byte("edit"), kept[0][30_000:]))
	del = append(del, info.ID)
	for _, id := range del {
		testdb.Write(t, db, func(tx layer.Tx) error { _, err := s.Delete(tx, id); return err })
	}
	abandoned(t, db, s, randomData(200, 150_000))
	w := abandoned(t, db, s, randomData(201, 150_000))
	if err := w.Abort(); err != nil {
		t.Fatal(err)
	}
	return kept
}

// TestGCResumes interrupts the collector at each of its transactions in
// turn and checks that the next collection finishes the work: same end
// state, nothing deleted that a blob needs.
func TestGCResumes(t *testing.T) {
	db0 := testdb.Open(t)
	opts := later()
	opts.TxEntries = 50
	// A run without interruption, for its number of transactions.
	var full GCStats
	t.Run("reference", func(t *testing.T) {
		s, _ := New(testdb.Subspace(t, db0), smallConfig)
		garbageSetup(t, db0, s)
		full = gc(t, db0, s, opts)
		t.Logf("uninterrupted: %+v", full)
		if full.Transactions < 5 {
			t.Fatalf("only %d transactions", full.Transactions)
		}
	})
	for n := 1; n <= full.Transactions; n += max(1, full.Transactions/12) {
		t.Run(fmt.Sprintf("crash at %d", n), func(t *testing.T) {
			ss := testdb.Subspace(t, db0)
			s, _ := New(ss, smallConfig)
			kept := garbageSetup(t, db0, s)
			crash := &crashDB{DB: db0, n: n}
			if _, err := s.GC(context.Background(), crash, opts); !errors.Is(err, errCrash) {
				t.Fatalf("GC crashing at transaction %d: %v", n, err)
			}
			st := gc(t, db0, s, opts)
			for _, data := range kept {
				if got := get(t, db0, s, Sum(data)); !bytes.Equal(got, data) {
					t.Fatalf("crash at %d: a kept blob is damaged", n)
				}
			}
			c := counts(t, db0, s)
			if c.records != 0 || c.garbage != 0 {
				t.Fatalf("crash at %d, then GC %+v: left %+v", n, st, c)
			}
			u := testdb.Read(t, db0, func(tx layer.ReadTx) (Usage, error) { return s.Usage(tx) })
			if u.Chunks != int64(c.chunks) || u.Blobs != int64(len(kept)) {
				t.Fatalf("crash at %d: usage %+v, keys %+v", n, u, c)
			}
			// Exactly the chunks of the kept blobs remain.
			need := map[ID]int64{}
			for _, data := range kept {
				for _, e := range manifestOf(t, db0, s, Sum(data)) {
					need[e.hash]++
				}
			}
			if len(need) != c.chunks {
				t.Fatalf("crash at %d: %d chunks stored, %d needed", n, c.chunks, len(need))
			}
			for h, refs := range need {
				if got, ok := chunkRefs(t, db0, s, h); got != refs || !ok {
					t.Fatalf("crash at %d: chunk refs %d (stored %v), want %d", n, got, ok, refs)
				}
			}
		})
	}
}

// TestConcurrent runs writers (some aborting, some with PutSmall), a
// deleter, readers and the collector at once on one store, with contents
// that share chunks, then checks the store against a model of the
// references, and that deleting everything and collecting empties it.
func TestConcurrent(t *testing.T) {
	seed := testSeed(t)
	db, s := newStore(t, smallConfig)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(seed, 1))
	var segments [][]byte
	for i := range 16 {
		segments = append(segments, randomData(seed+uint64(i), 2000+rng.IntN(40_000)))
	}
	var (
		mu      sync.Mutex
		refs    = map[ID]int64{}
		content = map[ID][]byte{}
		errs    = make(chan error, 100)
		stop    atomic.Bool
		wg      sync.WaitGroup
	)
	fail := func(err error) {
		select {
		case errs <- err:
		default:
		}
		stop.Store(true)
	}
	duration := 1500 * time.Millisecond
	if testing.Short() {
		duration = 300 * time.Millisecond
	}
	deadline := time.Now().Add(duration)
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(seed, uint64(10+w)))
			for !stop.Load() && time.Now().Before(deadline) {
				var data []byte
				for range 1 + r.IntN(6) {
					seg := segments[r.IntN(len(segments))]
					a := r.IntN(len(seg))
					data = append(data, seg[a:a+r.IntN(len(seg)-a)]...)
				}
				id := Sum(data)
				switch r.IntN(4) {
				case 0: // PutSmall in a transaction of its own
					_, err := layer.Transact(ctx, db, func(tx layer.Tx) (Info, error) { return s.PutSmall(tx, data) })
					if err != nil {
						fail(err)
						return
					}
				case 1: // an upload given up halfway
					wr := s.NewWriter(ctx, db)
					if _, err := wr.Write(data[:len(data)/2]); err != nil {
						fail(err)
						return
					}
					if err := wr.Abort(); err != nil {
						fail(err)
						return
					}
					continue
				default:
					wr := s.NewWriter(ctx, db)
					for p := data; len(p) > 0; {
						n := min(len(p), 1+r.IntN(20_000))
						if _, err := wr.Write(p[:n]); err != nil {
							fail(err)
							return
						}
						p = p[n:]
					}
					if _, err := wr.Commit(); err != nil {
						fail(err)
						return
					}
				}
				mu.Lock()
				refs[id]++
				content[id] = data
				mu.Unlock()
			}
		}()
	}
	live := func(r *rand.Rand) (ID, bool) {
		mu.Lock()
		defer mu.Unlock()
		var ids []ID
		for id, n := range refs {
			if n > 0 {
				ids = append(ids, id)
			}
		}
		if len(ids) == 0 {
			return ID{}, false
		}
		slices.SortFunc(ids, func(a, b ID) int { return bytes.Compare(a[:], b[:]) })
		return ids[r.IntN(len(ids))], true
	}
	wg.Add(3)
	go func() { // the deleter
		defer wg.Done()
		r := rand.New(rand.NewPCG(seed, 2))
		for !stop.Load() && time.Now().Before(deadline) {
			id, ok := live(r)
			if !ok || r.IntN(3) > 0 {
				time.Sleep(time.Millisecond)
				continue
			}
			mu.Lock() // the model changes with the database
			_, err := layer.Transact(ctx, db, func(tx layer.Tx) (int64, error) { return s.Delete(tx, id) })
			if err == nil {
				refs[id]--
			}
			mu.Unlock()
			if err != nil {
				fail(err)
				return
			}
		}
	}()
	go func() { // a reader
		defer wg.Done()
		r := rand.New(rand.NewPCG(seed, 3))
		for !stop.Load() && time.Now().Before(deadline) {
			id, ok := live(r)
			if !ok {
				time.Sleep(time.Millisecond)
				continue
			}
			got, err := getErr(db, s, id)
			switch {
			case errors.Is(err, ErrNotFound), errors.Is(err, ErrDeleted):
			case err != nil:
				fail(err)
				return
			case Sum(got) != id:
				fail(errors.New("a reader got bytes that do not match the blob's ID"))
				return
			}
		}
	}()
	go func() { // the collector
		defer wg.Done()
		for !stop.Load() && time.Now().Before(deadline) {
			if _, err := s.GC(ctx, db, GCOptions{TxEntries: 7}); err != nil {
				fail(err)
				return
			}
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	gc(t, db, s, GCOptions{})
	n := 0
	for id, want := range refs {
		if want == 0 {
			if _, err := getErr(db, s, id); !errors.Is(err, ErrNotFound) {
				t.Errorf("deleted blob %s: %v", id, err)
			}
			continue
		}
		n++
		if info := stat(t, db, s, id); info.Refs != want {
			t.Errorf("blob %s: %d references, want %d", id, info.Refs, want)
		}
		if got := get(t, db, s, id); !bytes.Equal(got, content[id]) {
			t.Errorf("blob %s: content differs", id)
		}
	}
	t.Logf("%d blobs live, %d seen", n, len(refs))
	for id, k := range refs {
		for range k {
			testdb.Write(t, db, func(tx layer.Tx) error { _, err := s.Delete(tx, id); return err })
		}
	}
	gc(t, db, s, later())
	checkEmpty(t, db, s)
}
