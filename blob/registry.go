package blob

import (
	"fmt"

	"github.com/strata-db/strata/internal/catalog"
	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/subspace"
	"github.com/strata-db/strata/layer/tuple"
)

// Kind is the kind under which blob stores are registered.
const Kind = "blob"

// DefaultRegistry is the registry the strata command line keeps its stores
// in: the subspace ("strata", "catalog").
var DefaultRegistry = catalog.Root.Subspace()

// Spec defines a store to register.
type Spec struct {
	// Subspace holds the store's keys.
	Subspace subspace.Subspace
	// Config sets the store's chunk sizes, which the registry keeps; its
	// other fields are not kept (Open uses their defaults).
	Config Config
}

// kind registers blob stores in a catalog.
var kind = catalog.Kind[*Store]{
	Name:     Kind,
	Open:     fromEntry,
	NotFound: ErrNoStore,
	Exists:   ErrStoreExists,
	Invalid:  ErrSpec,
}

// Create registers a blob store named name in the registry kept under
// registry and returns it. The name must be new (else ErrStoreExists) and
// the subspace must not overlap another registered store's, of any kind,
// or the registry (else ErrSpec); the chunk sizes must be valid (else
// ErrConfig). Nothing is written to the store's subspace.
func Create(tx layer.Tx, registry subspace.Subspace, name string, spec Spec) (*Store, error) {
	c, err := spec.Config.withDefaults()
	if err != nil {
		return nil, err
	}
	e := catalog.Entry{Name: name, Prefix: spec.Subspace.Bytes(),
		Options: tuple.Tuple{int64(c.MinChunk), int64(c.AvgChunk), int64(c.MaxChunk)}}
	return kind.Create(tx, catalog.New(registry), e)
}

// Open returns the store registered as name, or ErrNoStore.
func Open(tx layer.ReadTx, registry subspace.Subspace, name string) (*Store, error) {
	return kind.Get(tx, catalog.New(registry), name)
}

// List returns the blob stores of the registry, by name.
func List(tx layer.ReadTx, registry subspace.Subspace) ([]*Store, error) {
	return kind.List(tx, catalog.New(registry))
}

// Drop removes the store registered as name from the registry and clears
// all of its keys, in the caller's transaction: one range clear, whatever
// the store holds. Readers and Writers of the store then fail.
func Drop(tx layer.Tx, registry subspace.Subspace, name string) error {
	return kind.Drop(tx, catalog.New(registry), name)
}

// fromEntry opens a store from its registry entry, whose options are its
// chunk sizes (min, avg, max).
func fromEntry(e catalog.Entry) (*Store, error) {
	var cfg Config
	switch len(e.Options) {
	case 0:
	case 3:
		vs := make([]int, 3)
		for i, o := range e.Options {
			v, ok := o.(int64)
			if !ok {
				return nil, fmt.Errorf("%w: chunk sizes %v", ErrCorrupt, e.Options)
			}
			vs[i] = int(v)
		}
		cfg.MinChunk, cfg.AvgChunk, cfg.MaxChunk = vs[0], vs[1], vs[2]
	default:
		return nil, fmt.Errorf("%w: options %v", ErrCorrupt, e.Options)
	}
	s, err := New(e.Subspace(), cfg)
	if err != nil {
		return nil, err
	}
	s.name = e.Name
	return s, nil
}
