package eav

import (
	"errors"
	"fmt"
)

// Sentinel errors. Errors returned by the package wrap one of them (test
// with errors.Is); errors about one attribute are *AttrError values that
// also name it.
var (
	// ErrNotFound means no document has the id.
	ErrNotFound = errors.New("eav: no such document")

	// ErrExists means Create was given the id of a document that exists.
	// Nothing is written: the document is not merged with the new one.
	ErrExists = errors.New("eav: document already exists")

	// ErrID means an id of a type the store does not take (ids are
	// uuid.UUID, strings and integers) or one whose encoding is longer than
	// MaxIDSize.
	ErrID = errors.New("eav: bad document id")

	// ErrAttribute means a bad attribute name: empty, with an empty path
	// component ("a..b", ".a"), longer than MaxAttributeSize, or given
	// twice or both as a path and inside it ("a" and "a.b") in one write.
	ErrAttribute = errors.New("eav: bad attribute")

	// ErrValue means a value the store cannot keep: nil, an unsupported
	// type, a list inside a list or a map inside a list.
	ErrValue = errors.New("eav: bad value")

	// ErrValueTooLarge means a value (a whole list, for a multi-valued
	// attribute) whose encoding is over layer.MaxValueSize, 100,000 bytes.
	// Large content belongs in the blob layer (package blob): store it
	// there and keep its hash in the document.
	ErrValueTooLarge = errors.New("eav: value too large")

	// ErrIndexKeyTooLarge means a value of an indexed attribute too long to
	// be part of an index key (keys are limited to layer.MaxKeySize, 10,000
	// bytes). Index fewer attributes (DropIndex) or keep the value in the
	// blob layer.
	ErrIndexKeyTooLarge = errors.New("eav: value too long to index")

	// ErrDocumentTooLarge means a document over MaxDocumentSize, or whose
	// attribute names do not fit in its header (one value of at most
	// layer.MaxValueSize bytes).
	ErrDocumentTooLarge = errors.New("eav: document too large")

	// ErrQuery means a malformed condition: an operand that is not a
	// scalar, bounds of different kinds, a NaN bound, a prefix that is not
	// a string or bytes.
	ErrQuery = errors.New("eav: bad query")

	// ErrNotIndexed means a query none of whose conditions is on an
	// attribute with a ready index, so that no index can drive it.
	ErrNotIndexed = errors.New("eav: no condition on an indexed attribute")

	// ErrContinuation means a continuation that is malformed or was made
	// by another query or store.
	ErrContinuation = errors.New("eav: continuation does not belong to this query")

	// ErrIndexRule means a malformed index rule, or one that overlaps a
	// declared rule (see AddIndex).
	ErrIndexRule = errors.New("eav: bad index rule")

	// ErrNoIndex means an index rule that is not declared.
	ErrNoIndex = errors.New("eav: no such index")

	// ErrJob means a job of unknown kind or with a bad argument.
	ErrJob = errors.New("eav: bad job")

	// ErrCorrupt means keys or values in the store's subspace that the
	// package did not write, or that contradict each other.
	ErrCorrupt = errors.New("eav: malformed data in store")

	// ErrNoStore means no store of that name is registered.
	ErrNoStore = errors.New("eav: no such store")

	// ErrStoreExists means a store of that name is already registered.
	ErrStoreExists = errors.New("eav: store already exists")

	// ErrSpec means a bad store definition: an empty or overlong name, a
	// prefix that overlaps another registered store or the registry, or
	// declared indexes for a store that already holds documents.
	ErrSpec = errors.New("eav: bad store definition")
)

// AttrError is an error about one attribute of a document, a query or a
// job. It matches its sentinel (ErrValueTooLarge, ErrValue, ...) with
// errors.Is, and errors.As gives the attribute's path.
type AttrError struct {
	// Attr is the attribute's path ("address.city").
	Attr string
	// ID is the document's id when one is concerned (jobs), else nil.
	ID ID
	// Err is the sentinel.
	Err error
	// Detail says what is wrong, for the message.
	Detail string
}

func (e *AttrError) Error() string {
	msg := e.Err.Error()
	where := fmt.Sprintf("attribute %q", e.Attr)
	if e.ID != nil {
		where = fmt.Sprintf("document %v, %s", FormatID(e.ID), where)
	}
	if e.Detail != "" {
		return fmt.Sprintf("%s: %s: %s", msg, where, e.Detail)
	}
	return fmt.Sprintf("%s: %s", msg, where)
}

// Unwrap returns the sentinel.
func (e *AttrError) Unwrap() error { return e.Err }

func attrErr(attr string, err error, format string, args ...any) error {
	return &AttrError{Attr: attr, Err: err, Detail: fmt.Sprintf(format, args...)}
}
