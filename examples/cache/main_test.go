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
	if err := run(ctx, db, &out, 8); err != nil {
		t.Fatal(err)
	}
	// Readers may run before a product's first write; they then serve
	// nothing. The last line is exact.
	if got, want := out.String(), "cache entries equal to their record: 10 of 10\n"; !bytes.HasSuffix([]byte(got), []byte(want)) {
		t.Errorf("output %q, want it to end with %q", got, want)
	}
}
