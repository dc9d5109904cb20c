package blob

import "errors"

// Sentinel errors. Errors returned by the package wrap one of them (test
// with errors.Is) or are the database's own (layer.Error values).
var (
	// ErrNotFound means no blob has that ID in the store.
	ErrNotFound = errors.New("blob: no such blob")

	// ErrDeleted means the blob was deleted while a Reader was reading it:
	// a read that started after the deletion committed found it gone. The
	// bytes read before were the blob's.
	ErrDeleted = errors.New("blob: blob deleted while being read")

	// ErrUploadExpired means a Writer's upload was given up: the garbage
	// collector found it idle for longer than the lease and released its
	// chunks, or it was aborted. Nothing was published; write it again.
	ErrUploadExpired = errors.New("blob: upload expired or aborted")

	// ErrTooLarge means data over MaxSmallSize (or cut into over
	// MaxSmallChunks chunks) given to PutSmall, or a blob
	// over it asked of GetSmall: one transaction cannot hold it; use a
	// Writer or a Reader, which span transactions.
	ErrTooLarge = errors.New("blob: too large for one transaction")

	// ErrCorrupt means stored data the package cannot decode or that does
	// not match its hash: a header, a manifest page, a chunk.
	ErrCorrupt = errors.New("blob: corrupt data in store")

	// ErrConfig means a Config out of bounds.
	ErrConfig = errors.New("blob: invalid configuration")

	// ErrClosed means a Writer or Reader used after Close, or a Writer
	// after Abort or a failed write.
	ErrClosed = errors.New("blob: writer or reader is closed")

	// ErrInvalidID means a string that is not a blob ID (64 hex digits) or,
	// where prefixes are accepted, an ID prefix (at least MinPrefixLen hex
	// digits).
	ErrInvalidID = errors.New("blob: invalid blob ID")

	// ErrAmbiguous means an ID prefix that matches several blobs.
	ErrAmbiguous = errors.New("blob: ambiguous blob ID prefix")

	// ErrNoStore means no blob store of that name is registered.
	ErrNoStore = errors.New("blob: no such store")

	// ErrStoreExists means a blob store of that name is already registered.
	ErrStoreExists = errors.New("blob: store already exists")

	// ErrSpec means a bad store definition: an empty or overlong name, or
	// a prefix that overlaps another registered store or the registry.
	ErrSpec = errors.New("blob: bad store definition")
)
