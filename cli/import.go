package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	ucli "github.com/urfave/cli/v3"

	"github.com/strata-db/strata/internal/debian"
)

func importCommand() *ucli.Command {
	return &ucli.Command{
		Name:   "import",
		Usage:  "load a real data set into every layer",
		Action: groupAction,
		Commands: []*ucli.Command{{
			Name:  "debian",
			Usage: "load the Debian/Ubuntu package catalog (dpkg status and apt lists)",
			Description: `import debian reads /var/lib/dpkg/status (installed packages) and, where
present, apt's lists /var/lib/apt/lists/*_Packages (plain, .gz or .lz4;
.xz is not read: no decoder in strata's dependencies), or the files given
with --from, merges them by package name (the installed package, else the
highest version) and loads every package, under the name "debian", into:

  eav      the document debian/PACKAGE: every field (Installed-Size and Size
           as integers) and Stanza-SHA256, the id of its stanza's blob
  tuple    (package, relation, target) for depends, pre-depends, recommends,
           suggests, provides, conflicts and breaks, one tuple per
           alternative, its value the whole clause with versions and
           alternatives ("libfoo (>= 1) | libbar"); (package, "section", S)
           and (package, "maintainer", M)
  search   name and descriptions
  vector   index "packages": a 256-dimension text embedding (hashed words
           and name trigrams, fixed random projection; see internal/debian
           Embed) with metadata section, priority, architecture
  vn       (package, "version", V); each import is one change (a first
           import of a large catalog, several: a change holds at most
           10,000 tuples), so vn change show lists what was added, removed
           and upgraded
  kv       counters section/S (packages per section), the hash "sections",
           import/last (the last summary)
  blob     each stanza, as it was read

It writes at most --batch packages and --batch-bytes bytes of stanzas per
transaction (64 KB of stanzas: about 2 MB of the 10 MB FoundationDB
allows), each also recording the last package written: an interrupted
import run again resumes there, and an import of an unchanged catalog
writes nothing. A progress bar goes to stderr on a terminal; the summary
to stdout.`,
			ArgsUsage: " ",
			Flags: []ucli.Flag{
				&ucli.StringSliceFlag{Name: "from", Usage: "read `PATH` (repeatable) instead of dpkg status and the apt lists"},
				&ucli.IntFlag{Name: "batch", Value: 200, Usage: "packages per transaction"},
				&ucli.IntFlag{Name: "batch-bytes", Value: debian.DefaultBatchBytes, Usage: "end a batch once its stanzas reach `BYTES`"},
				&ucli.IntFlag{Name: "max-batches", Hidden: true, Usage: "stop after N batches (tests)"},
			},
			Action: importDebian,
		}},
	}
}

var importDebianColumns = []column{
	{name: "packages"}, {name: "added"}, {name: "removed"}, {name: "upgraded"},
	{name: "downgraded"}, {name: "unchanged"}, {name: "tuples"}, {name: "postings"},
	{name: "vectors"}, {name: "changes"}, {name: "resumed"}, {name: "seconds"}, {name: "max_batch_seconds"},
}

func importDebian(ctx context.Context, cmd *ucli.Command) (err error) {
	s, _, err := sessionArgs(cmd, 0, 0, "no arguments")
	if err != nil {
		return err
	}
	batch := cmd.Int("batch")
	if batch < 1 || batch > 2000 {
		return usageErrorf("--batch %d: want 1 to 2000", batch)
	}
	if cmd.Int("batch-bytes") < 1 {
		return usageErrorf("--batch-bytes %d: want 1 or more", cmd.Int("batch-bytes"))
	}
	if err := s.open(ctx); err != nil {
		return err
	}
	defer s.close(&err)
	sum, err := runImport(ctx, s, cmd.Root().ErrWriter, debian.Options{
		Sources: cmd.StringSlice("from"), Batch: batch, BatchBytes: cmd.Int("batch-bytes"), MaxBatches: cmd.Int("max-batches"),
	})
	if err != nil {
		return err
	}
	return writeObject(s.stdout, s.format, importDebianColumns, sum.Packages, sum.Added, sum.Removed,
		sum.Upgraded, sum.Downgraded, sum.Unchanged, sum.Tuples, sum.Postings, sum.Vectors,
		strings.Join(sum.Changes, ","), sum.Resumed, fmt.Sprintf("%.2f", sum.Seconds), fmt.Sprintf("%.3f", sum.MaxBatchSeconds))
}

// runImport runs the import with a progress bar on errw.
func runImport(ctx context.Context, s *session, errw io.Writer, opts debian.Options) (debian.Summary, error) {
	p := newProgress(errw, "imported", 0)
	defer p.done()
	opts.Progress = func(done, total int) {
		if _, ok := p.due(); !ok && done != total {
			return
		}
		if !p.on {
			return
		}
		const width = 30
		fill := 0
		if total > 0 {
			fill = done * width / total
		}
		p.show(fmt.Sprintf("import debian [%s%s] %d/%d packages", strings.Repeat("#", fill), strings.Repeat(".", width-fill), done, total))
	}
	sum, err := debian.Import(ctx, s.ownTxDB(), opts)
	for _, l := range sum.Skipped {
		fmt.Fprintf(errw, "strata: skipped %s: .xz, .bz2 and .zst lists are not read (plain, .gz and .lz4 are)\n", l)
	}
	if errors.Is(err, debian.ErrStopped) {
		return sum, withCode(ExitFailure, err)
	}
	return sum, err
}
