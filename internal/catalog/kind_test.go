package catalog

import (
	"context"
	"errors"
	"testing"

	"github.com/strata-db/strata/internal/testdb"
	"github.com/strata-db/strata/layer"
)

type widget struct{ name string }

var (
	errNoWidget  = errors.New("widgets: no such widget")
	errDupWidget = errors.New("widgets: widget exists")
	errBadWidget = errors.New("widgets: bad widget")
)

func TestKind(t *testing.T) {
	db := testdb.Open(t)
	ss := testdb.Subspace(t, db)
	c := New(ss.Sub("catalog"))
	k := Kind[widget]{
		Name:     "widget",
		Open:     func(e Entry) (widget, error) { return widget{e.Name}, nil },
		NotFound: errNoWidget, Exists: errDupWidget, Invalid: errBadWidget,
	}
	ctx := context.Background()
	run := func(fn func(tx layer.Tx) error) error {
		_, err := layer.Transact(ctx, db, func(tx layer.Tx) (struct{}, error) { return struct{}{}, fn(tx) })
		return err
	}
	data := ss.Sub("data")
	if err := run(func(tx layer.Tx) error {
		_, err := k.Create(tx, c, Entry{Name: "w", Prefix: data.Bytes()})
		tx.Set(data.MustPack(nil), []byte("payload"))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		fn   func(tx layer.Tx) error
		want error
	}{
		{"duplicate", func(tx layer.Tx) error {
			_, err := k.Create(tx, c, Entry{Name: "w", Prefix: ss.Sub("other").Bytes()})
			return err
		}, errDupWidget},
		{"overlap", func(tx layer.Tx) error {
			_, err := k.Create(tx, c, Entry{Name: "v", Prefix: data.Sub(1).Bytes()})
			return err
		}, errBadWidget},
		{"missing", func(tx layer.Tx) error { _, err := k.Get(tx, c, "nope"); return err }, errNoWidget},
		{"drop missing", func(tx layer.Tx) error { return k.Drop(tx, c, "nope") }, errNoWidget},
	} {
		if err := run(tc.fn); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	var got widget
	var all []widget
	if err := run(func(tx layer.Tx) (err error) {
		if got, err = k.Get(tx, c, "w"); err != nil {
			return err
		}
		all, err = k.List(tx, c)
		return err
	}); err != nil || got.name != "w" || len(all) != 1 {
		t.Fatalf("Get = %v, List = %v, %v", got, all, err)
	}
	if err := run(func(tx layer.Tx) error { return k.Drop(tx, c, "w") }); err != nil {
		t.Fatal(err)
	}
	left, err := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) ([]layer.KeyValue, error) {
		r, _ := data.FullRange()
		return tx.GetRange(r, layer.RangeOptions{}).Slice()
	})
	if err != nil || len(left) != 0 {
		t.Fatalf("Drop left %d keys (%v)", len(left), err)
	}
}
