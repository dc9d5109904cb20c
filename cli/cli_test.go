package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	// The engines register their URL schemes; cmd/strata links them in the
	// same way.
	_ "github.com/strata-db/strata/engine/embedded"
	"github.com/strata-db/strata/layer"
)

type result struct {
	stdout, stderr string
	code           int
}

// run runs the command line in process, as cmd/strata does.
func run(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(context.Background(), append([]string{"strata"}, args...), strings.NewReader(stdin), &out, &errb)
	return result{out.String(), errb.String(), code}
}

// ok runs the command line and fails the test unless it succeeds with
// nothing on stderr; it returns stdout.
func ok(t *testing.T, args ...string) string {
	t.Helper()
	r := run(t, "", args...)
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("strata %s: exit %d, stderr %q, stdout %q", strings.Join(args, " "), r.code, r.stderr, r.stdout)
	}
	return r.stdout
}

// check compares a result exactly.
func check(t *testing.T, args []string, stdin string, want result) {
	t.Helper()
	got := run(t, stdin, args...)
	if got != want {
		t.Errorf("strata %s:\n got exit %d\nstdout:\n%s\nstderr:\n%s\nwant exit %d\nstdout:\n%s\nstderr:\n%s",
			strings.Join(args, " "), got.code, got.stdout, got.stderr, want.code, want.stdout, want.stderr)
	}
}

func tempDB(t *testing.T) string {
	return filepath.Join(t.TempDir(), "db")
}

func TestSetGet(t *testing.T) {
	db := tempDB(t)
	check(t, []string{"--db", db, "raw", "set", `("users", 42)`, "alice"}, "", result{})
	for _, tc := range []struct{ format, want string }{
		{"tsv", "key\tvalue\n(\"users\", 42)\talice\n"},
		{"table", "KEY            VALUE\n(\"users\", 42)  alice\n"},
		{"json", `[` + "\n" + `{"key":"(\"users\", 42)","key_base64":"AnVzZXJzABUq","value":"alice","value_base64":"YWxpY2U="}` + "\n]\n"},
	} {
		check(t, []string{"--db", db, "--output", tc.format, "raw", "get", `("users", 42)`}, "", result{stdout: tc.want})
	}
	// The default output, on a buffer rather than a terminal, is tsv; flags
	// may follow the command, and a bare element is a 1-tuple.
	ok(t, "raw", "set", "--db", db, `"config"`, "tab\there")
	check(t, []string{"raw", "get", `"config"`, "--db", db}, "",
		result{stdout: "key\tvalue\n(\"config\")\traw:\"tab\\x09here\"\n"})
	// The same key written as a top-level list.
	check(t, []string{"--db", db, "raw", "get", `"users", 42`}, "", result{stdout: "key\tvalue\n(\"users\", 42)\talice\n"})
	check(t, []string{"--db", db, "raw", "get", `("users", 43)`}, "",
		result{stderr: "strata: no value at (\"users\", 43)\n", code: ExitNotFound})
}

func TestValues(t *testing.T) {
	db := tempDB(t)
	ok(t, "--db", db, "raw", "set", "--value-literal", `raw:"k"`, `("v", 1)`)
	ok(t, "--db", db, "raw", "set", "--value-literal", `raw:"b"`, `raw:"\x00\xff"`)
	ok(t, "--db", db, "raw", "set", `raw:"e"`, ``)
	ok(t, "--db", db, "raw", "set", `raw:"u"`, `héllo`)
	check(t, []string{"--db", db, "raw", "set", "--value-file", "-", `raw:"f"`}, "from\nstdin", result{})
	file := filepath.Join(t.TempDir(), "value")
	if err := os.WriteFile(file, []byte("from a file"), 0o600); err != nil {
		t.Fatal(err)
	}
	ok(t, "--db", db, "raw", "set", "--value-file", file, `raw:"g"`)

	check(t, []string{"--db", db, "raw", "range", "--prefix", `raw:""`}, "", result{stdout: "key\tvalue\n" +
		"raw:\"b\"\traw:\"\\x00\\xff\"\n" +
		"raw:\"e\"\t\n" +
		"raw:\"f\"\traw:\"from\\x0astdin\"\n" +
		"raw:\"g\"\tfrom a file\n" +
		"raw:\"k\"\traw:\"\\x02v\\x00\\x15\\x01\"\n" +
		"raw:\"u\"\théllo\n"})
	check(t, []string{"--db", db, "raw", "get", "--value-literal", `raw:"k"`}, "",
		result{stdout: "key\tvalue\nraw:\"k\"\t(\"v\", 1)\n"})
	check(t, []string{"--db", db, "-o", "json", "raw", "get", `raw:"e"`}, "",
		result{stdout: "[\n" + `{"key":"raw:\"e\"","key_base64":"ZQ==","value":"","value_base64":""}` + "\n]\n"})
}

// fill writes n keys ("k", 0) .. ("k", n-1) with values v0 .. through the
// layer directly.
func fill(t *testing.T, db string, n int) {
	t.Helper()
	ctx := context.Background()
	d, err := layer.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	_, err = layer.Transact(ctx, d, func(tx layer.Tx) (int, error) {
		for i := range n {
			k, err := ParseKey(fmt.Sprintf(`("k", %d)`, i))
			if err != nil {
				return 0, err
			}
			tx.Set(k, []byte(fmt.Sprintf("v%d", i)))
		}
		return n, nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestRangeCount(t *testing.T) {
	db := tempDB(t)
	fill(t, db, 5)
	ok(t, "--db", db, "raw", "set", `"other"`, "x")

	check(t, []string{"--db", db, "raw", "range", `("k", 1)`, `("k", 3)`}, "",
		result{stdout: "key\tvalue\n(\"k\", 1)\tv1\n(\"k\", 2)\tv2\n"})
	check(t, []string{"--db", db, "-o", "table", "raw", "range", "--prefix", `"k"`, "--limit", "2", "--reverse"}, "",
		result{stdout: "KEY       VALUE\n(\"k\", 4)  v4\n(\"k\", 3)  v3\n"})
	check(t, []string{"--db", db, "-o", "json", "raw", "range", `"k"`, `("k", 1)`}, "",
		result{stdout: "[\n" + `{"key":"(\"k\", 0)","key_base64":"AmsAFA==","value":"v0","value_base64":"djA="}` + "\n]\n"})
	// An empty range still prints its header (or an empty json array).
	check(t, []string{"--db", db, "raw", "range", `"a"`, `"b"`}, "", result{stdout: "key\tvalue\n"})
	check(t, []string{"--db", db, "-o", "table", "raw", "range", `"a"`, `"b"`}, "", result{stdout: "KEY  VALUE\n"})
	check(t, []string{"--db", db, "-o", "json", "raw", "range", `"a"`, `"b"`}, "", result{stdout: "[]\n"})

	for _, tc := range []struct{ format, want string }{
		{"tsv", "count\n5\n"},
		{"table", "count  5\n"},
		{"json", `{"count":5}` + "\n"},
	} {
		check(t, []string{"--db", db, "-o", tc.format, "raw", "count", "--prefix", `("k")`}, "", result{stdout: tc.want})
	}
	check(t, []string{"--db", db, "raw", "count", `("k", 2)`, `raw:"\xff"`}, "", result{stdout: "count\n4\n"})
	check(t, []string{"--db", db, "raw", "count", "--prefix", `()`}, "", result{stdout: "count\n6\n"})
}

func TestPaging(t *testing.T) {
	defer func(rows int) { pageRows = rows }(pageRows)
	pageRows = 3
	db := tempDB(t)
	fill(t, db, 10)

	var all []string
	for i := range 10 {
		all = append(all, fmt.Sprintf("(\"k\", %d)\tv%d\n", i, i))
	}
	reversed := make([]string, 10)
	for i, l := range all {
		reversed[9-i] = l
	}
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{nil, all},
		{[]string{"--limit", "7"}, all[:7]},
		{[]string{"--limit", "6"}, all[:6]},
		{[]string{"--limit", "3"}, all[:3]},
		{[]string{"--limit", "30"}, all},
		{[]string{"--reverse"}, reversed},
		{[]string{"--reverse", "--limit", "4"}, reversed[:4]},
	} {
		args := append([]string{"--db", db, "raw", "range", "--prefix", `"k"`}, tc.args...)
		check(t, args, "", result{stdout: "key\tvalue\n" + strings.Join(tc.want, "")})
	}
	check(t, []string{"--db", db, "raw", "count", "--prefix", `"k"`}, "", result{stdout: "count\n10\n"})
	pageRows = 5 // a page boundary at the end of the range
	check(t, []string{"--db", db, "raw", "count", "--prefix", `"k"`}, "", result{stdout: "count\n10\n"})
}

func TestClear(t *testing.T) {
	db := tempDB(t)
	count := func() string {
		return strings.TrimPrefix(ok(t, "--db", db, "raw", "count", "--prefix", "()"), "count\n")
	}
	fill(t, db, 10)
	check(t, []string{"--db", db, "raw", "clear", `("k", 0)`}, "", result{})
	check(t, []string{"--db", db, "raw", "get", `("k", 0)`}, "", result{stderr: "strata: no value at (\"k\", 0)\n", code: ExitNotFound})
	if got := count(); got != "9\n" {
		t.Errorf("after clear: %s keys, want 9", got)
	}
	for _, format := range []string{"table", "json", "tsv"} {
		// Writes print nothing, whatever the format.
		check(t, []string{"--db", db, "-o", format, "raw", "set", `("k", 0)`, "again"}, "", result{})
		check(t, []string{"--db", db, "-o", format, "raw", "clear", `("k", 0)`}, "", result{})
	}
	check(t, []string{"--db", db, "raw", "clear-range", `("k", 1)`, `("k", 3)`}, "", result{})
	if got := count(); got != "7\n" {
		t.Errorf("after clear-range: %s keys, want 7", got)
	}
	check(t, []string{"--db", db, "raw", "clear", "--range", `("k", 3)`, `("k", 5)`}, "", result{})
	if got := count(); got != "5\n" {
		t.Errorf("after clear --range: %s keys, want 5", got)
	}
	ok(t, "--db", db, "raw", "set", `"keep"`, "x")
	check(t, []string{"--db", db, "raw", "clear", "--prefix", `"k"`}, "", result{})
	check(t, []string{"--db", db, "raw", "range", "--prefix", "()"}, "", result{stdout: "key\tvalue\n(\"keep\")\tx\n"})
}

func TestStatus(t *testing.T) {
	db := tempDB(t)
	fill(t, db, 3)
	out := ok(t, "--db", "file:"+db, "-o", "json", "status")
	var st struct {
		Engine      string `json:"engine"`
		Location    string `json:"location"`
		ReadVersion int64  `json:"read_version"`
		Size        int64  `json:"estimated_size_bytes"`
		Keys        int64  `json:"key_count"`
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("status json %q: %v", out, err)
	}
	if st.Engine != "file" || st.Location != db || st.ReadVersion <= 0 || st.Size < 0 || st.Keys != 3 {
		t.Errorf("status = %+v", st)
	}
	out = ok(t, "--db", db, "-o", "table", "status")
	for _, field := range []string{"engine                file\n", "location              " + db + "\n", "read version          ", "estimated size bytes  ", "key count             3\n"} {
		if !strings.Contains(out, field) {
			t.Errorf("table status %q lacks %q", out, field)
		}
	}
	out = ok(t, "--db", "mem:", "status")
	if !strings.HasPrefix(out, "engine\tlocation\tread version\testimated size bytes\tkey count\nmem\t\t") || !strings.HasSuffix(out, "\t0\n") {
		t.Errorf("tsv status of mem: = %q", out)
	}
}

// TestErrors checks that bad input gives one line on stderr, the right exit
// code, nothing on stdout, and writes nothing.
func TestErrors(t *testing.T) {
	db := tempDB(t)
	big := strings.Repeat("x", layer.MaxValueSize+1)
	bigFile := filepath.Join(t.TempDir(), "big")
	if err := os.WriteFile(bigFile, []byte(big), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args   []string
		stderr string
		code   int
	}{
		{[]string{"raw", "set", `("users", 42`, "v"}, `strata: KEY: malformed literal: missing ) at offset 12 in '("users", 42'`, ExitUsage},
		{[]string{"raw", "set", `users`, "v"}, `strata: KEY: malformed literal: malformed element "users" (strings need double quotes) at offset 0 in 'users'`, ExitUsage},
		{[]string{"raw", "set", "--value-literal", `"k"`, `(1`}, `strata: VALUE: malformed literal: missing ) at offset 2 in '(1'`, ExitUsage},
		{[]string{"raw", "get", `raw:"\xff\x02"`}, `strata: KEY raw:"\xff\x02" is in the system key space (at or after raw:"\xff")`, ExitUsage},
		{[]string{"raw", "set", `"k"`, big}, `strata: VALUE is 100001 bytes; values are limited to 100000 bytes`, ExitUsage},
		{[]string{"raw", "set", "--value-file", bigFile, `"k"`}, `strata: --value-file ` + bigFile + ` holds more than 100000 bytes, the value size limit`, ExitUsage},
		{[]string{"raw", "set", `b"` + strings.Repeat("x", layer.MaxKeySize) + `"`, "v"}, `strata: KEY is 10002 bytes; keys are limited to 10000 bytes`, ExitUsage},
		{[]string{"raw", "set", `"k"`}, `strata: raw set: want KEY VALUE, got 1 argument(s); see strata raw set --help`, ExitUsage},
		{[]string{"raw", "get"}, `strata: raw get: want KEY, got 0 argument(s); see strata raw get --help`, ExitUsage},
		{[]string{"raw", "range", `"b"`, `"a"`}, `strata: BEGIN ("b") sorts after END ("a")`, ExitUsage},
		{[]string{"raw", "range", "--limit", "-1", `"a"`, `"b"`}, `strata: --limit -1: want 0 (no limit) or more`, ExitUsage},
		{[]string{"raw", "range", "--limit", "x", `"a"`, `"b"`}, `strata: raw range: invalid value "x" for flag -limit: strconv.ParseInt: parsing "x": invalid syntax`, ExitUsage},
		{[]string{"raw", "get", "--bogus", `"k"`}, `strata: raw get: flag provided but not defined: -bogus`, ExitUsage},
		{[]string{"--bogus", "raw"}, `strata: flag provided but not defined: -bogus`, ExitUsage},
		{[]string{"frob"}, `strata: unknown command "frob" for "strata"; see strata --help`, ExitUsage},
		{[]string{"raw", "frob"}, `strata: unknown command "frob" for "strata raw"; see strata raw --help`, ExitUsage},
		{[]string{"-o", "xml", "raw", "get", `"k"`}, `strata: --output "xml": want table, json or tsv`, ExitUsage},
		{[]string{"--db", "nosuch:x", "raw", "get", `"k"`}, ``, ExitUnavailable},
	} {
		args := append([]string{"--db", db}, tc.args...)
		got := run(t, "", args...)
		if got.code != tc.code || got.stdout != "" || strings.Count(got.stderr, "\n") != 1 || !strings.HasPrefix(got.stderr, "strata: ") ||
			tc.stderr != "" && got.stderr != tc.stderr+"\n" {
			t.Errorf("strata %.200s:\n got exit %d, stdout %q, stderr %q\nwant exit %d, stderr %q",
				strings.Join(tc.args, " "), got.code, got.stdout, got.stderr, tc.code, tc.stderr)
		}
	}
	// Nothing was written: every set above failed before opening the
	// database, so the directory was never even created.
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Errorf("database directory exists after failed commands: %v", err)
	}
}

func TestTimeout(t *testing.T) {
	db := tempDB(t)
	check(t, []string{"--db", db, "--timeout", "1ns", "raw", "set", `"k"`, "v"}, "",
		result{stderr: "strata: timed out (--timeout): context deadline exceeded\n", code: ExitTimeout})
	check(t, []string{"--db", db, "--timeout", "1ns", "raw", "range", "--prefix", "()"}, "",
		result{stderr: "strata: timed out (--timeout): context deadline exceeded\n", code: ExitTimeout})
	check(t, []string{"--db", db, "--timeout", "10s", "raw", "get", `"k"`}, "",
		result{stderr: "strata: no value at (\"k\")\n", code: ExitNotFound})
}

func TestLocked(t *testing.T) {
	db := tempDB(t)
	fill(t, db, 1)
	held, err := layer.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	got := run(t, "", "--db", db, "raw", "set", `"k"`, "v")
	if got.code != ExitUnavailable || got.stdout != "" || strings.Count(got.stderr, "\n") != 1 ||
		!strings.HasPrefix(got.stderr, "strata: ") || !strings.Contains(got.stderr, db) {
		t.Errorf("set on a locked directory: exit %d, stdout %q, stderr %q", got.code, got.stdout, got.stderr)
	}
	held.Close()
	check(t, []string{"--db", db, "raw", "get", `"k"`}, "", result{stderr: "strata: no value at (\"k\")\n", code: ExitNotFound})
}

func TestHelp(t *testing.T) {
	out := ok(t, "--help")
	for _, want := range []string{"raw", "status", "completion", "--db", "--output", "--timeout", "STRATA_DB", "Exit codes:", "130  interrupted"} {
		if !strings.Contains(out, want) {
			t.Errorf("strata --help lacks %q:\n%s", want, out)
		}
	}
	if no := ok(t); no != out {
		t.Errorf("strata without arguments prints something other than --help:\n%s", no)
	}
	out = ok(t, "raw", "--help")
	for _, want := range []string{"get", "set", "clear", "clear-range", "range", "count", `raw:"\x01abc"`, `uuid("`, "--value-literal"} {
		if !strings.Contains(out, want) {
			t.Errorf("strata raw --help lacks %q:\n%s", want, out)
		}
	}
	out = ok(t, "raw", "range", "--help")
	for _, want := range []string{"--limit", "--reverse", "--prefix", "BEGIN END"} {
		if !strings.Contains(out, want) {
			t.Errorf("strata raw range --help lacks %q:\n%s", want, out)
		}
	}
	out = ok(t, "completion", "bash")
	if !strings.Contains(out, "strata") || !strings.Contains(out, "complete") {
		t.Errorf("strata completion bash:\n%s", out)
	}
	// Completion answers list the commands.
	out = ok(t, "raw", "--generate-shell-completion")
	for _, want := range []string{"get", "set", "range"} {
		if !strings.Contains(out, want) {
			t.Errorf("completion of strata raw lacks %q:\n%s", want, out)
		}
	}
}

// TestPagingDefaults scans more keys than one page holds, with the real
// page size.
func TestPagingDefaults(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 20,001 keys")
	}
	db := tempDB(t)
	fill(t, db, 2*pageRows+1)
	check(t, []string{"--db", db, "raw", "count", "--prefix", `"k"`}, "", result{stdout: fmt.Sprintf("count\n%d\n", 2*pageRows+1)})
	out := ok(t, "--db", db, "raw", "range", "--prefix", `"k"`, "--reverse")
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 2*pageRows+2 || lines[1] != fmt.Sprintf("(\"k\", %d)\tv%d", 2*pageRows, 2*pageRows) || lines[len(lines)-1] != "(\"k\", 0)\tv0" {
		t.Errorf("range over %d keys printed %d lines, from %q to %q", 2*pageRows+1, len(lines), lines[1], lines[len(lines)-1])
	}
}
