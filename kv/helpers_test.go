package kv

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/strata-db/strata/internal/testdb"
	"github.com/strata-db/strata/layer"
)

// fakeClock is a clock the tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock { return &fakeClock{t: time.Unix(1_700_000_000, 0)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// newStore opens the test database and a store under the test's
// subspace, on a fake clock.
func newStore(t testing.TB, opts Options) (layer.DB, *Store, *fakeClock) {
	t.Helper()
	db := testdb.Open(t)
	clock := newClock()
	if opts.Clock == nil {
		opts.Clock = clock.Now
	}
	return db, New(testdb.Subspace(t, db), opts), clock
}

// tx runs fn in a transaction and returns its result.
func tx[T any](db layer.DB, fn func(tx layer.Tx) (T, error)) (T, error) {
	return layer.Transact(context.Background(), db, fn)
}

// must runs fn in a transaction and fails the test on error.
func must[T any](t testing.TB, db layer.DB, fn func(tx layer.Tx) (T, error)) T {
	t.Helper()
	v, err := tx(db, fn)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// read runs fn in a read transaction.
func read[T any](db layer.DB, fn func(tx layer.ReadTx) (T, error)) (T, error) {
	return layer.ReadTransact(context.Background(), db, fn)
}

// put puts a value and returns its committed version.
func put(t testing.TB, db layer.DB, s *Store, key, value string, opts PutOptions) Version {
	t.Helper()
	w := must(t, db, func(tx layer.Tx) (Write, error) { return s.Put(tx, key, []byte(value), opts) })
	v, err := w.Version.Get()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// get reads a value; "" and ErrNotFound for none.
func get(t testing.TB, db layer.DB, s *Store, key string) (Item, error) {
	t.Helper()
	return read(db, func(tx layer.ReadTx) (Item, error) { return s.Get(tx, key) })
}
