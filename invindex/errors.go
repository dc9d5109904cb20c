package invindex

import "errors"

// Sentinel errors. Errors returned by the package wrap one of them (test
// with errors.Is) and start with "invindex: ". They are not FoundationDB
// errors, so layer.Transact returns them at once without committing.
var (
	// ErrInvalid means bad arguments: an empty or oversized document id,
	// a term that is empty or longer than MaxTermSize, a count below one,
	// a negative limit or offset, k1 < 0 or b outside [0, 1], an unknown
	// mode.
	ErrInvalid = errors.New("invindex: invalid argument")

	// ErrNotFound means Reindex or Document named a document that is not
	// indexed.
	ErrNotFound = errors.New("invindex: document not found")

	// ErrDocumentTooLarge means a document whose term list does not fit
	// one value (layer.MaxValueSize bytes), or whose indexing would write
	// more than MaxDocumentTxBytes to its transaction.
	ErrDocumentTooLarge = errors.New("invindex: document too large")

	// ErrCorrupt means a stored record the package cannot decode.
	ErrCorrupt = errors.New("invindex: malformed record")

	// ErrNoIndex means no index is registered under the name.
	ErrNoIndex = errors.New("invindex: no such index")

	// ErrIndexExists means an index is already registered under the name.
	ErrIndexExists = errors.New("invindex: index already exists")

	// ErrSpec means an index definition the registry refuses: its
	// subspace overlaps another registered instance's, or its options are
	// out of range.
	ErrSpec = errors.New("invindex: invalid index definition")
)
