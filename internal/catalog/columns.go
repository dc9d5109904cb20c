package catalog

import (
	"fmt"

	"github.com/strata-db/strata/layer/subspace"
)

// ColumnSpec defines an instance of a layer whose instances have columns
// (tuple stores, versioned stores), to register.
type ColumnSpec struct {
	// Subspace holds the instance's keys.
	Subspace subspace.Subspace
	// N is the number of columns; it may be left 0 when Columns is set.
	N int
	// Columns optionally names the columns; if set, its length is N.
	Columns []string
}

// Entry returns the entry that registers the instance as name: its number
// of columns is N, or len(Columns) when N is 0.
func (s ColumnSpec) Entry(name string) Entry {
	n := s.N
	if n == 0 {
		n = len(s.Columns)
	}
	return Entry{Name: name, Prefix: s.Subspace.Bytes(), N: n, Columns: s.Columns}
}

// CheckColumns reports column names that are not N in number; an entry
// without names passes.
func (e Entry) CheckColumns() error {
	if e.Columns != nil && len(e.Columns) != e.N {
		return fmt.Errorf("%d column names for %d columns", len(e.Columns), e.N)
	}
	return nil
}
