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
		return run(ctx, db, out, 4)
	})
	want := "tenant-0: 20 keys, 5 writes refused by quota\n" +
		"tenant-1: 20 keys, 5 writes refused by quota\n" +
		"tenant-2: 20 keys, 5 writes refused by quota\n" +
		"tenant-3: 20 keys, 5 writes refused by quota\n" +
		"every tenant sees only its own values: true\n" +
		"keys visible to the parent store: 0\n"
	if got != want {
		t.Errorf("output %q, want %q", got, want)
	}
}
