package tuplestore

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/strata-db/strata/internal/testdb"
	"github.com/strata-db/strata/layer"
)

func TestRegistry(t *testing.T) {
	db := testdb.Open(t)
	ss := testdb.Subspace(t, db)
	reg := ss.Sub("registry")
	ctx := context.Background()
	create := func(name string, spec Spec) error {
		_, err := layer.Transact(ctx, db, func(tx layer.Tx) (*Store, error) {
			return Create(tx, reg, name, spec)
		})
		return err
	}
	open := func(name string) (*Store, error) {
		return layer.ReadTransact(ctx, db, func(tx layer.ReadTx) (*Store, error) {
			return Open(tx, reg, name)
		})
	}
	if err := create("triples", Spec{Subspace: ss.Sub("t"), Columns: []string{"s", "p", "o"}}); err != nil {
		t.Fatal(err)
	}
	if err := create("quads", Spec{Subspace: ss.Sub("q"), N: 4}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		spec Spec
		want error
	}{
		{"triples", Spec{Subspace: ss.Sub("other"), N: 3}, ErrStoreExists},
		{"inside", Spec{Subspace: ss.Sub("t", "x"), N: 3}, ErrSpec},
		{"around", Spec{Subspace: ss, N: 3}, ErrSpec},
		{"in-registry", Spec{Subspace: reg.Sub("x"), N: 3}, ErrSpec},
		{"", Spec{Subspace: ss.Sub("e"), N: 3}, ErrSpec},
		{"names", Spec{Subspace: ss.Sub("n"), N: 3, Columns: []string{"a"}}, ErrSpec},
		{"none", Spec{Subspace: ss.Sub("z")}, ErrColumns},
		{"wide", Spec{Subspace: ss.Sub("w"), N: MaxColumns + 1}, ErrColumns},
	} {
		if err := create(tc.name, tc.spec); !errors.Is(err, tc.want) {
			t.Errorf("Create(%q, %v): %v, want %v", tc.name, tc.spec, err, tc.want)
		}
	}
	s, err := open("triples")
	if err != nil {
		t.Fatal(err)
	}
	if s.Name() != "triples" || s.Columns() != 3 || !slices.Equal(s.ColumnNames(), []string{"s", "p", "o"}) || s.Subspace().String() != ss.Sub("t").String() {
		t.Errorf("Open = %v %v", s, s.ColumnNames())
	}
	if _, err := open("nope"); !errors.Is(err, ErrNoStore) {
		t.Errorf("Open(nope): %v", err)
	}
	add(t, db, s, []any{"a", "b", "c"})
	list, err := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) ([]*Store, error) { return List(tx, reg) })
	if err != nil || len(list) != 2 || list[0].Name() != "quads" || list[1].Name() != "triples" || list[0].ColumnNames() != nil {
		t.Fatalf("List = %v, %v", list, err)
	}
	testdb.Write(t, db, func(tx layer.Tx) error { return Drop(tx, reg, "triples") })
	if _, err := open("triples"); !errors.Is(err, ErrNoStore) {
		t.Errorf("Open after Drop: %v", err)
	}
	if got := query(t, db, s, Pattern{Any, Any, Any}); len(got) != 0 {
		t.Errorf("%d tuples left after Drop", len(got))
	}
	// The name and the prefix are free again.
	if err := create("triples", Spec{Subspace: ss.Sub("t"), N: 3}); err != nil {
		t.Errorf("Create after Drop: %v", err)
	}
	if err := func() error {
		_, err := layer.Transact(ctx, db, func(tx layer.Tx) (struct{}, error) { return struct{}{}, Drop(tx, reg, "nope") })
		return err
	}(); !errors.Is(err, ErrNoStore) {
		t.Errorf("Drop(nope): %v", err)
	}
}
