package debian

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	_ "github.com/strata-db/strata/engine/embedded"
	"github.com/strata-db/strata/invindex"
	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/tuplestore"
	"github.com/strata-db/strata/vnstore"
)

// FixtureStatus is a small dpkg status file: multi-line descriptions,
// alternatives with versions, Provides, a package not installed.
const FixtureStatus = `Package: libc6
Status: install ok installed
Priority: optional
Section: libs
Installed-Size: 12000
Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>
Architecture: amd64
Version: 2.36-9
Depends: libgcc-s1
Description: GNU C Library: Shared libraries
 Contains the standard libraries that are used by nearly all programs on
 the system.

Package: nginx
Status: install ok installed
Priority: optional
Section: httpd
Installed-Size: 1500
Maintainer: Debian Nginx Maintainers <pkg-nginx-maintainers@alioth-lists.debian.net>
Architecture: amd64
Version: 1.22.1-9
Depends: libc6 (>= 2.34), libssl3 (>= 3.0.0), nginx-common (= 1.22.1-9)
Recommends: ssl-cert | openssl (>= 1)
Provides: httpd, httpd-cgi
Conflicts: nginx-extras
Description: small, powerful, scalable web/proxy server
 Nginx ("engine X") is a high-performance web and reverse proxy server
 created by Igor Sysoev.
 .
 It can be used both as a standalone web server and as a proxy.

Package: lighttpd
Status: install ok installed
Priority: optional
Section: httpd
Installed-Size: 800
Maintainer: Debian lighttpd maintainers <pkg-lighttpd@lists.debian.org>
Architecture: amd64
Version: 1.4.69-1
Depends: libc6 (>= 2.34), libssl3 | libgnutls30 (>= 3.7), lsb-base
Provides: httpd, httpd-cgi
Description: fast webserver with minimal memory footprint
 lighttpd is a small webserver and fast web server.

Package: curl
Status: install ok installed
Priority: optional
Section: web
Installed-Size: 500
Maintainer: Alessandro Ghedini <ghedo@debian.org>
Architecture: amd64
Version: 7.88.1-10
Depends: libc6 (>= 2.17), libcurl4 (= 7.88.1-10), zlib1g (>= 1:1.1.4)
Description: command line tool for transferring data with URL syntax

Package: libcurl4
Status: install ok installed
Priority: optional
Section: libs
Installed-Size: 900
Maintainer: Alessandro Ghedini <ghedo@debian.org>
Architecture: amd64
Version: 7.88.1-10
Depends: libc6 (>= 2.34), libssl3 (>= 3.0.0)
Description: easy-to-use client-side URL transfer library (OpenSSL flavour)

Package: oldpkg
Status: deinstall ok config-files
Section: misc
Version: 1.0
Description: removed, not installed

`

// FixtureList is an apt list: a newer nginx (ignored: the installed one
// wins), and packages only available.
const FixtureList = `Package: nginx
Version: 1.24.0-1
Section: httpd
Size: 100
Description: newer nginx

Package: apache2
Priority: optional
Section: httpd
Installed-Size: 600
Maintainer: Debian Apache Maintainers <debian-apache@lists.debian.org>
Architecture: amd64
Version: 2.4.57-2
Depends: apache2-bin (= 2.4.57-2), libc6 (>= 2.14), perl:any
Suggests: apache2-doc, www-browser
Size: 218000
Description: Apache HTTP Server

Package: apache2-bin
Priority: optional
Section: httpd
Maintainer: Debian Apache Maintainers <debian-apache@lists.debian.org>
Architecture: amd64
Version: 2.4.57-2
Depends: libc6 (>= 2.34), libcurl4 (>= 7.16.2)
Breaks: apache2 (<< 2.4.0)
Size: 1400000
Description: Apache HTTP Server (modules and other binary files)
`

func writeFixture(t *testing.T, dir string, status, list string) []string {
	t.Helper()
	sp := filepath.Join(dir, "status")
	if err := os.WriteFile(sp, []byte(status), 0o644); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	z := gzip.NewWriter(&buf)
	z.Write([]byte(list))
	z.Close()
	lp := filepath.Join(dir, "example_dists_main_binary-amd64_Packages.gz")
	if err := os.WriteFile(lp, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return []string{sp, lp}
}

func openDB(t *testing.T) layer.DB {
	t.Helper()
	db, err := layer.Open(context.Background(), filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestParseRelations(t *testing.T) {
	got := ParseRelations("libc6 (>=2.34), ssl-cert | openssl (>= 1), perl:any, foo [amd64] <!nocheck>")
	want := []Clause{
		{Alternatives: []Relation{{Name: "libc6", Constraint: ">= 2.34"}}, Text: "libc6 (>= 2.34)"},
		{Alternatives: []Relation{{Name: "ssl-cert"}, {Name: "openssl", Constraint: ">= 1"}}, Text: "ssl-cert | openssl (>= 1)"},
		{Alternatives: []Relation{{Name: "perl", Arch: "any"}}, Text: "perl:any"},
		{Alternatives: []Relation{{Name: "foo"}}, Text: "foo"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ParseRelations = %+v\nwant %+v", got, want)
	}
}

func TestCompareVersions(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"1.0", "1.0", 0}, {"1.0", "1.1", -1}, {"1.10", "1.9", 1}, {"1.0~rc1", "1.0", -1},
		{"1:0.1", "2.0", 1}, {"2.36-9", "2.36-10", -1}, {"1.0-1", "1.0", 1}, {"1.0a", "1.0+", -1},
	} {
		if got := CompareVersions(tc.a, tc.b); got != tc.want {
			t.Errorf("CompareVersions(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestLZ4(t *testing.T) {
	// "hello hello hello hello!" as lz4 -9 writes it (frame, one block).
	// A block: 6 literals "hello ", a match of offset 6 and length 18,
	// then the literal "!".
	block := []byte{0x6E, 'h', 'e', 'l', 'l', 'o', ' ', 6, 0, 0x10, '!'}
	// Token 0x6E: 6 literals, match length 14+4 = 18.
	got, err := lz4Block(nil, block)
	if err != nil || string(got) != "hello hello hello hello !" {
		t.Errorf("lz4Block = %q, %v", got, err)
	}
	frame := []byte{0x04, 0x22, 0x4D, 0x18, 0x60, 0x40, 0x82}
	frame = append(frame, byte(len(block)), 0, 0, 0)
	frame = append(frame, block...)
	frame = append(frame, 0, 0, 0, 0)
	dir := t.TempDir()
	p := filepath.Join(dir, "x_Packages.lz4")
	os.WriteFile(p, frame, 0o644)
	rc, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(rc); err != nil || buf.String() != "hello hello hello hello !" {
		t.Errorf("lz4 frame = %q, %v", buf.String(), err)
	}
}

func TestEmbedDeterministic(t *testing.T) {
	a := Embed("nginx", "small web server", "a web and proxy server")
	b := Embed("nginx", "small web server", "a web and proxy server")
	if !reflect.DeepEqual(a, b) || len(a) != Dims {
		t.Fatal("Embed is not deterministic")
	}
	near := cos(a, Embed("lighttpd", "fast web server", "a small web server"))
	far := cos(a, Embed("libc6", "GNU C Library", "shared libraries"))
	if near <= far {
		t.Errorf("web servers at %.3f, libc at %.3f", near, far)
	}
}

func cos(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

var wantFigures = Figures{
	Documents: 7, Versions: 7, Changes: 1, TextDocs: 7, Vectors: 7, Blobs: 7,
	Sections:     map[string]int64{"libs": 2, "httpd": 4, "web": 1},
	SectionTotal: 7,
}

func checkFigures(t *testing.T, db layer.DB, want Figures) Figures {
	t.Helper()
	f, err := ReadFigures(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	got := f
	got.Tuples, got.TextTerms, got.BlobBytes = 0, 0, 0
	if !reflect.DeepEqual(got, want) {
		t.Errorf("figures = %+v\nwant %+v", got, want)
	}
	return f
}

func TestImport(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	srcs := writeFixture(t, t.TempDir(), FixtureStatus, FixtureList)
	sum, err := Import(ctx, db, Options{Sources: srcs, Batch: 2})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Packages != 7 || sum.Added != 7 || len(sum.Changes) != 1 || sum.Resumed {
		t.Errorf("summary %+v", sum)
	}
	f := checkFigures(t, db, wantFigures)
	if f.Tuples != sum.Tuples || f.Tuples == 0 {
		t.Errorf("tuples: %d stored, summary %d", f.Tuples, sum.Tuples)
	}
	st, err := OpenStores(ctx, db, false)
	if err != nil {
		t.Fatal(err)
	}
	// The documents: all fields, sizes as integers; the installed nginx.
	_, err = layer.ReadTransact(ctx, db, func(tx layer.ReadTx) (any, error) {
		d, err := st.Docs.Get(tx, "nginx")
		if err != nil {
			return nil, err
		}
		if d["Installed-Size"] != int64(1500) || d["Version"] != "1.22.1-9" || !strings.Contains(d["Description"].(string), "standalone web server") {
			t.Errorf("nginx = %v", d)
		}
		d, err = st.Docs.Get(tx, "apache2-bin")
		if err != nil {
			return nil, err
		}
		if d["Size"] != int64(1400000) {
			t.Errorf("apache2-bin Size = %#v", d["Size"])
		}
		// Alternatives and constraints: one tuple per alternative, the
		// clause as its value.
		v, ok, err := st.Tuples.Get(tx, []any{"nginx", "recommends", "openssl"})
		if err != nil || !ok || string(v) != "ssl-cert | openssl (>= 1)" {
			t.Errorf("nginx recommends openssl: %q %v %v", v, ok, err)
		}
		for _, tp := range [][]any{{"nginx", "provides", "httpd"}, {"nginx", "recommends", "ssl-cert"}, {"lighttpd", "depends", "libgnutls30"},
			{"apache2", "depends", "perl"}, {"apache2-bin", "breaks", "apache2"}, {"apache2", "suggests", "www-browser"},
			{"nginx", "conflicts", "nginx-extras"}, {"curl", "section", "web"}, {"curl", "maintainer", "Alessandro Ghedini <ghedo@debian.org>"}} {
			if _, ok, err := st.Tuples.Get(tx, tp); !ok || err != nil {
				t.Errorf("missing tuple %v (%v)", tp, err)
			}
		}
		var dependents []string
		for b, err := range st.Tuples.Query(tx, tuplestore.QueryOptions{}, tuplestore.Pattern{tuplestore.Var("p"), "depends", "libc6"}).All() {
			if err != nil {
				return nil, err
			}
			dependents = append(dependents, b["p"].(string))
		}
		if want := []string{"apache2", "apache2-bin", "curl", "libcurl4", "lighttpd", "nginx"}; !reflect.DeepEqual(sortStrings(dependents), want) {
			t.Errorf("depends on libc6: %v", dependents)
		}
		hits, err := st.Text.Search(tx, "web server", searchOpts)
		if err != nil || len(hits) == 0 || hits[0].ID != "nginx" && hits[0].ID != "lighttpd" {
			t.Errorf("web server: %v %v", hits, err)
		}
		return nil, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Again: nothing changes, no change applied.
	sum, err = Import(ctx, db, Options{Sources: srcs, Batch: 2})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Unchanged != 7 || sum.Added+sum.Removed+sum.Upgraded != 0 || len(sum.Changes) != 0 {
		t.Errorf("re-import of the same catalog: %+v", sum)
	}
	checkFigures(t, db, wantFigures)
}

func TestReimportDiff(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	dir := t.TempDir()
	if _, err := Import(ctx, db, Options{Sources: writeFixture(t, dir, FixtureStatus, FixtureList), Batch: 3}); err != nil {
		t.Fatal(err)
	}
	// curl upgraded, lighttpd removed, a new package, apache2 section moved.
	status := strings.Replace(FixtureStatus, "Version: 7.88.1-10\nDepends: libc6 (>= 2.17)", "Version: 8.5.0-1\nDepends: libc6 (>= 2.17)", 1)
	i := strings.Index(status, "Package: lighttpd")
	j := strings.Index(status, "Package: curl")
	status = status[:i] + status[j:]
	list := FixtureList + "\nPackage: caddy\nSection: httpd\nVersion: 2.6.2-5\nDescription: fast web server with automatic HTTPS\n"
	sum, err := Import(ctx, db, Options{Sources: writeFixture(t, dir, status, list), Batch: 3})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Added != 1 || sum.Removed != 1 || sum.Upgraded != 1 || len(sum.Changes) != 1 {
		t.Fatalf("summary %+v", sum)
	}
	st, _ := OpenStores(ctx, db, false)
	id, _ := vnstore.ParseChangeID(sum.Changes[0])
	_, err = layer.ReadTransact(ctx, db, func(tx layer.ReadTx) (any, error) {
		_, edits, err := st.Versions.Show(tx, id)
		if err != nil {
			return nil, err
		}
		var got []string
		for _, e := range edits {
			got = append(got, e.Op.String()+" "+e.Tuple[0].(string)+" "+e.Tuple[2].(string))
		}
		want := []string{"add caddy 2.6.2-5", "add curl 8.5.0-1", "remove curl 7.88.1-10", "remove lighttpd 1.4.69-1"}
		if !reflect.DeepEqual(sortStrings(got), want) {
			t.Errorf("change edits = %v\nwant %v", got, want)
		}
		return nil, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	w := wantFigures
	w.Changes = 2
	w.Sections = map[string]int64{"libs": 2, "httpd": 4, "web": 1}
	checkFigures(t, db, w)
}

func sortStrings(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func TestResume(t *testing.T) {
	ctx := context.Background()
	srcs := writeFixture(t, t.TempDir(), FixtureStatus, FixtureList)
	whole := openDB(t)
	if _, err := Import(ctx, whole, Options{Sources: srcs, Batch: 2}); err != nil {
		t.Fatal(err)
	}
	want, _ := ReadFigures(ctx, whole)

	db := openDB(t)
	_, err := Import(ctx, db, Options{Sources: srcs, Batch: 2, MaxBatches: 2})
	if !errors.Is(err, ErrStopped) {
		t.Fatalf("stopped import: %v", err)
	}
	mid, _ := ReadFigures(ctx, db)
	if mid.Documents != 4 || mid.Changes != 0 {
		t.Errorf("after 2 batches of 2: %+v", mid)
	}
	sum, err := Import(ctx, db, Options{Sources: srcs, Batch: 2})
	if err != nil {
		t.Fatal(err)
	}
	if !sum.Resumed || sum.Added != 7 || sum.Batches != 2 {
		t.Errorf("resumed summary %+v", sum)
	}
	got, _ := ReadFigures(ctx, db)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("resumed: %+v\nuninterrupted: %+v", got, want)
	}
}

var searchOpts = invindex.SearchOptions{Limit: 3}
