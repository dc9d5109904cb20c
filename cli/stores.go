package cli

import (
	"context"
	"fmt"
	"strings"

	ucli "github.com/urfave/cli/v3"

	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/subspace"
	"github.com/strata-db/strata/layer/tuple"
)

// storeKind describes one layer's named stores, all registered in the
// catalog under ("strata", "catalog"), to the commands every layer has:
// create's --prefix, ls, drop, and opening a store by name.
type storeKind[S any] struct {
	// layer names the layer in default prefixes: ("strata", layer, STORE).
	layer string
	// errs gives the layer's errors their exit codes (nil stays nil).
	errs func(error) error
	open func(tx layer.ReadTx, name string) (S, error)
	list func(tx layer.ReadTx) ([]S, error)
	drop func(tx layer.Tx, name string) error
	// columns and row are what ls prints of a store.
	columns []column
	row     func(S) []any
}

// openStore reads a store's registration.
func (k *storeKind[S]) openStore(tx layer.ReadTx, name string) (S, error) {
	st, err := k.open(tx, name)
	if err != nil {
		var zero S
		return zero, k.errs(err)
	}
	return st, nil
}

// readStore opens a store in a transaction of its own, for layer
// functions that run their own transactions.
func (k *storeKind[S]) readStore(ctx context.Context, s *session, name string) (S, error) {
	return readTx(ctx, s, func(tx layer.ReadTx) (S, error) { return k.openStore(tx, name) })
}

// defaultSubspace is where a store keeps its keys unless --prefix says
// otherwise.
func (k *storeKind[S]) defaultSubspace(name string) subspace.Subspace {
	return subspace.FromTuple(tuple.Tuple{"strata", k.layer, name})
}

// prefixFlag is create's --prefix.
func (k *storeKind[S]) prefixFlag() ucli.Flag {
	return &ucli.StringFlag{Name: "prefix", Usage: fmt.Sprintf("keep the store's keys under `KEY` (default (\"strata\", %q, STORE))", k.layer)}
}

// subspace reads create's --prefix: the store's subspace.
func (k *storeKind[S]) subspace(cmd *ucli.Command, name string) (subspace.Subspace, error) {
	if !cmd.IsSet("prefix") {
		return k.defaultSubspace(name), nil
	}
	p, err := ParseKey(cmd.String("prefix"))
	if err != nil {
		return subspace.Subspace{}, usageErrorf("--prefix: %v", err)
	}
	if len(p) == 0 || p[0] == 0xff {
		return subspace.Subspace{}, usageErrorf("--prefix %s: want a non-empty prefix outside the system key space", FormatKey(p))
	}
	return subspace.New(p), nil
}

// lsCommand is the ls command.
func (k *storeKind[S]) lsCommand(usage string) *ucli.Command {
	return &ucli.Command{Name: "ls", Usage: usage, Action: k.lsAction}
}

// dropCommand is the drop command.
func (k *storeKind[S]) dropCommand(usage string) *ucli.Command {
	return &ucli.Command{Name: "drop", Usage: usage, ArgsUsage: "STORE", Action: k.dropAction}
}

// lsAction is the ls command: one row per store.
func (k *storeKind[S]) lsAction(ctx context.Context, cmd *ucli.Command) (err error) {
	s, _, err := sessionArgs(cmd, 0, 0, "no arguments")
	if err != nil {
		return err
	}
	if err := s.open(ctx); err != nil {
		return err
	}
	defer s.close(&err)
	return k.printStores(ctx, s)
}

// printStores prints the stores, one row each.
func (k *storeKind[S]) printStores(ctx context.Context, s *session) error {
	stores, err := readTx(ctx, s, k.list)
	if err != nil {
		return err
	}
	l := newListWriter(s.stdout, s.format, k.columns...)
	for _, st := range stores {
		if err := l.Row(k.row(st)...); err != nil {
			return err
		}
	}
	return l.Close()
}

// dropAction is the drop command: it removes the store STORE.
func (k *storeKind[S]) dropAction(ctx context.Context, cmd *ucli.Command) (err error) {
	s, a, err := sessionArgs(cmd, 1, 1, "STORE")
	if err != nil {
		return err
	}
	if err := s.open(ctx); err != nil {
		return err
	}
	defer s.close(&err)
	_, err = writeTx(ctx, s, func(tx layer.Tx) (struct{}, error) {
		return struct{}{}, k.drop(tx, a[0])
	})
	return k.errs(err)
}

// createAction is the create command: it reads STORE, then the store's
// spec (readSpec checks the flags and reads --prefix with k.subspace), and
// registers the store in a transaction.
func createAction[S, Spec any](k *storeKind[S], readSpec func(cmd *ucli.Command, name string) (Spec, error),
	create func(tx layer.Tx, name string, spec Spec) (S, error),
) ucli.ActionFunc {
	return func(ctx context.Context, cmd *ucli.Command) (err error) {
		s, a, err := sessionArgs(cmd, 1, 1, "STORE")
		if err != nil {
			return err
		}
		spec, err := readSpec(cmd, a[0])
		if err != nil {
			return err
		}
		if err := s.open(ctx); err != nil {
			return err
		}
		defer s.close(&err)
		_, err = writeTx(ctx, s, func(tx layer.Tx) (S, error) { return create(tx, a[0], spec) })
		return k.errs(err)
	}
}

// columnFlags are --columns and --n, the columns of a tuple store.
func columnFlags(maxColumns int) []ucli.Flag {
	return []ucli.Flag{
		&ucli.StringFlag{Name: "columns", Usage: "the column names, comma-separated (their number is N)"},
		&ucli.IntFlag{Name: "n", Usage: fmt.Sprintf("the number of columns, 1 to %d", maxColumns)},
	}
}

// columnsArgs reads --columns and --n: the number of columns and their
// names, if given.
func columnsArgs(cmd *ucli.Command, maxColumns int) (n int, names []string, err error) {
	n = cmd.Int("n")
	if cmd.IsSet("columns") {
		for _, c := range strings.Split(cmd.String("columns"), ",") {
			c = strings.TrimSpace(c)
			if c == "" {
				return 0, nil, usageErrorf("--columns %q: empty column name", cmd.String("columns"))
			}
			names = append(names, c)
		}
		if cmd.IsSet("n") && n != len(names) {
			return 0, nil, usageErrorf("--n %d but --columns names %d columns", n, len(names))
		}
	} else if !cmd.IsSet("n") {
		return 0, nil, usageErrorf("%s: give --columns NAME,... or --n N", commandPath(cmd))
	}
	if c := max(n, len(names)); c < 1 || c > maxColumns {
		return 0, nil, usageErrorf("%d columns: want 1 to %d", c, maxColumns)
	}
	return n, names, nil
}
