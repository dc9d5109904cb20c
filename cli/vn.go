package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	ucli "github.com/urfave/cli/v3"

	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/subspace"
	"github.com/strata-db/strata/layer/tuple"
	"github.com/strata-db/strata/tuplestore"
	"github.com/strata-db/strata/vnstore"
)

const vnDescription = `A versioned tuple store holds tuples of a fixed number of items, changed
only by applying changes, and keeps their history: every state since the
first change stays readable. Stores are registered by name in the database,
under ("strata", "catalog"); create keeps a store's keys under
("strata", "vn", STORE) unless --prefix gives another prefix.

A change is created, edited (add, remove) in as many commands as needed,
then applied or abandoned. Until it is applied only reads that ask for it
(--pending CHANGE) see it. Applying takes the version of its transaction,
so the history is in commit order; it fails with a conflict (exit code 1,
"vnstore: conflict: ...") if another change applied since touched a tuple
the change edits, and then "change rebase" moves the change onto the latest
state, to review (change show, query --pending) and apply again:
  id=$(strata -o tsv vn change create blog --message "retitle" | tail -n 1)
  strata vn add blog $id '"post1" "title" "Hello"'
  strata vn remove blog $id '"post1" "title" "Draft"'
  strata vn change apply blog $id
  strata vn query blog '?p "title" ?t'
  strata vn query blog --as-of $id '?p "title" ?t'
  strata vn history blog '"post1" "title" "Draft"'

Adding an alive tuple, or removing a dead one, changes nothing (add and
remove print changed false); removing a tuple the change adds drops the
addition. A change is applied in one transaction, so it holds at most
10,000 tuples and about 9 MB of keys; add refuses more.

Items and patterns are written as for "strata tuple": items are tuple
literals, '"post1" "title" "Hello"'; patterns have variables ?name and ?,
'?s "title" ?t', and several patterns are joined. query reads long results
in several transactions (each page of the latest state or of a pending
change at its own version; the state as of a change does not move).
CHANGE is a change id as printed by change create and change list.

` + LiteralSyntax

// vnRegistry is where the command line registers its versioned stores.
var vnRegistry = vnstore.DefaultRegistry

func vnCommand() *ucli.Command {
	asOf := func() ucli.Flag {
		return &ucli.StringFlag{Name: "as-of", Usage: "read the state just after the applied change `CHANGE`"}
	}
	pending := func() ucli.Flag {
		return &ucli.StringFlag{Name: "pending", Usage: "read the latest state with the pending change `CHANGE` on top"}
	}
	return &ucli.Command{
		Name:        "vn",
		Usage:       "versioned tuple stores with change sets and history (found's vnstore)",
		Description: vnDescription,
		Action:      groupAction,
		Commands: []*ucli.Command{
			{
				Name:      "create",
				Usage:     "register a versioned store of N columns",
				ArgsUsage: "STORE (--columns NAME,... | --n N)",
				Flags: []ucli.Flag{
					&ucli.StringFlag{Name: "columns", Usage: "the column names, comma-separated (their number is N)"},
					&ucli.IntFlag{Name: "n", Usage: fmt.Sprintf("the number of columns, 1 to %d", vnstore.MaxColumns)},
					&ucli.StringFlag{Name: "prefix", Usage: "keep the store's keys under `KEY` (default (\"strata\", \"vn\", STORE))"},
				},
				Action: vnCreate,
			},
			{
				Name:   "ls",
				Usage:  "list the versioned stores",
				Action: vnList,
			},
			{
				Name:      "drop",
				Usage:     "remove a versioned store, its history and its changes",
				ArgsUsage: "STORE",
				Action:    vnDrop,
			},
			{
				Name:   "change",
				Usage:  "create, describe, apply or abandon changes",
				Action: groupAction,
				Commands: []*ucli.Command{
					{
						Name:      "create",
						Usage:     "create a pending change and print its id",
						ArgsUsage: "STORE",
						Flags:     []ucli.Flag{&ucli.StringFlag{Name: "message", Aliases: []string{"m"}, Usage: "the change's `MESSAGE`"}},
						Action:    vnChangeCreate,
					},
					{
						Name:      "message",
						Usage:     "replace the message of a pending change",
						ArgsUsage: "STORE CHANGE MESSAGE",
						Action:    vnChangeMessage,
					},
					{
						Name:      "apply",
						Usage:     "apply a pending change and print its version",
						ArgsUsage: "STORE CHANGE",
						Action:    vnChangeApply,
					},
					{
						Name:      "abandon",
						Usage:     "abandon a pending change",
						ArgsUsage: "STORE CHANGE",
						Action:    vnChangeAbandon,
					},
					{
						Name:      "rebase",
						Usage:     "move a pending change onto the latest state; print the conflicts it resolved",
						ArgsUsage: "STORE CHANGE",
						Action:    vnChangeRebase,
					},
					{
						Name:      "list",
						Usage:     "list the changes: applied ones in apply order, then the others",
						ArgsUsage: "STORE",
						Action:    vnChangeList,
					},
					{
						Name:      "show",
						Usage:     "print the tuples a change adds and removes",
						ArgsUsage: "STORE CHANGE",
						Action:    vnChangeShow,
					},
				},
			},
			{
				Name:      "add",
				Usage:     "make a pending change add a tuple",
				ArgsUsage: "STORE CHANGE ITEM...",
				Action:    func(ctx context.Context, cmd *ucli.Command) error { return vnEdit(ctx, cmd, vnstore.Add) },
			},
			{
				Name:      "remove",
				Usage:     "make a pending change remove a tuple",
				ArgsUsage: "STORE CHANGE ITEM...",
				Action:    func(ctx context.Context, cmd *ucli.Command) error { return vnEdit(ctx, cmd, vnstore.Remove) },
			},
			{
				Name:      "ask",
				Usage:     "print whether a tuple is alive",
				ArgsUsage: "STORE ITEM...",
				Flags:     []ucli.Flag{asOf(), pending()},
				Action:    vnAsk,
			},
			{
				Name:      "query",
				Usage:     "print the matches of patterns",
				ArgsUsage: "STORE PATTERN...",
				Flags: []ucli.Flag{
					asOf(), pending(),
					&ucli.IntFlag{Name: "limit", Usage: "print at most `N` matches (0: no limit)"},
				},
				Action: vnQuery,
			},
			{
				Name:      "history",
				Usage:     "print the changes that added and removed a tuple, in apply order",
				ArgsUsage: "STORE ITEM...",
				Flags:     []ucli.Flag{asOf()},
				Action:    vnHistory,
			},
		},
	}
}

// vnError gives the layers' input errors the usage exit code.
func vnError(err error) error {
	for _, e := range []error{
		vnstore.ErrColumns, vnstore.ErrNoChange, vnstore.ErrApplied, vnstore.ErrAbandoned,
		vnstore.ErrNotApplied, vnstore.ErrNotPending, vnstore.ErrChangeTooLarge, vnstore.ErrMessageTooLarge,
		vnstore.ErrOptions, vnstore.ErrChangeID, vnstore.ErrNoStore, vnstore.ErrStoreExists, vnstore.ErrSpec,
	} {
		if errors.Is(err, e) {
			return withCode(ExitUsage, err)
		}
	}
	return storeError(err)
}

// openVN reads the store's registration.
func openVN(tx layer.ReadTx, name string) (*vnstore.Store, error) {
	s, err := vnstore.Open(tx, vnRegistry, name)
	if err != nil {
		return nil, vnError(err)
	}
	return s, nil
}

// parseChange reads a CHANGE argument or flag.
func parseChange(what, s string) (vnstore.ChangeID, error) {
	id, err := vnstore.ParseChangeID(s)
	if err != nil {
		return id, usageErrorf("%s: %v", what, err)
	}
	return id, nil
}

// parseItems reads ITEM arguments into one tuple.
func parseItems(a []string) ([]any, error) {
	var items []any
	for i, arg := range a {
		p, err := ParsePattern(arg)
		if err != nil {
			return nil, usageErrorf("ITEM %d: %v", i+1, err)
		}
		for _, x := range p {
			if _, ok := x.(tuplestore.Var); ok {
				return nil, usageErrorf("ITEM %d: %s: a tuple holds values, not variables", i+1, arg)
			}
		}
		items = append(items, p...)
	}
	return items, nil
}

// readOptions reads --as-of and --pending.
func readOptions(cmd *ucli.Command) (vnstore.QueryOptions, error) {
	var o vnstore.QueryOptions
	var err error
	if cmd.IsSet("as-of") {
		if o.AsOf, err = parseChange("--as-of", cmd.String("as-of")); err != nil {
			return o, err
		}
	}
	if cmd.IsSet("pending") {
		if o.Pending, err = parseChange("--pending", cmd.String("pending")); err != nil {
			return o, err
		}
		if cmd.IsSet("as-of") {
			return o, usageErrorf("--as-of and --pending exclude each other")
		}
	}
	return o, nil
}

func vnCreate(ctx context.Context, cmd *ucli.Command) (err error) {
	s, err := newSession(cmd)
	if err != nil {
		return err
	}
	a, err := args(cmd, 1, 1, "STORE")
	if err != nil {
		return err
	}
	name := a[0]
	spec := vnstore.Spec{N: cmd.Int("n")}
	if cmd.IsSet("columns") {
		for _, c := range strings.Split(cmd.String("columns"), ",") {
			c = strings.TrimSpace(c)
			if c == "" {
				return usageErrorf("--columns %q: empty column name", cmd.String("columns"))
			}
			spec.Columns = append(spec.Columns, c)
		}
		if cmd.IsSet("n") && spec.N != len(spec.Columns) {
			return usageErrorf("--n %d but --columns names %d columns", spec.N, len(spec.Columns))
		}
	} else if !cmd.IsSet("n") {
		return usageErrorf("vn create: give --columns NAME,... or --n N")
	}
	if n := max(spec.N, len(spec.Columns)); n < 1 || n > vnstore.MaxColumns {
		return usageErrorf("%d columns: want 1 to %d", n, vnstore.MaxColumns)
	}
	if cmd.IsSet("prefix") {
		p, err := ParseKey(cmd.String("prefix"))
		if err != nil {
			return usageErrorf("--prefix: %v", err)
		}
		if len(p) == 0 || p[0] == 0xff {
			return usageErrorf("--prefix %s: want a non-empty prefix outside the system key space", FormatKey(p))
		}
		spec.Subspace = subspace.New(p)
	} else {
		spec.Subspace = subspace.FromTuple(tuple.Tuple{"strata", "vn", name})
	}
	if err := s.open(ctx); err != nil {
		return err
	}
	defer s.close(&err)
	_, err = writeTx(ctx, s, func(tx layer.Tx) (*vnstore.Store, error) {
		return vnstore.Create(tx, vnRegistry, name, spec)
	})
	return vnError(err)
}

func vnList(ctx context.Context, cmd *ucli.Command) (err error) {
	s, err := newSession(cmd)
	if err != nil {
		return err
	}
	if _, err := args(cmd, 0, 0, "no arguments"); err != nil {
		return err
	}
	if err := s.open(ctx); err != nil {
		return err
	}
	defer s.close(&err)
	stores, err := readTx(ctx, s, func(tx layer.ReadTx) ([]*vnstore.Store, error) {
		return vnstore.List(tx, vnRegistry)
	})
	if err != nil {
		return err
	}
	l := newListWriter(s.stdout, s.format, tupleListColumns...)
	for _, st := range stores {
		if err := l.Row(st.Name(), st.Columns(), strings.Join(st.ColumnNames(), ","), FormatKey(st.Subspace().Bytes())); err != nil {
			return err
		}
	}
	return l.Close()
}

func vnDrop(ctx context.Context, cmd *ucli.Command) (err error) {
	s, err := newSession(cmd)
	if err != nil {
		return err
	}
	a, err := args(cmd, 1, 1, "STORE")
	if err != nil {
		return err
	}
	if err := s.open(ctx); err != nil {
		return err
	}
	defer s.close(&err)
	_, err = writeTx(ctx, s, func(tx layer.Tx) (struct{}, error) {
		return struct{}{}, vnstore.Drop(tx, vnRegistry, a[0])
	})
	return vnError(err)
}

func vnChangeCreate(ctx context.Context, cmd *ucli.Command) (err error) {
	s, err := newSession(cmd)
	if err != nil {
		return err
	}
	a, err := args(cmd, 1, 1, "STORE")
	if err != nil {
		return err
	}
	msg := cmd.String("message")
	if len(msg) > vnstore.MaxMessageSize {
		return usageErrorf("--message is %d bytes; messages are limited to %d bytes", len(msg), vnstore.MaxMessageSize)
	}
	if err := s.open(ctx); err != nil {
		return err
	}
	defer s.close(&err)
	id, err := writeTx(ctx, s, func(tx layer.Tx) (vnstore.ChangeID, error) {
		st, err := openVN(tx, a[0])
		if err != nil {
			return vnstore.ChangeID{}, err
		}
		id, err := st.CreateChange(tx)
		if err == nil && msg != "" {
			err = st.Message(tx, id, msg)
		}
		return id, vnError(err)
	})
	if err != nil {
		return err
	}
	return writeObject(s.stdout, s.format, []column{{name: "change"}}, id.String())
}

// changeArgs reads STORE CHANGE and the extra arguments.
func changeArgs(cmd *ucli.Command, extra int, names string) (string, vnstore.ChangeID, []string, error) {
	a, err := args(cmd, 2+extra, 2+extra, names)
	if err != nil {
		return "", vnstore.ChangeID{}, nil, err
	}
	id, err := parseChange("CHANGE", a[1])
	return a[0], id, a[2:], err
}

// vnChangeDo runs fn on the store and change given as STORE CHANGE, in a
// write transaction.
func vnChangeDo[T any](ctx context.Context, cmd *ucli.Command, extra int, names string,
	fn func(tx layer.Tx, st *vnstore.Store, id vnstore.ChangeID, rest []string) (T, error),
) (s *session, v T, err error) {
	s, err = newSession(cmd)
	if err != nil {
		return nil, v, err
	}
	name, id, rest, err := changeArgs(cmd, extra, names)
	if err != nil {
		return nil, v, err
	}
	if err := s.open(ctx); err != nil {
		return nil, v, err
	}
	defer s.close(&err)
	v, err = writeTx(ctx, s, func(tx layer.Tx) (T, error) {
		st, err := openVN(tx, name)
		if err != nil {
			var zero T
			return zero, err
		}
		v, err := fn(tx, st, id, rest)
		return v, vnError(err)
	})
	return s, v, err
}

func vnChangeMessage(ctx context.Context, cmd *ucli.Command) error {
	if a := cmd.Args().Slice(); len(a) == 3 && len(a[2]) > vnstore.MaxMessageSize {
		return usageErrorf("MESSAGE is %d bytes; messages are limited to %d bytes", len(a[2]), vnstore.MaxMessageSize)
	}
	_, _, err := vnChangeDo(ctx, cmd, 1, "STORE CHANGE MESSAGE", func(tx layer.Tx, st *vnstore.Store, id vnstore.ChangeID, rest []string) (struct{}, error) {
		return struct{}{}, st.Message(tx, id, rest[0])
	})
	return err
}

func vnChangeApply(ctx context.Context, cmd *ucli.Command) error {
	s, stamp, err := vnChangeDo(ctx, cmd, 0, "STORE CHANGE", func(tx layer.Tx, st *vnstore.Store, id vnstore.ChangeID, _ []string) (layer.Future[[]byte], error) {
		return tx.GetVersionstamp(), st.Apply(tx, id)
	})
	if err != nil {
		return err
	}
	v, err := stamp.Get()
	if err != nil {
		return err
	}
	return writeObject(s.stdout, s.format, []column{{name: "version"}}, formatItem(tuple.Versionstamp{TransactionVersion: [10]byte(v)}))
}

func vnChangeAbandon(ctx context.Context, cmd *ucli.Command) error {
	_, _, err := vnChangeDo(ctx, cmd, 0, "STORE CHANGE", func(tx layer.Tx, st *vnstore.Store, id vnstore.ChangeID, _ []string) (struct{}, error) {
		return struct{}{}, st.Abandon(tx, id)
	})
	return err
}

var vnConflictColumns = []column{{name: "op"}, {name: "tuple"}, {name: "by"}, {name: "version"}}

func vnChangeRebase(ctx context.Context, cmd *ucli.Command) error {
	s, cs, err := vnChangeDo(ctx, cmd, 0, "STORE CHANGE", func(tx layer.Tx, st *vnstore.Store, id vnstore.ChangeID, _ []string) ([]vnstore.Conflict, error) {
		return st.Rebase(tx, id)
	})
	if err != nil {
		return err
	}
	l := newListWriter(s.stdout, s.format, vnConflictColumns...)
	for _, c := range cs {
		if err := l.Row(c.Op.String(), FormatTuple(c.Tuple), c.By.String(), formatItem(c.Version)); err != nil {
			return err
		}
	}
	return l.Close()
}

var vnChangeColumns = []column{{name: "change"}, {name: "state"}, {name: "version"}, {name: "tuples"}, {name: "message"}}

func vnChangeList(ctx context.Context, cmd *ucli.Command) (err error) {
	s, err := newSession(cmd)
	if err != nil {
		return err
	}
	a, err := args(cmd, 1, 1, "STORE")
	if err != nil {
		return err
	}
	if err := s.open(ctx); err != nil {
		return err
	}
	defer s.close(&err)
	changes, err := readTx(ctx, s, func(tx layer.ReadTx) ([]vnstore.Change, error) {
		st, err := openVN(tx, a[0])
		if err != nil {
			return nil, err
		}
		return st.Changes(tx.Snapshot())
	})
	if err != nil {
		return err
	}
	l := newListWriter(s.stdout, s.format, vnChangeColumns...)
	for _, c := range changes {
		version := ""
		if c.State == vnstore.Applied {
			version = formatItem(c.Version)
		}
		if err := l.Row(c.ID.String(), c.State.String(), version, c.Tuples, oneLine(c.Message)); err != nil {
			return err
		}
	}
	return l.Close()
}

var vnEditColumns = []column{{name: "op"}, {name: "tuple"}, {name: "base"}}

func vnChangeShow(ctx context.Context, cmd *ucli.Command) (err error) {
	s, err := newSession(cmd)
	if err != nil {
		return err
	}
	name, id, _, err := changeArgs(cmd, 0, "STORE CHANGE")
	if err != nil {
		return err
	}
	if err := s.open(ctx); err != nil {
		return err
	}
	defer s.close(&err)
	edits, err := readTx(ctx, s, func(tx layer.ReadTx) ([]vnstore.Edit, error) {
		st, err := openVN(tx, name)
		if err != nil {
			return nil, err
		}
		_, es, err := st.Show(tx.Snapshot(), id)
		return es, vnError(err)
	})
	if err != nil {
		return err
	}
	l := newListWriter(s.stdout, s.format, vnEditColumns...)
	for _, e := range edits {
		if err := l.Row(e.Op.String(), FormatTuple(e.Tuple), e.Base); err != nil {
			return err
		}
	}
	return l.Close()
}

func vnEdit(ctx context.Context, cmd *ucli.Command, op vnstore.Op) error {
	a := cmd.Args().Slice()
	if len(a) < 3 {
		return usageErrorf("%s: want STORE CHANGE ITEM..., got %d argument(s); see %s --help", commandPath(cmd), len(a), cmd.FullName())
	}
	items, err := parseItems(a[2:])
	if err != nil {
		return err
	}
	s, changed, err := vnChangeDo(ctx, cmd, len(a)-2, "STORE CHANGE ITEM...", func(tx layer.Tx, st *vnstore.Store, id vnstore.ChangeID, _ []string) (bool, error) {
		if op == vnstore.Add {
			return st.Add(tx, id, items)
		}
		return st.Remove(tx, id, items)
	})
	if err != nil {
		return err
	}
	return writeObject(s.stdout, s.format, []column{{name: "changed"}}, changed)
}

func vnAsk(ctx context.Context, cmd *ucli.Command) (err error) {
	s, err := newSession(cmd)
	if err != nil {
		return err
	}
	a := cmd.Args().Slice()
	if len(a) < 2 {
		return usageErrorf("%s: want STORE ITEM..., got %d argument(s); see %s --help", commandPath(cmd), len(a), cmd.FullName())
	}
	items, err := parseItems(a[1:])
	if err != nil {
		return err
	}
	opts, err := readOptions(cmd)
	if err != nil {
		return err
	}
	if err := s.open(ctx); err != nil {
		return err
	}
	defer s.close(&err)
	alive, err := readTx(ctx, s, func(tx layer.ReadTx) (bool, error) {
		st, err := openVN(tx, a[0])
		if err != nil {
			return false, err
		}
		ok, err := st.Ask(tx.Snapshot(), items, opts)
		return ok, vnError(err)
	})
	if err != nil {
		return err
	}
	return writeObject(s.stdout, s.format, []column{{name: "alive"}}, alive)
}

func vnQuery(ctx context.Context, cmd *ucli.Command) (err error) {
	s, err := newSession(cmd)
	if err != nil {
		return err
	}
	a := cmd.Args().Slice()
	if len(a) < 2 {
		return usageErrorf("%s: want STORE PATTERN..., got %d argument(s); see %s --help", commandPath(cmd), len(a), cmd.FullName())
	}
	name := a[0]
	var patterns []tuplestore.Pattern
	for i, arg := range a[1:] {
		p, err := ParsePattern(arg)
		if err != nil {
			return usageErrorf("PATTERN %d: %v", i+1, err)
		}
		patterns = append(patterns, p)
	}
	limit := cmd.Int("limit")
	if limit < 0 {
		return usageErrorf("--limit %d: want 0 (no limit) or more", limit)
	}
	opts, err := readOptions(cmd)
	if err != nil {
		return err
	}
	vars := tuplestore.Vars(patterns...)
	if err := s.open(ctx); err != nil {
		return err
	}
	defer s.close(&err)
	var l *listWriter
	if len(vars) > 0 {
		cols := make([]column, len(vars))
		for i, v := range vars {
			cols[i] = column{name: string(v)}
		}
		l = newListWriter(s.stdout, s.format, cols...)
	}
	done := 0
	for {
		opts.Limit = pageRows
		if limit > 0 {
			opts.Limit = min(opts.Limit, limit-done)
		}
		p, err := readTx(ctx, s, func(tx layer.ReadTx) (queryPage, error) {
			st, err := openVN(tx, name)
			if err != nil {
				return queryPage{}, err
			}
			start := time.Now()
			var p queryPage
			cur := st.Query(tx.Snapshot(), opts, patterns...)
			for b, err := range cur.All() {
				if err != nil {
					return queryPage{}, vnError(err)
				}
				p.rows = append(p.rows, b)
				if len(p.rows) < opts.Limit && time.Since(start) >= pageTime {
					break
				}
			}
			p.next = cur.Continuation()
			return p, nil
		})
		if err != nil {
			if l != nil {
				l.Flush() // the rows printed before the failure
			}
			return err
		}
		done += len(p.rows)
		if l != nil {
			for _, b := range p.rows {
				row := make([]any, len(vars))
				for i, v := range vars {
					row[i] = formatItem(b[v])
				}
				if err := l.Row(row...); err != nil {
					return err
				}
			}
		}
		if p.next == nil || limit > 0 && done >= limit {
			break
		}
		opts.After = p.next
	}
	if l == nil {
		return writeObject(s.stdout, s.format, []column{{name: "count"}}, done)
	}
	return l.Close()
}

var vnHistoryColumns = []column{{name: "version"}, {name: "change"}, {name: "op"}}

func vnHistory(ctx context.Context, cmd *ucli.Command) (err error) {
	s, err := newSession(cmd)
	if err != nil {
		return err
	}
	a := cmd.Args().Slice()
	if len(a) < 2 {
		return usageErrorf("%s: want STORE ITEM..., got %d argument(s); see %s --help", commandPath(cmd), len(a), cmd.FullName())
	}
	items, err := parseItems(a[1:])
	if err != nil {
		return err
	}
	opts, err := readOptions(cmd)
	if err != nil {
		return err
	}
	if err := s.open(ctx); err != nil {
		return err
	}
	defer s.close(&err)
	events, err := readTx(ctx, s, func(tx layer.ReadTx) ([]vnstore.Event, error) {
		st, err := openVN(tx, a[0])
		if err != nil {
			return nil, err
		}
		events, err := st.History(tx.Snapshot(), items)
		if err != nil || opts.AsOf.IsZero() {
			return events, vnError(err)
		}
		v, err := st.Version(tx.Snapshot(), opts.AsOf)
		if err != nil {
			return nil, vnError(err)
		}
		// Events are in version order: keep those at or before v.
		for i, e := range events {
			if bytes.Compare(e.Version.Bytes(), v.Bytes()) > 0 {
				return events[:i], nil
			}
		}
		return events, nil
	})
	if err != nil {
		return err
	}
	l := newListWriter(s.stdout, s.format, vnHistoryColumns...)
	for _, e := range events {
		if err := l.Row(formatItem(e.Version), e.Change.String(), e.Op.String()); err != nil {
			return err
		}
	}
	return l.Close()
}
