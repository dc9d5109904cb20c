package vnstore

import (
	"fmt"

	"github.com/strata-db/strata/internal/catalog"
	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/subspace"
)

// Kind is the kind under which versioned stores are registered.
const Kind = "vnstore"

// DefaultRegistry is the registry the strata command line keeps its stores
// in: the subspace ("strata", "catalog"), shared with tuplestore.
var DefaultRegistry = catalog.Root.Subspace()

// Spec defines a store to register: its Subspace, which holds the
// store's keys; N, its number of columns, which may be left 0 when
// Columns is set; and Columns, which optionally names the columns (if
// set, its length is N).
type Spec = catalog.ColumnSpec

// kind registers versioned stores in a catalog.
var kind = catalog.Kind[*Store]{
	Name:     Kind,
	Open:     fromEntry,
	NotFound: ErrNoStore,
	Exists:   ErrStoreExists,
	Invalid:  ErrSpec,
}

// Create registers a store named name in the registry kept under registry
// and returns it. The name must be new among versioned stores (else
// ErrStoreExists), and the store's subspace must not overlap another
// registered store's, of any kind, or the registry (else ErrSpec).
func Create(tx layer.Tx, registry subspace.Subspace, name string, spec Spec) (*Store, error) {
	return kind.Create(tx, catalog.New(registry), spec.Entry(name))
}

// Open returns the store registered as name, or ErrNoStore.
func Open(tx layer.ReadTx, registry subspace.Subspace, name string) (*Store, error) {
	return kind.Get(tx, catalog.New(registry), name)
}

// List returns the versioned stores of the registry, by name.
func List(tx layer.ReadTx, registry subspace.Subspace) ([]*Store, error) {
	return kind.List(tx, catalog.New(registry))
}

// Drop removes the store registered as name from the registry and clears
// all of its keys (state, history and changes), in the caller's
// transaction.
func Drop(tx layer.Tx, registry subspace.Subspace, name string) error {
	return kind.Drop(tx, catalog.New(registry), name)
}

func fromEntry(e catalog.Entry) (*Store, error) {
	if err := e.CheckColumns(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSpec, err)
	}
	s, err := New(e.Subspace(), e.N)
	if err != nil {
		return nil, err
	}
	s.name, s.columns = e.Name, e.Columns
	return s, nil
}
