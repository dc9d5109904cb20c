package kv

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/strata-db/strata/layer"
)

func TestPutGet(t *testing.T) {
	db, s, _ := newStore(t, Options{})
	if _, err := get(t, db, s, "a"); !errors.Is(err, ErrNotFound) || !strings.HasPrefix(err.Error(), "kv: ") {
		t.Fatalf("Get of an absent key: %v", err)
	}
	v1 := put(t, db, s, "a", "one", PutOptions{})
	it, err := get(t, db, s, "a")
	if err != nil || string(it.Value) != "one" || it.Version != v1 || it.Key != "a" || !it.Expires.IsZero() {
		t.Fatalf("Get = %+v, %v; want one at %s", it, err, v1)
	}
	v2 := put(t, db, s, "a", "two", PutOptions{})
	if v2.Compare(v1) <= 0 {
		t.Fatalf("second version %s not after %s", v2, v1)
	}
	if it, _ := get(t, db, s, "a"); string(it.Value) != "two" || it.Version != v2 {
		t.Fatalf("Get after overwrite = %+v", it)
	}
	// The version is the one CommitVersion reports.
	f := must(t, db, func(tx layer.Tx) (layer.Future[Version], error) {
		if _, err := s.Put(tx, "b", nil, PutOptions{}); err != nil {
			return nil, err
		}
		return CommitVersion(tx), nil
	})
	vb, err := f.Get()
	if it, _ := get(t, db, s, "b"); err != nil || it.Version != vb || it.Value == nil || len(it.Value) != 0 {
		t.Fatalf("Get(b) = %+v (%q), CommitVersion %s, %v", it, it.Value, vb, err)
	}
	// Exists and Stat.
	for k, want := range map[string]bool{"a": true, "b": true, "c": false} {
		got, err := read(db, func(tx layer.ReadTx) (bool, error) { return s.Exists(tx, k) })
		if err != nil || got != want {
			t.Errorf("Exists(%q) = %v, %v", k, got, err)
		}
	}
	st, err := read(db, func(tx layer.ReadTx) (Item, error) { return s.Stat(tx, "a") })
	if err != nil || st.Version != v2 || st.Value != nil {
		t.Errorf("Stat = %+v, %v", st, err)
	}
	// Read-your-writes: a value written by the reading transaction has the
	// zero version.
	it = must(t, db, func(tx layer.Tx) (Item, error) {
		if _, err := s.Put(tx, "c", []byte("mine"), PutOptions{}); err != nil {
			return Item{}, err
		}
		return s.Get(tx, "c")
	})
	if string(it.Value) != "mine" || !it.Version.IsZero() {
		t.Errorf("Get in the writing transaction = %+v", it)
	}
	// The version round-trips through its string form.
	if p, err := ParseVersion(v2.String()); err != nil || p != v2 {
		t.Errorf("ParseVersion(%s) = %s, %v", v2, p, err)
	}
	if _, err := ParseVersion("xyz"); !errors.Is(err, ErrInvalid) {
		t.Errorf("ParseVersion(xyz): %v", err)
	}
}

func TestDelete(t *testing.T) {
	db, s, _ := newStore(t, Options{})
	put(t, db, s, "a", "1", PutOptions{})
	w := must(t, db, func(tx layer.Tx) (Write, error) { return s.Delete(tx, "a", DeleteOptions{}) })
	if w.Existed != 1 {
		t.Errorf("Delete existed = %d", w.Existed)
	}
	if _, err := get(t, db, s, "a"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get after Delete: %v", err)
	}
	w = must(t, db, func(tx layer.Tx) (Write, error) { return s.Delete(tx, "a", DeleteOptions{}) })
	if w.Existed != 0 {
		t.Errorf("second Delete existed = %d", w.Existed)
	}
	// The subspace holds nothing after a delete.
	keys := must(t, db, func(tx layer.Tx) (int, error) {
		rows, err := tx.GetRange(s.Subspace().Range(), layer.RangeOptions{}).Slice()
		return len(rows), err
	})
	if keys != 0 {
		t.Errorf("%d keys left after Delete", keys)
	}
}

func TestConditions(t *testing.T) {
	db, s, _ := newStore(t, Options{})
	v := put(t, db, s, "k", "v0", PutOptions{})
	other := v
	other[9]++
	for _, tc := range []struct {
		name string
		key  string
		put  *PutOptions
		del  *DeleteOptions
		want error
	}{
		{"nx on present", "k", &PutOptions{IfAbsent: true}, nil, ErrAlreadyExists},
		{"nx on absent", "new", &PutOptions{IfAbsent: true}, nil, nil},
		{"xx on absent", "none", &PutOptions{IfPresent: true}, nil, ErrNotFound},
		{"cas on absent", "none", &PutOptions{IfMatch: v}, nil, ErrNotFound},
		{"cas mismatch", "k", &PutOptions{IfMatch: other}, nil, ErrVersionMismatch},
		{"two conditions", "k", &PutOptions{IfAbsent: true, IfPresent: true}, nil, ErrInvalid},
		{"cas and nx", "k", &PutOptions{IfAbsent: true, IfMatch: v}, nil, ErrInvalid},
		{"bad ttl", "k", &PutOptions{TTL: -5}, nil, ErrInvalid},
		{"del xx on absent", "none", nil, &DeleteOptions{IfPresent: true}, ErrNotFound},
		{"del cas on absent", "none", nil, &DeleteOptions{IfMatch: v}, ErrNotFound},
		{"del cas mismatch", "k", nil, &DeleteOptions{IfMatch: other}, ErrVersionMismatch},
		{"del two conditions", "k", nil, &DeleteOptions{IfMatch: v, IfPresent: true}, ErrInvalid},
		{"xx on present", "k", &PutOptions{IfPresent: true}, nil, nil},
	} {
		_, err := tx(db, func(tx layer.Tx) (Write, error) {
			if tc.put != nil {
				return s.Put(tx, tc.key, []byte("x"), *tc.put)
			}
			return s.Delete(tx, tc.key, *tc.del)
		})
		if !errors.Is(err, tc.want) || err != nil && !strings.HasPrefix(err.Error(), "kv: ") {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	// A successful CAS, then the old version no longer matches.
	cur, _ := get(t, db, s, "k")
	v2 := put(t, db, s, "k", "v2", PutOptions{IfMatch: cur.Version})
	if _, err := tx(db, func(tx layer.Tx) (Write, error) {
		return s.Put(tx, "k", []byte("v3"), PutOptions{IfMatch: cur.Version})
	}); !errors.Is(err, ErrVersionMismatch) {
		t.Errorf("CAS with a stale version: %v", err)
	}
	w := must(t, db, func(tx layer.Tx) (Write, error) { return s.Delete(tx, "k", DeleteOptions{IfMatch: v2}) })
	if w.Existed != 1 {
		t.Errorf("CAS delete existed = %d", w.Existed)
	}
	// A failed condition in PutMany writes none of the entries.
	put(t, db, s, "p", "1", PutOptions{})
	_, err := tx(db, func(tx layer.Tx) (Write, error) {
		return s.PutMany(tx, []Entry{{"q", []byte("1")}, {"p", []byte("2")}}, PutOptions{IfAbsent: true})
	})
	if !errors.Is(err, ErrAlreadyExists) || !strings.Contains(err.Error(), `"p"`) {
		t.Errorf("PutMany nx: %v", err)
	}
	if _, err := get(t, db, s, "q"); !errors.Is(err, ErrNotFound) {
		t.Errorf("q written by a failed PutMany: %v", err)
	}
}

func TestMany(t *testing.T) {
	db, s, _ := newStore(t, Options{})
	w := must(t, db, func(tx layer.Tx) (Write, error) {
		return s.PutMany(tx, []Entry{{"a", []byte("1")}, {"b", []byte("2")}, {"c", []byte("3")}}, PutOptions{})
	})
	ver, err := w.Version.Get()
	if err != nil {
		t.Fatal(err)
	}
	items, err := read(db, func(tx layer.ReadTx) ([]*Item, error) { return s.GetMany(tx, []string{"c", "x", "a"}) })
	if err != nil || len(items) != 3 || items[1] != nil || string(items[0].Value) != "3" || string(items[2].Value) != "1" || items[0].Version != ver {
		t.Fatalf("GetMany = %v, %v", items, err)
	}
	w = must(t, db, func(tx layer.Tx) (Write, error) {
		return s.DeleteMany(tx, []string{"a", "x", "b", "a"}, DeleteOptions{})
	})
	if w.Existed != 2 {
		t.Errorf("DeleteMany existed = %d", w.Existed)
	}
	items, _ = read(db, func(tx layer.ReadTx) ([]*Item, error) { return s.GetMany(tx, []string{"a", "b", "c"}) })
	if items[0] != nil || items[1] != nil || items[2] == nil {
		t.Errorf("after DeleteMany: %v", items)
	}
}

func TestLargeValues(t *testing.T) {
	db, s, _ := newStore(t, Options{})
	for _, n := range []int{inlineMax, inlineMax + 1, 250_000, 3 * chunkSize, MaxValueSize} {
		big := bytes.Repeat([]byte{byte(n)}, n)
		big[n-1] = 'z'
		v := put(t, db, s, "big", string(big), PutOptions{})
		it, err := get(t, db, s, "big")
		if err != nil || !bytes.Equal(it.Value, big) || it.Version != v {
			t.Fatalf("%d bytes: got %d bytes, %v", n, len(it.Value), err)
		}
	}
	// A small value over a chunked one leaves no chunks behind.
	put(t, db, s, "big", "small", PutOptions{})
	chunks := must(t, db, func(tx layer.Tx) (int, error) {
		rows, err := tx.GetRange(s.chunkRange("big"), layer.RangeOptions{}).Slice()
		return len(rows), err
	})
	if it, _ := get(t, db, s, "big"); string(it.Value) != "small" || chunks != 0 {
		t.Errorf("after overwrite: %q, %d chunks", it.Value, chunks)
	}
	if _, err := tx(db, func(tx layer.Tx) (Write, error) {
		return s.Put(tx, "huge", make([]byte, MaxValueSize+1), PutOptions{})
	}); !errors.Is(err, ErrValueTooLarge) {
		t.Errorf("Put over MaxValueSize: %v", err)
	}
	if _, err := tx(db, func(tx layer.Tx) (Write, error) {
		return s.Put(tx, strings.Repeat("k", layer.MaxKeySize), nil, PutOptions{})
	}); !errors.Is(err, ErrKeyTooLarge) {
		t.Errorf("Put of a long key: %v", err)
	}
	// A chunked value can be deleted.
	put(t, db, s, "big2", string(make([]byte, 300_000)), PutOptions{})
	must(t, db, func(tx layer.Tx) (Write, error) { return s.Delete(tx, "big2", DeleteOptions{}) })
	if _, err := get(t, db, s, "big2"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get after deleting a chunked value: %v", err)
	}
}

func TestScan(t *testing.T) {
	db, s, clock := newStore(t, Options{})
	for _, k := range []string{"user:1", "user:2", "user:10", "order:1", "user\x00x", "usex"} {
		put(t, db, s, k, "v"+k, PutOptions{})
	}
	put(t, db, s, "user:3", "gone", PutOptions{TTL: time.Second})
	clock.Advance(2 * time.Second)
	keys := func(opts ScanOptions) string {
		page, err := read(db, func(tx layer.ReadTx) (ScanPage, error) { return s.Scan(tx, opts) })
		if err != nil {
			t.Fatal(err)
		}
		var ks []string
		for _, it := range page.Items {
			ks = append(ks, fmt.Sprintf("%q", it.Key))
		}
		return fmt.Sprint(ks, page.More)
	}
	for _, tc := range []struct {
		opts ScanOptions
		want string
	}{
		{ScanOptions{}, `["order:1" "user\x00x" "user:1" "user:10" "user:2" "usex"] false`},
		{ScanOptions{Prefix: "user:"}, `["user:1" "user:10" "user:2"] false`},
		{ScanOptions{Prefix: "user"}, `["user\x00x" "user:1" "user:10" "user:2"] false`},
		{ScanOptions{Prefix: "user\x00"}, `["user\x00x"] false`},
		{ScanOptions{Prefix: "user:", After: "user:1", Limit: 1}, `["user:10"] true`},
		{ScanOptions{Prefix: "user:", After: "user:10"}, `["user:2"] false`},
		{ScanOptions{Prefix: "nope"}, `[] false`},
		{ScanOptions{Prefix: "user:", After: "user:2", Limit: 1}, `[] true`}, // user:3 expired
	} {
		if got := keys(tc.opts); got != tc.want {
			t.Errorf("Scan(%+v) = %s, want %s", tc.opts, got, tc.want)
		}
	}
}

// Unconditional puts do not conflict with one another, except with a put
// that writes chunks where the other saw none.
func TestBlindPutConflicts(t *testing.T) {
	db, s, _ := newStore(t, Options{})
	put(t, db, s, "k", "small", PutOptions{})
	for _, tc := range []struct {
		name     string
		other    []byte
		conflict bool
	}{
		{"small over small", []byte("other"), false},
		{"chunked under small", make([]byte, 200_000), true},
	} {
		put(t, db, s, "k", "small", PutOptions{})
		t1, err := db.CreateTransaction()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Put(t1, "k", []byte("mine"), PutOptions{}); err != nil {
			t.Fatal(err)
		}
		put(t, db, s, "k", string(tc.other), PutOptions{})
		err = t1.Commit()
		t1.Cancel()
		if errors.Is(err, layer.ErrNotCommitted) != tc.conflict {
			t.Errorf("%s: commit: %v", tc.name, err)
		}
	}
}
