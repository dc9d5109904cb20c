package vnstore

import (
	"errors"
	"fmt"
	"strings"

	"github.com/strata-db/strata/layer/tuple"
)

// Sentinel errors. Errors returned by the package wrap one of them (test
// with errors.Is). Errors about the items of a tuple or a pattern are
// tuplestore's (tuplestore.ErrArity, tuplestore.ErrItem,
// tuplestore.ErrKeyTooLarge, tuplestore.ErrIncompleteVersionstamp, as
// *tuplestore.ItemError values naming the item), since the items are
// checked by the same code.
var (
	// ErrColumns means a number of columns outside 1..MaxColumns.
	ErrColumns = errors.New("vnstore: bad number of columns")

	// ErrNoChange means no change has that id in the store.
	ErrNoChange = errors.New("vnstore: no such change")

	// ErrApplied means an edit, a message, an apply or an abandon of a
	// change that is already applied: applied changes are immutable.
	ErrApplied = errors.New("vnstore: change already applied")

	// ErrAbandoned means an edit, a message or an apply of an abandoned
	// change.
	ErrAbandoned = errors.New("vnstore: change abandoned")

	// ErrNotApplied means a read as of a change that is not applied.
	ErrNotApplied = errors.New("vnstore: change not applied")

	// ErrNotPending means a read that overlays a change that is not pending.
	ErrNotPending = errors.New("vnstore: change not pending")

	// ErrConflict means Apply found a tuple of the change that another
	// change touched after the change saw it. The error is a
	// *ConflictError listing them; rebase (Rebase) and apply again.
	ErrConflict = errors.New("vnstore: conflict")

	// ErrChangeTooLarge means an edit that would take a change over
	// MaxChangeTuples tuples or MaxApplyBytes bytes: apply the change
	// and put the rest in another.
	ErrChangeTooLarge = errors.New("vnstore: change too large")

	// ErrMessageTooLarge means a message over MaxMessageSize bytes.
	ErrMessageTooLarge = errors.New("vnstore: message too large")

	// ErrSecondApply means a second Apply in one transaction: each change
	// takes its applying transaction's versionstamp, which must be its own.
	ErrSecondApply = errors.New("vnstore: a transaction may apply one change only")

	// ErrOptions means read options that contradict each other (AsOf and
	// Pending together).
	ErrOptions = errors.New("vnstore: invalid read options")

	// ErrChangeID means a change id that does not parse.
	ErrChangeID = errors.New("vnstore: malformed change id")

	// ErrCorrupt means a key or value in the store's subspace that the
	// store did not write.
	ErrCorrupt = errors.New("vnstore: malformed data in store")

	// ErrNoStore means no versioned store of that name is registered.
	ErrNoStore = errors.New("vnstore: no such store")

	// ErrStoreExists means a versioned store of that name is registered.
	ErrStoreExists = errors.New("vnstore: store already exists")

	// ErrSpec means a bad store definition: an empty or overlong name,
	// column names that do not match the number of columns, or a prefix
	// that overlaps another registered store or the registry.
	ErrSpec = errors.New("vnstore: bad store definition")
)

// Conflict is one tuple of a change that another change touched after the
// change saw it.
type Conflict struct {
	// Tuple is the tuple, decoded.
	Tuple []any
	// Op is what the change does to it.
	Op Op
	// Base is the read version at which the change saw the tuple.
	Base int64
	// By is the last change that touched the tuple, applied after Base at
	// Version.
	By      ChangeID
	Version tuple.Versionstamp
	// Alive is the tuple's state now.
	Alive bool
}

// ConflictError is the error of an Apply that found conflicts. It matches
// ErrConflict with errors.Is.
type ConflictError struct {
	// Change is the change that was not applied.
	Change ChangeID
	// Conflicts lists its conflicting tuples, in the order of the change's
	// tuples.
	Conflicts []Conflict
}

func (e *ConflictError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%v: change %v: %d tuple(s) changed since the change saw them: ", ErrConflict, e.Change, len(e.Conflicts))
	for i, c := range e.Conflicts {
		if i == 3 {
			fmt.Fprintf(&b, "; and %d more", len(e.Conflicts)-3)
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%v (%v at read version %d) by change %v at version %d", tuple.Tuple(c.Tuple), c.Op, c.Base, c.By, CommitVersion(c.Version))
	}
	b.WriteString("; rebase the change and apply it again")
	return b.String()
}

// Unwrap returns ErrConflict.
func (e *ConflictError) Unwrap() error { return ErrConflict }
