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
		return run(ctx, db, out, 32)
	})
	want := "t=0.0s: 10 of 32 requests allowed\nt=0.5s: 0 of 32 requests allowed\nt=1.1s: 10 of 32 requests allowed\n"
	if got != want {
		t.Errorf("output %q, want %q", got, want)
	}
}
