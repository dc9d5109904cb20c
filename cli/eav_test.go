package cli

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/strata-db/strata/eav"
)

// TestEAVCommands runs the document commands end to end on a disk
// database.
func TestEAVCommands(t *testing.T) {
	db := tempDB(t)
	s := func(a ...string) []string { return append([]string{"--db", db, "eav"}, a...) }
	alice := `{"name": "alice", "age": 34, "tags": ["a", "b"], "address": {"city": "Paris"},
		"when": {"$time": "2024-05-01T10:30:00.5+02:00"}, "raw": {"$bytes": "AAH/"}, "f": 1.0,
		"u": {"$uuid": "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"}, "big": 18446744073709551615, "nan": {"$float": "NaN"}}`
	check(t, s("create", "users", "--id", `"alice"`, alice), "", result{stdout: "id\n\"alice\"\n"})
	aliceOut := `{"address":{"city":"Paris"},"age":34,"big":18446744073709551615,"f":1.0,"name":"alice","nan":{"$float":"NaN"},` +
		`"raw":{"$bytes":"AAH/"},"tags":["a","b"],"u":{"$uuid":"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"},"when":{"$time":"2024-05-01T08:30:00.5Z"}}` + "\n"
	check(t, s("get", "users", `"alice"`), "", result{stdout: aliceOut})
	// The printed form reads back to the same document.
	check(t, s("create", "users", "--id", "7"), aliceOut, result{stdout: "id\n7\n"})
	check(t, s("get", "users", "7"), "", result{stdout: aliceOut})
	check(t, s("delete", "users", "7"), "", result{})
	// Several documents on stdin, with new ids.
	r := run(t, "{\"name\": \"bob\", \"age\": 27}\n{\"name\": \"carol\", \"age\": 41.5, \"tags\": [\"b\"]}\n", s("create", "users")...)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != 0 || len(lines) != 3 || lines[0] != "id" {
		t.Fatalf("create from stdin: %+v", r)
	}
	bob, carol := lines[1], lines[2]
	for _, id := range []string{bob, carol} {
		if u, err := uuid.Parse(id); err != nil || u.Version() != 7 {
			t.Fatalf("id %q: not a version 7 UUID", id)
		}
	}
	check(t, s("get", "users", bob, `"nobody"`, carol), "", result{
		stdout: `{"age":27,"name":"bob"}` + "\nnull\n" + `{"age":41.5,"name":"carol","tags":["b"]}` + "\n",
		stderr: "strata: store \"users\" has no document \"nobody\"\n", code: ExitNotFound})
	// Queries.
	check(t, s("query", "users", "age>=30"), "", result{stdout: "id\n\"alice\"\n" + carol + "\n"})
	check(t, s("query", "users", "age=27..35", "name^=a"), "", result{stdout: "id\n\"alice\"\n"})
	check(t, s("query", "users", "tags=b", "age<40"), "", result{stdout: "id\n\"alice\"\n"})
	check(t, s("query", "users", "name=bob"), "", result{stdout: "id\n" + bob + "\n"})
	check(t, s("query", "users", `name="bob"`, "age==27"), "", result{stdout: "id\n" + bob + "\n"})
	check(t, s("query", "users", "f=1"), "", result{stdout: "id\n\"alice\"\n"})
	check(t, s("query", "users", "address.city?"), "", result{stdout: "id\n\"alice\"\n"})
	check(t, s("query", "users", `when<{"$time": "2025-01-01T00:00:00Z"}`), "", result{stdout: "id\n\"alice\"\n"})
	check(t, s("query", "users", `{"attr": "age", "op": "between", "value": [40, 50]}`), "", result{stdout: "id\n" + carol + "\n"})
	check(t, s("query", "users", `{"attr": "name", "op": "^=", "value": "c"}`), "", result{stdout: "id\n" + carol + "\n"})
	check(t, s("query", "users", "name=nobody"), "", result{stdout: "id\n"})
	check(t, s("--output", "json", "query", "users", "name=bob"), "", result{stdout: "[\n{\"id\":\"" + bob + "\"}\n]\n"})
	check(t, s("query", "users", "name=bob", "--docs"), "", result{stdout: `{"id":"` + bob + `","doc":{"age":27,"name":"bob"}}` + "\n"})
	check(t, s("query", "users", "--limit", "2"), "", result{stdout: "id\n\"alice\"\n" + bob + "\n"})
	// Field-level writes.
	check(t, s("upsert", "users", `"alice"`, `{"address": {"zip": "75001"}, "age": 35}`), "", result{})
	check(t, s("delete-fields", "users", `"alice"`, "tags", "f", "nan", "raw", "u", "big", "when"), "", result{})
	check(t, s("get", "users", `"alice"`), "", result{stdout: `{"address":{"city":"Paris","zip":"75001"},"age":35,"name":"alice"}` + "\n"})
	check(t, s("upsert", "users", "42"), `{"fresh": true}`, result{})
	check(t, s("replace", "users", "42", `{"fresh": false}`), "", result{})
	check(t, s("get", "users", "42"), "", result{stdout: `{"fresh":false}` + "\n"})
	check(t, s("query", "users", "fresh=true"), "", result{stdout: "id\n"})
	// Jobs and indexes.
	check(t, s("drop-field", "users", "address", "--step-docs", "1", "--max-steps", "2"), "", result{
		stdout: "job\tdone\tdocuments\tchanged\ttransactions\ndrop-field \"address\"\tfalse\t2\t1\t2\n"})
	check(t, s("drop-field", "users", "address"), "", result{
		stdout: "job\tdone\tdocuments\tchanged\ttransactions\ndrop-field \"address\"\ttrue\t4\t1\t1\n"})
	check(t, s("query", "users", "address.city=Paris"), "", result{stdout: "id\n"})
	check(t, s("drop-field", "users", "fr", "--prefix"), "", result{
		stdout: "job\tdone\tdocuments\tchanged\ttransactions\ndrop-prefix \"fr\"\ttrue\t4\t1\t1\n"})
	check(t, append([]string{"--timeout", "10s"}, s("drop-field", "users", "nothing")...), "", result{
		stdout: "job\tdone\tdocuments\tchanged\ttransactions\ndrop-field \"nothing\"\ttrue\t4\t0\t1\n"})
	check(t, s("index", "users"), "", result{stdout: "rule\tready\n*\ttrue\n"})
	check(t, s("index", "users", "--drop", "*"), "", result{})
	check(t, s("query", "users", "age>=30"), "", result{
		stderr: "strata: eav: no condition on an indexed attribute: \"age\" is not indexed\n", code: ExitUsage})
	check(t, s("index", "users", "--add", "age"), "", result{
		stdout: "job\tdone\tdocuments\tchanged\ttransactions\nbuild-index \"age\"\ttrue\t4\t3\t1\n"})
	check(t, s("--output", "json", "index", "users"), "", result{stdout: "[\n{\"rule\":\"age\",\"ready\":true}\n]\n"})
	check(t, s("query", "users", "age>=30", "name=alice"), "", result{stdout: "id\n\"alice\"\n" + ""})
	check(t, s("ls"), "", result{stdout: "name\tprefix\nusers\t(\"strata\", \"eav\", \"users\")\n"})
	check(t, s("delete", "users", `"alice"`, `"nobody"`), "", result{stderr: "strata: store \"users\" had no document \"nobody\"\n", code: ExitNotFound})
	check(t, s("drop", "users"), "", result{})
	check(t, s("ls"), "", result{stdout: "name\tprefix\n"})
}

// TestEAVQueryPaging checks that a query longer than a page is read in
// several transactions and prints every id once, in order.
func TestEAVQueryPaging(t *testing.T) {
	defer func(rows int) { pageRows = rows }(pageRows)
	db := tempDB(t)
	var docs strings.Builder
	for i := range 30 {
		fmt.Fprintf(&docs, `{"n": %d, "tags": [%d, %d, %d.0]}`+"\n", i, i%3, i%3, i%3)
	}
	r := run(t, docs.String(), "--db", db, "eav", "create", "nums")
	if r.code != 0 {
		t.Fatal(r.stderr)
	}
	pageRows = 10_000
	args := []string{"--db", db, "eav", "query", "nums", "tags=1..2", "n<20"}
	full := ok(t, args...)
	if n := strings.Count(full, "\n"); n != 14 {
		t.Fatalf("one page: %d lines:\n%s", n, full)
	}
	for _, rows := range []int{1, 4, 13} {
		pageRows = rows
		check(t, args, "", result{stdout: full})
		lines := strings.SplitAfter(full, "\n")
		check(t, append(args, "--limit", "5"), "", result{stdout: strings.Join(lines[:6], "")})
	}
}

// TestEAVErrors checks that bad input gives one line on stderr and exit
// code 2 (4 for a missing document), and writes nothing.
func TestEAVErrors(t *testing.T) {
	db := tempDB(t)
	ok(t, "--db", db, "eav", "create", "users", "--id", "1", `{"a": 1}`)
	big := strings.Repeat("x", 120_000)
	for _, tc := range []struct {
		args   []string
		stdin  string
		code   int
		stderr string
	}{
		{[]string{"create", "users", `{"a": null}`}, "", ExitUsage, `strata: eav: bad value: attribute "a": nil is not a value (DeleteFields removes an attribute)`},
		{[]string{"create", "users", `[1]`}, "", ExitUsage, `strata: document 1: want a JSON object, got an array`},
		{[]string{"create", "users", `{"a": `}, "", ExitUsage, `strata: document 1: unexpected EOF`},
		{[]string{"create", "users", `{"a": {"$uuid": "nope"}}`}, "", ExitUsage, `strata: document 1: {"$uuid": ...} takes a UUID string, such as "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"`},
		{[]string{"create", "users", `{"a": {"$what": 1}}`}, "", ExitUsage, `strata: document 1: unknown typed value "$what" (want $bytes, $uuid, $time or $float)`},
		{[]string{"create", "users", `{"a": [[1]]}`}, "", ExitUsage, ""},
		{[]string{"create", "users", `{"a": 1, "a.b": 2}`}, "", ExitUsage, ""},
		{[]string{"create", "users", `{"big": "` + big + `"}`}, "", ExitUsage, `strata: eav: value too large: attribute "big": the value takes 120002 bytes encoded, over the 100000-byte limit of one value; store large content in the blob layer (package blob) and keep its hash in the document`},
		{[]string{"create", "users", "--id", "1", `{"b": 2}`}, "", ExitUsage, `strata: eav: document already exists: 1`},
		{[]string{"create", "users", "--id", "alice", `{}`}, "", ExitUsage, ""},
		{[]string{"create", "users", "--id", "1.5", `{}`}, "", ExitUsage, `strata: ID 1.5: want a UUID, an integer or a quoted string`},
		{[]string{"create", "users", "--id", "9"}, "{}\n{}\n", ExitUsage, `strata: --id names one document; stdin holds more`},
		{[]string{"create", "users"}, "", ExitUsage, `strata: no document: give a JSON object as an argument or on stdin`},
		{[]string{"get", "users"}, "", ExitUsage, `strata: eav get: want STORE ID..., got 1 argument(s); see strata eav get --help`},
		{[]string{"get", "nope", "1"}, "", ExitUsage, `strata: eav: no such store: "nope"`},
		{[]string{"replace", "users", "2", `{}`}, "", ExitNotFound, `strata: eav: no such document: 2`},
		{[]string{"replace", "users", "1", `{}`, `{}`}, "", ExitUsage, ""},
		{[]string{"delete-fields", "users", "2", "a"}, "", ExitNotFound, `strata: eav: no such document: 2`},
		{[]string{"delete-fields", "users", "1"}, "", ExitUsage, ""},
		{[]string{"delete", "users", "2"}, "", ExitNotFound, `strata: store "users" had no document 2`},
		{[]string{"query", "users", "a!=1"}, "", ExitUsage, `strata: condition "a!=1": != is not supported`},
		{[]string{"query", "users", "=1"}, "", ExitUsage, ""},
		{[]string{"query", "users", "a=1..x"}, "", ExitUsage, `strata: eav: bad query: a between 1 and "x": the bounds are a number and a string; both must be of one kind`},
		{[]string{"query", "users", "a^=1"}, "", ExitUsage, `strata: eav: bad query: a ^= 1: a prefix is a string or bytes`},
		{[]string{"query", "users", "a?x"}, "", ExitUsage, ""},
		{[]string{"query", "users", `{"attr": "a", "op": "~", "value": 1}`}, "", ExitUsage, ""},
		{[]string{"query", "users", `{"attr": "a", "op": "between", "value": 1}`}, "", ExitUsage, ""},
		{[]string{"query", "users", "--limit", "-1"}, "", ExitUsage, `strata: --limit -1: want 0 (no limit) or more`},
		{[]string{"drop-field", "users", "a..b"}, "", ExitUsage, ""},
		{[]string{"drop-field", "users", "a", "--step-docs", "0"}, "", ExitUsage, ""},
		{[]string{"index", "users", "--add", "a"}, "", ExitUsage, `strata: eav: bad index rule: "a" overlaps the declared index "*"`},
		{[]string{"index", "users", "--drop", "a"}, "", ExitUsage, `strata: eav: no such index: "a"`},
		{[]string{"index", "users", "--add", "a", "--drop", "b"}, "", ExitUsage, ""},
		{[]string{"drop", "nope"}, "", ExitUsage, `strata: eav: no such store: "nope"`},
		{[]string{"frob"}, "", ExitUsage, `strata: unknown command "frob" for "strata eav"; see strata eav --help`},
	} {
		got := run(t, tc.stdin, append([]string{"--db", db, "eav"}, tc.args...)...)
		if got.code != tc.code || got.stdout != "" || strings.Count(got.stderr, "\n") != 1 || !strings.HasPrefix(got.stderr, "strata: ") ||
			tc.stderr != "" && got.stderr != tc.stderr+"\n" {
			t.Errorf("strata eav %.200s:\n got exit %d, stdout %q, stderr %.300q\nwant exit %d, stderr %q",
				strings.Join(tc.args, " "), got.code, got.stdout, got.stderr, tc.code, tc.stderr)
		}
	}
	check(t, []string{"--db", db, "eav", "get", "users", "1"}, "", result{stdout: `{"a":1}` + "\n"})
	check(t, []string{"--db", db, "eav", "get", "users", "2"}, "", result{stdout: "null\n", stderr: "strata: store \"users\" has no document 2\n", code: ExitNotFound})
	check(t, []string{"--db", db, "eav", "query", "users"}, "", result{stdout: "id\n1\n"})
}

// TestEAVJSON checks the JSON forms both ways, NaN and -0.0 included.
func TestEAVJSON(t *testing.T) {
	in := `{"s": "x\u00e9<", "i": -3, "u": 18446744073709551615, "f": 0.1, "e": 1e300, "z": -0.0, "w": 2.0,
		"n": {"$float": "NaN"}, "p": {"$float": "Inf"}, "m": {"$float": "-Inf"}, "g": {"$float": 3},
		"b": {"$bytes": ""}, "t": {"$time": "1969-12-31T23:59:59.999999999Z"}, "l": [], "d": {"x": {"y": [true, false]}},
		"dollar": {"$a": 1, "$b": 2}}`
	var doc eav.Document
	if err := parseDocs(strings.NewReader(in), func(d eav.Document) error { doc = d; return nil }); err != nil {
		t.Fatal(err)
	}
	flat, err := eav.Flatten(doc)
	if err != nil {
		t.Fatal(err)
	}
	// What the store gives back is what Flatten shows; print its nested form.
	back := eav.Document{}
	for k, v := range flat {
		back[k] = v
	}
	out := string(appendJSON(nil, back))
	want := `{"b":{"$bytes":""},"d.x.y":[true,false],"dollar.$a":1,"dollar.$b":2,"e":1e+300,"f":0.1,"g":3.0,"i":-3,"l":[],"m":{"$float":"-Inf"},` +
		`"n":{"$float":"NaN"},"p":{"$float":"Inf"},"s":"xé<","t":{"$time":"1969-12-31T23:59:59.999999999Z"},"u":18446744073709551615,"w":2.0,"z":-0.0}`
	if out != want {
		t.Fatalf("JSON:\n got %s\nwant %s", out, want)
	}
	var v any
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if f := flat["z"].(float64); f != 0 || !math.Signbit(f) {
		t.Errorf("-0.0 read as %v", f)
	}
	if tm := flat["t"].(time.Time); tm.Unix() != -1 || tm.Nanosecond() != 999999999 {
		t.Errorf("time before the epoch: %v", tm)
	}
	if !reflect.DeepEqual(flat["l"], []any{}) {
		t.Errorf("empty list: %#v", flat["l"])
	}
}

func TestParseCondition(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"age>=30", "age >= 30"},
		{"age>30", "age > 30"},
		{"age<=30.5", "age <= 30.5"},
		{"age<30", "age < 30"},
		{"name=alice", `name = "alice"`},
		{`name="30"`, `name = "30"`},
		{"name=", `name = ""`},
		{"name==bob", `name = "bob"`},
		{"ok=true", "ok = true"},
		{"age=30..40", "age between 30 and 40"},
		{"name=a..b", `name between "a" and "b"`},
		{`name="a..b"`, `name = "a..b"`},
		{"name^=al", `name ^= "al"`},
		{"a.b?", "has a.b"},
		{"x=a=b", `x = "a=b"`},
		{`{"attr": "a>b", "op": "<", "value": "z"}`, `a>b < "z"`},
		{`{"attr": "a", "op": "has"}`, "has a"},
	} {
		c, err := ParseCondition(tc.in)
		if err != nil || c.String() != tc.want {
			t.Errorf("ParseCondition(%q) = %v, %v; want %s", tc.in, c, err, tc.want)
		}
	}
}

func FuzzParseCondition(f *testing.F) {
	for _, s := range []string{"age>=30", "a=1..2", "n^=x", "a?", `{"attr":"a","op":"=","value":1}`, `t<{"$time":"2024-01-01T00:00:00Z"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCondition(s)
		if err == nil && c.Attr == "" {
			t.Errorf("%q: condition without attribute", s)
		}
	})
}

// TestEAVCreateSplitsBatches feeds create documents whose index entries
// take many times their JSON: a batch too large for one transaction is
// written in halves.
func TestEAVCreateSplitsBatches(t *testing.T) {
	db := tempDB(t)
	var in strings.Builder
	for d := range 16 { // about 0.8 MB of transaction each
		in.WriteString("{")
		for a := range 50 {
			if a > 0 {
				in.WriteString(",")
			}
			fmt.Fprintf(&in, `"a%02d": [`, a)
			for i := range 100 {
				if i > 0 {
					in.WriteString(",")
				}
				fmt.Fprint(&in, d*100_000+a*100+i)
			}
			in.WriteString("]")
		}
		in.WriteString("}\n")
	}
	r := run(t, in.String(), "--db", db, "eav", "create", "wide")
	if r.code != 0 || strings.Count(r.stdout, "\n") != 17 {
		t.Fatalf("create: exit %d, %d lines, stderr %q", r.code, strings.Count(r.stdout, "\n"), r.stderr)
	}
	if eavCreateSplits == 0 {
		t.Errorf("the batch was not split")
	}
	check(t, []string{"--db", db, "eav", "query", "wide", "a07=1500700"}, "", result{stdout: "id\n" + strings.Split(r.stdout, "\n")[16] + "\n"})
}
