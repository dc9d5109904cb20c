package eav

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"iter"
	"math"
	"math/big"
	"slices"
	"strings"

	"github.com/strata-db/strata/internal/continuation"
	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/tuple"
	"github.com/strata-db/strata/tuplestore"
)

type op uint8

const (
	opEq op = iota + 1
	opGe
	opGt
	opLe
	opLt
	opBetween
	opPrefix
	opHas
)

var opNames = map[op]string{opEq: "=", opGe: ">=", opGt: ">", opLe: "<=", opLt: "<", opBetween: "between", opPrefix: "^=", opHas: "has"}

// Cond is one condition of a query, on one attribute. A document matches
// when one of the attribute's values does (any element, for a list). Make
// conditions with Eq, Ge, Gt, Le, Lt, Between, Prefix and Has.
//
// Comparisons are within a kind of value: numbers (integers and floats
// together, compared by value, so Eq("n", 1) matches 1 and 1.0), strings
// and bytes (by bytes), booleans (false before true), UUIDs (by bytes),
// times (chronologically). Ge("age", 30) matches no string. NaN matches no
// condition but Has.
type Cond struct {
	Attr string
	op   op
	a, b any
}

// Eq matches documents where attr has the value v.
func Eq(attr string, v any) Cond { return Cond{Attr: attr, op: opEq, a: v} }

// Ge matches documents where attr has a value >= v (of v's kind).
func Ge(attr string, v any) Cond { return Cond{Attr: attr, op: opGe, a: v} }

// Gt matches documents where attr has a value > v (of v's kind).
func Gt(attr string, v any) Cond { return Cond{Attr: attr, op: opGt, a: v} }

// Le matches documents where attr has a value <= v (of v's kind).
func Le(attr string, v any) Cond { return Cond{Attr: attr, op: opLe, a: v} }

// Lt matches documents where attr has a value < v (of v's kind).
func Lt(attr string, v any) Cond { return Cond{Attr: attr, op: opLt, a: v} }

// Between matches documents where attr has a value from lo to hi, both
// included; lo and hi are of the same kind.
func Between(attr string, lo, hi any) Cond { return Cond{Attr: attr, op: opBetween, a: lo, b: hi} }

// Prefix matches documents where attr has a string (or, for a []byte p, a
// byte string) that starts with p.
func Prefix(attr string, p any) Cond { return Cond{Attr: attr, op: opPrefix, a: p} }

// Has matches documents that have a value for attr (an empty list is no
// value).
func Has(attr string) Cond { return Cond{Attr: attr, op: opHas} }

// String renders the condition: age >= 30, age between 30 and 40.
func (c Cond) String() string {
	switch c.op {
	case opHas:
		return "has " + c.Attr
	case opBetween:
		return fmt.Sprintf("%s between %v and %v", c.Attr, show(c.a), show(c.b))
	}
	return fmt.Sprintf("%s %s %v", c.Attr, opNames[c.op], show(c.a))
}

func show(v any) any {
	if s, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	return v
}

// vrange is a range of index key suffixes (item and id), end excluded.
type vrange struct{ begin, end []byte }

// ccond is a compiled condition.
type ccond struct {
	Cond
	attrItem []byte
	ranges   []vrange // sorted, disjoint
	exact    bool     // one item at most: an id cannot match twice
}

func queryErr(c Cond, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrQuery, c, fmt.Sprintf(format, args...))
}

// kindOf classes a stored element for comparisons: its first type code,
// with the integer codes and the double together.
func kindOf(e any) string {
	switch e.(type) {
	case int64, uint64, float64:
		return "number"
	case string:
		return "string"
	case []byte:
		return "bytes"
	case bool:
		return "boolean"
	case tuple.Tuple:
		return "time"
	}
	return "uuid"
}

// kindRange is the range of item encodings of a kind other than numbers.
var kindRange = map[string]vrange{
	"bytes":   {[]byte{0x01}, []byte{0x02}},
	"string":  {[]byte{0x02}, []byte{0x03}},
	"time":    {[]byte{0x05}, []byte{0x06}},
	"boolean": {[]byte{0x26}, []byte{0x28}},
	"uuid":    {[]byte{0x30}, []byte{0x31}},
}

func item(e any) []byte {
	b, err := tuplestore.EncodeItem(e)
	if err != nil {
		panic(err) // only scalars reach here
	}
	return b
}

func after(b []byte) []byte { return append(slices.Clip(b), 0xff) }

// bound is one end of a range condition: nil for none.
type bound struct {
	v    any
	incl bool
}

func lowerKey(b bound) []byte {
	if b.incl {
		return item(b.v)
	}
	return after(item(b.v))
}

func upperKey(b bound) []byte {
	if b.incl {
		return after(item(b.v))
	}
	return item(b.v)
}

func compile(c Cond) (ccond, error) {
	cc := ccond{Cond: c}
	if err := checkAttr(c.Attr); err != nil {
		return cc, fmt.Errorf("%w: %w", ErrQuery, err)
	}
	cc.attrItem = item(c.Attr)
	operand := func(v any) (any, error) {
		e, isScalar, err := scalar(v)
		if err == nil && !isScalar {
			err = fmt.Errorf("%T is not a scalar", v)
		}
		if err != nil {
			return nil, queryErr(c, "%v", err)
		}
		if f, ok := e.(float64); ok && math.IsNaN(f) {
			return nil, queryErr(c, "NaN matches nothing")
		}
		return e, nil
	}
	var lo, hi *bound
	switch c.op {
	case opHas:
		cc.ranges = []vrange{{[]byte{0x00}, []byte{0xff}}}
		return cc, nil
	case opPrefix:
		e, isScalar, err := scalar(c.a)
		_, isStr := e.(string)
		_, isBytes := e.([]byte)
		if err != nil || !isScalar || !isStr && !isBytes {
			return cc, queryErr(c, "a prefix is a string or bytes")
		}
		p := item(e)
		p = p[:len(p)-1] // the encoding without its terminator
		end, _ := layer.Strinc(p)
		cc.ranges = []vrange{{p, end}}
		return cc, nil
	case opEq:
		e, err := operand(c.a)
		if err != nil {
			return cc, err
		}
		if kindOf(e) != "number" {
			it := item(e)
			cc.ranges, cc.exact = []vrange{{it, after(it)}}, true
			return cc, nil
		}
		lo, hi = &bound{e, true}, &bound{e, true}
	case opGe, opGt, opLe, opLt:
		e, err := operand(c.a)
		if err != nil {
			return cc, err
		}
		b := &bound{e, c.op == opGe || c.op == opLe}
		if c.op == opGe || c.op == opGt {
			lo = b
		} else {
			hi = b
		}
	case opBetween:
		a, err := operand(c.a)
		if err != nil {
			return cc, err
		}
		b, err := operand(c.b)
		if err != nil {
			return cc, err
		}
		if ka, kb := kindOf(a), kindOf(b); ka != kb {
			return cc, queryErr(c, "the bounds are a %s and a %s; both must be of one kind", ka, kb)
		}
		lo, hi = &bound{a, true}, &bound{b, true}
	default:
		return cc, fmt.Errorf("%w: condition without an operator (make conditions with Eq, Ge, ...)", ErrQuery)
	}
	var kind string
	if lo != nil {
		kind = kindOf(lo.v)
	} else {
		kind = kindOf(hi.v)
	}
	if kind == "number" {
		cc.ranges = numberRanges(lo, hi)
		return cc, nil
	}
	r := kindRange[kind]
	if lo != nil {
		r.begin = lowerKey(*lo)
	}
	if hi != nil {
		r.end = upperKey(*hi)
	}
	if bytes.Compare(r.begin, r.end) < 0 {
		cc.ranges = []vrange{r}
	}
	return cc, nil
}

var (
	two63 = math.Ldexp(1, 63)
	two64 = math.Ldexp(1, 64)
)

// intElem returns the integer element of an integral float in
// [-2^63, 2^64).
func intElem(f float64) any {
	if f < two63 {
		return int64(f)
	}
	return uint64(f)
}

// toFloat converts an integer element to the float nearest to it in the
// direction given (up: the smallest float >= n; else the largest <= n),
// and reports whether it is exact.
func toFloat(n any, up bool) (float64, bool) {
	bf := new(big.Float)
	switch x := n.(type) {
	case int64:
		bf.SetInt64(x)
	case uint64:
		bf.SetUint64(x)
	}
	f, acc := bf.Float64()
	switch {
	case acc == big.Below && up:
		f = math.Nextafter(f, math.Inf(1))
	case acc == big.Above && !up:
		f = math.Nextafter(f, math.Inf(-1))
	}
	return f, acc == big.Exact
}

// numberRanges returns the ranges of integers and of doubles between lo
// and hi (nil: unbounded), compared by value.
func numberRanges(lo, hi *bound) []vrange {
	var out []vrange
	add := func(r vrange) {
		if bytes.Compare(r.begin, r.end) < 0 {
			out = append(out, r)
		}
	}
	// Integers: codes 0x0b to 0x1d.
	ir := vrange{[]byte{0x0b}, []byte{0x1e}}
	if lo != nil {
		switch v := lo.v.(type) {
		case float64:
			switch c := math.Ceil(v); {
			case v >= two64:
				ir.begin = ir.end
			case v < -two63:
			case c == v:
				ir.begin = lowerKey(bound{intElem(c), lo.incl})
			default:
				ir.begin = lowerKey(bound{intElem(c), true})
			}
		default:
			ir.begin = lowerKey(*lo)
		}
	}
	if hi != nil {
		switch v := hi.v.(type) {
		case float64:
			switch f := math.Floor(v); {
			case v >= two64:
			case v < -two63:
				ir.end = ir.begin
			case f == v:
				ir.end = upperKey(bound{intElem(f), hi.incl})
			default:
				ir.end = upperKey(bound{intElem(f), true})
			}
		default:
			ir.end = upperKey(*hi)
		}
	}
	add(ir)
	// Doubles from -inf to +inf (NaNs, outside, never match). -0.0 and
	// +0.0 are equal numbers but distinct encodings, -0.0 first.
	fr := vrange{item(math.Inf(-1)), after(item(math.Inf(1)))}
	if lo != nil {
		f, incl := 0.0, lo.incl
		switch v := lo.v.(type) {
		case float64:
			f = v
		default:
			var exact bool
			f, exact = toFloat(v, true)
			incl = incl || !exact
		}
		switch {
		case f == 0 && incl:
			fr.begin = item(math.Copysign(0, -1))
		case f == 0:
			fr.begin = after(item(0.0))
		default:
			fr.begin = lowerKey(bound{f, incl})
		}
	}
	if hi != nil {
		f, incl := 0.0, hi.incl
		switch v := hi.v.(type) {
		case float64:
			f = v
		default:
			var exact bool
			f, exact = toFloat(v, false)
			incl = incl || !exact
		}
		switch {
		case f == 0 && incl:
			fr.end = after(item(0.0))
		case f == 0:
			fr.end = item(math.Copysign(0, -1))
		default:
			fr.end = upperKey(bound{f, incl})
		}
	}
	add(fr)
	return out
}

// cmpConcat compares a||b with x without building a||b.
func cmpConcat(a, b, x []byte) int {
	if len(a) >= len(x) {
		if c := bytes.Compare(a[:len(x)], x); c != 0 {
			return c
		}
		if len(a)+len(b) == len(x) {
			return 0
		}
		return 1
	}
	if c := bytes.Compare(a, x[:len(a)]); c != 0 {
		return c
	}
	return bytes.Compare(b, x[len(a):])
}

// match returns the smallest item of a data value that satisfies the
// condition for the document whose packed id is id, as its index entry
// would, or nil.
func (cc *ccond) match(value, id []byte) ([]byte, error) {
	items, _, err := splitValue(value)
	if err != nil {
		return nil, err
	}
	var best []byte
	for _, it := range items {
		if best != nil && bytes.Compare(it, best) >= 0 {
			continue
		}
		for _, r := range cc.ranges {
			if cmpConcat(it, id, r.begin) >= 0 && cmpConcat(it, id, r.end) < 0 {
				best = it
				break
			}
		}
	}
	return best, nil
}

// DefaultBatch is the number of candidate documents a query checks
// together when QueryOptions.Batch is zero.
const DefaultBatch = 64

// QueryOptions controls a query.
type QueryOptions struct {
	// Limit caps the number of ids; 0 means no limit.
	Limit int
	// After resumes the query after the last id an earlier run of the same
	// query yielded (Cursor.Continuation), typically in another
	// transaction.
	After Continuation
	// Batch is how many candidates are checked together: their reads are
	// all issued before any is waited for (DefaultBatch if 0).
	Batch int
	// ScanLimit caps the index entries (or, without conditions, document
	// headers) one run reads. When it is reached the run stops early, even
	// with fewer than Limit ids (even none), and Cursor.Continuation is the
	// position after the last entry read, not after the last id yielded, so
	// the next page resumes past what this one scanned. 0 means
	// DefaultScanLimit when Limit is set and no cap when it is not (a
	// query without Limit reads to the end); a negative value means no
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
// for the same conditions on the same store only. Its String form is
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
	s     *Store
	tx    layer.ReadTx
	opts  QueryOptions
	conds []Cond

	ran     bool
	invalid bool
	done    bool
	driver  int    // the condition whose index is read; -1: every document
	last    []byte // the key of the last id yielded or, after a stop on the scan budget, read (or resumed after)
	fp      []byte
}

// Query returns the ids of the documents that match every condition, as a
// Cursor. With no condition it returns every id, in id order.
//
// One condition drives the query: its index is read in key order (its
// values in order, then ids), and the other conditions are checked against
// each candidate's values, read in batches of point reads issued
// together. The driver is the most selective of the conditions whose
// attribute has a ready index (see choose: a short probe of each index
// range, then the database's estimates); conditions on other attributes
// only filter. A query with conditions but
// none on a ready index fails with ErrNotIndexed.
//
// Each id comes once, even when several values of a list match, in the
// driver's key order: the order is stable for given data, and a
// continuation resumes exactly after the last id yielded.
func (s *Store) Query(tx layer.ReadTx, opts QueryOptions, conds ...Cond) *Cursor {
	return &Cursor{s: s, tx: tx, opts: opts, conds: conds, driver: -1}
}

// Driver returns the condition whose index drove the query, once All has
// started, and false for a query without conditions.
func (c *Cursor) Driver() (Cond, bool) {
	if c.driver < 0 || c.driver >= len(c.conds) {
		return Cond{}, false
	}
	return c.conds[c.driver], true
}

// Continuation returns the position after the last id All yielded (after
// the last index entry it read, if it stopped on QueryOptions.ScanLimit),
// for QueryOptions.After, or nil if All read the results to their end. A
// page may thus yield fewer ids than Limit, even none, with a non-nil
// continuation: page until the continuation is nil. If the query was
// refused, it is QueryOptions.After.
func (c *Cursor) Continuation() Continuation {
	if !c.ran || c.invalid {
		return c.opts.After
	}
	if c.done {
		return nil
	}
	if c.last == nil {
		return c.opts.After
	}
	return continuation.Encode(c.fp, c.driver, c.last)
}

func (c *Cursor) fingerprint(ccs []ccond) []byte {
	h := sha256.New()
	h.Write(c.s.ss.Bytes())
	for _, cc := range ccs {
		t := tuple.Tuple{cc.Attr}
		for _, r := range cc.ranges {
			t = append(t, r.begin, r.end)
		}
		h.Write(tuple.Tuple{t}.Pack())
	}
	return h.Sum(nil)[:16]
}

func (c *Cursor) decodeAfter(n int) error {
	bad := func(why string) error { return fmt.Errorf("%w: %s", ErrContinuation, why) }
	t, err := continuation.Decode(c.opts.After, c.fp, 2)
	if err != nil {
		return bad(err.Error())
	}
	d, ok1 := t[0].(int64)
	last, ok2 := t[1].([]byte)
	if !ok1 || !ok2 || d < -1 || d >= int64(n) || n > 0 && d < 0 || !bytes.HasPrefix(last, c.s.ss.Bytes()) {
		return bad("malformed")
	}
	c.driver, c.last = int(d), last
	return nil
}

// All yields the ids, at most QueryOptions.Limit of them. It may be ranged
// over once.
func (c *Cursor) All() iter.Seq2[ID, error] {
	return func(yield func(ID, error) bool) {
		if c.ran {
			yield(nil, errors.New("eav: Cursor.All ranged over twice"))
			return
		}
		c.ran = true
		ccs, err := c.plan()
		if err != nil {
			c.invalid = true
			yield(nil, err)
			return
		}
		if c.run(ccs, yield) {
			c.done = true
		}
	}
}

// plan compiles the conditions and picks the driver.
func (c *Cursor) plan() ([]ccond, error) {
	ccs := make([]ccond, len(c.conds))
	for i, cond := range c.conds {
		cc, err := compile(cond)
		if err != nil {
			return nil, err
		}
		ccs[i] = cc
	}
	c.fp = c.fingerprint(ccs)
	if len(ccs) == 0 {
		if c.opts.After != nil {
			return ccs, c.decodeAfter(0)
		}
		return ccs, nil
	}
	cfg, err := c.s.readConfig(c.tx)()
	if err != nil {
		return nil, err
	}
	var usable []int
	var why []string
	for i, cc := range ccs {
		r, ok := cfg.rule(cc.Attr)
		switch {
		case !ok:
			why = append(why, fmt.Sprintf("%q is not indexed", cc.Attr))
		case !r.Ready:
			why = append(why, fmt.Sprintf("the index %q of %q is being built", r.Rule, cc.Attr))
		default:
			usable = append(usable, i)
		}
	}
	if c.opts.After != nil {
		if err := c.decodeAfter(len(ccs)); err != nil {
			return nil, err
		}
		if !slices.Contains(usable, c.driver) {
			return nil, fmt.Errorf("%w: the index the query was reading is gone (%s)", ErrNotIndexed, strings.Join(why, "; "))
		}
		return ccs, nil
	}
	switch len(usable) {
	case 0:
		return nil, fmt.Errorf("%w: %s", ErrNotIndexed, strings.Join(why, "; "))
	case 1:
		c.driver = usable[0]
		return ccs, nil
	}
	c.driver = c.choose(ccs, usable)
	return ccs, nil
}

// probeLimit is how many index entries planning reads of each condition.
const probeLimit = 32

// choose returns the most selective of the usable conditions. It reads
// the first probeLimit entries of each (snapshot reads: planning adds no
// conflicts): if some condition has fewer, the one with the fewest
// drives. Otherwise the database's estimates of the index ranges' sizes,
// requested together, decide. Ties go to equality, then to the first
// given.
func (c *Cursor) choose(ccs []ccond, usable []int) int {
	snap := c.tx.Snapshot()
	best, bestN := -1, 0
	for _, i := range usable {
		n := 0
		for _, kr := range c.s.keyRanges(&ccs[i]) {
			kvs, err := snap.GetRange(kr, layer.RangeOptions{Limit: probeLimit - n, Mode: layer.StreamingModeExact}).Slice()
			if err != nil {
				return usable[0] // the query itself will report the error
			}
			if n += len(kvs); n >= probeLimit {
				break
			}
		}
		if n < probeLimit && (best < 0 || n < bestN || n == bestN && ccs[i].exact && !ccs[best].exact) {
			best, bestN = i, n
		}
	}
	if best >= 0 {
		return best
	}
	futs := make([][]layer.Future[int64], len(ccs))
	for _, i := range usable {
		for _, kr := range c.s.keyRanges(&ccs[i]) {
			futs[i] = append(futs[i], snap.GetEstimatedRangeSizeBytes(kr))
		}
	}
	var bestSize int64
	for _, i := range usable {
		var size int64
		for _, f := range futs[i] {
			n, err := f.Get()
			if err != nil {
				return usable[0]
			}
			size += n
		}
		if best < 0 || size < bestSize || size == bestSize && ccs[i].exact && !ccs[best].exact {
			best, bestSize = i, size
		}
	}
	return best
}

// keyRanges returns the index key ranges of a condition.
func (s *Store) keyRanges(cc *ccond) []layer.KeyRange {
	p := cat(s.idx, cc.attrItem)
	out := make([]layer.KeyRange, len(cc.ranges))
	for i, r := range cc.ranges {
		out[i] = layer.KeyRange{Begin: cat(p, r.begin), End: cat(p, r.end)}
	}
	return out
}

// candidate is one index entry (or header) read by the driver.
type candidate struct {
	key, item, id []byte
	// multi is set for an entry of an attribute with several values: the
	// document may match through several of them.
	multi bool
}

// run reads the driver's ranges and yields the matching ids. It returns
// true when the results were read to their end.
func (c *Cursor) run(ccs []ccond, yield func(ID, error) bool) bool {
	s := c.s
	var ranges []layer.KeyRange
	var drv *ccond
	if c.driver < 0 {
		ranges = []layer.KeyRange{{Begin: append(slices.Clip(s.hdr), 0x00), End: append(slices.Clip(s.hdr), 0xff)}}
	} else {
		drv = &ccs[c.driver]
		ranges = s.keyRanges(drv)
	}
	// The attributes to read for each candidate: those of the other
	// conditions, and the driver's for an entry of several values, to
	// yield the id once.
	var attrNames []string
	var attrs [][]byte
	driverRead := -1
	addAttr := func(cc *ccond) int {
		if i := slices.Index(attrNames, cc.Attr); i >= 0 {
			return i
		}
		attrNames = append(attrNames, cc.Attr)
		attrs = append(attrs, cc.attrItem)
		return len(attrs) - 1
	}
	for i := range ccs {
		if i != c.driver {
			addAttr(&ccs[i])
		}
	}
	filters := len(attrs)
	if drv != nil && !drv.exact {
		driverRead = addAttr(drv)
	}
	needs := func(cd *candidate) bool { return filters > 0 || cd.multi && driverRead >= 0 }
	batch := c.opts.Batch
	if batch <= 0 {
		batch = DefaultBatch
	}
	yielded := 0
	var pending []candidate
	// emit yields a candidate's id; false stops the query.
	emit := func(cd *candidate) bool {
		id, err := decodeID(cd.id)
		if err != nil {
			yield(nil, err)
			return false
		}
		c.last = cd.key
		yielded++
		if !yield(id, nil) {
			return false
		}
		return c.opts.Limit <= 0 || yielded < c.opts.Limit
	}
	// flush checks the pending candidates and yields those that match.
	flush := func() bool {
		futs := make([][]layer.Future[[]byte], len(pending))
		for i := range pending {
			cd := &pending[i]
			n := filters
			if cd.multi && driverRead >= 0 {
				n = len(attrs)
			}
			futs[i] = make([]layer.Future[[]byte], n)
			for j := range n {
				futs[i][j] = c.tx.Get(s.dataKey(cd.id, attrs[j]))
			}
		}
		values := make(map[string][]byte, len(attrs))
		for i := range pending {
			cd := &pending[i]
			clear(values)
			for j, f := range futs[i] {
				v, err := f.Get()
				if err != nil {
					yield(nil, err)
					return false
				}
				values[attrNames[j]] = v
			}
			ok, err := c.check(ccs, drv, cd, values)
			if err != nil {
				yield(nil, err)
				return false
			}
			if ok && !emit(cd) {
				return false
			}
		}
		pending = pending[:0]
		return true
	}
	prefix := len(s.hdr)
	if drv != nil {
		prefix = len(s.idx) + len(drv.attrItem)
	}
	budget, scanned := c.opts.scanLimit(), 0
	var split [][]byte
	for _, kr := range ranges {
		if c.last != nil {
			if bytes.Compare(c.last, kr.End) >= 0 {
				continue
			}
			if k := append(slices.Clip(c.last), 0x00); bytes.Compare(k, kr.Begin) > 0 {
				kr.Begin = k
			}
		}
		for kv, err := range c.tx.GetRange(kr, layer.RangeOptions{}).All() {
			if err != nil {
				yield(nil, err)
				return false
			}
			cd := candidate{key: kv.Key}
			if drv == nil {
				cd.id = kv.Key[prefix:]
			} else {
				split, err = tuplestore.SplitItems(split[:0], kv.Key[prefix:])
				if err != nil || len(split) != 2 {
					yield(nil, fmt.Errorf("%w: index key %q", ErrCorrupt, kv.Key))
					return false
				}
				cd.item, cd.id, cd.multi = split[0], split[1], len(kv.Value) > 0
			}
			if len(pending) == 0 && !needs(&cd) {
				if !emit(&cd) {
					return false
				}
			} else {
				pending = append(pending, cd)
				want := batch
				if c.opts.Limit > 0 {
					want = min(batch, c.opts.Limit-yielded)
				}
				if len(pending) >= want && !flush() {
					return false
				}
			}
			if scanned++; budget > 0 && scanned >= budget {
				// Out of budget: finish the candidates read, then resume
				// after this entry, matched or not.
				if !flush() {
					return false
				}
				c.last = kv.Key
				return false
			}
		}
	}
	return flush()
}

// check tells whether a candidate matches every condition and, for an
// entry of several values, is the document's first entry in the driver's
// ranges (values holds the driver's attribute only then).
func (c *Cursor) check(ccs []ccond, drv *ccond, cd *candidate, values map[string][]byte) (bool, error) {
	for i := range ccs {
		cc := &ccs[i]
		if cc == drv && (drv.exact || !cd.multi) {
			continue
		}
		v := values[cc.Attr]
		if v == nil {
			if cc == drv {
				return false, fmt.Errorf("%w: index entry %q has no value", ErrCorrupt, cd.key)
			}
			return false, nil
		}
		best, err := cc.match(v, cd.id)
		if err != nil {
			return false, err
		}
		if best == nil {
			if cc == drv {
				return false, fmt.Errorf("%w: index entry %q does not match its value", ErrCorrupt, cd.key)
			}
			return false, nil
		}
		if cc == drv && !bytes.Equal(best, cd.item) {
			return false, nil // the id was yielded for a smaller value
		}
	}
	return true, nil
}
