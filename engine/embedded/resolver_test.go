package embedded

import (
	"bytes"
	"testing"
)

// TestResolverRandom checks the resolver against a brute-force list of
// (range, version) writes, with pruning.
func TestResolverRandom(t *testing.T) {
	r := testRand(t)
	keys := universe()
	for round := 0; round < 50; round++ {
		res := newResolver()
		type write struct {
			kr keyRange
			v  int64
		}
		var log []write
		version := int64(100)
		floor := int64(0)
		for step := 0; step < 300; step++ {
			b, e := smallKey(r), smallKey(r)
			if bytes.Compare(b, e) > 0 {
				b, e = e, b
			}
			if r.IntN(4) == 0 {
				e = keyAfter(b)
			}
			switch r.IntN(10) {
			case 0:
				// Prune: forget versions below a floor.
				floor = max(floor, version-int64(r.IntN(20)))
				res.prune(floor)
			case 1, 2, 3, 4:
				version += int64(1 + r.IntN(3))
				res.assign(b, e, version)
				log = append(log, write{keyRange{b, e}, version})
			default:
				rv := version - int64(r.IntN(30))
				if rv < floor {
					rv = floor
				}
				// Brute force: any write newer than rv intersecting [b, e)?
				want := false
				for _, w := range log {
					if w.v > rv && w.v >= floor && !w.kr.empty() && bytes.Compare(w.kr.begin, e) < 0 && bytes.Compare(b, w.kr.end) < 0 {
						want = true
					}
				}
				if bytes.Compare(b, e) >= 0 {
					want = false
				}
				got := res.conflicts([]keyRange{{b, e}}, rv)
				if got != want {
					t.Fatalf("round %d step %d: conflicts([%q,%q), rv %d) = %v, want %v", round, step, b, e, rv, got, want)
				}
			}
			// The per-key maximum must agree too.
			if step%50 == 0 {
				for _, k := range keys {
					var want int64
					for _, w := range log {
						if w.kr.contains(k) && w.v > want {
							want = w.v
						}
					}
					if want < floor {
						want = 0
					}
					if got := res.newest(k, keyAfter(k)); got != want && !(got < floor && want == 0) {
						t.Fatalf("round %d step %d: newest(%q) = %d, want %d (floor %d)", round, step, k, got, want, floor)
					}
				}
			}
		}
	}
}

func BenchmarkResolver(b *testing.B) {
	res := newResolver()
	keys := make([][]byte, 100_000)
	for i := range keys {
		keys[i] = []byte{byte(i >> 16), byte(i >> 8), byte(i), 'k'}
	}
	v := int64(1)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k := keys[(i*7919)%len(keys)]
		if res.conflicts([]keyRange{{k, keyAfter(k)}}, v-10) {
			_ = k
		}
		v++
		res.assign(k, keyAfter(k), v)
		res.maybePrune(v - 50_000)
	}
}
