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
	if err := run(ctx, db, &out, 16, 50); err != nil {
		t.Fatal(err)
	}
	if want := "counter: 800\nsharded counter: 800\n"; out.String() != want {
		t.Errorf("output %q, want %q", out.String(), want)
	}
}
