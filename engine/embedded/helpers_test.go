package embedded

import (
	"errors"
	"flag"
	"iter"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/strata-db/strata/layer"
)

var seedFlag = flag.Uint64("seed", 0, "seed for the randomized tests (0: random)")

// testRand returns a generator seeded from -seed or at random, and logs the
// seed so that a failure can be replayed.
func testRand(t testing.TB) *rand.Rand {
	seed := *seedFlag
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (rerun with -seed=%d)", seed, seed)
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

func errorsIs(err, target error) bool { return errors.Is(err, target) }

// iterPull pulls rows one by one from a range result.
func iterPull(rr layer.RangeResult) (func() (layer.KeyValue, error, bool), func()) {
	return iter.Pull2(rr.All())
}
