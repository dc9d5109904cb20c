package eav

import (
	"errors"
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
	e := catalog.Entry{Kind: Kind, Name: name, Prefix: spec.Subspace.Bytes()}
	if err := catalog.New(registry).Create(tx, e); err != nil {
		return nil, registryError(name, err)
	}
	s.name = name
	return s, nil
}

// Open returns the store registered as name, or ErrNoStore.
func Open(tx layer.ReadTx, registry subspace.Subspace, name string) (*Store, error) {
	e, err := catalog.New(registry).Get(tx, Kind, name)
	if err != nil {
		return nil, registryError(name, err)
	}
	return fromEntry(e), nil
}

// List returns the stores of the registry, by name.
func List(tx layer.ReadTx, registry subspace.Subspace) ([]*Store, error) {
	es, err := catalog.New(registry).List(tx, Kind)
	if err != nil {
		return nil, registryError("", err)
	}
	out := make([]*Store, 0, len(es))
	for _, e := range es {
		out = append(out, fromEntry(e))
	}
	return out, nil
}

// Drop removes the store registered as name from the registry and clears
// all of its keys, in the caller's transaction (one range clear).
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

func fromEntry(e catalog.Entry) *Store {
	s := New(subspace.New(slices.Clone(e.Prefix)))
	s.name = e.Name
	return s
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
		return fmt.Errorf("eav: registry: %w", err)
	}
	return err
}
