package vnstore

import (
	"context"
	"crypto/rand"
	"testing"

	"github.com/strata-db/strata/internal/testdb"
	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/tuple"
	"github.com/strata-db/strata/tuplestore"
)

type (
	Var     = tuplestore.Var
	Pattern = tuplestore.Pattern
	Binding = tuplestore.Binding
)

// newStore opens the test database and a versioned store of n columns
// under the test's subspace.
func newStore(t testing.TB, n int) (layer.DB, *Store) {
	t.Helper()
	db := testdb.Open(t)
	s, err := New(testdb.Subspace(t, db), n)
	if err != nil {
		t.Fatal(err)
	}
	return db, s
}

// write runs fn in a transaction and fails the test on error.
func write[T any](t testing.TB, db layer.DB, fn func(tx layer.Tx) (T, error)) T {
	t.Helper()
	v, err := layer.Transact(context.Background(), db, fn)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// writeErr runs fn in a transaction and returns its error.
func writeErr(db layer.DB, fn func(tx layer.Tx) error) error {
	_, err := layer.Transact(context.Background(), db, func(tx layer.Tx) (struct{}, error) { return struct{}{}, fn(tx) })
	return err
}

// create creates a change.
func create(t testing.TB, db layer.DB, s *Store) ChangeID {
	t.Helper()
	return write(t, db, func(tx layer.Tx) (ChangeID, error) { return s.CreateChange(tx) })
}

// edit adds (op Add) or removes tuples in a change, in one transaction.
func edit(t testing.TB, db layer.DB, s *Store, id ChangeID, op Op, tuples ...[]any) {
	t.Helper()
	write(t, db, func(tx layer.Tx) (struct{}, error) {
		for _, tu := range tuples {
			var err error
			if op == Add {
				_, err = s.Add(tx, id, tu)
			} else {
				_, err = s.Remove(tx, id, tu)
			}
			if err != nil {
				return struct{}{}, err
			}
		}
		return struct{}{}, nil
	})
}

// applyErr applies a change in its own transaction.
func applyErr(db layer.DB, s *Store, id ChangeID) error {
	return writeErr(db, func(tx layer.Tx) error { return s.Apply(tx, id) })
}

// apply applies a change and fails the test on error.
func apply(t testing.TB, db layer.DB, s *Store, id ChangeID) {
	t.Helper()
	if err := applyErr(db, s, id); err != nil {
		t.Fatal(err)
	}
}

// commit creates a change with the given additions and applies it, in one
// transaction, and returns its id.
func commit(t testing.TB, db layer.DB, s *Store, adds ...[]any) ChangeID {
	t.Helper()
	return write(t, db, func(tx layer.Tx) (ChangeID, error) {
		id, err := s.CreateChange(tx)
		if err != nil {
			return id, err
		}
		for _, tu := range adds {
			if _, err := s.Add(tx, id, tu); err != nil {
				return id, err
			}
		}
		return id, s.Apply(tx, id)
	})
}

// query runs a query to its end in one transaction.
func query(t testing.TB, db layer.DB, s *Store, opts QueryOptions, patterns ...Pattern) []Binding {
	t.Helper()
	out, err := queryErr(db, s, opts, patterns...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func queryErr(db layer.DB, s *Store, opts QueryOptions, patterns ...Pattern) ([]Binding, error) {
	return layer.ReadTransact(context.Background(), db, func(tx layer.ReadTx) ([]Binding, error) {
		var out []Binding
		for b, err := range s.Query(tx, opts, patterns...).All() {
			if err != nil {
				return nil, err
			}
			out = append(out, b)
		}
		return out, nil
	})
}

// ask reads Ask in its own transaction.
func ask(t testing.TB, db layer.DB, s *Store, opts QueryOptions, tu ...any) bool {
	t.Helper()
	return testdb.Read(t, db, func(tx layer.ReadTx) (bool, error) { return s.Ask(tx, tu, opts) })
}

// uuid4 returns a random UUID, as found's tests use uuid4().
func uuid4() tuple.UUID {
	var u tuple.UUID
	rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return u
}
