package vector

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"sync"

	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/subspace"
	"github.com/strata-db/strata/layer/tuple"
)

// Index is a handle on one index of a bucket. It caches the index's
// definition and its current centroids (which never change within a
// generation); every operation checks the stored definition in the
// caller's transaction, so a handle stays correct across training, and
// fails with ErrIndexChanged once the index is dropped. It is safe for
// concurrent use.
type Index struct {
	b       *Bucket
	name    string
	ss      subspace.Subspace
	metaKey []byte

	mu        sync.Mutex
	info      IndexInfo
	centroids [][]float32 // of info.Gen; nil before training
}

// Item is one vector with its key and metadata.
type Item struct {
	Key      string
	Vector   []float32
	Metadata map[string]any
}

// Name returns the index's name.
func (ix *Index) Name() string { return ix.name }

// Info returns the index's definition as of the last operation.
func (ix *Index) Info() IndexInfo {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return ix.info
}

// Stats reads the index's definition and vector count.
func (ix *Index) Stats(tx layer.ReadTx) (IndexInfo, error) {
	in, _, err := ix.state(tx)
	if err != nil {
		return IndexInfo{}, err
	}
	v, err := tx.Get(ix.countKey()).Get()
	if err != nil {
		return IndexInfo{}, err
	}
	if len(v) == 8 {
		in.Count = int64(binary.LittleEndian.Uint64(v))
	}
	return in, nil
}

func (ix *Index) primaryKey(key string) []byte { return ix.ss.MustPack(tuple.Tuple{"k", key}) }
func (ix *Index) entryKey(gen, list int64, key string) []byte {
	return ix.ss.MustPack(tuple.Tuple{"l", gen, list, key})
}
func (ix *Index) countKey() []byte { return ix.ss.MustPack(tuple.Tuple{"n"}) }
func (ix *Index) listRange(gen, list int64) layer.KeyRange {
	r, _ := ix.ss.RangeOf(tuple.Tuple{"l", gen, list})
	return r
}

// staleRange is every list entry of a generation older than gen: what a
// training job has yet to move.
func (ix *Index) staleRange(gen int64) layer.KeyRange {
	return layer.KeyRange{Begin: ix.ss.MustPack(tuple.Tuple{"l"}), End: ix.ss.MustPack(tuple.Tuple{"l", gen})}
}

// state reads the stored definition, checks it is still this index, and
// returns it with the centroids of its generation (loading them in tx if
// the cache is behind).
func (ix *Index) state(tx layer.ReadTx) (IndexInfo, [][]float32, error) {
	v, err := tx.Get(ix.metaKey).Get()
	if err != nil {
		return IndexInfo{}, nil, err
	}
	if v == nil {
		return IndexInfo{}, nil, fmt.Errorf("%w: %q no longer exists", ErrIndexChanged, ix.name)
	}
	in, err := decodeInfo(ix.name, v)
	if err != nil {
		return IndexInfo{}, nil, err
	}
	ix.mu.Lock()
	cached, cents := ix.info, ix.centroids
	ix.mu.Unlock()
	if !bytes.Equal(in.id, cached.id) {
		return IndexInfo{}, nil, fmt.Errorf("%w: %q was dropped", ErrIndexChanged, ix.name)
	}
	if in.Gen == 0 {
		return in, nil, nil
	}
	if in.Gen == cached.Gen && cents != nil {
		return in, cents, nil
	}
	cents, err = ix.loadCentroids(tx, in)
	if err != nil {
		return IndexInfo{}, nil, err
	}
	ix.mu.Lock()
	if in.Gen >= ix.info.Gen {
		ix.info, ix.centroids = in, cents
	}
	ix.mu.Unlock()
	return in, cents, nil
}

func (ix *Index) loadCentroids(tx layer.ReadTx, in IndexInfo) ([][]float32, error) {
	r, _ := ix.ss.RangeOf(tuple.Tuple{"c", in.Gen})
	kvs, err := tx.GetRange(r, layer.RangeOptions{Mode: layer.StreamingModeWantAll}).Slice()
	if err != nil {
		return nil, err
	}
	if len(kvs) != in.Lists {
		return nil, fmt.Errorf("%w: index %q generation %d has %d centroids, want %d", ErrCorrupt, ix.name, in.Gen, len(kvs), in.Lists)
	}
	out := make([][]float32, len(kvs))
	for i, kv := range kvs {
		if len(kv.Value) != 4*in.Dims {
			return nil, fmt.Errorf("%w: centroid of %d bytes", ErrCorrupt, len(kv.Value))
		}
		out[i] = decodeVector(kv.Value, in.Dims)
	}
	return out, nil
}

// EncodeVector returns v as little-endian float32s, the stored form.
func EncodeVector(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

// DecodeVector is the inverse of EncodeVector.
func DecodeVector(b []byte) ([]float32, error) {
	if len(b)%4 != 0 {
		return nil, fmt.Errorf("%w: %d bytes is not a whole number of float32s", ErrInvalidVector, len(b))
	}
	return decodeVector(b, len(b)/4), nil
}

func decodeVector(b []byte, dims int) []float32 {
	v := make([]float32, dims)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v
}

func encodeMetadata(key string, md map[string]any) ([]byte, error) {
	if len(md) == 0 {
		return nil, nil
	}
	if len(md) > MaxMetadataKeys {
		return nil, fmt.Errorf("%w: %q has %d fields, at most %d", ErrMetadata, key, len(md), MaxMetadataKeys)
	}
	b, err := json.Marshal(md)
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %v", ErrMetadata, key, err)
	}
	if len(b) > MaxMetadataSize {
		return nil, fmt.Errorf("%w: %q is %d bytes as JSON, at most %d", ErrMetadata, key, len(b), MaxMetadataSize)
	}
	return b, nil
}

func decodeMetadata(b []byte) (map[string]any, error) {
	if len(b) == 0 {
		return nil, nil
	}
	var md map[string]any
	if err := json.Unmarshal(b, &md); err != nil {
		return nil, fmt.Errorf("%w: metadata: %v", ErrCorrupt, err)
	}
	return md, nil
}

func checkKey(key string) error {
	if key == "" || len(key) > MaxKeyLen {
		return fmt.Errorf("%w: key must be 1 to %d bytes, got %d", ErrKey, MaxKeyLen, len(key))
	}
	return nil
}

// Put stores a vector with its metadata under key, replacing any vector
// the key had. The vector's dimension must be the index's.
func (ix *Index) Put(tx layer.Tx, key string, vec []float32, md map[string]any) error {
	return ix.PutMany(tx, []Item{{Key: key, Vector: vec, Metadata: md}})
}

// PutMany stores several vectors; it reads every key's current place
// before waiting on any. A key given twice keeps its last item. A batch
// whose estimated transaction size (every write as if replacing an old
// vector, with conflict ranges) exceeds MaxBatchBytes fails with
// ErrBatchTooLarge, writing nothing: the caller splits large batches
// across transactions.
func (ix *Index) PutMany(tx layer.Tx, items []Item) error {
	in, cents, err := ix.state(tx)
	if err != nil {
		return err
	}
	type prepared struct {
		entry []byte
		value []byte
		place []byte
	}
	preps := make([]prepared, len(items))
	keys := make([][]byte, len(items))
	size := 0
	for i, it := range items {
		if err := checkKey(it.Key); err != nil {
			return err
		}
		if err := checkVector(in, it.Vector, fmt.Sprintf("vector %q", it.Key)); err != nil {
			return err
		}
		md, err := encodeMetadata(it.Key, it.Metadata)
		if err != nil {
			return err
		}
		list := int64(0)
		if cents != nil {
			list = int64(nearest(in.Metric, cents, it.Vector))
		}
		value := append(EncodeVector(it.Vector), md...)
		preps[i] = prepared{ix.entryKey(in.Gen, list, it.Key), value, tuple.Tuple{in.Gen, list}.Pack()}
		keys[i] = ix.primaryKey(it.Key)
		// The primary key's set, read and write conflicts; the entry's set
		// and write conflict; an old entry's clear and write conflict.
		pk, ek := len(keys[i]), len(preps[i].entry)
		size += pk + len(preps[i].place) + 2*(2*pk+1) + ek + len(value) + 2*ek + 1 + 2*(2*ek+1)
		if size > MaxBatchBytes {
			return fmt.Errorf("%w: the first %d of %d items come to about %d bytes, over the limit of %d", ErrBatchTooLarge, i+1, len(items), size, MaxBatchBytes)
		}
	}
	olds, err := layer.GetAll(tx, keys)
	if err != nil {
		return err
	}
	seen := make(map[string]bool, len(items))
	var added int64
	for i, it := range items {
		old := olds[i]
		if seen[it.Key] {
			// A repeat within the batch: the first write is this key's old place.
			old = preps[lastIndex(items[:i], it.Key)].place
		} else if old == nil {
			added++
		}
		seen[it.Key] = true
		if old != nil {
			if err := ix.clearEntry(tx, it.Key, old); err != nil {
				return err
			}
		}
		tx.Set(keys[i], preps[i].place)
		tx.Set(preps[i].entry, preps[i].value)
	}
	if added != 0 {
		ix.addCount(tx, added)
	}
	return nil
}

func lastIndex(items []Item, key string) int {
	for i := len(items) - 1; i >= 0; i-- {
		if items[i].Key == key {
			return i
		}
	}
	return -1
}

func (ix *Index) addCount(tx layer.Tx, n int64) {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(n))
	tx.Add(ix.countKey(), b[:])
}

func decodePlace(v []byte) (gen, list int64, err error) {
	t, err := tuple.Unpack(v)
	if err == nil && len(t) == 2 {
		g, ok1 := t[0].(int64)
		l, ok2 := t[1].(int64)
		if ok1 && ok2 {
			return g, l, nil
		}
	}
	return 0, 0, fmt.Errorf("%w: vector place %x", ErrCorrupt, v)
}

func (ix *Index) clearEntry(tx layer.Tx, key string, place []byte) error {
	g, l, err := decodePlace(place)
	if err != nil {
		return err
	}
	tx.Clear(ix.entryKey(g, l, key))
	return nil
}

// Get returns the vector stored under key (its Vector only if withVector),
// or ErrNotFound.
func (ix *Index) Get(tx layer.ReadTx, key string, withVector bool) (Item, error) {
	if err := checkKey(key); err != nil {
		return Item{}, err
	}
	in, _, err := ix.state(tx)
	if err != nil {
		return Item{}, err
	}
	place, err := tx.Get(ix.primaryKey(key)).Get()
	if err != nil {
		return Item{}, err
	}
	if place == nil {
		return Item{}, fmt.Errorf("%w: %q", ErrNotFound, key)
	}
	g, l, err := decodePlace(place)
	if err != nil {
		return Item{}, err
	}
	v, err := tx.Get(ix.entryKey(g, l, key)).Get()
	if err != nil {
		return Item{}, err
	}
	if len(v) < 4*in.Dims {
		return Item{}, fmt.Errorf("%w: vector %q: entry of %d bytes", ErrCorrupt, key, len(v))
	}
	it := Item{Key: key}
	if withVector {
		it.Vector = decodeVector(v, in.Dims)
	}
	it.Metadata, err = decodeMetadata(v[4*in.Dims:])
	return it, err
}

// Delete removes the vector stored under key, reporting whether there was one.
func (ix *Index) Delete(tx layer.Tx, key string) (bool, error) {
	if err := checkKey(key); err != nil {
		return false, err
	}
	if _, _, err := ix.state(tx); err != nil {
		return false, err
	}
	pk := ix.primaryKey(key)
	place, err := tx.Get(pk).Get()
	if err != nil || place == nil {
		return false, err
	}
	if err := ix.clearEntry(tx, key, place); err != nil {
		return false, err
	}
	tx.Clear(pk)
	ix.addCount(tx, -1)
	return true, nil
}
