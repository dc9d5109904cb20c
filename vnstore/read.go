package vnstore

import (
	"bytes"
	"fmt"
	"iter"
	"slices"

	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/tuple"
	"github.com/strata-db/strata/tuplestore"
)

// QueryOptions says which state a read sees, and for Query how many
// bindings it yields and where it resumes.
type QueryOptions struct {
	// AsOf, when set, reads the state just after that applied change
	// (time travel) instead of the latest one.
	AsOf ChangeID
	// Pending, when set, reads the latest state with that pending change's
	// edits on top, as if it were applied: its author's view. AsOf and
	// Pending exclude each other.
	Pending ChangeID

	// Limit, After, Batch and ScanLimit are those of
	// tuplestore.QueryOptions; Ask ignores them. As there, a page may
	// yield fewer than Limit bindings (even none) with a non-nil
	// continuation when it runs out of scan budget: page until the
	// continuation is nil.
	Limit     int
	After     tuplestore.Continuation
	Batch     int
	ScanLimit int
}

func (o QueryOptions) check() error {
	if !o.AsOf.IsZero() && !o.Pending.IsZero() {
		return fmt.Errorf("%w: AsOf and Pending together", ErrOptions)
	}
	return nil
}

// Latest returns the latest state of the store as a tuplestore.Source, to
// join with other sources (tuplestore.Join). It reads the live index, kept
// current by Apply: each lookup is one range read.
func (s *Store) Latest() tuplestore.Source { return liveSource{s.live} }

// AsOf returns the state of the store just after the change applied with
// versionstamp v as a tuplestore.Source. Any versionstamp works: the state
// is that of the changes applied at or before it.
func (s *Store) AsOf(v tuple.Versionstamp) tuplestore.Source {
	return &asOfSource{s: s, version: packedVersion(v)}
}

// WithPending returns the latest state with the edits of the pending
// change id on top as a tuplestore.Source, after checking in tx that the
// change is pending (else ErrNotPending, or ErrNoChange if there is none).
// Use the source in transactions where the change stays pending.
func (s *Store) WithPending(tx layer.ReadTx, id ChangeID) (tuplestore.Source, error) {
	v, err := tx.Get(s.changeKey(id)).Get()
	if err == nil {
		err = s.checkPending(id, v)
	}
	if err != nil {
		return nil, err
	}
	return &overlaySource{s: s, id: id, checked: true}, nil
}

// source returns the Source of the state opts names, for one query: a
// change it names is read on the first lookup, in the query's transaction.
func (s *Store) source(opts QueryOptions) tuplestore.Source {
	switch {
	case !opts.AsOf.IsZero():
		return &asOfSource{s: s, change: opts.AsOf}
	case !opts.Pending.IsZero():
		return &overlaySource{s: s, id: opts.Pending}
	}
	return s.Latest()
}

// Query matches patterns against the state opts names (the latest state by
// default) and yields a binding per match, with tuplestore's planner,
// unifier and batched joins (tuplestore.Join); read it as a
// tuplestore.Cursor. At the latest state each lookup is one range read of
// the live index; as of a change, one range read of the history; with a
// pending change, those of the live index and of the change's edits.
func (s *Store) Query(tx layer.ReadTx, opts QueryOptions, patterns ...tuplestore.Pattern) *tuplestore.Cursor {
	qo := tuplestore.QueryOptions{Limit: opts.Limit, After: opts.After, Batch: opts.Batch, ScanLimit: opts.ScanLimit}
	var src tuplestore.Source
	if err := opts.check(); err != nil {
		src = errSource{s.n, err}
	} else {
		src = s.source(opts)
	}
	clauses := make([]tuplestore.Clause, len(patterns))
	for i, p := range patterns {
		clauses[i] = tuplestore.Clause{Source: src, Pattern: p}
	}
	return tuplestore.Join(tx, qo, clauses...)
}

// Ask reports whether the tuple t is alive in the state opts names: one
// point read at the latest state, one reverse range read of the tuple's
// history as of a change, and one more point read for a pending change.
func (s *Store) Ask(tx layer.ReadTx, t []any, opts QueryOptions) (bool, error) {
	if err := opts.check(); err != nil {
		return false, err
	}
	e, err := s.encode(t)
	if err != nil {
		return false, err
	}
	switch {
	case !opts.AsOf.IsZero():
		v, err := s.Version(tx, opts.AsOf)
		if err != nil {
			return false, err
		}
		prefix := s.histPrefix(e.packed)
		end := append(append(bytes.Clone(prefix), packedVersion(v)...), 0)
		kvs, err := tx.GetRange(layer.KeyRange{Begin: prefix, End: end}, layer.RangeOptions{Limit: 1, Reverse: true}).Slice()
		if err != nil || len(kvs) == 0 {
			return false, err
		}
		_, op, err := s.decodeHistory(kvs[0], len(prefix))
		return op == Add, err
	case !opts.Pending.IsZero():
		vals, err := layer.GetAll(tx, [][]byte{s.changeKey(opts.Pending), s.editKey(opts.Pending, e.packed), s.liveKey(e.packed)})
		if err != nil {
			return false, err
		}
		if err := s.checkPending(opts.Pending, vals[0]); err != nil {
			return false, err
		}
		if vals[1] != nil {
			op, _, err := decodeEdit(vals[1])
			return op == Add, err
		}
		return vals[2] != nil, nil
	}
	v, err := tx.Get(s.liveKey(e.packed)).Get()
	return v != nil, err
}

// checkPending fails unless the record v says the change is pending.
func (s *Store) checkPending(id ChangeID, v []byte) error {
	c, err := decodeRecord(id, v)
	if err != nil {
		return err
	}
	if c.State != Pending {
		return fmt.Errorf("%w: %v is %v", ErrNotPending, id, c.State)
	}
	return nil
}

// Event is one entry of a tuple's history.
type Event struct {
	// Change is the change that added or removed the tuple; Version is
	// its versionstamp.
	Change  ChangeID
	Version tuple.Versionstamp
	Op      Op
}

// History returns every addition and removal of the tuple t by an applied
// change, in apply order: one range read of its history, and one point
// read per event (issued together) for the change ids.
func (s *Store) History(tx layer.ReadTx, t []any) ([]Event, error) {
	e, err := s.encode(t)
	if err != nil {
		return nil, err
	}
	prefix := s.histPrefix(e.packed)
	r, err := layer.PrefixRange(prefix)
	if err != nil {
		return nil, err
	}
	var out []Event
	var keys [][]byte
	for kv, err := range tx.GetRange(r, layer.RangeOptions{}).All() {
		if err != nil {
			return nil, err
		}
		vs, op, err := s.decodeHistory(kv, len(prefix))
		if err != nil {
			return nil, err
		}
		out = append(out, Event{Version: vs, Op: op})
		keys = append(keys, s.log.MustPack(tuple.Tuple{vs}))
	}
	ids, err := layer.GetAll(tx, keys)
	if err != nil {
		return nil, err
	}
	for i, v := range ids {
		if len(v) != 16 {
			return nil, fmt.Errorf("%w: apply log entry %q", ErrCorrupt, keys[i])
		}
		out[i].Change = ChangeID(v)
	}
	return out, nil
}

// liveSource is the live index, read only.
type liveSource struct{ st *tuplestore.Store }

func (l liveSource) Columns() int { return l.st.Columns() }
func (l liveSource) Lookup(tx layer.ReadTx, q tuplestore.Lookup) iter.Seq2[tuplestore.Row, error] {
	return l.st.Lookup(tx, q)
}
func (l liveSource) Estimate(tx layer.ReadTx, q tuplestore.Lookup) layer.Future[int64] {
	return l.st.Estimate(tx, q)
}
func (l liveSource) SourceID() []byte { return l.st.SourceID() }

// errSource fails every lookup.
type errSource struct {
	n   int
	err error
}

func (e errSource) Columns() int { return e.n }
func (e errSource) Lookup(layer.ReadTx, tuplestore.Lookup) iter.Seq2[tuplestore.Row, error] {
	return func(yield func(tuplestore.Row, error) bool) { yield(tuplestore.Row{}, e.err) }
}
func (e errSource) Estimate(layer.ReadTx, tuplestore.Lookup) layer.Future[int64] {
	return layer.Ready[int64](0, nil)
}
func (e errSource) SourceID() []byte { return nil }

// asOfSource is the state as of a version: the history index, each tuple's
// entries (adjacent, in version order) folded to the op of the last one at
// or before the version. The version is given, or read from the record of
// a change on the first lookup, in the one transaction of its query.
type asOfSource struct {
	s       *Store
	version []byte // packed versionstamp; nil until resolved
	change  ChangeID
	pending layer.Future[[]byte] // the change's record, being read
	err     error
}

// start issues the read of the change's record if the version is not
// known; resolve returns the version.
func (a *asOfSource) start(tx layer.ReadTx) {
	if a.version == nil && a.pending == nil && a.err == nil {
		a.pending = tx.Get(a.s.changeKey(a.change))
	}
}

func (a *asOfSource) resolve() ([]byte, error) {
	if a.version != nil || a.err != nil {
		return a.version, a.err
	}
	v, err := a.pending.Get()
	if err == nil {
		var c Change
		if c, err = decodeRecord(a.change, v); err == nil {
			if c.State != Applied {
				err = fmt.Errorf("%w: %v is %v", ErrNotApplied, a.change, c.State)
			} else {
				a.version = packedVersion(c.Version)
			}
		}
	}
	a.err = err
	return a.version, a.err
}

func (a *asOfSource) Columns() int { return a.s.n }

// histLookup turns a lookup of n columns into one of the history's n+1.
// A row's key, for continuations, is its history key without the
// version: resuming after it skips every version of the tuple, resuming
// at it reads them all again.
func (a *asOfSource) histLookup(q tuplestore.Lookup) tuplestore.Lookup {
	n := a.s.n
	h := tuplestore.Lookup{Bound: q.Bound & tuplestore.FullMask(n), Items: make([][]byte, n+1)}
	copy(h.Items, q.Items)
	if q.After != nil {
		h.After, h.Inclusive = q.After, true
		if !q.Inclusive {
			h.After = append(bytes.Clone(q.After), 0xff)
		}
	}
	return h
}

func (a *asOfSource) Lookup(tx layer.ReadTx, q tuplestore.Lookup) iter.Seq2[tuplestore.Row, error] {
	a.start(tx)
	rows := a.s.hist.Lookup(tx, a.histLookup(q))
	n := a.s.n
	return func(yield func(tuplestore.Row, error) bool) {
		version, err := a.resolve()
		if err != nil {
			yield(tuplestore.Row{}, err)
			return
		}
		var cur []byte // key of the current tuple, without the version
		items := make([][]byte, n)
		alive := false
		flush := func() bool {
			if cur == nil || !alive {
				return true
			}
			return yield(tuplestore.Row{Key: cur, Items: items}, nil)
		}
		for r, err := range rows {
			if err != nil {
				yield(tuplestore.Row{}, err)
				return
			}
			v := r.Items[n]
			key := r.Key[:len(r.Key)-len(v)]
			if !bytes.Equal(key, cur) {
				if !flush() {
					return
				}
				cur = bytes.Clone(key)
				// The items alias the key: copy them with it.
				items = make([][]byte, n)
				for i := range items {
					items[i] = bytes.Clone(r.Items[i])
				}
				alive = false
			}
			if bytes.Compare(v, version) <= 0 {
				alive = len(r.Value) == 1 && r.Value[0] == byte(Add)
			}
		}
		flush()
	}
}

func (a *asOfSource) Estimate(tx layer.ReadTx, q tuplestore.Lookup) layer.Future[int64] {
	return a.s.hist.Estimate(tx, a.histLookup(q))
}

func (a *asOfSource) SourceID() []byte {
	id := append(bytes.Clone(a.s.hist.SourceID()), "@"...)
	if a.version != nil {
		return append(id, a.version...)
	}
	return append(append(id, "change:"...), a.change[:]...)
}

// overlaySource is the latest state with a pending change's edits on top.
// Its rows are those of the live index, in the live index's key order,
// less the tuples the change removes, merged with the tuples it adds under
// the keys they would have in the live index. Unless checked, the first
// lookup reads the change's record, in the one transaction of its query,
// to check that the change is pending.
type overlaySource struct {
	s       *Store
	id      ChangeID
	checked bool
	pending layer.Future[[]byte]
	err     error
}

func (o *overlaySource) Columns() int { return o.s.n }

func (o *overlaySource) check() error {
	if !o.checked {
		v, err := o.pending.Get()
		if err == nil {
			err = o.s.checkPending(o.id, v)
		}
		o.checked, o.err = true, err
	}
	return o.err
}

// liveIndex returns the index of the live store that a lookup of bound
// reads.
func (o *overlaySource) liveIndex(bound tuplestore.Mask) int {
	if bound == tuplestore.FullMask(o.s.n) {
		return 0 // a point read of index 0, as tuplestore.Store.Lookup
	}
	i, _ := o.s.live.Layout().Choose(bound)
	return i
}

func (o *overlaySource) Lookup(tx layer.ReadTx, q tuplestore.Lookup) iter.Seq2[tuplestore.Row, error] {
	if !o.checked && o.pending == nil {
		o.pending = tx.Get(o.s.changeKey(o.id))
	}
	edits := o.s.editStore(o.id).Lookup(tx, tuplestore.Lookup{Bound: q.Bound, Items: q.Items})
	live := o.s.live.Lookup(tx, q)
	n := o.s.n
	idx := o.liveIndex(q.Bound)
	return func(yield func(tuplestore.Row, error) bool) {
		if err := o.check(); err != nil {
			yield(tuplestore.Row{}, err)
			return
		}
		type add struct {
			key   []byte
			items [][]byte
		}
		var adds []add
		removed := map[string]bool{}
		for r, err := range edits {
			if err != nil {
				yield(tuplestore.Row{}, err)
				return
			}
			op, _, err := decodeEdit(r.Value)
			if err != nil {
				yield(tuplestore.Row{}, err)
				return
			}
			if op == Remove {
				removed[string(bytes.Join(r.Items, nil))] = true
				continue
			}
			items := make([][]byte, n)
			for i := range items {
				items[i] = bytes.Clone(r.Items[i])
			}
			key := indexKey(o.s.live, idx, items)
			if q.After != nil {
				if c := bytes.Compare(key, q.After); c < 0 || c == 0 && !q.Inclusive {
					continue
				}
			}
			adds = append(adds, add{key, items})
		}
		slices.SortFunc(adds, func(a, b add) int { return bytes.Compare(a.key, b.key) })
		next := 0
		for r, err := range live {
			if err != nil {
				yield(tuplestore.Row{}, err)
				return
			}
			for next < len(adds) && bytes.Compare(adds[next].key, r.Key) <= 0 {
				a := adds[next]
				next++
				if bytes.Equal(a.key, r.Key) {
					continue // alive already: yielded below
				}
				if !yield(tuplestore.Row{Key: a.key, Items: a.items}, nil) {
					return
				}
			}
			if removed[string(bytes.Join(r.Items, nil))] {
				continue
			}
			if !yield(r, nil) {
				return
			}
		}
		for _, a := range adds[next:] {
			if !yield(tuplestore.Row{Key: a.key, Items: a.items}, nil) {
				return
			}
		}
	}
}

func (o *overlaySource) Estimate(tx layer.ReadTx, q tuplestore.Lookup) layer.Future[int64] {
	return o.s.live.Estimate(tx, q)
}

func (o *overlaySource) SourceID() []byte {
	return append(append(bytes.Clone(o.s.live.SourceID()), "+pending:"...), o.id[:]...)
}
