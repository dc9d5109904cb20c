package debian

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"strings"
)

// Field is one field of a stanza, in the order it appears.
type Field struct {
	Name  string
	Value string
}

// Stanza is one paragraph of a deb822 file: a package's record.
type Stanza struct {
	Fields []Field
	// Raw is the paragraph as it was read, without the blank line that
	// ends it.
	Raw string
	// Source is the file the stanza came from.
	Source string
}

// Get returns the value of the field name (case-insensitive), or "".
func (s *Stanza) Get(name string) string {
	for _, f := range s.Fields {
		if strings.EqualFold(f.Name, name) {
			return f.Value
		}
	}
	return ""
}

// Package returns the stanza's package name.
func (s *Stanza) Package() string { return s.Get("Package") }

// ParseStanzas reads deb822 paragraphs: fields "Name: value", continuation
// lines starting with a space or a tab (kept as they are, newline
// separated, so a Description keeps its long text), paragraphs separated by
// blank lines. Lines starting with '#' are comments. A paragraph without a
// Package field is skipped.
func ParseStanzas(r io.Reader, source string, each func(*Stanza) error) error {
	br := bufio.NewReaderSize(r, 1<<16)
	var cur *Stanza
	var raw strings.Builder
	flush := func() error {
		if cur == nil {
			return nil
		}
		cur.Raw = raw.String()
		raw.Reset()
		s := cur
		cur = nil
		if s.Package() == "" {
			return nil
		}
		return each(s)
	}
	lineNo := 0
	for {
		line, err := br.ReadString('\n')
		if line == "" && err != nil {
			if err == io.EOF {
				break
			}
			return err
		}
		lineNo++
		text := strings.TrimRight(line, "\r\n")
		switch {
		case strings.TrimSpace(text) == "":
			if err := flush(); err != nil {
				return err
			}
		case strings.HasPrefix(text, "#"):
		case text[0] == ' ' || text[0] == '\t':
			if cur == nil || len(cur.Fields) == 0 {
				return fmt.Errorf("%s:%d: continuation line outside a field", source, lineNo)
			}
			f := &cur.Fields[len(cur.Fields)-1]
			f.Value += "\n" + text[1:]
			raw.WriteString(text + "\n")
		default:
			name, value, ok := strings.Cut(text, ":")
			if !ok || name == "" {
				return fmt.Errorf("%s:%d: want \"Field: value\", got %q", source, lineNo, text)
			}
			if cur == nil {
				cur = &Stanza{Source: source}
			}
			cur.Fields = append(cur.Fields, Field{Name: name, Value: strings.TrimSpace(value)})
			raw.WriteString(text + "\n")
		}
		if err == io.EOF {
			break
		}
	}
	return flush()
}

// Open opens a catalog file, decompressing it by its name's suffix: .gz
// (compress/gzip) and .lz4 (the LZ4 frame format, decoded by this
// package); others are read as they are. .xz, .bz2 and .zst are refused:
// no decoder for them is in the module graph.
func Open(path string) (io.ReadCloser, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	switch {
	case strings.HasSuffix(path, ".gz"):
		z, err := gzip.NewReader(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return readCloser{z, f}, nil
	case strings.HasSuffix(path, ".lz4"):
		return readCloser{newLZ4Reader(bufio.NewReaderSize(f, 1<<16)), f}, nil
	case strings.HasSuffix(path, ".xz"), strings.HasSuffix(path, ".bz2"), strings.HasSuffix(path, ".zst"):
		f.Close()
		return nil, fmt.Errorf("%s: unsupported compression (plain, .gz and .lz4 are read)", path)
	}
	return f, nil
}

type readCloser struct {
	io.Reader
	c io.Closer
}

func (r readCloser) Close() error { return r.c.Close() }

// Relation is one alternative of a relation clause: a package name, with
// the architecture qualifier (":any", ":amd64") and the version constraint
// that came with it.
type Relation struct {
	Name       string
	Arch       string
	Constraint string // ">= 1.2", or ""
}

// Clause is one comma-separated element of a relation field: one or more
// alternatives separated by '|', and its text, normalised.
type Clause struct {
	Alternatives []Relation
	Text         string
}

// ParseRelations parses a relation field (Depends, Pre-Depends,
// Recommends, Suggests, Provides, Conflicts, Breaks, ...): clauses
// separated by commas, alternatives by '|', each "name[:arch] [(op
// version)] [[arch list]] [<profiles>]". Architecture lists and build
// profiles (which binary indexes do not carry) are dropped.
func ParseRelations(field string) []Clause {
	var out []Clause
	for _, c := range strings.Split(field, ",") {
		var cl Clause
		var texts []string
		for _, alt := range strings.Split(c, "|") {
			alt = strings.Join(strings.Fields(alt), " ")
			alt = cutBetween(alt, '[', ']')
			alt = cutBetween(alt, '<', '>')
			if alt == "" {
				continue
			}
			var r Relation
			name := alt
			if i := strings.IndexByte(alt, '('); i >= 0 {
				name = strings.TrimSpace(alt[:i])
				con := alt[i+1:]
				if j := strings.IndexByte(con, ')'); j >= 0 {
					con = con[:j]
				}
				r.Constraint = normConstraint(con)
			}
			name = strings.TrimSpace(name)
			if n, a, ok := strings.Cut(name, ":"); ok {
				name, r.Arch = n, a
			}
			if name == "" {
				continue
			}
			r.Name = name
			cl.Alternatives = append(cl.Alternatives, r)
			t := r.Name
			if r.Arch != "" {
				t += ":" + r.Arch
			}
			if r.Constraint != "" {
				t += " (" + r.Constraint + ")"
			}
			texts = append(texts, t)
		}
		if len(cl.Alternatives) > 0 {
			cl.Text = strings.Join(texts, " | ")
			out = append(out, cl)
		}
	}
	return out
}

// cutBetween removes the first open...close group and anything after the
// close is kept.
func cutBetween(s string, open, close byte) string {
	for {
		i := strings.IndexByte(s, open)
		if i < 0 {
			return s
		}
		j := strings.IndexByte(s[i:], close)
		if j < 0 {
			return strings.TrimSpace(s[:i])
		}
		s = strings.TrimSpace(s[:i] + s[i+j+1:])
	}
}

// normConstraint writes "op version" with one space: ">=1" -> ">= 1".
func normConstraint(c string) string {
	c = strings.TrimSpace(c)
	i := 0
	for i < len(c) && strings.IndexByte("<>=", c[i]) >= 0 {
		i++
	}
	op, v := c[:i], strings.TrimSpace(c[i:])
	if op == "" {
		return v
	}
	return op + " " + v
}

// CompareVersions compares Debian versions ([epoch:]upstream[-revision])
// as dpkg does: -1, 0 or 1.
func CompareVersions(a, b string) int {
	ea, ua, ra := splitVersion(a)
	eb, ub, rb := splitVersion(b)
	if ea != eb {
		if ea < eb {
			return -1
		}
		return 1
	}
	if c := verrevcmp(ua, ub); c != 0 {
		return c
	}
	return verrevcmp(ra, rb)
}

func splitVersion(v string) (epoch int, upstream, revision string) {
	if i := strings.IndexByte(v, ':'); i >= 0 {
		for _, c := range v[:i] {
			if c >= '0' && c <= '9' {
				epoch = epoch*10 + int(c-'0')
			}
		}
		v = v[i+1:]
	}
	if i := strings.LastIndexByte(v, '-'); i >= 0 {
		return epoch, v[:i], v[i+1:]
	}
	return epoch, v, ""
}

func order(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return 0
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		return int(c)
	case c == '~':
		return -1
	case c == 0:
		return 0
	}
	return int(c) + 256
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// verrevcmp is dpkg's.
func verrevcmp(a, b string) int {
	i, j := 0, 0
	at := func(s string, k int) byte {
		if k < len(s) {
			return s[k]
		}
		return 0
	}
	for i < len(a) || j < len(b) {
		first := 0
		for (i < len(a) && !isDigit(a[i])) || (j < len(b) && !isDigit(b[j])) {
			ac, bc := order(at(a, i)), order(at(b, j))
			if i >= len(a) || isDigit(a[i]) {
				ac = 0
			}
			if j >= len(b) || isDigit(b[j]) {
				bc = 0
			}
			if ac != bc {
				if ac < bc {
					return -1
				}
				return 1
			}
			i++
			j++
		}
		for i < len(a) && a[i] == '0' {
			i++
		}
		for j < len(b) && b[j] == '0' {
			j++
		}
		for i < len(a) && isDigit(a[i]) && j < len(b) && isDigit(b[j]) {
			if first == 0 {
				first = int(a[i]) - int(b[j])
			}
			i++
			j++
		}
		if i < len(a) && isDigit(a[i]) {
			return 1
		}
		if j < len(b) && isDigit(b[j]) {
			return -1
		}
		if first != 0 {
			if first < 0 {
				return -1
			}
			return 1
		}
	}
	return 0
}

// Catalog is the merged set of packages of several sources, one stanza per
// package name, sorted by name.
type Catalog struct {
	Packages []*Stanza
	// Read counts the stanzas read per source (before merging).
	Read map[string]int
}

// Installed reports whether a dpkg status stanza is an installed package
// (its Status ends in "installed"); stanzas without Status (apt lists)
// count as available.
func Installed(s *Stanza) bool {
	st := s.Get("Status")
	return st == "" || strings.HasSuffix(st, " installed")
}

// ReadCatalog reads the sources in order and merges them by package name:
// a package of the dpkg status (a source named ".../status", or the first
// source) that is installed wins; otherwise the stanza with the highest
// version, and on equal versions the first read. Status stanzas of
// packages not installed (removed, config-files) are skipped.
func ReadCatalog(paths []string) (*Catalog, error) {
	byName := map[string]*Stanza{}
	installed := map[string]bool{}
	c := &Catalog{Read: map[string]int{}}
	for _, p := range paths {
		rc, err := Open(p)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == "/var/lib/dpkg/status" {
				return nil, fmt.Errorf("%w (not a Debian or Ubuntu system? name catalog files with --from)", err)
			}
			return nil, err
		}
		isStatus := strings.HasSuffix(p, "status")
		err = ParseStanzas(rc, p, func(s *Stanza) error {
			if isStatus && !Installed(s) {
				return nil
			}
			c.Read[p]++
			name := s.Package()
			old, ok := byName[name]
			switch {
			case !ok:
			case installed[name]:
				return nil
			case isStatus:
			case CompareVersions(s.Get("Version"), old.Get("Version")) <= 0:
				return nil
			}
			byName[name] = s
			if isStatus {
				installed[name] = true
			}
			return nil
		})
		rc.Close()
		if err != nil {
			return nil, err
		}
	}
	for _, s := range byName {
		c.Packages = append(c.Packages, s)
	}
	sort.Slice(c.Packages, func(i, j int) bool { return c.Packages[i].Package() < c.Packages[j].Package() })
	return c, nil
}
