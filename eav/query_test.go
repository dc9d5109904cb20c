package eav

import (
	"errors"
	"math"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/strata-db/strata/internal/testdb"
	"github.com/strata-db/strata/layer"
)

// TestQueryConditions checks each operator against a small set of values
// of every kind.
func TestQueryConditions(t *testing.T) {
	db, s := newStore(t)
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	u1 := uuid.MustParse("00000000-0000-7000-8000-000000000001")
	u2 := uuid.MustParse("00000000-0000-7000-8000-000000000002")
	docs := map[string]Document{
		"i-1":     {"v": -1},
		"i0":      {"v": 0},
		"f-0":     {"v": math.Copysign(0, -1)},
		"f0.5":    {"v": 0.5},
		"i1":      {"v": 1},
		"f1":      {"v": 1.0},
		"i2":      {"v": 2},
		"big":     {"v": uint64(math.MaxUint64)},
		"min":     {"v": math.MinInt64},
		"i2^53+1": {"v": int64(1<<53 + 1)},
		"finf":    {"v": math.Inf(1)},
		"fnan":    {"v": math.NaN()},
		"sa":      {"v": "a"},
		"sab":     {"v": "ab"},
		"sa0":     {"v": "a\x00"},
		"sb":      {"v": "b"},
		"ba":      {"v": []byte("a")},
		"true":    {"v": true},
		"false":   {"v": false},
		"u1":      {"v": u1},
		"u2":      {"v": u2},
		"t0":      {"v": t0},
		"t1":      {"v": t0.Add(time.Nanosecond)},
		"tpre":    {"v": t0.Add(-time.Hour)},
		"list":    {"v": []any{"zz", 100}},
		"none":    {"w": 1},
		"empty":   {"v": []any{}},
	}
	for id, d := range docs {
		createID(t, db, s, id, d)
	}
	ids := func(names ...string) []string {
		out := make([]ID, len(names))
		for i, n := range names {
			out[i] = n
		}
		return strs(out...)
	}
	for _, tc := range []struct {
		c    Cond
		want []string
	}{
		{Eq("v", 1), ids("i1", "f1")},
		{Eq("v", 1.0), ids("i1", "f1")},
		{Eq("v", 0), ids("i0", "f-0")},
		{Eq("v", math.Copysign(0, -1)), ids("i0", "f-0")},
		{Eq("v", "a"), ids("sa")},
		{Eq("v", []byte("a")), ids("ba")},
		{Eq("v", true), ids("true")},
		{Eq("v", u2), ids("u2")},
		{Eq("v", t0), ids("t0")},
		{Eq("v", "zz"), ids("list")},
		{Eq("v", 100.0), ids("list")},
		{Ge("v", 1), ids("i1", "f1", "i2", "big", "i2^53+1", "finf", "list")},
		{Gt("v", 1), ids("i2", "big", "i2^53+1", "finf", "list")},
		{Gt("v", 0.5), ids("i1", "f1", "i2", "big", "i2^53+1", "finf", "list")},
		{Ge("v", 0.5), ids("f0.5", "i1", "f1", "i2", "big", "i2^53+1", "finf", "list")},
		{Lt("v", 0), ids("i-1", "min")},
		{Le("v", 0), ids("i-1", "min", "i0", "f-0")},
		{Gt("v", 0), ids("f0.5", "i1", "f1", "i2", "big", "i2^53+1", "finf", "list")},
		{Lt("v", 0.5), ids("i-1", "min", "i0", "f-0")},
		{Le("v", -0.5), ids("i-1", "min")},
		{Between("v", 0, 1), ids("i0", "f-0", "f0.5", "i1", "f1")},
		{Between("v", -0.5, 0.5), ids("i0", "f-0", "f0.5")},
		{Between("v", 2, 1), nil},
		{Ge("v", float64(math.MaxUint64)), ids("finf")},
		{Ge("v", uint64(math.MaxUint64)), ids("big", "finf")},
		{Gt("v", int64(1<<53)), ids("big", "i2^53+1", "finf")},
		{Lt("v", math.Inf(-1)), nil},
		{Le("v", math.Inf(1)), ids("i-1", "min", "i0", "f-0", "f0.5", "i1", "f1", "i2", "big", "i2^53+1", "finf", "list")},
		{Ge("v", "a"), ids("sa", "sab", "sa0", "sb", "list")},
		{Gt("v", "a"), ids("sab", "sa0", "sb", "list")},
		{Le("v", "ab"), ids("sa", "sab", "sa0")},
		{Lt("v", "ab"), ids("sa", "sa0")},
		{Between("v", "a", "a\x00"), ids("sa", "sa0")},
		{Prefix("v", "a"), ids("sa", "sab", "sa0")},
		{Prefix("v", "a\x00"), ids("sa0")},
		{Prefix("v", ""), ids("sa", "sab", "sa0", "sb", "list")},
		{Prefix("v", []byte("")), ids("ba")},
		{Ge("v", false), ids("false", "true")},
		{Gt("v", false), ids("true")},
		{Gt("v", u1), ids("u2")},
		{Ge("v", t0), ids("t0", "t1")},
		{Lt("v", t0), ids("tpre")},
		{Between("v", t0.Add(-time.Minute), t0), ids("t0")},
		{Has("v"), ids("i-1", "i0", "f-0", "f0.5", "i1", "f1", "i2", "big", "min", "i2^53+1", "finf", "fnan", "sa", "sab", "sa0", "sb", "ba", "true", "false", "u1", "u2", "t0", "t1", "tpre", "list")},
		{Has("w"), ids("none")},
	} {
		got := query(t, db, s, tc.c)
		if !slices.Equal(got, tc.want) && len(got)+len(tc.want) > 0 {
			t.Errorf("%s:\n got %v\nwant %v", tc.c, got, tc.want)
		}
	}
	for _, c := range []Cond{
		Eq("v", math.NaN()), Ge("v", []any{1}), Between("v", 1, "a"), Prefix("v", 1), Eq("", 1), Eq("v", nil), {Attr: "v"},
	} {
		if _, _, err := queryIDs(db, s, QueryOptions{}, c); !errors.Is(err, ErrQuery) {
			t.Errorf("%s: %v, want ErrQuery", c, err)
		}
	}
}

// TestQueryIntersection checks several conditions, the choice of the
// driver and filters on attributes without an index.
func TestQueryIntersection(t *testing.T) {
	db, s := newStore(t)
	for i := range 200 {
		createID(t, db, s, i, Document{"kind": []string{"even", "odd"}[i%2], "n": i, "tags": []any{i % 3, i % 5}, "name": "n" + string(rune('a'+i%26))})
	}
	cases := []struct {
		conds  []Cond
		driver string
		want   func(i int) bool
	}{
		{[]Cond{Eq("kind", "even"), Between("n", 10, 20)}, "n", func(i int) bool { return i%2 == 0 && i >= 10 && i <= 20 }},
		{[]Cond{Ge("n", 0), Eq("name", "nc"), Eq("kind", "even")}, "name", func(i int) bool { return i%26 == 2 && i%2 == 0 }},
		{[]Cond{Eq("tags", 0), Eq("tags", 2)}, "", func(i int) bool { return i%3 == 0 && i%5 == 2 || i%3 == 2 && i%5 == 0 }},
		{[]Cond{Between("tags", 1, 2), Lt("n", 30)}, "n", func(i int) bool { return i < 30 && (i%3 >= 1 || i%5 == 1 || i%5 == 2) }},
	}
	for _, tc := range cases {
		var want []ID
		for i := range 200 {
			if tc.want(i) {
				want = append(want, int64(i))
			}
		}
		type res struct {
			ids    []ID
			driver Cond
		}
		r := testdb.Read(t, db, func(tx layer.ReadTx) (res, error) {
			var r res
			cur := s.Query(tx, QueryOptions{Batch: 7}, tc.conds...)
			for id, err := range cur.All() {
				if err != nil {
					return r, err
				}
				r.ids = append(r.ids, id)
			}
			r.driver, _ = cur.Driver()
			return r, nil
		})
		if got := idStrings(r.ids); !slices.Equal(got, strs(want...)) {
			t.Errorf("%v:\n got %v\nwant %v", tc.conds, got, strs(want...))
		}
		if tc.driver != "" && r.driver.Attr != tc.driver {
			t.Errorf("%v: driven by %s, want a condition on %s", tc.conds, r.driver, tc.driver)
		}
	}
	// Filters need no index, the driver does.
	testdb.Write(t, db, func(tx layer.Tx) error { return s.DropIndex(tx, "*") })
	testdb.Write(t, db, func(tx layer.Tx) error { return s.AddIndex(tx, "name") })
	if _, _, err := queryIDs(db, s, QueryOptions{}, Eq("kind", "even")); !errors.Is(err, ErrNotIndexed) {
		t.Errorf("query on an attribute without index: %v", err)
	}
	if _, _, err := queryIDs(db, s, QueryOptions{}, Eq("name", "na")); !errors.Is(err, ErrNotIndexed) {
		t.Errorf("query on an index being built: %v", err)
	}
	if _, err := s.RunJob(t.Context(), db, Job{Kind: BuildIndex, Arg: "name"}, JobOptions{}); err != nil {
		t.Fatal(err)
	}
	got := query(t, db, s, Eq("name", "nb"), Eq("kind", "odd"), Lt("n", 60))
	if want := strs(int64(1), int64(27), int64(53)); !slices.Equal(got, want) {
		t.Errorf("filtered query: %v, want %v", got, want)
	}
	checkConsistent(t, db, s)
}

// TestQueryPaging checks continuations: each id once, in the driver's
// order, across transactions, even as documents change in between.
func TestQueryPaging(t *testing.T) {
	db, s := newStore(t)
	for i := range 50 {
		createID(t, db, s, i, Document{"n": []any{i % 7, i % 7, float64(i % 7)}, "m": i % 2})
	}
	conds := []Cond{Between("n", 2, 5), Eq("m", 0)}
	all, next, err := queryIDs(db, s, QueryOptions{}, conds...)
	if err != nil || next != nil {
		t.Fatalf("full query: %v, continuation %v", err, next)
	}
	if len(all) != len(slices.Compact(slices.Clone(all))) {
		t.Fatalf("repeated ids: %v", all)
	}
	for _, limit := range []int{1, 2, 5, 100} {
		var got []ID
		var after Continuation
		for pages := 0; ; pages++ {
			ids, next, err := queryIDs(db, s, QueryOptions{Limit: limit, After: after, Batch: 3}, conds...)
			if err != nil {
				t.Fatal(err)
			}
			if len(ids) > limit {
				t.Fatalf("limit %d: page of %d", limit, len(ids))
			}
			got = append(got, ids...)
			if next == nil {
				break
			}
			back, err := ParseContinuation(next.String())
			if err != nil || !slices.Equal(back, next) {
				t.Fatalf("continuation round trip: %v", err)
			}
			after = next
		}
		if !reflect.DeepEqual(got, all) {
			t.Errorf("limit %d: paged %v\nwant %v", limit, got, all)
		}
	}
	// Resume after deleting the last id yielded and adding documents on
	// both sides of it.
	first, next, err := queryIDs(db, s, QueryOptions{Limit: 3}, conds...)
	if err != nil {
		t.Fatal(err)
	}
	testdb.Write(t, db, func(tx layer.Tx) error {
		if _, err := s.Delete(tx, first[2]); err != nil {
			return err
		}
		if err := s.CreateWithID(tx, -1, Document{"n": 2, "m": 0}); err != nil {
			return err
		}
		return s.CreateWithID(tx, 1000, Document{"n": 5, "m": 0})
	})
	rest, _, err := queryIDs(db, s, QueryOptions{After: next}, conds...)
	if err != nil {
		t.Fatal(err)
	}
	want := append(slices.Clone(all[3:]), int64(1000))
	if !reflect.DeepEqual(idStrings(rest), idStrings(want)) {
		t.Errorf("resumed: %v\nwant %v", rest, want)
	}
	// A continuation belongs to its query.
	for _, c := range [][]Cond{{Between("n", 2, 6), Eq("m", 0)}, {Eq("m", 0)}} {
		if _, _, err := queryIDs(db, s, QueryOptions{After: next}, c...); !errors.Is(err, ErrContinuation) {
			t.Errorf("continuation of another query: %v", err)
		}
	}
	if _, _, err := queryIDs(db, s, QueryOptions{After: Continuation("junk")}, conds...); !errors.Is(err, ErrContinuation) {
		t.Errorf("junk continuation: %v", err)
	}
	// No condition: every id, in id order, paged too.
	var ids []ID
	var after Continuation
	for {
		page, next, err := queryIDs(db, s, QueryOptions{Limit: 16, After: after})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, page...)
		if after = next; after == nil {
			break
		}
	}
	if len(ids) != 51 || ids[0] != int64(-1) || ids[50] != int64(1000) ||
		!slices.IsSortedFunc(ids, func(a, b ID) int { return int(a.(int64) - b.(int64)) }) {
		t.Errorf("every id: %v", ids)
	}
}
