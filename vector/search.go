package vector

import (
	"bytes"
	"container/heap"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sort"
	"sync"

	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/tuple"
)

// DefaultNProbe is the number of lists an ivf search scans when neither
// the index nor the search names one.
const DefaultNProbe = 8

// DefaultPageSize is how many entries SearchDB reads per transaction.
const DefaultPageSize = 5000

// SearchOptions controls a search.
type SearchOptions struct {
	// K is the number of results, at least 1.
	K int
	// Filter keeps only vectors whose metadata matches; nil keeps all.
	Filter *Filter
	// NProbe is how many lists of a trained ivf index to scan; 0 means
	// the index's NProbe, else DefaultNProbe.
	NProbe int
	// Exact scans every vector of the index, whatever its kind: the
	// ground truth.
	Exact bool
	// WithVector puts each result's vector in Result.Vector.
	WithVector bool
	// Parallel is how many lists SearchDB reads at once, each in its own
	// transactions; 0 means GOMAXPROCS. Search ignores it.
	Parallel int
	// PageSize is how many entries SearchDB reads per transaction; 0
	// means DefaultPageSize. Search ignores it.
	PageSize int
}

// Result is one neighbour.
type Result struct {
	Key string
	// Distance is smaller for nearer vectors; Score is larger (see Metric).
	Distance float64
	Score    float64
	Metadata map[string]any
	// Vector is set with SearchOptions.WithVector.
	Vector []float32
}

// plan is what a search scans: its ranges, and how to measure.
type plan struct {
	in     IndexInfo
	q      []float32
	qnorm  float64
	ranges []layer.KeyRange
	opts   SearchOptions
	pfx    []byte // the index subspace's prefix
}

func (ix *Index) plan(tx layer.ReadTx, q []float32, opts SearchOptions) (*plan, error) {
	if opts.K < 1 {
		return nil, fmt.Errorf("%w: k must be at least 1, got %d", ErrSpec, opts.K)
	}
	in, cents, err := ix.state(tx)
	if err != nil {
		return nil, err
	}
	if err := checkVector(in, q, "query"); err != nil {
		return nil, err
	}
	p := &plan{in: in, q: q, qnorm: math.Sqrt(dotF(q, q)), opts: opts, pfx: ix.ss.Bytes()}
	switch {
	case opts.Exact || cents == nil:
		r, _ := ix.ss.RangeOf(tuple.Tuple{"l"})
		p.ranges = []layer.KeyRange{r}
	default:
		nprobe := opts.NProbe
		if nprobe == 0 {
			nprobe = in.NProbe
		}
		if nprobe == 0 {
			nprobe = DefaultNProbe
		}
		for _, l := range probe(in.Metric, cents, q, nprobe) {
			p.ranges = append(p.ranges, ix.listRange(in.Gen, int64(l)))
		}
		// Entries a training job has not moved yet: scanned in full.
		p.ranges = append(p.ranges, ix.staleRange(in.Gen))
	}
	return p, nil
}

// Search returns the opts.K vectors nearest q that match opts.Filter,
// nearest first (ties by key), reading in the caller's transaction. An
// exact or untrained index, or opts.Exact, scans every vector; a trained
// ivf index scans the opts.NProbe lists whose centroids are nearest q.
// For large scans use SearchDB, which pages across transactions.
func (ix *Index) Search(tx layer.ReadTx, q []float32, opts SearchOptions) ([]Result, error) {
	p, err := ix.plan(tx, q, opts)
	if err != nil {
		return nil, err
	}
	h := p.newTop()
	for _, r := range p.ranges {
		for kv, err := range tx.GetRange(r, layer.RangeOptions{Mode: layer.StreamingModeWantAll}).All() {
			if err != nil {
				return nil, err
			}
			if err := h.offer(kv); err != nil {
				return nil, err
			}
		}
	}
	return h.results(ix)
}

// SearchDB is Search run in its own transactions: it reads the index's
// definition in one, then scans each list in pages of opts.PageSize
// entries, each page in a transaction of its own, opts.Parallel lists at
// a time. Lists and pages are read at different versions, so a search
// that races writes may see some and not others; each vector is seen
// whole or not at all.
func (ix *Index) SearchDB(ctx context.Context, db layer.DB, q []float32, opts SearchOptions) ([]Result, error) {
	p, err := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) (*plan, error) { return ix.plan(tx, q, opts) })
	if err != nil {
		return nil, err
	}
	par := opts.Parallel
	if par <= 0 {
		par = runtime.GOMAXPROCS(0)
	}
	page := opts.PageSize
	if page <= 0 {
		page = DefaultPageSize
	}
	par = min(par, len(p.ranges))
	tops := make([]*top, len(p.ranges))
	errs := make([]error, len(p.ranges))
	work := make(chan int)
	var wg sync.WaitGroup
	for range par {
		wg.Go(func() {
			for i := range work {
				tops[i] = p.newTop()
				errs[i] = scanPaged(ctx, db, p.ranges[i], page, tops[i].offer)
			}
		})
	}
	for i := range p.ranges {
		work <- i
	}
	close(work)
	wg.Wait()
	h := p.newTop()
	for i, t := range tops {
		if errs[i] != nil {
			return nil, errs[i]
		}
		for _, c := range t.items {
			h.push(c)
		}
	}
	return h.results(ix)
}

// scanPaged reads r in pages of page entries, one transaction per page.
func scanPaged(ctx context.Context, db layer.DB, r layer.KeyRange, page int, fn func(layer.KeyValue) error) error {
	begin := r.Begin
	for {
		kvs, err := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) ([]layer.KeyValue, error) {
			return tx.GetRange(layer.KeyRange{Begin: begin, End: r.End},
				layer.RangeOptions{Limit: page, Mode: layer.StreamingModeWantAll}).Slice()
		})
		if err != nil {
			return err
		}
		for _, kv := range kvs {
			if err := fn(kv); err != nil {
				return err
			}
		}
		if len(kvs) < page {
			return nil
		}
		begin = append(bytes.Clone(kvs[len(kvs)-1].Key), 0)
	}
}

type cand struct {
	dist  float64
	key   string // decoded lazily: "" until needed
	ekey  []byte
	value []byte
}

// top keeps the k best candidates in a max-heap (worst first).
type top struct {
	p     *plan
	k     int
	items []cand
}

func (p *plan) newTop() *top { return &top{p: p, k: p.opts.K} }

func (t *top) Len() int { return len(t.items) }
func (t *top) Less(i, j int) bool {
	a, b := &t.items[i], &t.items[j]
	if a.dist != b.dist {
		return a.dist > b.dist
	}
	return a.key > b.key
}
func (t *top) Swap(i, j int) { t.items[i], t.items[j] = t.items[j], t.items[i] }
func (t *top) Push(x any)    { t.items = append(t.items, x.(cand)) }
func (t *top) Pop() any {
	c := t.items[len(t.items)-1]
	t.items = t.items[:len(t.items)-1]
	return c
}

// entryVectorKey decodes the vector key of a list entry's key, given
// without the index subspace's prefix: ("l", gen, list, key).
func entryVectorKey(ekey []byte) (string, error) {
	t, err := tuple.Unpack(ekey)
	if err != nil || len(t) != 4 {
		return "", fmt.Errorf("%w: entry key %x", ErrCorrupt, ekey)
	}
	s, ok := t[3].(string)
	if !ok {
		return "", fmt.Errorf("%w: entry key %x", ErrCorrupt, ekey)
	}
	return s, nil
}

func (t *top) keyOf(c *cand) error {
	if c.key != "" {
		return nil
	}
	k, err := entryVectorKey(c.ekey[len(t.p.prefix()):])
	c.key = k
	return err
}

func (p *plan) prefix() []byte { return p.pfx }

// offer considers one list entry.
func (t *top) offer(kv layer.KeyValue) error {
	p := t.p
	dims := p.in.Dims
	if len(kv.Value) < 4*dims {
		return fmt.Errorf("%w: entry of %d bytes", ErrCorrupt, len(kv.Value))
	}
	d := p.distance(kv.Value[:4*dims])
	c := cand{dist: d}
	if len(t.items) == t.k {
		w := &t.items[0]
		if d > w.dist {
			return nil
		}
		if d == w.dist {
			c.ekey = kv.Key
			if err := t.keyOf(&c); err != nil {
				return err
			}
			if err := t.keyOf(w); err != nil {
				return err
			}
			if c.key >= w.key {
				return nil
			}
		}
	}
	if p.opts.Filter != nil {
		md, err := decodeMetadata(kv.Value[4*dims:])
		if err != nil {
			return err
		}
		if !p.opts.Filter.Match(md) {
			return nil
		}
	}
	c.ekey = bytes.Clone(kv.Key)
	c.value = bytes.Clone(kv.Value)
	if err := t.keyOf(&c); err != nil {
		return err
	}
	t.push(c)
	return nil
}

func (t *top) push(c cand) {
	if len(t.items) < t.k {
		heap.Push(t, c)
		return
	}
	w := t.items[0]
	if c.dist < w.dist || c.dist == w.dist && c.key < w.key {
		t.items[0] = c
		heap.Fix(t, 0)
	}
}

func (t *top) results(ix *Index) ([]Result, error) {
	items := slices.Clone(t.items)
	sort.Slice(items, func(i, j int) bool {
		if items[i].dist != items[j].dist {
			return items[i].dist < items[j].dist
		}
		return items[i].key < items[j].key
	})
	dims := t.p.in.Dims
	out := make([]Result, len(items))
	for i, c := range items {
		md, err := decodeMetadata(c.value[4*dims:])
		if err != nil {
			return nil, err
		}
		out[i] = Result{Key: c.key, Distance: c.dist, Score: score(t.p.in.Metric, c.dist), Metadata: md}
		if t.p.opts.WithVector {
			out[i].Vector = decodeVector(c.value, dims)
		}
	}
	return out, nil
}

func score(m Metric, d float64) float64 {
	switch m {
	case Cosine:
		return 1 - d
	default:
		return -d
	}
}

// distance measures q against a stored little-endian vector.
func (p *plan) distance(b []byte) float64 {
	q := p.q
	switch p.in.Metric {
	case Euclidean:
		var s float32
		for i, x := range q {
			y := math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
			d := x - y
			s += d * d
		}
		return math.Sqrt(float64(s))
	case Dot:
		var s float32
		for i, x := range q {
			s += x * math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		}
		return -float64(s)
	default:
		var s, n float32
		for i, x := range q {
			y := math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
			s += x * y
			n += y * y
		}
		if n == 0 {
			return 1
		}
		return 1 - float64(s)/(p.qnorm*math.Sqrt(float64(n)))
	}
}

func dotF(a, b []float32) float64 {
	var s float32
	for i := range a {
		s += a[i] * b[i]
	}
	return float64(s)
}

func l2sq(a, b []float32) float32 {
	var s float32
	for i := range a {
		d := a[i] - b[i]
		s += d * d
	}
	return s
}

// centroidDistance measures v against a centroid for assignment and
// probing: squared L2 for euclidean, -v·c otherwise (cosine centroids are
// unit vectors, so the nearest by dot is the nearest by angle).
func centroidDistance(m Metric, c, v []float32) float32 {
	if m == Euclidean {
		return l2sq(c, v)
	}
	return -float32(dotF(c, v))
}

// nearest returns the index of the centroid nearest v.
func nearest(m Metric, cents [][]float32, v []float32) int {
	best, bd := 0, float32(math.Inf(1))
	for i, c := range cents {
		if d := centroidDistance(m, c, v); d < bd {
			best, bd = i, d
		}
	}
	return best
}

// probe returns the n centroids nearest q, nearest first.
func probe(m Metric, cents [][]float32, q []float32, n int) []int {
	type cd struct {
		i int
		d float32
	}
	ds := make([]cd, len(cents))
	for i, c := range cents {
		ds[i] = cd{i, centroidDistance(m, c, q)}
	}
	sort.Slice(ds, func(a, b int) bool { return ds[a].d < ds[b].d || ds[a].d == ds[b].d && ds[a].i < ds[b].i })
	n = min(n, len(ds))
	out := make([]int, n)
	for i := range out {
		out[i] = ds[i].i
	}
	return out
}
