package main

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/strata-db/strata/examples/internal/example"
	"github.com/strata-db/strata/layer"
)

func TestRun(t *testing.T) {
	example.Test(t, func(ctx context.Context, db layer.DB, _ io.Writer) error {
		for range 3 { // elections are races: run a few
			var out bytes.Buffer
			if err := run(ctx, db, &out, 8); err != nil {
				return err
			}
			want := "term 1: one leader among 8 candidates\n" +
				"term 2: new leader, token greater than term 1's: true\n" +
				"deposed leader's write: true\n" +
				"log: 5 entries, tokens never decrease\n"
			if out.String() != want {
				t.Fatalf("output %q, want %q", out.String(), want)
			}
			// Start the next run on an empty keyspace.
			layer.Transact(ctx, db, func(tx layer.Tx) (struct{}, error) {
				tx.ClearRange(layer.KeyRange{Begin: []byte{0}, End: []byte{0xff}})
				return struct{}{}, nil
			})
		}
		return nil
	})
}
