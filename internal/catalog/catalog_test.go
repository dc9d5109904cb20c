package catalog

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/strata-db/strata/internal/testdb"
	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/tuple"
)

func TestCatalog(t *testing.T) {
	db := testdb.Open(t)
	ss := testdb.Subspace(t, db)
	c := New(ss.Sub("catalog"))
	ctx := context.Background()
	tx := func(fn func(tx layer.Tx) error) error {
		_, err := layer.Transact(ctx, db, func(tx layer.Tx) (struct{}, error) { return struct{}{}, fn(tx) })
		return err
	}
	a := Entry{Kind: "tuplestore", Name: "a", Prefix: ss.Sub("a").Bytes(), N: 3, Columns: []string{"s", "p", "o"}}
	b := Entry{Kind: "vnstore", Name: "a", Prefix: ss.Sub("b").Bytes(), N: 2, Options: tuple.Tuple{"x", int64(1)}}
	for _, e := range []Entry{a, b} {
		if err := tx(func(tx layer.Tx) error { return c.Create(tx, e) }); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		e    Entry
		want error
	}{
		{Entry{Kind: "tuplestore", Name: "a", Prefix: ss.Sub("c").Bytes()}, ErrExists},
		{Entry{Kind: "other", Name: "x", Prefix: ss.Sub("a", 1).Bytes()}, ErrOverlap},
		{Entry{Kind: "other", Name: "x", Prefix: ss.Bytes()}, ErrOverlap},
		{Entry{Kind: "other", Name: "x", Prefix: ss.Sub("catalog", "z").Bytes()}, ErrOverlap},
		{Entry{Kind: "other", Name: "", Prefix: ss.Sub("d").Bytes()}, ErrInvalid},
		{Entry{Kind: "", Name: "x", Prefix: ss.Sub("d").Bytes()}, ErrInvalid},
		{Entry{Kind: "other", Name: "x"}, ErrInvalid},
		{Entry{Kind: "other", Name: "x", Prefix: ss.Sub("d").Bytes(), N: 2, Columns: []string{"a"}}, ErrInvalid},
	} {
		if err := tx(func(tx layer.Tx) error { return c.Create(tx, tc.e) }); !errors.Is(err, tc.want) {
			t.Errorf("Create(%+v): %v, want %v", tc.e, err, tc.want)
		}
	}
	got, err := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) (Entry, error) { return c.Get(tx, "vnstore", "a") })
	if err != nil || !reflect.DeepEqual(got, b) {
		t.Errorf("Get = %+v, %v; want %+v", got, err, b)
	}
	all, err := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) ([]Entry, error) { return c.List(tx, "") })
	if err != nil || len(all) != 2 || !reflect.DeepEqual(all[0], a) {
		t.Errorf("List = %+v, %v", all, err)
	}
	one, err := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) ([]Entry, error) { return c.List(tx, "vnstore") })
	if err != nil || len(one) != 1 || one[0].Kind != "vnstore" {
		t.Errorf("List(vnstore) = %+v, %v", one, err)
	}
	if err := tx(func(tx layer.Tx) error { return c.Delete(tx, "tuplestore", "a") }); err != nil {
		t.Fatal(err)
	}
	if err := tx(func(tx layer.Tx) error { return c.Delete(tx, "tuplestore", "a") }); !errors.Is(err, ErrNotFound) {
		t.Errorf("second Delete: %v", err)
	}
	if _, err := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) (Entry, error) { return c.Get(tx, "tuplestore", "a") }); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get after Delete: %v", err)
	}
	// A record the catalog cannot read.
	if err := tx(func(tx layer.Tx) error {
		tx.Set(c.Subspace().MustPack(tuple.Tuple{"tuplestore", "bad"}), []byte("junk"))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) (Entry, error) { return c.Get(tx, "tuplestore", "bad") }); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Get(bad): %v", err)
	}
}
