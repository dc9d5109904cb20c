package vnstore

import (
	"bytes"
	"errors"
	"fmt"
	"slices"

	"github.com/strata-db/strata/internal/continuation"
	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/tuple"
	"github.com/strata-db/strata/tuplestore"
)

// State is where a change is in its life: pending (being built), applied
// (part of the history, immutable) or abandoned.
type State uint8

// The states of a change.
const (
	Pending   State = 1
	Applied   State = 2
	Abandoned State = 3
)

// String returns "pending", "applied" or "abandoned".
func (s State) String() string {
	switch s {
	case Pending:
		return "pending"
	case Applied:
		return "applied"
	case Abandoned:
		return "abandoned"
	}
	return fmt.Sprintf("State(%d)", uint8(s))
}

// Change describes a change.
type Change struct {
	ID      ChangeID
	State   State
	Message string
	// Created is the read version of the transaction that created the
	// change.
	Created int64
	// Version is the versionstamp of the transaction that applied the
	// change (its significance: history order is the order of these), or
	// the zero Versionstamp if the change is not applied.
	Version tuple.Versionstamp
	// Tuples is the number of tuples the change touches.
	Tuples int
	// Bytes is the estimated size its apply adds to the applying
	// transaction (at most MaxApplyBytes).
	Bytes int
}

// Edit is one tuple of a change and what the change does to it.
type Edit struct {
	Op    Op
	Tuple []any
	// Base is the read version at which the change saw the tuple: that of
	// the transaction that first touched it in this change, or of the last
	// Rebase that found it changed. Apply fails if a change applied after
	// Base touched the tuple.
	Base int64
}

const recordFormat = 1

func encodeRecord(c Change) []byte {
	var version any
	if c.State == Applied {
		version = c.Version
	}
	return tuple.Tuple{recordFormat, int(c.State), c.Message, c.Created, c.Tuples, c.Bytes, version}.Pack()
}

// appliedRecord returns the record of an applied change with an incomplete
// versionstamp, in the form SetVersionstampedValue takes.
func appliedRecord(c Change) []byte {
	b, err := tuple.Tuple{recordFormat, int(Applied), c.Message, c.Created, c.Tuples, c.Bytes, tuple.IncompleteVersionstamp(0)}.PackWithVersionstamp(nil)
	if err != nil {
		panic(err) // a string and integers always pack
	}
	return b
}

func decodeRecord(id ChangeID, v []byte) (Change, error) {
	if v == nil {
		return Change{}, fmt.Errorf("%w: %v", ErrNoChange, id)
	}
	bad := fmt.Errorf("%w: record of change %v", ErrCorrupt, id)
	t, err := tuple.Unpack(v)
	if err != nil || len(t) != 7 {
		return Change{}, bad
	}
	f, ok0 := t[0].(int64)
	st, ok1 := t[1].(int64)
	msg, ok2 := t[2].(string)
	created, ok3 := t[3].(int64)
	n, ok4 := t[4].(int64)
	size, ok5 := t[5].(int64)
	if !ok0 || f != recordFormat || !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || st < int64(Pending) || st > int64(Abandoned) {
		return Change{}, bad
	}
	c := Change{ID: id, State: State(st), Message: msg, Created: created, Tuples: int(n), Bytes: int(size)}
	if c.State == Applied {
		vs, ok := t[6].(tuple.Versionstamp)
		if !ok {
			return Change{}, bad
		}
		c.Version = vs
	}
	return c, nil
}

// editable fails unless the change is pending.
func (c Change) editable() error {
	switch c.State {
	case Applied:
		return fmt.Errorf("%w: %v", ErrApplied, c.ID)
	case Abandoned:
		return fmt.Errorf("%w: %v", ErrAbandoned, c.ID)
	}
	return nil
}

func encodeEdit(op Op, base int64) []byte { return tuple.Tuple{int(op), base}.Pack() }

func decodeEdit(v []byte) (Op, int64, error) {
	t, err := tuple.Unpack(v)
	if err == nil && len(t) == 2 {
		op, ok1 := t[0].(int64)
		base, ok2 := t[1].(int64)
		if ok1 && ok2 && (op == int64(Add) || op == int64(Remove)) {
			return Op(op), base, nil
		}
	}
	return 0, 0, fmt.Errorf("%w: edit value %q", ErrCorrupt, v)
}

// CreateChange creates a pending change and returns its id. The change is
// empty, has no message, and records the transaction's read version as its
// creation.
func (s *Store) CreateChange(tx layer.Tx) (ChangeID, error) {
	rv, err := tx.GetReadVersion().Get()
	if err != nil {
		return ChangeID{}, err
	}
	id := newChangeID()
	tx.Set(s.changeKey(id), encodeRecord(Change{ID: id, State: Pending, Created: rv}))
	return id, nil
}

// Change returns the description of a change, or ErrNoChange.
func (s *Store) Change(tx layer.ReadTx, id ChangeID) (Change, error) {
	v, err := tx.Get(s.changeKey(id)).Get()
	if err != nil {
		return Change{}, err
	}
	return decodeRecord(id, v)
}

// Version returns the versionstamp of an applied change: ErrNotApplied if
// it is pending or abandoned.
func (s *Store) Version(tx layer.ReadTx, id ChangeID) (tuple.Versionstamp, error) {
	c, err := s.Change(tx, id)
	if err != nil {
		return tuple.Versionstamp{}, err
	}
	if c.State != Applied {
		return tuple.Versionstamp{}, fmt.Errorf("%w: %v is %v", ErrNotApplied, id, c.State)
	}
	return c.Version, nil
}

// Message replaces the message of a pending change.
func (s *Store) Message(tx layer.Tx, id ChangeID, msg string) error {
	if len(msg) > MaxMessageSize {
		return fmt.Errorf("%w: %d bytes; messages are limited to %d bytes", ErrMessageTooLarge, len(msg), MaxMessageSize)
	}
	c, err := s.Change(tx, id)
	if err != nil {
		return err
	}
	if err := c.editable(); err != nil {
		return err
	}
	c.Message = msg
	tx.Set(s.changeKey(id), encodeRecord(c))
	return nil
}

// Add makes the pending change add the tuple t, and reports whether the
// change's content changed. Adding a tuple that is alive (in the latest
// state the transaction reads) and that the change does not touch is a
// no-op; adding a tuple the change removes drops the removal, and records
// an addition instead if the tuple is now dead; adding a tuple the change
// already adds is a no-op. A new addition records the transaction's read
// version as the tuple's base (see Edit.Base).
func (s *Store) Add(tx layer.Tx, id ChangeID, t []any) (bool, error) { return s.edit(tx, id, t, Add) }

// Remove makes the pending change remove the tuple t, and reports whether
// the change's content changed: the mirror of Add. Removing a tuple the
// change adds drops the addition; removing a dead tuple the change does not
// touch is a no-op.
func (s *Store) Remove(tx layer.Tx, id ChangeID, t []any) (bool, error) {
	return s.edit(tx, id, t, Remove)
}

func (s *Store) edit(tx layer.Tx, id ChangeID, t []any, op Op) (bool, error) {
	e, err := s.encode(t)
	if err != nil {
		return false, err
	}
	key := s.changeKey(id)
	ekey := s.editKey(id, e.packed)
	rv := tx.GetReadVersion()
	vals, err := layer.GetAll(tx, [][]byte{key, ekey, s.liveKey(e.packed)})
	if err != nil {
		return false, err
	}
	c, err := decodeRecord(id, vals[0])
	if err != nil {
		return false, err
	}
	if err := c.editable(); err != nil {
		return false, err
	}
	base, err := rv.Get()
	if err != nil {
		return false, err
	}
	alive := vals[2] != nil
	cost := s.cost(len(e.packed), op)
	es := s.editStore(id)
	if vals[1] != nil {
		prev, _, err := decodeEdit(vals[1])
		if err != nil {
			return false, err
		}
		if prev == op {
			return false, nil
		}
		// The opposite edit: drop it, then edit again from the state now.
		if err := es.Remove(tx, t); err != nil {
			return false, err
		}
		c.Tuples--
		c.Bytes -= s.cost(len(e.packed), prev)
		if alive != (op == Add) {
			if c.Bytes+cost > MaxApplyBytes {
				return false, fmt.Errorf("%w: change %v would take about %d bytes to apply with this tuple (%d bytes); a change may take %d",
					ErrChangeTooLarge, id, c.Bytes+cost, cost, MaxApplyBytes)
			}
			if err := es.Add(tx, t, encodeEdit(op, base)); err != nil {
				return false, err
			}
			c.Tuples++
			c.Bytes += cost
		}
		tx.Set(key, encodeRecord(c))
		return true, nil
	}
	if alive == (op == Add) {
		return false, nil
	}
	if c.Tuples+1 > MaxChangeTuples {
		return false, fmt.Errorf("%w: change %v touches %d tuples already, the most a change may touch", ErrChangeTooLarge, id, c.Tuples)
	}
	if c.Bytes+cost > MaxApplyBytes {
		return false, fmt.Errorf("%w: change %v would take about %d bytes to apply with this tuple (%d bytes); a change may take %d",
			ErrChangeTooLarge, id, c.Bytes+cost, cost, MaxApplyBytes)
	}
	if err := es.Add(tx, t, encodeEdit(op, base)); err != nil {
		return false, err
	}
	c.Tuples++
	c.Bytes += cost
	tx.Set(key, encodeRecord(c))
	return true, nil
}

// Abandon abandons a pending change: its tuples are cleared, and its record
// stays, so that later edits or applies of it fail with ErrAbandoned.
func (s *Store) Abandon(tx layer.Tx, id ChangeID) error {
	c, err := s.Change(tx, id)
	if err != nil {
		return err
	}
	if err := c.editable(); err != nil {
		return err
	}
	r, err := s.editStore(id).Subspace().FullRange()
	if err != nil {
		return err
	}
	tx.ClearRange(r)
	c.State, c.Tuples, c.Bytes = Abandoned, 0, 0
	tx.Set(s.changeKey(id), encodeRecord(c))
	return nil
}

// touched is one tuple of a change being applied or rebased, with the
// head of its history.
type touched struct {
	op     Op
	base   int64
	items  [][]byte
	packed []byte
	// head is the versionstamp of the last change that touched the tuple,
	// if any (hasHead); alive is the tuple's state after it.
	head    tuple.Versionstamp
	hasHead bool
	alive   bool
}

// conflicts reports whether a change applied after the tuple's base
// touched it.
func (t *touched) conflicts() bool { return t.hasHead && CommitVersion(t.head) > t.base }

// loadEdits reads a change's tuples, then the head of each one's history:
// the range reads are all issued before any is read.
func (s *Store) loadEdits(tx layer.ReadTx, id ChangeID) ([]touched, error) {
	var ts []touched
	for r, err := range s.editStore(id).Lookup(tx, tuplestore.Lookup{Items: make([][]byte, s.n)}) {
		if err != nil {
			return nil, err
		}
		op, base, err := decodeEdit(r.Value)
		if err != nil {
			return nil, err
		}
		t := touched{op: op, base: base, items: make([][]byte, s.n)}
		for _, b := range r.Items {
			t.packed = append(t.packed, b...)
		}
		at := 0
		for i, b := range r.Items {
			t.items[i] = t.packed[at : at+len(b) : at+len(b)]
			at += len(b)
		}
		ts = append(ts, t)
	}
	results := make([]layer.RangeResult, len(ts))
	for i := range ts {
		r, err := layer.PrefixRange(s.histPrefix(ts[i].packed))
		if err != nil {
			return nil, err
		}
		results[i] = tx.GetRange(r, layer.RangeOptions{Limit: 1, Reverse: true})
	}
	for i := range ts {
		kvs, err := results[i].Slice()
		if err != nil {
			return nil, err
		}
		if len(kvs) == 0 {
			continue
		}
		vs, op, err := s.decodeHistory(kvs[0], len(s.histPrefix(ts[i].packed)))
		if err != nil {
			return nil, err
		}
		ts[i].head, ts[i].hasHead, ts[i].alive = vs, true, op == Add
	}
	return ts, nil
}

// decodeHistory reads a key of history index 0 whose version starts at
// offset at, and its value.
func (s *Store) decodeHistory(kv layer.KeyValue, at int) (tuple.Versionstamp, Op, error) {
	v, err := tuplestore.DecodeItem(kv.Key[at:])
	vs, ok := v.(tuple.Versionstamp)
	if err != nil || !ok || len(kv.Value) != 1 || kv.Value[0] > byte(Add) {
		return tuple.Versionstamp{}, 0, fmt.Errorf("%w: history key %q", ErrCorrupt, kv.Key)
	}
	return vs, Op(kv.Value[0]), nil
}

// conflictList builds the conflicts of ts, naming the changes that caused
// them from the apply log.
func (s *Store) conflictList(tx layer.ReadTx, ts []touched) ([]Conflict, error) {
	var out []Conflict
	var keys [][]byte
	for i := range ts {
		t := &ts[i]
		if !t.conflicts() {
			continue
		}
		vals, err := decodeItems(t.items)
		if err != nil {
			return nil, err
		}
		out = append(out, Conflict{Tuple: vals, Op: t.op, Base: t.base, Version: t.head, Alive: t.alive})
		keys = append(keys, s.log.MustPack(tuple.Tuple{t.head}))
	}
	ids, err := layer.GetAll(tx, keys)
	if err != nil {
		return nil, err
	}
	for i, v := range ids {
		if len(v) != 16 {
			return nil, fmt.Errorf("%w: apply log entry %q", ErrCorrupt, keys[i])
		}
		out[i].By = ChangeID(v)
	}
	return out, nil
}

// Apply applies a pending change in the caller's transaction: every tuple
// the change adds is added and every tuple it removes is removed, in the
// live index and in the history, with the transaction's versionstamp as
// the change's version. The history is therefore in commit order, and a
// reader sees all of a change or none of it.
//
// Apply first checks the change: for each tuple, if a change applied after
// the tuple's base (the read version at which this change saw it, Edit.Base)
// touched it, Apply writes nothing and returns a *ConflictError (ErrConflict)
// listing those tuples. Rebase the change and apply it again. A change that
// commits concurrently with this one and touches one of its tuples makes
// this transaction fail to commit (a retryable 1020), and Transact's retry
// then finds the conflict.
//
// Applying a change that is applied (ErrApplied), abandoned (ErrAbandoned)
// or unknown (ErrNoChange) fails, as does a second Apply in the same
// transaction (ErrSecondApply). After Apply, the transaction cannot read
// the change's record, the history of its tuples or the apply log
// (layer.ErrAccessedUnreadable, 1036): their keys hold the versionstamp,
// known at commit. Call tx.GetVersionstamp() before committing to learn it.
func (s *Store) Apply(tx layer.Tx, id ChangeID) error {
	recF := tx.Get(s.changeKey(id))
	headF := tx.Snapshot().Get(s.head)
	v, err := recF.Get()
	if err != nil {
		return err
	}
	c, err := decodeRecord(id, v)
	if err != nil {
		return err
	}
	if err := c.editable(); err != nil {
		return err
	}
	if _, err := headF.Get(); err != nil {
		if errors.Is(err, layer.ErrAccessedUnreadable) {
			return fmt.Errorf("%w: change %v", ErrSecondApply, id)
		}
		return err
	}
	ts, err := s.loadEdits(tx, id)
	if err != nil {
		return err
	}
	if slices.ContainsFunc(ts, func(t touched) bool { return t.conflicts() }) {
		cs, err := s.conflictList(tx, ts)
		if err != nil {
			return err
		}
		return &ConflictError{Change: id, Conflicts: cs}
	}
	stamp := tuple.IncompleteVersionstamp(0)
	for i := range ts {
		t := &ts[i]
		if t.alive == (t.op == Add) {
			continue // nothing to do; only possible if the tuple's base is newer than its head
		}
		vals, err := decodeItems(t.items)
		if err != nil {
			return err
		}
		if err := s.hist.Add(tx, append(vals, stamp), []byte{byte(t.op)}); err != nil {
			return err
		}
		if t.op == Add {
			err = s.live.Add(tx, vals, nil)
		} else {
			err = s.live.Remove(tx, vals)
		}
		if err != nil {
			return err
		}
	}
	c.State = Applied
	tx.SetVersionstampedValue(s.changeKey(id), appliedRecord(c))
	logKey, err := s.log.PackWithVersionstamp(tuple.Tuple{stamp})
	if err != nil {
		return err
	}
	tx.SetVersionstampedKey(logKey, bytes.Clone(id[:]))
	headValue, err := tuple.Tuple{stamp}.PackWithVersionstamp(nil)
	if err != nil {
		return err
	}
	tx.SetVersionstampedValue(s.head, headValue)
	return nil
}

// Rebase moves a pending change onto the latest state: each tuple that a
// change applied after its base touched gets the transaction's read version
// as its new base, and every tuple whose edit has become a no-op (an
// addition of a tuple now alive, a removal of one now dead) is dropped from
// the change. It returns the conflicts it resolved, as Apply would have
// reported them, so that the caller can review them (Show, or a read with
// QueryOptions.Pending) and edit the change before applying it again.
func (s *Store) Rebase(tx layer.Tx, id ChangeID) ([]Conflict, error) {
	c, err := s.Change(tx, id)
	if err != nil {
		return nil, err
	}
	if err := c.editable(); err != nil {
		return nil, err
	}
	rv, err := tx.GetReadVersion().Get()
	if err != nil {
		return nil, err
	}
	ts, err := s.loadEdits(tx, id)
	if err != nil {
		return nil, err
	}
	cs, err := s.conflictList(tx, ts)
	if err != nil {
		return nil, err
	}
	es := s.editStore(id)
	changed := false
	for i := range ts {
		t := &ts[i]
		if !t.conflicts() && t.alive != (t.op == Add) {
			continue
		}
		vals, err := decodeItems(t.items)
		if err != nil {
			return nil, err
		}
		changed = true
		if t.alive == (t.op == Add) {
			if err := es.Remove(tx, vals); err != nil {
				return nil, err
			}
			c.Tuples--
			c.Bytes -= s.cost(len(t.packed), t.op)
			continue
		}
		if err := es.Add(tx, vals, encodeEdit(t.op, rv)); err != nil {
			return nil, err
		}
	}
	if changed {
		tx.Set(s.changeKey(id), encodeRecord(c))
	}
	return cs, nil
}

// Show returns a change and its tuples, in the order of their packed
// items. An applied change keeps its tuples as they were applied; an
// abandoned one has none.
func (s *Store) Show(tx layer.ReadTx, id ChangeID) (Change, []Edit, error) {
	recF := tx.Get(s.changeKey(id))
	rows := s.editStore(id).Lookup(tx, tuplestore.Lookup{Items: make([][]byte, s.n)})
	v, err := recF.Get()
	if err != nil {
		return Change{}, nil, err
	}
	c, err := decodeRecord(id, v)
	if err != nil {
		return Change{}, nil, err
	}
	var out []Edit
	for r, err := range rows {
		if err != nil {
			return Change{}, nil, err
		}
		op, base, err := decodeEdit(r.Value)
		if err != nil {
			return Change{}, nil, err
		}
		vals, err := decodeItems(r.Items)
		if err != nil {
			return Change{}, nil, err
		}
		out = append(out, Edit{Op: op, Tuple: vals, Base: base})
	}
	return c, out, nil
}

// Changes returns every change of the store: the applied ones in apply
// order (commit order), then the pending and abandoned ones in the order
// of their creation. It reads every change record in one transaction, so
// it is bounded by the transaction limits (5 s): for a store with many
// changes, use ChangesPage.
func (s *Store) Changes(tx layer.ReadTx) ([]Change, error) {
	logR := tx.GetRange(s.log.Range(), layer.RangeOptions{Mode: layer.StreamingModeWantAll})
	recR := tx.GetRange(s.changes.Range(), layer.RangeOptions{Mode: layer.StreamingModeWantAll})
	var order []ChangeID
	for kv, err := range logR.All() {
		if err != nil {
			return nil, err
		}
		if len(kv.Value) != 16 {
			return nil, fmt.Errorf("%w: apply log entry %q", ErrCorrupt, kv.Key)
		}
		order = append(order, ChangeID(kv.Value))
	}
	byID := map[ChangeID]Change{}
	var rest []Change
	for kv, err := range recR.All() {
		if err != nil {
			return nil, err
		}
		t, err := s.changes.Unpack(kv.Key)
		var u tuple.UUID
		ok := err == nil && len(t) == 1
		if ok {
			u, ok = t[0].(tuple.UUID)
		}
		if !ok {
			return nil, fmt.Errorf("%w: change key %q", ErrCorrupt, kv.Key)
		}
		c, err := decodeRecord(ChangeID(u), kv.Value)
		if err != nil {
			return nil, err
		}
		if c.State == Applied {
			byID[c.ID] = c
		} else {
			rest = append(rest, c)
		}
	}
	out := make([]Change, 0, len(order)+len(rest))
	for _, id := range order {
		c, ok := byID[id]
		if !ok {
			return nil, fmt.Errorf("%w: applied change %v has no record", ErrCorrupt, id)
		}
		out = append(out, c)
	}
	slices.SortStableFunc(rest, func(a, b Change) int {
		if a.Created != b.Created {
			return compareInt(a.Created, b.Created)
		}
		return bytes.Compare(a.ID[:], b.ID[:])
	})
	return append(out, rest...), nil
}

// DefaultChangesScan is how many change records a ChangesPage reads at
// most, past the applied ones, when its scan argument is 0.
const DefaultChangesScan = 10000

// ChangesPage returns up to limit changes (all if limit <= 0) from after,
// a continuation of an earlier page (nil for the first), and the
// continuation of the next page, nil after the last. The applied changes
// come first, in apply order, as in Changes; the pending and abandoned
// ones follow in id order (not creation order: Changes sorts them, which
// needs them all). Looking for those, a page reads at most scan change
// records (DefaultChangesScan if 0, no cap if negative), so it may return
// fewer than limit changes, even none, with a non-nil continuation: page
// until the continuation is nil. Each page is a few range reads; with
// after, pages of different transactions resume where the last one
// stopped.
func (s *Store) ChangesPage(tx layer.ReadTx, limit, scan int, after tuplestore.Continuation) ([]Change, tuplestore.Continuation, error) {
	fp := s.changes.Bytes()
	phase, from := int64(0), []byte(nil)
	if after != nil {
		t, err := continuation.Decode(after, fp, 2)
		var ok1, ok2 bool
		if err == nil {
			phase, ok1 = t[0].(int64)
			from, ok2 = t[1].([]byte)
		}
		if err != nil || !ok1 || !ok2 || phase < 0 || phase > 1 {
			return nil, nil, fmt.Errorf("%w: changes: malformed", tuplestore.ErrContinuation)
		}
	}
	if scan == 0 {
		scan = DefaultChangesScan
	}
	var out []Change
	if phase == 0 {
		r := s.log.Range()
		if from != nil {
			r.Begin = append(slices.Clip(from), 0x00)
		}
		kvs, err := tx.GetRange(r, layer.RangeOptions{Limit: max(limit, 0), Mode: layer.StreamingModeWantAll}).Slice()
		if err != nil {
			return nil, nil, err
		}
		futs := make([]layer.Future[[]byte], len(kvs))
		for i, kv := range kvs {
			if len(kv.Value) != 16 {
				return nil, nil, fmt.Errorf("%w: apply log entry %q", ErrCorrupt, kv.Key)
			}
			futs[i] = tx.Get(s.changeKey(ChangeID(kv.Value)))
		}
		for i, f := range futs {
			v, err := f.Get()
			if err != nil {
				return nil, nil, err
			}
			id := ChangeID(kvs[i].Value)
			if v == nil {
				return nil, nil, fmt.Errorf("%w: applied change %v has no record", ErrCorrupt, id)
			}
			c, err := decodeRecord(id, v)
			if err != nil {
				return nil, nil, err
			}
			out = append(out, c)
		}
		if limit > 0 && len(out) >= limit {
			return out, continuation.Encode(fp, int64(0), kvs[len(kvs)-1].Key), nil
		}
		phase, from = 1, nil
	}
	r := s.changes.Range()
	if from != nil {
		r.Begin = append(slices.Clip(from), 0x00)
	}
	read := 0
	for kv, err := range tx.GetRange(r, layer.RangeOptions{}).All() {
		if err != nil {
			return nil, nil, err
		}
		read++
		t, err := s.changes.Unpack(kv.Key)
		var u tuple.UUID
		ok := err == nil && len(t) == 1
		if ok {
			u, ok = t[0].(tuple.UUID)
		}
		if !ok {
			return nil, nil, fmt.Errorf("%w: change key %q", ErrCorrupt, kv.Key)
		}
		c, err := decodeRecord(ChangeID(u), kv.Value)
		if err != nil {
			return nil, nil, err
		}
		if c.State != Applied {
			out = append(out, c)
		}
		if limit > 0 && len(out) >= limit || scan > 0 && read >= scan {
			return out, continuation.Encode(fp, int64(1), slices.Clone(kv.Key)), nil
		}
	}
	return out, nil, nil
}

func compareInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
