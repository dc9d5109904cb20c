package main

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/strata-db/strata/examples/internal/example"
	"github.com/strata-db/strata/layer"
)

func TestRun(t *testing.T) {
	got := example.Test(t, func(ctx context.Context, db layer.DB, out io.Writer) error {
		return run(ctx, db, out, 8)
	})
	// Readers may run before a product's first write; they then serve
	// nothing. The last line is exact.
	if want := "cache entries equal to their record: 10 of 10\n"; !strings.HasSuffix(got, want) {
		t.Errorf("output %q, want it to end with %q", got, want)
	}
}
