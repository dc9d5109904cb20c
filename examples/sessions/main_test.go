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
		return run(ctx, db, out, 20)
	})
	// 10 even users were active; of the 10 odd ones, one logged out and
	// nine expired.
	want := "logged in: 20\nlive after 35 minutes: 10\nexpired sessions swept: 9\n"
	if got != want {
		t.Errorf("output %q, want %q", got, want)
	}
}
