package cli

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/strata-db/strata/layer/tuple"
)

// LiteralSyntax describes the key literal syntax; it is part of the help of
// the raw command.
const LiteralSyntax = `Keys are tuple literals, packed with the FoundationDB tuple encoding:
  ("users", 42)        a tuple: elements in parentheses, separated by commas
  "users", 42          the same tuple: a top-level list needs no parentheses
  "users"   42         a single element is a 1-tuple: ("users"), (42)
  ()                   the empty tuple, which packs to the empty key
Elements:
  "text"               string (Go escapes: \" \\ \n \t \xff \u00e9)
  b"\x01\xffabc"       bytes
  42  -7  123456789012345678901234567890
                       integer, any size the encoding allows
  1.5  -0.0  1e9  inf  -inf  nan
                       64-bit float (a double); it has a '.', an exponent
                       or is inf/nan, so 1.0 is a float and 1 an integer
  float32(1.5)         32-bit float
  true  false          boolean
  nil                  null
  uuid("0a1b2c3d-0000-4000-8000-00000000abcd")
                       UUID (the bare 8-4-4-4-12 form works too)
  versionstamp("00000000000000010000", 3)
                       versionstamp: 10 bytes in hex and a user version
  ("a", ("b", 1))      nested tuple
Raw keys: raw:"\x01abc" is the bytes themselves (Go escapes), not packed.
Output prints keys the same way: as a tuple literal when the key decodes as
a tuple and re-encodes to the same bytes, else as raw:"...".
A literal that starts with '-' (such as -7 or -inf) is taken for a flag when
a letter follows the '-'; write it in parentheses, (-inf), or after --.`

// rawPrefix introduces a key given as escaped bytes rather than a tuple.
const rawPrefix = "raw:"

// maxIntBytes is the largest magnitude, in bytes, of an integer that the
// tuple encoding can hold.
const maxIntBytes = 255

// maxLiteralDepth bounds the nesting of tuples in a literal.
const maxLiteralDepth = 100

// SyntaxError is a malformed literal: what is wrong and the byte offset in
// the input where it was found.
type SyntaxError struct {
	Input  string
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string {
	in := e.Input
	if len(in) > 60 {
		in = in[:57] + "..."
	}
	shown := "'" + in + "'"
	if !isPrintableText([]byte(in)) || strings.Contains(in, "'") {
		shown = strconv.Quote(in)
	}
	return fmt.Sprintf("malformed literal: %s at offset %d in %s", e.Msg, e.Offset, shown)
}

// ParseTuple parses a tuple literal (see LiteralSyntax). A single element
// without parentheses is a 1-tuple; a single parenthesized tuple is that
// tuple; a top-level comma-separated list is the tuple of its elements.
//
// Integers come back as int64 when they fit, else uint64 when they fit,
// else *big.Int, as tuple.Unpack returns them.
func ParseTuple(s string) (tuple.Tuple, error) {
	p := &parser{in: s}
	p.skipSpace()
	if p.eof() {
		return nil, p.errorf("empty literal; write () for the empty tuple")
	}
	elems, parens, err := p.list(true)
	if err != nil {
		return nil, err
	}
	if len(elems) == 1 && parens[0] {
		return elems[0].(tuple.Tuple), nil
	}
	return elems, nil
}

// ParseKey parses a key argument: raw:"..." for escaped bytes, or a tuple
// literal, which it packs.
func ParseKey(s string) ([]byte, error) {
	trimmed := strings.TrimSpace(s)
	if rest, ok := strings.CutPrefix(trimmed, rawPrefix); ok {
		b, err := unquote(rest)
		if err != nil {
			return nil, &SyntaxError{Input: s, Offset: len(s) - len(rest), Msg: "raw: must be followed by a double-quoted string: " + err.Error()}
		}
		return b, nil
	}
	t, err := ParseTuple(s)
	if err != nil {
		return nil, err
	}
	b, err := packTuple(t)
	if err != nil {
		return nil, &SyntaxError{Input: s, Msg: err.Error()}
	}
	return b, nil
}

// FormatTuple renders t in the literal syntax that ParseTuple reads, always
// with parentheses.
func FormatTuple(t tuple.Tuple) string {
	var b strings.Builder
	formatTuple(&b, t)
	return b.String()
}

// FormatKey renders a key: as a tuple literal if it unpacks as a tuple whose
// literal parses and packs back to the same bytes, else as raw:"...". Either
// way ParseKey(FormatKey(key)) returns key.
func FormatKey(key []byte) string {
	if t, err := tuple.Unpack(key); err == nil {
		s := FormatTuple(t)
		if again, err := ParseKey(s); err == nil && bytes.Equal(again, key) {
			return s
		}
	}
	return FormatRaw(key)
}

// FormatRaw renders bytes in the raw:"..." syntax that ParseKey reads.
func FormatRaw(b []byte) string { return rawPrefix + quoteBytes(b) }

// FormatValue renders a value for table and tsv output: as itself when it is
// printable UTF-8 text that does not start with raw:, else as raw:"...".
func FormatValue(v []byte) string {
	if isPrintableText(v) && !bytes.HasPrefix(v, []byte(rawPrefix)) {
		return string(v)
	}
	return FormatRaw(v)
}

func isPrintableText(v []byte) bool {
	for len(v) > 0 {
		r, n := utf8.DecodeRune(v)
		if r == utf8.RuneError && n <= 1 {
			return false
		}
		if !strconv.IsPrint(r) {
			return false
		}
		v = v[n:]
	}
	return true
}

// packTuple packs t; the codec refuses, for one, incomplete versionstamps.
func packTuple(t tuple.Tuple) ([]byte, error) {
	b, err := t.PackChecked()
	if err != nil {
		return nil, fmt.Errorf("cannot encode tuple: %w", err)
	}
	return b, nil
}

type parser struct {
	in    string
	pos   int
	depth int
}

func (p *parser) eof() bool { return p.pos >= len(p.in) }

func (p *parser) errorf(format string, args ...any) error {
	return &SyntaxError{Input: p.in, Offset: p.pos, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) skipSpace() {
	for p.pos < len(p.in) {
		switch p.in[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

// list parses comma-separated elements up to the end of the input (top) or
// up to a closing parenthesis, which it does not consume. parens reports,
// per element, whether it was a parenthesized tuple.
func (p *parser) list(top bool) (tuple.Tuple, []bool, error) {
	elems := tuple.Tuple{}
	var parens []bool
	for {
		p.skipSpace()
		if p.eof() {
			if top {
				return elems, parens, nil
			}
			return nil, nil, p.errorf("missing )")
		}
		if p.in[p.pos] == ')' {
			if top {
				return nil, nil, p.errorf("unexpected )")
			}
			return elems, parens, nil
		}
		isParen := p.in[p.pos] == '('
		e, err := p.element()
		if err != nil {
			return nil, nil, err
		}
		elems = append(elems, e)
		parens = append(parens, isParen)
		p.skipSpace()
		if p.eof() {
			continue
		}
		switch p.in[p.pos] {
		case ',':
			p.pos++
		case ')':
		default:
			return nil, nil, p.errorf("expected , or ) after an element, found %q", p.rest(1))
		}
	}
}

// rest returns up to n runes of the unparsed input, for error messages.
func (p *parser) rest(n int) string {
	s := p.in[p.pos:]
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

func (p *parser) element() (any, error) {
	c := p.in[p.pos]
	switch {
	case c == '(':
		if p.depth >= maxLiteralDepth {
			return nil, p.errorf("tuples nested deeper than %d", maxLiteralDepth)
		}
		p.depth++
		p.pos++
		t, _, err := p.list(false)
		if err != nil {
			return nil, err
		}
		p.pos++ // ')'
		p.depth--
		return t, nil
	case c == '"':
		b, err := p.quoted()
		if err != nil {
			return nil, err
		}
		return string(b), nil
	case c == 'b' && p.pos+1 < len(p.in) && p.in[p.pos+1] == '"':
		p.pos++
		return p.quoted()
	case isWordByte(c):
		return p.word()
	}
	return nil, p.errorf("unexpected %q", p.rest(1))
}

// quoted parses a Go double-quoted string at the current position.
func (p *parser) quoted() ([]byte, error) {
	q, err := strconv.QuotedPrefix(p.in[p.pos:])
	if err != nil || q[0] != '"' {
		return nil, p.errorf("unterminated or malformed string (Go escapes: \\\" \\\\ \\n \\xff \\u00e9)")
	}
	s, err := strconv.Unquote(q)
	if err != nil {
		return nil, p.errorf("malformed string: %v", err)
	}
	p.pos += len(q)
	return []byte(s), nil
}

func unquote(s string) ([]byte, error) {
	q, err := strconv.QuotedPrefix(s)
	if err != nil || q[0] != '"' {
		return nil, errors.New("unterminated or malformed string")
	}
	if strings.TrimSpace(s[len(q):]) != "" {
		return nil, fmt.Errorf("unexpected %q after the string", s[len(q):])
	}
	u, err := strconv.Unquote(q)
	if err != nil {
		return nil, err
	}
	return []byte(u), nil
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '+' || c == '-' || c == '_'
}

// word parses a bare word: a keyword, a number, a bare UUID, or a
// function-style element such as float32(1.5).
func (p *parser) word() (any, error) {
	start := p.pos
	for p.pos < len(p.in) && isWordByte(p.in[p.pos]) {
		p.pos++
	}
	w := p.in[start:p.pos]
	if p.pos < len(p.in) && p.in[p.pos] == '(' {
		return p.call(start, w)
	}
	switch w {
	case "nil":
		return nil, nil
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	if u, ok := parseUUID(w); ok {
		return u, nil
	}
	v, err := parseNumber(w, 64)
	if err != nil {
		p.pos = start
		return nil, p.errorf("%v", err)
	}
	return v, nil
}

// call parses name(args) for the function-style elements.
func (p *parser) call(start int, name string) (any, error) {
	p.pos++ // '('
	p.skipSpace()
	switch name {
	case "float32":
		ws := p.pos
		for p.pos < len(p.in) && isWordByte(p.in[p.pos]) {
			p.pos++
		}
		v, err := parseNumber(p.in[ws:p.pos], 32)
		if err != nil {
			p.pos = ws
			return nil, p.errorf("float32: %v", err)
		}
		if err := p.closeCall(); err != nil {
			return nil, err
		}
		switch v := v.(type) {
		case float64:
			return float32(v), nil
		default:
			f, _ := new(big.Float).SetInt(toBig(v)).Float32()
			if math.IsInf(float64(f), 0) {
				p.pos = ws
				return nil, p.errorf("float32: value out of range")
			}
			return f, nil
		}
	case "uuid":
		if p.eof() || p.in[p.pos] != '"' {
			return nil, p.errorf(`uuid wants a quoted string: uuid("0a1b2c3d-0000-4000-8000-00000000abcd")`)
		}
		qs := p.pos
		s, err := p.quoted()
		if err != nil {
			return nil, err
		}
		u, ok := parseUUID(string(s))
		if !ok {
			p.pos = qs
			return nil, p.errorf("malformed UUID %q: want 8-4-4-4-12 hex digits", s)
		}
		if err := p.closeCall(); err != nil {
			return nil, err
		}
		return u, nil
	case "versionstamp":
		if p.eof() || p.in[p.pos] != '"' {
			return nil, p.errorf(`versionstamp wants 10 bytes in hex and a user version: versionstamp("00000000000000010000", 0)`)
		}
		qs := p.pos
		s, err := p.quoted()
		if err != nil {
			return nil, err
		}
		tv, err := hex.DecodeString(string(s))
		if err != nil || len(tv) != 10 {
			p.pos = qs
			return nil, p.errorf("versionstamp: the transaction version must be 20 hex digits (10 bytes)")
		}
		p.skipSpace()
		if p.eof() || p.in[p.pos] != ',' {
			return nil, p.errorf("versionstamp: expected , and a user version")
		}
		p.pos++
		p.skipSpace()
		ws := p.pos
		for p.pos < len(p.in) && isWordByte(p.in[p.pos]) {
			p.pos++
		}
		uv, err := strconv.ParseUint(p.in[ws:p.pos], 10, 16)
		if err != nil {
			p.pos = ws
			return nil, p.errorf("versionstamp: the user version must be an integer from 0 to 65535")
		}
		if err := p.closeCall(); err != nil {
			return nil, err
		}
		var v tuple.Versionstamp
		copy(v.TransactionVersion[:], tv)
		v.UserVersion = uint16(uv)
		return v, nil
	}
	p.pos = start
	return nil, p.errorf("unknown function %q (known: float32, uuid, versionstamp)", name)
}

func (p *parser) closeCall() error {
	p.skipSpace()
	if p.eof() || p.in[p.pos] != ')' {
		return p.errorf("missing )")
	}
	p.pos++
	return nil
}

func toBig(v any) *big.Int {
	switch v := v.(type) {
	case int64:
		return big.NewInt(v)
	case uint64:
		return new(big.Int).SetUint64(v)
	case *big.Int:
		return v
	}
	return new(big.Int)
}

// parseNumber parses an integer (int64, uint64 or *big.Int, the smallest
// that holds it) or a float (float64; bits selects the precision it is
// rounded to) from a bare word.
func parseNumber(w string, bits int) (any, error) {
	switch strings.ToLower(w) {
	case "inf", "+inf":
		return math.Inf(1), nil
	case "-inf":
		return math.Inf(-1), nil
	case "nan":
		return math.NaN(), nil
	}
	digits := strings.TrimLeft(w, "+-")
	if len(w)-len(digits) > 1 || digits == "" {
		return nil, fmt.Errorf("malformed element %q", w)
	}
	isInt := true
	sawDigit, sawExpDigit, sawDot, sawExp := false, false, false, false
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		switch {
		case c >= '0' && c <= '9':
			if sawExp {
				sawExpDigit = true
			} else {
				sawDigit = true
			}
		case c == '.' && !sawDot && !sawExp:
			sawDot, isInt = true, false
		case (c == 'e' || c == 'E') && !sawExp && sawDigit:
			sawExp, isInt = true, false
			if i+1 < len(digits) && (digits[i+1] == '+' || digits[i+1] == '-') {
				i++
			}
		default:
			return nil, fmt.Errorf("malformed element %q (strings need double quotes)", w)
		}
	}
	if !sawDigit || sawExp && !sawExpDigit {
		return nil, fmt.Errorf("malformed number %q", w)
	}
	if isInt {
		if len(digits) > 2*maxIntBytes*3 {
			return nil, fmt.Errorf("integer %.20s... is too large for the tuple encoding", w)
		}
		n, ok := new(big.Int).SetString(w, 10)
		if !ok {
			return nil, fmt.Errorf("malformed integer %q", w)
		}
		if n.BitLen() > 8*maxIntBytes {
			return nil, fmt.Errorf("integer %.20s... is too large for the tuple encoding (%d bytes at most)", w, maxIntBytes)
		}
		return normalizeInt(n), nil
	}
	f, err := strconv.ParseFloat(w, bits)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && ne.Err == strconv.ErrRange && !math.IsInf(f, 0) {
			// Underflow to zero or a denormal is a faithful rounding.
			return f, nil
		}
		if errors.As(err, &ne) && ne.Err == strconv.ErrRange {
			return nil, fmt.Errorf("float %q out of range", w)
		}
		return nil, fmt.Errorf("malformed float %q", w)
	}
	return f, nil
}

func normalizeInt(n *big.Int) any {
	if n.IsInt64() {
		return n.Int64()
	}
	if n.IsUint64() {
		return n.Uint64()
	}
	return n
}

// parseUUID parses the 8-4-4-4-12 hex form.
func parseUUID(s string) (tuple.UUID, bool) {
	var u tuple.UUID
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return u, false
	}
	h := s[0:8] + s[9:13] + s[14:18] + s[19:23] + s[24:36]
	b, err := hex.DecodeString(h)
	if err != nil {
		return u, false
	}
	copy(u[:], b)
	return u, true
}

func formatUUID(u tuple.UUID) string {
	h := hex.EncodeToString(u[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func formatTuple(b *strings.Builder, t tuple.Tuple) {
	b.WriteByte('(')
	for i, e := range t {
		if i > 0 {
			b.WriteString(", ")
		}
		formatElement(b, e)
	}
	b.WriteByte(')')
}

func formatElement(b *strings.Builder, e any) {
	switch e := e.(type) {
	case nil:
		b.WriteString("nil")
	case bool:
		b.WriteString(strconv.FormatBool(e))
	case string:
		b.WriteString(strconv.Quote(e))
	case []byte:
		b.WriteByte('b')
		b.WriteString(quoteBytes(e))
	case tuple.Tuple:
		formatTuple(b, e)
	case int64:
		b.WriteString(strconv.FormatInt(e, 10))
	case int:
		b.WriteString(strconv.Itoa(e))
	case uint64:
		b.WriteString(strconv.FormatUint(e, 10))
	case *big.Int:
		b.WriteString(e.String())
	case big.Int:
		b.WriteString(e.String())
	case float64:
		b.WriteString(formatFloat(e, 64))
	case float32:
		b.WriteString("float32(")
		b.WriteString(formatFloat(float64(e), 32))
		b.WriteByte(')')
	case tuple.UUID:
		b.WriteString(`uuid("`)
		b.WriteString(formatUUID(e))
		b.WriteString(`")`)
	case tuple.Versionstamp:
		b.WriteString(`versionstamp("`)
		b.WriteString(hex.EncodeToString(e.TransactionVersion[:]))
		b.WriteString(`", `)
		b.WriteString(strconv.FormatUint(uint64(e.UserVersion), 10))
		b.WriteByte(')')
	default:
		fmt.Fprintf(b, "<%T %v>", e, e)
	}
}

func formatFloat(f float64, bits int) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	s := strconv.FormatFloat(f, 'g', -1, bits)
	if !strings.ContainsAny(s, ".e") {
		s += ".0"
	}
	return s
}

// quoteBytes renders b as a Go double-quoted string with every byte outside
// printable ASCII escaped as \xHH, so that strconv.Unquote returns b.
func quoteBytes(b []byte) string {
	var s strings.Builder
	s.Grow(len(b) + 2)
	s.WriteByte('"')
	const hexDigits = "0123456789abcdef"
	for _, c := range b {
		switch {
		case c == '"' || c == '\\':
			s.WriteByte('\\')
			s.WriteByte(c)
		case c >= 0x20 && c < 0x7f:
			s.WriteByte(c)
		default:
			s.WriteString(`\x`)
			s.WriteByte(hexDigits[c>>4])
			s.WriteByte(hexDigits[c&15])
		}
	}
	s.WriteByte('"')
	return s.String()
}
