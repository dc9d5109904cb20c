package debian

import (
	"bufio"
	"bytes"
	"io"
	"strings"
	"testing"
)

// FuzzLZ4 feeds arbitrary bytes to the block decoder and the frame reader:
// they may refuse the input, never panic, and a block never expands past
// what its match lengths can encode.
func FuzzLZ4(f *testing.F) {
	f.Add([]byte{0x6E, 'h', 'e', 'l', 'l', 'o', ' ', 6, 0, 0x10, '!'})
	f.Add([]byte{0x04, 0x22, 0x4D, 0x18, 0x60, 0x40, 0x82, 11, 0, 0, 0, 0x6E, 'h', 'e', 'l', 'l', 'o', ' ', 6, 0, 0x10, '!', 0, 0, 0, 0})
	f.Add([]byte{0xF0, 0xFF, 0xFF})
	f.Fuzz(func(t *testing.T, data []byte) {
		if out, err := lz4Block(nil, data); err == nil && len(out) > 255*len(data)+16 {
			t.Fatalf("block of %d bytes decoded to %d", len(data), len(out))
		}
		r := newLZ4Reader(bufio.NewReader(bytes.NewReader(data)))
		_, _ = io.Copy(io.Discard, io.LimitReader(r, 64<<20))
	})
}

// FuzzParseStanzas checks the deb822 parser never panics and that every
// stanza it yields has a package name (paragraphs without one are skipped).
func FuzzParseStanzas(f *testing.F) {
	f.Add("Package: a\nVersion: 1.0\nDepends: b | c (>= 1), d\nDescription: short\n long\n .\n more\n\nPackage: b\n")
	f.Add("Package:\n\n\n:\n x")
	f.Fuzz(func(t *testing.T, text string) {
		_ = ParseStanzas(strings.NewReader(text), "fuzz", func(s *Stanza) error {
			if s.Package() == "" {
				t.Fatalf("stanza without a package from %q", text)
			}
			return nil
		})
	})
}

// FuzzRelationsAndVersions checks the relation parser never panics and
// that version comparison is a consistent order on what it is given.
func FuzzRelationsAndVersions(f *testing.F) {
	f.Add("libc6 (>= 2.34), foo | bar:any (<< 3) [amd64] <!nocheck>", "1:2.0-1", "2.0~rc1")
	f.Add("", "", "0")
	f.Fuzz(func(t *testing.T, field, a, b string) {
		_ = ParseRelations(field)
		ab, ba := CompareVersions(a, b), CompareVersions(b, a)
		if sign(ab) != -sign(ba) {
			t.Fatalf("CompareVersions(%q, %q) = %d but reversed = %d", a, b, ab, ba)
		}
		if CompareVersions(a, a) != 0 {
			t.Fatalf("CompareVersions(%q, itself) != 0", a)
		}
	})
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}
