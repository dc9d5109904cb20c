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
	if err := run(ctx, db, &out, 4); err != nil {
		t.Fatal(err)
	}
	want := "tenant-0: 20 keys, 5 writes refused by quota\n" +
		"tenant-1: 20 keys, 5 writes refused by quota\n" +
		"tenant-2: 20 keys, 5 writes refused by quota\n" +
		"tenant-3: 20 keys, 5 writes refused by quota\n" +
		"every tenant sees only its own values: true\n" +
		"keys visible to the parent store: 0\n"
	if out.String() != want {
		t.Errorf("output %q, want %q", out.String(), want)
	}
}
