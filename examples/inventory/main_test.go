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
		return run(ctx, db, out, 50, 64)
	})
	want := "reserved: 50\nsold out: 14\nleft in stock: 0\nreservations recorded: 50\n"
	if got != want {
		t.Errorf("output %q, want %q", got, want)
	}
}
