package vector

import (
	"crypto/rand"
	"fmt"
	"math"

	"github.com/strata-db/strata/internal/catalog"
	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/subspace"
	"github.com/strata-db/strata/layer/tuple"
)

// Kind is the kind under which buckets are registered.
const Kind = "vector"

// DefaultRegistry is the registry the strata command line keeps its stores
// in: the subspace ("strata", "catalog").
var DefaultRegistry = catalog.Root.Subspace()

// Limits.
const (
	// MaxDims is the largest dimension an index may have.
	MaxDims = 4096
	// MaxNameLen is the longest index name, in bytes.
	MaxNameLen = 256
	// MaxKeyLen is the longest vector key, in bytes.
	MaxKeyLen = 1024
	// MaxMetadataSize is the largest metadata, in bytes of its JSON encoding.
	MaxMetadataSize = 40 * 1024
	// MaxMetadataKeys is the most top-level fields metadata may have.
	MaxMetadataKeys = 64
	// MaxBatchBytes is the largest estimated transaction size (mutations
	// and conflict ranges, as FoundationDB counts them) one PutMany may
	// write: headroom under FoundationDB's 10 MB limit for the caller's
	// other writes. At 3072 dimensions that is about 600 vectors.
	MaxBatchBytes = 8_000_000
	// MaxNList is the most lists (centroids) an ivf index may have.
	MaxNList = 65536
)

// Metric is how distance between vectors is measured.
type Metric string

// Metrics. Distances are smaller for nearer vectors; scores larger.
const (
	// Cosine: distance 1 - cos(q, v), score cos(q, v). Zero vectors are refused.
	Cosine Metric = "cosine"
	// Euclidean: distance |q - v|, score -|q - v|.
	Euclidean Metric = "euclidean"
	// Dot: distance -q·v, score q·v.
	Dot Metric = "dot"
)

// IndexKind is how an index finds neighbours.
type IndexKind string

// Index kinds.
const (
	// Exact scans every vector: exact top-k, for small indexes and as the
	// ground truth.
	Exact IndexKind = "exact"
	// IVF partitions vectors into lists around centroids trained by
	// k-means, and scans only the lists nearest the query.
	IVF IndexKind = "ivf"
)

// Bucket is a set of named vector indexes kept under a subspace. Like
// every layer value it holds no transaction: its methods take the caller's.
type Bucket struct {
	ss   subspace.Subspace
	name string
}

// New returns the bucket kept under ss, registered or not.
func New(ss subspace.Subspace) *Bucket { return &Bucket{ss: ss} }

// Subspace returns the bucket's subspace.
func (b *Bucket) Subspace() subspace.Subspace { return b.ss }

// Name returns the name the bucket is registered as, or "".
func (b *Bucket) Name() string { return b.name }

// Spec defines a bucket to register.
type Spec struct {
	// Subspace holds the bucket's keys.
	Subspace subspace.Subspace
}

var kind = catalog.Kind[*Bucket]{
	Name: Kind,
	Open: func(e catalog.Entry) (*Bucket, error) {
		return &Bucket{ss: e.Subspace(), name: e.Name}, nil
	},
	NotFound: ErrNoBucket,
	Exists:   ErrBucketExists,
	Invalid:  ErrSpec,
}

// Create registers a bucket named name in the registry under registry.
func Create(tx layer.Tx, registry subspace.Subspace, name string, spec Spec) (*Bucket, error) {
	return kind.Create(tx, catalog.New(registry), catalog.Entry{Name: name, Prefix: spec.Subspace.Bytes()})
}

// Open returns the bucket registered as name, or ErrNoBucket.
func Open(tx layer.ReadTx, registry subspace.Subspace, name string) (*Bucket, error) {
	return kind.Get(tx, catalog.New(registry), name)
}

// List returns the registered buckets, by name.
func List(tx layer.ReadTx, registry subspace.Subspace) ([]*Bucket, error) {
	return kind.List(tx, catalog.New(registry))
}

// Drop unregisters the bucket and clears all of its keys.
func Drop(tx layer.Tx, registry subspace.Subspace, name string) error {
	return kind.Drop(tx, catalog.New(registry), name)
}

// IndexSpec defines an index.
type IndexSpec struct {
	// Dims is the vectors' dimension, 1 to MaxDims.
	Dims int
	// Metric is Cosine, Euclidean or Dot.
	Metric Metric
	// Kind is Exact or IVF.
	Kind IndexKind
	// NList is an ivf index's number of lists (centroids) when trained;
	// 0 means about the square root of the vector count at training.
	NList int
	// NProbe is an ivf index's default number of lists a search scans
	// (SearchOptions.NProbe overrides it); 0 means 8.
	NProbe int
}

// IndexInfo describes an index as stored.
type IndexInfo struct {
	IndexSpec
	// Name is the index's name.
	Name string
	// Gen is the generation of the centroids in use: 0 before training.
	Gen int64
	// Lists is the number of centroids of generation Gen.
	Lists int
	// Count is the number of vectors.
	Count int64
	// id tells apart indexes created with the same name.
	id []byte
}

func (s IndexSpec) check() error {
	if s.Dims < 1 || s.Dims > MaxDims {
		return fmt.Errorf("%w: dims %d out of 1..%d", ErrSpec, s.Dims, MaxDims)
	}
	switch s.Metric {
	case Cosine, Euclidean, Dot:
	default:
		return fmt.Errorf("%w: metric %q (want cosine, euclidean or dot)", ErrSpec, s.Metric)
	}
	switch s.Kind {
	case Exact, IVF:
	default:
		return fmt.Errorf("%w: kind %q (want exact or ivf)", ErrSpec, s.Kind)
	}
	if s.NList < 0 || s.NList > MaxNList || s.NProbe < 0 {
		return fmt.Errorf("%w: nlist %d (0..%d), nprobe %d", ErrSpec, s.NList, MaxNList, s.NProbe)
	}
	return nil
}

func checkIndexName(name string) error {
	if name == "" || len(name) > MaxNameLen {
		return fmt.Errorf("%w: index name must be 1 to %d bytes, got %d", ErrSpec, MaxNameLen, len(name))
	}
	return nil
}

func (b *Bucket) metaKey(name string) []byte               { return b.ss.MustPack(tuple.Tuple{"i", name}) }
func (b *Bucket) indexSpace(name string) subspace.Subspace { return b.ss.Sub("x", name) }

func encodeInfo(in IndexInfo) []byte {
	return tuple.Tuple{int64(1), in.id, int64(in.Dims), string(in.Metric), string(in.Kind),
		int64(in.NList), int64(in.NProbe), in.Gen, int64(in.Lists)}.Pack()
}

func decodeInfo(name string, v []byte) (IndexInfo, error) {
	t, err := tuple.Unpack(v)
	if err != nil || len(t) < 9 {
		return IndexInfo{}, fmt.Errorf("%w: index %q: %v", ErrCorrupt, name, err)
	}
	var in IndexInfo
	in.Name = name
	var ok [9]bool
	_, ok[0] = t[0].(int64)
	in.id, ok[1] = t[1].([]byte)
	d, ok2 := t[2].(int64)
	ok[2] = ok2
	m, ok3 := t[3].(string)
	ok[3] = ok3
	k, ok4 := t[4].(string)
	ok[4] = ok4
	nl, ok5 := t[5].(int64)
	ok[5] = ok5
	np, ok6 := t[6].(int64)
	ok[6] = ok6
	in.Gen, ok[7] = t[7].(int64)
	ls, ok8 := t[8].(int64)
	ok[8] = ok8
	for _, o := range ok {
		if !o {
			return IndexInfo{}, fmt.Errorf("%w: index %q: %v", ErrCorrupt, name, t)
		}
	}
	in.Dims, in.Metric, in.Kind, in.NList, in.NProbe, in.Lists = int(d), Metric(m), IndexKind(k), int(nl), int(np), int(ls)
	return in, nil
}

// CreateIndex creates an index in the bucket and returns its handle.
func (b *Bucket) CreateIndex(tx layer.Tx, name string, spec IndexSpec) (*Index, error) {
	if err := checkIndexName(name); err != nil {
		return nil, err
	}
	if err := spec.check(); err != nil {
		return nil, err
	}
	key := b.metaKey(name)
	v, err := tx.Get(key).Get()
	if err != nil {
		return nil, err
	}
	if v != nil {
		return nil, fmt.Errorf("%w: %q", ErrIndexExists, name)
	}
	id := make([]byte, 8)
	rand.Read(id)
	in := IndexInfo{IndexSpec: spec, Name: name, id: id}
	tx.Set(key, encodeInfo(in))
	return b.handle(in), nil
}

// DropIndex removes an index and all of its vectors, in one ClearRange.
func (b *Bucket) DropIndex(tx layer.Tx, name string) error {
	if err := checkIndexName(name); err != nil {
		return err
	}
	key := b.metaKey(name)
	v, err := tx.Get(key).Get()
	if err != nil {
		return err
	}
	if v == nil {
		return fmt.Errorf("%w: %q", ErrNoIndex, name)
	}
	tx.Clear(key)
	r, err := b.indexSpace(name).FullRange()
	if err != nil {
		return err
	}
	tx.ClearRange(r)
	return nil
}

// Index returns the handle of the index named name, or ErrNoIndex.
func (b *Bucket) Index(tx layer.ReadTx, name string) (*Index, error) {
	if err := checkIndexName(name); err != nil {
		return nil, err
	}
	v, err := tx.Get(b.metaKey(name)).Get()
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, fmt.Errorf("%w: %q", ErrNoIndex, name)
	}
	in, err := decodeInfo(name, v)
	if err != nil {
		return nil, err
	}
	return b.handle(in), nil
}

// Indexes lists the bucket's indexes, by name.
func (b *Bucket) Indexes(tx layer.ReadTx) ([]IndexInfo, error) {
	r, err := b.ss.RangeOf(tuple.Tuple{"i"})
	if err != nil {
		return nil, err
	}
	var out []IndexInfo
	for kv, err := range tx.GetRange(r, layer.RangeOptions{}).All() {
		if err != nil {
			return nil, err
		}
		t, err := b.ss.Unpack(kv.Key)
		if err != nil || len(t) != 2 {
			return nil, fmt.Errorf("%w: index key %x", ErrCorrupt, kv.Key)
		}
		name, _ := t[1].(string)
		in, err := decodeInfo(name, kv.Value)
		if err != nil {
			return nil, err
		}
		out = append(out, in)
	}
	return out, nil
}

func (b *Bucket) handle(in IndexInfo) *Index {
	ix := &Index{b: b, name: in.Name, ss: b.indexSpace(in.Name), metaKey: b.metaKey(in.Name)}
	ix.info = in
	return ix
}

// checkVector checks a vector's dimension and values for the index.
func checkVector(in IndexInfo, v []float32, what string) error {
	if len(v) != in.Dims {
		return fmt.Errorf("%w: %s has %d dimensions, index %q has %d", ErrDimension, what, len(v), in.Name, in.Dims)
	}
	var n float64
	for i, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return fmt.Errorf("%w: %s component %d is %v", ErrInvalidVector, what, i, x)
		}
		n += float64(x) * float64(x)
	}
	if in.Metric == Cosine && n == 0 {
		return fmt.Errorf("%w: %s is the zero vector, which has no cosine", ErrInvalidVector, what)
	}
	return nil
}
