// Package testdb is test support: it opens the database every test suite
// runs against, chosen for the whole run by one environment variable, and
// gives each test a key prefix of its own that is cleared when the test
// ends. Only _test.go files import it; it registers the engines, which
// non-test code outside cmd/strata must never do.
//
// # Basics
//
// A layer's test opens the database and works under its own subspace:
//
//	func TestSomething(t *testing.T) {
//		db := testdb.Open(t)
//		ss := testdb.Subspace(t, db)
//		key := ss.MustPack(tuple.Tuple{"k"})
//		...
//	}
//
// The database is the one $STRATA_TEST_DB names, a URL for layer.Open
// (default "mem:"):
//
//	go test ./...                                                   # mem:
//	STRATA_TEST_DB=file: go test ./...                              # on disk
//	STRATA_TEST_DB=fdb:/etc/foundationdb/fdb.cluster go test -tags fdb ./...
//
// The embedded engine (mem:, file:) is always registered; the fdb engine
// only in builds with -tags fdb (an fdb: URL without the tag fails the test
// with layer's hint to build with it).
//
//   - mem: every Open returns a new, empty in-memory database, closed when
//     the test ends.
//   - file:DIR (or file: for the system's temporary directory): each test
//     process works in a fresh directory created under DIR, shared by the
//     tests of the process and removed when the last of them ends. A
//     directory is opened by one process at a time, and go test runs
//     packages in parallel processes, so the processes cannot share one.
//   - fdb:[cluster file], and any other engine: one DB per URL, shared by
//     the tests of the process and closed when the last of them ends. Open
//     waits until the database answers (30 seconds at most) and fails the
//     test otherwise, so that a cluster that is down fails in seconds
//     instead of hanging the run.
//
// The DB that Open returns is closed by testdb: its Close does nothing.
//
// # Key layout
//
// Subspace returns the subspace of the tuple
//
//	("strata-test", <run id>, <test name>)
//
// where the run id is random per test process (so that runs sharing a
// cluster do not collide) and the test name is t.Name() (subtests included).
// Its whole range, the bare prefix included, is cleared when the test ends.
// Tests that write only under their subspace leave a shared database as
// they found it.
//
// # Caveats
//
//   - A package cannot use testdb in the tests of an engine that testdb
//     itself imports (engine/embedded, engine/fdb): that is an import
//     cycle. Those packages run the conformance suite directly.
//   - A test that writes outside its subspace, or a run that is killed
//     before its cleanups, leaves keys behind on a shared database; they
//     are all under ("strata-test"), which "strata raw clear --prefix
//     '("strata-test")'" removes.
//   - Tests sharing a database see each other's commits in the version
//     counter and in estimates of the whole keyspace; assert only on your
//     own subspace.
package testdb
