package kv

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/strata-db/strata/internal/testdb"
	"github.com/strata-db/strata/layer"
)

// A pop with limit 0 once popped the whole set in one transaction: 40,000
// members failed with 2101. It now pops at most MaxPop per call.
func TestZPopByScoreLimitZeroIsBounded(t *testing.T) {
	db := testdb.Open(t)
	s := New(testdb.Subspace(t, db), Options{})
	ctx := context.Background()
	const n = MaxPop + 500
	_, err := layer.Transact(ctx, db, func(tx layer.Tx) (any, error) {
		for i := range n {
			if _, err := s.ZAdd(tx, "jobs", fmt.Sprintf("job-%08d", i), float64(i)); err != nil {
				return nil, err
			}
		}
		return nil, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	pop := func(limit int) []Scored {
		t.Helper()
		out, err := layer.Transact(ctx, db, func(tx layer.Tx) ([]Scored, error) {
			return s.ZPopByScore(tx, "jobs", math.Inf(-1), math.Inf(1), limit)
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	if got := pop(0); len(got) != MaxPop || got[0].Member != "job-00000000" {
		t.Fatalf("limit 0 popped %d members, want %d", len(got), MaxPop)
	}
	if got := pop(n); len(got) != n-MaxPop || got[0].Member != fmt.Sprintf("job-%08d", MaxPop) {
		t.Fatalf("second pop got %d members, want %d", len(got), n-MaxPop)
	}
	if got := pop(0); len(got) != 0 {
		t.Fatalf("empty set popped %d", len(got))
	}
}

func TestHGetAllBoundedAndHScan(t *testing.T) {
	db := testdb.Open(t)
	s := New(testdb.Subspace(t, db), Options{})
	ctx := context.Background()
	_, err := layer.Transact(ctx, db, func(tx layer.Tx) (any, error) {
		for i := range MaxHashFields + 1 {
			if err := s.HSet(tx, "h", fmt.Sprintf("f%06d", i), []byte("v")); err != nil {
				return nil, err
			}
		}
		return nil, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = layer.ReadTransact(ctx, db, func(tx layer.ReadTx) ([]Field, error) { return s.HGetAll(tx, "h") })
	if !errors.Is(err, ErrTooMany) {
		t.Fatalf("HGetAll of %d fields: %v, want ErrTooMany", MaxHashFields+1, err)
	}
	total, after := 0, ""
	for {
		type page struct {
			f    []Field
			more bool
		}
		p, err := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) (page, error) {
			f, more, err := s.HScan(tx, "h", after, 3000)
			return page{f, more}, err
		})
		if err != nil {
			t.Fatal(err)
		}
		total += len(p.f)
		if len(p.f) > 0 {
			after = p.f[len(p.f)-1].Name
		}
		if !p.more {
			break
		}
	}
	if total != MaxHashFields+1 {
		t.Fatalf("HScan read %d fields, want %d", total, MaxHashFields+1)
	}
}

// GetMany and Scan issue every chunk read before waiting on any; the
// values still come back whole and in order.
func TestGetManyChunkedValues(t *testing.T) {
	db := testdb.Open(t)
	s := New(testdb.Subspace(t, db), Options{})
	ctx := context.Background()
	big := func(i int) []byte {
		b := make([]byte, 250_000+i)
		for j := range b {
			b[j] = byte(i + j)
		}
		return b
	}
	keys := []string{"a", "b", "missing", "c"}
	_, err := layer.Transact(ctx, db, func(tx layer.Tx) (any, error) {
		for i, k := range []string{"a", "b", "c"} {
			if _, err := s.Put(tx, k, big(i), PutOptions{}); err != nil {
				return nil, err
			}
		}
		return nil, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	items, err := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) ([]*Item, error) { return s.GetMany(tx, keys) })
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range [][]byte{big(0), big(1), nil, big(2)} {
		if want == nil {
			if items[i] != nil {
				t.Fatalf("%s: got a value", keys[i])
			}
			continue
		}
		if items[i] == nil || string(items[i].Value) != string(want) {
			t.Fatalf("%s: wrong value", keys[i])
		}
	}
	page, err := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) (ScanPage, error) { return s.Scan(tx, ScanOptions{}) })
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 3 || string(page.Items[2].Value) != string(big(2)) {
		t.Fatalf("scan: %d items", len(page.Items))
	}
}
