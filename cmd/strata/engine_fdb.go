//go:build fdb

package main

// Built with -tags fdb, strata also opens FoundationDB clusters: --db fdb:
// (the default cluster file) or --db fdb:/path/to/fdb.cluster.
import _ "github.com/strata-db/strata/engine/fdb"
