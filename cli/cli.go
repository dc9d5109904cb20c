package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	ucli "github.com/urfave/cli/v3"

	"github.com/strata-db/strata/layer"
)

// Exit codes of the strata command. They are part of its interface: scripts
// test them.
const (
	// ExitOK means success.
	ExitOK = 0
	// ExitFailure is any failure without a code of its own: a database
	// error, an I/O error.
	ExitFailure = 1
	// ExitUsage means the command line was wrong: an unknown command or
	// flag, a missing or extra argument, a malformed literal, a key or value
	// over FoundationDB's limits or in the system key space, no such store
	// (or, for create, one by that name already), a vector of the wrong
	// dimension, a malformed filter. Nothing was written (but for the
	// batches vector put --file committed before the bad one).
	ExitUsage = 2
	// ExitUnavailable means the database could not be opened: a directory
	// locked by another process, an unknown engine, a cluster out of reach.
	ExitUnavailable = 3
	// ExitNotFound means what a command reads or needs is absent: no value
	// at raw get's key, no such tuple for tuple get, no such blob for blob
	// get, stat or rm, no live value for kv get, hget, ttl or lease show or
	// for a kv condition that needs one (put --xx, cas, del --xx), no such
	// document for eav get, replace, delete-fields or delete, no such key
	// for vector get.
	ExitNotFound = 4
	// ExitTimeout means a transaction ran past --timeout, or kv watch past
	// --for.
	ExitTimeout = 5
	// ExitInterrupted means the command was interrupted (SIGINT).
	ExitInterrupted = 130
)

// DefaultDB is the database used when neither --db nor STRATA_DB is given:
// a directory in the working directory, opened with the embedded engine.
const DefaultDB = "strata-data"

const rootDescription = `strata reads and writes a strata database: the embedded engine in memory
(--db mem:) or in a directory (--db file:/path, or a plain path), or a
FoundationDB cluster (--db fdb: or fdb:/path/to/fdb.cluster, in builds with
-tags fdb).

Output goes to stdout as a table when it is a terminal and as tsv when it is
not; --output json gives one json array (or object) with the raw bytes of
keys and values in base64 too. Errors go to stderr as one line starting
with "strata: ".

Exit codes:
  0    success
  1    failure: a database or I/O error, a vn change conflict, a kv
       condition that fails on a present value (a version mismatch, put --nx
       on a live value, a lease held by another holder or lost), a vector
       index dropped while a command used it
  2    usage error: unknown command or flag, wrong arguments, malformed
       literal, key or value over the limits, no such store, search index,
       vector bucket or index (or, for create, one by that name already), a
       vector of the wrong dimension, a malformed vector, filter, metadata
       or index spec, vector train of an exact index; nothing was written
  3    database unavailable: locked by another process, unknown engine
  4    not found: raw get, tuple get, blob get, stat and rm, kv get, hget,
       ttl and lease show, kv conditions that need a value (put --xx, cas,
       del --xx), eav get, replace, delete-fields and delete, vector get
  5    timed out: a transaction ran past --timeout, or kv watch past --for
  130  interrupted`

// exitError carries an exit code with an error.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }
func (e *exitError) ExitCode() int { return e.code }

func withCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: code, err: err}
}

func usageErrorf(format string, args ...any) error {
	return &exitError{code: ExitUsage, err: fmt.Errorf(format, args...)}
}

// Run runs the strata command line with args (args[0] is the program name)
// and returns the process's exit code. Errors are printed to stderr as one
// line starting with "strata: ".
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	err := NewCommand(stdin, stdout, stderr).Run(ctx, args)
	if err == nil {
		return ExitOK
	}
	code := exitCode(ctx, err)
	msg := err.Error()
	switch code {
	case ExitTimeout:
		if !strings.Contains(msg, "timed out") {
			msg = "timed out (--timeout): " + msg
		}
	case ExitInterrupted:
		msg = "interrupted"
	}
	fmt.Fprintf(stderr, "strata: %s\n", oneLine(msg))
	return code
}

// exitCode picks the exit code for err.
func exitCode(ctx context.Context, err error) int {
	var fe layer.Error
	var ee *exitError
	var ue ucli.ExitCoder
	switch {
	case ctx.Err() != nil:
		// The caller's context ended (SIGINT): whatever failed, failed
		// because of that.
		return ExitInterrupted
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, layer.ErrTransactionTimedOut), errors.Is(err, layer.ErrTimedOut):
		return ExitTimeout
	case errors.As(err, &ee):
		return ee.code
	case errors.As(err, &fe):
		switch fe.Code {
		case 2004, 2005, 2102, 2103:
			// Key outside the legal range, inverted range, key or value too
			// large: the input was wrong.
			return ExitUsage
		}
		return ExitFailure
	case errors.As(err, &ue):
		// urfave/cli's own exit errors: "No help topic for ..." has code 3.
		if ue.ExitCode() == 3 {
			return ExitUsage
		}
		return max(ue.ExitCode(), ExitFailure)
	}
	return ExitFailure
}

func oneLine(s string) string {
	s = strings.TrimSpace(s)
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ; ")), " ")
}

// NewCommand builds the strata command tree. It reads from stdin (for
// --value-file -) and writes to stdout and stderr only, so tests run it in
// process with buffers. Its errors carry the exit codes above (see Run);
// it neither exits nor prints errors itself.
func NewCommand(stdin io.Reader, stdout, stderr io.Writer) *ucli.Command {
	root := &ucli.Command{
		Name:        "strata",
		Usage:       "query and administer a strata database",
		UsageText:   "strata [global options] command [command options] [arguments...]",
		Description: rootDescription,
		Reader:      stdin,
		Writer:      stdout,
		ErrWriter:   stderr,
		HideVersion: true,
		Flags: []ucli.Flag{
			&ucli.StringFlag{
				Name:    "db",
				Usage:   "database URL: mem:, file:/path or a path, fdb:[cluster file]",
				Value:   DefaultDB,
				Sources: ucli.EnvVars("STRATA_DB"),
			},
			&ucli.StringFlag{
				Name:        "output",
				Aliases:     []string{"o"},
				Usage:       "output format: table, json or tsv",
				DefaultText: "table on a terminal, else tsv",
			},
			&ucli.DurationFlag{
				Name:  "timeout",
				Usage: "cancel each transaction after this long (0: no timeout)",
			},
		},
		EnableShellCompletion: true,
		ConfigureShellCompletionCommand: func(c *ucli.Command) {
			c.Hidden = false
			setUsageErrorHandler(c)
		},
		ExitErrHandler: func(context.Context, *ucli.Command, error) {},
		Action:         groupAction,
		Commands: []*ucli.Command{
			rawCommand(),
			tupleCommand(),
			vnCommand(),
			blobCommand(),
			kvCommand(),
			eavCommand(),
			searchCommand(),
			vectorCommand(),
			statusCommand(),
			importCommand(),
			demoCommand(),
		},
	}
	setUsageErrorHandler(root)
	return root
}

// groupAction runs for a command that has subcommands when no subcommand
// matched: it prints help, or fails for an unknown subcommand.
func groupAction(ctx context.Context, cmd *ucli.Command) error {
	if cmd.NArg() > 0 {
		return usageErrorf("unknown command %q for %q; see %s --help", cmd.Args().First(), cmd.FullName(), cmd.FullName())
	}
	if cmd.Root() == cmd {
		return ucli.ShowRootCommandHelp(cmd)
	}
	return ucli.ShowSubcommandHelp(cmd)
}

// setUsageErrorHandler makes urfave/cli report usage errors (unknown flags,
// bad flag values) as our one-line error with ExitUsage, instead of
// printing the help.
func setUsageErrorHandler(cmd *ucli.Command) {
	cmd.OnUsageError = func(_ context.Context, c *ucli.Command, err error, _ bool) error {
		if c.Root() == c {
			return usageErrorf("%v", err)
		}
		return usageErrorf("%s: %v", commandPath(c), err)
	}
	for _, sub := range cmd.Commands {
		setUsageErrorHandler(sub)
	}
}

// session is what an action needs: the global flags, resolved, and the
// output streams.
type session struct {
	cmd     *ucli.Command
	url     string
	format  outputFormat
	timeout time.Duration
	stdout  io.Writer
	stdin   io.Reader
	db      layer.DB
}

// newSession reads the global flags; it opens nothing.
func newSession(cmd *ucli.Command) (*session, error) {
	root := cmd.Root()
	s := &session{
		cmd:     cmd,
		url:     cmd.String("db"),
		timeout: cmd.Duration("timeout"),
		stdout:  root.Writer,
		stdin:   root.Reader,
	}
	switch f := outputFormat(cmd.String("output")); f {
	case "":
		s.format = formatTSV
		if isTerminal(s.stdout) {
			s.format = formatTable
		}
	case formatTable, formatJSON, formatTSV:
		s.format = f
	default:
		return nil, usageErrorf("--output %q: want table, json or tsv", f)
	}
	if s.timeout < 0 {
		return nil, usageErrorf("--timeout %v: want a positive duration", s.timeout)
	}
	if s.url == "" {
		return nil, usageErrorf("--db is empty")
	}
	return s, nil
}

// open opens the database; call it after validating every argument, so that
// bad input opens (and creates) nothing.
func (s *session) open(ctx context.Context) error {
	db, err := layer.Open(ctx, s.url)
	if err != nil {
		return withCode(ExitUnavailable, err)
	}
	s.db = db
	return nil
}

func (s *session) close(err *error) {
	if s.db == nil {
		return
	}
	if cerr := s.db.Close(); cerr != nil && *err == nil {
		*err = cerr
	}
}

// txContext bounds one transaction by --timeout.
func (s *session) txContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if s.timeout > 0 {
		return context.WithTimeout(ctx, s.timeout)
	}
	return context.WithCancel(ctx)
}

// setTimeout sets --timeout as the transaction's own timeout option, so that
// the engine (FoundationDB's client, say) enforces it too.
func (s *session) setTimeout(tx any) error {
	if s.timeout <= 0 {
		return nil
	}
	if t, ok := tx.(interface{ SetTimeout(time.Duration) error }); ok {
		return t.SetTimeout(s.timeout)
	}
	return nil
}

// readTx runs fn in a read-only transaction bounded by --timeout.
func readTx[T any](ctx context.Context, s *session, fn func(tx layer.ReadTx) (T, error)) (T, error) {
	ctx, cancel := s.txContext(ctx)
	defer cancel()
	return layer.ReadTransact(ctx, s.db, func(tx layer.ReadTx) (T, error) {
		if err := s.setTimeout(tx); err != nil {
			var zero T
			return zero, err
		}
		return fn(tx)
	})
}

// writeTx runs fn in a read-write transaction bounded by --timeout.
func writeTx[T any](ctx context.Context, s *session, fn func(tx layer.Tx) (T, error)) (T, error) {
	ctx, cancel := s.txContext(ctx)
	defer cancel()
	return layer.Transact(ctx, s.db, func(tx layer.Tx) (T, error) {
		if err := s.setTimeout(tx); err != nil {
			var zero T
			return zero, err
		}
		return fn(tx)
	})
}

// isTerminal reports whether w is a character device, such as a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// commandPath names a subcommand without the program's name: "raw get".
func commandPath(cmd *ucli.Command) string {
	return strings.TrimPrefix(cmd.FullName(), cmd.Root().Name+" ")
}

// sessionArgs reads the global flags (newSession) and then checks the
// argument count (args), as every action starts.
func sessionArgs(cmd *ucli.Command, minN, maxN int, names string) (*session, []string, error) {
	s, err := newSession(cmd)
	if err != nil {
		return nil, nil, err
	}
	a, err := args(cmd, minN, maxN, names)
	if err != nil {
		return nil, nil, err
	}
	return s, a, nil
}

// args checks that cmd got between min and max positional arguments.
func args(cmd *ucli.Command, minN, maxN int, names string) ([]string, error) {
	a := cmd.Args().Slice()
	if len(a) < minN || len(a) > maxN {
		return nil, usageErrorf("%s: want %s, got %d argument(s); see %s --help", commandPath(cmd), names, len(a), cmd.FullName())
	}
	return a, nil
}

// limitFlag reads --limit: 0 (no limit) or more.
func limitFlag(cmd *ucli.Command) (int, error) {
	limit := cmd.Int("limit")
	if limit < 0 {
		return 0, usageErrorf("--limit %d: want 0 (no limit) or more", limit)
	}
	return limit, nil
}

// timeoutDB gives every transaction of a DB the --timeout option, for the
// layer functions that run their own transactions (a blob Writer, Reader
// or GC, an eav job).
type timeoutDB struct {
	layer.DB
	d time.Duration
}

func (t timeoutDB) CreateTransaction() (layer.Tx, error) {
	tx, err := t.DB.CreateTransaction()
	if err == nil && t.d > 0 {
		if err = tx.SetTimeout(t.d); err != nil {
			tx.Cancel()
			return nil, err
		}
	}
	return tx, err
}

// ownTxDB is the session's DB for layer functions that run their own
// transactions: each of them gets --timeout.
func (s *session) ownTxDB() layer.DB {
	if s.timeout > 0 {
		return timeoutDB{s.db, s.timeout}
	}
	return s.db
}

// outFile stands in for the file --out names until it is complete: it is a
// temporary file next to it, renamed into place by commit, so that a
// failed command leaves no file behind that looks like its output.
type outFile struct {
	*os.File
	out  string
	done bool
}

func createOutFile(out string) (*outFile, error) {
	f, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".tmp-*")
	if err != nil {
		return nil, usageErrorf("--out: %v", err)
	}
	return &outFile{File: f, out: out}, nil
}

// discard removes the temporary file, unless commit renamed it.
func (f *outFile) discard() {
	if !f.done {
		f.Close()
		os.Remove(f.Name())
	}
}

// commit syncs the temporary file and renames it into place; what names
// the command in errors.
func (f *outFile) commit(what string) error {
	if err := f.Sync(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if err := os.Rename(f.Name(), f.out); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	f.done = true
	return nil
}
