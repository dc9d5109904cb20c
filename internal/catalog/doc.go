// Package catalog keeps, in the database, the list of named layer
// instances (tuple stores, versioned stores, ...): for each, the kind of
// layer, its name, the prefix of its keys, its columns and settings of its
// own. Layers wrap it in their public Create and Open functions; the
// strata command line reads it to find a store by name.
//
// # Basics
//
// A Catalog is a subspace (Root is the command line's); its methods take
// the caller's transaction:
//
//	c := catalog.New(registry)
//	err := c.Create(tx, catalog.Entry{Kind: "tuplestore", Name: "blog", Prefix: p, N: 3})
//	e, err := c.Get(tx, "tuplestore", "blog")      // ErrNotFound if absent
//	all, err := c.List(tx, "tuplestore")          // "" for every kind
//	err = c.Delete(tx, "tuplestore", "blog")
//
// Layers map its errors (ErrNotFound, ErrExists, ErrOverlap, ErrInvalid,
// ErrCorrupt) to their own.
//
// # Key layout
//
// Under the catalog's subspace (Root unless a caller picks another):
//
//	(kind, name) = pack((1, prefix, n, (column names...), options))
//
// where 1 is the record format, prefix the raw prefix (bytes) of the
// instance's subspace, n its number of columns (0 when the layer has
// none), the column names a tuple of strings (empty when unnamed), and
// options a tuple the layer defines.
//
// # Caveats
//
//   - Create refuses a prefix that is empty, that overlaps the prefix of
//     another instance (of any kind: one starts the other), or that
//     overlaps the catalog's own subspace. It reads the whole catalog to
//     check, which puts the catalog in the transaction's read conflict
//     ranges: concurrent creations conflict, and one is retried.
//   - Deleting an entry leaves the instance's data; the layer clears it.
package catalog
