package subspace

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/tuple"
)

// ErrNotInSubspace is returned by Unpack for a key that does not start with
// the subspace's prefix.
var ErrNotInSubspace = errors.New("subspace: key is not in the subspace")

// Subspace is a key prefix. The zero value is the whole keyspace (an empty
// prefix). Subspaces are immutable values, safe to copy and share.
type Subspace struct {
	prefix []byte
}

// New returns the subspace whose prefix is raw (copied).
func New(raw []byte) Subspace { return Subspace{prefix: bytes.Clone(raw)} }

// FromTuple returns the subspace whose prefix is the packed tuple t. It
// panics if t holds an element the tuple encoding does not support, as a
// subspace is built from constants at start-up; use FromTupleChecked for
// prefixes built from input.
func FromTuple(t tuple.Tuple) Subspace {
	s, err := FromTupleChecked(t)
	if err != nil {
		panic(err)
	}
	return s
}

// FromTupleChecked returns the subspace whose prefix is the packed tuple t,
// or the encoding error.
func FromTupleChecked(t tuple.Tuple) (Subspace, error) {
	b, err := t.PackChecked()
	if err != nil {
		return Subspace{}, fmt.Errorf("subspace: %w", err)
	}
	return Subspace{prefix: b}, nil
}

// Sub returns the subspace nested under s named by the given tuple items.
// Like FromTuple it panics on an unsupported element; use SubChecked for
// items that come from input.
func (s Subspace) Sub(items ...any) Subspace {
	sub, err := s.SubChecked(items...)
	if err != nil {
		panic(err)
	}
	return sub
}

// SubChecked is Sub returning the encoding error instead of panicking.
func (s Subspace) SubChecked(items ...any) (Subspace, error) {
	b, err := tuple.Tuple(items).AppendPack(bytes.Clone(s.prefix))
	if err != nil {
		return Subspace{}, fmt.Errorf("subspace: %w", err)
	}
	return Subspace{prefix: b}, nil
}

// Bytes returns the prefix. The caller must not modify it.
func (s Subspace) Bytes() []byte { return s.prefix }

// Pack returns the key for t inside the subspace: prefix + pack(t).
func (s Subspace) Pack(t tuple.Tuple) ([]byte, error) {
	out := make([]byte, len(s.prefix), len(s.prefix)+32)
	copy(out, s.prefix)
	b, err := t.AppendPack(out)
	if err != nil {
		return nil, fmt.Errorf("subspace: %w", err)
	}
	return b, nil
}

// MustPack is Pack for tuples the caller built from values it knows to be
// encodable; it panics on an encoding error.
func (s Subspace) MustPack(t tuple.Tuple) []byte {
	b, err := s.Pack(t)
	if err != nil {
		panic(err)
	}
	return b
}

// PackWithVersionstamp returns the key for t, which must hold exactly one
// incomplete versionstamp, in the form SetVersionstampedKey takes: with the
// versionstamp's offset appended as four little-endian bytes.
func (s Subspace) PackWithVersionstamp(t tuple.Tuple) ([]byte, error) {
	b, err := t.PackWithVersionstamp(s.prefix)
	if err != nil {
		return nil, fmt.Errorf("subspace: %w", err)
	}
	return b, nil
}

// Unpack returns the tuple that follows the prefix in key.
func (s Subspace) Unpack(key []byte) (tuple.Tuple, error) {
	if !s.Contains(key) {
		return nil, fmt.Errorf("%w: %q", ErrNotInSubspace, key)
	}
	t, err := tuple.Unpack(key[len(s.prefix):])
	if err != nil {
		return nil, fmt.Errorf("subspace: %w", err)
	}
	return t, nil
}

// Contains reports whether key starts with the subspace's prefix.
func (s Subspace) Contains(key []byte) bool { return bytes.HasPrefix(key, s.prefix) }

// Range returns the keys made of the prefix and a packed tuple:
// prefix+0x00 to prefix+0xff.
func (s Subspace) Range() layer.KeyRange {
	return layer.KeyRange{
		Begin: append(bytes.Clone(s.prefix), 0x00),
		End:   append(bytes.Clone(s.prefix), 0xff),
	}
}

// RangeOf returns the keys under the tuple t inside the subspace: those
// whose tuple starts with t's elements.
func (s Subspace) RangeOf(t tuple.Tuple) (layer.KeyRange, error) {
	p, err := s.Pack(t)
	if err != nil {
		return layer.KeyRange{}, err
	}
	return layer.KeyRange{Begin: append(bytes.Clone(p), 0x00), End: append(p, 0xff)}, nil
}

// FullRange returns every key that starts with the prefix, the bare prefix
// included. It fails only for an empty or all-0xff prefix.
func (s Subspace) FullRange() (layer.KeyRange, error) {
	if len(s.prefix) == 0 {
		return layer.KeyRange{Begin: nil, End: layer.SystemKeyPrefix}, nil
	}
	return layer.PrefixRange(s.prefix)
}

// String shows the prefix, decoded as a tuple where it decodes.
func (s Subspace) String() string {
	if t, err := tuple.Unpack(s.prefix); err == nil {
		return "Subspace" + t.String()
	}
	return fmt.Sprintf("Subspace(%q)", s.prefix)
}
