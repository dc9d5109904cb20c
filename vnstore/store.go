package vnstore

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/subspace"
	"github.com/strata-db/strata/layer/tuple"
	"github.com/strata-db/strata/tuplestore"
)

// MaxColumns is the largest number of columns of a versioned store: the
// history index adds a version column to tuplestore's MaxColumns.
const MaxColumns = tuplestore.MaxColumns - 1

// Limits of a change, so that Apply fits in one transaction.
const (
	// MaxChangeTuples is the most tuples one change may touch, which
	// bounds the reads of Apply (one per tuple) well inside FoundationDB's
	// five seconds.
	MaxChangeTuples = 10_000
	// MaxApplyBytes bounds the estimated size of the transaction that
	// applies a change (mutations and conflict ranges, as FoundationDB
	// counts them; see Change.Bytes), leaving a megabyte of
	// layer.DefaultSizeLimit for the change's record, its message and the
	// caller's own writes.
	MaxApplyBytes = 9_000_000
	// MaxMessageSize is the longest message, in bytes.
	MaxMessageSize = 10_000
)

// ChangeID names a change. Ids are random (RFC 4122 version 4 UUIDs); the
// zero ChangeID names no change.
type ChangeID [16]byte

// String formats the id as a UUID: 8-4-4-4-12 lower-case hex digits.
func (id ChangeID) String() string { return tuple.UUID(id).String() }

// IsZero reports whether id is the zero ChangeID.
func (id ChangeID) IsZero() bool { return id == ChangeID{} }

// ParseChangeID reads a change id in the form String writes, with or
// without the dashes.
func ParseChangeID(s string) (ChangeID, error) {
	var id ChangeID
	h := strings.ReplaceAll(strings.TrimSpace(s), "-", "")
	if len(h) != 32 {
		return id, fmt.Errorf("%w: %q: want 32 hex digits", ErrChangeID, s)
	}
	if _, err := hex.Decode(id[:], []byte(h)); err != nil {
		return id, fmt.Errorf("%w: %q: %v", ErrChangeID, s, err)
	}
	return id, nil
}

func newChangeID() ChangeID {
	var id ChangeID
	rand.Read(id[:])
	id[6] = id[6]&0x0f | 0x40
	id[8] = id[8]&0x3f | 0x80
	return id
}

// Op is what a change does to a tuple: add it or remove it.
type Op uint8

// The two operations.
const (
	Remove Op = 0
	Add    Op = 1
)

// String returns "add" or "remove".
func (o Op) String() string {
	if o == Add {
		return "add"
	}
	return "remove"
}

// Store is a versioned n-tuple store over a subspace: a set of tuples of n
// items changed only by applying changes, with the history of every tuple.
// Like a tuplestore.Store it is a description (the subspace and the
// layouts), holds no data and no transaction, and is safe to share.
type Store struct {
	ss      subspace.Subspace
	n       int
	name    string
	columns []string

	live    *tuplestore.Store // ("l"): found's layout, the latest state
	hist    *tuplestore.Store // ("h"): found's indexes + a version column
	changes subspace.Subspace // ("c", id): change records
	edits   subspace.Subspace // ("e", id, ...): the tuples of each change
	log     subspace.Subspace // ("v", versionstamp): apply order
	head    []byte            // ("head"): the last apply's versionstamp

	editLayout *tuplestore.Layout // one index, the identity
	maxIndex   int                // bytes of the longest packed index number
}

// New returns the versioned store of n columns (1 to MaxColumns) kept under
// ss. Nothing is read or written.
func New(ss subspace.Subspace, n int) (*Store, error) {
	if n < 1 || n > MaxColumns {
		return nil, fmt.Errorf("%w: %d columns; want 1 to %d", ErrColumns, n, MaxColumns)
	}
	ll, err := tuplestore.LayoutOf(n)
	if err != nil {
		return nil, err
	}
	hl, err := historyLayout(n)
	if err != nil {
		return nil, err
	}
	el, err := editLayout(n)
	if err != nil {
		return nil, err
	}
	live, err := tuplestore.New(ss.Sub("l"), n)
	if err != nil {
		return nil, err
	}
	s := &Store{
		ss:         ss,
		n:          n,
		live:       live,
		hist:       tuplestore.NewWithLayout(ss.Sub("h"), hl),
		changes:    ss.Sub("c"),
		edits:      ss.Sub("e"),
		log:        ss.Sub("v"),
		head:       ss.MustPack(tuple.Tuple{"head"}),
		editLayout: el,
		maxIndex:   len(ll.IndexKey(ll.Len() - 1)),
	}
	return s, nil
}

var layouts [MaxColumns + 1]struct {
	once       sync.Once
	hist, edit *tuplestore.Layout
	err        error
}

func buildLayouts(n int) {
	e := &layouts[n]
	e.once.Do(func() {
		base, err := tuplestore.Indexes(n)
		if err != nil {
			e.err = err
			return
		}
		perms := make([]tuplestore.Permutation, len(base))
		for i, p := range base {
			perms[i] = append(append(make(tuplestore.Permutation, 0, n+1), p...), n)
		}
		if e.hist, e.err = tuplestore.NewLayout(perms); e.err != nil {
			return
		}
		id := make(tuplestore.Permutation, n)
		for i := range id {
			id[i] = i
		}
		e.edit, e.err = tuplestore.NewLayout([]tuplestore.Permutation{id})
	})
}

// historyLayout is found's indexes for n columns, each followed by the
// version column n: every set of item columns is a prefix of one index, and
// the versions of one tuple are adjacent, in version order.
func historyLayout(n int) (*tuplestore.Layout, error) {
	buildLayouts(n)
	return layouts[n].hist, layouts[n].err
}

// editLayout is one index, the identity permutation.
func editLayout(n int) (*tuplestore.Layout, error) {
	buildLayouts(n)
	return layouts[n].edit, layouts[n].err
}

// Subspace returns the subspace the store's keys live under.
func (s *Store) Subspace() subspace.Subspace { return s.ss }

// Columns returns the number of columns, n.
func (s *Store) Columns() int { return s.n }

// ColumnNames returns the column names the store was registered with, or
// nil.
func (s *Store) ColumnNames() []string { return s.columns }

// Name returns the name the store was registered with, or "".
func (s *Store) Name() string { return s.name }

// String names the store.
func (s *Store) String() string {
	if s.name != "" {
		return fmt.Sprintf("vnstore %q (%d columns, %s)", s.name, s.n, s.ss)
	}
	return fmt.Sprintf("vnstore (%d columns, %s)", s.n, s.ss)
}

// encoded is a tuple checked and packed for the store.
type encoded struct {
	items  [][]byte // packed items by column
	packed []byte   // their concatenation: the packed tuple
}

// encode checks t (n items, each a value the tuple encoding takes, no
// incomplete versionstamp) and that every key it makes fits.
func (s *Store) encode(t []any) (encoded, error) {
	if len(t) != s.n {
		return encoded{}, fmt.Errorf("%w: %d items for %d columns", tuplestore.ErrArity, len(t), s.n)
	}
	e := encoded{items: make([][]byte, s.n)}
	largest := 0
	for i, v := range t {
		if _, ok := v.(tuplestore.Var); ok {
			return encoded{}, &tuplestore.ItemError{Pattern: -1, Position: i, Item: v, Err: tuplestore.ErrItem, Detail: "a variable is not a value"}
		}
		b, err := tuplestore.EncodeItem(v)
		if errors.Is(err, tuple.ErrIncompleteVersionstamp) {
			return encoded{}, &tuplestore.ItemError{Pattern: -1, Position: i, Item: v, Err: tuplestore.ErrIncompleteVersionstamp,
				Detail: "a versioned store's tuples are written at apply; use complete values"}
		}
		if err != nil {
			return encoded{}, &tuplestore.ItemError{Pattern: -1, Position: i, Item: v, Err: tuplestore.ErrItem, Cause: err}
		}
		e.items[i] = b
		e.packed = append(e.packed, b...)
		if len(b) > len(e.items[largest]) {
			largest = i
		}
	}
	if k := s.keyLen(len(e.packed)); k > layer.MaxKeySize {
		return encoded{}, &tuplestore.ItemError{Pattern: -1, Position: largest, Item: t[largest], Err: tuplestore.ErrKeyTooLarge,
			Detail: fmt.Sprintf("the largest item takes %d bytes packed, making keys of up to %d bytes with the store's prefix and version; keys are limited to %d bytes",
				len(e.items[largest]), k, layer.MaxKeySize)}
	}
	return e, nil
}

// versionLen is the length of a packed versionstamp item.
const versionLen = 13

// histKeyLen returns the length of the longest history key of a tuple whose
// packed items take size bytes, with the four offset bytes of
// SetVersionstampedKey.
func (s *Store) histKeyLen(size int) int {
	return len(s.hist.Subspace().Bytes()) + s.maxIndex + size + versionLen + 4
}

// liveKeyLen returns the length of the longest live key of such a tuple.
func (s *Store) liveKeyLen(size int) int {
	return len(s.live.Subspace().Bytes()) + s.maxIndex + size
}

// keyLen returns the length of the longest key the store writes for a
// tuple whose packed items take size bytes.
func (s *Store) keyLen(size int) int {
	edit := len(s.edits.Bytes()) + 1 + 17 + 1 + size // ("e", uuid, 0, items)
	return max(s.histKeyLen(size), s.liveKeyLen(size), edit)
}

// cost returns an upper bound of the bytes that applying op on one tuple
// whose packed items take size bytes adds to the applying transaction, as
// FoundationDB counts them: for each of the C(n, n/2) indexes, the history
// key (a SetVersionstampedKey: key, offset and value, and its write
// conflict range) and the live key (a Set of an empty value for an
// addition, a Clear counted as a range for a removal, and its write
// conflict range); and the read conflict range of the tuple's history.
func (s *Store) cost(size int, op Op) int {
	c := s.live.Layout().Len()
	kh := s.histKeyLen(size)
	kl := s.liveKeyLen(size)
	live := 3*kl + 1
	if op == Remove {
		live = 4*kl + 2
	}
	return c*(3*kh+2+live) + 2*kh
}

// changeKey returns the key of a change's record.
func (s *Store) changeKey(id ChangeID) []byte { return s.changes.MustPack(tuple.Tuple{tuple.UUID(id)}) }

// editStore returns the store of a change's tuples: one index, the
// identity, under ("e", id).
func (s *Store) editStore(id ChangeID) *tuplestore.Store {
	return tuplestore.NewWithLayout(s.edits.Sub(tuple.UUID(id)), s.editLayout)
}

// indexKey returns the key of the packed tuple e in index i of st, without
// a version: st's prefix, the index number, the items in the index's order.
func indexKey(st *tuplestore.Store, i int, items [][]byte) []byte {
	l := st.Layout()
	b := append([]byte(nil), st.Subspace().Bytes()...)
	b = append(b, l.IndexKey(i)...)
	for _, c := range l.Index(i)[:len(items)] {
		b = append(b, items[c]...)
	}
	return b
}

// histPrefix returns the prefix of every history key of a tuple in index 0
// (whose permutation is the identity, then the version).
func (s *Store) histPrefix(packed []byte) []byte {
	b := append([]byte(nil), s.hist.Subspace().Bytes()...)
	b = append(b, s.hist.Layout().IndexKey(0)...)
	return append(b, packed...)
}

// liveKey returns the key of a tuple in the live index 0.
func (s *Store) liveKey(packed []byte) []byte {
	b := append([]byte(nil), s.live.Subspace().Bytes()...)
	b = append(b, s.live.Layout().IndexKey(0)...)
	return append(b, packed...)
}

// editKey returns the key of a tuple among a change's edits.
func (s *Store) editKey(id ChangeID, packed []byte) []byte {
	b := append([]byte(nil), s.edits.Sub(tuple.UUID(id)).Bytes()...)
	b = append(b, s.editLayout.IndexKey(0)...)
	return append(b, packed...)
}

// decodeItems decodes packed items.
func decodeItems(items [][]byte) ([]any, error) {
	out := make([]any, len(items))
	for i, b := range items {
		v, err := tuplestore.DecodeItem(b)
		if err != nil {
			return nil, fmt.Errorf("%w: item %d: %v", ErrCorrupt, i, err)
		}
		out[i] = v
	}
	return out, nil
}

// packedVersion returns the packed item of a versionstamp.
func packedVersion(v tuple.Versionstamp) []byte {
	b, _ := tuplestore.EncodeItem(v)
	return b
}

// CommitVersion returns the commit version a versionstamp holds: its first
// eight bytes, big-endian. Read versions compare with it: a transaction
// reading at version r sees exactly the changes applied with a commit
// version at or below r.
func CommitVersion(v tuple.Versionstamp) int64 {
	var x int64
	for _, b := range v.TransactionVersion[:8] {
		x = x<<8 | int64(b)
	}
	return x
}
