package tuplestore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"iter"
	"math/big"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/strata-db/strata/internal/testdb"
	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/subspace"
	"github.com/strata-db/strata/layer/tuple"
)

// recTx records mutations instead of making them; reads panic.
type recTx struct {
	layer.Tx
	sets, vsKeys, clears [][]byte
	values               [][]byte
}

func (r *recTx) Set(k, v []byte) { r.sets = append(r.sets, k); r.values = append(r.values, v) }
func (r *recTx) SetVersionstampedKey(k, v []byte) {
	r.vsKeys = append(r.vsKeys, k)
	r.values = append(r.values, v)
}
func (r *recTx) Clear(k []byte) { r.clears = append(r.clears, k) }
func (r *recTx) writes() int    { return len(r.sets) + len(r.vsKeys) + len(r.clears) }

type unsupported struct{ x int }

// TestBadInput checks the typed errors, their positions, and that nothing
// is written when an item is bad.
func TestBadInput(t *testing.T) {
	s, err := New(subspace.FromTuple(tuple.Tuple{"t"}), 3)
	if err != nil {
		t.Fatal(err)
	}
	big10k := strings.Repeat("x", layer.MaxKeySize)
	cyclic := tuple.Tuple{"a", nil}
	cyclic[1] = cyclic
	for _, tc := range []struct {
		name   string
		tuple  []any
		value  []byte
		want   error
		cause  error
		pos    int
		remove bool // also check Remove and Get
	}{
		{"too few", []any{"a", "b"}, nil, ErrArity, nil, -1, true},
		{"too many", []any{"a", "b", "c", "d"}, nil, ErrArity, nil, -1, true},
		{"struct", []any{"a", unsupported{1}, "c"}, nil, ErrItem, tuple.ErrUnsupportedType, 1, true},
		{"nil big.Int", []any{"a", "b", (*big.Int)(nil)}, nil, ErrItem, tuple.ErrUnsupportedType, 2, true},
		{"cyclic", []any{cyclic, "b", "c"}, nil, ErrItem, tuple.ErrCyclicTuple, 0, true},
		{"huge integer", []any{"a", new(big.Int).Lsh(big.NewInt(1), 8*300), "c"}, nil, ErrItem, tuple.ErrIntegerTooLarge, 1, true},
		{"variable", []any{"a", Var("x"), "c"}, nil, ErrItem, nil, 1, true},
		{"key too large", []any{"a", "b", big10k}, nil, ErrKeyTooLarge, nil, 2, true},
		{"two versionstamps", []any{tuple.IncompleteVersionstamp(1), "b", tuple.Tuple{tuple.IncompleteVersionstamp(2)}}, nil, ErrItem, tuple.ErrMultipleIncompleteVersionstamps, 2, false},
		{"value too large", []any{"a", "b", "c"}, make([]byte, layer.MaxValueSize+1), ErrValueTooLarge, nil, -1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			check := func(op string, err error) {
				t.Helper()
				if !errors.Is(err, tc.want) {
					t.Fatalf("%s: err = %v, want %v", op, err, tc.want)
				}
				if !strings.HasPrefix(err.Error(), "tuplestore: ") {
					t.Errorf("%s: error %q does not start with the package name", op, err)
				}
				if tc.cause != nil && !errors.Is(err, tc.cause) {
					t.Errorf("%s: err = %v, want it to wrap %v", op, err, tc.cause)
				}
				var ie *ItemError
				if tc.pos >= 0 {
					if !errors.As(err, &ie) || ie.Position != tc.pos || ie.Pattern != -1 {
						t.Errorf("%s: err = %#v, want an ItemError at position %d", op, err, tc.pos)
					} else if !strings.Contains(err.Error(), fmt.Sprintf("item %d", tc.pos)) {
						t.Errorf("%s: %q does not name item %d", op, err, tc.pos)
					}
				}
			}
			rec := &recTx{}
			check("Add", s.Add(rec, tc.tuple, tc.value))
			if !tc.remove {
				return
			}
			check("Remove", s.Remove(rec, tc.tuple))
			if rec.writes() != 0 {
				t.Errorf("%d writes after failed calls", rec.writes())
			}
			_, _, err := s.Get(nil, tc.tuple)
			check("Get", err)
		})
	}
	rec := &recTx{}
	if err := s.Remove(rec, []any{tuple.IncompleteVersionstamp(0), "b", "c"}); !errors.Is(err, ErrIncompleteVersionstamp) {
		t.Errorf("Remove with an incomplete versionstamp: %v", err)
	}
	if _, _, err := s.Get(nil, []any{"a", tuple.Tuple{tuple.IncompleteVersionstamp(0)}, "c"}); !errors.Is(err, ErrIncompleteVersionstamp) {
		t.Errorf("Get with an incomplete versionstamp: %v", err)
	}
	if _, err := New(subspace.Subspace{}, 0); !errors.Is(err, ErrColumns) {
		t.Errorf("New(n=0): %v", err)
	}
	if _, err := New(subspace.Subspace{}, MaxColumns+1); !errors.Is(err, ErrColumns) {
		t.Errorf("New(n=17): %v", err)
	}
}

// TestKeySizeBoundary checks the key size check against the engine's: a
// tuple whose longest index key is exactly layer.MaxKeySize commits, one
// byte more is refused before any write; the same with a versionstamp,
// whose key the engines count with its four offset bytes.
func TestKeySizeBoundary(t *testing.T) {
	db, s := newStore(t, 3)
	// keys: prefix + index number (2 bytes for index 2) + "a" (3) + "b" (3)
	// + the big string (1 + len + 1).
	fill := layer.MaxKeySize - len(s.Subspace().Bytes()) - 2 - 3 - 3 - 2
	ok := []any{"a", "b", strings.Repeat("x", fill)}
	add(t, db, s, ok)
	over := []any{"a", "b", strings.Repeat("x", fill+1)}
	err := s.Add(&recTx{}, over, nil)
	if !errors.Is(err, ErrKeyTooLarge) {
		t.Fatalf("one byte over: %v", err)
	}
	vsFill := fill - 13 + 3 - 4 // a 13-byte versionstamp replaces "a"; 4 offset bytes
	vs := []any{tuple.IncompleteVersionstamp(0), "b", strings.Repeat("y", vsFill)}
	add(t, db, s, vs)
	vs[2] = strings.Repeat("y", vsFill+1)
	if err := s.Add(&recTx{}, vs, nil); !errors.Is(err, ErrKeyTooLarge) {
		t.Fatalf("versionstamped, one byte over: %v", err)
	}
	if got := query(t, db, s, Pattern{Var("a"), "b", Var("c")}); len(got) != 2 {
		t.Fatalf("%d tuples, want 2", len(got))
	}
}

// TestValues checks values: stored under every index, replaced by a
// second Add, read by Get, and the limit.
func TestValues(t *testing.T) {
	db, s := newStore(t, 2)
	testdb.Write(t, db, func(tx layer.Tx) error { return s.Add(tx, []any{"k", 1}, []byte("one")) })
	testdb.Write(t, db, func(tx layer.Tx) error { return s.Add(tx, []any{"k", 1}, []byte("uno")) })
	testdb.Write(t, db, func(tx layer.Tx) error { return s.Add(tx, []any{"k", 2}, make([]byte, layer.MaxValueSize)) })
	v, err := layer.ReadTransact(context.Background(), db, func(tx layer.ReadTx) ([]byte, error) {
		v, ok, err := s.Get(tx, []any{"k", int64(1)})
		if !ok && err == nil {
			err = errors.New("not found")
		}
		return v, err
	})
	if err != nil || string(v) != "uno" {
		t.Fatalf("Get = %q, %v", v, err)
	}
	rows, err := layer.ReadTransact(context.Background(), db, func(tx layer.ReadTx) ([]string, error) {
		var out []string
		for r, err := range s.Lookup(tx, Lookup{Bound: 0b10, Items: [][]byte{nil, tuple.Tuple{1}.Pack()}}) {
			if err != nil {
				return nil, err
			}
			out = append(out, string(r.Value))
		}
		return out, nil
	})
	if err != nil || !slices.Equal(rows, []string{"uno"}) {
		t.Fatalf("values in index 1: %q, %v", rows, err)
	}
}

// TestVersionstamp checks versionstamped tuples: every index key goes
// through SetVersionstampedKey with the bytes PackWithVersionstamp gives,
// the tuple is unreadable in its transaction (1036), and after the commit
// it reads back with the transaction's versionstamp.
func TestVersionstamp(t *testing.T) {
	ss := subspace.FromTuple(tuple.Tuple{"vs"})
	s, _ := New(ss, 3)
	rec := &recTx{}
	item := tuple.Tuple{"nested", tuple.IncompleteVersionstamp(9)}
	tu := []any{"e", item, "z"}
	if err := s.Add(rec, tu, []byte("v")); err != nil {
		t.Fatal(err)
	}
	if len(rec.sets) != 0 || len(rec.vsKeys) != 3 {
		t.Fatalf("%d Sets and %d SetVersionstampedKeys, want 0 and 3", len(rec.sets), len(rec.vsKeys))
	}
	for i, p := range s.Layout().indexes {
		want := tuple.Tuple{i}
		for _, c := range p {
			want = append(want, tu[c])
		}
		w, err := want.PackWithVersionstamp(ss.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(rec.vsKeys[i], w) {
			t.Errorf("index %d key %x, want %x", i, rec.vsKeys[i], w)
		}
	}

	db, s := newStore(t, 3)
	tu = []any{tuple.IncompleteVersionstamp(7), "title", "x"}
	ctx := context.Background()
	stamp, err := layer.Transact(ctx, db, func(tx layer.Tx) (layer.Future[[]byte], error) {
		if err := s.Add(tx, tu, nil); err != nil {
			return nil, err
		}
		for _, err := range s.Query(tx, QueryOptions{}, Pattern{Var("x"), "title", "x"}).All() {
			if !errors.Is(err, layer.ErrAccessedUnreadable) {
				return nil, fmt.Errorf("reading the tuple in its transaction: %v, want 1036", err)
			}
			break
		}
		return tx.GetVersionstamp(), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	b, err := stamp.Get()
	if err != nil {
		t.Fatal(err)
	}
	done := tuple.Versionstamp{TransactionVersion: [10]byte(b), UserVersion: 7}
	for _, p := range []Pattern{
		{Var("x"), "title", "x"},   // index 1
		{Var("x"), Var("p"), "x"},  // index 2
		{done, Var("p"), Var("o")}, // index 0
		{Var("x"), Var("p"), Var("o")},
	} {
		got := query(t, db, s, p)
		if len(got) != 1 {
			t.Fatalf("%v: %v", p, got)
		}
		if x, ok := got[0]["x"]; ok && x != done {
			t.Errorf("%v: x = %v, want %v", p, x, done)
		}
	}
	_, err = layer.ReadTransact(ctx, db, func(tx layer.ReadTx) (struct{}, error) {
		_, ok, err := s.Get(tx, []any{done, "title", "x"})
		if err == nil && !ok {
			err = errors.New("Get: not found")
		}
		return struct{}{}, err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestUnification checks repeated variables in one pattern and across
// patterns, and the anonymous variable.
func TestUnification(t *testing.T) {
	db, s := newStore(t, 3)
	add(t, db, s,
		[]any{"a", "p", "x"},
		[]any{"a", "p", "a"},
		[]any{"b", "p", "b"},
		[]any{"b", "q", "a"},
		[]any{"x", "q", "a"},
		[]any{1, "p", int64(1)},
		[]any{1, "p", 1.0},
	)
	for _, tc := range []struct {
		patterns []Pattern
		want     []Binding
	}{
		{[]Pattern{{Var("x"), "p", Var("x")}}, []Binding{{"x": int64(1)}, {"x": "a"}, {"x": "b"}}},
		{[]Pattern{{Var("x"), Var("x"), Var("x")}}, nil},
		{[]Pattern{{Var("x"), "p", Var("y")}, {Var("y"), "q", Var("x")}}, []Binding{{"x": "a", "y": "x"}}},
		{[]Pattern{{Var("x"), "p", Var("x")}, {Var("x"), "q", Var("y")}}, []Binding{{"x": "b", "y": "a"}}},
		{[]Pattern{{Any, "q", Any}}, []Binding{{}, {}}},
		{[]Pattern{{Var("s"), Any, "a"}}, []Binding{{"s": "a"}, {"s": "b"}, {"s": "x"}}},
	} {
		got := query(t, db, s, tc.patterns...)
		slices.SortFunc(got, func(a, b Binding) int { return strings.Compare(fmt.Sprint(a), fmt.Sprint(b)) })
		if len(got) == 0 && len(tc.want) == 0 {
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%v: got %v, want %v", tc.patterns, got, tc.want)
		}
	}
	// Unify, in memory.
	for _, tc := range []struct {
		p  Pattern
		t  []any
		b  Binding
		ok bool
	}{
		{Pattern{Var("x"), "p", Var("x")}, []any{"a", "p", "x"}, nil, false},
		{Pattern{Var("x"), "p", Var("x")}, []any{"a", "p", "a"}, nil, true},
		{Pattern{Var("x"), "p", Var("y")}, []any{"a", "p", "b"}, Binding{"x": "b"}, false},
		{Pattern{Var("x"), "p", Any}, []any{1, "p", "b"}, Binding{"x": int64(1)}, true},
		{Pattern{1, "p", Any}, []any{1.0, "p", "b"}, nil, false},
	} {
		b, ok, err := Unify(tc.p, tc.t, tc.b)
		if err != nil || ok != tc.ok {
			t.Errorf("Unify(%v, %v, %v) = %v, %v, %v; want ok %v", tc.p, tc.t, tc.b, b, ok, err, tc.ok)
		}
	}
}

// TestQueryErrors checks the errors of bad patterns and continuations.
func TestQueryErrors(t *testing.T) {
	db, s := newStore(t, 3)
	add(t, db, s, []any{"a", "b", "c"})
	for _, tc := range []struct {
		patterns []Pattern
		want     error
		pattern  int
		pos      int
	}{
		{nil, ErrNoPatterns, -1, -1},
		{[]Pattern{{Var("x"), "b"}}, ErrArity, -1, -1},
		{[]Pattern{{Var("x"), "b", "c"}, {Var("x"), unsupported{}, Any}}, ErrItem, 1, 1},
		{[]Pattern{{tuple.IncompleteVersionstamp(0), Any, Any}}, ErrIncompleteVersionstamp, 0, 0},
	} {
		_, err := queryErr(db, s, QueryOptions{}, tc.patterns...)
		if !errors.Is(err, tc.want) {
			t.Errorf("%v: err = %v, want %v", tc.patterns, err, tc.want)
			continue
		}
		var ie *ItemError
		if tc.pos >= 0 && (!errors.As(err, &ie) || ie.Pattern != tc.pattern || ie.Position != tc.pos) {
			t.Errorf("%v: err = %#v, want pattern %d item %d", tc.patterns, err, tc.pattern, tc.pos)
		}
	}
	// A continuation of one query is refused by another.
	cont := page(t, db, s, QueryOptions{Limit: 1}, Pattern{Var("x"), Any, Any})
	if cont.next == nil {
		t.Fatal("no continuation after a limit")
	}
	for _, after := range []Continuation{cont.next, Continuation("junk")} {
		_, err := queryErr(db, s, QueryOptions{After: after}, Pattern{Var("y"), Any, Any})
		if !errors.Is(err, ErrContinuation) {
			t.Errorf("foreign continuation %q: %v", after, err)
		}
	}
	if c, err := ParseContinuation(cont.next.String()); err != nil || !bytes.Equal(c, cont.next) {
		t.Errorf("ParseContinuation(String()) = %x, %v", c, err)
	}
}

type pageResult struct {
	bindings []Binding
	next     Continuation
	order    []int
}

// page runs one page of a query in one transaction.
func page(t testing.TB, db layer.DB, s *Store, opts QueryOptions, patterns ...Pattern) pageResult {
	t.Helper()
	p, err := layer.ReadTransact(context.Background(), db, func(tx layer.ReadTx) (pageResult, error) {
		var p pageResult
		c := s.Query(tx, opts, patterns...)
		for b, err := range c.All() {
			if err != nil {
				return p, err
			}
			p.bindings = append(p.bindings, b)
		}
		p.next, p.order = c.Continuation(), c.Order()
		return p, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestContinuation checks paging: pages of every size concatenate to the
// whole result, and a continuation resumes exactly after its binding even
// when the data changed in between.
func TestContinuation(t *testing.T) {
	db, s := newStore(t, 3)
	for i := range 6 {
		for j := range 4 {
			add(t, db, s, []any{fmt.Sprint("s", i), "knows", fmt.Sprint("s", (i+j+1)%6)})
		}
		add(t, db, s, []any{fmt.Sprint("s", i), "name", fmt.Sprint("name", i)})
	}
	ps := []Pattern{
		{Var("a"), "knows", Var("b")},
		{Var("b"), "knows", Var("c")},
		{Var("c"), "name", Var("n")},
	}
	all := page(t, db, s, QueryOptions{}, ps...)
	if len(all.bindings) != 6*4*4 || all.next != nil {
		t.Fatalf("%d bindings, continuation %x; want %d and none", len(all.bindings), all.next, 6*4*4)
	}
	for _, size := range []int{1, 2, 7, 95, 96, 200} {
		for _, batch := range []int{1, 3, 0} {
			var got []Binding
			var after Continuation
			for pages := 0; ; pages++ {
				p := page(t, db, s, QueryOptions{Limit: size, After: after, Batch: batch}, ps...)
				got = append(got, p.bindings...)
				if p.next == nil {
					break
				}
				if !slices.Equal(p.order, all.order) {
					t.Fatalf("page %d: plan %v, first plan %v", pages, p.order, all.order)
				}
				after = p.next
			}
			if !reflect.DeepEqual(got, all.bindings) {
				t.Fatalf("pages of %d (batch %d): %d bindings, want the %d of one run in the same order", size, batch, len(got), len(all.bindings))
			}
		}
	}
	// Remove the tuple the continuation stopped on and add one before it:
	// the next page starts right after the position, repeating nothing.
	p := page(t, db, s, QueryOptions{Limit: 10}, ps...)
	last := p.bindings[9]
	testdb.Write(t, db, func(tx layer.Tx) error {
		if err := s.Remove(tx, []any{last["c"], "name", last["n"]}); err != nil {
			return err
		}
		return s.Add(tx, []any{"s0", "knows", "a-new-one"}, nil)
	})
	rest := page(t, db, s, QueryOptions{After: p.next}, ps...)
	for _, b := range rest.bindings {
		if i := slices.IndexFunc(all.bindings, func(x Binding) bool { return reflect.DeepEqual(x, b) }); i >= 0 && i < 10 {
			t.Errorf("binding %v of the first page came again", b)
		}
	}
	var want []Binding
	for _, b := range all.bindings[10:] {
		if b["c"] != last["c"] {
			want = append(want, b)
		}
	}
	if !reflect.DeepEqual(rest.bindings, want) {
		t.Errorf("after the change: %d bindings, want %d", len(rest.bindings), len(want))
	}
}

// TestFallbackLayout checks lookups on a layout that covers few bound sets:
// the filtered results are the same as found's layout gives.
func TestFallbackLayout(t *testing.T) {
	db := testdb.Open(t)
	ss := testdb.Subspace(t, db)
	full, _ := New(ss.Sub("full"), 3)
	l, err := NewLayout(perms([]int{0, 1, 2}))
	if err != nil {
		t.Fatal(err)
	}
	thin := NewWithLayout(ss.Sub("thin"), l)
	var tuples [][]any
	for i := range 40 {
		tuples = append(tuples, []any{i % 3, fmt.Sprint("p", i%4), i % 5})
	}
	add(t, db, full, tuples...)
	add(t, db, thin, tuples...)
	for _, ps := range [][]Pattern{
		{{Var("a"), "p1", Var("c")}},
		{{Var("a"), Any, 2}},
		{{Var("a"), "p2", Var("a")}},
		{{1, Var("b"), 1}},
		{{Var("a"), "p1", Var("c")}, {Var("c"), Var("b"), Var("a")}},
	} {
		want := query(t, db, full, ps...)
		got := query(t, db, thin, ps...)
		key := func(a, b Binding) int { return strings.Compare(fmt.Sprint(a), fmt.Sprint(b)) }
		slices.SortFunc(want, key)
		slices.SortFunc(got, key)
		if !reflect.DeepEqual(got, want) || len(want) == 0 {
			t.Errorf("%v: thin layout %v, found's %v", ps, got, want)
		}
	}
}

// TestWideStores checks stores of 1 and MaxColumns columns end to end.
func TestWideStores(t *testing.T) {
	for _, n := range []int{1, MaxColumns} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			db, s := newStore(t, n)
			tu := make([]any, n)
			for i := range tu {
				tu[i] = int64(i)
			}
			add(t, db, s, tu)
			p := make(Pattern, n)
			for i := range p {
				p[i] = Var(fmt.Sprint("v", i))
			}
			p[n-1] = int64(n - 1)
			got := query(t, db, s, p)
			if len(got) != 1 || got[0]["v0"] != nil && got[0]["v0"] != int64(0) {
				t.Fatalf("got %v", got)
			}
		})
	}
}

// lookupLog wraps a source and logs when lookups are issued and read.
type lookupLog struct {
	Source
	mu  sync.Mutex
	log []string
}

func (l *lookupLog) add(s string) { l.mu.Lock(); l.log = append(l.log, s); l.mu.Unlock() }

func (l *lookupLog) Lookup(tx layer.ReadTx, q Lookup) iter.Seq2[Row, error] {
	l.add("issue")
	seq := l.Source.Lookup(tx, q)
	return func(yield func(Row, error) bool) {
		l.add("read")
		seq(yield)
	}
}

// TestBatchedLookups checks that the lookups for a batch of bindings are
// all issued before the first is read.
func TestBatchedLookups(t *testing.T) {
	db, s := newStore(t, 3)
	for i := range 10 {
		add(t, db, s, []any{"hub", "links", i}, []any{i, "name", fmt.Sprint("n", i)})
	}
	src := &lookupLog{Source: s}
	n, err := layer.ReadTransact(context.Background(), db, func(tx layer.ReadTx) (int, error) {
		n := 0
		for _, err := range Join(tx, QueryOptions{Batch: 4},
			Clause{src, Pattern{"hub", "links", Var("x")}},
			Clause{src, Pattern{Var("x"), "name", Var("n")}},
		).All() {
			if err != nil {
				return 0, err
			}
			n++
		}
		return n, nil
	})
	if err != nil || n != 10 {
		t.Fatalf("%d bindings, %v", n, err)
	}
	// The driving read, then batches of 4, 4 and 2 lookups, each issued
	// together before being read.
	want := []string{"issue", "read"}
	for _, k := range []int{4, 4, 2} {
		for range k {
			want = append(want, "issue")
		}
		for range k {
			want = append(want, "read")
		}
	}
	if !slices.Equal(src.log, want) {
		t.Errorf("lookups: %v\nwant %v", src.log, want)
	}
}

// TestPlan checks the planner's order: most values first, then the
// smaller estimated range, then most known columns.
func TestPlan(t *testing.T) {
	db, s := newStore(t, 3)
	for i := range 200 {
		add(t, db, s, []any{fmt.Sprint("e", i), "type", "common"})
	}
	add(t, db, s, []any{"e1", "type", "rare"}, []any{"e1", "name", "one"})
	plan := func(ps ...Pattern) []int {
		o, err := layer.ReadTransact(context.Background(), db, func(tx layer.ReadTx) ([]int, error) {
			cs := make([]Clause, len(ps))
			for i, p := range ps {
				cs[i] = Clause{s, p}
			}
			return Plan(tx, cs...)
		})
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	for _, tc := range []struct {
		ps   []Pattern
		want []int
	}{
		// Two values beat one.
		{[]Pattern{{Var("x"), "name", Var("n")}, {Var("x"), "type", "rare"}}, []int{1, 0}},
		// Equal counts: the smaller range first.
		// Then clauses that share a bound variable, before the others.
		{[]Pattern{{Var("x"), "type", "common"}, {Var("y"), "type", "rare"}, {Var("x"), Var("p"), Var("y")}}, []int{1, 2, 0}},
		{[]Pattern{{Var("y"), "type", "rare"}, {Var("x"), "type", "common"}}, []int{0, 1}},
		// Then the clause with the most known columns; equal estimates go
		// to the first clause.
		{[]Pattern{{Var("a"), Var("b"), Var("c")}, {Var("x"), Var("y"), Var("z")}, {Var("x"), "name", "one"}, {Var("x"), "name", Var("c")}}, []int{2, 3, 0, 1}},
	} {
		if got := plan(tc.ps...); !slices.Equal(got, tc.want) {
			t.Errorf("Plan(%v) = %v, want %v", tc.ps, got, tc.want)
		}
	}
}

// TestSplitItems checks the element splitter against Unpack.
func TestSplitItems(t *testing.T) {
	items := []any{nil, []byte{0, 0xff, 0}, "a\x00b", tuple.Tuple{nil, tuple.Tuple{}, tuple.Tuple{nil, "x"}, 1}, 0, -1, 255, -256,
		int64(-1 << 63), uint64(1<<64 - 1), new(big.Int).Lsh(big.NewInt(1), 100), new(big.Int).Neg(new(big.Int).Lsh(big.NewInt(1), 100)),
		float32(1.5), -2.5, true, false, tuple.UUID{1}, tuple.Versionstamp{UserVersion: 3}}
	packed := tuple.Tuple(items).Pack()
	split, err := SplitItems(nil, packed)
	if err != nil || len(split) != len(items) {
		t.Fatalf("SplitItems: %d items, %v", len(split), err)
	}
	for i, b := range split {
		want := tuple.Tuple{items[i]}.Pack()
		if !bytes.Equal(b, want) {
			t.Errorf("item %d: %x, want %x", i, b, want)
		}
	}
	for cut := range len(packed) {
		if _, err := SplitItems(nil, packed[:cut]); err == nil {
			if _, uerr := tuple.Unpack(packed[:cut]); uerr != nil {
				t.Errorf("prefix of %d bytes: Unpack fails (%v), SplitItems does not", cut, uerr)
			}
		}
	}
}

// FuzzSplitItems checks that SplitItems accepts what Unpack accepts, and
// cuts it into elements that unpack to the same values.
func FuzzSplitItems(f *testing.F) {
	f.Add(tuple.Tuple{"a", 1, tuple.Tuple{nil, "b"}, nil}.Pack())
	f.Add([]byte{0x05, 0x00, 0xff, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		tu, uerr := tuple.Unpack(b)
		split, serr := SplitItems(nil, b)
		if uerr != nil {
			return // SplitItems only cuts; it may accept what Unpack refuses
		}
		if serr != nil || len(split) != len(tu) {
			t.Fatalf("Unpack gives %d elements, SplitItems %d (%v)", len(tu), len(split), serr)
		}
		for i, e := range split {
			v, err := DecodeItem(e)
			if err != nil {
				t.Fatalf("element %d: %v", i, err)
			}
			if !bytes.Equal(tuple.Tuple{v}.Pack(), tuple.Tuple{tu[i]}.Pack()) {
				t.Fatalf("element %d: %v, Unpack gives %v", i, v, tu[i])
			}
		}
	})
}

// memSource is a Source over tuples in memory, as a layer built on this
// package might provide (changes not yet written, say): the rows whose
// bound items match, in packed-tuple order.
type memSource struct {
	n    int
	rows [][]byte // packed tuples, sorted
}

func (m *memSource) Columns() int     { return m.n }
func (m *memSource) SourceID() []byte { return []byte("mem") }
func (m *memSource) Estimate(layer.ReadTx, Lookup) layer.Future[int64] {
	return layer.Ready[int64](0, nil)
}
func (m *memSource) Lookup(_ layer.ReadTx, q Lookup) iter.Seq2[Row, error] {
	return func(yield func(Row, error) bool) {
		for _, k := range m.rows {
			if q.After != nil && (bytes.Compare(k, q.After) < 0 || !q.Inclusive && bytes.Equal(k, q.After)) {
				continue
			}
			items, err := SplitItems(nil, k)
			if err != nil {
				yield(Row{}, err)
				return
			}
			match := true
			for c := range m.n {
				if q.Bound.Has(c) && !bytes.Equal(items[c], q.Items[c]) {
					match = false
				}
			}
			if match && !yield(Row{Key: k, Items: items}, nil) {
				return
			}
		}
	}
}

// TestJoinSources joins patterns over different sources: two stores of 3
// and 2 columns and a source in memory.
func TestJoinSources(t *testing.T) {
	db := testdb.Open(t)
	ss := testdb.Subspace(t, db)
	triples, _ := New(ss.Sub(3), 3)
	pairs, _ := New(ss.Sub(2), 2)
	add(t, db, triples, []any{"ann", "knows", "bob"}, []any{"ann", "knows", "cat"}, []any{"bob", "knows", "cat"})
	add(t, db, pairs, []any{"bob", "paris"}, []any{"cat", "rome"})
	mem := &memSource{n: 2}
	for _, p := range [][]any{{"rome", "italy"}, {"paris", "france"}} {
		mem.rows = append(mem.rows, tuple.Tuple(p).Pack())
	}
	slices.SortFunc(mem.rows, bytes.Compare)
	clauses := []Clause{
		{triples, Pattern{"ann", "knows", Var("f")}},
		{pairs, Pattern{Var("f"), Var("city")}},
		{mem, Pattern{Var("city"), Var("country")}},
	}
	var all []Binding
	var after Continuation
	for {
		page, err := layer.ReadTransact(context.Background(), db, func(tx layer.ReadTx) (pageResult, error) {
			var p pageResult
			cur := Join(tx, QueryOptions{Limit: 1, After: after}, clauses...)
			for b, err := range cur.All() {
				if err != nil {
					return p, err
				}
				p.bindings = append(p.bindings, b)
			}
			p.next = cur.Continuation()
			return p, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page.bindings...)
		if after = page.next; after == nil {
			break
		}
	}
	want := []Binding{
		{"f": "bob", "city": "paris", "country": "france"},
		{"f": "cat", "city": "rome", "country": "italy"},
	}
	if !reflect.DeepEqual(all, want) {
		t.Errorf("got %v, want %v", all, want)
	}
}
