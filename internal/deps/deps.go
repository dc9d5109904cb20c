//go:build tools

// Package deps pins the module's direct dependencies until code imports them.
package deps

import (
	_ "github.com/cockroachdb/pebble/v2"
	_ "github.com/google/uuid"
	_ "github.com/urfave/cli/v3"
)
