package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/strata-db/strata/layer"
)

func TestRun(t *testing.T) {
	ctx := context.Background()
	db, err := layer.Open(ctx, "mem:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var out bytes.Buffer
	if err := run(ctx, db, &out, 20); err != nil {
		t.Fatal(err)
	}
	// 10 even users were active; of the 10 odd ones, one logged out and
	// nine expired.
	want := "logged in: 20\nlive after 35 minutes: 10\nexpired sessions swept: 9\n"
	if out.String() != want {
		t.Errorf("output %q, want %q", out.String(), want)
	}
}
