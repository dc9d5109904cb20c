package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	ucli "github.com/urfave/cli/v3"

	"github.com/strata-db/strata/internal/debian"
	"github.com/strata-db/strata/invindex"
	"github.com/strata-db/strata/kv"
	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/tuplestore"
	"github.com/strata-db/strata/vector"
	"github.com/strata-db/strata/vnstore"
)

func demoCommand() *ucli.Command {
	return &ucli.Command{
		Name:  "demo",
		Usage: "import this machine's package catalog and tour every layer",
		Description: `demo imports the Debian/Ubuntu package catalog of this machine (as
strata import debian does) unless the database holds a completed import
already, then prints answers from every layer, each with the strata command
that gives it: what depends on libc6, reverse dependencies two hops deep,
a full-text search, similar packages within a section, the history of the
catalog and the biggest sections. It uses the --db default (./strata-data)
like every command.`,
		ArgsUsage: " ",
		Flags: []ucli.Flag{
			&ucli.StringSliceFlag{Name: "from", Usage: "import `PATH` (repeatable) instead of dpkg status and the apt lists"},
			&ucli.StringFlag{Name: "package", Value: "nginx", Usage: "show packages similar to `NAME` (else the first hit for \"web server\")"},
		},
		Action: demo,
	}
}

func demo(ctx context.Context, cmd *ucli.Command) (err error) {
	s, _, err := sessionArgs(cmd, 0, 0, "no arguments")
	if err != nil {
		return err
	}
	if err := s.open(ctx); err != nil {
		return err
	}
	defer s.close(&err)
	w := s.stdout
	done, err := demoImported(ctx, s)
	if err != nil {
		return err
	}
	if !done {
		fmt.Fprintf(w, "Importing the package catalog into %s (strata import debian) ...\n", s.url)
		sum, err := runImport(ctx, s, cmd.Root().ErrWriter, debian.Options{Sources: cmd.StringSlice("from")})
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "  %d packages, %d tuples, %d postings, %d vectors in %.1f s\n\n",
			sum.Packages, sum.Tuples, sum.Postings, sum.Vectors, sum.Seconds)
	}
	return tour(ctx, s, w, cmd.String("package"))
}

// demoImported reports whether an import completed in the database.
func demoImported(ctx context.Context, s *session) (bool, error) {
	st, err := debian.OpenStores(ctx, s.db, false)
	if errors.Is(err, debian.ErrNotImported) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	_, err = readTx(ctx, s, func(tx layer.ReadTx) (kv.Item, error) { return st.KV.Get(tx, debian.LastImportKey) })
	if errors.Is(err, kv.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// tour prints the demo's answers.
func tour(ctx context.Context, s *session, w io.Writer, similarTo string) error {
	st, err := debian.OpenStores(ctx, s.db, false)
	if err != nil {
		return err
	}
	section := func(n int, title, command string) {
		fmt.Fprintf(w, "%d. %s\n   $ strata %s\n", n, title, command)
	}
	list := func(names []string, max int) string {
		if len(names) > max {
			return strings.Join(names[:max], ", ") + ", ..."
		}
		return strings.Join(names, ", ")
	}

	// 1. Direct dependents (tuple store).
	deps, err := readTx(ctx, s, func(tx layer.ReadTx) ([]string, error) {
		return distinctVar(st.Tuples.Query(tx.Snapshot(), tuplestore.QueryOptions{},
			tuplestore.Pattern{tuplestore.Var("p"), "depends", "libc6"}), "p")
	})
	if err != nil {
		return err
	}
	section(1, "What depends on libc6 (tuple store)", `tuple query debian '?p "depends" "libc6"'`)
	fmt.Fprintf(w, "   %d packages: %s\n\n", len(deps), list(deps, 8))

	// 2. Reverse dependencies two hops deep: of the first candidate whose
	// second hop is not empty (else of the last one that has dependents).
	type hops struct {
		target   string
		one, two []string
	}
	var best hops
	for _, c := range []string{"libcurl4t64", "libcurl4", "libssl3t64", "libssl3", "zlib1g", "libc6"} {
		h, err := readTx(ctx, s, func(tx layer.ReadTx) (hops, error) {
			h := hops{target: c}
			var err error
			if h.one, err = distinctVar(st.Tuples.Query(tx.Snapshot(), tuplestore.QueryOptions{},
				tuplestore.Pattern{tuplestore.Var("a"), "depends", c}), "a"); err != nil || len(h.one) == 0 {
				return h, err
			}
			h.two, err = distinctVar(st.Tuples.Query(tx.Snapshot(), tuplestore.QueryOptions{},
				tuplestore.Pattern{tuplestore.Var("a"), "depends", c},
				tuplestore.Pattern{tuplestore.Var("b"), "depends", tuplestore.Var("a")}), "b")
			return h, err
		})
		if err != nil {
			return err
		}
		if len(h.one) > 0 {
			best = h
		}
		if len(h.two) > 0 {
			break
		}
	}
	if best.target != "" {
		section(2, fmt.Sprintf("Reverse dependencies of %s, two hops deep (tuple store join)", best.target),
			fmt.Sprintf(`tuple query debian '?a "depends" "%s"' '?b "depends" ?a'`, best.target))
		fmt.Fprintf(w, "   1 hop: %d packages (%s)\n   2 hops: %d packages (%s)\n\n", len(best.one), list(best.one, 5), len(best.two), list(best.two, 5))
	}

	// 3. Full-text search.
	hits, err := readTx(ctx, s, func(tx layer.ReadTx) ([]string, error) {
		hs, err := st.Text.Search(tx, "web server", invindex.SearchOptions{Limit: 5})
		var out []string
		for _, h := range hs {
			out = append(out, fmt.Sprintf("%s (%.2f)", h.ID, h.Score))
		}
		return out, err
	})
	if err != nil {
		return err
	}
	section(3, `Full-text search for "web server" (inverted index, BM25)`, `search query debian web server --limit 5`)
	fmt.Fprintf(w, "   %s\n\n", list(hits, 5))

	// 4. Similar packages in the same section.
	pkg := similarTo
	item, err := readTx(ctx, s, func(tx layer.ReadTx) (vector.Item, error) { return st.Vectors.Get(tx, pkg, true) })
	if errors.Is(err, vector.ErrNotFound) && len(hits) > 0 {
		pkg, _, _ = strings.Cut(hits[0], " ")
		item, err = readTx(ctx, s, func(tx layer.ReadTx) (vector.Item, error) { return st.Vectors.Get(tx, pkg, true) })
	}
	switch {
	case errors.Is(err, vector.ErrNotFound):
		section(4, "Similar packages (vector index)", "vector search debian packages VECTOR")
		fmt.Fprintf(w, "   no package %q in the catalog\n\n", similarTo)
	case err != nil:
		return err
	default:
		sec, _ := item.Metadata["section"].(string)
		f, err := vector.ParseFilter(map[string]any{"section": sec})
		if err != nil {
			return err
		}
		rs, err := st.Vectors.SearchDB(ctx, s.ownTxDB(), item.Vector, vector.SearchOptions{K: 6, Filter: f})
		if err != nil {
			return err
		}
		var names []string
		for _, r := range rs {
			if r.Key != pkg {
				names = append(names, fmt.Sprintf("%s (%.2f)", r.Key, r.Score))
			}
		}
		section(4, fmt.Sprintf("Packages like %s in section %s (vector index, cosine, metadata filter)", pkg, sec),
			fmt.Sprintf(`vector search debian packages "$(strata -o json vector get debian packages %s --vector | jq -c .vector)" --k 6 --filter '{"section": "%s"}'`, pkg, sec))
		fmt.Fprintf(w, "   %s\n\n", list(names, 5))
	}

	// 5. History.
	chs, err := readTx(ctx, s, func(tx layer.ReadTx) ([]vnstore.Change, error) { return st.Versions.Changes(tx) })
	if err != nil {
		return err
	}
	section(5, "History of the catalog (versioned store: one change per import)", "vn change list debian")
	for _, c := range chs {
		if c.State != vnstore.Applied {
			continue
		}
		fmt.Fprintf(w, "   %s  %-28s %d tuples\n", c.ID, c.Message, c.Tuples)
	}
	fmt.Fprintf(w, "   (strata vn change show debian CHANGE lists a change's versions added and removed)\n\n")

	// 6. Biggest sections.
	secs, err := readTx(ctx, s, func(tx layer.ReadTx) ([]debian.Section, error) { return debian.BiggestSections(tx, st, 5) })
	if err != nil {
		return err
	}
	name := "admin"
	if len(secs) > 0 {
		name = secs[0].Name
	}
	section(6, "Biggest sections (kv counters)", fmt.Sprintf("kv hgetall debian sections; strata kv incr debian section/%s 0", name))
	var parts []string
	for _, sc := range secs {
		parts = append(parts, fmt.Sprintf("%s %d", sc.Name, sc.Packages))
	}
	fmt.Fprintf(w, "   %s\n\n", strings.Join(parts, ", "))
	fmt.Fprintf(w, "Each package is also an eav document and its stanza a blob:\n   $ strata eav get debian '\"%s\"'\n", pkg)
	return nil
}

// distinctVar collects the distinct values of a variable, sorted.
func distinctVar(cur *tuplestore.Cursor, v tuplestore.Var) ([]string, error) {
	seen := map[string]bool{}
	for b, err := range cur.All() {
		if err != nil {
			return nil, err
		}
		if s, ok := b[v].(string); ok {
			seen[s] = true
		}
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out, nil
}
