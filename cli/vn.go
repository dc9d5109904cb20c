package cli

import (
	"bytes"
	"context"
	"errors"

	ucli "github.com/urfave/cli/v3"

	"github.com/strata-db/strata/layer"
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
				Flags:     append(columnFlags(vnstore.MaxColumns), vnStores.prefixFlag()),
				Action:    vnCreate,
			},
			vnStores.lsCommand("list the versioned stores"),
			vnStores.dropCommand("remove a versioned store, its history and its changes"),
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

// vnStores are the versioned stores.
var vnStores = &storeKind[*vnstore.Store]{
	layer: "vn",
	errs:  vnError,
	open: func(tx layer.ReadTx, name string) (*vnstore.Store, error) {
		return vnstore.Open(tx, vnRegistry, name)
	},
	list:    func(tx layer.ReadTx) ([]*vnstore.Store, error) { return vnstore.List(tx, vnRegistry) },
	drop:    func(tx layer.Tx, name string) error { return vnstore.Drop(tx, vnRegistry, name) },
	columns: tupleListColumns,
	row:     tupleStoreRow[*vnstore.Store],
}

// openVN reads the store's registration.
func openVN(tx layer.ReadTx, name string) (*vnstore.Store, error) {
	return vnStores.openStore(tx, name)
}

// parseChange reads a CHANGE argument or flag.
func parseChange(what, s string) (vnstore.ChangeID, error) {
	id, err := vnstore.ParseChangeID(s)
	if err != nil {
		return id, usageErrorf("%s: %v", what, err)
	}
	return id, nil
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

var vnCreate = createAction(vnStores, func(cmd *ucli.Command, name string) (spec vnstore.Spec, err error) {
	if spec.N, spec.Columns, err = columnsArgs(cmd, vnstore.MaxColumns); err != nil {
		return spec, err
	}
	spec.Subspace, err = vnStores.subspace(cmd, name)
	return spec, err
}, func(tx layer.Tx, name string, spec vnstore.Spec) (*vnstore.Store, error) {
	return vnstore.Create(tx, vnRegistry, name, spec)
})

func vnChangeCreate(ctx context.Context, cmd *ucli.Command) (err error) {
	s, a, err := sessionArgs(cmd, 1, 1, "STORE")
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
	s, a, err := sessionArgs(cmd, 1, 1, "STORE")
	if err != nil {
		return err
	}
	if err := s.open(ctx); err != nil {
		return err
	}
	defer s.close(&err)
	// Long histories are listed a page per transaction.
	l := newListWriter(s.stdout, s.format, vnChangeColumns...)
	var after tuplestore.Continuation
	err = pages(0, func(n int) (int, bool, error) {
		type page struct {
			changes []vnstore.Change
			next    tuplestore.Continuation
		}
		p, err := readTx(ctx, s, func(tx layer.ReadTx) (page, error) {
			st, err := openVN(tx, a[0])
			if err != nil {
				return page{}, err
			}
			changes, next, err := st.ChangesPage(tx.Snapshot(), n, 0, after)
			return page{changes, next}, err
		})
		if err != nil {
			return 0, false, err
		}
		for _, c := range p.changes {
			version := ""
			if c.State == vnstore.Applied {
				version = formatItem(c.Version)
			}
			if err := l.Row(c.ID.String(), c.State.String(), version, c.Tuples, oneLine(c.Message)); err != nil {
				return 0, false, err
			}
		}
		after = p.next
		return len(p.changes), p.next != nil, nil
	})
	if err != nil {
		return err
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

func vnAsk(ctx context.Context, cmd *ucli.Command) error {
	return itemsAction(readOptions, func(ctx context.Context, s *session, name string, items []any, opts vnstore.QueryOptions) error {
		alive, err := readTx(ctx, s, func(tx layer.ReadTx) (bool, error) {
			st, err := openVN(tx, name)
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
	})(ctx, cmd)
}

func vnQuery(ctx context.Context, cmd *ucli.Command) (err error) {
	s, err := newSession(cmd)
	if err != nil {
		return err
	}
	name, patterns, limit, err := queryArgs(cmd)
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
	return printMatches(ctx, s, patterns, limit, func(tx layer.ReadTx, n int, after tuplestore.Continuation) (*tuplestore.Cursor, error) {
		st, err := openVN(tx, name)
		if err != nil {
			return nil, err
		}
		opts.Limit, opts.After = n, after
		return st.Query(tx.Snapshot(), opts, patterns...), nil
	}, vnError)
}

var vnHistoryColumns = []column{{name: "version"}, {name: "change"}, {name: "op"}}

func vnHistory(ctx context.Context, cmd *ucli.Command) error {
	return itemsAction(readOptions, func(ctx context.Context, s *session, name string, items []any, opts vnstore.QueryOptions) error {
		events, err := readTx(ctx, s, func(tx layer.ReadTx) ([]vnstore.Event, error) {
			st, err := openVN(tx, name)
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
	})(ctx, cmd)
}
