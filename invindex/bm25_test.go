package invindex_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/strata-db/strata/internal/testdb"
	"github.com/strata-db/strata/invindex"
)

// reference is a straightforward BM25, written apart from the package:
// it scores every document of the corpus from its raw token counts.
type reference struct {
	ids    []string
	counts []map[string]int
	length []int
	df     map[string]int
	avgdl  float64
}

func newReference(docs []corpusDoc) *reference {
	r := &reference{df: map[string]int{}}
	total := 0
	for _, d := range docs {
		c := map[string]int{}
		n := 0
		for _, tok := range invindex.Tokenize(d.text) {
			c[tok]++
			n++
		}
		for tok := range c {
			r.df[tok]++
		}
		r.ids = append(r.ids, d.id)
		r.counts = append(r.counts, c)
		r.length = append(r.length, n)
		total += n
	}
	r.avgdl = float64(total) / float64(len(docs))
	return r
}

type refHit struct {
	id    string
	score float64
}

func (r *reference) search(terms []string, and bool, k1, b float64, k int) []refHit {
	uniq := slices.Clone(terms)
	slices.Sort(uniq)
	uniq = slices.Compact(uniq)
	N := float64(len(r.ids))
	var hits []refHit
	for i := range r.ids {
		score, matched := 0.0, 0
		for _, q := range uniq {
			tf := float64(r.counts[i][q])
			if tf == 0 {
				continue
			}
			matched++
			df := float64(r.df[q])
			idf := math.Log(1 + (N-df+0.5)/(df+0.5))
			score += idf * tf * (k1 + 1) / (tf + k1*(1-b+b*float64(r.length[i])/r.avgdl))
		}
		if matched == 0 || (and && matched < len(uniq)) {
			continue
		}
		hits = append(hits, refHit{r.ids[i], score})
	}
	sort.Slice(hits, func(i, j int) bool {
		if hits[i].score != hits[j].score {
			return hits[i].score > hits[j].score
		}
		return hits[i].id < hits[j].id
	})
	return hits[:min(k, len(hits))]
}

// TestBM25MatchesReference indexes the Debian package descriptions and
// checks, for 200 random 1- to 3-term queries drawn from the corpus's
// vocabulary, in both modes and for two (k1, b), that the hits and scores
// equal the reference's to within 1e-9 relative, and that a second run
// returns the identical ranking, as does an index of the same corpus
// built in the reverse order (and, for every tenth query, that SearchDB
// reading 50 postings per transaction returns it too).
func TestBM25MatchesReference(t *testing.T) {
	docs := dpkgCorpus(t)
	db, ix := newIndex(t, invindex.Options{})
	indexAll(t, db, ix, docs, 250)
	ref := newReference(docs)
	// the same corpus indexed in the reverse order, in other batches:
	// the hits must be identical, bit for bit
	rev := slices.Clone(docs)
	slices.Reverse(rev)
	ix2, err := invindex.New(testdb.Subspace(t, db).Sub("reverse"), invindex.Options{})
	if err != nil {
		t.Fatal(err)
	}
	indexAll(t, db, ix2, rev, 37)
	vocab := make([]string, 0, len(ref.df))
	for w := range ref.df {
		vocab = append(vocab, w)
	}
	slices.Sort(vocab)
	// common words too, so that long lists and pruning are exercised
	var common []string
	for _, w := range vocab {
		if ref.df[w] > len(docs)/20 {
			common = append(common, w)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	const k = 10
	checked := 0
	for q := range 200 {
		n := 1 + rng.IntN(3)
		var terms []string
		for range n {
			if rng.IntN(2) == 0 && len(common) > 0 {
				terms = append(terms, common[rng.IntN(len(common))])
			} else {
				terms = append(terms, vocab[rng.IntN(len(vocab))])
			}
		}
		query := strings.Join(terms, " ")
		for _, p := range []struct{ k1, b float64 }{{1.2, 0.75}, {2.0, 0.3}} {
			for _, mode := range []invindex.Mode{invindex.Or, invindex.And} {
				opts := invindex.SearchOptions{Mode: mode, Limit: k, K1: p.k1, B: p.b, SetB: true}
				got := search(t, db, ix, query, opts)
				again := search(t, db, ix, query, opts)
				if !slices.Equal(got, again) {
					t.Fatalf("query %d %q: ranking differs between runs", q, query)
				}
				if other := search(t, db, ix2, query, opts); !slices.Equal(got, other) {
					t.Fatalf("query %q: index built in reverse order gives %s, want %s", query, fmtHits(other), fmtHits(got))
				}
				if q%10 == 0 {
					multi, err := ix.SearchDB(ctx, db, query, opts, 50)
					if err != nil {
						t.Fatal(err)
					}
					if !slices.Equal(got, multi) {
						t.Fatalf("query %q: SearchDB over transactions %s, want %s", query, fmtHits(multi), fmtHits(got))
					}
				}
				want := ref.search(invindex.Tokenize(query), mode == invindex.And, p.k1, p.b, k)
				if len(got) != len(want) {
					t.Fatalf("query %q mode %d: %d hits, want %d", query, mode, len(got), len(want))
				}
				for i := range want {
					g, w := got[i], want[i]
					if math.Abs(g.Score-w.score) > 1e-9*math.Abs(w.score) {
						t.Fatalf("query %q mode %d #%d: %s %.17g, want %s %.17g", query, mode, i, g.ID, g.Score, w.id, w.score)
					}
					if g.ID != w.id {
						// allowed only between scores equal within the tolerance
						if math.Abs(g.Score-w.score) > 1e-9*math.Abs(w.score) || !nearTie(want, i, g.ID) {
							t.Fatalf("query %q mode %d #%d: %s, want %s", query, mode, i, g.ID, w.id)
						}
					}
				}
				checked++
			}
		}
	}
	t.Logf("%d documents, %d query checks", len(docs), checked)
}

func nearTie(want []refHit, i int, id string) bool {
	for _, h := range want {
		if h.id == id {
			return math.Abs(h.score-want[i].score) <= 1e-9*want[i].score
		}
	}
	return true // tied with one just past the cut
}
