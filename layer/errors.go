package layer

import (
	"errors"
	"fmt"
)

// Error is a FoundationDB error: a numeric code with FoundationDB's meaning.
// Both engines return the same codes for the same conditions, so code that
// inspects errors (errors.Is, Retryable, MaybeCommitted) behaves identically
// on either. Error is a comparable value: errors.Is(err, ErrNotCommitted)
// matches any error whose chain holds Error{Code: 1020}.
type Error struct {
	Code int
}

// Error formats the error as the official bindings do, with the code's name:
// "FoundationDB error code 1020 (not_committed)".
func (e Error) Error() string {
	if name, ok := errorNames[e.Code]; ok {
		return fmt.Sprintf("FoundationDB error code %d (%s)", e.Code, name)
	}
	return fmt.Sprintf("FoundationDB error code %d", e.Code)
}

// Name returns FoundationDB's name for the code, such as "not_committed", or
// "" for a code this package does not know.
func (e Error) Name() string { return errorNames[e.Code] }

// Description returns FoundationDB's one-line description of the code.
func (e Error) Description() string { return errorDescriptions[e.Code] }

// The FoundationDB error codes that strata's engines produce or that code
// using strata may want to test for. Names and numbers are FoundationDB's.
var (
	// ErrOperationFailed (1000) is a generic failure reported by an engine.
	ErrOperationFailed error = Error{1000}
	// ErrTimedOut (1004) means an operation timed out.
	ErrTimedOut error = Error{1004}
	// ErrTransactionTooOld (1007) means the read version is older than the
	// 5-second MVCC window; retryable.
	ErrTransactionTooOld error = Error{1007}
	// ErrFutureVersion (1009) means a read version was requested that the
	// database has not reached; retryable.
	ErrFutureVersion error = Error{1009}
	// ErrNotCommitted (1020) means the transaction conflicted with another
	// one that committed after its read version; retryable.
	ErrNotCommitted error = Error{1020}
	// ErrCommitUnknownResult (1021) means the commit may or may not have been
	// applied; retrying is safe only for idempotent transactions.
	ErrCommitUnknownResult error = Error{1021}
	// ErrTransactionCancelled (1025) means the transaction was cancelled.
	ErrTransactionCancelled error = Error{1025}
	// ErrTransactionTimedOut (1031) means the transaction's timeout option
	// expired; not retryable.
	ErrTransactionTimedOut error = Error{1031}
	// ErrAccessedUnreadable (1036) means the transaction read a key written
	// with SetVersionstampedKey in the same transaction, whose final key is
	// not known until commit.
	ErrAccessedUnreadable error = Error{1036}
	// ErrProcessBehind (1037) means a storage process lags; retryable.
	ErrProcessBehind error = Error{1037}
	// ErrDatabaseLocked (1038) means the database is locked; retryable.
	ErrDatabaseLocked error = Error{1038}
	// ErrOperationCancelled (1101) means an asynchronous operation, such as a
	// watch, was cancelled.
	ErrOperationCancelled error = Error{1101}
	// ErrClientInvalidOperation (2000) means an API call was made that is not
	// valid in the transaction's state.
	ErrClientInvalidOperation error = Error{2000}
	// ErrKeyOutsideLegalRange (2004) means a key at or above "\xff" (the
	// system key space) was read or written.
	ErrKeyOutsideLegalRange error = Error{2004}
	// ErrInvertedRange (2005) means a range's begin is after its end.
	ErrInvertedRange error = Error{2005}
	// ErrInvalidOptionValue (2006) means an option was set to a value out of
	// its range.
	ErrInvalidOptionValue error = Error{2006}
	// ErrReadVersionAlreadySet (2010) means SetReadVersion was called after
	// the transaction already had a read version.
	ErrReadVersionAlreadySet error = Error{2010}
	// ErrVersionInvalid (2011) means a version argument is not valid.
	ErrVersionInvalid error = Error{2011}
	// ErrRangeLimitsInvalid (2012) means a range read's limit is negative.
	ErrRangeLimitsInvalid error = Error{2012}
	// ErrTooManyWatches (1032) means the database's limit on outstanding
	// watches was reached.
	ErrTooManyWatches error = Error{1032}
	// ErrUsedDuringCommit (2017) means the transaction was used while its
	// commit was outstanding.
	ErrUsedDuringCommit error = Error{2017}
	// ErrTransactionInvalidVersion (2020) means a versionstamp was asked of
	// a transaction whose commit failed.
	ErrTransactionInvalidVersion error = Error{2020}
	// ErrNoCommitVersion (2021) means a versionstamp or committed version was
	// asked of a transaction that did not commit any write.
	ErrNoCommitVersion error = Error{2021}
	// ErrTransactionTooLarge (2101) means the transaction's mutations and
	// conflict ranges exceed its size limit (10,000,000 bytes by default).
	ErrTransactionTooLarge error = Error{2101}
	// ErrKeyTooLarge (2102) means a key is longer than 10,000 bytes.
	ErrKeyTooLarge error = Error{2102}
	// ErrValueTooLarge (2103) means a value is longer than 100,000 bytes.
	ErrValueTooLarge error = Error{2103}
	// ErrExactModeWithoutLimits (2210) means a range read asked for
	// StreamingModeExact without a limit.
	ErrExactModeWithoutLimits error = Error{2210}
	// ErrInternal (4100) means an engine hit a condition that indicates a
	// bug or corrupted storage.
	ErrInternal error = Error{4100}
)

var errorNames = map[int]string{
	1000: "operation_failed",
	1004: "timed_out",
	1007: "transaction_too_old",
	1009: "future_version",
	1020: "not_committed",
	1021: "commit_unknown_result",
	1025: "transaction_cancelled",
	1031: "transaction_timed_out",
	1032: "too_many_watches",
	1036: "accessed_unreadable",
	1037: "process_behind",
	1038: "database_locked",
	1039: "cluster_version_changed",
	1042: "commit_proxy_memory_limit_exceeded",
	1051: "batch_transaction_throttled",
	1078: "grv_proxy_memory_limit_exceeded",
	1101: "operation_cancelled",
	1213: "tag_throttled",
	2000: "client_invalid_operation",
	2004: "key_outside_legal_range",
	2005: "inverted_range",
	2006: "invalid_option_value",
	2007: "invalid_option",
	2010: "read_version_already_set",
	2011: "version_invalid",
	2012: "range_limits_invalid",
	2017: "used_during_commit",
	2018: "invalid_mutation_type",
	2020: "transaction_invalid_version",
	2021: "no_commit_version",
	2101: "transaction_too_large",
	2102: "key_too_large",
	2103: "value_too_large",
	2108: "unsupported_operation",
	2210: "exact_mode_without_limits",
	4000: "unknown_error",
	4100: "internal_error",
}

var errorDescriptions = map[int]string{
	1000: "Operation failed",
	1004: "Operation timed out",
	1007: "Transaction is too old to perform reads or be committed",
	1009: "Request for future version",
	1020: "Transaction not committed due to conflict with another transaction",
	1021: "Transaction may or may not have committed",
	1025: "Operation aborted because the transaction was cancelled",
	1031: "Operation aborted because the transaction timed out",
	1032: "Too many watches currently set",
	1036: "Read or wrote an unreadable key",
	1037: "Storage process does not have recent mutations",
	1038: "Database is locked",
	1039: "The protocol version of the cluster has changed",
	1042: "CommitProxy commit memory limit exceeded",
	1051: "Batch GRV request rate limit exceeded",
	1078: "GetReadVersion proxy memory limit exceeded",
	1101: "Asynchronous operation cancelled",
	1213: "Transaction tag is being throttled",
	2000: "Invalid API call",
	2004: "Key outside legal range",
	2005: "Range begin key larger than end key",
	2006: "Option set with an invalid value",
	2007: "Option not valid in this context",
	2010: "Transaction already has a read version set",
	2011: "Version not valid",
	2012: "Range limits not valid",
	2017: "Operation issued while a commit was outstanding",
	2018: "Unrecognized atomic mutation type",
	2020: "Transaction does not have a valid commit version",
	2021: "Transaction is read-only and therefore does not have a commit version",
	2101: "Transaction exceeds byte limit",
	2102: "Key length exceeds limit",
	2103: "Value length exceeds limit",
	2108: "Operation is not supported",
	2210: "EXACT streaming mode requires limits, but none were given",
	4000: "An unknown error occurred",
	4100: "An internal error occurred",
}

// code returns the FoundationDB code in err's chain, or 0 if it holds none.
func code(err error) int {
	var e Error
	if errors.As(err, &e) {
		return e.Code
	}
	return 0
}

// RetryableNotCommitted reports whether err is a FoundationDB error after
// which the transaction certainly did not commit and may simply be retried:
// 1007, 1009, 1020, 1037, 1038 and the throttling codes.
func RetryableNotCommitted(err error) bool {
	switch code(err) {
	case 1007, 1009, 1020, 1037, 1038, 1039, 1042, 1051, 1078, 1213:
		return true
	}
	return false
}

// MaybeCommitted reports whether err leaves it unknown whether the
// transaction committed (1021 commit_unknown_result). Retrying such a
// transaction applies it twice unless it is idempotent.
func MaybeCommitted(err error) bool {
	return code(err) == 1021
}

// Retryable reports whether the retry loop retries after err. As in
// FoundationDB, this is RetryableNotCommitted or MaybeCommitted: the loop
// retries a transaction whose commit result is unknown, so transactions run
// through Transact should be idempotent or detect their own earlier commit.
func Retryable(err error) bool {
	return RetryableNotCommitted(err) || MaybeCommitted(err)
}
