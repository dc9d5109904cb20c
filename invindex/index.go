package invindex

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math"
	"slices"

	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/subspace"
	"github.com/strata-db/strata/layer/tuple"
)

// Defaults of Options.
const (
	DefaultK1     = 1.2
	DefaultB      = 0.75
	DefaultShards = 16
	// MaxDocIDSize is the longest document id, in bytes.
	MaxDocIDSize = 1000
	// MaxDocumentTxBytes bounds what indexing one document may add to its
	// transaction, estimated as FoundationDB counts it (each mutation's
	// key and value, conflict ranges), old postings cleared included:
	// headroom under the 10,000,000-byte transaction limit. A larger
	// document fails with ErrDocumentTooLarge.
	MaxDocumentTxBytes = 8_000_000
)

// Options are an index's settings. The zero value means the defaults.
type Options struct {
	// Analyzer turns text into terms (nil: Tokenize). Index and Search
	// must use the same one; the registry does not record it.
	Analyzer Analyzer
	// K1 and B are BM25's parameters used when SearchOptions gives none
	// (0: DefaultK1 and DefaultB; set NoLengthNorm for b = 0).
	K1, B float64
	// NoLengthNorm makes the default b 0 (no length normalization).
	NoLengthNorm bool
	// Shards is the number of keys each collection statistic is spread
	// over (0: DefaultShards). It must not change once documents are
	// indexed: a document's statistics go to the shard its id hashes to.
	Shards int
}

// Index is an inverted index kept under a subspace. It is a description,
// not a handle: it holds no transaction and no data, and every method
// takes the caller's transaction, never commits and never retries.
type Index struct {
	ss   subspace.Subspace
	opts Options
	name string
}

// New returns the index kept under ss.
func New(ss subspace.Subspace, opts Options) (*Index, error) {
	if opts.Analyzer == nil {
		opts.Analyzer = Tokenize
	}
	if opts.K1 == 0 {
		opts.K1 = DefaultK1
	}
	if opts.B == 0 && !opts.NoLengthNorm {
		opts.B = DefaultB
	}
	if opts.Shards == 0 {
		opts.Shards = DefaultShards
	}
	if err := checkParams(opts.K1, opts.B); err != nil {
		return nil, err
	}
	if opts.Shards < 1 || opts.Shards > 1024 {
		return nil, fmt.Errorf("%w: %d shards (want 1 to 1024)", ErrInvalid, opts.Shards)
	}
	return &Index{ss: ss, opts: opts}, nil
}

func checkParams(k1, b float64) error {
	if !(k1 >= 0) || math.IsInf(k1, 0) {
		return fmt.Errorf("%w: k1 %v (want >= 0)", ErrInvalid, k1)
	}
	if !(b >= 0 && b <= 1) {
		return fmt.Errorf("%w: b %v (want 0 to 1)", ErrInvalid, b)
	}
	return nil
}

// Name is the name the index is registered under ("" if it was not
// opened from a registry).
func (ix *Index) Name() string { return ix.name }

// Subspace is where the index keeps its keys.
func (ix *Index) Subspace() subspace.Subspace { return ix.ss }

// Options returns the index's options, defaults filled in.
func (ix *Index) Options() Options { return ix.opts }

// Analyze runs the index's analyzer.
func (ix *Index) Analyze(text string) []string { return ix.opts.Analyzer(text) }

// Key layout (see doc.go).
func (ix *Index) postingKey(term, doc string) []byte {
	return ix.ss.MustPack(tuple.Tuple{"p", term, doc})
}
func (ix *Index) postingRange(term string) layer.KeyRange {
	r, _ := ix.ss.RangeOf(tuple.Tuple{"p", term})
	return r
}
func (ix *Index) docKey(doc string) []byte { return ix.ss.MustPack(tuple.Tuple{"d", doc}) }
func (ix *Index) dfKey(term string, shard int) []byte {
	return ix.ss.MustPack(tuple.Tuple{"f", term, shard})
}
func (ix *Index) dfRange(term string) layer.KeyRange {
	r, _ := ix.ss.RangeOf(tuple.Tuple{"f", term})
	return r
}
func (ix *Index) maxKey(term string) []byte { return ix.ss.MustPack(tuple.Tuple{"m", term}) }
func (ix *Index) statKey(shard int, what string) []byte {
	return ix.ss.MustPack(tuple.Tuple{"s", shard, what})
}
func (ix *Index) statRange() layer.KeyRange {
	r, _ := ix.ss.RangeOf(tuple.Tuple{"s"})
	return r
}

func (ix *Index) shard(doc string) int {
	h := fnv.New32a()
	h.Write([]byte(doc))
	return int(h.Sum32() % uint32(ix.opts.Shards))
}

func le64(v int64) []byte {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(v))
	return b[:]
}

var zero8 = make([]byte, 8)

func readLE(v []byte) (int64, error) {
	if len(v) == 0 {
		return 0, nil
	}
	if len(v) != 8 {
		return 0, fmt.Errorf("%w: counter of %d bytes", ErrCorrupt, len(v))
	}
	return int64(binary.LittleEndian.Uint64(v)), nil
}

// posting value: uvarint tf, uvarint document length.
func encodePosting(tf, dl int) []byte {
	b := binary.AppendUvarint(nil, uint64(tf))
	return binary.AppendUvarint(b, uint64(dl))
}

func decodePosting(v []byte) (tf, dl int, err error) {
	a, n := binary.Uvarint(v)
	if n <= 0 {
		return 0, 0, fmt.Errorf("%w: posting %x", ErrCorrupt, v)
	}
	d, m := binary.Uvarint(v[n:])
	if m <= 0 || n+m != len(v) || a == 0 {
		return 0, 0, fmt.Errorf("%w: posting %x", ErrCorrupt, v)
	}
	return int(a), int(d), nil
}

// Document is what the index keeps of a document: its length (the number
// of term occurrences) and its terms' counts.
type Document struct {
	ID     string
	Length int
	Terms  map[string]int
}

func encodeDoc(length int, terms []string, counts map[string]int) []byte {
	t := make(tuple.Tuple, 0, 1+2*len(terms))
	t = append(t, int64(length))
	for _, term := range terms {
		t = append(t, term, int64(counts[term]))
	}
	return t.Pack()
}

func decodeDoc(id string, v []byte) (Document, error) {
	t, err := tuple.Unpack(v)
	if err != nil || len(t)%2 != 1 {
		return Document{}, fmt.Errorf("%w: document %q", ErrCorrupt, id)
	}
	n, ok := t[0].(int64)
	if !ok {
		return Document{}, fmt.Errorf("%w: document %q", ErrCorrupt, id)
	}
	d := Document{ID: id, Length: int(n), Terms: make(map[string]int, len(t)/2)}
	for i := 1; i < len(t); i += 2 {
		term, ok1 := t[i].(string)
		c, ok2 := t[i+1].(int64)
		if !ok1 || !ok2 {
			return Document{}, fmt.Errorf("%w: document %q", ErrCorrupt, id)
		}
		d.Terms[term] = int(c)
	}
	return d, nil
}

func checkDocID(doc string) error {
	if doc == "" || len(doc) > MaxDocIDSize {
		return fmt.Errorf("%w: document id of %d bytes (want 1 to %d)", ErrInvalid, len(doc), MaxDocIDSize)
	}
	return nil
}

// Index indexes text under the document id doc, through the index's
// analyzer. A document already indexed under doc is replaced: its old
// postings are removed first, so none goes stale. Text without terms
// indexes an empty document (it counts in the document count and matches
// no query).
func (ix *Index) Index(tx layer.Tx, doc, text string) error {
	return ix.IndexCounts(tx, doc, Count(ix.opts.Analyzer(text)))
}

// Reindex is Index for a document that must already be indexed
// (ErrNotFound otherwise). Replacing a document clears its old postings in
// the same transaction, which counts against MaxDocumentTxBytes: a
// document near the bound may index but not reindex; Remove it in a
// transaction of its own first.
func (ix *Index) Reindex(tx layer.Tx, doc, text string) error {
	if err := checkDocID(doc); err != nil {
		return err
	}
	v, err := tx.Get(ix.docKey(doc)).Get()
	if err != nil {
		return err
	}
	if v == nil {
		return fmt.Errorf("%w: %q", ErrNotFound, doc)
	}
	return ix.Index(tx, doc, text)
}

// IndexCounts indexes doc with the given term counts (found's pstore
// index), bypassing the analyzer: terms are taken as given. Counts must be
// at least 1. As Index, it replaces a document already indexed under doc.
func (ix *Index) IndexCounts(tx layer.Tx, doc string, counts map[string]int) error {
	if err := checkDocID(doc); err != nil {
		return err
	}
	terms := make([]string, 0, len(counts))
	length := 0
	for term, c := range counts {
		if term == "" || len(term) > MaxTermSize {
			return fmt.Errorf("%w: term of %d bytes (want 1 to %d)", ErrInvalid, len(term), MaxTermSize)
		}
		if c < 1 || c > math.MaxInt32 {
			return fmt.Errorf("%w: count %d for term %q (want >= 1)", ErrInvalid, c, term)
		}
		terms = append(terms, term)
		length += c
	}
	slices.Sort(terms)
	rec := encodeDoc(length, terms, counts)
	if len(rec) > layer.MaxValueSize {
		return fmt.Errorf("%w: %q has %d distinct terms", ErrDocumentTooLarge, doc, len(terms))
	}
	old, had, err := ix.load(tx, doc)
	if err != nil {
		return err
	}
	if est := ix.txBytes(doc, terms, counts, rec, old, had); est > MaxDocumentTxBytes {
		return fmt.Errorf("%w: %q (%d distinct terms, %d-byte id) would write about %d transaction bytes, over the limit of %d",
			ErrDocumentTooLarge, doc, len(terms), len(doc), est, MaxDocumentTxBytes)
	}
	if had {
		ix.removeDoc(tx, doc, old)
	}
	shard := ix.shard(doc)
	tx.Set(ix.docKey(doc), rec)
	for _, term := range terms {
		c := counts[term]
		tx.Set(ix.postingKey(term, doc), encodePosting(c, length))
		tx.Add(ix.dfKey(term, shard), le64(1))
		if c > 1 { // an absent max reads as 1
			tx.Max(ix.maxKey(term), le64(int64(c)))
		}
	}
	tx.Add(ix.statKey(shard, "n"), le64(1))
	tx.Add(ix.statKey(shard, "len"), le64(int64(length)))
	return nil
}

// Remove removes doc from the index: its postings, its record and its
// share of the statistics. It reports whether doc was indexed.
func (ix *Index) Remove(tx layer.Tx, doc string) (bool, error) {
	if err := checkDocID(doc); err != nil {
		return false, err
	}
	return ix.remove(tx, doc)
}

func (ix *Index) remove(tx layer.Tx, doc string) (bool, error) {
	d, had, err := ix.load(tx, doc)
	if err != nil || !had {
		return false, err
	}
	ix.removeDoc(tx, doc, d)
	return true, nil
}

// load reads doc's record, reporting whether it is indexed.
func (ix *Index) load(tx layer.Tx, doc string) (Document, bool, error) {
	v, err := tx.Get(ix.docKey(doc)).Get()
	if err != nil || v == nil {
		return Document{}, false, err
	}
	d, err := decodeDoc(doc, v)
	return d, err == nil, err
}

// txBytes estimates, as FoundationDB counts a transaction's size, what
// indexing doc adds: the old document's removal (had) and the new
// postings, statistics and record. Each mutation counts its key and value
// (a clear, its two bounds) and each written or read key its conflict
// range (the key twice, plus one); coalesced ranges make it an
// overestimate.
func (ix *Index) txBytes(doc string, terms []string, counts map[string]int, rec []byte, old Document, had bool) int {
	shard := ix.shard(doc)
	conf := func(k int) int { return 2*k + 1 }
	dk := len(ix.docKey(doc))
	n := dk + len(rec) + 2*conf(dk) // set, read and write conflicts
	for _, sk := range [][]byte{ix.statKey(shard, "n"), ix.statKey(shard, "len")} {
		n += 2 * (len(sk) + 8 + conf(len(sk)))
	}
	plen := len(encodePosting(math.MaxInt32, math.MaxInt32))
	for _, term := range terms {
		pk, fk := len(ix.postingKey(term, doc)), len(ix.dfKey(term, shard))
		n += pk + plen + conf(pk) + fk + 8 + conf(fk)
		if counts[term] > 1 {
			mk := len(ix.maxKey(term))
			n += mk + 8 + conf(mk)
		}
	}
	if had {
		n += dk + 1 // the old record's clear
		for term := range old.Terms {
			pk, fk := len(ix.postingKey(term, doc)), len(ix.dfKey(term, shard))
			n += conf(pk) + 2*(fk+8)              // the clear's bounds, Add, CompareAndClear
			if _, again := counts[term]; !again { // else counted above
				n += conf(pk) + conf(fk)
			}
		}
	}
	return n
}

func (ix *Index) removeDoc(tx layer.Tx, doc string, d Document) {
	shard := ix.shard(doc)
	for term := range d.Terms {
		tx.Clear(ix.postingKey(term, doc))
		k := ix.dfKey(term, shard)
		tx.Add(k, le64(-1))
		tx.CompareAndClear(k, zero8)
	}
	tx.Clear(ix.docKey(doc))
	tx.Add(ix.statKey(shard, "n"), le64(-1))
	tx.Add(ix.statKey(shard, "len"), le64(-int64(d.Length)))
}

// Document returns what the index keeps of doc, or ErrNotFound.
func (ix *Index) Document(tx layer.ReadTx, doc string) (Document, error) {
	if err := checkDocID(doc); err != nil {
		return Document{}, err
	}
	v, err := tx.Get(ix.docKey(doc)).Get()
	if err != nil {
		return Document{}, err
	}
	if v == nil {
		return Document{}, fmt.Errorf("%w: %q", ErrNotFound, doc)
	}
	return decodeDoc(doc, v)
}

// Stats are the collection statistics.
type Stats struct {
	// Docs is the number of indexed documents.
	Docs int64
	// TotalLength is the sum of their lengths (term occurrences).
	TotalLength int64
}

// AvgLength is TotalLength / Docs (0 for an empty index).
func (s Stats) AvgLength() float64 {
	if s.Docs <= 0 {
		return 0
	}
	return float64(s.TotalLength) / float64(s.Docs)
}

// Stats reads the collection statistics: one range read over the shards.
func (ix *Index) Stats(tx layer.ReadTx) (Stats, error) {
	return ix.readStats(tx.GetRange(ix.statRange(), layer.RangeOptions{Mode: layer.StreamingModeWantAll}))
}

func (ix *Index) readStats(rr layer.RangeResult) (Stats, error) {
	kvs, err := rr.Slice()
	if err != nil {
		return Stats{}, err
	}
	var s Stats
	for _, kv := range kvs {
		t, err := ix.ss.Unpack(kv.Key)
		if err != nil || len(t) != 3 {
			return Stats{}, fmt.Errorf("%w: statistics key", ErrCorrupt)
		}
		n, err := readLE(kv.Value)
		if err != nil {
			return Stats{}, err
		}
		switch t[2] {
		case "n":
			s.Docs += n
		case "len":
			s.TotalLength += n
		}
	}
	return s, nil
}

// DocFreq returns the number of indexed documents that hold term: the sum
// of its shards.
func (ix *Index) DocFreq(tx layer.ReadTx, term string) (int64, error) {
	return sumRange(tx.GetRange(ix.dfRange(term), layer.RangeOptions{Mode: layer.StreamingModeWantAll}))
}

func sumRange(rr layer.RangeResult) (int64, error) {
	kvs, err := rr.Slice()
	if err != nil {
		return 0, err
	}
	var sum int64
	for _, kv := range kvs {
		n, err := readLE(kv.Value)
		if err != nil {
			return 0, err
		}
		sum += n
	}
	return sum, nil
}
