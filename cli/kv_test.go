package cli

import (
	"regexp"
	"strings"
	"testing"
)

func TestKVCommands(t *testing.T) {
	db := tempDB(t)
	s := func(args ...string) []string { return append([]string{"--db", db}, args...) }
	check(t, s("kv", "create", "app"), "", result{})
	check(t, s("kv", "create", "sessions", "--default-ttl", "1h", "--prefix", `("sess")`), "", result{})
	check(t, s("kv", "ls"), "", result{stdout: "name\tdefault ttl\tprefix\n" +
		"app\tnone\t(\"strata\", \"kv\", \"app\")\n" +
		"sessions\t1h0m0s\t(\"sess\")\n"})
	check(t, s("kv", "create", "app"), "", result{stderr: "strata: kv: store already exists: \"app\"\n", code: ExitUsage})

	// put prints the version; get shows it.
	out := ok(t, s("kv", "put", "app", "user:1", "alice")...)
	m := regexp.MustCompile(`^version\treplayed\n([0-9a-f]{20})\tfalse\n$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("put printed %q", out)
	}
	v1 := m[1]
	check(t, s("kv", "get", "app", "user:1"), "", result{stdout: "key\tvalue\tversion\texpires\nuser:1\talice\t" + v1 + "\t\n"})
	check(t, s("-o", "json", "kv", "get", "app", "user:1"), "", result{stdout: `{"key":"user:1","value":"alice","version":"` + v1 + `","expires":"","value_base64":"YWxpY2U="}` + "\n"})
	check(t, s("kv", "get", "app", "nope"), "", result{stderr: "strata: kv: not found: \"nope\"\n", code: ExitNotFound})

	// Conditions.
	check(t, s("kv", "put", "--nx", "app", "user:1", "bob"), "", result{stderr: "strata: kv: already exists: \"user:1\"\n", code: ExitFailure})
	check(t, s("kv", "put", "--xx", "app", "user:9", "bob"), "", result{stderr: "strata: kv: not found: \"user:9\"\n", code: ExitNotFound})
	out = ok(t, s("kv", "cas", "app", "user:1", v1, "alice2")...)
	if strings.Contains(out, v1) {
		t.Errorf("cas printed the old version: %q", out)
	}
	r := run(t, "", s("kv", "cas", "app", "user:1", v1, "alice3")...)
	if r.code != ExitFailure || !strings.HasPrefix(r.stderr, "strata: kv: version mismatch: \"user:1\" is at version ") {
		t.Errorf("stale cas: %+v", r)
	}
	check(t, s("kv", "cas", "app", "user:1", "xyz", "v"), "", result{stderr: "strata: kv: invalid argument: version \"xyz\": want 20 hex digits\n", code: ExitUsage})
	check(t, s("kv", "put", "--nx", "--xx", "app", "k", "v"), "", result{stderr: "strata: kv: invalid argument: IfMatch, IfAbsent and IfPresent exclude one another\n", code: ExitUsage})

	// Idempotency: the retry prints the original version and replayed.
	out = ok(t, s("kv", "put", "--idempotency-key", "req-1", "app", "order:1", "x")...)
	again := ok(t, s("kv", "put", "--idempotency-key", "req-1", "app", "order:1", "x")...)
	if strings.Replace(out, "false", "true", 1) != again {
		t.Errorf("replay printed %q after %q", again, out)
	}

	// TTLs: the store's default, set, clear.
	check(t, s("kv", "ttl", "app", "user:1"), "", result{stdout: "key\tttl\texpires\nuser:1\tnone\t\n"})
	ok(t, s("kv", "put", "sessions", "s1", "alice")...)
	out = ok(t, s("kv", "ttl", "sessions", "s1")...)
	if !regexp.MustCompile(`^key\tttl\texpires\ns1\t(59m59\.\d+s|1h0m0s)\t\d{4}-`).MatchString(out) {
		t.Errorf("ttl printed %q", out)
	}
	ok(t, s("kv", "ttl", "sessions", "s1", "none")...)
	check(t, s("kv", "ttl", "sessions", "s1"), "", result{stdout: "key\tttl\texpires\ns1\tnone\t\n"})
	ok(t, s("kv", "put", "--ttl", "1ms", "app", "brief", "x")...)
	check(t, s("kv", "ttl", "app", "nope", "5s"), "", result{stderr: "strata: kv: not found: \"nope\"\n", code: ExitNotFound})

	// scan skips the expired value; sweep removes it.
	check(t, s("kv", "scan", "app", "--prefix", "zzz"), "", result{stdout: "key\tvalue\tversion\texpires\n"})
	out = ok(t, s("kv", "scan", "app")...)
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 3 || !strings.HasPrefix(lines[1], "order:1\tx\t") || !strings.HasPrefix(lines[2], "user:1\talice2\t") {
		t.Errorf("scan printed %q", out)
	}
	check(t, s("kv", "scan", "--limit", "1", "-o", "table", "app", "--prefix", "order"), "", result{stdout: "" +
		"KEY      VALUE  VERSION               EXPIRES\n" +
		"order:1  x      " + regexp.MustCompile(`order:1\tx\t([0-9a-f]{20})`).FindStringSubmatch(out)[1] + "  \n"})
	check(t, s("kv", "sweep", "app"), "", result{stdout: "values\trecords\tstale\ttransactions\n1\t0\t0\t1\n"})

	// del.
	out = ok(t, s("kv", "del", "app", "user:1", "nope")...)
	if !regexp.MustCompile(`^deleted\tversion\treplayed\n1\t[0-9a-f]{20}\tfalse\n$`).MatchString(out) {
		t.Errorf("del printed %q", out)
	}
	check(t, s("kv", "del", "--xx", "app", "nope"), "", result{stderr: "strata: kv: not found: \"nope\"\n", code: ExitNotFound})
	check(t, s("kv", "del", "app", "nope"), "", result{stdout: "deleted\tversion\treplayed\n0\t\tfalse\n"})

	// Counters.
	check(t, s("kv", "incr", "app", "hits"), "", result{stdout: "value\n1\n"})
	check(t, s("kv", "incr", "app", "hits", "41"), "", result{stdout: "value\n42\n"})
	check(t, s("kv", "incr", "app", "hits", "--", "-2"), "", result{stdout: "value\n40\n"})
	check(t, s("kv", "incr", "--shards", "4", "app", "hot", "5"), "", result{stdout: "value\n5\n"})
	check(t, s("kv", "incr", "--shards", "4", "app", "hot"), "", result{stdout: "value\n6\n"})
	check(t, s("kv", "incr", "app", "hits", "x"), "", result{stderr: "strata: DELTA \"x\": want an integer\n", code: ExitUsage})

	// Hashes.
	ok(t, s("kv", "hset", "app", "user:2", "name", "bob")...)
	ok(t, s("kv", "hset", "app", "user:2", "age", "42")...)
	check(t, s("kv", "hgetall", "app", "user:2"), "", result{stdout: "field\tvalue\nage\t42\nname\tbob\n"})
	check(t, s("kv", "hget", "app", "user:2", "name"), "", result{stdout: "value\nbob\n"})
	check(t, s("kv", "hdel", "app", "user:2", "age", "zip"), "", result{stdout: "deleted\n1\n"})
	check(t, s("kv", "hget", "app", "user:2", "age"), "", result{stderr: "strata: kv: not found: field \"age\" of hash \"user:2\"\n", code: ExitNotFound})

	// Sorted sets.
	for _, a := range [][2]string{{"3", "c"}, {"1", "a"}, {"2.5", "b"}, {"-inf", "z"}} {
		ok(t, s("kv", "zadd", "--", "app", "q", a[0], a[1])...) // -inf would read as a flag
	}
	check(t, s("kv", "zadd", "app", "q", "4", "a"), "", result{stdout: "added\nfalse\n"})
	check(t, s("kv", "zrange", "app", "q"), "", result{stdout: "member\tscore\nz\t-Inf\nb\t2.5\nc\t3\na\t4\n"})
	check(t, s("kv", "zrange", "--limit", "2", "--reverse", "app", "q", "0", "3"), "", result{stdout: "member\tscore\nc\t3\nb\t2.5\n"})
	check(t, s("kv", "zpop", "app", "q"), "", result{stdout: "member\tscore\nz\t-Inf\n"})
	check(t, s("kv", "zpop", "--min", "3", "app", "q", "5"), "", result{stdout: "member\tscore\nc\t3\na\t4\n"})
	check(t, s("kv", "zadd", "app", "q", "nan", "x"), "", result{stderr: "strata: SCORE \"nan\": want a number (inf and -inf allowed)\n", code: ExitUsage})

	// Leases.
	out = ok(t, s("kv", "lease", "acquire", "--ttl", "1m", "app", "leader", "n1")...)
	m = regexp.MustCompile(`^name\tholder\ttoken\texpires\nleader\tn1\t([0-9a-f]{20})\t`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("lease acquire printed %q", out)
	}
	tok := m[1]
	r = run(t, "", s("kv", "lease", "acquire", "app", "leader", "n2")...)
	if r.code != ExitFailure || !strings.HasPrefix(r.stderr, "strata: kv: lease held by another holder: \"leader\" is held by \"n1\"") {
		t.Errorf("second acquire: %+v", r)
	}
	out = ok(t, s("kv", "lease", "show", "app", "leader")...)
	if !strings.Contains(out, "leader\tn1\t"+tok) {
		t.Errorf("lease show printed %q", out)
	}
	ok(t, s("kv", "lease", "renew", "app", "leader", "n1", tok)...)
	ok(t, s("kv", "lease", "release", "app", "leader", "n1", tok)...)
	r = run(t, "", s("kv", "lease", "release", "app", "leader", "n1", tok)...)
	if r.code != ExitFailure || !strings.HasPrefix(r.stderr, "strata: kv: lease lost") {
		t.Errorf("second release: %+v", r)
	}
	check(t, s("kv", "lease", "show", "app", "leader"), "", result{stderr: "strata: kv: not found: lease \"leader\" is free\n", code: ExitNotFound})

	// watch ends with exit code 5 when nothing changes within --for.
	check(t, s("kv", "watch", "--for", "50ms", "app", "order:1"), "", result{stderr: "strata: watch timed out: \"order:1\" did not change within 50ms\n", code: ExitTimeout})

	// Usage errors and unknown stores.
	check(t, s("kv", "get", "nope", "k"), "", result{stderr: "strata: kv: no such store: \"nope\"\n", code: ExitUsage})
	check(t, s("kv", "get", "app"), "", result{stderr: "strata: kv get: want STORE KEY, got 1 argument(s); see strata kv get --help\n", code: ExitUsage})
	check(t, s("kv", "drop", "app"), "", result{})
	check(t, s("kv", "get", "app", "order:1"), "", result{stderr: "strata: kv: no such store: \"app\"\n", code: ExitUsage})
}
