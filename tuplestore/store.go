package tuplestore

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"iter"

	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/subspace"
)

// Store is an n-tuple store over a subspace: a set of tuples of n items,
// each with a value, indexed so that any pattern is one range read. A Store
// is a description (the subspace and the layout); it holds no data and no
// transaction, and is safe to share between goroutines.
type Store struct {
	ss      subspace.Subspace
	layout  *Layout
	name    string
	columns []string
}

// New returns the store of n columns kept under ss, with found's layout.
// Nothing is read or written: a store exists by its keys. The store named
// (prefix) with n columns in found is New(subspace.FromTuple(prefix), n).
func New(ss subspace.Subspace, n int) (*Store, error) {
	l, err := LayoutOf(n)
	if err != nil {
		return nil, err
	}
	return &Store{ss: ss, layout: l}, nil
}

// NewWithLayout returns a store kept under ss with another index set than
// found's, for layers that need their own (a versioned store may want every
// index to end with its version columns, say). Lookups the layout cannot
// narrow to one prefix are filtered as they are read. A store written so
// is not readable by found, and its layout is part of its format: open it
// with the same layout every time.
func NewWithLayout(ss subspace.Subspace, l *Layout) *Store { return &Store{ss: ss, layout: l} }

// Subspace returns the subspace the store's keys live under.
func (s *Store) Subspace() subspace.Subspace { return s.ss }

// Columns returns the number of columns, n.
func (s *Store) Columns() int { return s.layout.n }

// ColumnNames returns the column names the store was registered with, or
// nil.
func (s *Store) ColumnNames() []string { return s.columns }

// Name returns the name the store was registered with, or "".
func (s *Store) Name() string { return s.name }

// Layout returns the store's indexes.
func (s *Store) Layout() *Layout { return s.layout }

// String names the store.
func (s *Store) String() string {
	if s.name != "" {
		return fmt.Sprintf("tuplestore %q (%d columns, %s)", s.name, s.layout.n, s.ss)
	}
	return fmt.Sprintf("tuplestore (%d columns, %s)", s.layout.n, s.ss)
}

// keyLen returns the length of the longest index key of a tuple whose
// packed items take size bytes.
func (s *Store) keyLen(size int) int { return len(s.ss.Bytes()) + s.layout.maxPacked + size }

// checkKeySize fails when e's keys would be over layer.MaxKeySize (with
// the four offset bytes SetVersionstampedKey takes, for a versionstamped
// tuple, which both FoundationDB and the embedded engine count).
func (s *Store) checkKeySize(e encodedTuple, t []any) error {
	n := s.keyLen(e.size)
	if e.vsItem >= 0 {
		n += 4
	}
	if n <= layer.MaxKeySize {
		return nil
	}
	i := e.largest()
	return &ItemError{Pattern: -1, Position: i, Item: t[i], Err: ErrKeyTooLarge,
		Detail: fmt.Sprintf("the largest item takes %d bytes packed, making index keys of up to %d bytes with the store's %d-byte prefix; keys are limited to %d bytes",
			len(e.items[i]), n, len(s.ss.Bytes()), layer.MaxKeySize)}
}

// indexKey appends to dst the key of the encoded tuple in index i.
func (s *Store) indexKey(dst []byte, i int, e encodedTuple) []byte {
	dst = append(dst, s.ss.Bytes()...)
	dst = append(dst, s.layout.packed[i]...)
	for _, c := range s.layout.indexes[i] {
		dst = append(dst, e.items[c]...)
	}
	return dst
}

// Add writes the tuple t (n items) with value in every index, replacing the
// value if the tuple is there. value may be nil: found's default, the empty
// value. Everything is checked before the first write, so on error nothing
// is written: the item count (ErrArity), every item (ErrItem), the key size
// (ErrKeyTooLarge) and the value size (ErrValueTooLarge).
//
// One item may be an incomplete versionstamp (tuple.IncompleteVersionstamp),
// at the top level or inside a nested tuple: every index key is then
// written with SetVersionstampedKey, and the database puts the
// transaction's versionstamp in it at commit. Such a tuple cannot be read in
// the transaction that adds it (the read fails with
// layer.ErrAccessedUnreadable, 1036): its keys are not known until commit.
// Ask tx.GetVersionstamp() before committing; after the commit, its 10
// bytes with the item's user version form the complete tuple.Versionstamp.
func (s *Store) Add(tx layer.Tx, t []any, value []byte) error {
	if len(value) > layer.MaxValueSize {
		return fmt.Errorf("%w: %d bytes; values are limited to %d bytes", ErrValueTooLarge, len(value), layer.MaxValueSize)
	}
	e, err := encodeTuple(t, s.layout.n, true)
	if err != nil {
		return err
	}
	if err := s.checkKeySize(e, t); err != nil {
		return err
	}
	if value == nil {
		value = []byte{}
	}
	// One buffer holds every key; the engines copy what they keep, but the
	// contract does not promise it, so keys are not reused.
	per := s.keyLen(e.size)
	if e.vsItem >= 0 {
		per += 4
	}
	buf := make([]byte, 0, per*len(s.layout.indexes))
	for i := range s.layout.indexes {
		start := len(buf)
		buf = s.indexKey(buf, i, e)
		if e.vsItem >= 0 {
			at := len(s.ss.Bytes()) + len(s.layout.packed[i])
			for _, c := range s.layout.indexes[i] {
				if c == e.vsItem {
					break
				}
				at += len(e.items[c])
			}
			buf = binary.LittleEndian.AppendUint32(buf, uint32(at+e.vsOffset))
			tx.SetVersionstampedKey(buf[start:len(buf):len(buf)], value)
			continue
		}
		tx.Set(buf[start:len(buf):len(buf)], value)
	}
	return nil
}

// Remove deletes the tuple t from every index. Removing a tuple that is not
// there does nothing. Errors are as for Add, except that an incomplete
// versionstamp is refused (ErrIncompleteVersionstamp); nothing is cleared
// on error.
func (s *Store) Remove(tx layer.Tx, t []any) error {
	e, err := s.encodeComplete(t)
	if err != nil {
		return err
	}
	buf := make([]byte, 0, s.keyLen(e.size)*len(s.layout.indexes))
	for i := range s.layout.indexes {
		start := len(buf)
		buf = s.indexKey(buf, i, e)
		tx.Clear(buf[start:len(buf):len(buf)])
	}
	return nil
}

// Get returns the value of the tuple t and whether the store holds it,
// reading index 0 as found does. A tuple added without a value has the
// empty, non-nil value.
func (s *Store) Get(tx layer.ReadTx, t []any) ([]byte, bool, error) {
	e, err := s.encodeComplete(t)
	if err != nil {
		return nil, false, err
	}
	v, err := tx.Get(s.indexKey(nil, 0, e)).Get()
	if err != nil {
		return nil, false, err
	}
	if v == nil {
		return nil, false, nil
	}
	return v, true, nil
}

// encodeComplete checks a tuple for Remove and Get.
func (s *Store) encodeComplete(t []any) (encodedTuple, error) {
	e, err := encodeTuple(t, s.layout.n, false)
	if err != nil {
		return e, err
	}
	if err := s.checkKeySize(e, t); err != nil {
		return e, err
	}
	return e, nil
}

// Lookup implements Source: it starts the read of the tuples whose items at
// the columns in q.Bound are q.Items, on the index the layout chooses: a
// point read when every column is bound, else a range read of the keys
// that start with the bound items in the index's order (the rows that
// index cannot narrow are filtered). Rows come in key order; Row.Key is the
// index key.
func (s *Store) Lookup(tx layer.ReadTx, q Lookup) iter.Seq2[Row, error] {
	n := s.layout.n
	if q.Bound == FullMask(n) {
		return s.pointLookup(tx, q)
	}
	idx, k := s.layout.Choose(q.Bound)
	perm := s.layout.indexes[idx]
	prefix := s.prefix(idx, perm[:k], q.Items)
	end, err := layer.Strinc(prefix)
	if err != nil {
		return errSeq(err)
	}
	begin := prefix
	if q.After != nil {
		after := q.After
		if !q.Inclusive {
			after = append(after[:len(after):len(after)], 0)
		}
		if bytes.Compare(after, begin) > 0 {
			begin = after
		}
	}
	if bytes.Compare(begin, end) >= 0 {
		return func(func(Row, error) bool) {}
	}
	res := tx.GetRange(layer.KeyRange{Begin: begin, End: end}, layer.RangeOptions{})
	// Bound columns past the index prefix are filtered here.
	var filter []int
	for _, c := range perm[k:] {
		if q.Bound.Has(c) {
			filter = append(filter, c)
		}
	}
	return func(yield func(Row, error) bool) {
		items := make([][]byte, n)
		split := make([][]byte, 0, n)
		for kv, err := range res.All() {
			if err != nil {
				yield(Row{}, err)
				return
			}
			split, err = SplitItems(split[:0], kv.Key[len(prefix):])
			if err != nil || len(split) != n-k {
				yield(Row{}, fmt.Errorf("%w: %s: %d items after the prefix, want %d (%v)", ErrCorrupt, layerKey(kv.Key), len(split), n-k, err))
				return
			}
			for _, c := range perm[:k] {
				items[c] = q.Items[c]
			}
			for j, c := range perm[k:] {
				items[c] = split[j]
			}
			ok := true
			for _, c := range filter {
				if !bytes.Equal(items[c], q.Items[c]) {
					ok = false
					break
				}
			}
			if ok && !yield(Row{Key: kv.Key, Items: items, Value: kv.Value}, nil) {
				return
			}
		}
	}
}

// pointLookup reads the one key a fully bound lookup names, in index 0.
func (s *Store) pointLookup(tx layer.ReadTx, q Lookup) iter.Seq2[Row, error] {
	key := s.prefix(0, s.layout.indexes[0], q.Items)
	if q.After != nil {
		if c := bytes.Compare(key, q.After); c < 0 || c == 0 && !q.Inclusive {
			return func(func(Row, error) bool) {}
		}
	}
	f := tx.Get(key)
	return func(yield func(Row, error) bool) {
		v, err := f.Get()
		if err != nil {
			yield(Row{}, err)
			return
		}
		if v != nil {
			yield(Row{Key: key, Items: q.Items, Value: v}, nil)
		}
	}
}

// prefix returns the store's prefix, index idx's number and the items of
// the given columns in order.
func (s *Store) prefix(idx int, cols []int, items [][]byte) []byte {
	size := len(s.ss.Bytes()) + len(s.layout.packed[idx])
	for _, c := range cols {
		size += len(items[c])
	}
	b := make([]byte, 0, size+1)
	b = append(b, s.ss.Bytes()...)
	b = append(b, s.layout.packed[idx]...)
	for _, c := range cols {
		b = append(b, items[c]...)
	}
	return b
}

// Estimate implements Source: the database's estimate of the bytes in the
// range Lookup would read.
func (s *Store) Estimate(tx layer.ReadTx, q Lookup) layer.Future[int64] {
	idx, k := s.layout.Choose(q.Bound)
	prefix := s.prefix(idx, s.layout.indexes[idx][:k], q.Items)
	end, err := layer.Strinc(prefix)
	if err != nil {
		return layer.Ready[int64](0, err)
	}
	return tx.GetEstimatedRangeSizeBytes(layer.KeyRange{Begin: prefix, End: end})
}

// SourceID implements Source: the store's prefix and column count.
func (s *Store) SourceID() []byte {
	return fmt.Appendf(bytes.Clone(s.ss.Bytes()), "/%d", s.layout.n)
}

// Query matches the patterns against the store: see Join, which it calls
// with the store as the source of every pattern.
func (s *Store) Query(tx layer.ReadTx, opts QueryOptions, patterns ...Pattern) *Cursor {
	clauses := make([]Clause, len(patterns))
	for i, p := range patterns {
		clauses[i] = Clause{Source: s, Pattern: p}
	}
	return Join(tx, opts, clauses...)
}

func errSeq(err error) iter.Seq2[Row, error] {
	return func(yield func(Row, error) bool) { yield(Row{}, err) }
}

// layerKey renders a key for an error message.
func layerKey(k []byte) string { return fmt.Sprintf("key %q", k) }
