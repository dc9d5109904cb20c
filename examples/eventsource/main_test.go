package main

import (
	"context"
	"io"
	"testing"

	"github.com/strata-db/strata/examples/internal/example"
	"github.com/strata-db/strata/layer"
)

func TestRun(t *testing.T) {
	got := example.Test(t, func(ctx context.Context, db layer.DB, out io.Writer) error {
		return run(ctx, db, out, 8, 25)
	})
	// 8 writers x 25 deposits of writer+1: 25 * (1+...+8) = 900.
	want := "events: 200, in each writer's order\nbalance, full replay: 900\nbalance, snapshot + later events: 900\n"
	if got != want {
		t.Errorf("output %q, want %q", got, want)
	}
}
