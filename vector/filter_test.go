package vector_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/strata-db/strata/internal/testdb"
	"github.com/strata-db/strata/vector"
)

func TestParseFilterErrors(t *testing.T) {
	cases := map[string]string{
		`[1]`:                            "",
		`{"$nope": 1}`:                   "$nope",
		`{"a": {"$gt": true}}`:           "a.$gt",
		`{"a": {"$in": []}}`:             "a.$in",
		`{"a": {"$in": [1, [2]]}}`:       "a.$in[1]",
		`{"a": {"$exists": 1}}`:          "a.$exists",
		`{"a": {"$regex": "x"}}`:         "a.$regex",
		`{"$or": []}`:                    "$or",
		`{"$and": [{"a": {"$eq": {}}}]}`: "$and[0].a.$eq",
		`{"a": null}`:                    "a",
		`{"a": {"b": 1}}`:                "a",
		`not json`:                       "",
	}
	for in, path := range cases {
		_, err := vector.ParseFilterJSON([]byte(in))
		var fe *vector.FilterError
		if !errors.As(err, &fe) || !errors.Is(err, vector.ErrFilter) || fe.Path != path {
			t.Errorf("%s: %v (path %q), want a FilterError at %q", in, err, pathOf(fe), path)
		}
	}
}

func pathOf(fe *vector.FilterError) string {
	if fe == nil {
		return "<nil>"
	}
	return fe.Path
}

func TestFilterMatch(t *testing.T) {
	md := map[string]any{"genre": "drama", "year": 1994.0, "tags": []any{"a", "b"}, "ok": true}
	cases := map[string]bool{
		`{"genre": "drama"}`:                                  true,
		`{"genre": {"$ne": "drama"}}`:                         false,
		`{"year": {"$gte": 1990, "$lt": 2000}}`:               true,
		`{"year": {"$gt": 1994}}`:                             false,
		`{"genre": {"$gt": "comedy"}}`:                        true,
		`{"genre": {"$gt": 5}}`:                               false,
		`{"tags": "b"}`:                                       true,
		`{"tags": {"$nin": ["b", "c"]}}`:                      false,
		`{"tags": {"$in": ["c", "a"]}}`:                       true,
		`{"missing": {"$ne": 1}}`:                             true,
		`{"missing": {"$nin": [1]}}`:                          true,
		`{"missing": {"$exists": false}}`:                     true,
		`{"ok": {"$exists": true}, "ok2": {"$exists": true}}`: false,
		`{"ok": true}`:                                        true,
		`{"$or": [{"year": 1}, {"genre": "drama"}]}`:          true,
		`{"$or": [{"year": 1}, {"genre": "x"}]}`:              false,
		`{"$and": [{"year": 1994}, {"ok": false}]}`:           false,
	}
	for in, want := range cases {
		f, err := vector.ParseFilterJSON([]byte(in))
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if got := f.Match(md); got != want {
			t.Errorf("%s: Match = %v, want %v", in, got, want)
		}
	}
	f, err := vector.ParseFilter(map[string]any{"year": map[string]any{"$lte": int64(1994)}})
	if err != nil || !f.Match(md) {
		t.Errorf("Go-typed filter: %v", err)
	}
}

// randFilter draws a random filter over the fields the test's metadata has.
func randFilter(rng *rand.Rand, depth int) map[string]any {
	colors := []any{"red", "green", "blue", "black"}
	if depth > 0 && rng.IntN(3) == 0 {
		op := []string{"$and", "$or"}[rng.IntN(2)]
		return map[string]any{op: []any{randFilter(rng, depth-1), randFilter(rng, depth-1)}}
	}
	switch rng.IntN(9) {
	case 0:
		return map[string]any{"color": colors[rng.IntN(4)]}
	case 1:
		return map[string]any{"color": map[string]any{"$ne": colors[rng.IntN(4)]}}
	case 2:
		return map[string]any{"n": map[string]any{"$gt": rng.IntN(100)}}
	case 3:
		return map[string]any{"n": map[string]any{"$gte": rng.IntN(100), "$lt": rng.IntN(100)}}
	case 4:
		return map[string]any{"n": map[string]any{"$lte": rng.IntN(100)}}
	case 5:
		return map[string]any{"color": map[string]any{"$in": []any{colors[rng.IntN(4)], colors[rng.IntN(4)]}}}
	case 6:
		return map[string]any{"tags": map[string]any{"$nin": []any{"t" + fmt.Sprint(rng.IntN(5))}}}
	case 7:
		return map[string]any{"opt": map[string]any{"$exists": rng.IntN(2) == 0}}
	default:
		return map[string]any{"tags": "t" + fmt.Sprint(rng.IntN(5))}
	}
}

// matchRef is an independent evaluation of the random filters above.
func matchRef(f map[string]any, md map[string]any) bool {
	for k, v := range f {
		switch k {
		case "$and":
			for _, s := range v.([]any) {
				if !matchRef(s.(map[string]any), md) {
					return false
				}
			}
			continue
		case "$or":
			ok := false
			for _, s := range v.([]any) {
				ok = ok || matchRef(s.(map[string]any), md)
			}
			if !ok {
				return false
			}
			continue
		}
		val, has := md[k]
		ops, isOps := v.(map[string]any)
		if !isOps {
			ops = map[string]any{"$eq": v}
		}
		elems := []any{val}
		if arr, ok := val.([]any); ok {
			elems = arr
		}
		num := func(x any) float64 {
			switch y := x.(type) {
			case int:
				return float64(y)
			case float64:
				return y
			}
			return -1e300
		}
		for op, arg := range ops {
			var ok bool
			switch op {
			case "$eq":
				ok = has && slices.ContainsFunc(elems, func(e any) bool { return e == arg })
			case "$ne":
				ok = !has || !slices.ContainsFunc(elems, func(e any) bool { return e == arg })
			case "$in":
				ok = has && slices.ContainsFunc(elems, func(e any) bool { return slices.Contains(arg.([]any), e) })
			case "$nin":
				ok = !has || !slices.ContainsFunc(elems, func(e any) bool { return slices.Contains(arg.([]any), e) })
			case "$exists":
				ok = has == arg.(bool)
			case "$gt":
				ok = has && num(val) > num(arg)
			case "$gte":
				ok = has && num(val) >= num(arg)
			case "$lt":
				ok = has && num(val) < num(arg)
			case "$lte":
				ok = has && num(val) <= num(arg)
			}
			if !ok {
				return false
			}
		}
	}
	return true
}

// TestFilteredSearch: filtered search returns exactly the brute-force
// filtered top-k, on exact and trained ivf indexes (ivf probing every list).
func TestFilteredSearch(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 2))
	db := testdb.Open(t)
	const n, dims = 2000, 16
	vs := clustered(n, dims, 20, 0.1, seed)
	colors := []string{"red", "green", "blue", "black"}
	items := make([]vector.Item, n)
	for i, v := range vs {
		md := map[string]any{"color": colors[rng.IntN(4)], "n": float64(rng.IntN(100)),
			"tags": []any{"t" + fmt.Sprint(rng.IntN(5)), "t" + fmt.Sprint(rng.IntN(5))}}
		if rng.IntN(2) == 0 {
			md["opt"] = true
		}
		items[i] = vector.Item{Key: fmt.Sprintf("k%05d", i), Vector: v, Metadata: md}
	}
	exact := newIndex(t, db, "exact", vector.IndexSpec{Dims: dims, Metric: vector.Euclidean, Kind: vector.Exact})
	ivf := newIndex(t, db, "ivf", vector.IndexSpec{Dims: dims, Metric: vector.Euclidean, Kind: vector.IVF, NList: 16})
	putAll(t, db, exact, items)
	putAll(t, db, ivf, items)
	if _, err := ivf.Train(ctx, db, vector.TrainOptions{Seed: seed}); err != nil {
		t.Fatal(err)
	}
	qs := clustered(100, dims, 20, 0.2, seed+1)
	for i, q := range qs {
		fm := randFilter(rng, 2)
		f, err := vector.ParseFilter(fm)
		if err != nil {
			t.Fatalf("%v: %v", fm, err)
		}
		want := bruteForce(vector.Euclidean, items, q, 10, func(md map[string]any) bool { return matchRef(fm, md) })
		for _, ix := range []*vector.Index{exact, ivf} {
			rs := search(t, db, ix, q, vector.SearchOptions{K: 10, Filter: f, NProbe: 16})
			if !slices.Equal(keys(rs), want) {
				t.Fatalf("query %d, %s, filter %v: got %v, want %v", i, ix.Name(), fm, keys(rs), want)
			}
			for _, r := range rs {
				if !matchRef(fm, r.Metadata) {
					t.Fatalf("result %s with metadata %v does not match %v", r.Key, r.Metadata, fm)
				}
			}
		}
	}
}
