//go:build fdb

package testdb

// Built with -tags fdb: the "fdb" URL scheme too.
import _ "github.com/strata-db/strata/engine/fdb"
