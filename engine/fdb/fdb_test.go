//go:build fdb

package fdb

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	fdbapi "github.com/apple/foundationdb/bindings/go/src/fdb"

	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/layertest"
)

// The tests run against a real FoundationDB cluster. They find one through
// the cluster sources below, in order, and skip with one message naming
// what is missing when none has one. The test binary itself links against
// libfdb_c: without the FoundationDB client installed, "go test -tags fdb"
// fails to link (cannot find -lfdb_c) before any test can skip; a libfdb_c
// too old for API version 730 makes the tests skip.
const (
	// envTestDB names a database URL; the tests use it when its scheme is
	// fdb ("fdb:" for the default cluster file, "fdb:/path/fdb.cluster").
	envTestDB = "STRATA_TEST_DB"
	// envClusterFile names the path of a cluster file; it wins over
	// envTestDB.
	envClusterFile = "STRATA_FDB_CLUSTER_FILE"
)

// A clusterSource finds a cluster for the tests: the location of its
// cluster file ("" is the default one), or ok false with what is missing
// for it to have one (a phrase for the skip message), or an error when it
// should have one but failed. A source that starts a cluster registers
// what stops it with atExit: the cluster serves every test of the package.
type clusterSource struct {
	name string
	find func(t *testing.T) (location string, ok bool, missing string, err error)
}

// clusterSources are tried in order. The testcontainers-go source (in
// container_test.go, which appends itself in an init function so that
// this file needs no Docker dependency) comes last: it starts
// foundationdb/foundationdb:7.3.x when no cluster is named.
var clusterSources = []clusterSource{
	{name: envClusterFile, find: fromClusterFileEnv},
	{name: envTestDB, find: fromTestDBEnv},
}

// atExit holds what TestMain runs after the tests, in reverse order.
var atExit []func()

func fromClusterFileEnv(t *testing.T) (string, bool, string, error) {
	path := os.Getenv(envClusterFile)
	if path == "" {
		return "", false, envClusterFile + " is not set (a cluster file path)", nil
	}
	return path, true, "", nil
}

func fromTestDBEnv(t *testing.T) (string, bool, string, error) {
	url := os.Getenv(envTestDB)
	if url == "" {
		return "", false, envTestDB + " is not set (an fdb: URL)", nil
	}
	scheme, location := layer.ParseURL(url)
	if scheme != "fdb" {
		return "", false, envTestDB + " is not an fdb: URL (it is " + url + ")", nil
	}
	return location, true, "", nil
}

// shared is the DB every test of the package uses, opened once.
var shared struct {
	once     sync.Once
	db       *DB
	location string
	skip     string // why the tests skip, if they do
	err      error  // why they fail, if they do
}

// openTestDB returns the tests' database, or skips or fails the test.
func openTestDB(t *testing.T) *DB {
	t.Helper()
	shared.once.Do(func() { shared.db, shared.location, shared.skip, shared.err = findAndOpen(t) })
	switch {
	case shared.skip != "":
		t.Skip(shared.skip)
	case shared.err != nil:
		t.Fatal(shared.err)
	}
	return shared.db
}

func findAndOpen(t *testing.T) (db *DB, location, skip string, err error) {
	var missing []string
	found := false
	for _, src := range clusterSources {
		loc, ok, why, err := src.find(t)
		if err != nil {
			return nil, "", "", fmt.Errorf("fdb: %s: %w", src.name, err)
		}
		if ok {
			location, found = loc, true
			t.Logf("fdb: testing against %s (from %s)", describeClusterFile(loc), src.name)
			break
		}
		missing = append(missing, why)
	}
	if !found {
		return nil, "", "fdb: no FoundationDB cluster to test against: " + strings.Join(missing, "; "), nil
	}
	db, err = Open(location)
	if err != nil {
		if !fdbapi.IsAPIVersionSelected() {
			return nil, "", "fdb: the installed libfdb_c cannot serve API version 730 (install the FoundationDB 7.3 client): " + err.Error(), nil
		}
		return nil, "", "", err
	}
	if err := waitAvailable(db, 30*time.Second); err != nil {
		db.Close()
		return nil, "", "", err
	}
	return db, location, "", nil
}

// waitAvailable reads the read version under a timeout, so that a cluster
// that is down fails the tests in seconds instead of hanging them.
func waitAvailable(db *DB, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	_, err := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) (int64, error) {
		return tx.GetReadVersion().Get()
	})
	if err != nil {
		return errors.New("fdb: " + db.String() + " is not available: " + err.Error())
	}
	return nil
}

// TestMain closes the shared database after the tests, then stops what
// the cluster sources started.
func TestMain(m *testing.M) {
	code := m.Run()
	if shared.db != nil {
		shared.db.Close()
	}
	for i := len(atExit) - 1; i >= 0; i-- {
		atExit[i]()
	}
	os.Exit(code)
}

// TestConformance runs the layer conformance suite on the cluster. Every
// subtest shares one database; the suite keeps to its own key prefix.
func TestConformance(t *testing.T) {
	db := openTestDB(t)
	layertest.Run(t, func(t *testing.T) layer.DB { return db })
}

// TestOpenURL opens the cluster through layer.Open and checks the DB's
// lifecycle: a second handle on the same cluster file, Close twice, no
// transaction after Close, running transactions cancelled by Close.
func TestOpenURL(t *testing.T) {
	openTestDB(t)
	ctx := context.Background()
	ldb, err := layer.Open(ctx, "fdb:"+shared.location)
	if err != nil {
		t.Fatalf("layer.Open: %v", err)
	}
	db, ok := ldb.(*DB)
	if !ok {
		t.Fatalf("layer.Open returned a %T, want *fdb.DB", ldb)
	}
	if err := waitAvailable(db, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	tx, err := db.CreateTransaction()
	if err != nil {
		t.Fatalf("CreateTransaction: %v", err)
	}
	if _, err := tx.GetReadVersion().Get(); err != nil {
		t.Fatalf("GetReadVersion: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	_, err = tx.Get([]byte("strata-fdb-test")).Get()
	if !errors.Is(err, layer.ErrTransactionCancelled) || !errors.Is(err, ErrClosed) {
		t.Errorf("Get in a transaction of a closed DB: %v; want ErrClosed and ErrTransactionCancelled", err)
	}
	if _, err := db.CreateTransaction(); !errors.Is(err, ErrClosed) {
		t.Errorf("CreateTransaction after Close: %v; want ErrClosed", err)
	}
	// The shared DB, on the same database of the bindings, still works.
	if err := waitAvailable(shared.db, 30*time.Second); err != nil {
		t.Errorf("after closing another handle: %v", err)
	}
}

// TestStreamingModes checks the mapping to the bindings' constants, whose
// zero value is Iterator too but whose WantAll is -1.
func TestStreamingModes(t *testing.T) {
	want := map[layer.StreamingMode]fdbapi.StreamingMode{
		layer.StreamingModeIterator: fdbapi.StreamingModeIterator,
		layer.StreamingModeWantAll:  fdbapi.StreamingModeWantAll,
		layer.StreamingModeExact:    fdbapi.StreamingModeExact,
		layer.StreamingModeSmall:    fdbapi.StreamingModeSmall,
		layer.StreamingModeMedium:   fdbapi.StreamingModeMedium,
		layer.StreamingModeLarge:    fdbapi.StreamingModeLarge,
		layer.StreamingModeSerial:   fdbapi.StreamingModeSerial,
	}
	for m, w := range want {
		if got, ok := streamingMode(m); !ok || got != w {
			t.Errorf("streamingMode(%d) = %d, %v; want %d", m, got, ok, w)
		}
	}
	for _, m := range []layer.StreamingMode{-1, layer.StreamingModeSerial + 1} {
		if _, ok := streamingMode(m); ok {
			t.Errorf("streamingMode(%d) accepted a mode that does not exist", m)
		}
	}
}

// TestConvert checks that the bindings' errors become layer.Error values
// with the same code, and that panics become errors.
func TestConvert(t *testing.T) {
	for _, code := range []int{1007, 1020, 1021, 1025, 2004, 2101, 4100, 1234} {
		err := convert(fdbapi.Error{Code: code})
		if err != (layer.Error{Code: code}) {
			t.Errorf("convert(fdb.Error{%d}) = %#v", code, err)
		}
	}
	if !errors.Is(convert(fdbapi.Error{Code: 1020}), layer.ErrNotCommitted) || !layer.Retryable(convert(fdbapi.Error{Code: 1020})) {
		t.Error("a converted 1020 is not ErrNotCommitted, or not retryable")
	}
	other := errors.New("other")
	if convert(other) != other || convert(nil) != nil {
		t.Error("convert changed an error that is not an fdb.Error")
	}
	if err := panicked(fdbapi.Error{Code: 2017}); err != (layer.Error{Code: 2017}) {
		t.Errorf("panicked(fdb.Error{2017}) = %v", err)
	}
	if err := panicked("boom"); !errors.Is(err, layer.ErrInternal) {
		t.Errorf("panicked(\"boom\") = %v; want an error matching ErrInternal", err)
	}
}
