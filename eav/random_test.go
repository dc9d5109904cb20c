package eav

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/strata-db/strata/internal/testdb"
	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/tuple"
)

var seedFlag = flag.Uint64("seed", 0, "seed of the randomized tests (0: from $EAV_SEED, else the clock)")

// testSeed returns the seed of a randomized test and logs it.
func testSeed(t *testing.T) uint64 {
	seed := *seedFlag
	if seed == 0 {
		if s := os.Getenv("EAV_SEED"); s != "" {
			v, err := strconv.ParseUint(s, 10, 64)
			if err != nil {
				t.Fatalf("EAV_SEED=%q: %v", s, err)
			}
			seed = v
		}
	}
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (rerun with go test ./eav -run '%s' -seed %d, or EAV_SEED=%d)", seed, t.Name(), seed, seed)
	return seed
}

// The model: documents as flat attributes whose values are a scalar or a
// list of scalars, in the types Get returns.
type mvalue struct {
	list  bool
	elems []any
}

type mdoc map[string]mvalue

var (
	randT0   = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	randU1   = uuid.MustParse("00000000-0000-7000-8000-000000000001")
	randU2   = uuid.MustParse("ffffffff-0000-7000-8000-000000000000")
	randPool = []any{
		int64(-2), int64(-1), int64(0), int64(1), int64(2), int64(3), uint64(math.MaxUint64), int64(math.MinInt64),
		-1.5, math.Copysign(0, -1), 0.0, 0.5, 1.0, 2.0, math.Inf(1), math.NaN(),
		"", "a", "ab", "a\x00", "b",
		[]byte{}, []byte("a"),
		false, true,
		randU1, randU2,
		randT0, randT0.Add(time.Second),
	}
	// Attribute names: "n" holds a value or a map ("n.x"...), so writes
	// move between the two.
	randAttrs = []string{"a", "b", "tags", "n", "n.x", "n.y", "n.z.w"}
)

// randDocs is the number of ids the random test draws from.
const randDocs = 60

func randScalar(r *rand.Rand) any { return randPool[r.IntN(len(randPool))] }

func randValue(r *rand.Rand) mvalue {
	if r.IntN(3) > 0 {
		return mvalue{elems: []any{randScalar(r)}}
	}
	v := mvalue{list: true}
	for range r.IntN(4) {
		v.elems = append(v.elems, randScalar(r))
	}
	return v
}

func (v mvalue) value() any {
	if !v.list {
		return v.elems[0]
	}
	return slices.Clone(v.elems)
}

// randFields returns attributes with values, none inside another.
func randFields(r *rand.Rand, max int) mdoc {
	d := mdoc{}
	for range r.IntN(max + 1) {
		a := randAttrs[r.IntN(len(randAttrs))]
		conflict := false
		for b := range d {
			if related(a, b) {
				conflict = true
			}
		}
		if !conflict {
			d[a] = randValue(r)
		}
	}
	return d
}

// document renders model fields as a write takes them: nested maps or
// dotted names, at random.
func (d mdoc) document(r *rand.Rand) Document {
	out := Document{}
	for a, v := range d {
		if head, rest, ok := strings.Cut(a, "."); ok && r.IntN(2) == 0 {
			sub, _ := out[head].(Document)
			if sub == nil {
				sub = Document{}
				out[head] = sub
			}
			sub[rest] = v.value()
			continue
		}
		out[a] = v.value()
	}
	return out
}

// canonical renders flat attributes as their encodings, so that NaNs
// compare equal.
func canonical(t *testing.T, flat map[string]any) string {
	names := make([]string, 0, len(flat))
	for a := range flat {
		names = append(names, a)
	}
	slices.Sort(names)
	var b strings.Builder
	for _, a := range names {
		f, err := encodeField(a, flat[a])
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s=%x ", a, f.value)
	}
	return b.String()
}

func (d mdoc) canonical(t *testing.T) string {
	flat := map[string]any{}
	for a, v := range d {
		flat[a] = v.value()
	}
	return canonical(t, flat)
}

// Semantic comparisons, written apart from the index encoding: numbers by
// value, strings and bytes by bytes, false before true, UUIDs by bytes,
// times chronologically; values of different kinds never compare.
func semKind(v any) string {
	switch v.(type) {
	case int, int64, uint64, float64:
		return "number"
	case string:
		return "string"
	case []byte:
		return "bytes"
	case bool:
		return "bool"
	case uuid.UUID:
		return "uuid"
	case time.Time:
		return "time"
	}
	panic(fmt.Sprintf("%T", v))
}

func bigOf(v any) *big.Float {
	switch x := v.(type) {
	case int:
		return new(big.Float).SetInt64(int64(x))
	case int64:
		return new(big.Float).SetInt64(x)
	case uint64:
		return new(big.Float).SetUint64(x)
	case float64:
		return new(big.Float).SetFloat64(x)
	}
	panic(v)
}

// semCompare returns the order of a and b and whether they compare.
func semCompare(a, b any) (int, bool) {
	if semKind(a) != semKind(b) {
		return 0, false
	}
	switch x := a.(type) {
	case string:
		return strings.Compare(x, b.(string)), true
	case []byte:
		return bytes.Compare(x, b.([]byte)), true
	case bool:
		y := b.(bool)
		switch {
		case x == y:
			return 0, true
		case !x:
			return -1, true
		}
		return 1, true
	case uuid.UUID:
		y := b.(uuid.UUID)
		return bytes.Compare(x[:], y[:]), true
	case time.Time:
		return x.Compare(b.(time.Time)), true
	}
	for _, v := range []any{a, b} {
		if f, ok := v.(float64); ok && math.IsNaN(f) {
			return 0, false
		}
	}
	return bigOf(a).Cmp(bigOf(b)), true
}

func semMatch(c Cond, e any) bool {
	cmp := func(v any) (int, bool) { return semCompare(e, v) }
	switch c.op {
	case opHas:
		return true
	case opPrefix:
		switch p := c.a.(type) {
		case string:
			s, ok := e.(string)
			return ok && strings.HasPrefix(s, p)
		case []byte:
			s, ok := e.([]byte)
			return ok && bytes.HasPrefix(s, p)
		}
		return false
	case opBetween:
		lo, ok1 := cmp(c.a)
		hi, ok2 := cmp(c.b)
		return ok1 && ok2 && lo >= 0 && hi <= 0
	}
	n, ok := cmp(c.a)
	if !ok {
		return false
	}
	switch c.op {
	case opEq:
		return n == 0
	case opGe:
		return n >= 0
	case opGt:
		return n > 0
	case opLe:
		return n <= 0
	}
	return n < 0
}

func randCond(r *rand.Rand) Cond {
	a := randAttrs[r.IntN(len(randAttrs))]
	v := randScalar(r)
	for {
		if f, ok := v.(float64); !ok || !math.IsNaN(f) {
			break
		}
		v = randScalar(r)
	}
	switch r.IntN(9) {
	case 0, 1:
		return Eq(a, v)
	case 2:
		return Ge(a, v)
	case 3:
		return Gt(a, v)
	case 4:
		return Le(a, v)
	case 5:
		return Lt(a, v)
	case 6:
		var same []any
		for _, w := range randPool {
			if f, ok := w.(float64); semKind(w) == semKind(v) && !(ok && math.IsNaN(f)) {
				same = append(same, w)
			}
		}
		return Between(a, v, same[r.IntN(len(same))])
	case 7:
		if r.IntN(2) == 0 {
			return Prefix(a, []string{"", "a", "a\x00"}[r.IntN(3)])
		}
		return Prefix(a, []byte("a")[:r.IntN(2)])
	}
	return Has(a)
}

// TestRandom runs random creates, replaces, upserts, field deletes,
// deletes, queries and jobs against the store and an in-memory model, and
// checks documents, query results (paged too) and the index against it.
func TestRandom(t *testing.T) {
	seed := testSeed(t)
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	db, s := newStore(t)
	ctx := context.Background()
	model := map[int64]mdoc{}
	// Queryable attributes: every one, until the rules change halfway.
	indexed := func(string) bool { return true }
	const ops = 4000
	var queries, nonEmpty, unindexed, jobs int
	defer func() {
		t.Logf("%d operations: %d queries (%d with results, %d refused without an index), %d jobs", ops, queries, nonEmpty, unindexed, jobs)
	}()
	for op := range ops {
		id := int64(r.IntN(randDocs))
		cur, exists := model[id]
		var err error
		switch k := r.IntN(20); {
		case k < 4: // create
			d := randFields(r, 7)
			err = writeErr(db, func(tx layer.Tx) error { return s.CreateWithID(tx, id, d.document(r)) })
			if exists {
				if !errors.Is(err, ErrExists) {
					t.Fatalf("op %d: create of existing %d: %v", op, id, err)
				}
				err = nil
			} else {
				model[id] = d
			}
		case k < 6: // replace
			d := randFields(r, 7)
			err = writeErr(db, func(tx layer.Tx) error { return s.Replace(tx, id, d.document(r)) })
			if !exists {
				if !errors.Is(err, ErrNotFound) {
					t.Fatalf("op %d: replace of absent %d: %v", op, id, err)
				}
				err = nil
			} else {
				model[id] = d
			}
		case k < 10: // upsert
			f := randFields(r, 3)
			err = writeErr(db, func(tx layer.Tx) error { return s.UpsertFields(tx, id, f.document(r)) })
			nd := mdoc{}
			for a, v := range cur {
				nd[a] = v
			}
			for a, v := range f {
				for b := range nd {
					if related(a, b) {
						delete(nd, b)
					}
				}
				nd[a] = v
			}
			model[id] = nd
		case k < 12: // delete fields
			var attrs []string
			for range 1 + r.IntN(2) {
				attrs = append(attrs, randAttrs[r.IntN(len(randAttrs))])
			}
			err = writeErr(db, func(tx layer.Tx) error { return s.DeleteFields(tx, id, attrs...) })
			if !exists {
				if !errors.Is(err, ErrNotFound) {
					t.Fatalf("op %d: delete-fields of absent %d: %v", op, id, err)
				}
				err = nil
				break
			}
			nd := mdoc{}
			for b, v := range cur {
				if !slices.ContainsFunc(attrs, func(a string) bool { return within(b, a) }) {
					nd[b] = v
				}
			}
			model[id] = nd
		case k < 13: // delete
			var existed bool
			err = writeErr(db, func(tx layer.Tx) (err error) { existed, err = s.Delete(tx, id); return })
			if existed != exists {
				t.Fatalf("op %d: delete of %d reports %v, model %v", op, id, existed, exists)
			}
			delete(model, id)
		case k < 19: // query
			queries++
			conds := make([]Cond, []int{1, 1, 1, 2, 2, 3}[r.IntN(6)])
			for i := range conds {
				conds[i] = randCond(r)
			}
			var want []ID
			for did, d := range model {
				ok := true
				for _, c := range conds {
					if !slices.ContainsFunc(d[c.Attr].elems, func(e any) bool { return semMatch(c, e) }) {
						ok = false
					}
				}
				if ok {
					want = append(want, did)
				}
			}
			limit := 0
			if r.IntN(3) == 0 {
				limit = 1 + r.IntN(4)
			}
			var got []ID
			var after Continuation
			for {
				page, next, err := queryIDs(db, s, QueryOptions{Limit: limit, After: after, Batch: 1 + r.IntN(8)}, conds...)
				if !slices.ContainsFunc(conds, func(c Cond) bool { return indexed(c.Attr) }) {
					if !errors.Is(err, ErrNotIndexed) {
						t.Fatalf("op %d: query %v without an index: %v", op, conds, err)
					}
					got, want = nil, nil
					unindexed++
					break
				}
				if err != nil {
					t.Fatalf("op %d: query %v: %v", op, conds, err)
				}
				got = append(got, page...)
				if after = next; after == nil {
					break
				}
			}
			if g := idStrings(got); !slices.Equal(g, slices.Compact(slices.Clone(g))) {
				t.Fatalf("op %d: query %v yields an id twice: %v", op, conds, g)
			}
			if len(want) > 0 {
				nonEmpty++
			}
			if g, w := idStrings(got), idStrings(want); !slices.Equal(g, w) {
				t.Fatalf("op %d: query %v (limit %d):\n got %v\nwant %v", op, conds, limit, g, w)
			}
		default: // a job, interrupted and resumed
			jobs++
			j := Job{Kind: DropField, Arg: randAttrs[r.IntN(len(randAttrs))]}
			if r.IntN(2) == 0 {
				j = Job{Kind: DropPrefix, Arg: []string{"n.", "t", "a", "n"}[r.IntN(4)]}
			}
			o := JobOptions{StepDocs: 1 + r.IntN(5), MaxSteps: 1 + r.IntN(3)}
			st, err := s.RunJob(ctx, db, j, o)
			if err == nil && !st.Done {
				o.MaxSteps = 0
				st, err = s.RunJob(ctx, db, j, o)
			}
			if err != nil || !st.Done {
				t.Fatalf("op %d: %s: %+v, %v", op, j, st, err)
			}
			for _, d := range model {
				for a := range d {
					if j.selects(a) {
						delete(d, a)
					}
				}
			}
		}
		if err != nil {
			t.Fatalf("op %d: %v", op, err)
		}
		if op == ops/2 {
			// Change the rules: index a few attributes, built by jobs.
			testdb.Write(t, db, func(tx layer.Tx) error {
				if err := s.DropIndex(tx, "*"); err != nil {
					return err
				}
				for _, rule := range []string{"tags", "n.*", "a"} {
					if err := s.AddIndex(tx, rule); err != nil {
						return err
					}
				}
				return nil
			})
			for _, rule := range []string{"tags", "n.*", "a"} {
				if _, err := s.RunJob(ctx, db, Job{Kind: BuildIndex, Arg: rule}, JobOptions{StepDocs: 7}); err != nil {
					t.Fatal(err)
				}
			}
			indexed = func(a string) bool { return a == "tags" || a == "a" || strings.HasPrefix(a, "n.") }
		}
		if op%100 == 99 || op == ops-1 {
			checkModel(t, db, s, model)
			checkIndexModel(t, db, s, model, indexed)
			checkConsistent(t, db, s)
		}
	}
}

// checkModel compares every document with the model.
func checkModel(t *testing.T, db layer.DB, s *Store, model map[int64]mdoc) {
	t.Helper()
	ids := make([]ID, randDocs)
	for i := range ids {
		ids[i] = int64(i)
	}
	docs := testdb.Read(t, db, func(tx layer.ReadTx) ([]Document, error) { return s.MultiGet(tx, ids) })
	for i, d := range docs {
		m, ok := model[int64(i)]
		if (d != nil) != ok {
			t.Fatalf("document %d: stored %v, in the model %v", i, d != nil, ok)
		}
		if !ok {
			continue
		}
		flat, err := Flatten(d)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := canonical(t, flat), m.canonical(t); got != want {
			t.Fatalf("document %d:\n got %v (%s)\nwant %s", i, d, got, want)
		}
	}
}

// checkIndexModel compares the index subspace, scanned whole, with the
// entries the model calls for: (attribute, element, id) for every
// distinct element of every indexed attribute, packed with the tuple
// encoding directly (times as (seconds, nanoseconds)).
func checkIndexModel(t *testing.T, db layer.DB, s *Store, model map[int64]mdoc, indexed func(string) bool) {
	t.Helper()
	idx := s.Subspace().Sub(3)
	want := map[string]bool{}
	for id, d := range model {
		for a, v := range d {
			if !indexed(a) {
				continue
			}
			for _, e := range v.elems {
				if tm, ok := e.(time.Time); ok {
					e = tuple.Tuple{tm.Unix(), int64(tm.Nanosecond())}
				}
				want[string(idx.MustPack(tuple.Tuple{a, e, id}))] = true
			}
		}
	}
	got := map[string]bool{}
	testdb.Read(t, db, func(tx layer.ReadTx) (struct{}, error) {
		for kv, err := range tx.GetRange(idx.Range(), layer.RangeOptions{}).All() {
			if err != nil {
				return struct{}{}, err
			}
			got[string(kv.Key)] = true
		}
		return struct{}{}, nil
	})
	for k := range got {
		if !want[k] {
			tu, _ := idx.Unpack([]byte(k))
			t.Fatalf("stale index entry %v: the model has no such value", tu)
		}
	}
	for k := range want {
		if !got[k] {
			tu, _ := idx.Unpack([]byte(k))
			t.Fatalf("missing index entry %v", tu)
		}
	}
}
