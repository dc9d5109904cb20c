package testdb

import (
	"bytes"
	"context"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/layertest"
	"github.com/strata-db/strata/layer/subspace"
	"github.com/strata-db/strata/layer/tuple"
)

// TestConformance runs the layer conformance suite on the database of
// $STRATA_TEST_DB, whatever its engine: this is how the suite targets an
// engine by one environment variable (engine/embedded and engine/fdb also
// run it on their own).
func TestConformance(t *testing.T) {
	t.Logf("database: %s", URL())
	Open(t) // holds a shared database open across the subtests
	layertest.Run(t, func(t *testing.T) layer.DB { return Open(t) })
}

func set(t *testing.T, db layer.DB, kvs ...[]byte) {
	t.Helper()
	_, err := layer.Transact(context.Background(), db, func(tx layer.Tx) (struct{}, error) {
		for i := 0; i+1 < len(kvs); i += 2 {
			tx.Set(kvs[i], kvs[i+1])
		}
		return struct{}{}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func get(t *testing.T, db layer.DB, key []byte) []byte {
	t.Helper()
	v, err := layer.ReadTransact(context.Background(), db, func(tx layer.ReadTx) ([]byte, error) {
		return tx.Get(key).Get()
	})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func countKeys(t *testing.T, db layer.DB, ss subspace.Subspace) int {
	t.Helper()
	r, err := ss.FullRange()
	if err != nil {
		t.Fatal(err)
	}
	n, err := layer.ReadTransact(context.Background(), db, func(tx layer.ReadTx) (int, error) {
		kvs, err := tx.GetRange(r, layer.RangeOptions{}).Slice()
		return len(kvs), err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestSubspace checks that tests get disjoint prefixes, cleared when they
// end, the bare prefix included.
func TestSubspace(t *testing.T) {
	db := Open(t)
	var subs []subspace.Subspace
	for _, name := range []string{"a", "b"} {
		t.Run(name, func(t *testing.T) {
			ss := Subspace(t, db)
			subs = append(subs, ss)
			want := tuple.Tuple{Root, runID, t.Name()}
			if !bytes.Equal(ss.Bytes(), want.Pack()) {
				t.Errorf("Subspace = %s, want the prefix of %v", ss, want)
			}
			set(t, db, ss.MustPack(tuple.Tuple{"k"}), []byte("v"), ss.Bytes(), []byte("bare"))
			if n := countKeys(t, db, ss); n != 2 {
				t.Errorf("%d keys in the test's subspace, want 2", n)
			}
		})
	}
	if subs[0].Contains(subs[1].Bytes()) || subs[1].Contains(subs[0].Bytes()) {
		t.Errorf("overlapping test subspaces %s and %s", subs[0], subs[1])
	}
	for _, ss := range subs {
		if n := countKeys(t, db, ss); n != 0 {
			t.Errorf("%d keys left in %s after its test ended", n, ss)
		}
	}
}

// TestMem checks that mem: gives each Open a database of its own.
func TestMem(t *testing.T) {
	t.Setenv(EnvVar, "")
	if URL() != DefaultURL {
		t.Fatalf("URL() = %q with %s empty, want %q", URL(), EnvVar, DefaultURL)
	}
	a, b := Open(t), Open(t)
	set(t, a, []byte("k"), []byte("v"))
	if v := get(t, b, []byte("k")); v != nil {
		t.Errorf("a write to one mem: database is visible in another: %q", v)
	}
}

// TestFile checks the sharing of an on-disk database within a process: one
// directory under the URL's, shared, closed and removed by the last test.
func TestFile(t *testing.T) {
	parent := t.TempDir()
	t.Setenv(EnvVar, "file:"+parent)
	t.Run("shared", func(t *testing.T) {
		a, b := Open(t), Open(t)
		if a.(testDB).DB != b.(testDB).DB {
			t.Error("two Opens of a file: URL gave two databases")
		}
		entries, err := os.ReadDir(parent)
		if err != nil || len(entries) != 1 || !strings.HasPrefix(entries[0].Name(), "strata-testdb-") {
			t.Errorf("the directory for file:%s holds %v (%v), want one strata-testdb-* directory", parent, entries, err)
		}
		// Close does nothing: the other handle still works.
		if err := a.Close(); err != nil {
			t.Fatal(err)
		}
		set(t, b, []byte("k"), []byte("v"))
		if v := get(t, a, []byte("k")); string(v) != "v" {
			t.Errorf("read %q through the other handle, want v", v)
		}
	})
	entries, err := os.ReadDir(parent)
	if err != nil || len(entries) != 0 {
		t.Errorf("after the last test, file:%s holds %v (%v), want nothing", parent, entries, err)
	}
	registry.Lock()
	n := len(registry.m)
	registry.Unlock()
	if n != 0 {
		t.Errorf("%d shared databases still registered", n)
	}
}

func TestUnknownScheme(t *testing.T) {
	_, _, err := open("nope:x")
	if err == nil || !strings.Contains(err.Error(), "no engine registered") {
		t.Errorf("open(nope:x) = %v, want layer's unknown-engine error", err)
	}
}

// TestOnlyTestsImport checks that no non-test file of the module imports
// this package: it registers engines, which only cmd/strata may do
// outside tests.
func TestOnlyTestsImport(t *testing.T) {
	const self = "github.com/strata-db/strata/internal/testdb"
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not found at %s: %v", root, err)
	}
	here, _ := filepath.Abs(".")
	files := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || name == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") || filepath.Dir(path) == here {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		files++
		for _, imp := range f.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); p == self {
				rel, _ := filepath.Rel(root, path)
				t.Errorf("%s imports %s, which only _test.go files may import", rel, self)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files == 0 {
		t.Fatal("no Go files found under the module root")
	}
}
