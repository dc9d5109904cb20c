package embedded

import (
	"testing"

	"github.com/strata-db/strata/layer"
)

// TestEmptyKey exercises the empty key, which is a legal key, everywhere
// (Pebble's invariant checks, on under -race, dislike empty seek keys).
func TestEmptyKey(t *testing.T) {
	db, err := OpenMemory(WithSync(false))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, empty := range [][]byte{nil, {}} {
		tx, _ := db.CreateTransaction()
		tx.Set(empty, []byte("root"))
		tx.Set([]byte("a"), []byte("1"))
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		tx, _ = db.CreateTransaction()
		if v, err := tx.Get(empty).Get(); err != nil || string(v) != "root" {
			t.Fatalf("Get(%#v) = %q, %v", empty, v, err)
		}
		if k, err := tx.GetKey(layer.FirstGreaterOrEqual(empty)).Get(); err != nil || len(k) != 0 {
			t.Fatalf("GetKey(>= %#v) = %q, %v", empty, k, err)
		}
		if k, err := tx.GetKey(layer.LastLessThan([]byte("a"))).Get(); err != nil || len(k) != 0 {
			t.Fatalf("GetKey(< a) = %q, %v", k, err)
		}
		all := layer.KeyRange{Begin: empty, End: []byte{0xff}}
		for _, rev := range []bool{false, true} {
			kvs, err := tx.GetRange(all, layer.RangeOptions{Reverse: rev}).Slice()
			if err != nil || len(kvs) != 2 {
				t.Fatalf("GetRange(%#v..) reverse=%v = %d rows, %v", empty, rev, len(kvs), err)
			}
		}
		if n, err := tx.GetEstimatedRangeSizeBytes(all).Get(); err != nil || n <= 0 {
			t.Fatalf("GetEstimatedRangeSizeBytes = %d, %v", n, err)
		}
		tx.Add(empty, []byte{1})
		tx.ClearRange(layer.KeyRange{Begin: empty, End: []byte("a")})
		tx.Add(empty, []byte{1})
		if v, err := tx.Get(empty).Get(); err != nil || string(v) != "\x01" {
			t.Fatalf("Get after ClearRange and Add = %q, %v", v, err)
		}
		for _, rev := range []bool{false, true} {
			kvs, err := tx.GetRange(all, layer.RangeOptions{Reverse: rev}).Slice()
			if err != nil || len(kvs) != 2 {
				t.Fatalf("GetRange after ClearRange reverse=%v = %d rows, %v", rev, len(kvs), err)
			}
		}
		if err := tx.AddReadConflictRange(layer.KeyRange{Begin: empty, End: []byte("b")}); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		tx, _ = db.CreateTransaction()
		tx.ClearRange(all)
		tx.Watch(empty)
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Stats(); err != nil {
		t.Fatal(err)
	}
}
