package eav

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/strata-db/strata/internal/testdb"
	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/tuple"
)

// TestTypes checks that every kind of value comes back, converted to the
// types Get documents.
func TestTypes(t *testing.T) {
	db, s := newStore(t)
	u := uuid.MustParse("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b")
	when := time.Date(2024, 5, 1, 10, 30, 0, 123456789, time.FixedZone("CEST", 2*3600))
	type myInt int16
	in := Document{
		"s": "text", "b": []byte{0, 1, 0xff}, "empty": []byte{}, "i": 42, "neg": int8(-7), "u": uint64(math.MaxUint64),
		"f": 1.5, "f32": float32(0.25), "whole": 2.0, "t": true, "fa": false, "id": u, "tid": tuple.UUID(u),
		"when": when, "named": myInt(9), "nan": math.NaN(), "inf": math.Inf(-1),
		"list": []any{"a", 1, "a"}, "strs": []string{"x", "y"}, "one": []int{7}, "none": []any{},
		"nested": map[string]any{"deep": Document{"er": "x"}, "n": 1}, "dotted.path": "d",
	}
	createID(t, db, s, "all", in)
	want := Document{
		"s": "text", "b": []byte{0, 1, 0xff}, "empty": []byte{}, "i": int64(42), "neg": int64(-7), "u": uint64(math.MaxUint64),
		"f": 1.5, "f32": 0.25, "whole": 2.0, "t": true, "fa": false, "id": u, "tid": u,
		"when": when.UTC(), "named": int64(9), "inf": math.Inf(-1),
		"list": []any{"a", int64(1), "a"}, "strs": []any{"x", "y"}, "one": []any{int64(7)}, "none": []any{},
		"nested": Document{"deep": Document{"er": "x"}, "n": int64(1)}, "dotted": Document{"path": "d"},
	}
	got := get(t, db, s, "all")
	if n, ok := got["nan"].(float64); !ok || !math.IsNaN(n) {
		t.Errorf("nan: %v", got["nan"])
	}
	delete(got, "nan")
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Get:\n got %#v\nwant %#v", got, want)
	}
	if !got["when"].(time.Time).Equal(when) {
		t.Errorf("time %v, want %v", got["when"], when)
	}
	// Flatten shows the attributes as stored.
	flat, err := Flatten(Document{"a": Document{"b": 1, "c": []int{1}}})
	if err != nil || !reflect.DeepEqual(flat, map[string]any{"a.b": int64(1), "a.c": []any{int64(1)}}) {
		t.Errorf("Flatten: %v, %v", flat, err)
	}
	checkConsistent(t, db, s)
}

// TestIDs checks the id kinds and their normalization.
func TestIDs(t *testing.T) {
	db, s := newStore(t)
	u := uuid.New()
	for _, tc := range []struct{ in, out ID }{
		{u, u}, {tuple.UUID(u), u}, {"alice", "alice"}, {42, int64(42)}, {uint8(43), int64(43)}, {uint64(math.MaxUint64), uint64(math.MaxUint64)},
	} {
		testdb.Write(t, db, func(tx layer.Tx) error { _, err := s.Delete(tx, tc.in); return err })
		createID(t, db, s, tc.in, Document{"x": 1})
		ids, _, err := queryIDs(db, s, QueryOptions{}, Eq("x", 1))
		if err != nil || len(ids) != 1 || ids[0] != tc.out {
			t.Errorf("id %#v: query returns %#v, %v; want %#v", tc.in, ids, err, tc.out)
		}
		if ok := testdb.Read(t, db, func(tx layer.ReadTx) (bool, error) { return s.Exists(tx, tc.out) }); !ok {
			t.Errorf("Exists(%#v) = false", tc.out)
		}
		testdb.Write(t, db, func(tx layer.Tx) error { _, err := s.Delete(tx, tc.out); return err })
	}
	id := create(t, db, s, Document{})
	if v, ok := id.(uuid.UUID); !ok || v.Version() != 7 {
		t.Errorf("Create made id %#v, want a version 7 UUID", id)
	}
	if d := get(t, db, s, id); len(d) != 0 || d == nil {
		t.Errorf("empty document: %#v", d)
	}
	for _, bad := range []ID{nil, 1.5, []byte("x"), strings.Repeat("x", MaxIDSize), true} {
		err := writeErr(db, func(tx layer.Tx) error { return s.CreateWithID(tx, bad, Document{}) })
		if !errors.Is(err, ErrID) {
			t.Errorf("id %#v: %v, want ErrID", bad, err)
		}
	}
}

// TestMultiGet checks order, absent documents and that the reads are
// futures issued together.
func TestMultiGet(t *testing.T) {
	db, s := newStore(t)
	createID(t, db, s, 1, Document{"n": 1, "tags": []any{"a"}})
	createID(t, db, s, 3, Document{"n": 3, "a": Document{"b": "c"}})
	createID(t, db, s, 4, Document{})
	docs := testdb.Read(t, db, func(tx layer.ReadTx) ([]Document, error) {
		return s.MultiGet(tx, []ID{3, 2, 1, 4, 3})
	})
	want := []Document{
		{"n": int64(3), "a": Document{"b": "c"}}, nil, {"n": int64(1), "tags": []any{"a"}}, {}, {"n": int64(3), "a": Document{"b": "c"}},
	}
	if !reflect.DeepEqual(docs, want) {
		t.Fatalf("MultiGet = %#v\nwant %#v", docs, want)
	}
	// Two rounds of futures: every header read is issued before the first
	// is waited for, then every value read.
	tx := &countingTx{ReadTx: nil}
	testdb.Read(t, db, func(rtx layer.ReadTx) (struct{}, error) {
		tx.ReadTx = rtx
		tx.rounds, tx.pending = nil, 0
		_, err := s.MultiGet(tx, []ID{1, 2, 3, 4})
		return struct{}{}, err
	})
	if !reflect.DeepEqual(tx.rounds, []int{4, 4}) {
		t.Errorf("reads issued per round: %v, want [4 4] (4 headers, then the 4 values of 2 documents)", tx.rounds)
	}
}

// countingTx records how many reads are issued before each wait.
type countingTx struct {
	layer.ReadTx
	pending int
	rounds  []int
}

type countedFuture struct {
	layer.Future[[]byte]
	tx *countingTx
}

func (f countedFuture) Get() ([]byte, error) {
	if f.tx.pending > 0 {
		f.tx.rounds = append(f.tx.rounds, f.tx.pending)
		f.tx.pending = 0
	}
	return f.Future.Get()
}

func (c *countingTx) Get(key []byte) layer.Future[[]byte] {
	c.pending++
	return countedFuture{c.ReadTx.Get(key), c}
}

// TestUpsertAndDeleteFields checks field-level writes on nested paths.
func TestUpsertAndDeleteFields(t *testing.T) {
	db, s := newStore(t)
	// Upsert creates.
	testdb.Write(t, db, func(tx layer.Tx) error {
		return s.UpsertFields(tx, "p", Document{"name": "alice", "address": Document{"city": "Paris", "zip": "75001"}})
	})
	testdb.Write(t, db, func(tx layer.Tx) error {
		return s.UpsertFields(tx, "p", Document{"address": Document{"city": "Lyon"}, "age": 30})
	})
	want := Document{"name": "alice", "age": int64(30), "address": Document{"city": "Lyon", "zip": "75001"}}
	if d := get(t, db, s, "p"); !reflect.DeepEqual(d, want) {
		t.Fatalf("after upserts: %v, want %v", d, want)
	}
	// A value takes the place of the map at its path, and back.
	testdb.Write(t, db, func(tx layer.Tx) error { return s.UpsertFields(tx, "p", Document{"address": "unknown"}) })
	if d := get(t, db, s, "p"); !reflect.DeepEqual(d, Document{"name": "alice", "age": int64(30), "address": "unknown"}) {
		t.Fatalf("after replacing a map by a value: %v", d)
	}
	testdb.Write(t, db, func(tx layer.Tx) error { return s.UpsertFields(tx, "p", Document{"address.city": "Nice"}) })
	if d := get(t, db, s, "p"); !reflect.DeepEqual(d, Document{"name": "alice", "age": int64(30), "address": Document{"city": "Nice"}}) {
		t.Fatalf("after replacing a value by a map: %v", d)
	}
	checkConsistent(t, db, s)
	// DeleteFields removes a path and what is under it, not what is above.
	testdb.Write(t, db, func(tx layer.Tx) error {
		return s.UpsertFields(tx, "p", Document{"address": Document{"zip": "06000", "geo": Document{"lat": 43.7}}})
	})
	testdb.Write(t, db, func(tx layer.Tx) error { return s.DeleteFields(tx, "p", "address.geo", "address.city.x", "nope") })
	if d := get(t, db, s, "p"); !reflect.DeepEqual(d, Document{"name": "alice", "age": int64(30), "address": Document{"city": "Nice", "zip": "06000"}}) {
		t.Fatalf("after deleting address.geo: %v", d)
	}
	testdb.Write(t, db, func(tx layer.Tx) error { return s.DeleteFields(tx, "p", "address", "age") })
	if d := get(t, db, s, "p"); !reflect.DeepEqual(d, Document{"name": "alice"}) {
		t.Fatalf("after deleting address: %v", d)
	}
	if out := query(t, db, s, Has("address.city")); len(out) != 0 {
		t.Fatalf("address.city still indexed: %v", out)
	}
	checkConsistent(t, db, s)
	// Absent documents.
	if err := writeErr(db, func(tx layer.Tx) error { return s.DeleteFields(tx, "q", "a") }); !errors.Is(err, ErrNotFound) {
		t.Errorf("DeleteFields of an absent document: %v", err)
	}
	if err := writeErr(db, func(tx layer.Tx) error { return s.Replace(tx, "q", Document{}) }); !errors.Is(err, ErrNotFound) {
		t.Errorf("Replace of an absent document: %v", err)
	}
	var existed bool
	testdb.Write(t, db, func(tx layer.Tx) (err error) { existed, err = s.Delete(tx, "q"); return })
	if existed {
		t.Errorf("Delete of an absent document reports it existed")
	}
	testdb.Write(t, db, func(tx layer.Tx) (err error) { existed, err = s.Delete(tx, "p"); return })
	if !existed {
		t.Errorf("Delete reports the document did not exist")
	}
	if keys := dump(t, db, s, 1); len(keys) != 0 {
		t.Errorf("headers left: %v", keys)
	}
	checkConsistent(t, db, s)
}

// TestReplaceWritesOnlyChanges checks that Replace leaves unchanged
// attributes and their index entries alone.
func TestReplaceWritesOnlyChanges(t *testing.T) {
	db, s := newStore(t)
	createID(t, db, s, 1, Document{"same": "x", "tags": []any{"a", "b"}, "gone": 1})
	testdb.Write(t, db, func(tx layer.Tx) error {
		tx = &recordingTx{Tx: tx}
		if err := s.Replace(tx, 1, Document{"same": "x", "tags": []any{"b", "c"}, "new": true}); err != nil {
			return err
		}
		got := tx.(*recordingTx).ops
		want := []string{
			`clear (3, "gone", 1, 1)`, `clear (2, 1, "gone")`, `set (3, "new", true, 1)`, `set (2, 1, "new")`,
			`clear (3, "tags", "a", 1)`, `set (3, "tags", "c", 1)`, `set (2, 1, "tags")`, `set (1, 1)`,
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("mutations:\n got %q\nwant %q", got, want)
		}
		return nil
	})
	checkConsistent(t, db, s)
}

type recordingTx struct {
	layer.Tx
	ops []string
}

func (r *recordingTx) show(k []byte) string {
	// The test subspace is ("strata-test", run, name); drop it.
	t, _ := tuple.Unpack(k)
	return tuple.Tuple(t[3:]).String()
}

func (r *recordingTx) Set(k, v []byte) { r.ops = append(r.ops, "set "+r.show(k)); r.Tx.Set(k, v) }
func (r *recordingTx) Clear(k []byte)  { r.ops = append(r.ops, "clear "+r.show(k)); r.Tx.Clear(k) }

// TestErrors checks that bad input is refused before anything is written,
// with errors that name the attribute.
func TestErrors(t *testing.T) {
	db, s := newStore(t)
	createID(t, db, s, "d", Document{"keep": 1})
	big := strings.Repeat("x", layer.MaxValueSize)
	for i, tc := range []struct {
		doc  Document
		want error
		msg  string
	}{
		{Document{"": 1}, ErrAttribute, `eav: bad attribute: attribute "": empty name`},
		{Document{"a..b": 1}, ErrAttribute, ""},
		{Document{"a": Document{"": 1}}, ErrAttribute, `eav: bad attribute: attribute "a.": empty path component`},
		{Document{"a.b": 1, "a": Document{"b": 2}}, ErrAttribute, ""},
		{Document{"a": 1, "a.b": 2}, ErrAttribute, `eav: bad attribute: attribute "a.b": "a" holds a value, so it cannot also hold attributes`},
		{Document{strings.Repeat("a", MaxAttributeSize+1): 1}, ErrAttribute, ""},
		{Document{"n": nil}, ErrValue, `eav: bad value: attribute "n": nil is not a value (DeleteFields removes an attribute)`},
		{Document{"c": make(chan int)}, ErrValue, ""},
		{Document{"l": []any{[]any{1}}}, ErrValue, ""},
		{Document{"l": []any{Document{"a": 1}}}, ErrValue, `eav: bad value: attribute "l": list element 0: a list holds scalars, not eav.Document (lists of lists and of maps are not supported)`},
		{Document{"m": map[int]any{1: 2}}, ErrValue, ""},
		{Document{"photo": []byte(big)}, ErrValueTooLarge, `eav: value too large: attribute "photo": the value takes 100002 bytes encoded, over the 100000-byte limit of one value; store large content in the blob layer (package blob) and keep its hash in the document`},
		{Document{"l": []string{big[:60000], big[:60000]}}, ErrValueTooLarge, ""},
		{Document{"body": big[:20000]}, ErrIndexKeyTooLarge, ""},
	} {
		for name, op := range map[string]func(tx layer.Tx) error{
			"create":  func(tx layer.Tx) error { return s.CreateWithID(tx, "x", tc.doc) },
			"replace": func(tx layer.Tx) error { return s.Replace(tx, "d", tc.doc) },
			"upsert":  func(tx layer.Tx) error { return s.UpsertFields(tx, "d", tc.doc) },
		} {
			err := writeErr(db, op)
			if !errors.Is(err, tc.want) || tc.msg != "" && err.Error() != tc.msg {
				t.Errorf("%s, case %d: %.300v, want %v %q", name, i, err, tc.want, tc.msg)
			}
			var ae *AttrError
			if !errors.As(err, &ae) {
				t.Errorf("%s, case %d: %T is not an *AttrError", name, i, err)
			}
		}
	}
	if d := get(t, db, s, "d"); !reflect.DeepEqual(d, Document{"keep": int64(1)}) {
		t.Errorf("document after refused writes: %v", d)
	}
	if ok := testdb.Read(t, db, func(tx layer.ReadTx) (bool, error) { return s.Exists(tx, "x") }); ok {
		t.Errorf("a refused create wrote a document")
	}
	checkConsistent(t, db, s)
}

// TestDocumentSize checks the size limit: a document of about 10 MB fails
// cleanly with ErrDocumentTooLarge (not FoundationDB's 2101), one just
// under the limit is stored, and upserts count the whole document.
func TestDocumentSize(t *testing.T) {
	db, s := newStore(t)
	huge := Document{}
	for i := range 100 {
		huge[strings.Repeat("k", 4)+string(rune('a'+i%26))+strings.Repeat("z", i/26)] = []byte(strings.Repeat("v", 99_000))
	}
	err := writeErr(db, func(tx layer.Tx) error { return s.CreateWithID(tx, "huge", huge) })
	if !errors.Is(err, ErrDocumentTooLarge) || !strings.Contains(err.Error(), "blob") {
		t.Fatalf("10 MB document: %v, want ErrDocumentTooLarge pointing to the blob layer", err)
	}
	// Unindexed large values: nine of 99 kB fit, a tenth does not.
	testdb.Write(t, db, func(tx layer.Tx) error { return s.DropIndex(tx, "*") })
	doc := Document{}
	for i := range 9 {
		doc[string(rune('a'+i))] = []byte(strings.Repeat("v", 99_000))
	}
	createID(t, db, s, "big", doc)
	err = writeErr(db, func(tx layer.Tx) error {
		return s.UpsertFields(tx, "big", Document{"j": []byte(strings.Repeat("v", 99_000)), "k": []byte(strings.Repeat("v", 99_000))})
	})
	if !errors.Is(err, ErrDocumentTooLarge) {
		t.Fatalf("upsert past the limit: %v", err)
	}
	// Replacing an attribute keeps the size.
	testdb.Write(t, db, func(tx layer.Tx) error {
		return s.UpsertFields(tx, "big", Document{"a": []byte(strings.Repeat("w", 99_000))})
	})
	// Many attributes: their names must fit in the header.
	many := Document{}
	for i := range 101 {
		many[strings.Repeat("n", 995)+string(rune(0x4e00+i))] = true
	}
	err = writeErr(db, func(tx layer.Tx) error { return s.CreateWithID(tx, "many", many) })
	if !errors.Is(err, ErrDocumentTooLarge) || !strings.Contains(err.Error(), "names") {
		t.Fatalf("101 attributes of 1,000 bytes: %v", err)
	}
	checkConsistent(t, db, s)
}

// TestWorstCaseWrites writes the documents that cost the most per byte of
// size, many small indexed values, as large as the limit allows, and
// checks the transaction sizes the package documents: Create within 3x
// MaxDocumentSize, Delete 4x, Replace changing every value 7x, so all
// under FoundationDB's 10,000,000 bytes.
func TestWorstCaseWrites(t *testing.T) {
	db, s := newStore(t)
	// sign -1 changes every value, not the size.
	doc := func(attrs, sign int) Document {
		d := Document{}
		for a := range attrs {
			l := make([]int, 100)
			for i := range l {
				l[i] = sign * (a*100 + i + 1)
			}
			d[fmt.Sprintf("a%03d", a)] = l
		}
		return d
	}
	// The largest document of such attributes, by the size Create checks.
	id := item("w")
	size := func(d Document) int {
		fields, err := flatten(d)
		if err != nil {
			t.Fatal(err)
		}
		n := s.baseSize(id)
		for _, f := range fields {
			n += s.attrSize(id, item(f.attr), f.value, f.items)
		}
		return n
	}
	n := 1
	for size(doc(n+1, 1)) <= MaxDocumentSize {
		n++
	}
	if sz := size(doc(n, 1)); sz < MaxDocumentSize*98/100 {
		t.Fatalf("largest document: %d bytes", sz)
	}
	if err := writeErr(db, func(tx layer.Tx) error { return s.CreateWithID(tx, "w", doc(n+1, 1)) }); !errors.Is(err, ErrDocumentTooLarge) {
		t.Fatalf("one attribute more: %v", err)
	}
	limited := func(factor int, fn func(tx layer.Tx) error) {
		t.Helper()
		testdb.Write(t, db, func(tx layer.Tx) error {
			if err := tx.SetSizeLimit(factor * MaxDocumentSize); err != nil {
				return err
			}
			return fn(tx)
		})
	}
	limited(3, func(tx layer.Tx) error { return s.CreateWithID(tx, "w", doc(n, 1)) })
	limited(7, func(tx layer.Tx) error { return s.Replace(tx, "w", doc(n, -1)) })
	checkConsistent(t, db, s)
	limited(4, func(tx layer.Tx) error { _, err := s.Delete(tx, "w"); return err })
	if keys := dump(t, db, s, 3); len(keys) != 0 {
		t.Fatalf("%d index entries left", len(keys))
	}
	t.Logf("%d attributes of 100 distinct integers (%d index entries) fit the limit", n, n*100)
}
