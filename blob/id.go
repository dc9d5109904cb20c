package blob

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// ID names a blob: the SHA-256 of its content. Equal contents have equal
// IDs, in every store.
type ID [sha256.Size]byte

// Sum returns the ID of data.
func Sum(data []byte) ID { return sha256.Sum256(data) }

// EmptyID is the ID of the empty blob.
var EmptyID = Sum(nil)

// String returns the ID in lowercase hex, as sha256sum prints it.
func (id ID) String() string { return hex.EncodeToString(id[:]) }

// MarshalText implements encoding.TextMarshaler (lowercase hex).
func (id ID) MarshalText() ([]byte, error) { return []byte(id.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (id *ID) UnmarshalText(b []byte) error {
	v, err := ParseID(string(b))
	if err != nil {
		return err
	}
	*id = v
	return nil
}

// ParseID parses 64 hex digits (either case).
func ParseID(s string) (ID, error) {
	var id ID
	if len(s) != 2*len(id) {
		return id, fmt.Errorf("%w: %q is %d characters, want %d hex digits", ErrInvalidID, s, len(s), 2*len(id))
	}
	if _, err := hex.Decode(id[:], []byte(s)); err != nil {
		return id, fmt.Errorf("%w: %q: %v", ErrInvalidID, s, err)
	}
	return id, nil
}
