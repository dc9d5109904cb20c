package vector

import "errors"

// The package's errors. Every error it returns that is not a FoundationDB
// error wraps one of them, so errors.Is tells them apart; they are not
// FoundationDB errors, so layer.Transact returns them at once, uncommitted.
var (
	// ErrNoBucket means no bucket is registered under that name.
	ErrNoBucket = errors.New("vector: no such bucket")
	// ErrBucketExists means a bucket of that name is registered already.
	ErrBucketExists = errors.New("vector: bucket exists")
	// ErrSpec means an invalid bucket or index definition: an empty or
	// overlong name, a subspace that overlaps another store's, dimensions
	// out of range, an unknown metric or kind.
	ErrSpec = errors.New("vector: invalid spec")
	// ErrNoIndex means the bucket has no index of that name.
	ErrNoIndex = errors.New("vector: no such index")
	// ErrIndexExists means the bucket has an index of that name already.
	ErrIndexExists = errors.New("vector: index exists")
	// ErrDimension means a vector whose length is not the index's dimension.
	ErrDimension = errors.New("vector: dimension mismatch")
	// ErrInvalidVector means a vector with a NaN or infinite component, or
	// a zero vector in a cosine index.
	ErrInvalidVector = errors.New("vector: invalid vector")
	// ErrKey means an empty or overlong vector key.
	ErrKey = errors.New("vector: invalid key")
	// ErrMetadata means metadata that is too large, has too many fields,
	// or cannot be encoded as JSON.
	ErrMetadata = errors.New("vector: invalid metadata")
	// ErrBatchTooLarge means a PutMany batch whose estimated transaction
	// size exceeds MaxBatchBytes: split it across transactions.
	ErrBatchTooLarge = errors.New("vector: batch too large for one transaction")
	// ErrFilter means a filter that does not parse; the error is a
	// *FilterError that names where.
	ErrFilter = errors.New("vector: invalid filter")
	// ErrNotFound means no vector has that key.
	ErrNotFound = errors.New("vector: not found")
	// ErrCorrupt means a stored record the package cannot decode.
	ErrCorrupt = errors.New("vector: malformed record")
	// ErrNotTrained means an operation that needs an ivf index's
	// centroids, or training asked of an exact index.
	ErrNotTrained = errors.New("vector: index not trained")
	// ErrIndexChanged means the index was dropped (and perhaps created
	// again) since the Index handle was opened.
	ErrIndexChanged = errors.New("vector: index changed since it was opened")
)
