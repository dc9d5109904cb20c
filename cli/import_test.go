package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const demoFixture = `Package: libc6
Status: install ok installed
Section: libs
Priority: required
Architecture: amd64
Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>
Version: 2.36-9
Installed-Size: 12000
Description: GNU C Library: Shared libraries
 Contains the standard libraries used by nearly all programs.

Package: libcurl4
Status: install ok installed
Section: libs
Architecture: amd64
Version: 7.88.1-10
Depends: libc6 (>= 2.34)
Description: easy-to-use client-side URL transfer library

Package: curl
Status: install ok installed
Section: web
Architecture: amd64
Version: 7.88.1-10
Depends: libc6 (>= 2.17), libcurl4 (= 7.88.1-10)
Description: command line tool for transferring data with URL syntax

Package: nginx
Status: install ok installed
Section: httpd
Priority: optional
Architecture: amd64
Version: 1.22.1-9
Depends: libc6 (>= 2.34), libcurl4 | libssl3 (>= 3)
Provides: httpd
Description: small, powerful, scalable web/proxy server
 Nginx is a web server and a reverse proxy server.

Package: lighttpd
Status: install ok installed
Section: httpd
Architecture: amd64
Version: 1.4.69-1
Depends: libc6 (>= 2.34), nginx-common | lsb-base
Provides: httpd
Description: fast webserver with minimal memory footprint
 A small and fast web server.

Package: curl-wrapper
Status: install ok installed
Section: web
Architecture: all
Version: 1.0-1
Depends: curl (>= 7)
Description: wraps curl
`

func TestImportDebianAndDemo(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "status")
	if err := os.WriteFile(src, []byte(demoFixture), 0o644); err != nil {
		t.Fatal(err)
	}
	db := tempDB(t)
	out := ok(t, "--db", db, "import", "debian", "--from", src, "--batch", "2")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[1], "6\t6\t0\t0\t0\t0\t") {
		t.Errorf("import summary:\n%s", out)
	}
	// Every layer answers through its own commands.
	if got := ok(t, "--db", db, "tuple", "query", "debian", `?p "depends" "libc6"`); strings.Count(got, "\n") != 5 {
		t.Errorf("dependents of libc6:\n%s", got)
	}
	if got := ok(t, "--db", db, "search", "query", "debian", "web", "server"); !strings.Contains(got, "nginx") {
		t.Errorf("search:\n%s", got)
	}
	if got := ok(t, "--db", db, "kv", "incr", "debian", "section/httpd", "0"); !strings.Contains(got, "2") {
		t.Errorf("section counter:\n%s", got)
	}
	if got := ok(t, "--db", db, "eav", "get", "debian", `"libc6"`); !strings.Contains(got, `"Installed-Size":12000`) {
		t.Errorf("eav get:\n%s", got)
	}

	out = ok(t, "--db", db, "demo")
	if strings.Contains(out, "Importing") {
		t.Errorf("demo imported again:\n%s", out)
	}
	for _, want := range []string{
		"1. What depends on libc6", "4 packages: curl, libcurl4, lighttpd, nginx",
		"2. Reverse dependencies of libcurl4", "1 hop: 2 packages (curl, nginx)", "2 hops: 1 packages (curl-wrapper)",
		"3. Full-text search", "nginx (",
		"4. Packages like nginx in section httpd", "lighttpd (",
		"5. History of the catalog", "import debian",
		"6. Biggest sections", "httpd 2, libs 2, web 2",
		"$ strata tuple query debian", "$ strata search query debian web server", "$ strata vn change list debian",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
}

func TestDemoImportsEmpty(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "status")
	if err := os.WriteFile(src, []byte(demoFixture), 0o644); err != nil {
		t.Fatal(err)
	}
	out := ok(t, "--db", tempDB(t), "demo", "--from", src)
	if !strings.Contains(out, "Importing the package catalog") || !strings.Contains(out, "6 packages") || !strings.Contains(out, "6. Biggest sections") {
		t.Errorf("demo on an empty database:\n%s", out)
	}
}

func TestImportDebianInterrupted(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "status")
	os.WriteFile(src, []byte(demoFixture), 0o644)
	db := tempDB(t)
	r := run(t, "", "--db", db, "import", "debian", "--from", src, "--batch", "2", "--max-batches", "1")
	if r.code != ExitFailure || !strings.Contains(r.stderr, "stopped") {
		t.Fatalf("stopped import: %+v", r)
	}
	out := ok(t, "--db", db, "import", "debian", "--from", src, "--batch", "2")
	if !strings.Contains(out, "\ttrue\t") || !strings.Contains(out, "6\t6\t0\t0\t0\t0\t") {
		t.Errorf("resumed import:\n%s", out)
	}
}
