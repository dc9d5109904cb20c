package invindex

import (
	"fmt"

	"github.com/strata-db/strata/internal/catalog"
	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/subspace"
	"github.com/strata-db/strata/layer/tuple"
)

// Kind is the kind under which indexes are registered.
const Kind = "invindex"

// DefaultRegistry is the registry the strata command line keeps its
// indexes in: the subspace ("strata", "catalog").
var DefaultRegistry = catalog.Root.Subspace()

// Spec defines an index to register. K1, B, NoLengthNorm and Shards are
// recorded and become the index's Options when it is opened; the analyzer
// is not recorded (Open takes it).
type Spec struct {
	Subspace     subspace.Subspace
	K1, B        float64
	NoLengthNorm bool
	Shards       int
}

var kind = catalog.Kind[*Index]{
	Name:     Kind,
	Open:     fromEntry,
	NotFound: ErrNoIndex,
	Exists:   ErrIndexExists,
	Invalid:  ErrSpec,
}

// Create registers an index named name in the registry kept under
// registry and returns it.
func Create(tx layer.Tx, registry subspace.Subspace, name string, spec Spec) (*Index, error) {
	ix, err := New(spec.Subspace, Options{K1: spec.K1, B: spec.B, NoLengthNorm: spec.NoLengthNorm, Shards: spec.Shards})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSpec, err)
	}
	o := ix.opts
	e := catalog.Entry{Name: name, Prefix: spec.Subspace.Bytes(),
		Options: tuple.Tuple{o.K1, o.B, int64(o.Shards)}}
	return kind.Create(tx, catalog.New(registry), e)
}

// Open returns the index registered as name, or ErrNoIndex. analyzer is
// its Options.Analyzer (nil: Tokenize).
func Open(tx layer.ReadTx, registry subspace.Subspace, name string, analyzer Analyzer) (*Index, error) {
	ix, err := kind.Get(tx, catalog.New(registry), name)
	if err != nil {
		return nil, err
	}
	if analyzer != nil {
		ix.opts.Analyzer = analyzer
	}
	return ix, nil
}

// List returns the indexes of the registry, by name.
func List(tx layer.ReadTx, registry subspace.Subspace) ([]*Index, error) {
	return kind.List(tx, catalog.New(registry))
}

// Drop removes the index registered as name and clears all of its keys,
// in the caller's transaction.
func Drop(tx layer.Tx, registry subspace.Subspace, name string) error {
	return kind.Drop(tx, catalog.New(registry), name)
}

func fromEntry(e catalog.Entry) (*Index, error) {
	opts := Options{}
	if len(e.Options) >= 3 {
		k1, ok1 := e.Options[0].(float64)
		b, ok2 := e.Options[1].(float64)
		sh, ok3 := e.Options[2].(int64)
		if !ok1 || !ok2 || !ok3 {
			return nil, fmt.Errorf("%w: options %s", ErrCorrupt, e.Options)
		}
		opts = Options{K1: k1, B: b, NoLengthNorm: b == 0, Shards: int(sh)}
	}
	ix, err := New(e.Subspace(), opts)
	if err != nil {
		return nil, err
	}
	ix.name = e.Name
	return ix, nil
}
