package continuation

import (
	"errors"
	"testing"

	"github.com/strata-db/strata/layer/tuple"
)

func TestRoundTrip(t *testing.T) {
	fp := []byte("fingerprint")
	c := Encode(fp, int64(3), []byte("last"))
	back, err := Parse(String(c))
	if err != nil {
		t.Fatal(err)
	}
	st, err := Decode(back, fp, 2)
	if err != nil {
		t.Fatal(err)
	}
	if d, ok := st[0].(int64); !ok || d != 3 || string(st[1].([]byte)) != "last" {
		t.Errorf("state %v", st)
	}
	for _, tc := range []struct {
		c, fp []byte
		n     int
		want  error
	}{
		{[]byte("\xff"), fp, 2, ErrMalformed},
		{c, fp, 1, ErrMalformed},
		{tuple.Tuple{int64(2), fp, int64(3), []byte("last")}.Pack(), fp, 2, ErrVersion},
		{c, []byte("other"), 2, ErrOtherQuery},
	} {
		if _, err := Decode(tc.c, tc.fp, tc.n); !errors.Is(err, tc.want) {
			t.Errorf("Decode(%x, %q, %d): %v, want %v", tc.c, tc.fp, tc.n, err, tc.want)
		}
	}
	if _, err := Parse("!"); err == nil {
		t.Error("Parse of a non-base64 string succeeded")
	}
}
