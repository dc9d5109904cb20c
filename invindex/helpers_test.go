package invindex_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/strata-db/strata/internal/testdb"
	"github.com/strata-db/strata/invindex"
	"github.com/strata-db/strata/layer"
)

var ctx = context.Background()

type corpusDoc struct{ id, text string }

// dpkgCorpus reads the Debian package descriptions of the machine:
// one document per package, its id the package name, its text the
// package name and its Description (first line and continuation lines).
func dpkgCorpus(t testing.TB) []corpusDoc {
	f, err := os.Open("/var/lib/dpkg/status")
	if err != nil {
		t.Skipf("no dpkg status: %v", err)
	}
	defer f.Close()
	var out []corpusDoc
	seen := map[string]bool{}
	var name string
	var desc strings.Builder
	inDesc := false
	flush := func() {
		if name != "" && !seen[name] && desc.Len() > 0 {
			seen[name] = true
			out = append(out, corpusDoc{name, name + " " + desc.String()})
		}
		name, inDesc = "", false
		desc.Reset()
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			flush()
		case strings.HasPrefix(line, "Package: "):
			name = strings.TrimPrefix(line, "Package: ")
		case strings.HasPrefix(line, "Description: "):
			desc.WriteString(strings.TrimPrefix(line, "Description: "))
			inDesc = true
		case inDesc && strings.HasPrefix(line, " "):
			desc.WriteString("\n" + line)
		default:
			inDesc = false
		}
	}
	flush()
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) < 100 {
		t.Skipf("dpkg corpus too small: %d packages", len(out))
	}
	return out
}

func newIndex(t testing.TB, opts invindex.Options) (layer.DB, *invindex.Index) {
	db := testdb.Open(t)
	ix, err := invindex.New(testdb.Subspace(t, db), opts)
	if err != nil {
		t.Fatal(err)
	}
	return db, ix
}

func indexAll(t testing.TB, db layer.DB, ix *invindex.Index, docs []corpusDoc, batch int) {
	for i := 0; i < len(docs); i += batch {
		part := docs[i:min(i+batch, len(docs))]
		_, err := layer.Transact(ctx, db, func(tx layer.Tx) (struct{}, error) {
			for _, d := range part {
				if err := ix.Index(tx, d.id, d.text); err != nil {
					return struct{}{}, err
				}
			}
			return struct{}{}, nil
		})
		if err != nil {
			t.Fatalf("indexing: %v", err)
		}
	}
}

func search(t testing.TB, db layer.DB, ix *invindex.Index, q string, opts invindex.SearchOptions) []invindex.Hit {
	t.Helper()
	hits, err := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) ([]invindex.Hit, error) {
		return ix.Search(tx, q, opts)
	})
	if err != nil {
		t.Fatalf("search %q: %v", q, err)
	}
	return hits
}

func fmtHits(h []invindex.Hit) string {
	var b strings.Builder
	for _, x := range h {
		fmt.Fprintf(&b, "%s:%.6g ", x.ID, x.Score)
	}
	return b.String()
}
