package eav

// found's eavstore tests (found/tests.py in amirouche/asyncio-foundationdb),
// ported one for one: same data, same assertions. found's update is
// Replace, its remove is Delete and its query(key, value) is Query with
// Eq(key, value); found's get returns an empty dict for an absent
// document, Get returns ErrNotFound.
//
// Then the tests that fail on found's bugs: its remove cleared the key
// (prefix_index, key) instead of the entries (prefix_index, key, value,
// uid), so removed and updated documents stayed in the index; its create
// with a caller's uid wrote over whatever was there, merging documents.

import (
	"errors"
	"reflect"
	"slices"
	"testing"

	"github.com/strata-db/strata/internal/testdb"
	"github.com/strata-db/strata/layer"
)

// test_eavstore_crud
func TestFoundCRUD(t *testing.T) {
	db, s := newStore(t)
	expected := Document{"hello": "world"}
	uid := create(t, db, s, expected)
	if out := get(t, db, s, uid); !reflect.DeepEqual(out, expected) {
		t.Fatalf("after create: %v, want %v", out, expected)
	}
	other := Document{"hello": "world", "who": "me"}
	testdb.Write(t, db, func(tx layer.Tx) error { return s.Replace(tx, uid, other) })
	if out := get(t, db, s, uid); !reflect.DeepEqual(out, other) {
		t.Fatalf("after update: %v, want %v", out, other)
	}
	testdb.Write(t, db, func(tx layer.Tx) error { _, err := s.Delete(tx, uid); return err })
	_, err := layer.ReadTransact(t.Context(), db, func(tx layer.ReadTx) (Document, error) { return s.Get(tx, uid) })
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("after remove: Get error %v, want ErrNotFound", err)
	}
	checkConsistent(t, db, s)
}

// test_eavstore_crud_2
func TestFoundQuery(t *testing.T) {
	db, s := newStore(t)
	var expected []ID
	for range 10 {
		expected = append(expected, create(t, db, s, Document{"key": 42}))
	}
	// Unwanted documents, with key != 42, before 42 and after.
	for value := range 42 {
		create(t, db, s, Document{"key": value})
	}
	for value := 43; value < 84; value++ {
		create(t, db, s, Document{"key": value})
	}
	if out := query(t, db, s, Eq("key", 42)); !slices.Equal(out, strs(expected...)) {
		t.Fatalf("query key=42: %v, want %v", out, strs(expected...))
	}
	checkConsistent(t, db, s)
}

// found's remove left the index entries of the document: a query still
// returned it.
func TestFoundBugRemoveLeavesIndex(t *testing.T) {
	db, s := newStore(t)
	uid := create(t, db, s, Document{"key": 42, "tags": []any{"a", "b"}})
	keep := create(t, db, s, Document{"key": 42})
	testdb.Write(t, db, func(tx layer.Tx) error { _, err := s.Delete(tx, uid); return err })
	if out := query(t, db, s, Eq("key", 42)); !slices.Equal(out, strs(keep)) {
		t.Fatalf("query after remove: %v, want only %v", out, strs(keep))
	}
	if out := query(t, db, s, Eq("tags", "a")); len(out) != 0 {
		t.Fatalf("query tags=a after remove: %v", out)
	}
	if idx := dump(t, db, s, 3); len(idx) != 1 {
		t.Fatalf("index after remove: %v, want the one entry of the other document", idx)
	}
	checkConsistent(t, db, s)
}

// found's update (remove, then create) left the old values in the index.
func TestFoundBugUpdateLeavesIndex(t *testing.T) {
	db, s := newStore(t)
	uid := create(t, db, s, Document{"hello": "world", "n": 1})
	testdb.Write(t, db, func(tx layer.Tx) error { return s.Replace(tx, uid, Document{"hello": "there"}) })
	if out := query(t, db, s, Eq("hello", "world")); len(out) != 0 {
		t.Fatalf("query hello=world after update: %v", out)
	}
	if out := query(t, db, s, Eq("n", 1)); len(out) != 0 {
		t.Fatalf("query n=1 after update: %v", out)
	}
	if out := query(t, db, s, Eq("hello", "there")); !slices.Equal(out, strs(uid)) {
		t.Fatalf("query hello=there after update: %v", out)
	}
	// The same through field-level writes.
	testdb.Write(t, db, func(tx layer.Tx) error { return s.UpsertFields(tx, uid, Document{"hello": "again"}) })
	testdb.Write(t, db, func(tx layer.Tx) error { return s.DeleteFields(tx, uid, "nothing", "hello") })
	for _, v := range []string{"world", "there", "again"} {
		if out := query(t, db, s, Eq("hello", v)); len(out) != 0 {
			t.Fatalf("query hello=%s: %v", v, out)
		}
	}
	if idx := dump(t, db, s, 3); len(idx) != 0 {
		t.Fatalf("index: %v, want none", idx)
	}
	checkConsistent(t, db, s)
}

// found's create with an existing uid merged the two documents.
func TestFoundBugCreateMerges(t *testing.T) {
	db, s := newStore(t)
	createID(t, db, s, "doc", Document{"a": 1, "b": 2})
	err := writeErr(db, func(tx layer.Tx) error { return s.CreateWithID(tx, "doc", Document{"c": 3}) })
	if !errors.Is(err, ErrExists) {
		t.Fatalf("second create: %v, want ErrExists", err)
	}
	if out := get(t, db, s, "doc"); !reflect.DeepEqual(out, Document{"a": int64(1), "b": int64(2)}) {
		t.Fatalf("document after a refused create: %v", out)
	}
	if out := query(t, db, s, Eq("c", 3)); len(out) != 0 {
		t.Fatalf("query c=3: %v", out)
	}
	checkConsistent(t, db, s)
}
