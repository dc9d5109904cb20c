package tuplestore

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"iter"
	"slices"

	"github.com/strata-db/strata/internal/continuation"
	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/tuple"
)

// Source is a relation of n-tuples that Join matches patterns against. A
// Store is one; a layer built on this package (a versioned store, say)
// provides others, such as its state as of some version, and reuses the
// planner, the unifier and the batched joins of Join.
type Source interface {
	// Columns returns the number of items of the source's tuples.
	Columns() int
	// Lookup starts reading the tuples whose items at the columns of
	// q.Bound are q.Items, and returns them in increasing Row.Key order,
	// starting after (or at, with q.Inclusive) q.After when it is set.
	// It must issue its reads before it returns, so that the lookups of a
	// batch, started one after the other, run in parallel; the sequence is
	// ranged over once, in the same transaction.
	Lookup(tx layer.ReadTx, q Lookup) iter.Seq2[Row, error]
	// Estimate returns an estimate of the bytes Lookup would read, for the
	// planner; a source without estimates returns layer.Ready[int64](0, nil).
	Estimate(tx layer.ReadTx, q Lookup) layer.Future[int64]
	// SourceID names the source's data (a Store returns its prefix and
	// column count), so that a continuation is refused by another source.
	SourceID() []byte
}

// Lookup is a request to a Source.
type Lookup struct {
	// Bound is the set of columns whose items are known.
	Bound Mask
	// Items holds, by column, the packed item (see EncodeItem) of each
	// column in Bound; the others are nil.
	Items [][]byte
	// After, when set, restarts a read: only rows whose Key sorts after it
	// (or equals it, with Inclusive) are wanted.
	After     []byte
	Inclusive bool
}

// Row is one tuple a Source returns. Its slices belong to the source and
// are valid only until the sequence moves to the next row.
type Row struct {
	// Key is the row's position in the lookup's order (a Store's index
	// key); Join keeps it in continuations.
	Key []byte
	// Items are the packed items by column.
	Items [][]byte
	// Value is the tuple's value.
	Value []byte
}

// Clause is one pattern of a join and the source it is matched against.
type Clause struct {
	Source  Source
	Pattern Pattern
}

// DefaultBatch is the number of lookups Join issues together when
// QueryOptions.Batch is zero.
const DefaultBatch = 64

// QueryOptions controls a query.
type QueryOptions struct {
	// Limit caps the number of bindings; 0 means no limit.
	Limit int
	// After resumes the query after the last binding an earlier run of the
	// same query yielded (Cursor.Continuation), typically in another
	// transaction.
	After Continuation
	// Batch is how many lookups of one pattern are issued together for
	// consecutive bindings of the patterns before it (DefaultBatch if 0).
	Batch int
	// ScanLimit caps the work of one run: the lookups it issues and the
	// rows they return. When it is reached the run stops early, even with
	// fewer than Limit bindings (even none), and Cursor.Continuation is
	// the position after the last row read, not after the last binding
	// yielded, so the next page resumes past what this one scanned. 0
	// means DefaultScanLimit when Limit is set and no cap when it is not
	// (a query without Limit reads to the end); a negative value means no
	// cap.
	ScanLimit int
}

// DefaultScanLimit is the scan budget of a page (a query with a Limit)
// when QueryOptions.ScanLimit is zero.
const DefaultScanLimit = continuation.DefaultScanLimit

// scanLimit returns the effective budget, 0 for none.
func (o QueryOptions) scanLimit() int { return continuation.ScanBudget(o.ScanLimit, o.Limit) }

// Continuation is an opaque position in the results of a query, from
// Cursor.Continuation, that QueryOptions.After resumes from. It is valid
// for the same patterns over the same sources only. Its String form is
// base64 (URL alphabet), which ParseContinuation reads back.
type Continuation []byte

// String returns the continuation in unpadded URL-safe base64.
func (c Continuation) String() string { return continuation.String(c) }

// ParseContinuation reads the String form of a continuation.
func ParseContinuation(s string) (Continuation, error) {
	b, err := continuation.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrContinuation, err)
	}
	return b, nil
}

// Cursor is a query bound to a transaction. Range over All once, inside
// the transaction function; afterwards Continuation says where to resume.
type Cursor struct {
	tx      layer.ReadTx
	opts    QueryOptions
	clauses []Clause
	vars    []Var

	ran     bool
	invalid bool     // the query or its continuation was refused
	done    bool     // the results were read to their end
	last    [][]byte // the path of the last binding yielded or, after a stop on the scan budget, a prefix of the last row read (or resumed from)
	order   []int
	fp      []byte
}

// Join matches the clauses' patterns together: each binding it yields
// gives every named variable of every pattern an item such that, with
// variables replaced, each pattern is a tuple of its source. Variables
// unify: all occurrences of a name, in one pattern or several, stand for
// the same item (compared by packed encoding).
//
// Join plans first (see Plan): it starts with the most selective pattern,
// then binds the rest in turn, each with as many columns known as
// possible. Each pattern after the first is looked up once per binding of
// the ones before; those lookups are issued QueryOptions.Batch at a time
// before any is read, so that on FoundationDB their round trips overlap.
// Bindings come in the order of the keys the plan reads, which is stable
// for given data, and resume exactly after a continuation even if the data
// changed in between.
//
// Join validates the clauses when All is ranged over; errors (wrong
// arity, an unencodable value, an incomplete versionstamp in a pattern)
// come out of the iterator before any binding.
func Join(tx layer.ReadTx, opts QueryOptions, clauses ...Clause) *Cursor {
	c := &Cursor{tx: tx, opts: opts, clauses: clauses}
	ps := make([]Pattern, len(clauses))
	for i, cl := range clauses {
		ps[i] = cl.Pattern
	}
	c.vars = Vars(ps...)
	return c
}

// Vars returns the named variables of the query in the order of their first
// occurrence: the keys of every Binding.
func (c *Cursor) Vars() []Var { return c.vars }

// Order returns the plan: the clause numbers in the order they are
// matched. It is known once All has started.
func (c *Cursor) Order() []int { return c.order }

// Continuation returns the position after the last binding All yielded
// (after the last row it read, if it stopped on QueryOptions.ScanLimit),
// for QueryOptions.After, or nil if All read the results to their end. A
// page may thus yield fewer bindings than Limit, even none, with a non-nil
// continuation: page until the continuation is nil. If
// All stopped on an error, it is where that run resumed from (or a
// continuation that starts from the beginning), so that a retry repeats
// nothing; if the query itself was refused, it is QueryOptions.After.
func (c *Cursor) Continuation() Continuation {
	if !c.ran || c.invalid {
		return c.opts.After
	}
	if c.done {
		return nil
	}
	path := make(tuple.Tuple, len(c.last))
	for i, k := range c.last {
		path[i] = k
	}
	order := make(tuple.Tuple, len(c.order))
	for i, o := range c.order {
		order[i] = o
	}
	return continuation.Encode(c.fp, order, path)
}

// All yields the bindings, at most QueryOptions.Limit of them. It may be
// ranged over once.
func (c *Cursor) All() iter.Seq2[Binding, error] {
	return func(yield func(Binding, error) bool) {
		if c.ran {
			yield(nil, errors.New("tuplestore: Cursor.All ranged over twice"))
			return
		}
		c.ran = true
		e, err := c.start()
		if err != nil {
			c.invalid = true
			yield(nil, err)
			return
		}
		root := brow{onPath: len(e.resume) > 0}
		if e.run(0, []brow{root}, yield) {
			c.done = true
		}
	}
}

// compiled is a clause checked and numbered.
type compiled struct {
	src    Source
	n      int
	consts [][]byte // packed values by column; nil for variables
	slots  []int    // variable slot by column; valueCol or anyCol otherwise
}

const (
	valueCol = -1
	anyCol   = -2
)

// compile checks the clauses and numbers their variables by slot, in the
// order of vars.
func compile(clauses []Clause, vars []Var) ([]*compiled, error) {
	if len(clauses) == 0 {
		return nil, ErrNoPatterns
	}
	slot := make(map[Var]int, len(vars))
	for i, v := range vars {
		slot[v] = i
	}
	out := make([]*compiled, len(clauses))
	for ci, cl := range clauses {
		if cl.Source == nil {
			return nil, fmt.Errorf("tuplestore: pattern %d has no source", ci)
		}
		n := cl.Source.Columns()
		if len(cl.Pattern) != n {
			return nil, fmt.Errorf("%w: pattern %d, %v, has %d items for %d columns", ErrArity, ci, cl.Pattern, len(cl.Pattern), n)
		}
		c := &compiled{src: cl.Source, n: n, consts: make([][]byte, n), slots: make([]int, n)}
		for i, x := range cl.Pattern {
			if v, ok := x.(Var); ok {
				if v == Any {
					c.slots[i] = anyCol
				} else {
					c.slots[i] = slot[v]
				}
				continue
			}
			b, err := EncodeItem(x)
			if err != nil {
				if errors.Is(err, tuple.ErrIncompleteVersionstamp) {
					return nil, &ItemError{Pattern: ci, Position: i, Item: x, Err: ErrIncompleteVersionstamp}
				}
				return nil, &ItemError{Pattern: ci, Position: i, Item: x, Err: ErrItem, Cause: err}
			}
			c.consts[i] = b
			c.slots[i] = valueCol
		}
		out[ci] = c
	}
	return out, nil
}

// constMask is the set of columns that hold values.
func (c *compiled) constMask() Mask {
	var m Mask
	for i, s := range c.slots {
		if s == valueCol {
			m |= 1 << uint(i)
		}
	}
	return m
}

// boundMask is the set of columns known when the variables in bound are.
func (c *compiled) boundMask(bound []bool) Mask {
	var m Mask
	for i, s := range c.slots {
		if s == valueCol || s >= 0 && bound[s] {
			m |= 1 << uint(i)
		}
	}
	return m
}

// shares reports whether the clause has a variable in bound.
func (c *compiled) shares(bound []bool) bool {
	for _, s := range c.slots {
		if s >= 0 && bound[s] {
			return true
		}
	}
	return false
}

// fingerprint identifies a query: its sources and patterns.
func fingerprint(cs []*compiled, vars []Var) []byte {
	h := sha256.New()
	for _, c := range cs {
		id := c.src.SourceID()
		fmt.Fprintf(h, "source %d %d\n", len(id), c.n)
		h.Write(id)
		for i, s := range c.slots {
			switch {
			case s == valueCol:
				fmt.Fprintf(h, "v%d:", len(c.consts[i]))
				h.Write(c.consts[i])
			case s == anyCol:
				h.Write([]byte("_;"))
			default:
				fmt.Fprintf(h, "?%d:%s;", len(vars[s]), vars[s])
			}
		}
	}
	return h.Sum(nil)[:16]
}

// Plan returns the order in which Join matches the clauses: first the one
// with the most columns given as values, and among those the one whose
// range the database estimates smallest (GetEstimatedRangeSizeBytes,
// asked of the tied clauses at once); then, repeatedly, among the clauses
// that share a variable with those before (if any does, so that no
// cartesian product comes before a join), the one with the most columns
// known (values, and variables bound by the clauses before it), ties
// broken by the same estimates, then by the clauses' order.
func Plan(tx layer.ReadTx, clauses ...Clause) ([]int, error) {
	ps := make([]Pattern, len(clauses))
	for i, cl := range clauses {
		ps[i] = cl.Pattern
	}
	vars := Vars(ps...)
	cs, err := compile(clauses, vars)
	if err != nil {
		return nil, err
	}
	return plan(tx, cs, len(vars))
}

func plan(tx layer.ReadTx, cs []*compiled, nvars int) ([]int, error) {
	if len(cs) == 1 {
		return []int{0}, nil
	}
	estimates := make([]int64, len(cs))
	known := make([]bool, len(cs))
	estimate := func(cands []int) error {
		futures := make([]layer.Future[int64], len(cs))
		for _, i := range cands {
			if !known[i] {
				m := cs[i].constMask()
				futures[i] = cs[i].src.Estimate(tx, Lookup{Bound: m, Items: cs[i].consts})
			}
		}
		for _, i := range cands {
			if futures[i] == nil {
				continue
			}
			v, err := futures[i].Get()
			if err != nil {
				return err
			}
			estimates[i], known[i] = v, true
		}
		return nil
	}
	bound := make([]bool, nvars)
	anyBound := false
	used := make([]bool, len(cs))
	order := make([]int, 0, len(cs))
	for len(order) < len(cs) {
		// rank: connected to the variables bound so far (when some are),
		// then the number of known columns.
		best := -1
		var cands []int
		for i, c := range cs {
			if used[i] {
				continue
			}
			rank := c.boundMask(bound).Count()
			if anyBound && c.shares(bound) {
				rank += MaxColumns + 1
			}
			switch {
			case rank > best:
				best, cands = rank, []int{i}
			case rank == best:
				cands = append(cands, i)
			}
		}
		pick := cands[0]
		if len(cands) > 1 {
			if err := estimate(cands); err != nil {
				return nil, err
			}
			for _, i := range cands[1:] {
				if estimates[i] < estimates[pick] {
					pick = i
				}
			}
		}
		used[pick] = true
		order = append(order, pick)
		for _, s := range cs[pick].slots {
			if s >= 0 {
				bound[s], anyBound = true, true
			}
		}
	}
	return order, nil
}

// step is one clause of a plan, with what is known before it.
type step struct {
	c     *compiled
	bound Mask
	// binds are the first occurrences of new variables; checks are later
	// occurrences in the same clause, compared with the column of the
	// first.
	binds  []colSlot
	checks []colPair
}

type colSlot struct{ col, slot int }
type colPair struct{ col, ref int }

// executor runs a plan for one Cursor.
type executor struct {
	cur    *Cursor
	tx     layer.ReadTx
	steps  []step
	nslots int
	batch  int
	resume [][]byte // path to resume after; nil for the start
	count  int
	budget int // the scan budget; 0 for none
	work   int // lookups issued and rows read
}

// spent counts n units of work and reports whether the budget is used up.
func (e *executor) spent(n int) bool {
	e.work += n
	return e.budget > 0 && e.work >= e.budget
}

// brow is a partial binding: the packed items of the variables bound so
// far (by slot), and the key read at each step so far.
type brow struct {
	slots  [][]byte
	path   [][]byte
	onPath bool // every key of path equals the resume path's
}

// start compiles, plans (or takes the plan of the continuation) and
// prepares the steps.
func (c *Cursor) start() (*executor, error) {
	cs, err := compile(c.clauses, c.vars)
	if err != nil {
		return nil, err
	}
	c.fp = fingerprint(cs, c.vars)
	e := &executor{cur: c, tx: c.tx, nslots: len(c.vars), batch: c.opts.Batch, budget: c.opts.scanLimit()}
	if e.batch <= 0 {
		e.batch = DefaultBatch
	}
	if c.opts.After != nil {
		c.order, e.resume, err = c.decodeAfter(len(cs))
		if err != nil {
			return nil, err
		}
	} else if c.order, err = plan(c.tx, cs, len(c.vars)); err != nil {
		return nil, err
	}
	c.last = e.resume
	bound := make([]bool, len(c.vars))
	for _, ci := range c.order {
		cl := cs[ci]
		st := step{c: cl, bound: cl.boundMask(bound)}
		first := map[int]int{} // slot -> column of its first occurrence here
		for col, s := range cl.slots {
			if s < 0 || st.bound.Has(col) {
				continue
			}
			if ref, ok := first[s]; ok {
				st.checks = append(st.checks, colPair{col, ref})
				continue
			}
			first[s] = col
			st.binds = append(st.binds, colSlot{col, s})
		}
		for _, s := range cl.slots {
			if s >= 0 {
				bound[s] = true
			}
		}
		e.steps = append(e.steps, st)
	}
	return e, nil
}

// decodeAfter reads a continuation: the plan and the path to resume after.
func (c *Cursor) decodeAfter(nclauses int) ([]int, [][]byte, error) {
	bad := func(why string) ([]int, [][]byte, error) {
		return nil, nil, fmt.Errorf("%w: %s", ErrContinuation, why)
	}
	t, err := continuation.Decode(c.opts.After, c.fp, 2)
	if err != nil {
		return bad(err.Error())
	}
	ot, ok1 := t[0].(tuple.Tuple)
	pt, ok2 := t[1].(tuple.Tuple)
	// A path shorter than the plan (left by a stop on the scan budget)
	// resumes after every extension of its last key.
	if !ok1 || !ok2 || len(ot) != nclauses || len(pt) > nclauses {
		return bad("malformed")
	}
	order := make([]int, nclauses)
	seen := make([]bool, nclauses)
	for i, x := range ot {
		o, ok := x.(int64)
		if !ok || o < 0 || o >= int64(nclauses) || seen[o] {
			return bad("malformed plan")
		}
		seen[o] = true
		order[i] = int(o)
	}
	var path [][]byte
	for _, x := range pt {
		k, ok := x.([]byte)
		if !ok {
			return bad("malformed path")
		}
		path = append(path, k)
	}
	return order, path, nil
}

// run matches step l for each of the parents, in order, and the steps
// after it for their extensions, batch by batch. It returns false when the
// consumer stopped, the limit was reached or an error was yielded.
func (e *executor) run(l int, parents []brow, yield func(Binding, error) bool) bool {
	if l == len(e.steps) {
		for i := range parents {
			if !e.emit(&parents[i], yield) {
				return false
			}
		}
		return true
	}
	st := &e.steps[l]
	// The resume path's last key was done with its extensions: resume
	// after it; before, at it.
	last := l == len(e.resume)-1
	// Issue every lookup of the batch before reading any.
	lookups := make([]iter.Seq2[Row, error], len(parents))
	for i := range parents {
		p := &parents[i]
		q := Lookup{Bound: st.bound, Items: make([][]byte, st.c.n)}
		for col, s := range st.c.slots {
			switch {
			case s == valueCol:
				q.Items[col] = st.c.consts[col]
			case s >= 0 && st.bound.Has(col):
				q.Items[col] = p.slots[s]
			}
		}
		if p.onPath {
			q.After, q.Inclusive = e.resume[l], !last
		}
		lookups[i] = st.c.src.Lookup(e.tx, q)
	}
	e.spent(len(parents))
	var next []brow
	for i := range parents {
		p := &parents[i]
		for r, err := range lookups[i] {
			if err != nil {
				yield(nil, err)
				return false
			}
			child, ok := e.extend(st, l, p, r)
			if ok {
				next = append(next, child)
			}
			out := e.spent(1)
			if len(next) > 0 && (len(next) >= e.batch || out) {
				if !e.run(l+1, next, yield) {
					return false
				}
				next = nil
			}
			if out {
				// Out of budget, with everything up to this row done:
				// resume after it and its extensions.
				path := make([][]byte, l+1)
				copy(path, p.path)
				path[l] = slices.Clone(r.Key)
				e.cur.last = path
				return false
			}
		}
	}
	if len(next) > 0 {
		return e.run(l+1, next, yield)
	}
	return true
}

// extend unifies a row with a partial binding: it checks repeated
// variables and binds the new ones, copying what it keeps out of the row.
func (e *executor) extend(st *step, l int, p *brow, r Row) (brow, bool) {
	for _, c := range st.checks {
		if !bytes.Equal(r.Items[c.col], r.Items[c.ref]) {
			return brow{}, false
		}
	}
	size := len(r.Key)
	for _, b := range st.binds {
		size += len(r.Items[b.col])
	}
	arena := make([]byte, 0, size)
	all := make([][]byte, e.nslots+l+1)
	slots, path := all[:e.nslots:e.nslots], all[e.nslots:]
	copy(slots, p.slots)
	copy(path, p.path)
	for _, b := range st.binds {
		at := len(arena)
		arena = append(arena, r.Items[b.col]...)
		slots[b.slot] = arena[at:len(arena):len(arena)]
	}
	at := len(arena)
	arena = append(arena, r.Key...)
	path[l] = arena[at:]
	onPath := p.onPath && l < len(e.resume)-1 && bytes.Equal(r.Key, e.resume[l])
	return brow{slots: slots, path: path, onPath: onPath}, true
}

// emit decodes a complete binding and yields it.
func (e *executor) emit(p *brow, yield func(Binding, error) bool) bool {
	b := make(Binding, len(e.cur.vars))
	for s, v := range e.cur.vars {
		x, err := DecodeItem(p.slots[s])
		if err != nil {
			yield(nil, fmt.Errorf("%w: item of %v: %v", ErrCorrupt, v, err))
			return false
		}
		b[v] = x
	}
	e.cur.last = p.path
	e.count++
	if !yield(b, nil) {
		return false
	}
	return e.cur.opts.Limit <= 0 || e.count < e.cur.opts.Limit
}
