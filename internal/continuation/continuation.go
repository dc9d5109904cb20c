// Package continuation is the format of the query continuations of the
// layers (tuplestore, eav): a packed tuple (version, fingerprint, state...),
// where the fingerprint identifies the query and the state, which the
// layer defines, says where to resume. Its text form is unpadded URL-safe
// base64. Layers report this package's errors as their own
// ErrContinuation.
package continuation

import (
	"bytes"
	"encoding/base64"
	"errors"

	"github.com/strata-db/strata/layer/tuple"
)

// version is the format of the continuations Encode makes.
const version = 1

var (
	// ErrMalformed means a continuation that does not decode.
	ErrMalformed = errors.New("malformed")
	// ErrVersion means a continuation of another format.
	ErrVersion = errors.New("unknown version")
	// ErrOtherQuery means a continuation whose fingerprint is not the
	// query's.
	ErrOtherQuery = errors.New("made by another query")
)

// Encode returns the continuation of the query with fingerprint fp that
// resumes at state.
func Encode(fp []byte, state ...tuple.TupleElement) []byte {
	return append(tuple.Tuple{version, fp}, state...).Pack()
}

// Decode reads a continuation that Encode made with n state elements for
// the query with fingerprint fp, and returns the state.
func Decode(c, fp []byte, n int) (tuple.Tuple, error) {
	t, err := tuple.Unpack(c)
	if err != nil || len(t) != 2+n {
		return nil, ErrMalformed
	}
	if v, ok := t[0].(int64); !ok || v != version {
		return nil, ErrVersion
	}
	if f, ok := t[1].([]byte); !ok || !bytes.Equal(f, fp) {
		return nil, ErrOtherQuery
	}
	return t[2:], nil
}

// String returns the text form of c.
func String(c []byte) string { return base64.RawURLEncoding.EncodeToString(c) }

// Parse reads the text form of a continuation.
func Parse(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }

// DefaultScanLimit is a page's scan budget when the caller sets a result
// limit but no budget of its own: little enough work (index entries, or
// lookups and the rows they return) that a page of a selective query
// stays well inside a transaction's five seconds.
const DefaultScanLimit = 10000

// ScanBudget returns a page's effective scan budget, 0 for none, from the
// caller's scanLimit (positive: that many; 0: DefaultScanLimit when limit
// is set, else none; negative: none) and result limit.
func ScanBudget(scanLimit, limit int) int {
	switch {
	case scanLimit > 0:
		return scanLimit
	case scanLimit == 0 && limit > 0:
		return DefaultScanLimit
	}
	return 0
}
