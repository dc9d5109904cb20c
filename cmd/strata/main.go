package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/strata-db/strata/cli"

	// The embedded engine: the "mem" and "file" URL schemes.
	_ "github.com/strata-db/strata/engine/embedded"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
