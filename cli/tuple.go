package cli

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

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
				Flags: []ucli.Flag{
					&ucli.StringFlag{Name: "columns", Usage: "the column names, comma-separated (their number is N)"},
					&ucli.IntFlag{Name: "n", Usage: fmt.Sprintf("the number of columns, 1 to %d", tuplestore.MaxColumns)},
					&ucli.StringFlag{Name: "prefix", Usage: "keep the store's keys under `KEY` (default (\"strata\", \"tuple\", STORE))"},
				},
				Action: tupleCreate,
			},
			{
				Name:   "ls",
				Usage:  "list the stores",
				Action: tupleList,
			},
			{
				Name:      "drop",
				Usage:     "remove a store and all of its tuples",
				ArgsUsage: "STORE",
				Action:    tupleDrop,
			},
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

// openStore reads the store's registration.
func openStore(tx layer.ReadTx, name string) (*tuplestore.Store, error) {
	s, err := tuplestore.Open(tx, tupleRegistry, name)
	if err != nil {
		return nil, storeError(err)
	}
	return s, nil
}

func tupleCreate(ctx context.Context, cmd *ucli.Command) (err error) {
	s, err := newSession(cmd)
	if err != nil {
		return err
	}
	a, err := args(cmd, 1, 1, "STORE")
	if err != nil {
		return err
	}
	name := a[0]
	spec := tuplestore.Spec{N: cmd.Int("n")}
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
		return usageErrorf("tuple create: give --columns NAME,... or --n N")
	}
	if n := max(spec.N, len(spec.Columns)); n < 1 || n > tuplestore.MaxColumns {
		return usageErrorf("%d columns: want 1 to %d", n, tuplestore.MaxColumns)
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
		spec.Subspace = subspace.FromTuple(tuple.Tuple{"strata", "tuple", name})
	}
	if err := s.open(ctx); err != nil {
		return err
	}
	defer s.close(&err)
	_, err = writeTx(ctx, s, func(tx layer.Tx) (*tuplestore.Store, error) {
		return tuplestore.Create(tx, tupleRegistry, name, spec)
	})
	return storeError(err)
}

var tupleListColumns = []column{{name: "name"}, {name: "n"}, {name: "columns"}, {name: "prefix"}}

func tupleList(ctx context.Context, cmd *ucli.Command) (err error) {
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
	stores, err := readTx(ctx, s, func(tx layer.ReadTx) ([]*tuplestore.Store, error) {
		return tuplestore.List(tx, tupleRegistry)
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

func tupleDrop(ctx context.Context, cmd *ucli.Command) (err error) {
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
		return struct{}{}, tuplestore.Drop(tx, tupleRegistry, a[0])
	})
	return storeError(err)
}

// tupleArgs reads STORE ITEM... : the store's name and the tuple.
func tupleArgs(cmd *ucli.Command) (string, []any, error) {
	a := cmd.Args().Slice()
	if len(a) < 2 {
		return "", nil, usageErrorf("%s: want STORE ITEM..., got %d argument(s); see %s --help", commandPath(cmd), len(a), cmd.FullName())
	}
	var items []any
	for i, arg := range a[1:] {
		p, err := ParsePattern(arg)
		if err != nil {
			return "", nil, usageErrorf("ITEM %d: %v", i+1, err)
		}
		for _, x := range p {
			if _, ok := x.(tuplestore.Var); ok {
				return "", nil, usageErrorf("ITEM %d: %s: a tuple holds values, not variables", i+1, arg)
			}
		}
		items = append(items, p...)
	}
	return a[0], items, nil
}

func tupleAdd(ctx context.Context, cmd *ucli.Command) (err error) {
	s, err := newSession(cmd)
	if err != nil {
		return err
	}
	name, items, err := tupleArgs(cmd)
	if err != nil {
		return err
	}
	var value []byte
	if cmd.IsSet("value") {
		value = []byte(cmd.String("value"))
		if cmd.Bool("value-literal") {
			if value, err = ParseKey(cmd.String("value")); err != nil {
				return usageErrorf("--value: %v", err)
			}
		}
		if len(value) > layer.MaxValueSize {
			return usageErrorf("--value is %d bytes; values are limited to %d bytes", len(value), layer.MaxValueSize)
		}
	} else if cmd.Bool("value-literal") {
		return usageErrorf("--value-literal needs --value")
	}
	stamped, _ := tuple.Tuple(items).HasIncompleteVersionstamp()
	if err := s.open(ctx); err != nil {
		return err
	}
	defer s.close(&err)
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

func tupleRemove(ctx context.Context, cmd *ucli.Command) (err error) {
	s, err := newSession(cmd)
	if err != nil {
		return err
	}
	name, items, err := tupleArgs(cmd)
	if err != nil {
		return err
	}
	if err := s.open(ctx); err != nil {
		return err
	}
	defer s.close(&err)
	_, err = writeTx(ctx, s, func(tx layer.Tx) (struct{}, error) {
		st, err := openStore(tx, name)
		if err != nil {
			return struct{}{}, err
		}
		return struct{}{}, storeError(st.Remove(tx, items))
	})
	return err
}

func tupleGet(ctx context.Context, cmd *ucli.Command) (err error) {
	s, err := newSession(cmd)
	if err != nil {
		return err
	}
	name, items, err := tupleArgs(cmd)
	if err != nil {
		return err
	}
	if err := s.open(ctx); err != nil {
		return err
	}
	defer s.close(&err)
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
	return writeObject(s.stdout, s.format, []column{{name: "value"}, {name: "value_base64", jsonOnly: true}},
		renderValue(cmd, g.v), base64.StdEncoding.EncodeToString(g.v))
}

// queryPage is what one transaction of a query read.
type queryPage struct {
	rows []tuplestore.Binding
	next tuplestore.Continuation
}

func tupleQuery(ctx context.Context, cmd *ucli.Command) (err error) {
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
	var after tuplestore.Continuation
	done := 0
	for {
		n := pageRows
		if limit > 0 {
			n = min(n, limit-done)
		}
		p, err := readTx(ctx, s, func(tx layer.ReadTx) (queryPage, error) {
			st, err := openStore(tx, name)
			if err != nil {
				return queryPage{}, err
			}
			start := time.Now()
			var p queryPage
			cur := st.Query(tx.Snapshot(), tuplestore.QueryOptions{Limit: n, After: after}, patterns...)
			for b, err := range cur.All() {
				if err != nil {
					return queryPage{}, storeError(err)
				}
				p.rows = append(p.rows, b)
				if len(p.rows) < n && time.Since(start) >= pageTime {
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
		after = p.next
	}
	if l == nil {
		return writeObject(s.stdout, s.format, []column{{name: "count"}}, done)
	}
	return l.Close()
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
