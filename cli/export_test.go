package cli

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/strata-db/strata/layer"
)

// writeRows writes kvs into the database at url, in transactions of at most
// about 4 MB.
func writeRows(t *testing.T, url string, kvs []layer.KeyValue) {
	t.Helper()
	ctx := context.Background()
	db, err := layer.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for len(kvs) > 0 {
		n, size := 0, 0
		for n < len(kvs) && size < 4<<20 {
			size += len(kvs[n].Key) + len(kvs[n].Value)
			n++
		}
		_, err := layer.Transact(ctx, db, func(tx layer.Tx) (struct{}, error) {
			for _, kv := range kvs[:n] {
				tx.Set(kv.Key, kv.Value)
			}
			return struct{}{}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		kvs = kvs[n:]
	}
}

// readAll reads every user key of the database at url, in one snapshot.
func readAll(t *testing.T, url string) []layer.KeyValue {
	t.Helper()
	ctx := context.Background()
	db, err := layer.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	kvs, err := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) ([]layer.KeyValue, error) {
		return tx.GetRange(layer.KeyRange{Begin: []byte{}, End: layer.SystemKeyPrefix}, layer.RangeOptions{}).Slice()
	})
	if err != nil {
		t.Fatal(err)
	}
	return kvs
}

// sameRows compares two key ranges key by key and value by value.
func sameRows(t *testing.T, what string, got, want []layer.KeyValue) {
	t.Helper()
	for i := range min(len(got), len(want)) {
		if !bytes.Equal(got[i].Key, want[i].Key) || !bytes.Equal(got[i].Value, want[i].Value) {
			t.Fatalf("%s: row %d differs: got key %s (value %d bytes), want key %s (value %d bytes)",
				what, i, FormatKey(got[i].Key), len(got[i].Value), FormatKey(want[i].Key), len(want[i].Value))
		}
	}
	if len(got) != len(want) {
		t.Fatalf("%s: %d rows, want %d", what, len(got), len(want))
	}
}

// testRows builds the data of the round trip: binary keys (every single
// byte below 0xff, zero bytes inside keys, a key of the maximum size),
// empty values, values of the maximum size, and more rows than a page of
// export or a transaction of import holds.
func testRows(rng *rand.Rand, pageRows int) []layer.KeyValue {
	var kvs []layer.KeyValue
	add := func(k, v []byte) { kvs = append(kvs, layer.KeyValue{Key: k, Value: v}) }
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	for c := range 0xff {
		add([]byte{byte(c)}, []byte{byte(c), 0, 0xff}) // binary keys and values
	}
	add([]byte{0x01, 0x00}, nil)             // an empty value
	add([]byte{0x01, 0x00, 0x00}, []byte{})  // another
	add([]byte{0xfe, 0xff, 0xff}, random(7)) // a key just below "\xff"
	add(append([]byte{0x10}, random(layer.MaxKeySize-1)...), random(50))
	for i := range 40 { // 4,000,000 bytes of values of the maximum size
		add([]byte(fmt.Sprintf("big/%03d", i)), random(layer.MaxValueSize))
	}
	for i := range pageRows + pageRows/5 { // more than a page
		k := fmt.Appendf(nil, "n/%06d", i)
		if i%7 == 0 {
			add(k, nil)
		} else {
			add(k, random(1+i%40))
		}
	}
	return kvs
}

func summary(t *testing.T, out string) map[string]string {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("summary is not a tsv header and row:\n%s", out)
	}
	names, values := strings.Split(lines[0], "\t"), strings.Split(lines[1], "\t")
	m := map[string]string{}
	for i, n := range names {
		m[n] = values[i]
	}
	return m
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestExportImportRoundTrip moves every key of one embedded directory to
// another through a file and compares the two key by key, with the real
// page and batch sizes.
func TestExportImportRoundTrip(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	rows := testRows(rand.New(rand.NewPCG(seed, 1)), pageRows)
	src, dst := tempDB(t), tempDB(t)
	writeRows(t, src, rows)
	want := readAll(t, src)
	if len(want) != len(rows) {
		t.Fatalf("wrote %d rows, read %d", len(rows), len(want))
	}
	file := filepath.Join(t.TempDir(), "export.strata")

	exp := summary(t, ok(t, "--db", src, "raw", "export", "--out", file))
	if atoi(t, exp["rows"]) != len(want) || exp["file"] != file {
		t.Fatalf("export summary %v, want %d rows to %s", exp, len(want), file)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	imp := summary(t, ok(t, "--db", dst, "raw", "import", "--in", file))
	if imp["rows"] != exp["rows"] || imp["bytes"] != exp["bytes"] || imp["sha256"] != exp["sha256"] {
		t.Fatalf("import summary %v differs from export summary %v", imp, exp)
	}
	bytesTotal, txs := atoi(t, exp["bytes"]), atoi(t, imp["transactions"])
	if minTxs := max((len(want)+importBatchRows-1)/importBatchRows, (bytesTotal+importBatchBytes-1)/importBatchBytes); txs < minTxs || txs > 2*minTxs+1 {
		t.Errorf("import used %d transactions for %d rows and %d bytes; want from %d (at most %d rows or %d bytes each) to %d",
			txs, len(want), bytesTotal, minTxs, importBatchRows, importBatchBytes, 2*minTxs+1)
	}
	t.Logf("round trip: %d rows, %d bytes of keys and values, a file of %d bytes, %d import transactions",
		len(want), bytesTotal, len(data), txs)
	sameRows(t, "after import", readAll(t, dst), want)

	// The format is deterministic: the copy exports to the same bytes.
	again := filepath.Join(t.TempDir(), "again.strata")
	ok(t, "--db", dst, "raw", "export", "--out", again)
	if data2, err := os.ReadFile(again); err != nil || !bytes.Equal(data, data2) {
		t.Errorf("the copy's export differs from the original's (%d and %d bytes, %v)", len(data), len(data2), err)
	}

	// Importing again changes nothing.
	imp2 := summary(t, ok(t, "--db", dst, "raw", "import", "--in", file))
	if imp2["rows"] != imp["rows"] {
		t.Errorf("second import: %v", imp2)
	}
	sameRows(t, "after importing twice", readAll(t, dst), want)

	// Through stdout and stdin (a pipe's data, spooled to a file).
	viaPipe := tempDB(t)
	var out, errb bytes.Buffer
	if code := Run(context.Background(), []string{"strata", "--db", src, "raw", "export"}, strings.NewReader(""), &out, &errb); code != 0 || errb.Len() > 0 {
		t.Fatalf("export to stdout: exit %d, %s", code, errb.String())
	}
	if !bytes.Equal(out.Bytes(), data) {
		t.Errorf("export to stdout differs from export to --out")
	}
	if r := run(t, out.String(), "--db", viaPipe, "raw", "import"); r.code != 0 || r.stderr != "" {
		t.Fatalf("import from stdin: exit %d, %s", r.code, r.stderr)
	}
	sameRows(t, "after import from stdin", readAll(t, viaPipe), want)
	if c := summary(t, run(t, out.String(), "raw", "import", "--check").stdout); c["rows"] != exp["rows"] || c["sha256"] != exp["sha256"] {
		t.Errorf("import --check from stdin: %v", c)
	}

	// A prefix.
	part := filepath.Join(t.TempDir(), "part.strata")
	ok(t, "--db", src, "raw", "export", "--prefix", `raw:"big/"`, "--out", part)
	check := summary(t, ok(t, "raw", "import", "--check", "--in", part))
	if check["rows"] != "40" || check["begin"] != `raw:"big/"` || check["end"] != `raw:"big0"` {
		t.Errorf("import --check of a prefix export: %v", check)
	}
	partDB := tempDB(t)
	ok(t, "--db", partDB, "raw", "import", "--in", part)
	var big []layer.KeyValue
	for _, kv := range want {
		if bytes.HasPrefix(kv.Key, []byte("big/")) {
			big = append(big, kv)
		}
	}
	sameRows(t, "after importing a prefix", readAll(t, partDB), big)
}

// TestImportBatches checks the bounds of import transactions.
func TestImportBatches(t *testing.T) {
	defer func(r, b int) { importBatchRows, importBatchBytes = r, b }(importBatchRows, importBatchBytes)
	var kvs []layer.KeyValue
	for i := range 10 {
		kvs = append(kvs, layer.KeyValue{Key: []byte{'k', byte(i)}, Value: bytes.Repeat([]byte{'v'}, 8)})
	}
	src := tempDB(t)
	writeRows(t, src, kvs)
	file := filepath.Join(t.TempDir(), "f")
	ok(t, "--db", src, "raw", "export", "--out", file)
	for _, tc := range []struct{ rows, bytes, want int }{
		{3, 1 << 20, 4}, // 3+3+3+1 rows
		{100, 20, 5},    // 10 bytes a row: 2 rows a transaction
		{100, 1 << 20, 1},
		{1, 1, 10}, // a row larger than the bound still goes, alone
	} {
		importBatchRows, importBatchBytes = tc.rows, tc.bytes
		got := summary(t, ok(t, "--db", tempDB(t), "raw", "import", "--in", file))
		if got["transactions"] != strconv.Itoa(tc.want) {
			t.Errorf("%d rows or %d bytes a transaction: %s transactions, want %d", tc.rows, tc.bytes, got["transactions"], tc.want)
		}
	}
}

// smallExport returns an export of a few rows, one of them large.
func smallExport(t *testing.T) []byte {
	t.Helper()
	src := tempDB(t)
	writeRows(t, src, []layer.KeyValue{
		{Key: []byte("a"), Value: []byte("1")},
		{Key: []byte{'b', 0}, Value: nil},
		{Key: []byte("c"), Value: bytes.Repeat([]byte{0xab}, 300)},
		{Key: []byte("d"), Value: []byte("4")},
	})
	file := filepath.Join(t.TempDir(), "f")
	ok(t, "--db", src, "raw", "export", "--out", file)
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// rejected imports data and checks that it fails with a usage error that
// contains want, having written nothing (not even created the database).
func rejected(t *testing.T, what string, data []byte, want string) {
	t.Helper()
	dst := tempDB(t)
	r := run(t, string(data), "--db", dst, "raw", "import")
	if r.code != ExitUsage || !strings.HasPrefix(r.stderr, "strata: raw import: stdin: ") ||
		!strings.Contains(r.stderr, want) || !strings.HasSuffix(r.stderr, "; nothing was written\n") || r.stdout != "" {
		t.Fatalf("%s: exit %d, stdout %q, stderr %q; want exit %d and an error containing %q", what, r.code, r.stdout, r.stderr, ExitUsage, want)
	}
	if _, err := os.Stat(dst); !os.IsNotExist(err) {
		t.Fatalf("%s: the database was opened (%v)", what, err)
	}
}

// TestImportRejectsTruncated cuts an export at every byte.
func TestImportRejectsTruncated(t *testing.T) {
	data := smallExport(t)
	for n := range len(data) {
		rejected(t, fmt.Sprintf("the first %d of %d bytes", n, len(data)), data[:n], "truncated: the file ends inside ")
	}
	rejected(t, "an empty file", nil, "inside the header")
	rejected(t, "no trailer", data[:len(data)-41], "inside record 5 or the trailer")
	rejected(t, "no checksum", data[:len(data)-32], "inside the trailer")
	rejected(t, "a short checksum", data[:len(data)-1], "inside the trailer")
}

// TestImportRejectsCorrupt flips every bit of an export, one at a time
// (under -short, one bit of every byte).
func TestImportRejectsCorrupt(t *testing.T) {
	data := smallExport(t)
	for i := range len(data) {
		for bit := range 8 {
			if testing.Short() && bit != i%8 {
				continue
			}
			bad := bytes.Clone(data)
			bad[i] ^= 1 << bit
			rejected(t, fmt.Sprintf("bit %d of byte %d flipped", bit, i), bad, "")
		}
	}
	flip := func(i int) []byte {
		bad := bytes.Clone(data)
		bad[i] ^= 0x01
		return bad
	}
	rejected(t, "a value byte flipped", flip(len(data)-42), "corrupt: checksum mismatch") // the value of "d"
	rejected(t, "a checksum byte flipped", flip(len(data)-1), "corrupt: checksum mismatch")
	rejected(t, "data after the trailer", append(bytes.Clone(data), 0), "corrupt: data after the trailer")
	rejected(t, "another format", []byte("PK\x03\x04 not an export at all"), "not a strata raw export file")
	rejected(t, "a later version", []byte("strata raw export v2\nmore"), `unsupported export format version "2"`)
	bad := bytes.Clone(data)
	bad[len(exportMagic)+3] = 0xff // the length of BEGIN
	rejected(t, "a huge length", bad, "over the 10000-byte limit")
}

func TestExportImportUsage(t *testing.T) {
	db := tempDB(t)
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"raw", "export", `"a"`}, "strata: raw export: want BEGIN END (or --prefix KEY), got 1 argument(s)"},
		{[]string{"raw", "export", "--prefix", `"a"`, `"b"`}, "strata: raw export: want no arguments with --prefix"},
		{[]string{"raw", "export", "--out", filepath.Join(dir, "missing", "f")}, "strata: --out: "},
		{[]string{"raw", "import", "x"}, "strata: raw import: want no arguments"},
		{[]string{"raw", "import", "--in", filepath.Join(dir, "missing")}, "strata: --in: "},
	} {
		r := run(t, "", append([]string{"--db", db}, tc.args...)...)
		if r.code != ExitUsage || !strings.HasPrefix(r.stderr, tc.want) {
			t.Errorf("strata %s: exit %d, stderr %q; want exit %d, %q", strings.Join(tc.args, " "), r.code, r.stderr, ExitUsage, tc.want)
		}
	}
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Errorf("a usage error opened the database (%v)", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("usage errors left files behind: %v", entries)
	}
	// A failed export leaves no file: the database is locked.
	locked := tempDB(t)
	hold, err := layer.Open(context.Background(), locked)
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Close()
	out := filepath.Join(dir, "out")
	if r := run(t, "", "--db", locked, "raw", "export", "--out", out); r.code != ExitUnavailable {
		t.Errorf("export from a locked database: exit %d, %q", r.code, r.stderr)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("a failed export left files behind: %v", entries)
	}
	help := ok(t, "raw", "export", "--help")
	for _, want := range []string{"--out", "--prefix", `"strata raw export v1\n"`, "SHA-256", "10,000 rows"} {
		if !strings.Contains(help, want) {
			t.Errorf("strata raw export --help lacks %q", want)
		}
	}
	help = ok(t, "raw", "import", "--help")
	for _, want := range []string{"--in", "--check", "nothing is written", "5,000 rows or 1 MiB"} {
		if !strings.Contains(help, want) {
			t.Errorf("strata raw import --help lacks %q", want)
		}
	}
}

func TestProgress(t *testing.T) {
	var b bytes.Buffer
	p := newProgress(&b, "imported", 10)
	p.tick(5, 0)
	p.done()
	if b.Len() != 0 {
		t.Errorf("progress wrote to a stream that is not a terminal: %q", b.String())
	}
	p = &progress{w: &b, on: true, verb: "imported", total: 10}
	p.tick(5, 3<<20)
	p.tick(6, 3<<20) // within progressEvery: not shown
	p.done()
	p.done()
	if want := "\r\x1b[Kimported 5 of 10 rows (50%), 3.0 MiB\r\x1b[K"; b.String() != want {
		t.Errorf("progress wrote %q, want %q", b.String(), want)
	}
}
