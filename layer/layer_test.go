package layer

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestErrorFormatAndIs(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{ErrNotCommitted, "FoundationDB error code 1020 (not_committed)"},
		{ErrKeyTooLarge, "FoundationDB error code 2102 (key_too_large)"},
		{Error{Code: 9999}, "FoundationDB error code 9999"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
	wrapped := fmt.Errorf("tuplestore: add: %w", Error{Code: 1020})
	if !errors.Is(wrapped, ErrNotCommitted) {
		t.Error("errors.Is(wrapped 1020, ErrNotCommitted) = false")
	}
	if errors.Is(wrapped, ErrTransactionTooOld) {
		t.Error("errors.Is(wrapped 1020, ErrTransactionTooOld) = true")
	}
	var e Error
	if !errors.As(wrapped, &e) || e.Code != 1020 || e.Name() != "not_committed" {
		t.Errorf("errors.As gave %+v (%q)", e, e.Name())
	}
}

func TestPredicates(t *testing.T) {
	tests := []struct {
		err                                     error
		retryable, retryableNotCommitted, mayBe bool
	}{
		{ErrTransactionTooOld, true, true, false},
		{ErrFutureVersion, true, true, false},
		{ErrNotCommitted, true, true, false},
		{ErrProcessBehind, true, true, false},
		{ErrDatabaseLocked, true, true, false},
		{ErrCommitUnknownResult, true, false, true},
		{fmt.Errorf("wrapped: %w", ErrNotCommitted), true, true, false},
		{ErrTransactionTimedOut, false, false, false},
		{ErrTransactionCancelled, false, false, false},
		{ErrKeyTooLarge, false, false, false},
		{errors.New("plain"), false, false, false},
		{nil, false, false, false},
	}
	for _, tt := range tests {
		if got := Retryable(tt.err); got != tt.retryable {
			t.Errorf("Retryable(%v) = %v", tt.err, got)
		}
		if got := RetryableNotCommitted(tt.err); got != tt.retryableNotCommitted {
			t.Errorf("RetryableNotCommitted(%v) = %v", tt.err, got)
		}
		if got := MaybeCommitted(tt.err); got != tt.mayBe {
			t.Errorf("MaybeCommitted(%v) = %v", tt.err, got)
		}
	}
}

func TestStrincAndPrefixRange(t *testing.T) {
	tests := []struct {
		prefix, want string
		err          error
	}{
		{"a", "b", nil},
		{"ab\xff", "ac", nil},
		{"a\xff\xff", "b", nil},
		{"\x00", "\x01", nil},
		{"\xfe", "\xff", nil},
		{"", "", ErrPrefixUnbounded},
		{"\xff\xff", "", ErrPrefixUnbounded},
	}
	for _, tt := range tests {
		got, err := Strinc([]byte(tt.prefix))
		if !errors.Is(err, tt.err) || string(got) != tt.want {
			t.Errorf("Strinc(%q) = %q, %v; want %q, %v", tt.prefix, got, err, tt.want, tt.err)
		}
		r, err := PrefixRange([]byte(tt.prefix))
		if !errors.Is(err, tt.err) {
			t.Errorf("PrefixRange(%q) error %v, want %v", tt.prefix, err, tt.err)
			continue
		}
		if err == nil && (string(r.Begin) != tt.prefix || string(r.End) != tt.want) {
			t.Errorf("PrefixRange(%q) = %q..%q", tt.prefix, r.Begin, r.End)
		}
	}
	// Strinc must not modify its argument.
	p := []byte("ab")
	if _, err := Strinc(p); err != nil || string(p) != "ab" {
		t.Errorf("Strinc modified its argument: %q", p)
	}
}

func TestKeyRangeContains(t *testing.T) {
	r := KeyRange{Begin: []byte("b"), End: []byte("d")}
	for key, want := range map[string]bool{"a": false, "b": true, "c\xff": true, "d": false, "e": false} {
		if got := r.Contains([]byte(key)); got != want {
			t.Errorf("Contains(%q) = %v", key, got)
		}
	}
}

func TestSelectors(t *testing.T) {
	k := []byte("k")
	tests := []struct {
		sel     KeySelector
		orEqual bool
		offset  int
	}{
		{FirstGreaterOrEqual(k), false, 1},
		{FirstGreaterThan(k), true, 1},
		{LastLessOrEqual(k), true, 0},
		{LastLessThan(k), false, 0},
	}
	for _, tt := range tests {
		if tt.sel.OrEqual != tt.orEqual || tt.sel.Offset != tt.offset || string(tt.sel.Key) != "k" {
			t.Errorf("selector %+v, want orEqual=%v offset=%d", tt.sel, tt.orEqual, tt.offset)
		}
	}
	b, e := KeyRange{Begin: []byte("a"), End: []byte("z")}.Selectors()
	if string(b.Key) != "a" || string(e.Key) != "z" || b.Offset != 1 || e.Offset != 1 {
		t.Errorf("KeyRange selectors %+v %+v", b, e)
	}
}

func TestParseURL(t *testing.T) {
	tests := []struct{ url, scheme, location string }{
		{"mem:", "mem", ""},
		{"file:/var/lib/strata", "file", "/var/lib/strata"},
		{"/var/lib/strata", "file", "/var/lib/strata"},
		{"strata-data", "file", "strata-data"},
		{"./a:b", "file", "./a:b"},
		{"C:\\data", "file", "C:\\data"},
		{"fdb:", "fdb", ""},
		{"fdb:/etc/foundationdb/fdb.cluster", "fdb", "/etc/foundationdb/fdb.cluster"},
	}
	for _, tt := range tests {
		s, l := ParseURL(tt.url)
		if s != tt.scheme || l != tt.location {
			t.Errorf("ParseURL(%q) = %q, %q; want %q, %q", tt.url, s, l, tt.scheme, tt.location)
		}
	}
}

func TestOpenUnknownScheme(t *testing.T) {
	_, err := Open(context.Background(), "nosuchengine:/x")
	if !errors.Is(err, ErrUnknownEngine) {
		t.Fatalf("Open unknown scheme: %v", err)
	}
}

func TestBackoffBounds(t *testing.T) {
	var b Backoff
	steps := []time.Duration{10, 20, 40, 80, 160, 320, 640, 1000, 1000}
	for i, step := range steps {
		d := b.Next()
		if d < 0 || d > step*time.Millisecond {
			t.Fatalf("delay %d = %v, want within [0, %v]", i, d, step*time.Millisecond)
		}
	}
	b.Reset()
	if d := b.Next(); d > 10*time.Millisecond {
		t.Fatalf("after Reset delay = %v, want <= 10ms", d)
	}
}

func TestReadyAndGetAll(t *testing.T) {
	v, err := Ready([]byte("x"), nil).Get()
	if err != nil || string(v) != "x" {
		t.Fatalf("Ready = %q, %v", v, err)
	}
	if _, err := Ready[[]byte](nil, ErrNotCommitted).Get(); !errors.Is(err, ErrNotCommitted) {
		t.Fatalf("Ready error = %v", err)
	}
}
