// Package subspace names a region of the keyspace: a raw byte prefix, to
// which tuples are appended to form keys. It is the one subspace type of the
// code base, and it writes the same bytes as the official FoundationDB
// bindings' subspace package.
//
// # Basics
//
// A layer keeps all of its keys under one Subspace it is given, and derives
// smaller ones with Sub:
//
//	root := subspace.FromTuple(tuple.Tuple{"app"})
//	users := root.Sub("users")               // prefix = pack(("app", "users"))
//	key, err := users.Pack(tuple.Tuple{42})  // pack(("app", "users", 42))
//	t, err := users.Unpack(key)              // (42)
//
// # Key layout
//
// A key is the subspace's prefix followed by a packed tuple. Range covers
// prefix+0x00 up to prefix+0xff: every key that is the prefix followed by a
// packed tuple, but not the bare prefix itself (as in the official
// bindings). FullRange also covers the bare prefix and any raw suffix.
//
// # Caveats
//
//   - Two subspaces overlap when one's prefix starts the other's; the package
//     does not police that, the caller chooses prefixes.
//   - A subspace made from raw bytes with New may hold any prefix; keys at
//     or above "\xff" are refused by the engines.
package subspace
