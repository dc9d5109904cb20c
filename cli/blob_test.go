package cli

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// blobPutResult decodes the json output of blob put.
type blobPutResult struct {
	ID           string `json:"id"`
	Size         int64  `json:"size"`
	Chunks       int64  `json:"chunks"`
	NewChunks    int64  `json:"new_chunks"`
	NewBytes     int64  `json:"new_bytes"`
	Refs         int64  `json:"refs"`
	Transactions int    `json:"transactions"`
}

func blobPutJSON(t *testing.T, stdin string, args ...string) blobPutResult {
	t.Helper()
	r := run(t, stdin, append([]string{"-o", "json"}, args...)...)
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("strata %s: exit %d, stderr %q", strings.Join(args, " "), r.code, r.stderr)
	}
	var p blobPutResult
	if err := json.Unmarshal([]byte(r.stdout), &p); err != nil {
		t.Fatalf("put output %q: %v", r.stdout, err)
	}
	return p
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func TestBlob(t *testing.T) {
	db := tempDB(t)
	dir := t.TempDir()
	data := make([]byte, 300_000)
	rand.NewChaCha8([32]byte{1}).Read(data)
	file := filepath.Join(dir, "in")
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	id := sha256Hex(data)
	ok(t, "--db", db, "blob", "create", "files")
	check(t, []string{"--db", db, "blob", "create", "files"}, "",
		result{stderr: "strata: blob: store already exists: \"files\"\n", code: ExitUsage})
	check(t, []string{"--db", db, "blob", "ls"}, "",
		result{stdout: "name\tchunk sizes\tprefix\nfiles\t16384/32768/65536\t(\"strata\", \"blob\", \"files\")\n"})

	p := blobPutJSON(t, "", "--db", db, "blob", "put", "files", file)
	if p.ID != id || p.Size != int64(len(data)) || p.NewBytes != int64(len(data)) || p.Refs != 1 || p.Transactions != 1 {
		t.Fatalf("put: %+v", p)
	}
	// The same content from stdin: a second reference, nothing new.
	p2 := blobPutJSON(t, string(data), "--db", db, "blob", "put", "files", "-")
	if p2.ID != id || p2.NewBytes != 0 || p2.Refs != 2 {
		t.Fatalf("second put: %+v", p2)
	}

	// get to a file, by a prefix of the ID, and to stdout.
	out := filepath.Join(dir, "out")
	check(t, []string{"--db", db, "blob", "get", "files", id[:8], "--out", out}, "",
		result{stdout: fmt.Sprintf("id\tsize\tfile\n%s\t%d\t%s\n", id, len(data), out)})
	if got, err := os.ReadFile(out); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("get --out: %d bytes, %v", len(got), err)
	}
	if r := run(t, "", "--db", db, "blob", "get", "files", id); r.code != 0 || r.stdout != string(data) {
		t.Fatalf("get to stdout: exit %d, %d bytes, %q", r.code, len(r.stdout), r.stderr)
	}

	st := ok(t, "--db", db, "-o", "json", "blob", "stat", "files", id)
	if !strings.Contains(st, `"size":300000`) || !strings.Contains(st, `"refs":2`) {
		t.Errorf("stat: %s", st)
	}
	check(t, []string{"--db", db, "blob", "stat", "files"}, "",
		result{stdout: fmt.Sprintf("blobs\tbytes\tchunks\tstored bytes\n1\t300000\t%d\t300000\n", p.Chunks)})
	ls := ok(t, "--db", db, "blob", "ls", "files")
	if !strings.HasPrefix(ls, "id\tsize\tchunks\trefs\tcreated\n"+id+"\t300000\t") {
		t.Errorf("ls: %q", ls)
	}

	// rm twice, then it is gone; gc frees its chunks.
	check(t, []string{"--db", db, "blob", "rm", "files", id}, "", result{stdout: "id\trefs\n" + id + "\t1\n"})
	check(t, []string{"--db", db, "blob", "rm", "files", id[:6]}, "", result{stdout: "id\trefs\n" + id + "\t0\n"})
	r := run(t, "", "--db", db, "blob", "get", "files", id)
	if r.code != ExitNotFound || !strings.Contains(r.stderr, "no such blob") {
		t.Errorf("get after rm: %+v", r)
	}
	r = run(t, "", "--db", db, "blob", "rm", "files", id)
	if r.code != ExitNotFound {
		t.Errorf("rm of a removed blob: %+v", r)
	}
	check(t, []string{"--db", db, "blob", "gc", "files"}, "", result{stdout: fmt.Sprintf(
		"expired\tin flight\treleased\treferences\tchunks deleted\tbytes freed\ttransactions\n0\t0\t1\t%d\t%d\t300000\t2\n",
		p.Chunks, p.Chunks)})
	check(t, []string{"--db", db, "blob", "stat", "files"}, "", result{stdout: "blobs\tbytes\tchunks\tstored bytes\n0\t0\t0\t0\n"})

	// The empty blob.
	pe := blobPutJSON(t, "", "--db", db, "blob", "put", "files")
	if pe.ID != sha256Hex(nil) || pe.Size != 0 || pe.Chunks != 0 {
		t.Errorf("empty put: %+v", pe)
	}
	if r := run(t, "", "--db", db, "blob", "get", "files", pe.ID); r.code != 0 || r.stdout != "" {
		t.Errorf("empty get: %+v", r)
	}

	// Usage errors.
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"blob", "put", "nostore", file}, ExitUsage, "no such store"},
		{[]string{"blob", "put", "files", filepath.Join(dir, "missing")}, ExitUsage, "no such file"},
		{[]string{"blob", "get", "files", "xyz"}, ExitUsage, "invalid blob ID"},
		{[]string{"blob", "get", "files", "00000000"}, ExitNotFound, "no blob ID starts with"},
		{[]string{"blob", "stat", "files", id}, ExitNotFound, "no such blob"},
		{[]string{"blob", "rm", "files"}, ExitUsage, "want STORE ID..."},
		{[]string{"blob", "create", "bad", "--avg-chunk", "1000"}, ExitUsage, "power of two"},
		{[]string{"blob", "gc", "files", "--lease", "-1s"}, ExitUsage, "positive duration"},
	} {
		r := run(t, "", append([]string{"--db", db}, tc.args...)...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.msg) {
			t.Errorf("strata %s: exit %d, stderr %q; want exit %d and %q", strings.Join(tc.args, " "), r.code, r.stderr, tc.code, tc.msg)
		}
	}

	// A store with its own chunk size and prefix; drop removes it.
	ok(t, "--db", db, "blob", "create", "small", "--avg-chunk", "1024", "--prefix", `("mine")`)
	ps := blobPutJSON(t, "", "--db", db, "blob", "put", "small", file)
	if ps.Chunks < 150 {
		t.Errorf("1 KiB chunks: %d chunks for 300 kB", ps.Chunks)
	}
	ok(t, "--db", db, "blob", "drop", "small")
	check(t, []string{"--db", db, "raw", "count", "--prefix", `("mine")`}, "", result{stdout: "count\n0\n"})
}

// TestBlobBig writes a large blob through the command line on the disk
// engine and reads it back, beside a plain file copy of the same data, and
// logs the throughputs. It runs only with STRATA_BLOB_BIG set to a size in
// MB (200 for the figure of the issue):
//
//	STRATA_BLOB_BIG=200 go test -run TestBlobBig -v ./cli/
func TestBlobBig(t *testing.T) {
	mb, _ := strconv.Atoi(os.Getenv("STRATA_BLOB_BIG"))
	if mb <= 0 {
		t.Skip("set STRATA_BLOB_BIG=<MB> to run")
	}
	size := mb * 1_000_000
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	// Incompressible data: no help from the storage's compression.
	f, err := os.Create(src)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.NewChaCha8([32]byte{42})
	if _, err := io.CopyN(f, r, int64(size)); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	want := fileSHA256(t, src)

	mbps := func(d time.Duration) float64 { return float64(size) / 1e6 / d.Seconds() }

	// A plain copy: read the file, write another, fsync.
	start := time.Now()
	copyFile(t, src, filepath.Join(dir, "copy"))
	copyTime := time.Since(start)

	db := "file:" + filepath.Join(dir, "db")
	ok(t, "--db", db, "blob", "create", "big")
	start = time.Now()
	p := blobPutJSON(t, "", "--db", db, "blob", "put", "big", src)
	putTime := time.Since(start)
	if p.ID != want || p.Size != int64(size) {
		t.Fatalf("put: %+v, want ID %s", p, want)
	}

	out := filepath.Join(dir, "out")
	start = time.Now()
	ok(t, "--db", db, "blob", "get", "big", p.ID, "--out", out)
	getTime := time.Since(start)
	if got := fileSHA256(t, out); got != want {
		t.Fatalf("read back: SHA-256 %s, want %s", got, want)
	}
	// Reading to stdout, hashed and dropped: no file written.
	start = time.Now()
	sink := sha256.New()
	var stderr bytes.Buffer
	code := Run(context.Background(), []string{"strata", "--db", db, "blob", "get", "big", p.ID}, strings.NewReader(""), sink, &stderr)
	discardTime := time.Since(start)
	if code != 0 || hex.EncodeToString(sink.Sum(nil)) != want {
		t.Fatalf("get to stdout: exit %d %q", code, stderr.String())
	}
	t.Logf("%d MB, %d chunks, %d transactions to write; SHA-256 %s identical", mb, p.Chunks, p.Transactions, want)
	t.Logf("plain file copy (read + write + fsync): %v, %.0f MB/s", copyTime.Round(time.Millisecond), mbps(copyTime))
	t.Logf("strata blob put (disk engine):          %v, %.0f MB/s", putTime.Round(time.Millisecond), mbps(putTime))
	t.Logf("strata blob get --out FILE (+ fsync):   %v, %.0f MB/s", getTime.Round(time.Millisecond), mbps(getTime))
	t.Logf("strata blob get to stdout (hashed):     %v, %.0f MB/s", discardTime.Round(time.Millisecond), mbps(discardTime))
	t.Logf("go %s, %d CPUs", runtime.Version(), runtime.NumCPU())
}

func fileSHA256(t *testing.T, name string) string {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Sync(); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestBlobDedupFigure stores two tarballs of a source tree (the Go
// standard library's net package), the second with a few files edited,
// and logs the bytes stored against the bytes given. It runs only with
// STRATA_BLOB_DEDUP set (to the tree to archive, or 1 for $GOROOT/src/net):
//
//	STRATA_BLOB_DEDUP=1 go test -run TestBlobDedupFigure -v ./cli/
func TestBlobDedupFigure(t *testing.T) {
	tree := os.Getenv("STRATA_BLOB_DEDUP")
	if tree == "" {
		t.Skip("set STRATA_BLOB_DEDUP=1 (or a directory) to run")
	}
	if tree == "1" {
		tree = filepath.Join(runtime.GOROOT(), "src", "net")
	}
	dir := t.TempDir()
	a := filepath.Join(dir, "a.tar")
	b := filepath.Join(dir, "b.tar")
	edited := tarTree(t, tree, a, nil)
	// The second tarball: the same tree with five files edited (a line
	// inserted near the top, one near the end), spread over the archive.
	var pick []string
	for i := 0; i < len(edited); i += len(edited) / 5 {
		pick = append(pick, edited[i])
	}
	tarTree(t, tree, b, func(name string, data []byte) []byte {
		for _, p := range pick {
			if p == name {
				nl := bytes.IndexByte(data, '\n') + 1
				out := append([]byte{}, data[:nl]...)
				out = append(out, "// edited for the dedup figure\n"...)
				out = append(out, data[nl:]...)
				return append(out, "\n// and at the end\n"...)
			}
		}
		return data
	})
	db := "file:" + filepath.Join(dir, "db")
	ok(t, "--db", db, "blob", "create", "src")
	pa := blobPutJSON(t, "", "--db", db, "blob", "put", "src", a)
	pb := blobPutJSON(t, "", "--db", db, "blob", "put", "src", b)
	var u struct {
		Blobs       int64 `json:"blobs"`
		Bytes       int64 `json:"bytes"`
		Chunks      int64 `json:"chunks"`
		StoredBytes int64 `json:"stored_bytes"`
	}
	if err := json.Unmarshal([]byte(ok(t, "--db", db, "-o", "json", "blob", "stat", "src")), &u); err != nil {
		t.Fatal(err)
	}
	in := pa.Size + pb.Size
	t.Logf("tree %s: %d files; edited %v", tree, len(edited), pick)
	t.Logf("a.tar %d bytes, %d chunks; b.tar %d bytes, %d chunks, %d of them new (%d bytes)", pa.Size, pa.Chunks, pb.Size, pb.Chunks, pb.NewChunks, pb.NewBytes)
	t.Logf("input %d bytes, stored %d bytes in %d chunks: %.1f%% of the input; b.tar added %.2f%% of its size",
		in, u.StoredBytes, u.Chunks, 100*float64(u.StoredBytes)/float64(in), 100*float64(pb.NewBytes)/float64(pb.Size))
	if u.StoredBytes >= in*6/10 {
		t.Errorf("stored %d of %d bytes", u.StoredBytes, in)
	}
}

// tarTree writes the regular files under root into a tar file, in
// lexical order with fixed metadata, passing each file's content through
// edit if given; it returns the files' names.
func tarTree(t *testing.T, root, name string, edit func(string, []byte) []byte) []string {
	t.Helper()
	f, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	tw := tar.NewWriter(f)
	var names []string
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		names = append(names, rel)
		if edit != nil {
			data = edit(rel, data)
		}
		if err := tw.WriteHeader(&tar.Header{Name: rel, Mode: 0o644, Size: int64(len(data)), ModTime: time.Unix(0, 0)}); err != nil {
			return err
		}
		_, err = tw.Write(data)
		return err
	})
	if err == nil {
		err = tw.Close()
	}
	if err == nil {
		err = f.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	return names
}
