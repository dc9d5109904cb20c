//go:build fdb

package fdb

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"weak"

	fdbapi "github.com/apple/foundationdb/bindings/go/src/fdb"

	"github.com/strata-db/strata/layer"
)

// APIVersion is the FoundationDB API version the engine selects: 7.3's.
// The installed libfdb_c must support it (a 7.3 client or newer).
const APIVersion = 730

// DefaultClusterFile, passed to Open, makes libfdb_c pick the cluster file:
// $FDB_CLUSTER_FILE, else ./fdb.cluster, else the platform default
// (/etc/foundationdb/fdb.cluster on Linux).
const DefaultClusterFile = ""

func init() {
	layer.Register("fdb", func(ctx context.Context, location string) (layer.DB, error) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		return Open(location)
	})
}

var (
	apiOnce sync.Once
	apiErr  error
)

// selectAPIVersion selects APIVersion once per process. The bindings allow
// it to be set only once: if other code in the process already selected
// 730, that is fine; any other version is an error that says so.
func selectAPIVersion() error {
	apiOnce.Do(func() {
		err := fdbapi.APIVersion(APIVersion)
		if err == nil {
			return
		}
		var fe fdbapi.Error
		if errors.As(err, &fe) && fe.Code == 2201 { // api_version_already_set
			v, _ := fdbapi.GetAPIVersion()
			apiErr = fmt.Errorf("fdb: this process already selected FoundationDB API version %d; strata's fdb engine needs %d: %w",
				v, APIVersion, describe(err))
			return
		}
		apiErr = fmt.Errorf("fdb: selecting FoundationDB API version %d: %w", APIVersion, describe(err))
	})
	return apiErr
}

// handle is one database of the bindings, shared by every DB opened on the
// same cluster file. The bindings cache databases by cluster file in an
// unsynchronized map and destroy a database on Close even if another holder
// still uses it; handles serialize that map and count holders.
type handle struct {
	key  string
	db   fdbapi.Database
	refs int
}

var handles = struct {
	sync.Mutex
	m map[string]*handle
}{m: map[string]*handle{}}

func acquire(clusterFile string) (h *handle, err error) {
	handles.Lock()
	defer handles.Unlock()
	if h := handles.m[clusterFile]; h != nil {
		h.refs++
		return h, nil
	}
	defer recoverErr(&err)
	db, err := fdbapi.OpenDatabase(clusterFile)
	if err != nil {
		return nil, describe(err)
	}
	h = &handle{key: clusterFile, db: db, refs: 1}
	handles.m[clusterFile] = h
	return h, nil
}

func (h *handle) release() {
	handles.Lock()
	defer handles.Unlock()
	if h.refs--; h.refs > 0 {
		return
	}
	delete(handles.m, h.key)
	h.db.Close()
}

// DB is a FoundationDB database, opened through a cluster file. It
// implements layer.DB and is safe for concurrent use.
type DB struct {
	clusterFile string
	h           *handle

	// mu is held shared while transactions are created and exclusively
	// while the DB closes, so that no transaction is created after Close.
	mu     sync.RWMutex
	closed bool
	once   sync.Once

	// live holds a weak pointer to every transaction not yet garbage, so
	// that Close can cancel them. A cleanup removes each entry.
	live sync.Map // weak.Pointer[transaction] -> struct{}
}

var _ layer.DB = (*DB)(nil)

// Open opens the database of a cluster file; DefaultClusterFile ("") lets
// libfdb_c find it. It selects API version 730 first (see APIVersion). It
// does not wait for the cluster: operations do, until it is reachable or
// their transaction's timeout expires.
func Open(clusterFile string) (*DB, error) {
	if err := selectAPIVersion(); err != nil {
		return nil, err
	}
	h, err := acquire(clusterFile)
	if err != nil {
		return nil, fmt.Errorf("fdb: opening %s: %w", describeClusterFile(clusterFile), err)
	}
	return &DB{clusterFile: clusterFile, h: h}, nil
}

func describeClusterFile(clusterFile string) string {
	if clusterFile == DefaultClusterFile {
		return "the default cluster file"
	}
	return fmt.Sprintf("cluster file %q", clusterFile)
}

// ClusterFile returns the cluster file the DB was opened with; "" stands
// for the default one.
func (db *DB) ClusterFile() string { return db.clusterFile }

// String describes the DB.
func (db *DB) String() string { return "fdb (" + describeClusterFile(db.clusterFile) + ")" }

// CreateTransaction starts a transaction. It implements layer.DB.
func (db *DB) CreateTransaction() (_ layer.Tx, err error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	if db.closed {
		return nil, ErrClosed
	}
	defer recoverErr(&err)
	tr, err := db.h.db.CreateTransaction()
	if err != nil {
		return nil, convert(err)
	}
	t := &transaction{db: db, tr: tr}
	wp := weak.Make(t)
	db.live.Store(wp, struct{}{})
	runtime.AddCleanup(t, func(wp weak.Pointer[transaction]) { db.live.Delete(wp) }, wp)
	return t, nil
}

// Close cancels the transactions still running (their operations then
// fail with an error matching ErrClosed and layer.ErrTransactionCancelled)
// and releases the database. Watches already set stay until they fire or
// are cancelled. Close is safe to call more than once.
func (db *DB) Close() error {
	db.once.Do(func() {
		db.mu.Lock()
		db.closed = true
		db.mu.Unlock()
		db.live.Range(func(k, _ any) bool {
			if t := k.(weak.Pointer[transaction]).Value(); t != nil {
				t.Cancel()
			}
			return true
		})
		db.h.release()
	})
	return nil
}

// isClosed reports whether Close was called.
func (db *DB) isClosed() bool {
	db.mu.RLock()
	defer db.mu.RUnlock()
	return db.closed
}
