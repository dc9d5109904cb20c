package tuplestore

// found's nstore tests (found/tests.py in amirouche/asyncio-foundationdb,
// v0.13), ported one for one: same data, same patterns, same assertions.
// found's select(...) followed by where(...) calls is a query with the
// same patterns in the same order. test_vnstore_query_zero is vnstore's;
// its add/query/remove cycle is ported against a plain store as
// TestFoundQueryZero.

import (
	"bytes"
	"context"
	"reflect"
	"slices"
	"testing"

	"github.com/strata-db/strata/internal/testdb"
	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/subspace"
	"github.com/strata-db/strata/layer/tuple"
)

func titles(bs []Binding, v Var) []string {
	var out []string
	for _, b := range bs {
		out = append(out, b[v].(string))
	}
	slices.Sort(out)
	return out
}

// test_nstore_empty
func TestFoundEmpty(t *testing.T) {
	s, err := New(subspace.FromTuple(tuple.Tuple{42}), 3)
	if err != nil || s == nil {
		t.Fatalf("New = %v, %v", s, err)
	}
}

// test_nstore_simple_single_item_db_subject_lookup
func TestFoundSingleItemSubjectLookup(t *testing.T) {
	db, s := newStore(t, 3)
	expected := uuid4()
	add(t, db, s, []any{expected, "title", "hyper.dev"})
	out := query(t, db, s, Pattern{Var("subject"), "title", "hyper.dev"})
	if len(out) != 1 || out[0]["subject"] != expected {
		t.Fatalf("got %v, want subject %v", out, expected)
	}
}

// test_nstore_ask_rm_and_ask
func TestFoundGetRemoveGet(t *testing.T) {
	db, s := newStore(t, 3)
	expected := []any{uuid4(), "title", "hyper.dev"}
	get := func() ([]byte, bool) {
		type res struct {
			v  []byte
			ok bool
		}
		r, err := layer.ReadTransact(context.Background(), db, func(tx layer.ReadTx) (res, error) {
			v, ok, err := s.Get(tx, expected)
			return res{v, ok}, err
		})
		if err != nil {
			t.Fatal(err)
		}
		return r.v, r.ok
	}
	if v, ok := get(); ok || v != nil {
		t.Fatalf("before add: Get = %q, %v", v, ok)
	}
	add(t, db, s, expected)
	if v, ok := get(); !ok || v == nil || len(v) != 0 {
		t.Fatalf("after add: Get = %q (nil %v), %v; want the empty value", v, v == nil, ok)
	}
	testdb.Write(t, db, func(tx layer.Tx) error { return s.Remove(tx, expected) })
	if v, ok := get(); ok || v != nil {
		t.Fatalf("after remove: Get = %q, %v", v, ok)
	}
}

// test_nstore_simple_multiple_items_db_subject_lookup
func TestFoundMultipleItemsSubjectLookup(t *testing.T) {
	db, s := newStore(t, 3)
	expected := uuid4()
	add(t, db, s, []any{expected, "title", "hyper.dev"}, []any{uuid4(), "title", "blog.copernic.com"})
	out := query(t, db, s, Pattern{Var("subject"), "title", "hyper.dev"})
	if len(out) != 1 || out[0]["subject"] != expected {
		t.Fatalf("got %v, want subject %v", out, expected)
	}
}

// test_nstore_complex
func TestFoundComplex(t *testing.T) {
	db, s := newStore(t, 3)
	hyperdev, copernic := uuid4(), uuid4()
	add(t, db, s,
		[]any{hyperdev, "title", "hyper.dev"},
		[]any{hyperdev, "keyword", "scheme"},
		[]any{hyperdev, "keyword", "hacker"},
		[]any{copernic, "title", "blog.copernic.com"},
		[]any{copernic, "keyword", "corporate"},
	)
	out := query(t, db, s,
		Pattern{Var("identifier"), "keyword", "hacker"},
		Pattern{Var("identifier"), "title", Var("blog")},
	)
	if got := titles(out, "blog"); !slices.Equal(got, []string{"hyper.dev"}) {
		t.Fatalf("blogs = %v", got)
	}
}

// blogData is the data of the seed tests.
func blogData(t *testing.T, db layer.DB, s *Store) (hyperdev, copernic, hypersocial tuple.UUID) {
	hyperdev, copernic, hypersocial = uuid4(), uuid4(), uuid4()
	add(t, db, s,
		[]any{hyperdev, "title", "hyper.dev"},
		[]any{hyperdev, "keyword", "scheme"},
		[]any{hyperdev, "keyword", "hacker"},
		[]any{copernic, "title", "blog.copernic.com"},
		[]any{copernic, "keyword", "corporate"},
		[]any{hypersocial, "title", "hypersocial.space"},
		[]any{hypersocial, "keyword", "python"},
		[]any{hypersocial, "keyword", "hacker"},
	)
	return
}

// test_nstore_seed_subject_variable
func TestFoundSeedSubjectVariable(t *testing.T) {
	db, s := newStore(t, 3)
	_, copernic, _ := blogData(t, db, s)
	out := query(t, db, s, Pattern{Var("subject"), "keyword", "corporate"})
	if len(out) != 1 || out[0]["subject"] != copernic {
		t.Fatalf("got %v, want subject %v", out, copernic)
	}
}

// test_nstore_seed_subject_lookup
func TestFoundSeedSubjectLookup(t *testing.T) {
	db, s := newStore(t, 3)
	_, copernic, _ := blogData(t, db, s)
	out := query(t, db, s, Pattern{copernic, Var("key"), Var("value")})
	want := []Binding{
		{"key": "keyword", "value": "corporate"},
		{"key": "title", "value": "blog.copernic.com"},
	}
	if !reflect.DeepEqual(out, want) {
		t.Fatalf("got %v, want %v", out, want)
	}
}

// test_nstore_seed_object_variable
func TestFoundSeedObjectVariable(t *testing.T) {
	db, s := newStore(t, 3)
	hyperdev, _, _ := blogData(t, db, s)
	out := query(t, db, s, Pattern{hyperdev, "title", Var("title")})
	if len(out) != 1 || out[0]["title"] != "hyper.dev" {
		t.Fatalf("got %v", out)
	}
}

// postData is the data of the three-hop tests.
func postData(t *testing.T, db layer.DB, s *Store) {
	hyperdev, post1, post2 := uuid4(), uuid4(), uuid4()
	add(t, db, s,
		[]any{hyperdev, "title", "hyper.dev"},
		[]any{hyperdev, "keyword", "scheme"},
		[]any{hyperdev, "keyword", "hacker"},
		[]any{post1, "blog", hyperdev},
		[]any{post1, "title", "hoply is awesome"},
		[]any{post2, "blog", hyperdev},
		[]any{post2, "title", "hoply foundiple store"},
	)
}

// test_nstore_subject_variable: select, where, where (three hops).
func TestFoundSubjectVariableThreeHops(t *testing.T) {
	db, s := newStore(t, 3)
	postData(t, db, s)
	out := query(t, db, s,
		Pattern{Var("blog"), "title", "hyper.dev"},
		Pattern{Var("post"), "blog", Var("blog")},
		Pattern{Var("post"), "title", Var("title")},
	)
	if got := titles(out, "title"); !slices.Equal(got, []string{"hoply foundiple store", "hoply is awesome"}) {
		t.Fatalf("titles = %v", got)
	}
}

// test_nstore_query
func TestFoundQuery(t *testing.T) {
	db, s := newStore(t, 3)
	postData(t, db, s)
	out := query(t, db, s,
		Pattern{Var("blog"), "title", "hyper.dev"},
		Pattern{Var("post"), "blog", Var("blog")},
		Pattern{Var("post"), "title", Var("title")},
	)
	if got := titles(out, "title"); !slices.Equal(got, []string{"hoply foundiple store", "hoply is awesome"}) {
		t.Fatalf("titles = %v", got)
	}
	for _, b := range out {
		if len(b) != 3 {
			t.Errorf("binding %v: want blog, post and title", b)
		}
	}
}

// test_vnstore_query_zero, on a plain store: ten rounds of an empty query,
// an add, a query that finds it, a remove and a query that finds nothing.
func TestFoundQueryZero(t *testing.T) {
	db, s := newStore(t, 3)
	for i := range 10 {
		expected := uuid4()
		if out := query(t, db, s, Pattern{Var("subject"), "title", "hypermove.fr"}); len(out) != 0 {
			t.Fatalf("round %d: %v before any add", i, out)
		}
		add(t, db, s, []any{expected, "title", "hypermove"})
		out := query(t, db, s, Pattern{Var("subject"), "title", "hypermove"})
		if len(out) != 1 || out[0]["subject"] != expected {
			t.Fatalf("round %d: got %v, want subject %v", i, out, expected)
		}
		testdb.Write(t, db, func(tx layer.Tx) error { return s.Remove(tx, []any{expected, "title", "hypermove"}) })
		if out := query(t, db, s, Pattern{Var("subject"), "title", "hypermove"}); len(out) != 0 {
			t.Fatalf("round %d: %v after remove", i, out)
		}
	}
}

// TestFoundKeyLayout checks the bytes: found's nstore.make(name, [42], 3)
// and add(tx, store, u, "title", "hyper.dev") write, with value b"",
//
//	pack((42, 0, u, "title", "hyper.dev"))
//	pack((42, 1, "title", "hyper.dev", u))
//	pack((42, 2, "hyper.dev", u, "title"))
//
// and a store over subspace.FromTuple((42,)) writes the same keys.
func TestFoundKeyLayout(t *testing.T) {
	db, s := newStore(t, 3)
	u := uuid4()
	add(t, db, s, []any{u, "title", "hyper.dev"})
	r, _ := s.Subspace().FullRange()
	kvs, err := layer.ReadTransact(context.Background(), db, func(tx layer.ReadTx) ([]layer.KeyValue, error) {
		return tx.GetRange(r, layer.RangeOptions{}).Slice()
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []tuple.Tuple{
		{0, u, "title", "hyper.dev"},
		{1, "title", "hyper.dev", u},
		{2, "hyper.dev", u, "title"},
	}
	if len(kvs) != len(want) {
		t.Fatalf("%d keys, want %d", len(kvs), len(want))
	}
	for i, kv := range kvs {
		if w := s.Subspace().MustPack(want[i]); !bytes.Equal(kv.Key, w) || len(kv.Value) != 0 {
			t.Errorf("key %d = %q = %q, want %q = %q", i, kv.Key, kv.Value, w, "")
		}
	}
	// found's prefix (42,) as a subspace: the same bytes as found's pack of
	// the flat tuple.
	f := subspace.FromTuple(tuple.Tuple{42})
	for _, w := range want {
		flat := append(tuple.Tuple{42}, w...)
		if !bytes.Equal(f.MustPack(w), flat.Pack()) {
			t.Errorf("prefix (42,) + %v differs from pack(%v)", w, flat)
		}
	}
}
