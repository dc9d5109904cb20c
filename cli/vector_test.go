package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestVectorCommands(t *testing.T) {
	db := tempDB(t)
	s := func(args ...string) []string { return append([]string{"--db", db}, args...) }

	// create registers the bucket on first use; a second index joins it.
	check(t, s("vector", "create", "films", "plot", "--dims", "3", "--metric", "euclidean"), "", result{})
	check(t, s("vector", "create", "films", "coarse", "--dims", "2", "--kind", "ivf", "--nlist", "2", "--metric", "euclidean"), "", result{})
	check(t, s("vector", "ls"), "", result{stdout: "name\tprefix\nfilms\t(\"strata\", \"vector\", \"films\")\n"})
	check(t, s("-o", "json", "vector", "ls"), "", result{stdout: `[` + "\n" + `{"name":"films","prefix":"(\"strata\", \"vector\", \"films\")"}` + "\n]\n"})
	check(t, s("vector", "create", "films", "plot", "--dims", "3"), "", result{stderr: "strata: vector: index exists: \"plot\"\n", code: ExitUsage})

	// put: one vector with metadata, then JSON lines on stdin.
	check(t, s("vector", "put", "films", "plot", "a", "[1, 0, 0]", "--metadata", `{"genre":"drama","year":1990}`), "", result{})
	check(t, s("vector", "put", "films", "plot", "--file", "-"), ""+
		`{"key":"b","vector":[0,1,0],"metadata":{"genre":"comedy","year":2000}}`+"\n\n"+
		`{"key":"c","vector":[1,1,0],"metadata":{"genre":"drama","year":2010}}`+"\n"+
		`{"key":"d","vector":[0,0,1]}`+"\n",
		result{stdout: `{"put":3}` + "\n"})

	// get, with and without the vector; the output is JSON lines whatever --output says.
	check(t, s("vector", "get", "films", "plot", "a"), "", result{stdout: `{"key":"a","metadata":{"genre":"drama","year":1990}}` + "\n"})
	check(t, s("-o", "json", "vector", "get", "films", "plot", "b", "--vector"), "", result{stdout: `{"key":"b","metadata":{"genre":"comedy","year":2000},"vector":[0,1,0]}` + "\n"})

	// search: k nearest by euclidean distance, then with a filter.
	check(t, s("vector", "search", "films", "plot", "[1, 0, 0]", "--k", "2"), "", result{stdout: "" +
		`{"distance":0,"key":"a","metadata":{"genre":"drama","year":1990},"score":-0}` + "\n" +
		`{"distance":1,"key":"c","metadata":{"genre":"drama","year":2010},"score":-1}` + "\n"})
	check(t, s("vector", "search", "films", "plot", "[1, 0, 0]", "--k", "5", "--filter", `{"genre":"drama","year":{"$gte":2000}}`), "", result{stdout: "" +
		`{"distance":1,"key":"c","metadata":{"genre":"drama","year":2010},"score":-1}` + "\n"})
	check(t, s("vector", "search", "films", "plot", "[0, 1, 0]", "--k", "1", "--filter", `{"genre":{"$in":["comedy","horror"]}}`, "--vector"), "", result{stdout: "" +
		`{"distance":0,"key":"b","metadata":{"genre":"comedy","year":2000},"score":-0,"vector":[0,1,0]}` + "\n"})

	// delete counts what was there; get then exits with 4.
	check(t, s("vector", "delete", "films", "plot", "d", "nope"), "", result{stdout: `{"deleted":1}` + "\n"})
	check(t, s("vector", "get", "films", "plot", "d"), "", result{stderr: "strata: vector: not found: \"d\"\n", code: ExitNotFound})

	// stats of one index, and of all of them.
	plotStats := `{"count":3,"dims":3,"generation":0,"index":"plot","kind":"exact","lists":0,"metric":"euclidean","nlist":0,"nprobe":0}` + "\n"
	check(t, s("vector", "stats", "films", "plot"), "", result{stdout: plotStats})

	// An ivf index: put from a file, train, search.
	f := filepath.Join(t.TempDir(), "points.jsonl")
	var lines []string
	for _, p := range []string{`"p1","vector":[0,0]`, `"p2","vector":[0,1]`, `"p3","vector":[1,0]`,
		`"q1","vector":[10,10]`, `"q2","vector":[10,11]`, `"q3","vector":[11,10]`} {
		lines = append(lines, `{"key":`+p+`}`)
	}
	if err := os.WriteFile(f, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	check(t, s("vector", "put", "films", "coarse", "--file", f, "--batch", "4"), "", result{stdout: `{"put":6}` + "\n"})
	check(t, s("vector", "train", "films", "coarse", "--seed", "1"), "", result{stdout: `{"generation":1,"lists":2,"moved":6,"sampled":6}` + "\n"})
	check(t, s("vector", "search", "films", "coarse", "[10, 10]", "--k", "1", "--nprobe", "1"), "", result{stdout: `{"distance":0,"key":"q1","metadata":null,"score":-0}` + "\n"})
	check(t, s("vector", "stats", "films"), "", result{stdout: "" +
		`{"count":6,"dims":2,"generation":1,"index":"coarse","kind":"ivf","lists":2,"metric":"euclidean","nlist":2,"nprobe":0}` + "\n" +
		plotStats})

	// Errors: one line on stderr, and their exit codes.
	for _, tc := range []struct {
		args   []string
		stderr string
		code   int
	}{
		{s("vector", "put", "films", "plot", "e", "[1, 2]"), "strata: vector: dimension mismatch: vector \"e\" has 2 dimensions, index \"plot\" has 3\n", ExitUsage},
		{s("vector", "search", "films", "plot", "[1, 2]"), "strata: vector: dimension mismatch: query has 2 dimensions, index \"plot\" has 3\n", ExitUsage},
		{s("vector", "put", "films", "plot", "e", "[1, x]"), "strata: vector \"[1, x]\": want a JSON array of numbers: invalid character 'x' looking for beginning of value\n", ExitUsage},
		{s("vector", "search", "films", "plot", "[1, 0, 0]", "--filter", `{"genre":`), "strata: vector: invalid filter: not JSON: unexpected end of JSON input\n", ExitUsage},
		{s("vector", "search", "films", "plot", "[1, 0, 0]", "--filter", `{"year":{"$near":1}}`), "strata: vector: invalid filter at year.$near: unknown operator (want $eq $ne $gt $gte $lt $lte $in $nin $exists)\n", ExitUsage},
		{s("vector", "search", "films", "nope", "[1, 0, 0]"), "strata: vector: no such index: \"nope\"\n", ExitUsage},
		{s("vector", "stats", "films", "nope"), "strata: vector: no such index: \"nope\"\n", ExitUsage},
		{s("vector", "get", "nope", "plot", "a"), "strata: vector: no such bucket: \"nope\"\n", ExitUsage},
		{s("vector", "get", "films", "plot"), "strata: vector get: want BUCKET INDEX KEY, got 2 argument(s); see strata vector get --help\n", ExitUsage},
		{s("vector", "put", "films", "plot", "e", "[1, 0, 0]", "--file", f), "strata: vector put: KEY VECTOR and --file exclude each other\n", ExitUsage},
		{s("vector", "create", "films", "bad", "--dims", "0"), "strata: vector: invalid spec: dims 0 out of 1..4096\n", ExitUsage},
		{s("vector", "create", "other", "x", "--dims", "2", "--metric", "foo"), "strata: vector: invalid spec: metric \"foo\" (want cosine, euclidean or dot)\n", ExitUsage},
		{s("vector", "search", "films", "plot", "[1, 0, 0]", "--k", "0"), "strata: vector: invalid spec: k must be at least 1, got 0\n", ExitUsage},
		{s("vector", "put", "films", "plot", "e", "[1, 0, 0]", "--metadata", "[1]"), "strata: --metadata: want a JSON object: json: cannot unmarshal array into Go value of type map[string]interface {}\n", ExitUsage},
		{s("vector", "train", "films", "plot"), "strata: vector: index not trained: index \"plot\" is exact, only ivf indexes train\n", ExitUsage},
		{s("vector", "delete", "films", "nope", "a"), "strata: vector: no such index: \"nope\"\n", ExitUsage},
		{s("vector", "drop", "films", "nope"), "strata: vector: no such index: \"nope\"\n", ExitUsage},
	} {
		r := run(t, "", tc.args...)
		if r.code != tc.code || r.stdout != "" || r.stderr != tc.stderr {
			t.Errorf("strata %s: got %+v, want exit %d and stderr %q", strings.Join(tc.args, " "), r, tc.code, tc.stderr)
		}
	}

	// drop an index, then the bucket.
	check(t, s("vector", "drop", "films", "coarse"), "", result{})
	check(t, s("vector", "stats", "films"), "", result{stdout: plotStats})
	check(t, s("vector", "drop", "films"), "", result{})
	check(t, s("vector", "ls"), "", result{stdout: "name\tprefix\n"})
	check(t, s("vector", "stats", "films"), "", result{stderr: "strata: vector: no such bucket: \"films\"\n", code: ExitUsage})
}
