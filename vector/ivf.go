package vector

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"

	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/tuple"
)

// TrainOptions controls the training of an ivf index.
type TrainOptions struct {
	// NList is the number of centroids; 0 means the index's NList, else
	// about the square root of the vector count.
	NList int
	// SampleSize is how many vectors k-means runs on; 0 means 50 per
	// centroid, at least 10,000 (or every vector if there are fewer).
	SampleSize int
	// Iterations caps the k-means iterations; 0 means 20.
	Iterations int
	// Seed makes sampling and initialisation deterministic.
	Seed uint64
	// PageSize is how many entries each transaction reads (sampling) or
	// moves (migration); 0 means 1000.
	PageSize int
	// StepBytes bounds each migration transaction's size, as
	// MigrateStep's maxBytes; 0 means DefaultStepBytes.
	StepBytes int
	// InstallOnly stops the job once the centroids are installed, leaving
	// the move of existing vectors to Migrate (which may run later, in
	// the background): searches stay correct meanwhile, but scan every
	// vector not yet moved.
	InstallOnly bool
}

// TrainResult reports a training job.
type TrainResult struct {
	Gen     int64 // the new generation
	Lists   int   // its number of centroids
	Sampled int   // vectors k-means ran on
	Moved   int   // entries moved to their nearest list
}

// Train trains an ivf index's centroids by k-means on a sample and moves
// every vector to the list of its nearest centroid. It is a job of many
// bounded transactions: one pass reads the sample page by page; one
// transaction installs the centroids as a new generation (from then on,
// puts go to the new lists and searches probe them, and scan in full what
// is still to be moved); then transactions of opts.PageSize entries (and
// at most about opts.StepBytes bytes) move the rest. Interrupted before
// the install, it has changed nothing; after, Migrate (or another Train)
// finishes the move. Calling Train again
// retrains.
func (ix *Index) Train(ctx context.Context, db layer.DB, opts TrainOptions) (TrainResult, error) {
	if opts.PageSize <= 0 {
		opts.PageSize = 1000
	}
	if opts.Iterations <= 0 {
		opts.Iterations = 20
	}
	st, err := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) (IndexInfo, error) { return ix.Stats(tx) })
	if err != nil {
		return TrainResult{}, err
	}
	if st.Kind != IVF {
		return TrainResult{}, fmt.Errorf("%w: index %q is %s, only ivf indexes train", ErrNotTrained, ix.name, st.Kind)
	}
	nlist := opts.NList
	if nlist == 0 {
		nlist = st.NList
	}
	if nlist == 0 {
		nlist = max(1, int(math.Sqrt(float64(st.Count))))
	}
	if nlist > MaxNList || nlist*st.Dims*4 > layer.DefaultSizeLimit/2 {
		return TrainResult{}, fmt.Errorf("%w: %d centroids of %d dimensions do not fit in a transaction", ErrSpec, nlist, st.Dims)
	}
	size := opts.SampleSize
	if size == 0 {
		size = max(10_000, 50*nlist)
	}
	rng := rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15))
	sample, err := ix.sample(ctx, db, st, size, opts.PageSize, rng)
	if err != nil {
		return TrainResult{}, err
	}
	if len(sample) == 0 {
		return TrainResult{}, fmt.Errorf("%w: index %q has no vectors to train on", ErrNotTrained, ix.name)
	}
	nlist = min(nlist, len(sample))
	cents := kmeans(st.Metric, sample, nlist, opts.Iterations, rng)
	gen, err := layer.Transact(ctx, db, func(tx layer.Tx) (int64, error) {
		in, _, err := ix.state(tx)
		if err != nil {
			return 0, err
		}
		in.Gen++
		in.Lists = len(cents)
		old, _ := ix.ss.RangeOf(tuple.Tuple{"c"})
		tx.ClearRange(old)
		for i, c := range cents {
			tx.Set(ix.ss.MustPack(tuple.Tuple{"c", in.Gen, int64(i)}), EncodeVector(c))
		}
		tx.Set(ix.metaKey, encodeInfo(in))
		return in.Gen, nil
	})
	if err != nil {
		return TrainResult{}, err
	}
	if opts.InstallOnly {
		return TrainResult{Gen: gen, Lists: len(cents), Sampled: len(sample)}, nil
	}
	moved, err := ix.migrate(ctx, db, opts.PageSize, opts.StepBytes)
	return TrainResult{Gen: gen, Lists: len(cents), Sampled: len(sample), Moved: moved}, err
}

// sample reads up to size vectors chosen uniformly (reservoir sampling),
// in pages of one transaction each.
func (ix *Index) sample(ctx context.Context, db layer.DB, in IndexInfo, size, page int, rng *rand.Rand) ([][]float32, error) {
	r, _ := ix.ss.RangeOf(tuple.Tuple{"l"})
	var out [][]float32
	seen := 0
	err := scanPaged(ctx, db, r, page, func(kv layer.KeyValue) error {
		if len(kv.Value) < 4*in.Dims {
			return fmt.Errorf("%w: entry of %d bytes", ErrCorrupt, len(kv.Value))
		}
		seen++
		if len(out) < size {
			out = append(out, decodeVector(kv.Value, in.Dims))
		} else if j := rng.IntN(seen); j < size {
			out[j] = decodeVector(kv.Value, in.Dims)
		}
		return nil
	})
	return out, err
}

// DefaultStepBytes is the default byte budget of one migration step:
// about what its transaction sends FoundationDB (keys and values of its
// mutations and its conflict ranges), well under the 10 MB limit.
const DefaultStepBytes = 4_000_000

// Migrate moves the entries of older generations to their nearest lists of
// the current one, up to page entries (and DefaultStepBytes) per
// transaction, and returns how many it moved. It resumes an interrupted
// Train.
func (ix *Index) Migrate(ctx context.Context, db layer.DB, page int) (int, error) {
	return ix.migrate(ctx, db, page, 0)
}

func (ix *Index) migrate(ctx context.Context, db layer.DB, page, maxBytes int) (int, error) {
	if page <= 0 {
		page = 1000
	}
	total := 0
	for {
		type step struct {
			n    int
			more bool
		}
		s, err := layer.Transact(ctx, db, func(tx layer.Tx) (step, error) {
			n, more, err := ix.MigrateStep(tx, page, maxBytes)
			return step{n, more}, err
		})
		total += s.n
		if err != nil || !s.more {
			return total, err
		}
	}
}

// MigrateStep moves up to n entries of older generations to their nearest
// lists, in the caller's transaction, stopping before its writes (with
// their conflict ranges) exceed about maxBytes (0 means DefaultStepBytes;
// at least one entry moves). It returns how many it moved and whether any
// are left.
//
// It reads the old entries as a snapshot and adds a read conflict on each
// entry it moves, so only a concurrent put or delete of a moved key (which
// clears that very entry) conflicts with it: a step does not fail for
// writes to the entries it leaves for later. Either order is then safe: a
// put that commits first makes the step retry (and no longer see the
// entry); a step that commits first rewrites the key's place, which the
// put read, so the put retries and clears the moved entry instead.
func (ix *Index) MigrateStep(tx layer.Tx, n, maxBytes int) (moved int, more bool, err error) {
	if maxBytes <= 0 {
		maxBytes = DefaultStepBytes
	}
	in, cents, err := ix.state(tx)
	if err != nil || cents == nil || n <= 0 {
		return 0, false, err
	}
	// Read no more entries than can fit (each has at least the vector),
	// plus one to learn whether any are left.
	limit := min(n, maxBytes/(4*in.Dims)+1)
	kvs, err := tx.Snapshot().GetRange(ix.staleRange(in.Gen), layer.RangeOptions{Limit: limit, Mode: layer.StreamingModeWantAll}).Slice()
	if err != nil {
		return 0, false, err
	}
	pfx := len(ix.ss.Bytes())
	used := 0
	for _, kv := range kvs {
		key, err := entryVectorKey(kv.Key[pfx:])
		if err != nil {
			return moved, false, err
		}
		if len(kv.Value) < 4*in.Dims {
			return moved, false, fmt.Errorf("%w: entry of %d bytes", ErrCorrupt, len(kv.Value))
		}
		l := int64(nearest(in.Metric, cents, decodeVector(kv.Value, in.Dims)))
		ek, pk, place := ix.entryKey(in.Gen, l, key), ix.primaryKey(key), tuple.Tuple{in.Gen, l}.Pack()
		// What FoundationDB counts: the clear's bounds, its write and read
		// conflict ranges; each set's key and value and write conflict range.
		cost := 3*(2*len(kv.Key)+1) + len(ek) + len(kv.Value) + 2*len(ek) + 1 + len(pk) + len(place) + 2*len(pk) + 1
		if moved > 0 && used+cost > maxBytes {
			return moved, true, nil
		}
		used += cost
		if err := tx.AddReadConflictRange(layer.KeyRange{Begin: kv.Key, End: append(bytes.Clone(kv.Key), 0)}); err != nil {
			return moved, false, err
		}
		tx.Clear(kv.Key)
		tx.Set(ek, kv.Value)
		tx.Set(pk, place)
		moved++
	}
	return moved, len(kvs) == limit, nil
}

// kmeans runs Lloyd's algorithm from k distinct sample points. For the
// cosine metric it is spherical: vectors and centroids are unit length.
func kmeans(m Metric, sample [][]float32, k, iters int, rng *rand.Rand) [][]float32 {
	dims := len(sample[0])
	if m == Cosine {
		for i, v := range sample {
			sample[i] = normalized(v)
		}
	}
	cents := make([][]float32, k)
	for i, j := range rng.Perm(len(sample))[:k] {
		cents[i] = append([]float32(nil), sample[j]...)
	}
	assign := make([]int, len(sample))
	for i := range assign {
		assign[i] = -1
	}
	workers := runtime.GOMAXPROCS(0)
	for it := 0; it < iters; it++ {
		var changed int64
		var mu sync.Mutex
		var wg sync.WaitGroup
		chunk := (len(sample) + workers - 1) / workers
		for w := 0; w < workers; w++ {
			lo, hi := w*chunk, min((w+1)*chunk, len(sample))
			if lo >= hi {
				continue
			}
			wg.Go(func() {
				var c int64
				for i := lo; i < hi; i++ {
					a := nearest(m, cents, sample[i])
					if a != assign[i] {
						assign[i] = a
						c++
					}
				}
				mu.Lock()
				changed += c
				mu.Unlock()
			})
		}
		wg.Wait()
		if changed == 0 {
			break
		}
		sums := make([][]float64, k)
		counts := make([]int, k)
		for i := range sums {
			sums[i] = make([]float64, dims)
		}
		for i, v := range sample {
			s := sums[assign[i]]
			for d, x := range v {
				s[d] += float64(x)
			}
			counts[assign[i]]++
		}
		for c := range cents {
			if counts[c] == 0 {
				cents[c] = append([]float32(nil), sample[rng.IntN(len(sample))]...)
				continue
			}
			for d := range cents[c] {
				cents[c][d] = float32(sums[c][d] / float64(counts[c]))
			}
			if m == Cosine {
				cents[c] = normalized(cents[c])
			}
		}
	}
	return cents
}

func normalized(v []float32) []float32 {
	n := math.Sqrt(dotF(v, v))
	out := make([]float32, len(v))
	if n == 0 {
		return out
	}
	for i, x := range v {
		out[i] = float32(float64(x) / n)
	}
	return out
}
