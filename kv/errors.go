package kv

import "errors"

// Sentinel errors. Errors returned by the package wrap one of them (test
// with errors.Is) and start with "kv: ". They are not FoundationDB errors,
// so layer.Transact returns them at once without committing: a failed
// condition leaves nothing written.
var (
	// ErrNotFound means the key holds no live value (it is absent or has
	// expired), a condition IfPresent or IfMatch found nothing, a hash has
	// no such field, a sorted set no such member, or a lease is free.
	ErrNotFound = errors.New("kv: not found")

	// ErrAlreadyExists means a write with IfAbsent found a live value.
	ErrAlreadyExists = errors.New("kv: already exists")

	// ErrVersionMismatch means a write with IfMatch found a live value of
	// another version: someone wrote the key since the caller read it.
	ErrVersionMismatch = errors.New("kv: version mismatch")

	// ErrKeyTooLarge means a key (or hash field, member, counter or lease
	// name) that would make a database key longer than layer.MaxKeySize
	// under the store's prefix.
	ErrKeyTooLarge = errors.New("kv: key too large")

	// ErrValueTooLarge means a value longer than MaxValueSize, or a hash
	// field's value longer than layer.MaxValueSize.
	ErrValueTooLarge = errors.New("kv: value too large")

	// ErrInvalid means bad arguments: conflicting conditions, an empty
	// idempotency key or tenant name, a NaN score, a lease without a
	// holder or with a TTL that is not positive, a shard count below one.
	ErrInvalid = errors.New("kv: invalid argument")
	// ErrTooMany means a read of more entries than one call returns
	// (HGetAll of a hash of over MaxHashFields fields): page instead
	// (HScan).
	ErrTooMany = errors.New("kv: too many entries for one call")

	// ErrIdempotencyKeyReused means an idempotency key that was already
	// applied to another request (another operation or other keys).
	ErrIdempotencyKeyReused = errors.New("kv: idempotency key reused for a different request")

	// ErrLeaseHeld means Acquire found the lease held by another holder
	// and not expired.
	ErrLeaseHeld = errors.New("kv: lease held by another holder")

	// ErrLeaseLost means Renew, Release or Check found the lease expired,
	// released, or acquired since by someone else (another token).
	ErrLeaseLost = errors.New("kv: lease lost")

	// ErrCorrupt means a record in the store's subspace that the package
	// cannot decode.
	ErrCorrupt = errors.New("kv: malformed record")

	// ErrNoStore means no store of that name is registered.
	ErrNoStore = errors.New("kv: no such store")

	// ErrStoreExists means a store of that name is already registered.
	ErrStoreExists = errors.New("kv: store already exists")

	// ErrSpec means a bad store definition: an empty or overlong name, or
	// a prefix that overlaps another registered store or the registry.
	ErrSpec = errors.New("kv: bad store definition")
)
