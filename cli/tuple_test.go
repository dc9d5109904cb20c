package cli

import (
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/tuple"
	"github.com/strata-db/strata/tuplestore"
)

func TestTupleCommands(t *testing.T) {
	db := tempDB(t)
	s := func(args ...string) []string { return append([]string{"--db", db}, args...) }
	check(t, s("tuple", "create", "blog", "--columns", "s,p,o"), "", result{})
	check(t, s("tuple", "create", "quads", "--n", "4", "--prefix", "(42)"), "", result{})
	check(t, s("-o", "table", "tuple", "ls"), "", result{stdout: "" +
		"NAME   N  COLUMNS  PREFIX\n" +
		"blog   3  s,p,o    (\"strata\", \"tuple\", \"blog\")\n" +
		"quads  4           (42)\n"})
	check(t, s("-o", "json", "tuple", "ls"), "", result{stdout: "[\n" +
		`{"name":"blog","n":3,"columns":"s,p,o","prefix":"(\"strata\", \"tuple\", \"blog\")"},` + "\n" +
		`{"name":"quads","n":4,"columns":"","prefix":"(42)"}` + "\n]\n"})

	// The three ways of writing a tuple.
	ok(t, s("tuple", "add", "blog", `"hyper.dev" "title" "hyper.dev"`)...)
	ok(t, s("tuple", "add", "blog", `"post1"`, `"blog"`, `"hyper.dev"`)...)
	ok(t, s("tuple", "add", "blog", `("post1", "title", "hoply is awesome")`)...)
	ok(t, s("tuple", "add", "blog", `"post2", "blog"`, `"hyper.dev"`)...)
	ok(t, s("tuple", "add", "--value", "v2", "blog", `"post2" "title" "hoply foundiple store"`)...)
	ok(t, s("tuple", "add", "--value-literal", "--value", `("n", 1)`, "blog", `"post3" "rank" 3`)...)

	// found's three-hop query.
	patterns := []string{`?blog "title" "hyper.dev"`, `?post "blog" ?blog`, `(?post, "title", ?title)`}
	check(t, s(append([]string{"tuple", "query", "blog"}, patterns...)...), "", result{stdout: "" +
		"blog\tpost\ttitle\n" +
		"\"hyper.dev\"\t\"post1\"\t\"hoply is awesome\"\n" +
		"\"hyper.dev\"\t\"post2\"\t\"hoply foundiple store\"\n"})
	check(t, s(append([]string{"-o", "table", "tuple", "query", "--limit", "1", "blog"}, patterns...)...), "", result{stdout: "" +
		"BLOG         POST     TITLE\n" +
		"\"hyper.dev\"  \"post1\"  \"hoply is awesome\"\n"})
	check(t, s("-o", "json", "tuple", "query", "blog", `?s "rank" ?r`), "", result{stdout: "[\n" +
		`{"s":"\"post3\"","r":"3"}` + "\n]\n"})
	// No named variable: a count.
	check(t, s("tuple", "query", "blog", `? "title" ?`), "", result{stdout: "count\n3\n"})
	check(t, s("tuple", "query", "blog", `?x "nothing" ?`), "", result{stdout: "x\n"})
	// A repeated variable.
	ok(t, s("tuple", "add", "blog", `"same" "p" "same"`)...)
	check(t, s("tuple", "query", "blog", `?x ? ?x`), "", result{stdout: "x\n\"hyper.dev\"\n\"same\"\n"})

	check(t, s("tuple", "get", "blog", `"post2" "title" "hoply foundiple store"`), "", result{stdout: "value\nv2\n"})
	check(t, s("tuple", "get", "--value-literal", "blog", `"post3" "rank" 3`), "", result{stdout: "value\n(\"n\", 1)\n"})
	check(t, s("-o", "json", "tuple", "get", "blog", `"post1" "blog" "hyper.dev"`), "", result{stdout: `{"value":"","value_base64":""}` + "\n"})
	check(t, s("tuple", "remove", "blog", `"post1" "blog" "hyper.dev"`), "", result{})
	check(t, s("tuple", "get", "blog", `"post1" "blog" "hyper.dev"`), "",
		result{stderr: "strata: store \"blog\" holds no (\"post1\", \"blog\", \"hyper.dev\")\n", code: ExitNotFound})
	check(t, s("tuple", "query", "blog", `?p "blog" ?`), "", result{stdout: "p\n\"post2\"\n"})

	// A found nstore under (42): the keys are found's.
	ok(t, s("tuple", "add", "quads", `"a" "b" "c" 1`)...)
	check(t, s("raw", "range", "--prefix", "(42)"), "", result{stdout: "key\tvalue\n" +
		"(42, 0, \"a\", \"b\", \"c\", 1)\t\n" +
		"(42, 1, \"c\", \"a\", 1, \"b\")\t\n" +
		"(42, 2, 1, \"a\", \"b\", \"c\")\t\n" +
		"(42, 3, \"b\", \"c\", 1, \"a\")\t\n" +
		"(42, 4, \"b\", 1, \"a\", \"c\")\t\n" +
		"(42, 5, \"c\", 1, \"b\", \"a\")\t\n"})

	// A versionstamp: add prints the tuple as stored.
	out := ok(t, s("tuple", "add", "blog", `versionstamp("ffffffffffffffffffff", 7) "created" 1`)...)
	m := regexp.MustCompile(`^tuple\n\(versionstamp\("([0-9a-f]{20})", 7\), "created", 1\)\n$`).FindStringSubmatch(out)
	if m == nil || m[1] == "ffffffffffffffffffff" {
		t.Fatalf("add with a versionstamp printed %q", out)
	}
	check(t, s("tuple", "query", "blog", `?v "created" 1`), "", result{stdout: fmt.Sprintf("v\nversionstamp(\"%s\", 7)\n", m[1])})

	check(t, s("tuple", "drop", "quads"), "", result{})
	check(t, s("tuple", "ls"), "", result{stdout: "name\tn\tcolumns\tprefix\nblog\t3\ts,p,o\t(\"strata\", \"tuple\", \"blog\")\n"})
	check(t, s("raw", "count", "--prefix", "(42)"), "", result{stdout: "count\n0\n"})
}

// TestTupleQueryPaging checks that a query longer than a page is read in
// several transactions and prints every match once, in order.
func TestTupleQueryPaging(t *testing.T) {
	defer func(rows int) { pageRows = rows }(pageRows)
	db := tempDB(t)
	ok(t, "--db", db, "tuple", "create", "g", "--n", "3")
	var want []string
	for i := range 4 {
		for j := range 5 {
			ok(t, "--db", db, "tuple", "add", "g", fmt.Sprintf(`%d "edge" %d`, i, j))
		}
		ok(t, "--db", db, "tuple", "add", "g", fmt.Sprintf(`%d "name" "n%d"`, i, i))
	}
	// The plan starts from the smaller range, the names.
	for j := range 4 {
		for i := range 4 {
			want = append(want, fmt.Sprintf("%d\t%d\t\"n%d\"\n", i, j, j))
		}
	}
	args := []string{"--db", db, "tuple", "query", "g", `?a "edge" ?b`, `?b "name" ?n`}
	pageRows = 10_000
	full := ok(t, args...)
	if full != "a\tb\tn\n"+strings.Join(want, "") {
		t.Fatalf("one page:\n%s", full)
	}
	for _, rows := range []int{1, 3, 16} {
		pageRows = rows
		check(t, args, "", result{stdout: full})
		check(t, append(args, "--limit", "5"), "", result{stdout: "a\tb\tn\n" + strings.Join(want[:5], "")})
	}
}

// TestTupleErrors checks that bad input gives one line on stderr and exit
// code 2, and writes nothing.
func TestTupleErrors(t *testing.T) {
	db := tempDB(t)
	ok(t, "--db", db, "tuple", "create", "blog", "--n", "3")
	ok(t, "--db", db, "tuple", "add", "blog", `"a" "b" "c"`)
	for _, tc := range []struct {
		args   []string
		stderr string
	}{
		{[]string{"tuple", "create", "x"}, `strata: tuple create: give --columns NAME,... or --n N`},
		{[]string{"tuple", "create", "x", "--n", "17"}, `strata: 17 columns: want 1 to 16`},
		{[]string{"tuple", "create", "x", "--n", "2", "--columns", "a,b,c"}, `strata: --n 2 but --columns names 3 columns`},
		{[]string{"tuple", "create", "x", "--columns", "a,,c"}, `strata: --columns "a,,c": empty column name`},
		{[]string{"tuple", "create", "blog", "--n", "3"}, `strata: tuplestore: store already exists: "blog"`},
		{[]string{"tuple", "create", "x", "--n", "3", "--prefix", `("strata", "tuple", "blog", 1)`}, ``},
		{[]string{"tuple", "create", "x", "--n", "3", "--prefix", `raw:"\xff"`}, ``},
		{[]string{"tuple", "add", "nope", `1 2 3`}, `strata: tuplestore: no such store: "nope"`},
		{[]string{"tuple", "add", "blog", `1 2`}, `strata: tuplestore: wrong number of items: 2 items for 3 columns`},
		{[]string{"tuple", "add", "blog", `1 2 ?x`}, `strata: ITEM 1: 1 2 ?x: a tuple holds values, not variables`},
		{[]string{"tuple", "add", "blog", `1 2 (3`}, `strata: ITEM 1: malformed literal: missing ) at offset 6 in '1 2 (3'`},
		{[]string{"tuple", "add", "blog", `1 2 b"` + strings.Repeat("x", layer.MaxKeySize) + `"`}, ``},
		{[]string{"tuple", "add", "--value", strings.Repeat("v", layer.MaxValueSize+1), "blog", `1 2 3`}, `strata: --value is 100001 bytes; values are limited to 100000 bytes`},
		{[]string{"tuple", "add", "blog"}, `strata: tuple add: want STORE ITEM..., got 1 argument(s); see strata tuple add --help`},
		{[]string{"tuple", "remove", "blog", `versionstamp("ffffffffffffffffffff", 0) 2 3`}, `strata: tuplestore: incomplete versionstamp not allowed here: item 0 (incomplete versionstamp, user version 0)`},
		{[]string{"tuple", "get", "blog", `1`}, `strata: tuplestore: wrong number of items: 1 items for 3 columns`},
		{[]string{"tuple", "query", "blog"}, `strata: tuple query: want STORE PATTERN..., got 1 argument(s); see strata tuple query --help`},
		{[]string{"tuple", "query", "blog", `?x "b"`}, `strata: tuplestore: wrong number of items: pattern 0, (?x, "b"), has 2 items for 3 columns`},
		{[]string{"tuple", "query", "blog", `?x (?y) 1`}, ``},
		{[]string{"tuple", "query", "blog", `?x, , 1`}, ``},
		{[]string{"tuple", "query", "--limit", "-1", "blog", `?x ? ?`}, `strata: --limit -1: want 0 (no limit) or more`},
		{[]string{"tuple", "drop", "nope"}, `strata: tuplestore: no such store: "nope"`},
		{[]string{"tuple", "frob"}, `strata: unknown command "frob" for "strata tuple"; see strata tuple --help`},
	} {
		got := run(t, "", append([]string{"--db", db}, tc.args...)...)
		if got.code != ExitUsage || got.stdout != "" || strings.Count(got.stderr, "\n") != 1 || !strings.HasPrefix(got.stderr, "strata: ") ||
			tc.stderr != "" && got.stderr != tc.stderr+"\n" {
			t.Errorf("strata %.200s:\n got exit %d, stdout %q, stderr %q\nwant exit 2, stderr %q",
				strings.Join(tc.args, " "), got.code, got.stdout, got.stderr, tc.stderr)
		}
	}
	check(t, []string{"--db", db, "tuple", "ls"}, "", result{stdout: "name\tn\tcolumns\tprefix\nblog\t3\t\t(\"strata\", \"tuple\", \"blog\")\n"})
	check(t, []string{"--db", db, "tuple", "query", "blog", "? ? ?"}, "", result{stdout: "count\n1\n"})
}

func TestTupleHelp(t *testing.T) {
	out := ok(t, "--help")
	if !strings.Contains(out, "tuple") {
		t.Errorf("strata --help lacks the tuple command:\n%s", out)
	}
	out = ok(t, "tuple", "--help")
	for _, want := range []string{"create", "ls", "drop", "add", "remove", "get", "query", `'?s "title" ?t'`, "found's nstore", `uuid("`} {
		if !strings.Contains(out, want) {
			t.Errorf("strata tuple --help lacks %q:\n%s", want, out)
		}
	}
}

func TestParsePattern(t *testing.T) {
	x, y := tuplestore.Var("x"), tuplestore.Var("y")
	for _, tc := range []struct {
		in   string
		want tuplestore.Pattern
	}{
		{`?s "title" ?t`, tuplestore.Pattern{tuplestore.Var("s"), "title", tuplestore.Var("t")}},
		{`(?x, "title", ?y)`, tuplestore.Pattern{x, "title", y}},
		{`?x,1,? `, tuplestore.Pattern{x, int64(1), tuplestore.Any}},
		{`  ?x   b"\x00"  nil true 1.5 `, tuplestore.Pattern{x, []byte{0}, nil, true, 1.5}},
		{`"a", ("b", 1)`, tuplestore.Pattern{"a", tuple.Tuple{"b", int64(1)}}},
		{`(("b", 1))`, tuplestore.Pattern{tuple.Tuple{"b", int64(1)}}},
		{`((1 2) ?x)`, tuplestore.Pattern{tuple.Tuple{int64(1), int64(2)}, x}},
		{`()`, tuplestore.Pattern{}},
		{`?x-1 ?y_2`, tuplestore.Pattern{tuplestore.Var("x-1"), tuplestore.Var("y_2")}},
		{`versionstamp("00000000000000010000", 3) ?x`, tuplestore.Pattern{tuple.Versionstamp{TransactionVersion: [10]byte{7: 1}, UserVersion: 3}, x}},
	} {
		got, err := ParsePattern(tc.in)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParsePattern(%q) = %#v, %v; want %#v", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{``, `  `, `?x (?y)`, `?x,,1`, `?x, )`, `)`, `(?x`, `title`, `?x "a`} {
		if got, err := ParsePattern(in); err == nil {
			t.Errorf("ParsePattern(%q) = %v, want an error", in, got)
		}
	}
}

// FuzzParsePattern checks that the pattern parser never panics, and that a
// pattern without variables parses as the tuple the key syntax gives.
func FuzzParsePattern(f *testing.F) {
	for _, s := range []string{`?s "title" ?t`, `(?x, 1)`, `"a", ("b", 1)`, `((1 2) ?x)`, `?`, `1, 2`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePattern(s)
		if err != nil || len(tuplestore.Vars(p)) > 0 {
			return
		}
		for _, x := range p {
			if x == tuplestore.Any {
				return
			}
		}
		want, err := ParseTuple(s)
		if err == nil {
			if a, b := tuple.Tuple(p).Pack(), want.Pack(); string(a) != string(b) {
				t.Fatalf("ParsePattern(%q) = %v, ParseTuple %v", s, p, want)
			}
		}
	})
}
