package testdb

// The embedded engine: the "mem" and "file" URL schemes, always.
import _ "github.com/strata-db/strata/engine/embedded"
