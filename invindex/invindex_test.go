package invindex_test

import (
	"errors"
	"math"
	"slices"
	"sync"
	"testing"

	"github.com/strata-db/strata/invindex"
	"github.com/strata-db/strata/layer"
)

// TestPStore is found's test_peace_search_store (asyncio-foundationdb,
// found/tests.py), ported. found scored a document by the sum of the
// keyword's counts; here the score is BM25, so the test checks the same
// hits in the same order, and that the score grows with the count.
func TestPStore(t *testing.T) {
	db, ix := newIndex(t, invindex.Options{})
	docs := []map[string]int{
		{"foundationdb": 1, "okvs": 2, "database": 42},
		{"sqlite": 1, "sql": 2, "database": 3},
		{"spam": 42},
	}
	for uid, doc := range docs {
		_, err := layer.Transact(ctx, db, func(tx layer.Tx) (any, error) {
			return nil, ix.IndexCounts(tx, string(rune('0'+uid)), doc)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	ids := func(h []invindex.Hit) []string {
		var out []string
		for _, x := range h {
			out = append(out, x.ID)
		}
		return out
	}
	opts := invindex.SearchOptions{Limit: 10}
	if got := ids(search(t, db, ix, "foundationdb", opts)); !slices.Equal(got, []string{"0"}) {
		t.Errorf("foundationdb: %v, want [0]", got)
	}
	if got := ids(search(t, db, ix, "spam", opts)); !slices.Equal(got, []string{"2"}) {
		t.Errorf("spam: %v, want [2]", got)
	}
	h := search(t, db, ix, "database", opts)
	if got := ids(h); !slices.Equal(got, []string{"0", "1"}) || !(h[0].Score > h[1].Score) {
		t.Errorf("database: %s, want 0 then 1", fmtHits(h))
	}
}

func TestIndexRemoveReindex(t *testing.T) {
	db, ix := newIndex(t, invindex.Options{})
	run := func(fn func(tx layer.Tx) error) {
		t.Helper()
		if _, err := layer.Transact(ctx, db, func(tx layer.Tx) (any, error) { return nil, fn(tx) }); err != nil {
			t.Fatal(err)
		}
	}
	run(func(tx layer.Tx) error {
		if err := ix.Index(tx, "a", "The quick brown fox"); err != nil {
			return err
		}
		return ix.Index(tx, "b", "the lazy dog, the DOG")
	})
	if h := search(t, db, ix, "fox", invindex.SearchOptions{}); len(h) != 1 || h[0].ID != "a" {
		t.Fatalf("fox: %s", fmtHits(h))
	}
	// reindex a: fox goes away, cat comes
	run(func(tx layer.Tx) error { return ix.Reindex(tx, "a", "a cat") })
	if h := search(t, db, ix, "fox", invindex.SearchOptions{}); len(h) != 0 {
		t.Fatalf("stale posting after reindex: %s", fmtHits(h))
	}
	if h := search(t, db, ix, "cat", invindex.SearchOptions{}); len(h) != 1 || h[0].ID != "a" {
		t.Fatalf("cat: %s", fmtHits(h))
	}
	st, df := stats(t, db, ix, "the")
	if st.Docs != 2 || st.TotalLength != 2+5 || df != 1 {
		t.Fatalf("stats %+v df(the)=%d", st, df)
	}
	var removed bool
	run(func(tx layer.Tx) (err error) { removed, err = ix.Remove(tx, "b"); return })
	if !removed {
		t.Fatal("Remove(b) = false")
	}
	run(func(tx layer.Tx) (err error) { removed, err = ix.Remove(tx, "b"); return })
	if removed {
		t.Fatal("second Remove(b) = true")
	}
	st, df = stats(t, db, ix, "dog")
	if st.Docs != 1 || st.TotalLength != 2 || df != 0 {
		t.Fatalf("after remove: stats %+v df(dog)=%d", st, df)
	}
	if h := search(t, db, ix, "dog", invindex.SearchOptions{}); len(h) != 0 {
		t.Fatalf("dog after remove: %s", fmtHits(h))
	}
	_, err := layer.Transact(ctx, db, func(tx layer.Tx) (any, error) { return nil, ix.Reindex(tx, "zzz", "x") })
	if !errors.Is(err, invindex.ErrNotFound) {
		t.Fatalf("Reindex of absent doc: %v", err)
	}
}

func stats(t *testing.T, db layer.DB, ix *invindex.Index, term string) (invindex.Stats, int64) {
	t.Helper()
	type r struct {
		s  invindex.Stats
		df int64
	}
	out, err := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) (r, error) {
		s, err := ix.Stats(tx)
		if err != nil {
			return r{}, err
		}
		df, err := ix.DocFreq(tx, term)
		return r{s, df}, err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.s, out.df
}

func TestEmptyAndErrors(t *testing.T) {
	db, ix := newIndex(t, invindex.Options{})
	if h := search(t, db, ix, "", invindex.SearchOptions{}); len(h) != 0 {
		t.Fatal("empty query on empty index")
	}
	indexAll(t, db, ix, []corpusDoc{{"x", "hello world"}}, 10)
	if h := search(t, db, ix, "  ,; ", invindex.SearchOptions{}); len(h) != 0 {
		t.Fatal("empty query")
	}
	if h := search(t, db, ix, "hello nothere", invindex.SearchOptions{Mode: invindex.And}); len(h) != 0 {
		t.Fatal("AND with unknown term")
	}
	if h := search(t, db, ix, "hello nothere", invindex.SearchOptions{}); len(h) != 1 {
		t.Fatal("OR with unknown term")
	}
	for _, o := range []invindex.SearchOptions{{Limit: -1}, {Offset: -1}, {Mode: 7}, {SetB: true, B: 2}} {
		_, err := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) ([]invindex.Hit, error) { return ix.Search(tx, "hello", o) })
		if !errors.Is(err, invindex.ErrInvalid) || err.Error()[:9] != "invindex:" {
			t.Errorf("%+v: %v", o, err)
		}
	}
	_, err := layer.Transact(ctx, db, func(tx layer.Tx) (any, error) {
		return nil, ix.IndexCounts(tx, "y", map[string]int{"a": 0})
	})
	if !errors.Is(err, invindex.ErrInvalid) {
		t.Errorf("zero count: %v", err)
	}
	_, err = layer.Transact(ctx, db, func(tx layer.Tx) (any, error) { return nil, ix.Index(tx, "", "a") })
	if !errors.Is(err, invindex.ErrInvalid) {
		t.Errorf("empty id: %v", err)
	}
}

func TestTokenize(t *testing.T) {
	got := invindex.Tokenize("Crème-Brûlée x86_64 ΑΘΉΝΑ 東京")
	want := []string{"crème", "brûlée", "x86", "64", "αθήνα", "東京"}
	if !slices.Equal(got, want) {
		t.Fatalf("%q, want %q", got, want)
	}
	sw := invindex.WithStopWords(invindex.Tokenize, invindex.EnglishStopWords)
	if got := sw("The cat and the hat"); !slices.Equal(got, []string{"cat", "hat"}) {
		t.Fatalf("stop words: %q", got)
	}
}

// TestConcurrentIndexing indexes from several goroutines at once, each
// document in its own transaction, and checks that the statistics are
// exact and that transactions did not conflict on the statistics keys.
func TestConcurrentIndexing(t *testing.T) {
	db, ix := newIndex(t, invindex.Options{})
	docs := dpkgCorpus(t)
	if len(docs) > 400 {
		docs = docs[:400]
	}
	var mu sync.Mutex
	attempts := 0
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Go(func() {
			for i := w; i < len(docs); i += 8 {
				d := docs[i]
				_, err := layer.Transact(ctx, db, func(tx layer.Tx) (any, error) {
					mu.Lock()
					attempts++
					mu.Unlock()
					return nil, ix.Index(tx, d.id, d.text)
				})
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var total int64
	df := map[string]int64{}
	for _, d := range docs {
		terms := invindex.Tokenize(d.text)
		total += int64(len(terms))
		for term := range invindex.Count(terms) {
			df[term]++
		}
	}
	st, dfDB := stats(t, db, ix, "the")
	if st.Docs != int64(len(docs)) || st.TotalLength != total || dfDB != df["the"] {
		t.Fatalf("stats %+v df(the)=%d, want %d %d %d", st, dfDB, len(docs), total, df["the"])
	}
	if retries := attempts - len(docs); retries > 0 {
		t.Errorf("%d retries for %d documents: statistics keys conflict", retries, len(docs))
	}
	t.Logf("%d documents, %d attempts", len(docs), attempts)
}

func TestPagination(t *testing.T) {
	db, ix := newIndex(t, invindex.Options{})
	indexAll(t, db, ix, dpkgCorpus(t), 200)
	for _, mode := range []invindex.Mode{invindex.Or, invindex.And} {
		all := search(t, db, ix, "library development files", invindex.SearchOptions{Mode: mode, Limit: 60})
		var paged []invindex.Hit
		for off := 0; off < 60; off += 7 {
			paged = append(paged, search(t, db, ix, "library development files", invindex.SearchOptions{Mode: mode, Offset: off, Limit: 7})...)
		}
		paged = paged[:min(len(paged), 60)]
		if !slices.Equal(all, paged) {
			t.Fatalf("mode %d: paged %s\nwant %s", mode, fmtHits(paged), fmtHits(all))
		}
		// across transactions, a few postings per transaction
		multi, err := ix.SearchDB(ctx, db, "library development files", invindex.SearchOptions{Mode: mode, Limit: 60}, 5)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(all, multi) {
			t.Fatalf("mode %d: SearchDB %s\nwant %s", mode, fmtHits(multi), fmtHits(all))
		}
	}
	_ = math.Inf
}
