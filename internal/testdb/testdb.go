package testdb

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/subspace"
	"github.com/strata-db/strata/layer/tuple"
)

const (
	// EnvVar names the environment variable that selects the database of
	// the tests: a URL for layer.Open.
	EnvVar = "STRATA_TEST_DB"
	// DefaultURL is the database used when EnvVar is unset or empty.
	DefaultURL = "mem:"
	// Root is the first element of every test subspace's tuple.
	Root = "strata-test"
)

// availableTimeout bounds the wait for a shared database to answer, and
// the clearing of a test's subspace.
const availableTimeout = 30 * time.Second

// runID tells apart the test processes that share a database.
var runID = fmt.Sprintf("%016x", rand.Uint64())

// URL returns the database URL of the tests: $STRATA_TEST_DB, else
// DefaultURL.
func URL() string {
	if u := os.Getenv(EnvVar); u != "" {
		return u
	}
	return DefaultURL
}

// Open returns the database of the tests (see URL and the package
// documentation), or fails t. The database stays open until t and every
// other test that opened it have ended; testdb closes it, and the Close
// method of the DB returned does nothing. To keep a shared database open
// across the subtests of a test, open it in the parent test as well.
func Open(t testing.TB) layer.DB {
	t.Helper()
	url := URL()
	db, release, err := open(url)
	if err != nil {
		t.Fatalf("testdb: %s (from $%s): %v", url, EnvVar, err)
	}
	t.Cleanup(func() {
		if err := release(); err != nil {
			t.Errorf("testdb: closing %s: %v", url, err)
		}
	})
	return db
}

// open opens url, returning the DB for tests and the function that gives
// it back.
func open(url string) (layer.DB, func() error, error) {
	scheme, location := layer.ParseURL(url)
	if scheme == "mem" {
		db, err := layer.Open(context.Background(), url)
		if err != nil {
			return nil, nil, err
		}
		return testDB{db}, db.Close, nil
	}
	sh, err := acquire(url, scheme, location)
	if err != nil {
		return nil, nil, err
	}
	return testDB{sh.db}, sh.release, nil
}

// testDB is the DB handed to tests: testdb closes the database, not them.
type testDB struct{ layer.DB }

// Close does nothing: the database is closed when the tests that opened it
// end.
func (testDB) Close() error { return nil }

// String names the engine's DB.
func (d testDB) String() string {
	if s, ok := d.DB.(fmt.Stringer); ok {
		return s.String()
	}
	return fmt.Sprintf("%T", d.DB)
}

// shared is a database shared by the tests of the process.
type shared struct {
	url  string
	db   layer.DB
	dir  string // the directory testdb created for it, removed at the end
	refs int
}

var registry = struct {
	sync.Mutex
	m map[string]*shared
}{m: map[string]*shared{}}

// acquire returns the shared database of url, opening it on first use.
func acquire(url, scheme, location string) (*shared, error) {
	registry.Lock()
	defer registry.Unlock()
	if sh := registry.m[url]; sh != nil {
		sh.refs++
		return sh, nil
	}
	sh := &shared{url: url, refs: 1}
	target := url
	if scheme == "file" {
		// One directory per test process: go test runs packages in
		// parallel processes, and a directory has one process at a time.
		parent := location
		if parent == "" {
			parent = os.TempDir()
		} else if err := os.MkdirAll(parent, 0o755); err != nil {
			return nil, err
		}
		dir, err := os.MkdirTemp(parent, "strata-testdb-")
		if err != nil {
			return nil, err
		}
		sh.dir = dir
		target = "file:" + dir
	}
	db, err := layer.Open(context.Background(), target)
	if err == nil {
		if err = waitAvailable(db); err != nil {
			db.Close()
		}
	}
	if err != nil {
		if sh.dir != "" {
			os.RemoveAll(sh.dir)
		}
		return nil, err
	}
	sh.db = db
	registry.m[url] = sh
	return sh, nil
}

// release gives back one reference; the last one closes the database and
// removes the directory testdb made for it.
func (sh *shared) release() error {
	registry.Lock()
	defer registry.Unlock()
	if sh.refs--; sh.refs > 0 {
		return nil
	}
	delete(registry.m, sh.url)
	err := sh.db.Close()
	if sh.dir != "" {
		err = errors.Join(err, os.RemoveAll(sh.dir))
	}
	return err
}

// waitAvailable reads a read version under a timeout, so that a database
// that does not answer (a cluster that is down) fails the tests at once.
func waitAvailable(db layer.DB) error {
	ctx, cancel := context.WithTimeout(context.Background(), availableTimeout)
	defer cancel()
	_, err := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) (int64, error) {
		return tx.GetReadVersion().Get()
	})
	if err != nil {
		return fmt.Errorf("the database does not answer (waited up to %v): %w", availableTimeout, err)
	}
	return nil
}

// Subspace returns the subspace of the test t, ("strata-test", run id,
// t.Name()), unique to this test in this process, and clears its whole
// range (the bare prefix included) when t ends. db must stay open until
// then, as the DB of Open does.
func Subspace(t testing.TB, db layer.DB) subspace.Subspace {
	t.Helper()
	ss := subspace.FromTuple(tuple.Tuple{Root, runID, t.Name()})
	t.Cleanup(func() {
		if err := clearSubspace(db, ss); err != nil {
			t.Errorf("testdb: clearing %s: %v", ss, err)
		}
	})
	return ss
}

// clearSubspace removes every key of ss in one transaction.
func clearSubspace(db layer.DB, ss subspace.Subspace) error {
	r, err := ss.FullRange()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), availableTimeout)
	defer cancel()
	_, err = layer.Transact(ctx, db, func(tx layer.Tx) (struct{}, error) {
		tx.ClearRange(r)
		return struct{}{}, nil
	})
	return err
}

// Write runs fn in a transaction of db, or fails t.
func Write(t testing.TB, db layer.DB, fn func(tx layer.Tx) error) {
	t.Helper()
	_, err := layer.Transact(context.Background(), db, func(tx layer.Tx) (struct{}, error) {
		return struct{}{}, fn(tx)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Read runs fn in a read transaction of db and returns its value, or fails
// t.
func Read[T any](t testing.TB, db layer.DB, fn func(tx layer.ReadTx) (T, error)) T {
	t.Helper()
	v, err := layer.ReadTransact(context.Background(), db, fn)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
