package invindex_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/strata-db/strata/internal/testdb"
	"github.com/strata-db/strata/invindex"
	"github.com/strata-db/strata/layer"
)

// A document whose postings (each keyed by the whole id), statistics and,
// on reindex, cleared old postings would pass FoundationDB's 10 MB
// transaction limit fails with ErrDocumentTooLarge, not 2101, and writes
// nothing.
func TestDocumentTransactionBytes(t *testing.T) {
	db := testdb.Open(t)
	ix, err := invindex.New(testdb.Subspace(t, db), invindex.Options{})
	if err != nil {
		t.Fatal(err)
	}
	text := func(terms int) string {
		var sb strings.Builder
		for i := range terms {
			fmt.Fprintf(&sb, "w%x ", i)
		}
		return sb.String()
	}
	index := func(id, text string) error {
		_, err := layer.Transact(ctx, db, func(tx layer.Tx) (any, error) { return nil, ix.Index(tx, id, text) })
		return err
	}
	tooLarge := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, invindex.ErrDocumentTooLarge) {
			t.Fatalf("%s: %v, want ErrDocumentTooLarge", what, err)
		}
		if !strings.Contains(err.Error(), fmt.Sprint(invindex.MaxDocumentTxBytes)) {
			t.Errorf("%s: %q does not name the limit", what, err)
		}
	}
	// A 1000-byte id with 3,000 terms: too large at once.
	big := strings.Repeat("d", invindex.MaxDocIDSize)
	tooLarge("1000-byte id, 3000 terms", index(big, text(3000)))
	if _, err := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) (invindex.Document, error) { return ix.Document(tx, big) }); !errors.Is(err, invindex.ErrNotFound) {
		t.Errorf("refused document: Document = %v, want ErrNotFound", err)
	}
	// A 200-byte id with 6,000 terms indexes, but not again in one
	// transaction (its old postings are cleared too); removed first, it does.
	id := strings.Repeat("e", 200)
	if err := index(id, text(6000)); err != nil {
		t.Fatalf("200-byte id, 6000 terms: %v", err)
	}
	tooLarge("reindex", index(id, text(6000)+" extra"))
	if _, err := layer.Transact(ctx, db, func(tx layer.Tx) (bool, error) { return ix.Remove(tx, id) }); err != nil {
		t.Fatal(err)
	}
	if err := index(id, text(6000)+" extra"); err != nil {
		t.Fatalf("index after remove: %v", err)
	}
	// Smaller documents reindex.
	if err := index("small", text(2000)); err != nil {
		t.Fatal(err)
	}
	if err := index("small", text(2000)+" extra"); err != nil {
		t.Fatalf("reindex small: %v", err)
	}
}
