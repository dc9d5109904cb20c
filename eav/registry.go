package eav

import (
	"fmt"
	"slices"

	"github.com/strata-db/strata/internal/catalog"
	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/subspace"
)

// Kind is the kind under which document stores are registered.
const Kind = "eav"

// DefaultRegistry is the registry the strata command line keeps its stores
// in: the subspace ("strata", "catalog").
var DefaultRegistry = catalog.Root.Subspace()

// Spec defines a store to register.
type Spec struct {
	// Subspace holds the store's keys.
	Subspace subspace.Subspace
	// Indexes declares the store's index rules (see Index), ready at once.
	// nil keeps the default, every attribute indexed ("*"); an empty,
	// non-nil slice indexes nothing. Declaring rules requires a store
	// without documents: on existing data, use AddIndex and the
	// BuildIndex job.
	Indexes []string
}

// kind registers document stores in a catalog.
var kind = catalog.Kind[*Store]{
	Name:     Kind,
	Open:     fromEntry,
	NotFound: ErrNoStore,
	Exists:   ErrStoreExists,
	Invalid:  ErrSpec,
}

// Create registers a store named name in the registry kept under registry
// and returns it. The name must be new (else ErrStoreExists) and the
// store's subspace must not overlap another registered store's, of any
// kind, or the registry (else ErrSpec).
func Create(tx layer.Tx, registry subspace.Subspace, name string, spec Spec) (*Store, error) {
	s := New(spec.Subspace)
	if spec.Indexes != nil {
		rules := make([]Index, 0, len(spec.Indexes))
		for _, r := range spec.Indexes {
			if err := checkRule(r); err != nil {
				return nil, fmt.Errorf("%w: %w", ErrSpec, err)
			}
			for _, o := range rules {
				if rulesOverlap(o.Rule, r) {
					return nil, fmt.Errorf("%w: index rules %q and %q overlap", ErrSpec, o.Rule, r)
				}
			}
			rules = append(rules, Index{Rule: r, Ready: true})
		}
		r, _ := subspaceRange(s.hdr)
		kvs, err := tx.GetRange(r, layer.RangeOptions{Limit: 1}).Slice()
		if err != nil {
			return nil, err
		}
		if len(kvs) > 0 {
			return nil, fmt.Errorf("%w: the subspace holds documents; declare indexes on existing data with AddIndex and the BuildIndex job", ErrSpec)
		}
		tx.Set(s.configKey(), config{rules: rules}.encode())
	}
	return kind.Create(tx, catalog.New(registry), catalog.Entry{Name: name, Prefix: spec.Subspace.Bytes()})
}

// Open returns the store registered as name, or ErrNoStore.
func Open(tx layer.ReadTx, registry subspace.Subspace, name string) (*Store, error) {
	return kind.Get(tx, catalog.New(registry), name)
}

// List returns the stores of the registry, by name.
func List(tx layer.ReadTx, registry subspace.Subspace) ([]*Store, error) {
	return kind.List(tx, catalog.New(registry))
}

// Drop removes the store registered as name from the registry and clears
// all of its keys, in the caller's transaction (one range clear).
func Drop(tx layer.Tx, registry subspace.Subspace, name string) error {
	return kind.Drop(tx, catalog.New(registry), name)
}

func fromEntry(e catalog.Entry) (*Store, error) {
	s := New(subspace.New(slices.Clone(e.Prefix)))
	s.name = e.Name
	return s, nil
}
