package cli

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"strings"

	ucli "github.com/urfave/cli/v3"

	"github.com/strata-db/strata/layer"
)

// ExportFormat describes the file format of strata raw export, version 1.
// It is part of the command's interface: files written by one version of
// strata are read by later ones.
const ExportFormat = `Export format, version 1 (all integers big-endian):

  header   the 21 bytes "strata raw export v1\n", then the exported range:
           u32 length, BEGIN bytes, u32 length, END bytes
  record   one per key, in ascending key order: the byte 0x01, u32 key
           length, key bytes, u32 value length, value bytes
  trailer  the byte 0x00, u64 number of records, then the 32-byte SHA-256
           of every byte of the file before it (header, records, 0x00 and
           the count)

Nothing follows the trailer. Keys are unique, strictly ascending, inside
[BEGIN, END) and below "\xff"; keys are at most 10,000 bytes and values at
most 100,000 bytes. A file without its trailer is incomplete: its export
did not finish.`

const exportDescription = `export writes the keys and values of a range (BEGIN END, --prefix KEY, or
by default the whole user key space) to --out FILE, or to stdout when it is
not a terminal, in the binary format below. It reads in transactions of at
most 10,000 rows or about one second each, each continuing after the last
key of the one before: each transaction reads one consistent snapshot, the
whole export does not, so stop writers to the range for an exact copy.
--out is written to a temporary file renamed into place once complete.
With --out, it prints the number of rows, their bytes (keys and values)
and the file's SHA-256.

` + ExportFormat

const importDescription = `import writes the keys and values of a file made by "strata raw export"
(--in FILE, or stdin) into the database. It first reads the whole file and
verifies it (its structure, its record count and its SHA-256): a file that
is truncated or corrupt is refused with exit code 2 and nothing is written.
Then it writes the records in transactions of at most 5,000 rows or 1 MiB
of keys and values each. Import only sets keys: it never clears keys the
file does not hold (clear the range first for an exact copy), and running
it again with the same file gives the same result. If it fails midway, the
transactions that committed stay: run it again. It prints the number of
rows, their bytes, the transactions used and the file's SHA-256. Input from
a pipe is copied to a temporary file while it is verified.

--check verifies the file without opening a database, and prints its rows,
bytes, SHA-256 and range.

` + ExportFormat

// The file format's constants.
const (
	exportMagic   = "strata raw export v1\n"
	exportMagicV  = "strata raw export v" // any version
	tagRecord     = 0x01
	tagTrailer    = 0x00
	exportSumSize = sha256.Size
)

// An import writes in transactions bounded by these, well within
// FoundationDB's 10,000,000 bytes and five seconds. Tests lower them.
var (
	importBatchRows  = 5_000
	importBatchBytes = 1 << 20
)

func rawExportCommand() *ucli.Command {
	return &ucli.Command{
		Name:        "export",
		Usage:       "write the keys and values of a range to a file (see strata raw import)",
		ArgsUsage:   "[BEGIN END | --prefix KEY]",
		Description: exportDescription,
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "prefix", Usage: "export every key starting with `KEY`'s bytes"},
			&ucli.StringFlag{Name: "out", Usage: "write to `FILE` (- or absent: stdout, unless it is a terminal)", TakesFile: true},
		},
		Action: rawExport,
	}
}

func rawImportCommand() *ucli.Command {
	return &ucli.Command{
		Name:        "import",
		Usage:       "write the keys and values of a file made by strata raw export",
		Description: importDescription,
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "in", Usage: "read `FILE` (- or absent: stdin)", TakesFile: true},
			&ucli.BoolFlag{Name: "check", Usage: "verify the file only; open no database, write nothing"},
		},
		Action: rawImport,
	}
}

var (
	exportColumns = []column{{name: "rows"}, {name: "bytes"}, {name: "sha256"}, {name: "file"}}
	importColumns = []column{{name: "rows"}, {name: "bytes"}, {name: "transactions"}, {name: "sha256"}}
	checkColumns  = []column{{name: "rows"}, {name: "bytes"}, {name: "sha256"}, {name: "begin"}, {name: "end"}}
)

// exportWriter writes the export format.
type exportWriter struct {
	w     *bufio.Writer
	h     hash.Hash
	out   io.Writer // w and h
	rows  uint64
	bytes int64
	buf   [8]byte
}

func newExportWriter(w io.Writer, r layer.KeyRange) (*exportWriter, error) {
	e := &exportWriter{w: bufio.NewWriterSize(w, 256<<10), h: sha256.New()}
	e.out = io.MultiWriter(e.w, e.h)
	io.WriteString(e.out, exportMagic)
	e.bytesField(r.Begin)
	e.bytesField(r.End)
	return e, e.err()
}

// err reports a write error; bufio.Writer keeps the first.
func (e *exportWriter) err() error {
	if _, err := e.w.Write(nil); err != nil {
		return err
	}
	return nil
}

func (e *exportWriter) u32(n int) {
	binary.BigEndian.PutUint32(e.buf[:4], uint32(n))
	e.out.Write(e.buf[:4])
}

func (e *exportWriter) bytesField(b []byte) {
	e.u32(len(b))
	e.out.Write(b)
}

// add writes one record; keys must come in ascending order.
func (e *exportWriter) add(kv layer.KeyValue) error {
	e.out.Write([]byte{tagRecord})
	e.bytesField(kv.Key)
	e.bytesField(kv.Value)
	e.rows++
	e.bytes += int64(len(kv.Key) + len(kv.Value))
	return e.err()
}

// finish writes the trailer and flushes; it returns the file's SHA-256.
func (e *exportWriter) finish() (string, error) {
	e.out.Write([]byte{tagTrailer})
	binary.BigEndian.PutUint64(e.buf[:], e.rows)
	e.out.Write(e.buf[:])
	sum := e.h.Sum(nil)
	e.w.Write(sum)
	if err := e.w.Flush(); err != nil {
		return "", err
	}
	return hex.EncodeToString(sum), nil
}

// exportError is a file that is not a complete, intact export.
type exportError struct {
	offset int64
	msg    string
}

func (e *exportError) Error() string {
	return fmt.Sprintf("%s (at byte %d)", e.msg, e.offset)
}

// exportReader reads and verifies the export format.
type exportReader struct {
	r      *bufio.Reader
	h      hash.Hash
	rng    layer.KeyRange
	offset int64 // bytes consumed
	rows   uint64
	bytes  int64
	prev   []byte // the previous key
	sum    string // the verified SHA-256, once the trailer is read
	buf    [8]byte
}

func newExportReader(r io.Reader) (*exportReader, error) {
	e := &exportReader{r: bufio.NewReaderSize(r, 256<<10), h: sha256.New()}
	magic := make([]byte, len(exportMagic))
	n, err := io.ReadFull(e.r, magic)
	e.h.Write(magic[:n])
	e.offset += int64(n)
	switch {
	case string(magic[:n]) == exportMagic:
	case strings.HasPrefix(string(magic[:n]), exportMagicV) && err == nil:
		v, _, _ := strings.Cut(string(magic[len(exportMagicV):]), "\n")
		return nil, &exportError{0, fmt.Sprintf("unsupported export format version %q (this strata reads version 1)", v)}
	case err != nil && strings.HasPrefix(exportMagic, string(magic[:n])):
		return nil, e.truncated("the header")
	default:
		return nil, &exportError{0, `not a strata raw export file (it does not start with "strata raw export v1")`}
	}
	if e.rng.Begin, err = e.field("the range's BEGIN", layer.MaxKeySize); err != nil {
		return nil, err
	}
	if e.rng.End, err = e.field("the range's END", layer.MaxKeySize); err != nil {
		return nil, err
	}
	if bytes.Compare(e.rng.Begin, e.rng.End) > 0 || bytes.Compare(e.rng.End, layer.SystemKeyPrefix) > 0 {
		return nil, e.corrupt("the header's range is not a range of user keys")
	}
	return e, nil
}

func (e *exportReader) truncated(where string) error {
	return &exportError{e.offset, "truncated: the file ends inside " + where + "; the export did not finish, or the file was cut"}
}

func (e *exportReader) corrupt(msg string) error {
	return &exportError{e.offset, "corrupt: " + msg}
}

// read reads exactly len(b) bytes into b, hashing them.
func (e *exportReader) read(b []byte, what string) error {
	n, err := io.ReadFull(e.r, b)
	e.h.Write(b[:n])
	e.offset += int64(n)
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return e.truncated(what)
	}
	return err
}

// field reads a u32 length and that many bytes, refusing lengths over max.
func (e *exportReader) field(what string, max int) ([]byte, error) {
	if err := e.read(e.buf[:4], what); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(e.buf[:4])
	if n > uint32(max) {
		return nil, e.corrupt(fmt.Sprintf("%s is %d bytes long, over the %d-byte limit", what, n, max))
	}
	b := make([]byte, n)
	return b, e.read(b, what)
}

// next returns the next record; ok is false once the trailer has been read
// and verified (the record count, the SHA-256, nothing after it).
func (e *exportReader) next() (kv layer.KeyValue, ok bool, err error) {
	if e.sum != "" {
		return kv, false, nil
	}
	what := fmt.Sprintf("record %d", e.rows+1)
	if err := e.read(e.buf[:1], what+" or the trailer"); err != nil {
		return kv, false, err
	}
	switch e.buf[0] {
	case tagRecord:
	case tagTrailer:
		return kv, false, e.trailer()
	default:
		return kv, false, e.corrupt(fmt.Sprintf("byte 0x%02x where %s or the trailer should start", e.buf[0], what))
	}
	if kv.Key, err = e.field(what+"'s key", layer.MaxKeySize); err != nil {
		return kv, false, err
	}
	if kv.Value, err = e.field(what+"'s value", layer.MaxValueSize); err != nil {
		return kv, false, err
	}
	switch {
	case e.rows > 0 && bytes.Compare(kv.Key, e.prev) <= 0:
		return kv, false, e.corrupt(what + "'s key does not sort after the key before it")
	case bytes.Compare(kv.Key, e.rng.Begin) < 0 || bytes.Compare(kv.Key, e.rng.End) >= 0:
		return kv, false, e.corrupt(what + "'s key is outside the range of the header")
	}
	e.prev = kv.Key
	e.rows++
	e.bytes += int64(len(kv.Key) + len(kv.Value))
	return kv, true, nil
}

func (e *exportReader) trailer() error {
	if err := e.read(e.buf[:8], "the trailer"); err != nil {
		return err
	}
	count := binary.BigEndian.Uint64(e.buf[:8])
	want := e.h.Sum(nil)
	got := make([]byte, exportSumSize)
	n, err := io.ReadFull(e.r, got)
	e.offset += int64(n)
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return e.truncated("the trailer")
		}
		return err
	}
	if !bytes.Equal(got, want) {
		return &exportError{e.offset, fmt.Sprintf("corrupt: checksum mismatch: the file's contents hash to SHA-256 %x, its trailer says %x", want, got)}
	}
	if count != e.rows {
		return e.corrupt(fmt.Sprintf("the trailer counts %d records, the file holds %d", count, e.rows))
	}
	if _, err := e.r.ReadByte(); err == nil {
		return e.corrupt("data after the trailer")
	} else if !errors.Is(err, io.EOF) {
		return err
	}
	e.sum = hex.EncodeToString(got)
	return nil
}

func rawExport(ctx context.Context, cmd *ucli.Command) (err error) {
	s, err := newSession(cmd)
	if err != nil {
		return err
	}
	var r layer.KeyRange
	if cmd.NArg() == 0 && !cmd.IsSet("prefix") {
		r = layer.KeyRange{Begin: []byte{}, End: layer.SystemKeyPrefix}
	} else if r, err = rangeArgs(cmd); err != nil {
		return err
	}
	if r.Begin == nil {
		r.Begin = []byte{}
	}
	out := cmd.String("out")
	toStdout := out == "" || out == "-"
	var w io.Writer = s.stdout
	var tmp *outFile
	if toStdout {
		if isTerminal(s.stdout) {
			return usageErrorf("raw export: stdout is a terminal; give --out FILE or redirect stdout")
		}
	} else {
		if tmp, err = createOutFile(out); err != nil {
			return err
		}
		defer tmp.discard()
		w = tmp
	}
	if err := s.open(ctx); err != nil {
		return err
	}
	defer s.close(&err)

	p := newProgress(cmd.Root().ErrWriter, "exported", 0)
	defer p.done()
	ew, err := newExportWriter(w, r)
	if err != nil {
		return fmt.Errorf("raw export: %w", err)
	}
	err = s.scan(ctx, r, 0, false, func(kv layer.KeyValue) error {
		if err := ew.add(kv); err != nil {
			return fmt.Errorf("raw export: writing: %w", err)
		}
		p.tick(int64(ew.rows), ew.bytes)
		return nil
	})
	if err != nil {
		return err
	}
	sum, err := ew.finish()
	if err != nil {
		return fmt.Errorf("raw export: writing: %w", err)
	}
	p.done()
	if toStdout {
		return nil
	}
	if err := tmp.commit("raw export"); err != nil {
		return err
	}
	return writeObject(s.stdout, s.format, exportColumns, ew.rows, ew.bytes, sum, out)
}

// importInput is the file to import, readable twice: once to verify it,
// once to write it.
type importInput struct {
	name   string
	first  io.Reader     // the first reading
	file   *os.File      // read again from start
	start  int64         // where the data starts in file
	spool  *bufio.Writer // a pipe's copy in file, flushed before the second reading
	closer func() error  // closes what was opened
	remove func() error  // removes the spool file
}

// openImportInput opens --in. A regular file (also as stdin) is read twice;
// anything else (a pipe) is copied to a temporary file during the first
// reading, unless once says that one reading is enough.
func openImportInput(s *session, name string, once bool) (*importInput, error) {
	in := &importInput{name: name, remove: func() error { return nil }, closer: func() error { return nil }}
	var f *os.File
	if name == "" || name == "-" {
		in.name = "stdin"
		sf, ok := s.stdin.(*os.File)
		if !ok {
			if once {
				in.first = s.stdin
				return in, nil
			}
			return in.spoolFrom(s.stdin)
		}
		if isTerminal(sf) {
			return nil, usageErrorf("raw import: stdin is a terminal; give --in FILE or redirect stdin")
		}
		f = sf
	} else {
		var err error
		if f, err = os.Open(name); err != nil {
			return nil, usageErrorf("--in: %v", err)
		}
		in.closer = f.Close
	}
	fi, err := f.Stat()
	if err != nil {
		in.closer()
		return nil, fmt.Errorf("--in: %w", err)
	}
	switch {
	case once:
		in.first = f
		return in, nil
	case !fi.Mode().IsRegular():
		return in.spoolFrom(f)
	}
	if in.start, err = f.Seek(0, io.SeekCurrent); err != nil {
		in.closer()
		return nil, fmt.Errorf("--in: %w", err)
	}
	in.first, in.file = f, f
	return in, nil
}

// spoolFrom makes the first reading copy r to a temporary file.
func (in *importInput) spoolFrom(r io.Reader) (*importInput, error) {
	tmp, err := os.CreateTemp("", "strata-import-*")
	if err != nil {
		in.closer()
		return nil, fmt.Errorf("raw import: a temporary file for %s: %w", in.name, err)
	}
	closeIn := in.closer
	in.file = tmp
	in.spool = bufio.NewWriterSize(tmp, 256<<10)
	in.first = io.TeeReader(r, in.spool)
	in.closer = func() error { return errors.Join(tmp.Close(), closeIn()) }
	in.remove = func() error { return os.Remove(tmp.Name()) }
	return in, nil
}

// second returns the input again from its start.
func (in *importInput) second() (io.Reader, error) {
	if in.spool != nil {
		if err := in.spool.Flush(); err != nil {
			return nil, err
		}
	}
	if _, err := in.file.Seek(in.start, io.SeekStart); err != nil {
		return nil, err
	}
	return in.file, nil
}

func (in *importInput) close() {
	in.closer()
	in.remove()
}

// verifyExport reads a whole export and verifies it.
func verifyExport(r io.Reader, p *progress) (*exportReader, error) {
	er, err := newExportReader(r)
	if err != nil {
		return nil, err
	}
	for {
		_, ok, err := er.next()
		if err != nil {
			return nil, err
		}
		if !ok {
			return er, nil
		}
		p.tick(int64(er.rows), er.bytes)
	}
}

func rawImport(ctx context.Context, cmd *ucli.Command) (err error) {
	s, _, err := sessionArgs(cmd, 0, 0, "no arguments (the file is --in FILE, or stdin)")
	if err != nil {
		return err
	}
	in, err := openImportInput(s, cmd.String("in"), cmd.Bool("check"))
	if err != nil {
		return err
	}
	defer in.close()

	// First reading: verify everything before writing anything.
	p := newProgress(cmd.Root().ErrWriter, "verified", 0)
	defer p.done()
	checked, err := verifyExport(in.first, p)
	p.done()
	if err != nil {
		var fe *exportError
		if errors.As(err, &fe) {
			return usageErrorf("raw import: %s: %v; nothing was written", in.name, err)
		}
		return fmt.Errorf("raw import: reading %s: %w", in.name, err)
	}
	if cmd.Bool("check") {
		return writeObject(s.stdout, s.format, checkColumns, checked.rows, checked.bytes, checked.sum,
			FormatKey(checked.rng.Begin), FormatKey(checked.rng.End))
	}

	r, err := in.second()
	if err != nil {
		return fmt.Errorf("raw import: reading %s again: %w", in.name, err)
	}
	if err := s.open(ctx); err != nil {
		return err
	}
	defer s.close(&err)

	// Second reading: write in bounded transactions. The file is verified
	// again as it goes, in case it changed in between.
	changed := func(err error) error {
		return fmt.Errorf("raw import: %s changed after it was verified: %w", in.name, err)
	}
	er, err := newExportReader(r)
	if err != nil {
		return changed(err)
	}
	p = newProgress(cmd.Root().ErrWriter, "imported", int64(checked.rows))
	var (
		batch        []layer.KeyValue
		batchBytes   int
		transactions int64
		written      uint64
	)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		_, err := writeTx(ctx, s, func(tx layer.Tx) (struct{}, error) {
			for _, kv := range batch {
				tx.Set(kv.Key, kv.Value)
			}
			return struct{}{}, nil
		})
		if err != nil {
			if written > 0 {
				return fmt.Errorf("raw import: %w (the first %d of %d rows were written; importing again completes it)", err, written, checked.rows)
			}
			return err
		}
		transactions++
		written += uint64(len(batch))
		batch, batchBytes = batch[:0], 0
		p.tick(int64(written), 0)
		return nil
	}
	for {
		kv, ok, err := er.next()
		if err != nil {
			if written > 0 {
				return fmt.Errorf("%w (the first %d rows were written)", changed(err), written)
			}
			return changed(err)
		}
		if !ok {
			break
		}
		if len(batch) > 0 && (len(batch) >= importBatchRows || batchBytes+len(kv.Key)+len(kv.Value) > importBatchBytes) {
			if err := flush(); err != nil {
				return err
			}
		}
		batch = append(batch, kv)
		batchBytes += len(kv.Key) + len(kv.Value)
	}
	if er.sum != checked.sum {
		return changed(fmt.Errorf("its SHA-256 is now %s, it was %s", er.sum, checked.sum))
	}
	if err := flush(); err != nil {
		return err
	}
	p.done()
	return writeObject(s.stdout, s.format, importColumns, er.rows, er.bytes, transactions, er.sum)
}
