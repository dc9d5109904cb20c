package tuple

import (
	"bytes"
	"cmp"
	"flag"
	"math"
	"math/big"
	"math/rand"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"
)

// The randomised ordering test takes its seed from -tuple.seed or, failing
// that, from $TUPLE_TEST_SEED; without either it uses the clock. The seed is
// logged so that a failure can be replayed.
var orderSeed = flag.Int64("tuple.seed", 0, "seed for the randomised tuple ordering test (0: $TUPLE_TEST_SEED or the clock)")

func testSeed(t *testing.T) int64 {
	seed := *orderSeed
	if seed == 0 {
		if s := os.Getenv("TUPLE_TEST_SEED"); s != "" {
			v, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				t.Fatalf("bad TUPLE_TEST_SEED %q: %v", s, err)
			}
			seed = v
		}
	}
	if seed == 0 {
		seed = time.Now().UnixNano()
	}
	t.Logf("seed %d (replay with -tuple.seed=%d or TUPLE_TEST_SEED=%d)", seed, seed, seed)
	return seed
}

// rank orders element kinds the way design/tuple.md orders their type
// codes; all integer kinds share one rank.
func rank(e any) int {
	switch v := e.(type) {
	case nil:
		return nilCode
	case []byte:
		return bytesCode
	case string:
		return stringCode
	case Tuple:
		return nestedCode
	case float32:
		return floatCode
	case float64:
		return doubleCode
	case bool:
		if v {
			return trueCode
		}
		return falseCode
	case UUID:
		return uuidCode
	case Versionstamp:
		return versionstampCode
	}
	if asBig(e) != nil {
		return intZeroCode
	}
	panic("rank: unexpected type")
}

// refCompare is an independent statement of the order the spec promises,
// computed from the values rather than their encodings.
func refCompare(a, b Tuple) int {
	for i := range min(len(a), len(b)) {
		if c := refCompareElem(a[i], b[i]); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(a), len(b))
}

func refCompareElem(a, b any) int {
	if c := cmp.Compare(rank(a), rank(b)); c != 0 {
		return c
	}
	switch x := a.(type) {
	case nil, bool:
		return 0
	case []byte:
		return bytes.Compare(x, b.([]byte))
	case string:
		return cmp.Compare(x, b.(string)) // byte-wise
	case Tuple:
		return refCompare(x, b.(Tuple))
	case float32:
		return totalOrder(uint64(math.Float32bits(x)), uint64(math.Float32bits(b.(float32))), 31)
	case float64:
		return totalOrder(math.Float64bits(x), math.Float64bits(b.(float64)), 63)
	case UUID:
		y := b.(UUID)
		return bytes.Compare(x[:], y[:])
	case Versionstamp:
		y := b.(Versionstamp)
		if c := bytes.Compare(x.TransactionVersion[:], y.TransactionVersion[:]); c != 0 {
			return c
		}
		return cmp.Compare(x.UserVersion, y.UserVersion)
	}
	return asBig(a).Cmp(asBig(b))
}

// totalOrder is the IEEE 754 totalOrder predicate on raw bit patterns:
// negatives (NaNs included) before positives, larger magnitudes first among
// negatives.
func totalOrder(x, y uint64, signBit uint) int {
	sx, sy := x>>signBit, y>>signBit
	switch {
	case sx != sy:
		return cmp.Compare(sy, sx)
	case sx == 1:
		return cmp.Compare(y, x)
	default:
		return cmp.Compare(x, y)
	}
}

// orderedChains lists values in strictly increasing order; each chain must
// pack to strictly increasing bytes.
var orderedChains = map[string][]any{
	"integers": {
		pow2(-1, 2040, -1), pow2(-1, 2039, 0), pow2(-1, 64, 1), pow2(-1, 64, 0), pow2(-1, 64, -1),
		pow2(-1, 63, 1), int64(math.MinInt64), int64(math.MinInt64 + 1), int64(-1 << 32), -65536, -65535,
		-257, -256, -255, -2, -1, 0, 1, 2, 255, 256, 65535, 65536, int64(math.MaxInt64),
		uint64(1) << 63, uint64(math.MaxUint64), pow2(1, 64, 0), pow2(1, 64, 1), pow2(1, 72, 0),
		pow2(1, 2040, -1),
	},
	"float64": {
		math.Float64frombits(0xffffffffffffffff), math.Float64frombits(0xfff8000000000000),
		math.Inf(-1), -math.MaxFloat64, -1.0, -math.SmallestNonzeroFloat64, negZero64,
		0.0, math.SmallestNonzeroFloat64, 1.0, math.MaxFloat64, math.Inf(1),
		math.Float64frombits(0x7ff0000000000001), math.NaN(), math.Float64frombits(0x7fffffffffffffff),
	},
	"float32": {
		math.Float32frombits(0xffc00000), float32(math.Inf(-1)), float32(-1), negZero32,
		float32(0), float32(1e-45), float32(1), float32(math.Inf(1)), math.Float32frombits(0x7fc00000),
	},
	"strings and bytes": {
		[]byte(nil), []byte{0}, []byte{0, 0}, []byte{0, 1}, []byte{1}, []byte{0xff}, []byte{0xff, 0},
		"", "\x00", "\x00\xff", "a", "a\x00", "a\x00\x00", "a\x01", "ab", "b", "\xff",
	},
	"kinds": {
		nil, []byte("z"), "z", Tuple{}, Tuple{nil}, Tuple{nil, nil}, Tuple{[]byte{}}, Tuple{1},
		pow2(-1, 100, 0), -1, 0, 1, pow2(1, 100, 0), float32(math.Inf(-1)), float32(1), math.Inf(-1),
		1.5, false, true, UUID{}, sampleUUID, Versionstamp{}, sampleVS,
		Versionstamp{TransactionVersion: sampleVS.TransactionVersion, UserVersion: sampleVS.UserVersion + 1},
	},
}

func TestOrderChains(t *testing.T) {
	for name, chain := range orderedChains {
		t.Run(name, func(t *testing.T) {
			for i := 1; i < len(chain); i++ {
				a, b := Tuple{chain[i-1]}, Tuple{chain[i]}
				if c := refCompare(a, b); c >= 0 {
					t.Fatalf("chain is wrong: refCompare(%v, %v) = %d", a, b, c)
				}
				if c := bytes.Compare(a.Pack(), b.Pack()); c >= 0 {
					t.Fatalf("%v packs to %x, not below %v's %x", a, a.Pack(), b, b.Pack())
				}
			}
		})
	}
}

// TestOrderRandom packs random tuples, drawn to collide often on prefixes
// and on boundary values, and checks that the byte order of every sampled
// pair, and of neighbours after sorting, matches refCompare.
func TestOrderRandom(t *testing.T) {
	seed := testSeed(t)
	rng := rand.New(rand.NewSource(seed))
	n := 3000
	if testing.Short() {
		n = 500
	}
	type item struct {
		t   Tuple
		key []byte
	}
	items := make([]item, n)
	for i := range items {
		tu := randomTuple(rng, 0)
		key, err := tu.PackChecked()
		if err != nil {
			t.Fatalf("seed %d: PackChecked(%v): %v", seed, tu, err)
		}
		items[i] = item{tu, key}
	}
	check := func(a, b item) {
		t.Helper()
		want := refCompare(a.t, b.t)
		got := bytes.Compare(a.key, b.key)
		if got != want {
			t.Fatalf("seed %d: bytes.Compare = %d, refCompare = %d for\n%v -> %x\n%v -> %x",
				seed, got, want, a.t, a.key, b.t, b.key)
		}
	}
	slices.SortFunc(items, func(a, b item) int { return bytes.Compare(a.key, b.key) })
	for i := 1; i < len(items); i++ {
		check(items[i-1], items[i])
	}
	for range 20 * n {
		check(items[rng.Intn(n)], items[rng.Intn(n)])
	}
}

func randomTuple(rng *rand.Rand, depth int) Tuple {
	t := make(Tuple, rng.Intn(4))
	for i := range t {
		t[i] = randomElement(rng, depth)
	}
	return t
}

// randomElement draws from small alphabets so that equal values and shared
// prefixes are common.
func randomElement(rng *rand.Rand, depth int) any {
	smallBytes := func() []byte {
		b := make([]byte, rng.Intn(4))
		for i := range b {
			b[i] = []byte{0x00, 0x01, 'a', 0xfe, 0xff}[rng.Intn(5)]
		}
		return b
	}
	switch rng.Intn(14) {
	case 0:
		return nil
	case 1:
		return smallBytes()
	case 2:
		return string(smallBytes())
	case 3:
		if depth >= 3 {
			return nil
		}
		return randomTuple(rng, depth+1)
	case 4:
		// Integers around every size boundary.
		v := int64(1) << rng.Intn(64)
		v += int64(rng.Intn(3) - 1)
		if rng.Intn(2) == 0 {
			v = -v
		}
		return v
	case 5:
		return rng.Uint64() >> rng.Intn(64)
	case 6:
		// Beyond 64 bits, near byte-length boundaries.
		v := pow2(1, uint(64+rng.Intn(130)), int64(rng.Intn(3)-1))
		if rng.Intn(2) == 0 {
			v.Neg(v)
		}
		return v
	case 7:
		return []int64{math.MinInt64, math.MaxInt64, 0, -1, 1}[rng.Intn(5)]
	case 8:
		if rng.Intn(3) == 0 {
			return math.Float32frombits(rng.Uint32())
		}
		return []float32{negZero32, 0, 1, -1, float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN())}[rng.Intn(7)]
	case 9:
		if rng.Intn(3) == 0 {
			return math.Float64frombits(rng.Uint64())
		}
		return []float64{negZero64, 0, 1, -1, math.Inf(1), math.Inf(-1), math.NaN(), -math.NaN()}[rng.Intn(8)]
	case 10:
		return rng.Intn(2) == 0
	case 11:
		var u UUID
		for i := range u {
			u[i] = byte(rng.Intn(3))
		}
		return u
	case 12:
		var v Versionstamp
		for i := range v.TransactionVersion {
			v.TransactionVersion[i] = byte(rng.Intn(2))
		}
		v.UserVersion = uint16(rng.Intn(3) << 7)
		return v
	default:
		return new(big.Int).SetInt64(int64(rng.Intn(512) - 256))
	}
}
