package tuplestore

import (
	"errors"
	"fmt"

	"github.com/strata-db/strata/layer/tuple"
)

// Sentinel errors. Errors returned by the package wrap one of them (test
// with errors.Is); errors about one item of a tuple or pattern are
// *ItemError values that also name the item's position.
var (
	// ErrColumns means a number of columns outside 1..MaxColumns, or an
	// index set that is not made of permutations of the columns.
	ErrColumns = errors.New("tuplestore: bad number of columns")

	// ErrArity means a tuple or pattern whose length is not the store's
	// number of columns.
	ErrArity = errors.New("tuplestore: wrong number of items")

	// ErrItem means an item the tuple encoding cannot encode (an
	// unsupported Go type, an integer over 255 bytes, a cyclic nested
	// tuple), a variable where a tuple needs a value, or a second
	// incomplete versionstamp in one tuple.
	ErrItem = errors.New("tuplestore: item cannot be encoded")

	// ErrIncompleteVersionstamp means an incomplete versionstamp where only
	// complete values make sense: in Remove, Get and patterns. Only Add
	// takes one, which the database fills in at commit.
	ErrIncompleteVersionstamp = errors.New("tuplestore: incomplete versionstamp not allowed here")

	// ErrKeyTooLarge means the tuple's index keys would exceed
	// layer.MaxKeySize with the store's prefix.
	ErrKeyTooLarge = errors.New("tuplestore: key too large")

	// ErrValueTooLarge means a value longer than layer.MaxValueSize.
	ErrValueTooLarge = errors.New("tuplestore: value too large")

	// ErrNoPatterns means a query without patterns.
	ErrNoPatterns = errors.New("tuplestore: query has no patterns")

	// ErrContinuation means a continuation that is malformed or that was
	// made by another query.
	ErrContinuation = errors.New("tuplestore: continuation does not belong to this query")

	// ErrCorrupt means a key in the store's subspace that is not a packed
	// tuple of the store's shape.
	ErrCorrupt = errors.New("tuplestore: malformed key in store")

	// ErrNoStore means no store of that name is registered.
	ErrNoStore = errors.New("tuplestore: no such store")

	// ErrStoreExists means a store of that name is already registered.
	ErrStoreExists = errors.New("tuplestore: store already exists")

	// ErrSpec means a bad store definition: an empty or overlong name,
	// column names that do not match the number of columns, or a prefix
	// that overlaps another registered store or the registry itself.
	ErrSpec = errors.New("tuplestore: bad store definition")
)

// ItemError is an error about one item of a tuple or pattern. It matches
// its sentinel (ErrItem, ErrKeyTooLarge, ...) and its cause (a
// layer/tuple error, say) with errors.Is.
type ItemError struct {
	// Pattern is the position of the pattern in the query, or -1 for a
	// tuple.
	Pattern int
	// Position is the item's column.
	Position int
	// Item is the offending item.
	Item any
	// Err is the sentinel; Cause, when set, is the underlying error.
	Err   error
	Cause error
	// Detail says what is wrong, for the message.
	Detail string
}

func (e *ItemError) Error() string {
	where := fmt.Sprintf("item %d", e.Position)
	if e.Pattern >= 0 {
		where = fmt.Sprintf("pattern %d, item %d", e.Pattern, e.Position)
	}
	msg := fmt.Sprintf("%v: %s (%s)", e.Err, where, describe(e.Item))
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	if e.Cause != nil {
		msg += ": " + e.Cause.Error()
	}
	return msg
}

// Unwrap returns the sentinel and the cause.
func (e *ItemError) Unwrap() []error {
	if e.Cause != nil {
		return []error{e.Err, e.Cause}
	}
	return []error{e.Err}
}

// describe renders an item briefly for an error message: its type and, for
// short values, the value.
func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "nil"
	case string:
		if len(x) > 40 {
			return fmt.Sprintf("string of %d bytes", len(x))
		}
		return fmt.Sprintf("%q", x)
	case []byte:
		if len(x) > 40 {
			return fmt.Sprintf("[]byte of %d bytes", len(x))
		}
		return fmt.Sprintf("[]byte %q", x)
	case Var:
		return "variable " + x.String()
	case tuple.Versionstamp:
		if !x.IsComplete() {
			return fmt.Sprintf("incomplete versionstamp, user version %d", x.UserVersion)
		}
	}
	s := fmt.Sprintf("%T %v", v, v)
	if len(s) > 100 {
		s = fmt.Sprintf("%T", v)
	}
	return s
}
