package tuple

import (
	"bytes"
	"errors"
	"slices"
	"testing"
)

// FuzzUnpack feeds arbitrary bytes to Unpack. It checks that:
//   - Unpack never panics and reports every failure as ErrMalformed;
//   - whatever Unpack accepts can be packed again, and that packing unpacks
//     to a tuple equal in value to the first decoding;
//   - packed output is canonical: it unpacks and re-packs to the same
//     bytes, and decoding it gives exactly the same Go values again;
//   - an input that is already canonical comes back byte for byte.
//
// The corpus is seeded with the official golden encodings and with the
// fixed vectors of the unit tests.
func FuzzUnpack(f *testing.F) {
	for _, b := range loadGolden(f) {
		f.Add(b)
	}
	for _, tc := range packVectors {
		f.Add(tc.tuple.Pack())
	}
	for _, s := range []string{
		"15 00", "1d 01 05", "0b fe fa", "0c 7fffffffffffffff", "0c ff", "01 ff",
		"05 14", "05 00ff", "33 ffffffffffffffffffff 0001", "00 ff", "21 0000000000000000",
	} {
		f.Add(unhex(s))
	}

	f.Fuzz(func(t *testing.T, b []byte) {
		t1, err := Unpack(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("Unpack(%x) error %v does not wrap ErrMalformed", b, err)
			}
			if t1 != nil {
				t.Fatalf("Unpack(%x) returned %v with an error", b, t1)
			}
			return
		}
		_ = t1.String()

		b2, ok := repack(t, t1)
		if !ok {
			return
		}
		t2, err := Unpack(b2)
		if err != nil {
			t.Fatalf("Unpack of re-packed %x (from %x): %v", b2, b, err)
		}
		if !equalTuples(t1, t2, true) {
			t.Fatalf("value changed through Pack(Unpack(%x)):\n first %#v\nsecond %#v", b, t1, t2)
		}
		b3, _ := repack(t, t2)
		if !bytes.Equal(b2, b3) {
			t.Fatalf("canonical bytes do not round trip:\n%x\n%x", b2, b3)
		}
		t3, err := Unpack(b3)
		if err != nil || !equalTuples(t2, t3, false) {
			t.Fatalf("canonical decoding is not stable: %#v vs %#v (%v)", t2, t3, err)
		}
		if bytes.Equal(b, b2) && !equalTuples(t1, t2, false) {
			t.Fatalf("canonical input %x decoded differently the second time", b)
		}
	})
}

// repack packs a decoded tuple. A decoded tuple may hold an incomplete
// versionstamp, which only PackWithVersionstamp accepts; its output minus
// the 4-byte offset is the plain encoding. Tuples with several incomplete
// versionstamps have no packing API and are skipped (ok == false).
func repack(t *testing.T, tu Tuple) (b []byte, ok bool) {
	t.Helper()
	b, err := tu.PackChecked()
	if err == nil {
		return b, true
	}
	if !errors.Is(err, ErrIncompleteVersionstamp) {
		t.Fatalf("PackChecked(%#v): %v", tu, err)
	}
	b, err = tu.PackWithVersionstamp(nil)
	if errors.Is(err, ErrMultipleIncompleteVersionstamps) {
		return nil, false
	}
	if err != nil {
		t.Fatalf("PackWithVersionstamp(%#v): %v", tu, err)
	}
	return slices.Clip(b[:len(b)-4]), true
}
