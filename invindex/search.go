package invindex

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/strata-db/strata/layer"
)

// Mode says which documents a query matches.
type Mode int

const (
	// Or matches documents that hold any of the query's terms.
	Or Mode = iota
	// And matches documents that hold all of them.
	And
)

// DefaultLimit is the number of hits Search returns when Limit is 0.
const DefaultLimit = 10

// SearchOptions shape a search.
type SearchOptions struct {
	// Mode is Or (the default) or And.
	Mode Mode
	// Limit is the number of hits to return (0: DefaultLimit).
	Limit int
	// Offset skips that many of the best hits first (pagination: page p
	// of size n is Offset p*n, Limit n). The evaluation keeps
	// Offset+Limit hits.
	Offset int
	// K1 and B override the index's BM25 parameters when K1 > 0 or
	// SetB is true.
	K1   float64
	B    float64
	SetB bool
}

// Hit is a matching document and its BM25 score.
type Hit struct {
	ID    string
	Score float64
}

// IDF is the inverse document frequency used, Lucene's BM25 IDF, which is
// never negative: ln(1 + (N - df + 0.5) / (df + 0.5)).
func IDF(n, df int64) float64 {
	return math.Log(1 + (float64(n)-float64(df)+0.5)/(float64(df)+0.5))
}

// TermScore is one term's BM25 contribution to a document's score:
// idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl)).
func TermScore(idf float64, tf, dl int, avgdl, k1, b float64) float64 {
	ftf := float64(tf)
	return idf * (ftf * (k1 + 1)) / (ftf + k1*(1-b+b*float64(dl)/avgdl))
}

// upperBound bounds TermScore over the term's postings. TermScore grows
// with tf and shrinks with dl, and dl >= tf, so it is at most
// TermScore(idf, maxTF, maxTF, ...), which grows with maxTF. It is raised
// by a relative 1e-9 to absorb rounding.
func upperBound(idf float64, maxTF int, avgdl, k1, b float64) float64 {
	return TermScore(idf, maxTF, maxTF, avgdl, k1, b) * (1 + 1e-9)
}

// Search returns the documents that best match query (analyzed with the
// index's analyzer), best first, by BM25 score, ties by document id in
// ascending byte order. The result is exact and deterministic. An empty
// query (or one whose terms are all unknown, in And mode any unknown)
// returns no hits and no error. Search reads the posting lists inside tx;
// for lists too long for one transaction's five seconds use SearchDB.
func (ix *Index) Search(tx layer.ReadTx, query string, opts SearchOptions) ([]Hit, error) {
	return ix.SearchTerms(tx, ix.opts.Analyzer(query), opts)
}

// SearchTerms is Search with terms taken as given (repeats count once).
func (ix *Index) SearchTerms(tx layer.ReadTx, terms []string, opts SearchOptions) ([]Hit, error) {
	st, err := ix.begin(terms, opts)
	if err != nil || st == nil {
		return nil, err
	}
	if _, err := ix.run(tx, st, 0); err != nil {
		return nil, err
	}
	return st.result(), nil
}

// SearchDB runs a search over as many transactions as it needs: each
// reads at most budget postings (0: 100,000) and hands its place in the
// document order to the next. The statistics (N, avgdl, df, max tf) are
// those of the first transaction; each stretch of documents is read at
// the version of the transaction that read it, so a search that spans
// transactions while documents change is exact for no single version.
func (ix *Index) SearchDB(ctx context.Context, db layer.DB, query string, opts SearchOptions, budget int) ([]Hit, error) {
	if budget <= 0 {
		budget = 100_000
	}
	st, err := ix.begin(ix.opts.Analyzer(query), opts)
	if err != nil || st == nil {
		return nil, err
	}
	for {
		next, err := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) (*state, error) {
			s := st.clone()
			done, err := ix.run(tx, s, budget)
			if err != nil {
				return nil, err
			}
			if done {
				s.done = true
			}
			return s, nil
		})
		if err != nil {
			return nil, err
		}
		st = next
		if st.done {
			return st.result(), nil
		}
	}
}

// state is an evaluation in progress: what survives between transactions.
type state struct {
	terms    []string
	mode     Mode
	k        int
	offset   int
	k1, b    float64
	statsSet bool
	n        int64
	avgdl    float64
	idf      []float64
	ub       []float64
	df       []int64
	top      []Hit // a min-heap by worse-first order
	last     string
	started  bool
	// undecided: last itself is not decided yet (And stopped at a
	// candidate), so the next transaction starts at it, not after it
	undecided bool
	done      bool
	reads     int // postings read, over all transactions
}

func (s *state) clone() *state {
	c := *s
	c.top = slices.Clone(s.top)
	return &c
}

func (ix *Index) begin(terms []string, opts SearchOptions) (*state, error) {
	if opts.Limit < 0 || opts.Offset < 0 {
		return nil, fmt.Errorf("%w: limit %d, offset %d (want >= 0)", ErrInvalid, opts.Limit, opts.Offset)
	}
	if opts.Mode != Or && opts.Mode != And {
		return nil, fmt.Errorf("%w: mode %d", ErrInvalid, opts.Mode)
	}
	k1, b := ix.opts.K1, ix.opts.B
	if opts.K1 > 0 {
		k1 = opts.K1
	}
	if opts.SetB {
		b = opts.B
	}
	if err := checkParams(k1, b); err != nil {
		return nil, err
	}
	limit := opts.Limit
	if limit == 0 {
		limit = DefaultLimit
	}
	uniq := slices.Clone(terms)
	slices.Sort(uniq)
	uniq = slices.Compact(uniq)
	for _, t := range uniq {
		if t == "" || len(t) > MaxTermSize {
			return nil, fmt.Errorf("%w: query term of %d bytes", ErrInvalid, len(t))
		}
	}
	if len(uniq) == 0 {
		return nil, nil
	}
	return &state{terms: uniq, mode: opts.Mode, k: opts.Offset + limit, offset: opts.Offset, k1: k1, b: b}, nil
}

func (s *state) result() []Hit {
	out := slices.Clone(s.top)
	slices.SortFunc(out, func(x, y Hit) int {
		if c := cmp.Compare(y.Score, x.Score); c != 0 {
			return c
		}
		return cmp.Compare(x.ID, y.ID)
	})
	if s.offset >= len(out) {
		return []Hit{}
	}
	return out[s.offset:]
}

// worse reports whether x ranks below y.
func worse(x, y Hit) bool {
	if x.Score != y.Score {
		return x.Score < y.Score
	}
	return x.ID > y.ID
}

func (s *state) threshold() (float64, bool) {
	if len(s.top) < s.k {
		return 0, false
	}
	return s.top[0].Score, true
}

func (s *state) offer(h Hit) {
	if len(s.top) < s.k {
		s.top = append(s.top, h)
		up(s.top, len(s.top)-1)
		return
	}
	if worse(s.top[0], h) {
		s.top[0] = h
		down(s.top, 0)
	}
}

func up(h []Hit, i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !worse(h[i], h[p]) {
			return
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
}

func down(h []Hit, i int) {
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		m := l
		if r := l + 1; r < len(h) && worse(h[r], h[l]) {
			m = r
		}
		if !worse(h[m], h[i]) {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

// loadStats reads N, the total length, and every term's df and max tf,
// issuing all reads before waiting on any.
func (ix *Index) loadStats(tx layer.ReadTx, s *state) error {
	want := layer.RangeOptions{Mode: layer.StreamingModeWantAll}
	statsRR := tx.GetRange(ix.statRange(), want)
	dfRR := make([]layer.RangeResult, len(s.terms))
	maxF := make([]layer.Future[[]byte], len(s.terms))
	for i, t := range s.terms {
		dfRR[i] = tx.GetRange(ix.dfRange(t), want)
		maxF[i] = tx.Get(ix.maxKey(t))
	}
	stats, err := ix.readStats(statsRR)
	if err != nil {
		return err
	}
	s.n, s.avgdl = stats.Docs, stats.AvgLength()
	s.idf = make([]float64, len(s.terms))
	s.ub = make([]float64, len(s.terms))
	s.df = make([]int64, len(s.terms))
	for i := range s.terms {
		df, err := sumRange(dfRR[i])
		if err != nil {
			return err
		}
		v, err := maxF[i].Get()
		if err != nil {
			return err
		}
		mx, err := readLE(v)
		if err != nil {
			return err
		}
		s.df[i] = df
		mx = max(mx, 1) // Index writes the max only above 1
		if df > 0 && s.n > 0 {
			s.idf[i] = IDF(s.n, df)
			s.ub[i] = upperBound(s.idf[i], int(mx), s.avgdl, s.k1, s.b)
		}
	}
	s.statsSet = true
	return nil
}

// run evaluates the query over the documents after s.last, reading at
// most budget postings (0: no limit) before stopping at a document
// boundary. It reports whether the evaluation is complete.
func (ix *Index) run(tx layer.ReadTx, s *state, budget int) (bool, error) {
	if !s.statsSet {
		if err := ix.loadStats(tx, s); err != nil {
			return false, err
		}
	}
	if s.n <= 0 {
		return true, nil
	}
	var curs []*cursor
	for i, t := range s.terms {
		if s.df[i] == 0 {
			if s.mode == And {
				return true, nil
			}
			continue
		}
		c := &cursor{ix: ix, tx: tx, term: t, idx: i, rng: ix.postingRange(t), page: 16}
		c.prefix = len(c.rng.Begin) - 1
		if s.started && s.undecided {
			c.fetch(layer.FirstGreaterOrEqual(ix.postingKey(t, s.last)))
		} else if s.started {
			c.fetch(layer.FirstGreaterThan(ix.postingKey(t, s.last)))
		} else {
			c.fetch(layer.FirstGreaterOrEqual(c.rng.Begin))
		}
		curs = append(curs, c)
	}
	if len(curs) == 0 {
		return true, nil
	}
	reads := func() int {
		n := 0
		for _, c := range curs {
			n += c.reads
		}
		return n
	}
	var done bool
	var err error
	if s.mode == And {
		done, err = ix.runAnd(s, curs, budget, reads)
	} else {
		done, err = ix.runOr(s, curs, budget, reads)
	}
	s.reads += reads()
	if err != nil {
		return false, err
	}
	return done, nil
}

func (s *state) score(c *cursor, p posting) float64 {
	return TermScore(s.idf[c.idx], p.tf, p.dl, s.avgdl, s.k1, s.b)
}

// finish sums the contributions in term order, so that a document's score
// does not depend on the order its terms were visited in.
func finish(contrib []float64) float64 {
	sum := 0.0
	for _, v := range contrib {
		sum += v
	}
	return sum
}

// runOr is MaxScore (Turtle and Flood): the lists sorted by upper bound;
// the longest prefix whose bounds sum to at most the current k-th score is
// non-essential: a document found only there cannot enter the top k, so
// candidates come from the essential lists, and the non-essential lists
// are only probed (by seeking) for candidates that can still make it.
func (ix *Index) runOr(s *state, curs []*cursor, budget int, reads func() int) (bool, error) {
	sort.SliceStable(curs, func(i, j int) bool { return s.ub[curs[i].idx] < s.ub[curs[j].idx] })
	prefix := make([]float64, len(curs))
	sum := 0.0
	for i, c := range curs {
		sum += s.ub[c.idx]
		prefix[i] = sum
	}
	contrib := make([]float64, len(s.terms))
	for {
		first := 0
		if th, full := s.threshold(); full {
			for first < len(curs) && prefix[first] <= th {
				first++
			}
		}
		if first == len(curs) {
			return true, nil
		}
		// candidate: the smallest document among the essential lists
		var d string
		found := false
		for _, c := range curs[first:] {
			p, ok, err := c.cur()
			if err != nil {
				return false, err
			}
			if ok && (!found || p.doc < d) {
				d, found = p.doc, true
			}
		}
		if !found {
			return true, nil
		}
		clear(contrib)
		partial := 0.0
		for _, c := range curs[first:] {
			p, ok, _ := c.cur()
			if ok && p.doc == d {
				v := s.score(c, p)
				contrib[c.idx] = v
				partial += v
				if err := c.next(); err != nil {
					return false, err
				}
			}
		}
		th, full := s.threshold()
		keep := true
		for i := first - 1; i >= 0; i-- {
			if full && partial+prefix[i] <= th {
				keep = false
				break
			}
			c := curs[i]
			p, ok, err := c.seek(d)
			if err != nil {
				return false, err
			}
			if ok && p.doc == d {
				v := s.score(c, p)
				contrib[c.idx] = v
				partial += v
			}
		}
		if keep {
			s.offer(Hit{ID: d, Score: finish(contrib)})
		}
		s.last, s.started, s.undecided = d, true, false
		if budget > 0 && reads() >= budget {
			return false, nil
		}
	}
}

// runAnd intersects the lists, shortest first: the shortest proposes a
// document, the others seek to it, and a list that lands past it proposes
// the next candidate (leapfrogging).
func (ix *Index) runAnd(s *state, curs []*cursor, budget int, reads func() int) (bool, error) {
	sort.SliceStable(curs, func(i, j int) bool { return s.df[curs[i].idx] < s.df[curs[j].idx] })
	total := 0.0
	for _, c := range curs {
		total += s.ub[c.idx]
	}
	contrib := make([]float64, len(s.terms))
	p0, ok, err := curs[0].cur()
	if err != nil || !ok {
		return true, err
	}
	d := p0.doc
	for {
		if th, full := s.threshold(); full && total <= th {
			return true, nil
		}
		match := true
		for _, c := range curs {
			p, ok, err := c.seek(d)
			if err != nil {
				return false, err
			}
			if !ok {
				return true, nil
			}
			if p.doc != d {
				d, match = p.doc, false
				break
			}
		}
		if !match {
			if budget > 0 && reads() >= budget {
				s.last, s.started, s.undecided = d, true, true
				return false, nil
			}
			continue
		}
		clear(contrib)
		for _, c := range curs {
			p, _, _ := c.cur()
			contrib[c.idx] = s.score(c, p)
		}
		s.offer(Hit{ID: d, Score: finish(contrib)})
		s.last, s.started, s.undecided = d, true, false
		if err := curs[0].next(); err != nil {
			return false, err
		}
		p, ok, err := curs[0].cur()
		if err != nil || !ok {
			return true, err
		}
		d = p.doc
		if budget > 0 && reads() >= budget {
			return false, nil
		}
	}
}
