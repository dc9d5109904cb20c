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
