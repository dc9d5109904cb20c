package tuplestore

import (
	"context"
	"crypto/rand"
	"testing"

	"github.com/strata-db/strata/internal/testdb"
	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/tuple"
)

// newStore opens the test database and a store of n columns under the
// test's subspace.
func newStore(t testing.TB, n int) (layer.DB, *Store) {
	t.Helper()
	db := testdb.Open(t)
	s, err := New(testdb.Subspace(t, db), n)
	if err != nil {
		t.Fatal(err)
	}
	return db, s
}

// add adds tuples without values in one transaction.
func add(t testing.TB, db layer.DB, s *Store, tuples ...[]any) {
	t.Helper()
	testdb.Write(t, db, func(tx layer.Tx) error {
		for _, tu := range tuples {
			if err := s.Add(tx, tu, nil); err != nil {
				return err
			}
		}
		return nil
	})
}

// query runs a query to its end in one transaction.
func query(t testing.TB, db layer.DB, s *Store, patterns ...Pattern) []Binding {
	t.Helper()
	out, err := queryErr(db, s, QueryOptions{}, patterns...)
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

// uuid4 returns a random UUID, as found's tests use uuid4().
func uuid4() tuple.UUID {
	var u tuple.UUID
	rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return u
}
