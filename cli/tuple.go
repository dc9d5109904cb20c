package cli

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	ucli "github.com/urfave/cli/v3"

	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/subspace"
	"github.com/strata-db/strata/layer/tuple"
	"github.com/strata-db/strata/tuplestore"
)

const tupleDescription = `A tuple store holds tuples of a fixed number of items (its columns), each
with an optional value, indexed so that any pattern is one range read. Its
keys are those of found's nstore (Python, asyncio-foundationdb), so Go and
Python programs share the data. Stores are registered by name in the
database, under ("strata", "catalog"); create keeps a store's keys under
("strata", "tuple", STORE) unless --prefix gives another prefix (that of a
found nstore, say: nstore.make(name, [42], 3) is --prefix '(42)').

Items: ITEM arguments are tuple literals whose elements are concatenated, so
a tuple can be given as one argument or as one argument per item; elements
may be separated by commas or spaces:
  strata tuple add blog '"hyper.dev" "title" "Hyper"'
  strata tuple add blog '"hyper.dev"' '"title"' '"Hyper"'
  strata tuple add blog '("hyper.dev", "title", "Hyper")'
A nested tuple item needs its own parentheses inside a list: '"a", ("b", 1)'
or '(("b", 1))' alone. An item versionstamp("ffffffffffffffffffff", N) is
an incomplete versionstamp: the database fills it in at commit, and add
prints the tuple as stored.

Patterns: a pattern is written like a tuple, with variables ?name for items
to find and ? for an item to ignore: '?s "title" ?t'. Several patterns are
joined: a variable stands for the same item everywhere. query prints one
row per match with a column per variable (a count when there is none), items
in the literal syntax; long results are read in several transactions, each
resuming where the one before stopped, so they are not one snapshot.

` + LiteralSyntax

// tupleRegistry is where the command line registers its stores.
var tupleRegistry = tuplestore.DefaultRegistry

func tupleCommand() *ucli.Command {
	valueLiteral := func() ucli.Flag {
		return &ucli.BoolFlag{Name: "value-literal", Usage: "values in the key literal syntax (tuples, raw:\"...\")"}
	}
	return &ucli.Command{
		Name:        "tuple",
		Usage:       "n-tuple stores with pattern queries (found's nstore)",
		Description: tupleDescription,
		Action:      groupAction,
		Commands: []*ucli.Command{
			{
				Name:      "create",
				Usage:     "register a store of N columns",
				ArgsUsage: "STORE (--columns NAME,... | --n N)",
				Flags:     append(columnFlags(tuplestore.MaxColumns), tupleStores.prefixFlag()),
				Action:    tupleCreate,
			},
			tupleStores.lsCommand("list the stores"),
			tupleStores.dropCommand("remove a store and all of its tuples"),
			{
				Name:      "add",
				Usage:     "add a tuple (with a value)",
				ArgsUsage: "STORE ITEM...",
				Flags: []ucli.Flag{
					&ucli.StringFlag{Name: "value", Usage: "store `VALUE` with the tuple (its bytes; default empty)"},
					valueLiteral(),
				},
				Action: tupleAdd,
			},
			{
				Name:      "remove",
				Usage:     "remove a tuple",
				ArgsUsage: "STORE ITEM...",
				Action:    tupleRemove,
			},
			{
				Name:      "get",
				Usage:     "print a tuple's value (exit code 4 if the store does not hold it)",
				ArgsUsage: "STORE ITEM...",
				Flags:     []ucli.Flag{valueLiteral()},
				Action:    tupleGet,
			},
			{
				Name:      "query",
				Usage:     "print the matches of patterns",
				ArgsUsage: "STORE PATTERN...",
				Flags: []ucli.Flag{
					&ucli.IntFlag{Name: "limit", Usage: "print at most `N` matches (0: no limit)"},
				},
				Action: tupleQuery,
			},
		},
	}
}

// storeError gives the layer's input errors the usage exit code.
func storeError(err error) error {
	for _, e := range []error{
		tuplestore.ErrArity, tuplestore.ErrItem, tuplestore.ErrIncompleteVersionstamp,
		tuplestore.ErrKeyTooLarge, tuplestore.ErrValueTooLarge, tuplestore.ErrNoPatterns,
		tuplestore.ErrColumns, tuplestore.ErrNoStore, tuplestore.ErrStoreExists, tuplestore.ErrSpec,
		tuplestore.ErrContinuation,
	} {
		if errors.Is(err, e) {
			return withCode(ExitUsage, err)
		}
	}
	return err
}

// tupleStores are the tuple stores.
var tupleStores = &storeKind[*tuplestore.Store]{
	layer: "tuple",
	errs:  storeError,
	open: func(tx layer.ReadTx, name string) (*tuplestore.Store, error) {
		return tuplestore.Open(tx, tupleRegistry, name)
	},
	list:    func(tx layer.ReadTx) ([]*tuplestore.Store, error) { return tuplestore.List(tx, tupleRegistry) },
	drop:    func(tx layer.Tx, name string) error { return tuplestore.Drop(tx, tupleRegistry, name) },
	columns: tupleListColumns,
	row:     tupleStoreRow[*tuplestore.Store],
}

var tupleListColumns = []column{{name: "name"}, {name: "n"}, {name: "columns"}, {name: "prefix"}}

// tupleStoreRow is what ls prints of a tuple or versioned store.
func tupleStoreRow[S interface {
	Name() string
	Columns() int
	ColumnNames() []string
	Subspace() subspace.Subspace
}](st S) []any {
	return []any{st.Name(), st.Columns(), strings.Join(st.ColumnNames(), ","), FormatKey(st.Subspace().Bytes())}
}

// openStore reads the store's registration.
func openStore(tx layer.ReadTx, name string) (*tuplestore.Store, error) {
	return tupleStores.openStore(tx, name)
}

var tupleCreate = createAction(tupleStores, func(cmd *ucli.Command, name string) (spec tuplestore.Spec, err error) {
	if spec.N, spec.Columns, err = columnsArgs(cmd, tuplestore.MaxColumns); err != nil {
		return spec, err
	}
	spec.Subspace, err = tupleStores.subspace(cmd, name)
	return spec, err
}, func(tx layer.Tx, name string, spec tuplestore.Spec) (*tuplestore.Store, error) {
	return tuplestore.Create(tx, tupleRegistry, name, spec)
})

// tupleArgs reads STORE ITEM... : the store's name and the tuple.
func tupleArgs(cmd *ucli.Command) (string, []any, error) {
	a := cmd.Args().Slice()
	if len(a) < 2 {
		return "", nil, usageErrorf("%s: want STORE ITEM..., got %d argument(s); see %s --help", commandPath(cmd), len(a), cmd.FullName())
	}
	items, err := parseItems(a[1:])
	return a[0], items, err
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

// itemsAction is the frame of a command on STORE ITEM...: it reads the
// arguments and then the flags (readFlags), opens the database and runs fn.
func itemsAction[F any](readFlags func(*ucli.Command) (F, error),
	fn func(ctx context.Context, s *session, name string, items []any, flags F) error,
) ucli.ActionFunc {
	return func(ctx context.Context, cmd *ucli.Command) (err error) {
		s, err := newSession(cmd)
		if err != nil {
			return err
		}
		name, items, err := tupleArgs(cmd)
		if err != nil {
			return err
		}
		flags, err := readFlags(cmd)
		if err != nil {
			return err
		}
		if err := s.open(ctx); err != nil {
			return err
		}
		defer s.close(&err)
		return fn(ctx, s, name, items, flags)
	}
}

// noFlags is readFlags for commands without flags of their own to check.
func noFlags(*ucli.Command) (struct{}, error) { return struct{}{}, nil }

// addValue reads tuple add's --value and --value-literal.
func addValue(cmd *ucli.Command) ([]byte, error) {
	if !cmd.IsSet("value") {
		if cmd.Bool("value-literal") {
			return nil, usageErrorf("--value-literal needs --value")
		}
		return nil, nil
	}
	value := []byte(cmd.String("value"))
	if cmd.Bool("value-literal") {
		var err error
		if value, err = ParseKey(cmd.String("value")); err != nil {
			return nil, usageErrorf("--value: %v", err)
		}
	}
	if len(value) > layer.MaxValueSize {
		return nil, usageErrorf("--value is %d bytes; values are limited to %d bytes", len(value), layer.MaxValueSize)
	}
	return value, nil
}

func tupleAdd(ctx context.Context, cmd *ucli.Command) error {
	return itemsAction(addValue, func(ctx context.Context, s *session, name string, items []any, value []byte) error {
		stamped, _ := tuple.Tuple(items).HasIncompleteVersionstamp()
		vs, err := writeTx(ctx, s, func(tx layer.Tx) (layer.Future[[]byte], error) {
			st, err := openStore(tx, name)
			if err != nil {
				return nil, err
			}
			if err := st.Add(tx, items, value); err != nil {
				return nil, storeError(err)
			}
			if stamped {
				return tx.GetVersionstamp(), nil
			}
			return nil, nil
		})
		if err != nil || vs == nil {
			return err
		}
		stamp, err := vs.Get()
		if err != nil {
			return err
		}
		done := completeVersionstamps(tuple.Tuple(items), [10]byte(stamp))
		return writeObject(s.stdout, s.format, []column{{name: "tuple"}}, FormatTuple(done))
	})(ctx, cmd)
}

// completeVersionstamps returns t with its incomplete versionstamps given
// the transaction version v.
func completeVersionstamps(t tuple.Tuple, v [10]byte) tuple.Tuple {
	out := make(tuple.Tuple, len(t))
	for i, x := range t {
		switch x := x.(type) {
		case tuple.Versionstamp:
			if !x.IsComplete() {
				x.TransactionVersion = v
			}
			out[i] = x
		case tuple.Tuple:
			out[i] = completeVersionstamps(x, v)
		default:
			out[i] = x
		}
	}
	return out
}

func tupleRemove(ctx context.Context, cmd *ucli.Command) error {
	return itemsAction(noFlags, func(ctx context.Context, s *session, name string, items []any, _ struct{}) error {
		_, err := writeTx(ctx, s, func(tx layer.Tx) (struct{}, error) {
			st, err := openStore(tx, name)
			if err != nil {
				return struct{}{}, err
			}
			return struct{}{}, storeError(st.Remove(tx, items))
		})
		return err
	})(ctx, cmd)
}

func tupleGet(ctx context.Context, cmd *ucli.Command) error {
	return itemsAction(noFlags, func(ctx context.Context, s *session, name string, items []any, _ struct{}) error {
		type got struct {
			v  []byte
			ok bool
		}
		g, err := readTx(ctx, s, func(tx layer.ReadTx) (got, error) {
			st, err := openStore(tx, name)
			if err != nil {
				return got{}, err
			}
			v, ok, err := st.Get(tx, items)
			return got{v, ok}, storeError(err)
		})
		if err != nil {
			return err
		}
		if !g.ok {
			return withCode(ExitNotFound, fmt.Errorf("store %q holds no %s", name, FormatTuple(items)))
		}
		return writeObject(s.stdout, s.format, valueColumns, renderValue(cmd, g.v), base64.StdEncoding.EncodeToString(g.v))
	})(ctx, cmd)
}

// queryPage is what one transaction of a query read.
type queryPage struct {
	rows []tuplestore.Binding
	next tuplestore.Continuation
}

// queryArgs reads STORE PATTERN... and --limit.
func queryArgs(cmd *ucli.Command) (name string, patterns []tuplestore.Pattern, limit int, err error) {
	a := cmd.Args().Slice()
	if len(a) < 2 {
		return "", nil, 0, usageErrorf("%s: want STORE PATTERN..., got %d argument(s); see %s --help", commandPath(cmd), len(a), cmd.FullName())
	}
	for i, arg := range a[1:] {
		p, err := ParsePattern(arg)
		if err != nil {
			return "", nil, 0, usageErrorf("PATTERN %d: %v", i+1, err)
		}
		patterns = append(patterns, p)
	}
	if limit, err = limitFlag(cmd); err != nil {
		return "", nil, 0, err
	}
	return a[0], patterns, limit, nil
}

// printMatches prints the matches of patterns, at most limit (0: all), a
// column per variable (or their count when there is none). query starts
// the query of one page of at most n matches, after a continuation;
// errs gives the errors of the cursor their exit codes.
func printMatches(ctx context.Context, s *session, patterns []tuplestore.Pattern, limit int,
	query func(tx layer.ReadTx, n int, after tuplestore.Continuation) (*tuplestore.Cursor, error), errs func(error) error,
) error {
	vars := tuplestore.Vars(patterns...)
	var l *listWriter
	if len(vars) > 0 {
		cols := make([]column, len(vars))
		for i, v := range vars {
			cols[i] = column{name: string(v)}
		}
		l = newListWriter(s.stdout, s.format, cols...)
	}
	var after tuplestore.Continuation
	done := 0
	err := pages(limit, func(n int) (int, bool, error) {
		p, err := readTx(ctx, s, func(tx layer.ReadTx) (queryPage, error) {
			cur, err := query(tx, n, after)
			if err != nil {
				return queryPage{}, err
			}
			rows, err := collect(cur.All(), n, errs)
			return queryPage{rows, cur.Continuation()}, err
		})
		if err != nil {
			return 0, false, err
		}
		done += len(p.rows)
		if l != nil {
			for _, b := range p.rows {
				row := make([]any, len(vars))
				for i, v := range vars {
					row[i] = formatItem(b[v])
				}
				if err := l.Row(row...); err != nil {
					return 0, false, err
				}
			}
		}
		after = p.next
		return len(p.rows), p.next != nil, nil
	})
	if l == nil {
		if err != nil {
			return err
		}
		return writeObject(s.stdout, s.format, []column{{name: "count"}}, done)
	}
	if err != nil {
		l.Flush() // the rows printed before the failure
		return err
	}
	return l.Close()
}

func tupleQuery(ctx context.Context, cmd *ucli.Command) (err error) {
	s, err := newSession(cmd)
	if err != nil {
		return err
	}
	name, patterns, limit, err := queryArgs(cmd)
	if err != nil {
		return err
	}
	if err := s.open(ctx); err != nil {
		return err
	}
	defer s.close(&err)
	return printMatches(ctx, s, patterns, limit, func(tx layer.ReadTx, n int, after tuplestore.Continuation) (*tuplestore.Cursor, error) {
		st, err := openStore(tx, name)
		if err != nil {
			return nil, err
		}
		return st.Query(tx.Snapshot(), tuplestore.QueryOptions{Limit: n, After: after}, patterns...), nil
	}, storeError)
}

// formatItem renders one item in the literal syntax.
func formatItem(v any) string {
	var b strings.Builder
	formatElement(&b, v)
	return b.String()
}

// ParsePattern parses a pattern: items in the literal syntax (see
// LiteralSyntax) separated by commas or spaces, optionally in parentheses
// as a whole, where ?name is a variable and ? the anonymous variable:
//
//	?s "title" ?t
//	(?s, "title", ?t)
//
// A single parenthesized group is the pattern's items, as for ParseTuple;
// nested tuples among several items are values and may not hold
// variables.
func ParsePattern(s string) (tuplestore.Pattern, error) {
	p := &parser{in: s}
	p.skipSpace()
	if p.eof() {
		return nil, p.errorf("empty pattern; write () for the empty tuple")
	}
	items, groups, err := p.patternList(true)
	if err != nil {
		return nil, err
	}
	if len(items) == 1 && groups[0] {
		items = items[0].(tuplestore.Pattern)
	}
	for i, x := range items {
		if g, ok := x.(tuplestore.Pattern); ok {
			t, err := groupTuple(g)
			if err != nil {
				return nil, &SyntaxError{Input: s, Msg: err.Error()}
			}
			items[i] = t
		}
	}
	return items, nil
}

// groupTuple turns a parenthesized group inside a pattern into a tuple
// value.
func groupTuple(g tuplestore.Pattern) (tuple.Tuple, error) {
	t := make(tuple.Tuple, len(g))
	for i, x := range g {
		switch x := x.(type) {
		case tuplestore.Var:
			return nil, fmt.Errorf("variable %s inside a nested tuple: variables stand for whole items", x)
		case tuplestore.Pattern:
			nt, err := groupTuple(x)
			if err != nil {
				return nil, err
			}
			t[i] = nt
		default:
			t[i] = x
		}
	}
	return t, nil
}

// patternList parses items separated by commas or spaces, up to the end
// (top) or to a closing parenthesis, which it does not consume. Groups in
// parentheses come back as Patterns, flagged in groups.
func (p *parser) patternList(top bool) (tuplestore.Pattern, []bool, error) {
	items := tuplestore.Pattern{}
	var groups []bool
	for {
		p.skipSpace()
		if p.eof() {
			if top {
				return items, groups, nil
			}
			return nil, nil, p.errorf("missing )")
		}
		switch c := p.in[p.pos]; {
		case c == ')':
			if top {
				return nil, nil, p.errorf("unexpected )")
			}
			return items, groups, nil
		case c == '(':
			if p.depth >= maxLiteralDepth {
				return nil, nil, p.errorf("tuples nested deeper than %d", maxLiteralDepth)
			}
			p.depth++
			p.pos++
			g, _, err := p.patternList(false)
			if err != nil {
				return nil, nil, err
			}
			p.pos++ // ')'
			p.depth--
			items = append(items, g)
			groups = append(groups, true)
		case c == '?':
			p.pos++
			start := p.pos
			for p.pos < len(p.in) && isWordByte(p.in[p.pos]) {
				p.pos++
			}
			items = append(items, tuplestore.Var(p.in[start:p.pos]))
			groups = append(groups, false)
		default:
			e, err := p.element()
			if err != nil {
				return nil, nil, err
			}
			items = append(items, e)
			groups = append(groups, false)
		}
		p.skipSpace()
		if !p.eof() && p.in[p.pos] == ',' {
			p.pos++
			p.skipSpace()
			if !p.eof() && (p.in[p.pos] == ',' || p.in[p.pos] == ')') {
				return nil, nil, p.errorf("expected an item after ,")
			}
		}
	}
}
