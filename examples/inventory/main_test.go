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
	if err := run(ctx, db, &out, 50, 64); err != nil {
		t.Fatal(err)
	}
	want := "reserved: 50\nsold out: 14\nleft in stock: 0\nreservations recorded: 50\n"
	if out.String() != want {
		t.Errorf("output %q, want %q", out.String(), want)
	}
}
