package subspace

import (
	"errors"
	"fmt"
	"testing"

	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/tuple"
)

func TestPackBytes(t *testing.T) {
	app := FromTuple(tuple.Tuple{"app"})
	users := app.Sub("users")
	tests := []struct {
		name string
		sub  Subspace
		t    tuple.Tuple
		want string
	}{
		{"root", Subspace{}, tuple.Tuple{int64(1)}, "\x15\x01"},
		{"tuple prefix", app, tuple.Tuple{}, "\x02app\x00"},
		{"nested sub", users, tuple.Tuple{42}, "\x02app\x00\x02users\x00\x15\x2a"},
		{"raw prefix", New([]byte{0xfe, 0x01}), tuple.Tuple{"x", nil}, "\xfe\x01\x02x\x00\x00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.sub.Pack(tt.t)
			if err != nil || string(got) != tt.want {
				t.Fatalf("Pack = %q, %v; want %q", got, err, tt.want)
			}
			back, err := tt.sub.Unpack(got)
			if err != nil || back.String() != tt.t.String() {
				t.Fatalf("Unpack = %v, %v; want %v", back, err, tt.t)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	users := FromTuple(tuple.Tuple{"users"})
	if _, err := users.Unpack([]byte("\x02other\x00\x15\x01")); !errors.Is(err, ErrNotInSubspace) {
		t.Errorf("Unpack outside: %v", err)
	}
	if _, err := users.Unpack(append(users.Bytes(), 0x99)); !errors.Is(err, tuple.ErrMalformed) {
		t.Errorf("Unpack malformed: %v", err)
	}
	if _, err := users.Pack(tuple.Tuple{struct{}{}}); !errors.Is(err, tuple.ErrUnsupportedType) {
		t.Errorf("Pack unsupported: %v", err)
	}
	if _, err := users.SubChecked(make(chan int)); !errors.Is(err, tuple.ErrUnsupportedType) {
		t.Errorf("SubChecked unsupported: %v", err)
	}
	if _, err := FromTupleChecked(tuple.Tuple{1.5i}); !errors.Is(err, tuple.ErrUnsupportedType) {
		t.Errorf("FromTupleChecked unsupported: %v", err)
	}
	if _, err := New([]byte{0xff}).FullRange(); !errors.Is(err, layer.ErrPrefixUnbounded) {
		t.Errorf("FullRange of 0xff: %v", err)
	}
}

func TestRanges(t *testing.T) {
	s := New([]byte("p"))
	r := s.Range()
	if string(r.Begin) != "p\x00" || string(r.End) != "p\xff" {
		t.Errorf("Range = %q..%q", r.Begin, r.End)
	}
	full, err := s.FullRange()
	if err != nil || string(full.Begin) != "p" || string(full.End) != "q" {
		t.Errorf("FullRange = %q..%q, %v", full.Begin, full.End, err)
	}
	whole, err := Subspace{}.FullRange()
	if err != nil || len(whole.Begin) != 0 || string(whole.End) != "\xff" {
		t.Errorf("root FullRange = %q..%q, %v", whole.Begin, whole.End, err)
	}
	of, err := s.RangeOf(tuple.Tuple{"a"})
	if err != nil || string(of.Begin) != "p\x02a\x00\x00" || string(of.End) != "p\x02a\x00\xff" {
		t.Errorf("RangeOf = %q..%q, %v", of.Begin, of.End, err)
	}
	inside := s.MustPack(tuple.Tuple{"a", 1})
	if !of.Contains(inside) || !r.Contains(inside) || !s.Contains(inside) {
		t.Errorf("%q not contained", inside)
	}
	// The Sub's prefix must not alias its parent's: appending to one may not
	// change the other.
	a := s.Sub("a")
	b := s.Sub("b")
	if string(a.Bytes()) == string(b.Bytes()) || string(s.Bytes()) != "p" {
		t.Errorf("aliasing: s=%q a=%q b=%q", s.Bytes(), a.Bytes(), b.Bytes())
	}
}

func TestPackWithVersionstamp(t *testing.T) {
	s := New([]byte("v"))
	k, err := s.PackWithVersionstamp(tuple.Tuple{"log", tuple.IncompleteVersionstamp(7)})
	if err != nil {
		t.Fatal(err)
	}
	// prefix "v", "log" = 02 6c 6f 67 00, versionstamp code 0x33 at index 6,
	// so the 10 stamp bytes start at offset 7.
	if n := len(k); n != 1+5+1+12+4 || k[n-4] != 7 || k[n-3] != 0 || k[n-2] != 0 || k[n-1] != 0 {
		t.Fatalf("PackWithVersionstamp = %x", k)
	}
	if _, err := s.PackWithVersionstamp(tuple.Tuple{"log"}); !errors.Is(err, tuple.ErrNoIncompleteVersionstamp) {
		t.Fatalf("no versionstamp: %v", err)
	}
}

func ExampleSubspace() {
	users := FromTuple(tuple.Tuple{"app"}).Sub("users")
	key, _ := users.Pack(tuple.Tuple{42, "name"})
	fmt.Printf("%q\n", key)
	t, _ := users.Unpack(key)
	fmt.Println(t)
	// Output:
	// "\x02app\x00\x02users\x00\x15*\x02name\x00"
	// (42, "name")
}
