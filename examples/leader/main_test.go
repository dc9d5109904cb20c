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
	for range 3 { // elections are races: run a few
		var out bytes.Buffer
		if err := run(ctx, db, &out, 8); err != nil {
			t.Fatal(err)
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
}
