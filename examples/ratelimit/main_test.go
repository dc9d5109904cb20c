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
	if err := run(ctx, db, &out, 32); err != nil {
		t.Fatal(err)
	}
	want := "t=0.0s: 10 of 32 requests allowed\nt=0.5s: 0 of 32 requests allowed\nt=1.1s: 10 of 32 requests allowed\n"
	if out.String() != want {
		t.Errorf("output %q, want %q", out.String(), want)
	}
}
