package catalog

import (
	"errors"
	"fmt"

	"github.com/strata-db/strata/layer"
)

// Kind is what a layer registers its instances as: the entry kind, how an
// entry opens into the layer's own value, and the layer's sentinel errors
// that the catalog's are reported as. It gives every layer the same
// Create, Open, List and Drop.
type Kind[T any] struct {
	// Name is the entry kind, such as "tuplestore".
	Name string
	// Open builds the layer's value from its entry.
	Open func(Entry) (T, error)
	// NotFound, Exists and Invalid are the layer's sentinels for
	// ErrNotFound, ErrExists, and ErrOverlap or ErrInvalid.
	NotFound, Exists, Invalid error
}

// Create records e (its Kind set to k.Name) in c and opens it.
func (k Kind[T]) Create(tx layer.Tx, c Catalog, e Entry) (T, error) {
	var zero T
	e.Kind = k.Name
	v, err := k.Open(e)
	if err != nil {
		return zero, err
	}
	if err := c.Create(tx, e); err != nil {
		return zero, k.mapError(e.Name, err)
	}
	return v, nil
}

// Get opens the instance registered as name.
func (k Kind[T]) Get(tx layer.ReadTx, c Catalog, name string) (T, error) {
	var zero T
	e, err := c.Get(tx, k.Name, name)
	if err != nil {
		return zero, k.mapError(name, err)
	}
	return k.open(e)
}

// List opens every instance of the kind, by name.
func (k Kind[T]) List(tx layer.ReadTx, c Catalog) ([]T, error) {
	es, err := c.List(tx, k.Name)
	if err != nil {
		return nil, k.mapError("", err)
	}
	out := make([]T, 0, len(es))
	for _, e := range es {
		v, err := k.open(e)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// Drop removes the instance registered as name and clears every key under
// its prefix, in the caller's transaction (a single ClearRange, whatever
// the instance's size).
func (k Kind[T]) Drop(tx layer.Tx, c Catalog, name string) error {
	e, err := c.Get(tx, k.Name, name)
	if err != nil {
		return k.mapError(name, err)
	}
	r, err := e.Subspace().FullRange()
	if err != nil {
		return err
	}
	if err := c.Delete(tx, k.Name, name); err != nil {
		return k.mapError(name, err)
	}
	tx.ClearRange(r)
	return nil
}

func (k Kind[T]) open(e Entry) (T, error) {
	v, err := k.Open(e)
	if err != nil {
		var zero T
		return zero, fmt.Errorf("%s %q: %w", k.Name, e.Name, err)
	}
	return v, nil
}

// mapError reports a catalog error as the layer's sentinel, keeping the
// catalog's error in the chain.
func (k Kind[T]) mapError(name string, err error) error {
	switch {
	case errors.Is(err, ErrNotFound) && k.NotFound != nil:
		return fmt.Errorf("%w: %q", k.NotFound, name)
	case errors.Is(err, ErrExists) && k.Exists != nil:
		return fmt.Errorf("%w: %q", k.Exists, name)
	case (errors.Is(err, ErrOverlap) || errors.Is(err, ErrInvalid)) && k.Invalid != nil:
		return fmt.Errorf("%w: %w", k.Invalid, err)
	}
	return err
}
