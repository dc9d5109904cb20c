package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"os"

	ucli "github.com/urfave/cli/v3"

	"github.com/strata-db/strata/layer"
)

const rawDescription = LiteralSyntax + `

Values: VALUE is stored as the bytes of the argument (its UTF-8 text).
  --value-literal      parse VALUE in the key syntax instead: a tuple
                       literal is packed, raw:"..." gives escaped bytes
  --value-file FILE    read the value from FILE (- for stdin)
Values print as text when they are printable UTF-8 that does not start with
raw:, else as raw:"..." with escapes; with --value-literal they print in the
key syntax (as tuples where they decode). json output adds key_base64 and
value_base64, the exact bytes.

Ranges: BEGIN is included and END excluded, compared as bytes; an END at or
past raw:"\xff" means the end of the user key space. --prefix KEY selects
every key that starts with KEY's bytes (KEY itself included); --prefix '()'
selects every key. Long scans run in several transactions of at most
10,000 rows or about a second each: each page reads one consistent
snapshot, the whole scan does not.`

// kvColumns are the columns of rows of keys and values.
var kvColumns = []column{
	{name: "key"}, {name: "key_base64", jsonOnly: true},
	{name: "value"}, {name: "value_base64", jsonOnly: true},
}

// valueColumns are the columns of one value.
var valueColumns = []column{{name: "value"}, {name: "value_base64", jsonOnly: true}}

func rawCommand() *ucli.Command {
	// Flags hold their parsed state, so each command gets its own.
	valueLiteral := func() ucli.Flag {
		return &ucli.BoolFlag{Name: "value-literal", Usage: "values in the key literal syntax (tuples, raw:\"...\")"}
	}
	prefix := func() ucli.Flag {
		return &ucli.StringFlag{Name: "prefix", Usage: "select every key starting with `KEY`'s bytes"}
	}
	return &ucli.Command{
		Name:        "raw",
		Usage:       "read and write keys and values directly",
		Description: rawDescription,
		Action:      groupAction,
		Commands: []*ucli.Command{
			{
				Name:      "get",
				Usage:     "print the value at a key (exit code 4 if there is none)",
				ArgsUsage: "KEY",
				Flags:     []ucli.Flag{valueLiteral()},
				Action:    rawGet,
			},
			{
				Name:      "set",
				Usage:     "write a value at a key",
				ArgsUsage: "KEY VALUE",
				Flags: []ucli.Flag{
					valueLiteral(),
					&ucli.StringFlag{Name: "value-file", Usage: "read the value from `FILE` (- for stdin)", TakesFile: true},
				},
				Action: rawSet,
			},
			{
				Name:      "clear",
				Usage:     "remove a key, a range (--range) or a prefix (--prefix)",
				ArgsUsage: "KEY | --range BEGIN END | --prefix KEY",
				Flags: []ucli.Flag{
					&ucli.BoolFlag{Name: "range", Usage: "remove the keys from BEGIN (included) to END (excluded)"},
					prefix(),
				},
				Action: rawClear,
			},
			{
				Name:      "clear-range",
				Usage:     "remove the keys from BEGIN (included) to END (excluded)",
				ArgsUsage: "BEGIN END",
				Action: func(ctx context.Context, cmd *ucli.Command) error {
					return clearRange(ctx, cmd)
				},
			},
			{
				Name:      "range",
				Usage:     "print the keys and values in a range",
				ArgsUsage: "BEGIN END | --prefix KEY",
				Flags: []ucli.Flag{
					prefix(),
					&ucli.IntFlag{Name: "limit", Usage: "print at most `N` rows (0: no limit)"},
					&ucli.BoolFlag{Name: "reverse", Usage: "print from the end of the range backward"},
					valueLiteral(),
				},
				Action: rawRange,
			},
			{
				Name:      "count",
				Usage:     "count the keys in a range",
				ArgsUsage: "BEGIN END | --prefix KEY",
				Flags:     []ucli.Flag{prefix()},
				Action:    rawCount,
			},
			rawExportCommand(),
			rawImportCommand(),
		},
	}
}

// keyArg parses a key argument that names one user key.
func keyArg(what, s string) ([]byte, error) {
	k, err := ParseKey(s)
	if err != nil {
		return nil, usageErrorf("%s: %v", what, err)
	}
	if len(k) > layer.MaxKeySize {
		return nil, usageErrorf("%s is %d bytes; keys are limited to %d bytes", what, len(k), layer.MaxKeySize)
	}
	if bytes.HasPrefix(k, layer.SystemKeyPrefix) {
		return nil, usageErrorf("%s %s is in the system key space (at or after raw:\"\\xff\")", what, FormatKey(k))
	}
	return k, nil
}

// rangeArgs reads a range from BEGIN END arguments or from --prefix.
func rangeArgs(cmd *ucli.Command) (layer.KeyRange, error) {
	if cmd.IsSet("prefix") {
		if _, err := args(cmd, 0, 0, "no arguments with --prefix"); err != nil {
			return layer.KeyRange{}, err
		}
		p, err := ParseKey(cmd.String("prefix"))
		if err != nil {
			return layer.KeyRange{}, usageErrorf("--prefix: %v", err)
		}
		if len(p) == 0 {
			return layer.KeyRange{Begin: []byte{}, End: layer.SystemKeyPrefix}, nil
		}
		if bytes.HasPrefix(p, layer.SystemKeyPrefix) {
			return layer.KeyRange{}, usageErrorf("--prefix %s is in the system key space (at or after raw:\"\\xff\")", FormatKey(p))
		}
		if len(p) > layer.MaxKeySize {
			return layer.KeyRange{}, usageErrorf("--prefix is %d bytes; keys are limited to %d bytes", len(p), layer.MaxKeySize)
		}
		return layer.PrefixRange(p)
	}
	a, err := args(cmd, 2, 2, "BEGIN END (or --prefix KEY)")
	if err != nil {
		return layer.KeyRange{}, err
	}
	begin, err := ParseKey(a[0])
	if err != nil {
		return layer.KeyRange{}, usageErrorf("BEGIN: %v", err)
	}
	end, err := ParseKey(a[1])
	if err != nil {
		return layer.KeyRange{}, usageErrorf("END: %v", err)
	}
	if bytes.Compare(end, layer.SystemKeyPrefix) > 0 {
		end = layer.SystemKeyPrefix
	}
	if bytes.HasPrefix(begin, layer.SystemKeyPrefix) {
		return layer.KeyRange{}, usageErrorf("BEGIN %s is in the system key space (at or after raw:\"\\xff\")", FormatKey(begin))
	}
	if bytes.Compare(begin, end) > 0 {
		return layer.KeyRange{}, usageErrorf("BEGIN %s sorts after END %s", FormatKey(begin), FormatKey(end))
	}
	for _, k := range [][]byte{begin, end} {
		if len(k) > layer.MaxKeySize {
			return layer.KeyRange{}, usageErrorf("a range bound is %d bytes; keys are limited to %d bytes", len(k), layer.MaxKeySize)
		}
	}
	return layer.KeyRange{Begin: begin, End: end}, nil
}

func renderValue(cmd *ucli.Command, v []byte) string {
	if cmd.Bool("value-literal") {
		return FormatKey(v)
	}
	return FormatValue(v)
}

func kvRow(cmd *ucli.Command, l *listWriter, key, value []byte) error {
	return l.Row(FormatKey(key), base64.StdEncoding.EncodeToString(key),
		renderValue(cmd, value), base64.StdEncoding.EncodeToString(value))
}

func rawGet(ctx context.Context, cmd *ucli.Command) (err error) {
	s, a, err := sessionArgs(cmd, 1, 1, "KEY")
	if err != nil {
		return err
	}
	key, err := keyArg("KEY", a[0])
	if err != nil {
		return err
	}
	if err := s.open(ctx); err != nil {
		return err
	}
	defer s.close(&err)
	v, err := readTx(ctx, s, func(tx layer.ReadTx) ([]byte, error) {
		return tx.Get(key).Get()
	})
	if err != nil {
		return err
	}
	if v == nil {
		return withCode(ExitNotFound, fmt.Errorf("no value at %s", FormatKey(key)))
	}
	l := newListWriter(s.stdout, s.format, kvColumns...)
	if err := kvRow(cmd, l, key, v); err != nil {
		return err
	}
	return l.Close()
}

func rawSet(ctx context.Context, cmd *ucli.Command) (err error) {
	s, err := newSession(cmd)
	if err != nil {
		return err
	}
	var a []string
	var value []byte
	if cmd.IsSet("value-file") {
		if cmd.Bool("value-literal") {
			return usageErrorf("--value-file and --value-literal exclude each other")
		}
		if a, err = args(cmd, 1, 1, "KEY (the value comes from --value-file)"); err != nil {
			return err
		}
		if value, err = readValueFile(s, cmd.String("value-file")); err != nil {
			return err
		}
	} else {
		if a, err = args(cmd, 2, 2, "KEY VALUE"); err != nil {
			return err
		}
		value = []byte(a[1])
		if cmd.Bool("value-literal") {
			if value, err = ParseKey(a[1]); err != nil {
				return usageErrorf("VALUE: %v", err)
			}
		}
		if len(value) > layer.MaxValueSize {
			return usageErrorf("VALUE is %d bytes; values are limited to %d bytes", len(value), layer.MaxValueSize)
		}
	}
	key, err := keyArg("KEY", a[0])
	if err != nil {
		return err
	}
	return rawWrite(ctx, s, func(tx layer.Tx) { tx.Set(key, value) })
}

// rawWrite opens the database and runs op in a write transaction.
func rawWrite(ctx context.Context, s *session, op func(tx layer.Tx)) (err error) {
	if err := s.open(ctx); err != nil {
		return err
	}
	defer s.close(&err)
	_, err = writeTx(ctx, s, func(tx layer.Tx) (struct{}, error) {
		op(tx)
		return struct{}{}, nil
	})
	return err
}

// readValueFile reads a value from a file or stdin, refusing one over the
// value size limit before anything is written.
func readValueFile(s *session, name string) ([]byte, error) {
	var r io.Reader = s.stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, usageErrorf("--value-file: %v", err)
		}
		defer f.Close()
		r = f
	}
	v, err := io.ReadAll(io.LimitReader(r, layer.MaxValueSize+1))
	if err != nil {
		return nil, fmt.Errorf("--value-file: %w", err)
	}
	if len(v) > layer.MaxValueSize {
		return nil, usageErrorf("--value-file %s holds more than %d bytes, the value size limit", name, layer.MaxValueSize)
	}
	return v, nil
}

func rawClear(ctx context.Context, cmd *ucli.Command) (err error) {
	if cmd.Bool("range") || cmd.IsSet("prefix") {
		if cmd.Bool("range") && cmd.IsSet("prefix") {
			return usageErrorf("--range and --prefix exclude each other")
		}
		return clearRange(ctx, cmd)
	}
	s, a, err := sessionArgs(cmd, 1, 1, "KEY (or --range BEGIN END, or --prefix KEY)")
	if err != nil {
		return err
	}
	key, err := keyArg("KEY", a[0])
	if err != nil {
		return err
	}
	return rawWrite(ctx, s, func(tx layer.Tx) { tx.Clear(key) })
}

func clearRange(ctx context.Context, cmd *ucli.Command) (err error) {
	s, err := newSession(cmd)
	if err != nil {
		return err
	}
	r, err := rangeArgs(cmd)
	if err != nil {
		return err
	}
	return rawWrite(ctx, s, func(tx layer.Tx) { tx.ClearRange(r) })
}

func rawRange(ctx context.Context, cmd *ucli.Command) (err error) {
	s, err := newSession(cmd)
	if err != nil {
		return err
	}
	r, err := rangeArgs(cmd)
	if err != nil {
		return err
	}
	limit, err := limitFlag(cmd)
	if err != nil {
		return err
	}
	if err := s.open(ctx); err != nil {
		return err
	}
	defer s.close(&err)
	l := newListWriter(s.stdout, s.format, kvColumns...)
	err = s.scan(ctx, r, limit, cmd.Bool("reverse"), func(kv layer.KeyValue) error {
		return kvRow(cmd, l, kv.Key, kv.Value)
	})
	if err != nil {
		l.Flush() // the rows printed before the failure
		return err
	}
	return l.Close()
}

func rawCount(ctx context.Context, cmd *ucli.Command) (err error) {
	s, err := newSession(cmd)
	if err != nil {
		return err
	}
	r, err := rangeArgs(cmd)
	if err != nil {
		return err
	}
	if err := s.open(ctx); err != nil {
		return err
	}
	defer s.close(&err)
	n, err := s.count(ctx, r)
	if err != nil {
		return err
	}
	return writeObject(s.stdout, s.format, []column{{name: "count"}}, n)
}
