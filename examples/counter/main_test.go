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
		return run(ctx, db, out, 16, 50)
	})
	if want := "counter: 800\nsharded counter: 800\n"; got != want {
		t.Errorf("output %q, want %q", got, want)
	}
}
