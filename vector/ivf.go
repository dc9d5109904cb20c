package vector

import (
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
// is still to be moved); then transactions of opts.PageSize entries move
// the rest. Interrupted before the install, it has changed nothing;
// after, Migrate (or another Train) finishes the move. Calling Train again
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
	moved, err := ix.Migrate(ctx, db, opts.PageSize)
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

// Migrate moves the entries of older generations to their nearest lists of
// the current one, page entries per transaction, and returns how many it
// moved. It resumes an interrupted Train.
func (ix *Index) Migrate(ctx context.Context, db layer.DB, page int) (int, error) {
	if page <= 0 {
		page = 1000
	}
	total := 0
	for {
		n, err := layer.Transact(ctx, db, func(tx layer.Tx) (int, error) { return ix.MigrateStep(tx, page) })
		total += n
		if err != nil || n < page {
			return total, err
		}
	}
}

// MigrateStep moves up to n entries of older generations to their nearest
// lists, in the caller's transaction, and returns how many it moved:
// fewer than n means none are left.
func (ix *Index) MigrateStep(tx layer.Tx, n int) (int, error) {
	in, cents, err := ix.state(tx)
	if err != nil || cents == nil {
		return 0, err
	}
	kvs, err := tx.GetRange(ix.staleRange(in.Gen), layer.RangeOptions{Limit: n, Mode: layer.StreamingModeWantAll}).Slice()
	if err != nil {
		return 0, err
	}
	pfx := len(ix.ss.Bytes())
	for _, kv := range kvs {
		key, err := entryVectorKey(kv.Key[pfx:])
		if err != nil {
			return 0, err
		}
		if len(kv.Value) < 4*in.Dims {
			return 0, fmt.Errorf("%w: entry of %d bytes", ErrCorrupt, len(kv.Value))
		}
		l := int64(nearest(in.Metric, cents, decodeVector(kv.Value, in.Dims)))
		tx.Clear(kv.Key)
		tx.Set(ix.entryKey(in.Gen, l, key), kv.Value)
		tx.Set(ix.primaryKey(key), tuple.Tuple{in.Gen, l}.Pack())
	}
	return len(kvs), nil
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
