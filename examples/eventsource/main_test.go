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
	if err := run(ctx, db, &out, 8, 25); err != nil {
		t.Fatal(err)
	}
	// 8 writers x 25 deposits of writer+1: 25 * (1+...+8) = 900.
	want := "events: 200, in each writer's order\nbalance, full replay: 900\nbalance, snapshot + later events: 900\n"
	if out.String() != want {
		t.Errorf("output %q, want %q", out.String(), want)
	}
}
