package cli

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

var versionRE = regexp.MustCompile(`versionstamp\("[0-9a-f]{20}", 0\)`)

// changeOf reads the id that "vn change create" printed (tsv).
func changeOf(t *testing.T, out string) string {
	t.Helper()
	m := regexp.MustCompile(`^change\n([0-9a-f-]{36})\n$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("change create printed %q", out)
	}
	return m[1]
}

// masked replaces change ids by their names and versions by V, so that
// outputs compare exactly.
func masked(out string, ids map[string]string) string {
	for id, name := range ids {
		out = strings.ReplaceAll(out, id, name)
	}
	return versionRE.ReplaceAllString(out, "V")
}

func TestVNCommands(t *testing.T) {
	db := tempDB(t)
	s := func(args ...string) []string { return append([]string{"--db", db}, args...) }
	check(t, s("vn", "create", "blog", "--columns", "s,p,o"), "", result{})
	check(t, s("vn", "create", "flags", "--n", "2", "--prefix", "(43)"), "", result{})
	check(t, s("-o", "table", "vn", "ls"), "", result{stdout: "" +
		"NAME   N  COLUMNS  PREFIX\n" +
		"blog   3  s,p,o    (\"strata\", \"vn\", \"blog\")\n" +
		"flags  2           (43)\n"})

	c1 := changeOf(t, ok(t, s("vn", "change", "create", "blog", "-m", "two posts")...))
	ids := map[string]string{c1: "C1"}
	check(t, s("vn", "add", "blog", c1, `"post1" "title" "Hello"`), "", result{stdout: "changed\ntrue\n"})
	check(t, s("vn", "add", "blog", c1, `"post2"`, `"title"`, `"Draft"`), "", result{stdout: "changed\ntrue\n"})
	check(t, s("vn", "add", "blog", c1, `"post2" "title" "Draft"`), "", result{stdout: "changed\nfalse\n"})
	// Only the author's view sees a pending change.
	check(t, s("vn", "ask", "blog", `"post1" "title" "Hello"`), "", result{stdout: "alive\nfalse\n"})
	check(t, s("vn", "ask", "--pending", c1, "blog", `"post1" "title" "Hello"`), "", result{stdout: "alive\ntrue\n"})
	check(t, s("vn", "query", "--pending", c1, "blog", `?p "title" ?t`), "", result{stdout: "p\tt\n\"post2\"\t\"Draft\"\n\"post1\"\t\"Hello\"\n"})
	check(t, s("vn", "query", "blog", `?p "title" ?t`), "", result{stdout: "p\tt\n"})
	if out := ok(t, s("vn", "change", "apply", "blog", c1)...); !versionRE.MatchString(out) || !strings.HasPrefix(out, "version\n") {
		t.Fatalf("apply printed %q", out)
	}
	check(t, s("vn", "ask", "blog", `"post1" "title" "Hello"`), "", result{stdout: "alive\ntrue\n"})

	// A second change retitles post2; the first one stays readable.
	c2 := changeOf(t, ok(t, s("vn", "change", "create", "blog")...))
	ids[c2] = "C2"
	ok(t, s("vn", "remove", "blog", c2, `"post2" "title" "Draft"`)...)
	ok(t, s("vn", "add", "blog", c2, `"post2" "title" "Final"`)...)
	check(t, s("vn", "change", "message", "blog", c2, "retitle post2"), "", result{})
	out := masked(ok(t, s("-o", "table", "vn", "change", "show", "blog", c2)...), ids)
	if !regexp.MustCompile(`^OP +TUPLE +BASE\nremove +\("post2", "title", "Draft"\) +\d+\nadd +\("post2", "title", "Final"\) +\d+\n$`).MatchString(out) {
		t.Fatalf("change show:\n%s", out)
	}
	ok(t, s("vn", "change", "apply", "blog", c2)...)
	check(t, s("vn", "query", "blog", `?p "title" ?t`), "", result{stdout: "p\tt\n\"post2\"\t\"Final\"\n\"post1\"\t\"Hello\"\n"})
	check(t, s("vn", "query", "--as-of", c1, "blog", `?p "title" ?t`), "", result{stdout: "p\tt\n\"post2\"\t\"Draft\"\n\"post1\"\t\"Hello\"\n"})
	check(t, s("-o", "json", "vn", "query", "--as-of", c1, "--limit", "1", "blog", `"post2" "title" ?t`), "", result{stdout: "[\n{\"t\":\"\\\"Draft\\\"\"}\n]\n"})
	check(t, s("vn", "query", "blog", `? "title" ?`), "", result{stdout: "count\n2\n"})
	check(t, s("vn", "ask", "--as-of", c1, "blog", `"post2" "title" "Draft"`), "", result{stdout: "alive\ntrue\n"})
	check(t, s("vn", "ask", "blog", `"post2" "title" "Draft"`), "", result{stdout: "alive\nfalse\n"})
	if got := masked(ok(t, s("vn", "history", "blog", `"post2" "title" "Draft"`)...), ids); got != "version\tchange\top\nV\tC1\tadd\nV\tC2\tremove\n" {
		t.Fatalf("history:\n%s", got)
	}
	if got := masked(ok(t, s("vn", "history", "--as-of", c1, "blog", `"post2" "title" "Draft"`)...), ids); got != "version\tchange\top\nV\tC1\tadd\n" {
		t.Fatalf("history --as-of:\n%s", got)
	}

	// A conflict: C3 and C4 both retitle post1; C4 applies first.
	c3 := changeOf(t, ok(t, s("vn", "change", "create", "blog")...))
	c4 := changeOf(t, ok(t, s("vn", "change", "create", "blog")...))
	ids[c3], ids[c4] = "C3", "C4"
	ok(t, s("vn", "remove", "blog", c3, `"post1" "title" "Hello"`)...)
	ok(t, s("vn", "add", "blog", c3, `"post1" "title" "Hi"`)...)
	ok(t, s("vn", "remove", "blog", c4, `"post1" "title" "Hello"`)...)
	ok(t, s("vn", "add", "blog", c4, `"post1" "title" "Howdy"`)...)
	ok(t, s("vn", "change", "apply", "blog", c4)...)
	r := run(t, "", s("vn", "change", "apply", "blog", c3)...)
	if r.code != ExitFailure || r.stdout != "" || !strings.HasPrefix(r.stderr, "strata: vnstore: conflict: change "+c3) ||
		!strings.Contains(r.stderr, `("post1", "title", "Hello") (remove at read version`) || !strings.Contains(r.stderr, "by change "+c4) {
		t.Fatalf("conflicting apply: %+v", r)
	}
	if got := masked(ok(t, s("vn", "change", "rebase", "blog", c3)...), ids); got != "op\ttuple\tby\tversion\nremove\t(\"post1\", \"title\", \"Hello\")\tC4\tV\n" {
		t.Fatalf("rebase:\n%s", got)
	}
	check(t, s("vn", "query", "--pending", c3, "blog", `"post1" "title" ?t`), "", result{stdout: "t\n\"Hi\"\n\"Howdy\"\n"})
	ok(t, s("vn", "remove", "blog", c3, `"post1" "title" "Howdy"`)...)
	ok(t, s("vn", "change", "apply", "blog", c3)...)
	check(t, s("vn", "query", "blog", `"post1" "title" ?t`), "", result{stdout: "t\n\"Hi\"\n"})

	// An abandoned change.
	c5 := changeOf(t, ok(t, s("vn", "change", "create", "blog", "--message", "never mind")...))
	ids[c5] = "C5"
	ok(t, s("vn", "add", "blog", c5, `"post3" "title" "Nope"`)...)
	check(t, s("vn", "change", "abandon", "blog", c5), "", result{})
	if got := masked(ok(t, s("vn", "change", "list", "blog")...), ids); got != "change\tstate\tversion\ttuples\tmessage\n"+
		"C1\tapplied\tV\t2\ttwo posts\n"+
		"C2\tapplied\tV\t2\tretitle post2\n"+
		"C4\tapplied\tV\t2\t\n"+
		"C3\tapplied\tV\t2\t\n"+
		"C5\tabandoned\t\t0\tnever mind\n" {
		t.Fatalf("change list:\n%s", got)
	}
	check(t, s("vn", "change", "apply", "blog", c5), "", result{stderr: "strata: vnstore: change abandoned: " + c5 + "\n", code: ExitUsage})
	check(t, s("vn", "add", "blog", c1, `"x" "y" "z"`), "", result{stderr: "strata: vnstore: change already applied: " + c1 + "\n", code: ExitUsage})

	check(t, s("vn", "drop", "flags"), "", result{})
	check(t, s("raw", "count", "--prefix", "(43)"), "", result{stdout: "count\n0\n"})
}

// TestVNQueryPaging checks that a query longer than a page, at the latest
// state and as of a change, prints every match once, in order.
func TestVNQueryPaging(t *testing.T) {
	defer func(rows int) { pageRows = rows }(pageRows)
	db := tempDB(t)
	ok(t, "--db", db, "vn", "create", "g", "--n", "3")
	c := changeOf(t, ok(t, "--db", db, "vn", "change", "create", "g"))
	var want []string
	for i := range 4 {
		for j := range 4 {
			ok(t, "--db", db, "vn", "add", "g", c, fmt.Sprintf(`%d "edge" %d`, i, j))
		}
		ok(t, "--db", db, "vn", "add", "g", c, fmt.Sprintf(`%d "name" "n%d"`, i, i))
	}
	ok(t, "--db", db, "vn", "change", "apply", "g", c)
	// The plan starts from the smaller range, the names.
	for j := range 4 {
		for i := range 4 {
			want = append(want, fmt.Sprintf("%d\t%d\t\"n%d\"\n", i, j, j))
		}
	}
	for _, asOf := range [][]string{nil, {"--as-of", c}} {
		args := append(append([]string{"--db", db, "vn", "query"}, asOf...), "g", `?a "edge" ?b`, `?b "name" ?n`)
		pageRows = 10_000
		full := ok(t, args...)
		if full != "a\tb\tn\n"+strings.Join(want, "") {
			t.Fatalf("one page %v:\n%s", asOf, full)
		}
		for _, rows := range []int{1, 3, 16} {
			pageRows = rows
			check(t, args, "", result{stdout: full})
			check(t, append(args, "--limit", "5"), "", result{stdout: "a\tb\tn\n" + strings.Join(want[:5], "")})
		}
	}
}

// TestVNErrors checks that bad input gives one line on stderr and exit
// code 2.
func TestVNErrors(t *testing.T) {
	db := tempDB(t)
	ok(t, "--db", db, "vn", "create", "blog", "--n", "3")
	c := changeOf(t, ok(t, "--db", db, "vn", "change", "create", "blog"))
	const unknown = "00000000-0000-4000-8000-000000000000"
	for _, tc := range []struct {
		args   []string
		stderr string
	}{
		{[]string{"vn", "create", "x"}, `strata: vn create: give --columns NAME,... or --n N`},
		{[]string{"vn", "create", "x", "--n", "16"}, `strata: 16 columns: want 1 to 15`},
		{[]string{"vn", "create", "blog", "--n", "3"}, `strata: vnstore: store already exists: "blog"`},
		{[]string{"vn", "create", "x", "--n", "3", "--prefix", `("strata", "vn", "blog", 1)`}, ``},
		{[]string{"vn", "change", "create", "nope"}, `strata: vnstore: no such store: "nope"`},
		{[]string{"vn", "change", "apply", "blog", "xyz"}, `strata: CHANGE: vnstore: malformed change id: "xyz": want 32 hex digits`},
		{[]string{"vn", "change", "apply", "blog", unknown}, `strata: vnstore: no such change: ` + unknown},
		{[]string{"vn", "change", "apply", "blog"}, `strata: vn change apply: want STORE CHANGE, got 1 argument(s); see strata vn change apply --help`},
		{[]string{"vn", "change", "message", "blog", c, strings.Repeat("m", 10_001)}, `strata: MESSAGE is 10001 bytes; messages are limited to 10000 bytes`},
		{[]string{"vn", "add", "blog", c}, `strata: vn add: want STORE CHANGE ITEM..., got 2 argument(s); see strata vn add --help`},
		{[]string{"vn", "add", "blog", c, `1 2`}, `strata: tuplestore: wrong number of items: 2 items for 3 columns`},
		{[]string{"vn", "add", "blog", c, `1 2 ?x`}, `strata: ITEM 1: 1 2 ?x: a tuple holds values, not variables`},
		{[]string{"vn", "add", "blog", c, `1 2 versionstamp("ffffffffffffffffffff", 0)`}, ``},
		{[]string{"vn", "ask", "--as-of", c, "blog", `1 2 3`}, `strata: vnstore: change not applied: ` + c + ` is pending`},
		{[]string{"vn", "ask", "--as-of", c, "--pending", c, "blog", `1 2 3`}, `strata: --as-of and --pending exclude each other`},
		{[]string{"vn", "query", "--pending", unknown, "blog", `?x ? ?`}, `strata: vnstore: no such change: ` + unknown},
		{[]string{"vn", "query", "blog", `?x "b"`}, `strata: tuplestore: wrong number of items: pattern 0, (?x, "b"), has 2 items for 3 columns`},
		{[]string{"vn", "query", "--limit", "-1", "blog", `?x ? ?`}, `strata: --limit -1: want 0 (no limit) or more`},
		{[]string{"vn", "history", "blog"}, `strata: vn history: want STORE ITEM..., got 1 argument(s); see strata vn history --help`},
		{[]string{"vn", "drop", "nope"}, `strata: vnstore: no such store: "nope"`},
		{[]string{"vn", "change", "frob"}, `strata: unknown command "frob" for "strata vn change"; see strata vn change --help`},
	} {
		got := run(t, "", append([]string{"--db", db}, tc.args...)...)
		if got.code != ExitUsage || got.stdout != "" || strings.Count(got.stderr, "\n") != 1 || !strings.HasPrefix(got.stderr, "strata: ") ||
			tc.stderr != "" && got.stderr != tc.stderr+"\n" {
			t.Errorf("strata %.200s:\n got exit %d, stdout %q, stderr %q\nwant exit 2, stderr %q",
				strings.Join(tc.args, " "), got.code, got.stdout, got.stderr, tc.stderr)
		}
	}
}

func TestVNHelp(t *testing.T) {
	out := ok(t, "--help")
	if !strings.Contains(out, "vn ") {
		t.Errorf("strata --help lacks the vn command:\n%s", out)
	}
	out = ok(t, "vn", "--help")
	for _, want := range []string{"create", "ls", "drop", "change", "add", "remove", "ask", "query", "history", "--as-of", `'?s "title" ?t'`, "found's vnstore"} {
		if !strings.Contains(out, want) {
			t.Errorf("strata vn --help lacks %q:\n%s", want, out)
		}
	}
	out = ok(t, "vn", "change", "--help")
	for _, want := range []string{"create", "message", "apply", "abandon", "rebase", "list", "show"} {
		if !strings.Contains(out, want) {
			t.Errorf("strata vn change --help lacks %q:\n%s", want, out)
		}
	}
}
