package tuplestore

import (
	"errors"
	"fmt"

	"github.com/strata-db/strata/internal/catalog"
	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/subspace"
)

// Kind is the kind under which tuple stores are registered.
const Kind = "tuplestore"

// DefaultRegistry is the registry the strata command line keeps its stores
// in: the subspace ("strata", "catalog").
var DefaultRegistry = catalog.Root.Subspace()

// Spec defines a store to register.
type Spec struct {
	// Subspace holds the store's keys. To share a found nstore made with
	// nstore.make(name, prefix, n), use subspace.FromTuple(prefix).
	Subspace subspace.Subspace
	// N is the number of columns; it may be left 0 when Columns is set.
	N int
	// Columns optionally names the columns; if set, its length is N.
	Columns []string
}

// Create registers a store named name in the registry kept under registry
// and returns it. The name must be new (else ErrStoreExists) and the
// store's subspace must not overlap another registered store's, of any
// kind, or the registry (else ErrSpec). Nothing is written to the store's
// subspace: a store's data may predate its registration.
func Create(tx layer.Tx, registry subspace.Subspace, name string, spec Spec) (*Store, error) {
	n := spec.N
	if n == 0 {
		n = len(spec.Columns)
	}
	if spec.Columns != nil && len(spec.Columns) != n {
		return nil, fmt.Errorf("%w: %d column names for %d columns", ErrSpec, len(spec.Columns), n)
	}
	s, err := New(spec.Subspace, n)
	if err != nil {
		return nil, err
	}
	e := catalog.Entry{Kind: Kind, Name: name, Prefix: spec.Subspace.Bytes(), N: n, Columns: spec.Columns}
	if err := catalog.New(registry).Create(tx, e); err != nil {
		return nil, registryError(name, err)
	}
	s.name, s.columns = name, spec.Columns
	return s, nil
}

// Open returns the store registered as name, or ErrNoStore.
func Open(tx layer.ReadTx, registry subspace.Subspace, name string) (*Store, error) {
	e, err := catalog.New(registry).Get(tx, Kind, name)
	if err != nil {
		return nil, registryError(name, err)
	}
	return fromEntry(e)
}

// List returns the stores of the registry, by name.
func List(tx layer.ReadTx, registry subspace.Subspace) ([]*Store, error) {
	es, err := catalog.New(registry).List(tx, Kind)
	if err != nil {
		return nil, registryError("", err)
	}
	out := make([]*Store, 0, len(es))
	for _, e := range es {
		s, err := fromEntry(e)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// Drop removes the store registered as name from the registry and clears
// all of its keys, in the caller's transaction.
func Drop(tx layer.Tx, registry subspace.Subspace, name string) error {
	s, err := Open(tx, registry, name)
	if err != nil {
		return err
	}
	r, err := s.ss.FullRange()
	if err != nil {
		return err
	}
	if err := catalog.New(registry).Delete(tx, Kind, name); err != nil {
		return registryError(name, err)
	}
	tx.ClearRange(r)
	return nil
}

func fromEntry(e catalog.Entry) (*Store, error) {
	s, err := New(e.Subspace(), e.N)
	if err != nil {
		return nil, fmt.Errorf("tuplestore: store %q: %w", e.Name, err)
	}
	s.name, s.columns = e.Name, e.Columns
	return s, nil
}

// registryError maps the catalog's errors to the package's.
func registryError(name string, err error) error {
	switch {
	case errors.Is(err, catalog.ErrNotFound):
		return fmt.Errorf("%w: %q", ErrNoStore, name)
	case errors.Is(err, catalog.ErrExists):
		return fmt.Errorf("%w: %q", ErrStoreExists, name)
	case errors.Is(err, catalog.ErrOverlap), errors.Is(err, catalog.ErrInvalid):
		return fmt.Errorf("%w: %w", ErrSpec, err)
	case errors.Is(err, catalog.ErrCorrupt):
		return fmt.Errorf("tuplestore: registry: %w", err)
	}
	return err
}
