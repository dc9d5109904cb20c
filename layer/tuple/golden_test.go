package tuple

import (
	"bytes"
	"crypto/sha256"
	"encoding/gob"
	"encoding/hex"
	"math/rand"
	"os"
	"slices"
	"testing"
)

// testdata/tuples.golden is copied byte for byte from the official Go
// bindings:
//
//	module  github.com/apple/foundationdb/bindings/go
//	version v0.0.0-20260629183922-51e1c42eb9a8
//	file    src/fdb/tuple/testdata/tuples.golden (1722 bytes)
//
// It is a gob-encoded map[string][]byte from test case name to the packed
// tuple. The inputs are not stored; the official tuple_test.go builds them,
// partly from math/rand seeded with 1, and officialGoldenCases rebuilds them
// the same way. To refresh, download that module version (or a newer one,
// then update the constants below) with
//
//	GOFLAGS=-mod=mod go mod download -json github.com/apple/foundationdb/bindings/go@<version>
//
// and copy the file from the printed Dir.
const (
	goldenPath    = "testdata/tuples.golden"
	goldenModule  = "github.com/apple/foundationdb/bindings/go@v0.0.0-20260629183922-51e1c42eb9a8"
	goldenSHA256  = "d76aadaed13ea12a8880ac94cdc4e5ee5cc802d30329d307642989a4f166aa90"
	goldenEntries = 14
)

// TestGoldenProvenance pins the golden file to the copy taken from
// goldenModule, so an accidental edit or regeneration is noticed.
func TestGoldenProvenance(t *testing.T) {
	raw, err := os.ReadFile(goldenPath)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(raw)
	if got := hex.EncodeToString(sum[:]); got != goldenSHA256 {
		t.Fatalf("%s has sha256 %s, want %s (the copy from %s)", goldenPath, got, goldenSHA256, goldenModule)
	}
}

func loadGolden(tb testing.TB) map[string][]byte {
	tb.Helper()
	f, err := os.Open(goldenPath)
	if err != nil {
		tb.Fatalf("open golden file: %v", err)
	}
	defer f.Close()
	var golden map[string][]byte
	if err := gob.NewDecoder(f).Decode(&golden); err != nil {
		tb.Fatalf("decode golden file: %v", err)
	}
	return golden
}

type namedTuple struct {
	name  string
	tuple Tuple
}

// goldenUUID is the UUID the official test cases use.
var goldenUUID = UUID{
	0x11, 0x00, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF,
	0x11, 0x00, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF,
}

// officialGoldenCases rebuilds the inputs behind the golden file. The
// official test draws from one math/rand generator seeded with 1, shared by
// all cases in declaration order (Integers, Floats, Doubles, then the three
// nested tuples of Nested from left to right), so the draws below must stay
// in exactly this order.
func officialGoldenCases() []namedTuple {
	rng := rand.New(rand.NewSource(1))
	repeat := func(n int, gen func() any) Tuple {
		t := make(Tuple, n)
		for i := range t {
			t[i] = gen()
		}
		return t
	}
	bytesGen := func() any { return []byte("namespace") }
	bytesNilGen := func() any { return []byte{0xFF, 0x00, 0xFF} }
	stringGen := func() any { return "namespace" }
	stringNilGen := func() any { return "nam\x00es\xFFpace" }
	intGen := func() any { return rng.Int63() }
	floatGen := func() any { return float32(rng.NormFloat64()) }
	doubleGen := func() any { return rng.NormFloat64() }

	var cases []namedTuple
	add := func(name string, t Tuple) { cases = append(cases, namedTuple{name, t}) }
	add("Simple", Tuple{goldenUUID, "foobarbaz", 1234, nil})
	add("Namespaces", Tuple{goldenUUID, "github", "com", "apple", "foundationdb", "tree"})
	add("ManyStrings", repeat(8, stringGen))
	add("ManyStringsNil", repeat(8, stringNilGen))
	add("ManyBytes", repeat(20, bytesGen))
	add("ManyBytesNil", repeat(20, bytesNilGen))
	add("LargeBytes", Tuple{goldenUUID, bytes.Repeat([]byte("abcd"), 20)})
	add("LargeBytesNil", Tuple{goldenUUID, bytes.Repeat([]byte{0xFF, 0x0, 0xFF}, 20)})
	add("Integers", repeat(20, intGen))
	add("Floats", repeat(20, floatGen))
	add("Doubles", repeat(20, doubleGen))
	add("UUIDs", Tuple{goldenUUID, true, goldenUUID, false, goldenUUID, true, goldenUUID, false, goldenUUID, true})
	add("NilCases", Tuple{"\x00", "\x00\xFF", "\x00\x00\x00", "\xFF\x00", ""})
	ints := repeat(4, intGen)
	byts := repeat(4, bytesGen)
	dbls := repeat(4, doubleGen)
	add("Nested", Tuple{goldenUUID, ints, nil, byts, nil, dbls, nil})
	return cases
}

// TestGolden packs the regenerated official inputs and compares with the
// official output byte for byte, then checks that every golden entry
// unpacks to the input (up to type normalisation) and packs back to itself.
func TestGolden(t *testing.T) {
	golden := loadGolden(t)
	cases := officialGoldenCases()

	var names []string
	for _, c := range cases {
		names = append(names, c.name)
	}
	var goldenNames []string
	for name := range golden {
		goldenNames = append(goldenNames, name)
	}
	slices.Sort(names)
	slices.Sort(goldenNames)
	if len(golden) != goldenEntries || !slices.Equal(names, goldenNames) {
		t.Fatalf("golden file has cases %v, generator has %v", goldenNames, names)
	}

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want := golden[c.name]
			got, err := c.tuple.PackChecked()
			if err != nil {
				t.Fatalf("PackChecked: %v", err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("Pack mismatch\n got %x\nwant %x", got, want)
			}

			decoded, err := Unpack(want)
			if err != nil {
				t.Fatalf("Unpack: %v", err)
			}
			if !equalTuples(decoded, c.tuple, true) {
				t.Fatalf("Unpack gave %v, want %v", decoded, c.tuple)
			}
			repacked, err := decoded.PackChecked()
			if err != nil {
				t.Fatalf("re-pack: %v", err)
			}
			if !bytes.Equal(repacked, want) {
				t.Fatalf("re-pack mismatch\n got %x\nwant %x", repacked, want)
			}
		})
	}
}
