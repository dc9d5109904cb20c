package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runSearch runs the command line in process with the search command in
// the tree (added here when the root does not list it yet).
func runSearch(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	root := NewCommand(strings.NewReader(stdin), &out, &errb)
	if root.Command("search") == nil {
		root.Commands = append(root.Commands, searchCommand())
	}
	code := ExitOK
	if err := root.Run(context.Background(), append([]string{"strata"}, args...)); err != nil {
		code = exitCode(context.Background(), err)
		errb.WriteString("strata: " + oneLine(err.Error()) + "\n")
	}
	return result{out.String(), errb.String(), code}
}

func TestSearchCommands(t *testing.T) {
	db := tempDB(t)
	dir := t.TempDir()
	s := func(args ...string) []string { return append([]string{"--db", db}, args...) }
	want := func(stdin string, args []string, w result) {
		t.Helper()
		if got := runSearch(t, stdin, args...); got != w {
			t.Errorf("strata %s:\n got %+v\nwant %+v", strings.Join(args, " "), got, w)
		}
	}
	files := map[string]string{
		"fdb.txt":    "FoundationDB is a distributed transactional key-value store.",
		"pebble.txt": "Pebble is a key-value store inspired by RocksDB.",
		"sqlite.txt": "SQLite is an embedded SQL database engine.",
	}
	var paths []string
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	want("", s("search", "create", "docs"), result{})
	want("", s("search", "ls"), result{stdout: "name\tk1\tb\tshards\tprefix\ndocs\t1.2\t0.75\t16\t(\"strata\", \"search\", \"docs\")\n"})
	want("", s("search", "create", "docs"), result{stderr: "strata: invindex: index already exists: \"docs\"\n", code: ExitUsage})
	want("", append(s("search", "index", "docs"), paths...), result{stdout: "indexed\n3\n"})
	want("a note about the store of keys", s("search", "index", "docs", "--id", "note"), result{stdout: "indexed\n1\n"})

	out := runSearch(t, "", s("search", "query", "docs", "key-value", "store")...)
	lines := strings.Split(strings.TrimSpace(out.stdout), "\n")
	if out.code != 0 || len(lines) != 4 || lines[0] != "id\tscore" {
		t.Fatalf("query: %+v", out)
	}
	out = runSearch(t, "", s("search", "query", "docs", "--and", "embedded", "database")...)
	if out.code != 0 || !strings.HasPrefix(out.stdout, "id\tscore\n"+filepath.Join(dir, "sqlite.txt")+"\t") {
		t.Fatalf("and query: %+v", out)
	}
	want("", s("search", "query", "docs"), result{stdout: "id\tscore\n"})
	want("", s("search", "remove", "docs", "note", "nope"), result{stdout: "removed\n1\n"})
	out = runSearch(t, "", s("search", "query", "docs", "note")...)
	if out.stdout != "id\tscore\n" {
		t.Fatalf("removed doc still found: %+v", out)
	}
	want("", s("search", "query", "nope", "x"), result{stderr: "strata: invindex: no such index: \"nope\"\n", code: ExitUsage})
	want("", s("search", "query", "docs", "--limit", "0", "x"), result{stderr: "strata: --limit 0: want 1 or more\n", code: ExitUsage})
	want("", s("search", "drop", "docs"), result{})
	want("", s("search", "ls"), result{stdout: "name\tk1\tb\tshards\tprefix\n"})
}
