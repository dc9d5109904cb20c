package kv

import (
	"bytes"
	"encoding/hex"
	"fmt"

	"github.com/strata-db/strata/layer"
)

// Version identifies a write: the 10-byte versionstamp of the transaction
// that wrote it (8-byte commit version and 2-byte order in its commit
// batch, big-endian). Versions of later commits compare greater, so a
// version is also a fencing token. The zero Version is "unknown": the
// version of a write made by the transaction that reads it, which the
// database fills in only at commit.
type Version [10]byte

// IsZero reports whether v is the zero (unknown) version.
func (v Version) IsZero() bool { return v == Version{} }

// Compare returns -1, 0 or 1 as v is older than, equal to or newer than w.
func (v Version) Compare(w Version) int { return bytes.Compare(v[:], w[:]) }

// String is the version in 20 hex digits, the form ParseVersion reads.
func (v Version) String() string { return hex.EncodeToString(v[:]) }

// ParseVersion reads a version in the form String prints.
func ParseVersion(s string) (Version, error) {
	var v Version
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(v) {
		return v, fmt.Errorf("%w: version %q: want 20 hex digits", ErrInvalid, s)
	}
	copy(v[:], b)
	return v, nil
}

// CommitVersion returns the version every write of tx gets: a future that
// resolves once tx has committed (call it before Commit; Get it after).
// This is how a writer learns its own version:
//
//	f, err := layer.Transact(ctx, db, func(tx layer.Tx) (layer.Future[kv.Version], error) {
//		if _, err := store.Put(tx, "k", v, kv.PutOptions{}); err != nil {
//			return nil, err
//		}
//		return kv.CommitVersion(tx), nil
//	})
//	ver, err := f.Get() // after Transact returned: the commit's versionstamp
//
// Write.Version, returned by Put and Delete, is the same future (or, for a
// replayed idempotent request, the original version).
func CommitVersion(tx layer.Tx) layer.Future[Version] {
	return stampFuture{tx.GetVersionstamp()}
}

type stampFuture struct{ f layer.Future[[]byte] }

func (s stampFuture) Get() (Version, error) {
	b, err := s.f.Get()
	if err != nil {
		return Version{}, err
	}
	if len(b) != len(Version{}) {
		return Version{}, fmt.Errorf("%w: versionstamp of %d bytes", ErrCorrupt, len(b))
	}
	return Version(b), nil
}

// versionOf decodes a stored 10-byte version.
func versionOf(b []byte) (Version, error) {
	if len(b) != len(Version{}) {
		return Version{}, fmt.Errorf("%w: version of %d bytes", ErrCorrupt, len(b))
	}
	return Version(b), nil
}
