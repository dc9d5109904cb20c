package tuplestore

import (
	"context"
	"encoding/hex"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/strata-db/strata/internal/testdb"
	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/tuple"
)

var seedFlag = flag.Uint64("seed", 0, "seed of the randomized tests (0: from $TUPLESTORE_SEED, else the clock)")

// testSeed returns the seed of a randomized test and logs it.
func testSeed(t *testing.T) uint64 {
	seed := *seedFlag
	if seed == 0 {
		if s := os.Getenv("TUPLESTORE_SEED"); s != "" {
			v, err := strconv.ParseUint(s, 10, 64)
			if err != nil {
				t.Fatalf("TUPLESTORE_SEED=%q: %v", s, err)
			}
			seed = v
		}
	}
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (rerun with go test -run '%s' -seed %d, or TUPLESTORE_SEED=%d)", seed, t.Name(), seed, seed)
	return seed
}

// The items random tuples are made of: few, so that patterns match, and of
// types that look alike but are different keys (1, 1.0, "a", b"a").
var randomItems = []any{
	int64(0), int64(1), int64(2), "a", "b", []byte("a"), 1.0, nil, tuple.Tuple{"t", int64(1)}, true,
}

// bruteForce answers a query by trying every tuple for every pattern, in
// the patterns' order, with its own unifier: the reference Query is
// compared with. Bindings map variable names to packed items.
func bruteForce(tuples [][]any, patterns []Pattern) []map[Var]string {
	results := []map[Var]string{{}}
	for _, p := range patterns {
		var next []map[Var]string
		for _, b := range results {
		tuples:
			for _, tu := range tuples {
				nb := make(map[Var]string, len(b)+len(p))
				for k, v := range b {
					nb[k] = v
				}
				for i, x := range p {
					item := string(tuple.Tuple{tu[i]}.Pack())
					v, isVar := x.(Var)
					switch {
					case !isVar:
						if string(tuple.Tuple{x}.Pack()) != item {
							continue tuples
						}
					case v == Any:
					default:
						if old, ok := nb[v]; ok && old != item {
							continue tuples
						}
						nb[v] = item
					}
				}
				next = append(next, nb)
			}
		}
		results = next
	}
	return results
}

func canonical(b map[Var]string) string {
	keys := make([]string, 0, len(b))
	for k := range b {
		keys = append(keys, string(k))
	}
	slices.Sort(keys)
	var s strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&s, "%s=%s;", k, hex.EncodeToString([]byte(b[Var(k)])))
	}
	return s.String()
}

func canonicalBinding(b Binding) map[Var]string {
	m := make(map[Var]string, len(b))
	for k, v := range b {
		m[k] = string(tuple.Tuple{v}.Pack())
	}
	return m
}

func randomPattern(rng *rand.Rand, n int, vars []Var) Pattern {
	p := make(Pattern, n)
	for i := range p {
		switch r := rng.Float64(); {
		case r < 0.35:
			p[i] = randomItems[rng.IntN(len(randomItems))]
		case r < 0.45:
			p[i] = Any
		default:
			p[i] = vars[rng.IntN(len(vars))]
		}
	}
	return p
}

// TestRandomQueries compares Query with the brute-force matcher over random
// tuples and patterns: n from 2 to 12, repeated variables, joins of up to
// three patterns, on found's layout and (n <= 6) on a thinner one whose
// lookups filter; some queries also run in random pages across
// transactions, which must concatenate to the one-run result.
func TestRandomQueries(t *testing.T) {
	rng := rand.New(rand.NewPCG(testSeed(t), 0))
	db := testdb.Open(t)
	ss := testdb.Subspace(t, db)
	queries := 0
	for n := 2; n <= 12; n++ {
		stores := []*Store{}
		s, err := New(ss.Sub(n), n)
		if err != nil {
			t.Fatal(err)
		}
		stores = append(stores, s)
		if n <= 6 {
			found, _ := Indexes(n)
			thin, err := NewLayout(found[:(len(found)+1)/2])
			if err != nil {
				t.Fatal(err)
			}
			stores = append(stores, NewWithLayout(ss.Sub(n, "thin"), thin))
		}
		ntuples := 60
		if n >= 9 {
			ntuples = 25
		}
		seen := map[string]bool{}
		var tuples [][]any
		for len(tuples) < ntuples {
			tu := make([]any, n)
			for i := range tu {
				// Skewed towards the first items, so that values repeat.
				tu[i] = randomItems[min(rng.IntN(len(randomItems)), rng.IntN(len(randomItems)))]
			}
			k := string(tuple.Tuple(tu).Pack())
			if !seen[k] {
				seen[k] = true
				tuples = append(tuples, tu)
			}
		}
		for _, s := range stores {
			add(t, db, s, tuples...)
		}
		vars := []Var{"x", "y", "z", "w"}[:2+rng.IntN(3)]
		for q := 0; q < 40; q++ {
			np := 1 + rng.IntN(3)
			var ps []Pattern
			for range np {
				ps = append(ps, randomPattern(rng, n, vars))
			}
			want := bruteForce(tuples, ps)
			if len(want) > 3000 {
				q--
				continue
			}
			queries++
			wantKeys := make([]string, len(want))
			for i, b := range want {
				wantKeys[i] = canonical(b)
			}
			slices.Sort(wantKeys)
			for _, s := range stores {
				got, err := queryErr(db, s, QueryOptions{Batch: 1 + rng.IntN(8)}, ps...)
				if err != nil {
					t.Fatalf("n=%d %v: %v", n, ps, err)
				}
				gotKeys := make([]string, len(got))
				for i, b := range got {
					gotKeys[i] = canonical(canonicalBinding(b))
				}
				slices.Sort(gotKeys)
				if !slices.Equal(gotKeys, wantKeys) {
					t.Fatalf("n=%d, layout of %d indexes, patterns %v:\n%d bindings, brute force %d\ngot  %.300q\nwant %.300q",
						n, s.layout.Len(), ps, len(gotKeys), len(wantKeys), gotKeys, wantKeys)
				}
				if rng.IntN(4) == 0 && len(got) > 1 {
					paged := pagedQuery(t, db, s, rng, ps)
					if !reflect.DeepEqual(paged, got) {
						t.Fatalf("n=%d %v: paged query gives %d bindings, one run %d (or another order)", n, ps, len(paged), len(got))
					}
				}
			}
		}
	}
	t.Logf("%d random queries agree with the brute force", queries)
}

// pagedQuery runs a query in pages of random sizes, one transaction each.
func pagedQuery(t *testing.T, db layer.DB, s *Store, rng *rand.Rand, ps []Pattern) []Binding {
	var out []Binding
	var after Continuation
	for {
		opts := QueryOptions{Limit: 1 + rng.IntN(5), After: after, Batch: 1 + rng.IntN(4)}
		p, err := layer.ReadTransact(context.Background(), db, func(tx layer.ReadTx) (pageResult, error) {
			var p pageResult
			c := s.Query(tx, opts, ps...)
			for b, err := range c.All() {
				if err != nil {
					return p, err
				}
				p.bindings = append(p.bindings, b)
			}
			p.next = c.Continuation()
			return p, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p.bindings...)
		if p.next == nil {
			return out
		}
		after = p.next
	}
}
