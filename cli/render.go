package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// outputFormat is the value of --output.
type outputFormat string

const (
	formatTable outputFormat = "table"
	formatJSON  outputFormat = "json"
	formatTSV   outputFormat = "tsv"
)

// column is one field of the rows a command prints. Its name is the JSON
// field name and the tsv header; the table header is the name upper-cased
// with spaces for underscores. A jsonOnly column appears only in json output
// (the base64 forms of keys and values, say).
type column struct {
	name     string
	jsonOnly bool
}

// tableFlushRows is how many rows the table renderer holds to size its
// columns; later rows reuse those widths, so that a long scan streams.
const tableFlushRows = 1000

// listWriter prints rows: a table with a header, a json array of objects
// (one per line), or tsv with a header line. Rows stream: only the table
// holds its first rows back, to align them.
type listWriter struct {
	w       io.Writer
	format  outputFormat
	columns []column

	rows    int
	pending [][]string // table rows not yet printed
	widths  []int      // table column widths, once fixed
	err     error
}

func newListWriter(w io.Writer, format outputFormat, columns ...column) *listWriter {
	return &listWriter{w: bufio.NewWriterSize(w, 64<<10), format: format, columns: columns}
}

// Flush writes out what the writer buffers (but not the rows a table holds
// back to size its columns).
func (l *listWriter) Flush() error {
	if b, ok := l.w.(*bufio.Writer); ok {
		if err := b.Flush(); err != nil && l.err == nil {
			l.err = err
		}
	}
	return l.err
}

// Row adds one row; values are in column order: strings for text columns,
// anything json.Marshal takes for json-only ones.
func (l *listWriter) Row(values ...any) error {
	if l.err != nil {
		return l.err
	}
	l.rows++
	switch l.format {
	case formatJSON:
		prefix := ",\n"
		if l.rows == 1 {
			prefix = "[\n"
		}
		l.write(prefix + jsonObject(l.columns, values))
	case formatTSV:
		if l.rows == 1 {
			l.write(tsvLine(l.headers(strings.ToLower)))
		}
		l.write(tsvLine(l.texts(values)))
	default:
		l.pending = append(l.pending, l.texts(values))
		if len(l.pending) >= tableFlushRows {
			l.flushTable()
		}
	}
	return l.err
}

// Close finishes the output; for an empty list it still prints the header
// (or an empty json array).
func (l *listWriter) Close() error {
	if l.err != nil {
		return l.err
	}
	switch l.format {
	case formatJSON:
		if l.rows == 0 {
			l.write("[]\n")
		} else {
			l.write("\n]\n")
		}
	case formatTSV:
		if l.rows == 0 {
			l.write(tsvLine(l.headers(strings.ToLower)))
		}
	default:
		l.flushTable()
	}
	return l.Flush()
}

func (l *listWriter) write(s string) {
	if l.err == nil {
		_, l.err = io.WriteString(l.w, s)
	}
}

func (l *listWriter) headers(f func(string) string) []string {
	var h []string
	for _, c := range l.columns {
		if !c.jsonOnly {
			h = append(h, f(strings.ReplaceAll(c.name, "_", " ")))
		}
	}
	return h
}

func (l *listWriter) texts(values []any) []string {
	var t []string
	for i, c := range l.columns {
		if !c.jsonOnly {
			t = append(t, fmt.Sprint(values[i]))
		}
	}
	return t
}

func (l *listWriter) flushTable() {
	if l.widths == nil {
		header := l.headers(strings.ToUpper)
		l.widths = make([]int, len(header))
		for _, row := range append([][]string{header}, l.pending...) {
			for i, cell := range row {
				l.widths[i] = max(l.widths[i], utf8.RuneCountInString(cell))
			}
		}
		l.write(tableLine(header, l.widths))
	}
	for _, row := range l.pending {
		l.write(tableLine(row, l.widths))
	}
	l.pending = l.pending[:0]
}

// tableLine pads every cell but the last to its column's width, with two
// spaces between columns.
func tableLine(cells []string, widths []int) string {
	var b strings.Builder
	for i, cell := range cells {
		if i > 0 {
			b.WriteString("  ")
		}
		b.WriteString(cell)
		if i < len(cells)-1 {
			b.WriteString(strings.Repeat(" ", max(0, widths[i]-utf8.RuneCountInString(cell))))
		}
	}
	b.WriteByte('\n')
	return b.String()
}

// tsvEscaper escapes what would break a tsv line. Backslashes stay as they
// are, so that raw:"\x00" literals can be pasted back; keys and values never
// render with a tab or a line break of their own, only locations might.
var tsvEscaper = strings.NewReplacer("\t", `\t`, "\n", `\n`, "\r", `\r`)

func tsvLine(cells []string) string {
	for i, c := range cells {
		cells[i] = tsvEscaper.Replace(c)
	}
	return strings.Join(cells, "\t") + "\n"
}

// jsonObject renders one object with the columns' names in order.
func jsonObject(columns []column, values []any) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, c := range columns {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(jsonValue(c.name))
		b.WriteByte(':')
		b.WriteString(jsonValue(values[i]))
	}
	b.WriteByte('}')
	return b.String()
}

func jsonValue(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Only values this package builds reach here: strings, numbers.
		panic(err)
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

// writeObject prints one record: a json object, a tsv header and row, or a
// two-column table of names and values.
func writeObject(w io.Writer, format outputFormat, columns []column, values ...any) error {
	var out string
	switch format {
	case formatJSON:
		out = jsonObject(columns, values) + "\n"
	case formatTSV:
		l := &listWriter{columns: columns}
		out = tsvLine(l.headers(strings.ToLower)) + tsvLine(l.texts(values))
	default:
		width := 0
		for _, c := range columns {
			width = max(width, len(c.name))
		}
		var b strings.Builder
		for i, c := range columns {
			if c.jsonOnly {
				continue
			}
			b.WriteString(tableLine([]string{strings.ReplaceAll(c.name, "_", " "), fmt.Sprint(values[i])}, []int{width}))
		}
		out = b.String()
	}
	_, err := io.WriteString(w, out)
	return err
}
