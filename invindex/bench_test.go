package invindex_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/strata-db/strata/internal/testdb"
	"github.com/strata-db/strata/invindex"
	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/subspace"
	"github.com/strata-db/strata/layer/tuple"
)

// benchDocs is the dpkg corpus repeated and perturbed to n documents:
// copy j of a description drops every (j%5+2)-th word and rotates the
// rest by j words, so that copies differ in length and counts.
func benchDocs(t testing.TB, n int) []corpusDoc {
	base := dpkgCorpus(t)
	out := make([]corpusDoc, 0, n)
	for i := range n {
		d := base[i%len(base)]
		j := i / len(base)
		words := strings.Fields(d.text)
		var kept []string
		for w, word := range words {
			if j == 0 || (w+1)%(j%5+2) != 0 {
				kept = append(kept, word)
			}
		}
		if len(kept) > 0 {
			r := j % len(kept)
			kept = append(kept[r:], kept[:r]...)
		}
		out = append(out, corpusDoc{fmt.Sprintf("%s/%d", d.id, j), strings.Join(kept, " ")})
	}
	return out
}

const benchN = 50_000

var bench struct {
	once sync.Once
	db   layer.DB
	ix   *invindex.Index
}

// benchIndex builds the 50,000-document index once, only when a
// benchmark asks for it.
func benchIndex(b *testing.B) (layer.DB, *invindex.Index) {
	bench.once.Do(func() {
		// not testdb.Open: the index outlives the benchmark that builds it
		db, err := layer.Open(ctx, testdb.URL())
		if err != nil {
			b.Fatal(err)
		}
		ix, _ := invindex.New(subspace.FromTuple(tuple.Tuple{"strata-test", "invindex-bench", time.Now().UnixNano()}), invindex.Options{})
		start := time.Now()
		indexAll(b, db, ix, benchDocs(b, benchN), 200)
		b.Logf("indexed %d documents in %v", benchN, time.Since(start))
		bench.db, bench.ix = db, ix
	})
	return bench.db, bench.ix
}

func BenchmarkIndex(b *testing.B) {
	docs := benchDocs(b, 10_000)
	db, ix := newIndex(b, invindex.Options{})
	const batch = 100
	i := 0
	for b.Loop() {
		part := make([]corpusDoc, batch)
		for k := range part {
			d := docs[(i+k)%len(docs)]
			part[k] = corpusDoc{fmt.Sprintf("%s#%d", d.id, (i+k)/len(docs)), d.text}
		}
		i += batch
		indexAll(b, db, ix, part, batch)
	}
	b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "docs/s")
}

func benchQuery(b *testing.B, queries []string, mode invindex.Mode) {
	db, ix := benchIndex(b)
	i := 0
	for b.Loop() {
		search(b, db, ix, queries[i%len(queries)], invindex.SearchOptions{Mode: mode, Limit: 10})
		i++
	}
}

var (
	q1 = []string{"library", "python", "perl", "utilities", "gnu", "data", "files", "kernel"}
	q2 = []string{"shared library", "python module", "development files", "command line", "perl module", "gnu utilities"}
	q5 = []string{"shared library for development files", "python module for data processing",
		"command line tools for gnu utilities", "perl module to parse xml files", "kernel headers for building modules"}
)

func BenchmarkQuery1TermOr(b *testing.B)  { benchQuery(b, q1, invindex.Or) }
func BenchmarkQuery2TermOr(b *testing.B)  { benchQuery(b, q2, invindex.Or) }
func BenchmarkQuery2TermAnd(b *testing.B) { benchQuery(b, q2, invindex.And) }
func BenchmarkQuery5TermOr(b *testing.B)  { benchQuery(b, q5, invindex.Or) }
func BenchmarkQuery5TermAnd(b *testing.B) { benchQuery(b, q5, invindex.And) }
