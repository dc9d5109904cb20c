package kv

import (
	"fmt"
	"time"

	"github.com/strata-db/strata/internal/catalog"
	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/subspace"
	"github.com/strata-db/strata/layer/tuple"
)

// Kind is the kind under which kv stores are registered.
const Kind = "kv"

// DefaultRegistry is the registry the strata command line keeps its stores
// in: the subspace ("strata", "catalog").
var DefaultRegistry = catalog.Root.Subspace()

// Spec defines a store to register.
type Spec struct {
	// Subspace holds the store's keys.
	Subspace subspace.Subspace
	// DefaultTTL and IdempotencyTTL are recorded with the store and
	// become its Options when it is opened.
	DefaultTTL     time.Duration
	IdempotencyTTL time.Duration
}

var kind = catalog.Kind[*Store]{
	Name:     Kind,
	Open:     fromEntry,
	NotFound: ErrNoStore,
	Exists:   ErrStoreExists,
	Invalid:  ErrSpec,
}

// Create registers a store named name in the registry kept under registry
// and returns it. The name must be new (else ErrStoreExists) and the
// subspace must not overlap another registered store's, of any kind, or
// the registry (else ErrSpec). Nothing is written to the store's
// subspace.
func Create(tx layer.Tx, registry subspace.Subspace, name string, spec Spec) (*Store, error) {
	if spec.DefaultTTL < 0 || spec.IdempotencyTTL < 0 {
		return nil, fmt.Errorf("%w: negative TTL", ErrSpec)
	}
	e := catalog.Entry{Name: name, Prefix: spec.Subspace.Bytes(),
		Options: tuple.Tuple{int64(spec.DefaultTTL), int64(spec.IdempotencyTTL)}}
	return kind.Create(tx, catalog.New(registry), e)
}

// Open returns the store registered as name, or ErrNoStore. clock is the
// store's Options.Clock (nil: time.Now).
func Open(tx layer.ReadTx, registry subspace.Subspace, name string, clock func() time.Time) (*Store, error) {
	s, err := kind.Get(tx, catalog.New(registry), name)
	if err != nil {
		return nil, err
	}
	s.opts.Clock = clock
	return s, nil
}

// List returns the stores of the registry, by name.
func List(tx layer.ReadTx, registry subspace.Subspace) ([]*Store, error) {
	return kind.List(tx, catalog.New(registry))
}

// Drop removes the store registered as name from the registry and clears
// all of its keys (its tenants' included), in the caller's transaction.
func Drop(tx layer.Tx, registry subspace.Subspace, name string) error {
	return kind.Drop(tx, catalog.New(registry), name)
}

func fromEntry(e catalog.Entry) (*Store, error) {
	var opts Options
	if len(e.Options) >= 2 {
		d, ok1 := e.Options[0].(int64)
		i, ok2 := e.Options[1].(int64)
		if !ok1 || !ok2 || d < 0 || i < 0 {
			return nil, fmt.Errorf("%w: options %s", ErrCorrupt, e.Options)
		}
		opts.DefaultTTL, opts.IdempotencyTTL = time.Duration(d), time.Duration(i)
	}
	s := New(e.Subspace(), opts)
	s.name = e.Name
	return s, nil
}
