// Command strata queries and administers a strata database: the embedded
// engine in memory or in a directory, or a FoundationDB cluster.
//
// # Basics
//
//	strata --db /tmp/demo raw set '("users", 42)' alice
//	strata --db /tmp/demo raw get '("users", 42)'
//	strata --db /tmp/demo raw range --prefix '("users")'
//	strata --db /tmp/demo status
//
// The database URL comes from --db, else from $STRATA_DB, else it is the
// directory strata-data in the working directory. "strata --help" and
// "strata raw --help" describe the commands, the key literal syntax and the
// exit codes; the command tree itself lives in package cli.
//
// # Caveats
//
// The build always includes the embedded engine ("mem:" and "file:" URLs).
// The FoundationDB engine ("fdb:" URLs) is linked in only with -tags fdb,
// which needs the FoundationDB client library; without it an fdb: URL fails
// with exit code 3.
package main
