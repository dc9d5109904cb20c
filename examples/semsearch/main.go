// Command semsearch is semantic search and near-duplicate detection with
// the vector layer: each document of a small built-in corpus is stored as
// an eav document and, in the same transaction, as an embedding in a
// vector index; queries return the nearest documents (top-k, filtered by
// topic), and near-duplicates are the pairs of documents whose embeddings
// are closer than a cosine threshold.
//
//	go run ./examples/semsearch [-db mem:] [-workers 8] [-threshold 0.9]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"slices"
	"strings"
	"sync"
	"unicode"

	"github.com/strata-db/strata/eav"
	"github.com/strata-db/strata/examples/internal/example"
	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/subspace"
	"github.com/strata-db/strata/layer/tuple"
	"github.com/strata-db/strata/vector"
)

func main() {
	workers := flag.Int("workers", 8, "concurrent writers")
	threshold := flag.Float64("threshold", 0.9, "cosine similarity above which two documents are near-duplicates")
	example.Main(func(ctx context.Context, db layer.DB, out io.Writer) error {
		return run(ctx, db, out, *workers, *threshold)
	})
}

// Dims is the embedding's dimension.
const Dims = 128

// seed fixes the random projection: the same text always embeds to the
// same vector, on every machine and in every run.
const seed = 0x5eed_2024

var stopwords = map[string]bool{}

func init() {
	for w := range strings.FieldsSeq("a an and are as at be before by for from in into is it its of on or so that the their them then they this to until very when with your all not none") {
		stopwords[w] = true
	}
}

// Embed turns text into a unit vector of Dims float32s. It is a hashed
// bag of words and character trigrams under a fixed random projection:
//
//   - the text is lowercased and split into words (letters and digits);
//     stopwords are dropped;
//   - each word is a feature of weight 1, and each trigram of the word
//     padded as "<word>" a feature of weight 0.25, so that "runs" and
//     "runners" share something;
//   - each feature is hashed (FNV-1a, 64 bits) and the hash, with seed,
//     generates a pseudo-random ±1 vector of Dims entries (splitmix64):
//     that vector is the feature's column of a fixed random projection
//     matrix, which is never stored;
//   - the embedding is the weighted sum of its features' columns,
//     normalised to length 1, so cosine similarity approximates the
//     cosine of the weighted feature counts (Johnson-Lindenstrauss).
//
// Text without a feature embeds to the zero vector, which a cosine index
// refuses (vector.ErrInvalidVector).
func Embed(text string) []float32 {
	acc := make([]float64, Dims)
	add := func(feature string, w float64) {
		h := fnv.New64a()
		h.Write([]byte(feature))
		x := h.Sum64() ^ seed
		for i := range acc {
			x += 0x9e3779b97f4a7c15
			z := x
			z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
			z = (z ^ (z >> 27)) * 0x94d049bb133111eb
			z ^= z >> 31
			if z&1 == 1 {
				acc[i] += w
			} else {
				acc[i] -= w
			}
		}
	}
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	for _, w := range words {
		if stopwords[w] {
			continue
		}
		add("w:"+w, 1)
		p := []rune("<" + w + ">")
		for i := 0; i+3 <= len(p); i++ {
			add("g:"+string(p[i:i+3]), 0.25)
		}
	}
	var n float64
	for _, v := range acc {
		n += v * v
	}
	v := make([]float32, Dims)
	if n == 0 {
		return v
	}
	n = math.Sqrt(n)
	for i, a := range acc {
		v[i] = float32(a / n)
	}
	return v
}

// Library keeps documents in an eav store and their embeddings in a
// vector index, keyed by the same id.
type Library struct {
	docs *eav.Store
	ix   *vector.Index
}

// Add stores a document and its embedding in the caller's transaction:
// both commit, or neither does.
func (l Library) Add(tx layer.Tx, d doc) error {
	if err := l.docs.CreateWithID(tx, d.ID, eav.Document{"topic": d.Topic, "text": d.Text}); err != nil {
		return err
	}
	return l.ix.Put(tx, d.ID, Embed(d.Text), map[string]any{"topic": d.Topic})
}

// Hit is a search result with its document's text.
type Hit struct {
	ID    string
	Score float64
	Text  string
}

// Search returns the k documents nearest to query whose metadata matches
// filter (nil: all), with their text read from the eav store in the same
// transaction.
func (l Library) Search(tx layer.ReadTx, query string, k int, filter *vector.Filter) ([]Hit, error) {
	rs, err := l.ix.Search(tx, Embed(query), vector.SearchOptions{K: k, Filter: filter})
	if err != nil {
		return nil, err
	}
	hits := make([]Hit, len(rs))
	for i, r := range rs {
		d, err := l.docs.Get(tx, r.Key)
		if err != nil {
			return nil, err
		}
		hits[i] = Hit{r.Key, r.Score, d["text"].(string)}
	}
	return hits, nil
}

// Pair is two near-duplicate documents, A < B, and their similarity.
type Pair struct {
	A, B  string
	Score float64
}

// NearDuplicates finds every pair of documents whose cosine similarity is
// at least threshold: it searches each document's own vector for its
// nearest neighbours (the first is the document itself) and keeps each
// pair once.
func (l Library) NearDuplicates(ctx context.Context, db layer.DB, ids []string, threshold float64) ([]Pair, error) {
	seen := map[[2]string]bool{}
	var pairs []Pair
	for _, id := range ids {
		rs, err := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) ([]vector.Result, error) {
			it, err := l.ix.Get(tx, id, true)
			if err != nil {
				return nil, err
			}
			return l.ix.Search(tx, it.Vector, vector.SearchOptions{K: 4})
		})
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			if r.Key == id || r.Score < threshold {
				continue
			}
			k := [2]string{min(id, r.Key), max(id, r.Key)}
			if !seen[k] {
				seen[k] = true
				pairs = append(pairs, Pair{k[0], k[1], r.Score})
			}
		}
	}
	slices.SortFunc(pairs, func(a, b Pair) int { return strings.Compare(a.A+" "+a.B, b.A+" "+b.B) })
	return pairs, nil
}

// query is a semantic query: text, and a metadata filter in JSON (empty:
// none).
type query struct{ text, filter string }

var queries = []query{
	{"retry conflicting writes at commit time", ""},
	{"knead and bake bread dough", `{"topic": "cooking"}`},
	{"stars and galaxies", `{"topic": {"$in": ["astronomy", "travel"]}}`},
	{"runners train for a long race", `{"topic": {"$ne": "travel"}}`},
	{"feed the soil with compost", `{"topic": "gardening"}`},
}

func run(ctx context.Context, db layer.DB, out io.Writer, workers int, threshold float64) error {
	root := subspace.FromTuple(tuple.Tuple{"examples", "semsearch"})
	b := vector.New(root.Sub("vectors"))
	ix, err := layer.Transact(ctx, db, func(tx layer.Tx) (*vector.Index, error) {
		// NProbe = NList: on 50 documents an ivf search probes every list
		// (exact results); a real corpus probes a few of many.
		return b.CreateIndex(tx, "docs", vector.IndexSpec{Dims: Dims, Metric: vector.Cosine, Kind: vector.IVF, NList: 4, NProbe: 4})
	})
	if err != nil {
		return err
	}
	lib := Library{docs: eav.New(root.Sub("docs")), ix: ix}

	// Concurrent writers: each document and its vector in one transaction.
	work := make(chan doc)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for d := range work {
				if _, err := layer.Transact(ctx, db, func(tx layer.Tx) (struct{}, error) {
					return struct{}{}, lib.Add(tx, d)
				}); err != nil {
					errs <- fmt.Errorf("add %s: %w", d.ID, err)
					return
				}
			}
		})
	}
	for _, d := range corpus {
		work <- d
	}
	close(work)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}

	// Atomicity: a document whose text has no feature embeds to the zero
	// vector, which the cosine index refuses. The eav document written
	// before it in the same transaction is not committed either.
	bad := doc{"empty-01", "misc", "and the of it"}
	_, err = layer.Transact(ctx, db, func(tx layer.Tx) (struct{}, error) {
		return struct{}{}, lib.Add(tx, bad)
	})
	if !errors.Is(err, vector.ErrInvalidVector) {
		return fmt.Errorf("add %s: got %v, want vector.ErrInvalidVector", bad.ID, err)
	}
	type counts struct {
		docs          int
		vectors       int64
		badDoc, badVe bool
	}
	c, err := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) (counts, error) {
		var c counts
		for _, err := range lib.docs.Query(tx, eav.QueryOptions{}).All() {
			if err != nil {
				return c, err
			}
			c.docs++
		}
		st, err := ix.Stats(tx)
		if err != nil {
			return c, err
		}
		c.vectors = st.Count
		if c.badDoc, err = lib.docs.Exists(tx, bad.ID); err != nil {
			return c, err
		}
		_, err = ix.Get(tx, bad.ID, false)
		c.badVe = err == nil
		if err != nil && !errors.Is(err, vector.ErrNotFound) {
			return c, err
		}
		return c, nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "stored: %d documents, %d vectors\n", c.docs, c.vectors)
	fmt.Fprintf(out, "failed add of %s: document stored %t, vector stored %t\n", bad.ID, c.badDoc, c.badVe)
	if c.docs != len(corpus) || c.vectors != int64(len(corpus)) || c.badDoc || c.badVe {
		return fmt.Errorf("documents and vectors disagree: %+v", c)
	}

	tr, err := ix.Train(ctx, db, vector.TrainOptions{Seed: 1})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "trained: %d lists, %d vectors moved\n", tr.Lists, tr.Moved)

	for _, q := range queries {
		var f *vector.Filter
		if q.filter != "" {
			if f, err = vector.ParseFilterJSON([]byte(q.filter)); err != nil {
				return err
			}
		}
		hits, err := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) ([]Hit, error) {
			return lib.Search(tx, q.text, 3, f)
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "\nquery %q", q.text)
		if q.filter != "" {
			fmt.Fprintf(out, " filter %s", q.filter)
		}
		fmt.Fprintln(out)
		for _, h := range hits {
			fmt.Fprintf(out, "  %-10s %.3f  %s\n", h.ID, h.Score, h.Text)
		}
	}

	ids := make([]string, len(corpus))
	for i, d := range corpus {
		ids[i] = d.ID
	}
	pairs, err := lib.NearDuplicates(ctx, db, ids, threshold)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\nnear-duplicates (cosine >= %.2f):\n", threshold)
	for _, p := range pairs {
		fmt.Fprintf(out, "  %s %s %.3f\n", p.A, p.B, p.Score)
	}
	return nil
}
