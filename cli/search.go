package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	ucli "github.com/urfave/cli/v3"

	"github.com/strata-db/strata/invindex"
	"github.com/strata-db/strata/layer"
)

const searchDescription = `A search index is an inverted index ranked with BM25: documents (text, split
into lowercased Unicode words) are indexed under an id, and a query prints
the best matching ids with their scores, best first, ties by id. Indexes
are registered by name in the database, under ("strata", "catalog"); create
keeps an index's keys under ("strata", "search", STORE) unless --prefix
gives another prefix.

  strata search create docs
  strata search index docs README.md docs/*.md      (each file, id = its path)
  echo "some text" | strata search index docs --id note-1
  strata search query docs transaction conflict --limit 5
  strata search query docs --and "key value"
  strata search remove docs note-1

Indexing an id again replaces its document. query matches documents with
any of the words (--and: all of them); an empty query prints nothing.`

// searchRegistry is where the command line registers its indexes.
var searchRegistry = invindex.DefaultRegistry

// searchBatch is how many files index writes per transaction.
const searchBatch = 100

func searchCommand() *ucli.Command {
	return &ucli.Command{
		Name:        "search",
		Usage:       "full-text indexes ranked with BM25 (found's pstore)",
		Description: searchDescription,
		Action:      groupAction,
		Commands: []*ucli.Command{
			{
				Name:      "create",
				Usage:     "register an index",
				ArgsUsage: "STORE",
				Flags: []ucli.Flag{
					searchIndexes.prefixFlag(),
					&ucli.FloatFlag{Name: "k1", Usage: "BM25 k1 (term frequency saturation)", Value: invindex.DefaultK1},
					&ucli.FloatFlag{Name: "b", Usage: "BM25 b (length normalization, 0 to 1)", Value: invindex.DefaultB},
					&ucli.IntFlag{Name: "shards", Usage: "spread each statistic over `N` keys", Value: invindex.DefaultShards},
				},
				Action: searchCreate,
			},
			searchIndexes.lsCommand("list the indexes"),
			searchIndexes.dropCommand("remove an index and all of its data"),
			{
				Name:      "index",
				Usage:     "index files (id = path), or stdin with --id",
				ArgsUsage: "STORE [FILE...]",
				Flags: []ucli.Flag{
					&ucli.StringFlag{Name: "id", Usage: "index stdin as the document `ID` (no FILE)"},
				},
				Action: searchIndex,
			},
			{
				Name:      "remove",
				Usage:     "remove documents and print how many were indexed",
				ArgsUsage: "STORE ID...",
				Action:    searchRemove,
			},
			{
				Name:      "query",
				Usage:     "print the best matching ids with their scores",
				ArgsUsage: "STORE WORDS...",
				Flags: []ucli.Flag{
					&ucli.BoolFlag{Name: "and", Usage: "only documents with all the words"},
					&ucli.IntFlag{Name: "limit", Usage: "print at most `N` hits", Value: invindex.DefaultLimit},
					&ucli.IntFlag{Name: "offset", Usage: "skip the `N` best hits first"},
					&ucli.FloatFlag{Name: "k1", Usage: "BM25 k1 for this query (default: the index's)"},
					&ucli.FloatFlag{Name: "b", Usage: "BM25 b for this query (default: the index's)"},
				},
				Action: searchQuery,
			},
		},
	}
}

// searchError gives the layer's input errors the usage exit code.
func searchError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, invindex.ErrNotFound):
		return withCode(ExitNotFound, err)
	}
	for _, e := range []error{invindex.ErrInvalid, invindex.ErrDocumentTooLarge, invindex.ErrNoIndex,
		invindex.ErrIndexExists, invindex.ErrSpec} {
		if errors.Is(err, e) {
			return withCode(ExitUsage, err)
		}
	}
	return err
}

// searchIndexes are the search indexes.
var searchIndexes = &storeKind[*invindex.Index]{
	layer: "search",
	errs:  searchError,
	open: func(tx layer.ReadTx, name string) (*invindex.Index, error) {
		return invindex.Open(tx, searchRegistry, name, nil)
	},
	list:    func(tx layer.ReadTx) ([]*invindex.Index, error) { return invindex.List(tx, searchRegistry) },
	drop:    func(tx layer.Tx, name string) error { return invindex.Drop(tx, searchRegistry, name) },
	columns: []column{{name: "name"}, {name: "k1"}, {name: "b"}, {name: "shards"}, {name: "prefix"}},
	row: func(ix *invindex.Index) []any {
		o := ix.Options()
		return []any{ix.Name(), formatScore(o.K1), formatScore(o.B), o.Shards, FormatKey(ix.Subspace().Bytes())}
	},
}

var searchCreate = createAction(searchIndexes, func(cmd *ucli.Command, name string) (spec invindex.Spec, err error) {
	spec.K1, spec.B, spec.Shards = cmd.Float("k1"), cmd.Float("b"), int(cmd.Int("shards"))
	if !(spec.K1 > 0) {
		return spec, usageErrorf("--k1 %v: want a positive number", spec.K1)
	}
	if !(spec.B >= 0 && spec.B <= 1) {
		return spec, usageErrorf("--b %v: want 0 to 1", spec.B)
	}
	spec.NoLengthNorm = spec.B == 0
	if spec.Shards < 1 || spec.Shards > 1024 {
		return spec, usageErrorf("--shards %d: want 1 to 1024", spec.Shards)
	}
	spec.Subspace, err = searchIndexes.subspace(cmd, name)
	return spec, err
}, func(tx layer.Tx, name string, spec invindex.Spec) (*invindex.Index, error) {
	return invindex.Create(tx, searchRegistry, name, spec)
})

// searchAction is the frame of a command on an index: it checks the
// argument count, runs check, opens the database and the index, and runs
// fn.
func searchAction(minN, maxN int, names string, check func(cmd *ucli.Command, a []string) error,
	fn func(ctx context.Context, s *session, ix *invindex.Index, a []string) error,
) ucli.ActionFunc {
	return func(ctx context.Context, cmd *ucli.Command) (err error) {
		s, a, err := sessionArgs(cmd, minN, maxN, names)
		if err != nil {
			return err
		}
		if check != nil {
			if err := check(cmd, a); err != nil {
				return err
			}
		}
		if err := s.open(ctx); err != nil {
			return err
		}
		defer s.close(&err)
		ix, err := searchIndexes.readStore(ctx, s, a[0])
		if err != nil {
			return err
		}
		return searchError(fn(ctx, s, ix, a[1:]))
	}
}

type searchDoc struct{ id, text string }

var searchIndex = func(ctx context.Context, cmd *ucli.Command) error {
	var docs []searchDoc
	check := func(cmd *ucli.Command, a []string) error {
		id := cmd.String("id")
		switch {
		case id != "" && len(a) > 1:
			return usageErrorf("search index: --id indexes stdin; give no FILE with it")
		case id == "" && len(a) == 1:
			return usageErrorf("search index: want FILE... or --id ID (stdin)")
		case id != "":
			b, err := io.ReadAll(cmd.Root().Reader)
			if err != nil {
				return err
			}
			docs = append(docs, searchDoc{id, string(b)})
		default:
			for _, path := range a[1:] {
				b, err := os.ReadFile(path)
				if err != nil {
					return err
				}
				docs = append(docs, searchDoc{path, string(b)})
			}
		}
		return nil
	}
	return searchAction(1, math.MaxInt, "STORE [FILE...]", check, func(ctx context.Context, s *session, ix *invindex.Index, _ []string) error {
		for i := 0; i < len(docs); i += searchBatch {
			part := docs[i:min(i+searchBatch, len(docs))]
			_, err := writeTx(ctx, s, func(tx layer.Tx) (struct{}, error) {
				for _, d := range part {
					if err := ix.Index(tx, d.id, d.text); err != nil {
						return struct{}{}, fmt.Errorf("%s: %w", d.id, err)
					}
				}
				return struct{}{}, nil
			})
			if err != nil {
				return err
			}
		}
		return writeObject(s.stdout, s.format, []column{{name: "indexed"}}, len(docs))
	})(ctx, cmd)
}

var searchRemove = searchAction(2, math.MaxInt, "STORE ID...", nil, func(ctx context.Context, s *session, ix *invindex.Index, ids []string) error {
	n, err := writeTx(ctx, s, func(tx layer.Tx) (int, error) {
		n := 0
		for _, id := range ids {
			ok, err := ix.Remove(tx, id)
			if err != nil {
				return 0, err
			}
			if ok {
				n++
			}
		}
		return n, nil
	})
	if err != nil {
		return err
	}
	return writeObject(s.stdout, s.format, []column{{name: "removed"}}, n)
})

var searchQuery = searchAction(1, math.MaxInt, "STORE WORDS...", func(cmd *ucli.Command, _ []string) error {
	if cmd.Int("limit") < 1 {
		return usageErrorf("--limit %d: want 1 or more", cmd.Int("limit"))
	}
	if cmd.Int("offset") < 0 {
		return usageErrorf("--offset %d: want 0 or more", cmd.Int("offset"))
	}
	if cmd.IsSet("k1") && !(cmd.Float("k1") > 0) {
		return usageErrorf("--k1 %v: want a positive number", cmd.Float("k1"))
	}
	if b := cmd.Float("b"); cmd.IsSet("b") && !(b >= 0 && b <= 1) {
		return usageErrorf("--b %v: want 0 to 1", b)
	}
	return nil
}, func(ctx context.Context, s *session, ix *invindex.Index, words []string) error {
	cmd := s.cmd
	opts := invindex.SearchOptions{Limit: int(cmd.Int("limit")), Offset: int(cmd.Int("offset")),
		K1: cmd.Float("k1"), B: cmd.Float("b"), SetB: cmd.IsSet("b")}
	if cmd.Bool("and") {
		opts.Mode = invindex.And
	}
	hits, err := ix.SearchDB(ctx, s.ownTxDB(), strings.Join(words, " "), opts, 0)
	if err != nil {
		return err
	}
	l := newListWriter(s.stdout, s.format, column{name: "id"}, column{name: "score"})
	for _, h := range hits {
		if err := l.Row(h.ID, formatScore(h.Score)); err != nil {
			return err
		}
	}
	return l.Close()
})
