package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	ucli "github.com/urfave/cli/v3"

	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/vector"
)

const vectorDescription = `A vector bucket holds named indexes of float32 vectors of a fixed dimension,
each vector with a key and JSON metadata, searched for the k nearest to a
query by cosine, euclidean or dot distance, with metadata filters. An index
is exact (a full scan) or ivf (lists around centroids that train computes
by k-means; a search scans the --nprobe nearest lists). Buckets are
registered by name under ("strata", "catalog"); create registers the bucket
on first use, keeping its keys under ("strata", "vector", BUCKET).

Vectors are JSON arrays ('[0.1, 0.2, 0.3]'). put takes KEY VECTOR
[--metadata JSON], or --file FILE (- for stdin) of JSON lines
{"key": "...", "vector": [...], "metadata": {...}}, put in transactions of
--batch lines. Filters are JSON: '{"genre": "drama", "year": {"$gte": 1990}}'
with $eq $ne $gt $gte $lt $lte $in $nin $exists $and $or.`

var vectorBuckets = &storeKind[*vector.Bucket]{
	layer: "vector",
	errs:  vectorError,
	open: func(tx layer.ReadTx, name string) (*vector.Bucket, error) {
		return vector.Open(tx, vector.DefaultRegistry, name)
	},
	list:    func(tx layer.ReadTx) ([]*vector.Bucket, error) { return vector.List(tx, vector.DefaultRegistry) },
	drop:    func(tx layer.Tx, name string) error { return vector.Drop(tx, vector.DefaultRegistry, name) },
	columns: []column{{name: "name"}, {name: "prefix"}},
	row:     func(b *vector.Bucket) []any { return []any{b.Name(), FormatKey(b.Subspace().Bytes())} },
}

func vectorError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, vector.ErrNotFound):
		return withCode(ExitNotFound, err)
	case errors.Is(err, vector.ErrNoBucket), errors.Is(err, vector.ErrBucketExists), errors.Is(err, vector.ErrSpec),
		errors.Is(err, vector.ErrNoIndex), errors.Is(err, vector.ErrIndexExists), errors.Is(err, vector.ErrDimension),
		errors.Is(err, vector.ErrInvalidVector), errors.Is(err, vector.ErrKey), errors.Is(err, vector.ErrMetadata),
		errors.Is(err, vector.ErrFilter), errors.Is(err, vector.ErrNotTrained):
		return withCode(ExitUsage, err)
	}
	return err
}

func vectorCommand() *ucli.Command {
	return &ucli.Command{
		Name:        "vector",
		Usage:       "vector buckets: indexes of vectors with metadata, k-nearest search",
		Description: vectorDescription,
		Action:      groupAction,
		Commands: []*ucli.Command{
			{
				Name: "create", Usage: "create an index (and register the bucket if new)", ArgsUsage: "BUCKET INDEX",
				Flags: []ucli.Flag{
					vectorBuckets.prefixFlag(),
					&ucli.IntFlag{Name: "dims", Usage: "the vectors' dimension", Required: true},
					&ucli.StringFlag{Name: "metric", Value: "cosine", Usage: "cosine, euclidean or dot"},
					&ucli.StringFlag{Name: "kind", Value: "exact", Usage: "exact or ivf"},
					&ucli.IntFlag{Name: "nlist", Usage: "ivf: lists to train (0: about sqrt of the count)"},
					&ucli.IntFlag{Name: "nprobe", Usage: "ivf: lists a search scans by default (0: 8)"},
				},
				Action: vectorCreate,
			},
			{Name: "drop", Usage: "drop an index, or the whole bucket without INDEX", ArgsUsage: "BUCKET [INDEX]", Action: vectorDrop},
			vectorBuckets.lsCommand("list vector buckets"),
			{
				Name: "put", Usage: "put vectors", ArgsUsage: "BUCKET INDEX [KEY VECTOR]",
				Flags: []ucli.Flag{
					&ucli.StringFlag{Name: "metadata", Usage: "the vector's metadata, a JSON object"},
					&ucli.StringFlag{Name: "file", Usage: "JSON lines {key, vector, metadata} from `FILE` (- for stdin)"},
					&ucli.IntFlag{Name: "batch", Value: 500, Usage: "vectors per transaction with --file"},
				},
				Action: vectorPut,
			},
			{
				Name: "get", Usage: "print a vector's metadata (and vector)", ArgsUsage: "BUCKET INDEX KEY",
				Flags:  []ucli.Flag{&ucli.BoolFlag{Name: "vector", Usage: "include the vector"}},
				Action: vectorGet,
			},
			{Name: "delete", Usage: "delete vectors", ArgsUsage: "BUCKET INDEX KEY...", Action: vectorDelete},
			{
				Name: "search", Usage: "print the k nearest vectors to a query", ArgsUsage: "BUCKET INDEX VECTOR",
				Flags: []ucli.Flag{
					&ucli.IntFlag{Name: "k", Value: 10, Usage: "results"},
					&ucli.StringFlag{Name: "filter", Usage: "a JSON metadata filter"},
					&ucli.IntFlag{Name: "nprobe", Usage: "ivf: lists to scan"},
					&ucli.BoolFlag{Name: "exact", Usage: "scan every vector"},
					&ucli.BoolFlag{Name: "vector", Usage: "include the vectors"},
				},
				Action: vectorSearch,
			},
			{
				Name: "train", Usage: "train an ivf index's centroids and move its vectors", ArgsUsage: "BUCKET INDEX",
				Flags: []ucli.Flag{
					&ucli.IntFlag{Name: "nlist", Usage: "centroids (0: the index's)"},
					&ucli.IntFlag{Name: "sample", Usage: "vectors to run k-means on"},
					&ucli.Uint64Flag{Name: "seed", Usage: "seed of sampling and initialisation"},
				},
				Action: vectorTrain,
			},
			{Name: "stats", Usage: "print an index's definition and count, or every index of the bucket", ArgsUsage: "BUCKET [INDEX]", Action: vectorStats},
		},
	}
}

// vectorSession starts an action: it checks the arguments, opens the
// database and the bucket.
func vectorSession(ctx context.Context, cmd *ucli.Command, minN, maxN int, names string) (*session, []string, *vector.Bucket, error) {
	s, a, err := sessionArgs(cmd, minN, maxN, names)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := s.open(ctx); err != nil {
		return nil, nil, nil, err
	}
	b, err := vectorBuckets.readStore(ctx, s, a[0])
	if err != nil {
		var ignored error
		s.close(&ignored)
		return nil, nil, nil, err
	}
	return s, a, b, nil
}

func vectorIndex(ctx context.Context, s *session, b *vector.Bucket, name string) (*vector.Index, error) {
	ix, err := readTx(ctx, s, func(tx layer.ReadTx) (*vector.Index, error) { return b.Index(tx, name) })
	return ix, vectorError(err)
}

func parseVector(s string) ([]float32, error) {
	var v []float32
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return nil, usageErrorf("vector %q: want a JSON array of numbers: %v", s, err)
	}
	return v, nil
}

func printJSON(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

func vectorCreate(ctx context.Context, cmd *ucli.Command) (err error) {
	s, a, err := sessionArgs(cmd, 2, 2, "BUCKET INDEX")
	if err != nil {
		return err
	}
	ss, err := vectorBuckets.subspace(cmd, a[0])
	if err != nil {
		return err
	}
	spec := vector.IndexSpec{Dims: int(cmd.Int("dims")), Metric: vector.Metric(cmd.String("metric")),
		Kind: vector.IndexKind(cmd.String("kind")), NList: int(cmd.Int("nlist")), NProbe: int(cmd.Int("nprobe"))}
	if err := s.open(ctx); err != nil {
		return err
	}
	defer s.close(&err)
	_, err = writeTx(ctx, s, func(tx layer.Tx) (struct{}, error) {
		b, err := vector.Open(tx, vector.DefaultRegistry, a[0])
		if errors.Is(err, vector.ErrNoBucket) {
			b, err = vector.Create(tx, vector.DefaultRegistry, a[0], vector.Spec{Subspace: ss})
		}
		if err != nil {
			return struct{}{}, err
		}
		_, err = b.CreateIndex(tx, a[1], spec)
		return struct{}{}, err
	})
	return vectorError(err)
}

func vectorDrop(ctx context.Context, cmd *ucli.Command) (err error) {
	s, a, b, err := vectorSession(ctx, cmd, 1, 2, "BUCKET [INDEX]")
	if err != nil {
		return err
	}
	defer s.close(&err)
	_, err = writeTx(ctx, s, func(tx layer.Tx) (struct{}, error) {
		if len(a) == 1 {
			return struct{}{}, vector.Drop(tx, vector.DefaultRegistry, a[0])
		}
		return struct{}{}, b.DropIndex(tx, a[1])
	})
	return vectorError(err)
}

func vectorPut(ctx context.Context, cmd *ucli.Command) (err error) {
	s, a, b, err := vectorSession(ctx, cmd, 2, 4, "BUCKET INDEX [KEY VECTOR]")
	if err != nil {
		return err
	}
	defer s.close(&err)
	ix, err := vectorIndex(ctx, s, b, a[1])
	if err != nil {
		return err
	}
	put := func(items []vector.Item) error {
		_, err := writeTx(ctx, s, func(tx layer.Tx) (struct{}, error) { return struct{}{}, ix.PutMany(tx, items) })
		return vectorError(err)
	}
	if file := cmd.String("file"); file != "" {
		if len(a) != 2 {
			return usageErrorf("vector put: KEY VECTOR and --file exclude each other")
		}
		var r io.Reader = s.stdin
		if file != "-" {
			f, err := os.Open(file)
			if err != nil {
				return err
			}
			defer f.Close()
			r = f
		}
		batch := max(1, int(cmd.Int("batch")))
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		var items []vector.Item
		n, line := 0, 0
		for sc.Scan() {
			line++
			if strings.TrimSpace(sc.Text()) == "" {
				continue
			}
			var it vector.Item
			if err := json.Unmarshal(sc.Bytes(), &it); err != nil {
				return usageErrorf("%s line %d: %v", file, line, err)
			}
			items = append(items, it)
			if len(items) == batch {
				if err := put(items); err != nil {
					return err
				}
				n += len(items)
				items = nil
			}
		}
		if err := sc.Err(); err != nil {
			return err
		}
		if len(items) > 0 {
			if err := put(items); err != nil {
				return err
			}
			n += len(items)
		}
		return printJSON(s.stdout, map[string]any{"put": n})
	}
	if len(a) != 4 {
		return usageErrorf("vector put: want BUCKET INDEX KEY VECTOR, or --file")
	}
	v, err := parseVector(a[3])
	if err != nil {
		return err
	}
	var md map[string]any
	if m := cmd.String("metadata"); m != "" {
		if err := json.Unmarshal([]byte(m), &md); err != nil {
			return usageErrorf("--metadata: want a JSON object: %v", err)
		}
	}
	return put([]vector.Item{{Key: a[2], Vector: v, Metadata: md}})
}

func vectorGet(ctx context.Context, cmd *ucli.Command) (err error) {
	s, a, b, err := vectorSession(ctx, cmd, 3, 3, "BUCKET INDEX KEY")
	if err != nil {
		return err
	}
	defer s.close(&err)
	ix, err := vectorIndex(ctx, s, b, a[1])
	if err != nil {
		return err
	}
	it, err := readTx(ctx, s, func(tx layer.ReadTx) (vector.Item, error) { return ix.Get(tx, a[2], cmd.Bool("vector")) })
	if err != nil {
		return vectorError(err)
	}
	out := map[string]any{"key": it.Key, "metadata": it.Metadata}
	if it.Vector != nil {
		out["vector"] = it.Vector
	}
	return printJSON(s.stdout, out)
}

func vectorDelete(ctx context.Context, cmd *ucli.Command) (err error) {
	s, a, b, err := vectorSession(ctx, cmd, 3, 1<<20, "BUCKET INDEX KEY...")
	if err != nil {
		return err
	}
	defer s.close(&err)
	ix, err := vectorIndex(ctx, s, b, a[1])
	if err != nil {
		return err
	}
	n, err := writeTx(ctx, s, func(tx layer.Tx) (int, error) {
		n := 0
		for _, k := range a[2:] {
			ok, err := ix.Delete(tx, k)
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
		return vectorError(err)
	}
	return printJSON(s.stdout, map[string]any{"deleted": n})
}

func vectorSearch(ctx context.Context, cmd *ucli.Command) (err error) {
	s, a, b, err := vectorSession(ctx, cmd, 3, 3, "BUCKET INDEX VECTOR")
	if err != nil {
		return err
	}
	defer s.close(&err)
	q, err := parseVector(a[2])
	if err != nil {
		return err
	}
	opts := vector.SearchOptions{K: int(cmd.Int("k")), NProbe: int(cmd.Int("nprobe")), Exact: cmd.Bool("exact"), WithVector: cmd.Bool("vector")}
	if f := cmd.String("filter"); f != "" {
		if opts.Filter, err = vector.ParseFilterJSON([]byte(f)); err != nil {
			return withCode(ExitUsage, err)
		}
	}
	ix, err := vectorIndex(ctx, s, b, a[1])
	if err != nil {
		return err
	}
	rs, err := ix.SearchDB(ctx, s.ownTxDB(), q, opts)
	if err != nil {
		return vectorError(err)
	}
	for _, r := range rs {
		out := map[string]any{"key": r.Key, "distance": r.Distance, "score": r.Score, "metadata": r.Metadata}
		if r.Vector != nil {
			out["vector"] = r.Vector
		}
		if err := printJSON(s.stdout, out); err != nil {
			return err
		}
	}
	return nil
}

func vectorTrain(ctx context.Context, cmd *ucli.Command) (err error) {
	s, a, b, err := vectorSession(ctx, cmd, 2, 2, "BUCKET INDEX")
	if err != nil {
		return err
	}
	defer s.close(&err)
	ix, err := vectorIndex(ctx, s, b, a[1])
	if err != nil {
		return err
	}
	res, err := ix.Train(ctx, s.ownTxDB(), vector.TrainOptions{NList: int(cmd.Int("nlist")), SampleSize: int(cmd.Int("sample")), Seed: cmd.Uint64("seed")})
	if err != nil {
		return vectorError(err)
	}
	return printJSON(s.stdout, map[string]any{"generation": res.Gen, "lists": res.Lists, "sampled": res.Sampled, "moved": res.Moved})
}

func vectorStats(ctx context.Context, cmd *ucli.Command) (err error) {
	s, a, b, err := vectorSession(ctx, cmd, 1, 2, "BUCKET [INDEX]")
	if err != nil {
		return err
	}
	defer s.close(&err)
	infos, err := readTx(ctx, s, func(tx layer.ReadTx) ([]vector.IndexInfo, error) {
		all, err := b.Indexes(tx)
		if err != nil {
			return nil, err
		}
		var out []vector.IndexInfo
		for _, in := range all {
			if len(a) == 2 && in.Name != a[1] {
				continue
			}
			ix, err := b.Index(tx, in.Name)
			if err != nil {
				return nil, err
			}
			st, err := ix.Stats(tx)
			if err != nil {
				return nil, err
			}
			out = append(out, st)
		}
		if len(a) == 2 && len(out) == 0 {
			return nil, fmt.Errorf("%w: %q", vector.ErrNoIndex, a[1])
		}
		return out, nil
	})
	if err != nil {
		return vectorError(err)
	}
	for _, in := range infos {
		if err := printJSON(s.stdout, map[string]any{"index": in.Name, "dims": in.Dims, "metric": in.Metric, "kind": in.Kind,
			"nlist": in.NList, "nprobe": in.NProbe, "generation": in.Gen, "lists": in.Lists, "count": in.Count}); err != nil {
			return err
		}
	}
	return nil
}
