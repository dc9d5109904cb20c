// Package example is what the example commands share: their main opens
// the database named by -db and runs the example on it, and their test
// runs it on an in-memory database.
package example

import (
	"bytes"
	"context"
	"flag"
	"io"
	"log"
	"os"
	"testing"

	_ "github.com/strata-db/strata/engine/embedded" // mem: and file:
	"github.com/strata-db/strata/layer"
)

// Func is an example's body: it works on db and prints what it shows to
// out.
type Func func(ctx context.Context, db layer.DB, out io.Writer) error

// Main is an example command's main. It adds the -db flag (a database
// URL, mem: by default) to the flags the caller has defined, parses the
// command line, opens the database, runs fn with os.Stdout and closes the
// database. On an error it logs it and exits with status 1.
func Main(fn Func) {
	url := flag.String("db", "mem:", "database URL")
	flag.Parse()
	if err := run(context.Background(), *url, os.Stdout, fn); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, url string, out io.Writer, fn Func) (err error) {
	db, err := layer.Open(ctx, url)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := db.Close(); err == nil {
			err = cerr
		}
	}()
	return fn(ctx, db, out)
}

// Test runs fn on a new in-memory database (mem:) and returns what it
// printed, or fails t.
func Test(t testing.TB, fn Func) string {
	t.Helper()
	var out bytes.Buffer
	if err := run(t.Context(), "mem:", &out, fn); err != nil {
		t.Fatal(err)
	}
	return out.String()
}
