package debian

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/strata-db/strata/blob"
	"github.com/strata-db/strata/eav"
	"github.com/strata-db/strata/invindex"
	"github.com/strata-db/strata/kv"
	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/subspace"
	"github.com/strata-db/strata/layer/tuple"
	"github.com/strata-db/strata/tuplestore"
	"github.com/strata-db/strata/vector"
	"github.com/strata-db/strata/vnstore"
)

// Name is the name every store of the catalog is registered under, one per
// layer ("strata eav get debian ...", "strata tuple query debian ...").
const Name = "debian"

// VectorIndex is the index of the vector bucket Name holding embeddings.
const VectorIndex = "packages"

// RelationFields are the relation fields loaded as tuples, and the
// predicate (lowercase) each becomes.
var RelationFields = []string{"Depends", "Pre-Depends", "Recommends", "Suggests", "Provides", "Conflicts", "Breaks"}

// DefaultSources are the files read when none are given: dpkg's status
// and apt's package lists that Open can read; skipped are the lists it
// cannot decompress (.xz, .bz2, .zst).
func DefaultSources() (srcs, skipped []string) {
	srcs = []string{"/var/lib/dpkg/status"}
	lists, _ := filepath.Glob("/var/lib/apt/lists/*_Packages*")
	for _, l := range lists {
		if strings.HasSuffix(l, "_Packages") || strings.HasSuffix(l, ".gz") || strings.HasSuffix(l, ".lz4") {
			srcs = append(srcs, l)
		} else {
			skipped = append(skipped, l)
		}
	}
	return srcs, skipped
}

// Stores are the layers the catalog is loaded into.
type Stores struct {
	Docs     *eav.Store
	Tuples   *tuplestore.Store
	Versions *vnstore.Store
	Text     *invindex.Index
	Bucket   *vector.Bucket
	Vectors  *vector.Index
	KV       *kv.Store
	Blobs    *blob.Store
}

// indexedFields are the eav index rules: long values (descriptions,
// conffiles) could not be index keys.
var indexedFields = []string{"Package", "Version", "Section", "Priority", "Architecture", "Maintainer", "Source", "Installed-Size", "Size", "Status", "Origin"}

func sub(layerName string) subspace.Subspace {
	return subspace.FromTuple(tuple.Tuple{"strata", layerName, Name})
}

// OpenStores opens the stores registered as Name, or creates (registers)
// the missing ones when create is set; without create, a missing store is
// an error wrapping ErrNotImported.
func OpenStores(ctx context.Context, db layer.DB, create bool) (*Stores, error) {
	open := func(tx layer.ReadTx) (*Stores, []error) {
		var s Stores
		var errs [8]error
		s.Docs, errs[0] = eav.Open(tx, eav.DefaultRegistry, Name)
		s.Tuples, errs[1] = tuplestore.Open(tx, tuplestore.DefaultRegistry, Name)
		s.Versions, errs[2] = vnstore.Open(tx, vnstore.DefaultRegistry, Name)
		s.Text, errs[3] = invindex.Open(tx, invindex.DefaultRegistry, Name, nil)
		s.Bucket, errs[4] = vector.Open(tx, vector.DefaultRegistry, Name)
		if errs[4] == nil {
			s.Vectors, errs[5] = s.Bucket.Index(tx, VectorIndex)
		}
		s.KV, errs[6] = kv.Open(tx, kv.DefaultRegistry, Name, nil)
		s.Blobs, errs[7] = blob.Open(tx, blob.DefaultRegistry, Name)
		return &s, errs[:]
	}
	if !create {
		return layer.ReadTransact(ctx, db, func(tx layer.ReadTx) (*Stores, error) {
			s, errs := open(tx)
			if err := errors.Join(errs...); err != nil {
				return nil, fmt.Errorf("%w: %v", ErrNotImported, err)
			}
			return s, nil
		})
	}
	return layer.Transact(ctx, db, func(tx layer.Tx) (*Stores, error) {
		s, errs := open(tx)
		var err error
		if errs[0] != nil {
			if s.Docs, err = eav.Create(tx, eav.DefaultRegistry, Name, eav.Spec{Subspace: sub("eav"), Indexes: indexedFields}); err != nil {
				return nil, err
			}
		}
		if errs[1] != nil {
			if s.Tuples, err = tuplestore.Create(tx, tuplestore.DefaultRegistry, Name, tuplestore.Spec{Subspace: sub("tuple"), Columns: []string{"package", "relation", "target"}}); err != nil {
				return nil, err
			}
		}
		if errs[2] != nil {
			if s.Versions, err = vnstore.Create(tx, vnstore.DefaultRegistry, Name, vnstore.Spec{Subspace: sub("vn"), Columns: []string{"package", "field", "value"}}); err != nil {
				return nil, err
			}
		}
		if errs[3] != nil {
			if s.Text, err = invindex.Create(tx, invindex.DefaultRegistry, Name, invindex.Spec{Subspace: sub("search")}); err != nil {
				return nil, err
			}
		}
		if errs[4] != nil {
			if s.Bucket, err = vector.Create(tx, vector.DefaultRegistry, Name, vector.Spec{Subspace: sub("vector")}); err != nil {
				return nil, err
			}
		}
		if errs[4] != nil || errs[5] != nil {
			if s.Vectors, err = s.Bucket.CreateIndex(tx, VectorIndex, vector.IndexSpec{Dims: Dims, Metric: vector.Cosine, Kind: vector.IVF}); err != nil {
				return nil, err
			}
		}
		if errs[6] != nil {
			if s.KV, err = kv.Create(tx, kv.DefaultRegistry, Name, kv.Spec{Subspace: sub("kv")}); err != nil {
				return nil, err
			}
		}
		if errs[7] != nil {
			if s.Blobs, err = blob.Create(tx, blob.DefaultRegistry, Name, blob.Spec{Subspace: sub("blob")}); err != nil {
				return nil, err
			}
		}
		return s, nil
	})
}

// ErrNotImported means the catalog's stores do not exist.
var ErrNotImported = errors.New("debian: no catalog imported (run strata import debian)")

// ErrStopped is returned by Import when Options.MaxBatches stopped it; the
// next Import resumes.
var ErrStopped = errors.New("debian: import stopped (run it again to resume)")

// Options control an import.
type Options struct {
	// Sources are the files to read (DefaultSources if empty).
	Sources []string
	// Batch is the most packages written per transaction (200 if 0).
	Batch int
	// BatchBytes ends a batch early once its stanzas add up to this many
	// bytes (DefaultBatchBytes if 0). A package costs 25 to 33 times its
	// stanza in transaction bytes (every layer's keys, index entries and
	// conflict ranges): 64 KB of stanzas make about 2 MB of the 10 MB a
	// transaction may hold.
	BatchBytes int
	// MaxBatches stops the import with ErrStopped after that many batch
	// transactions (0: no limit), as a kill would: for tests.
	MaxBatches int
	// Progress, if set, is called after each batch with the packages done
	// and the total.
	Progress func(done, total int)
}

// DefaultBatchBytes is Options.BatchBytes's default.
const DefaultBatchBytes = 64_000

// Summary is what an import did.
type Summary struct {
	Sources map[string]int // stanzas read per source
	// Skipped are the apt lists not read (compressions Open lacks).
	Skipped []string
	// Packages is the number of packages in the catalog after the import.
	Packages int
	// Added, Removed, Upgraded and Downgraded compare with the import
	// before; Unchanged packages were skipped.
	Added, Removed, Upgraded, Downgraded, Unchanged int
	// Tuples, Postings and Vectors are what the catalog holds in the
	// tuple store, the inverted index (distinct terms per package, summed)
	// and the vector index.
	Tuples, Postings, Vectors int64
	// Changes are the vnstore changes applied (usually one; see Import),
	// none if nothing changed.
	Changes []string
	// Batches is the number of batch transactions this run committed;
	// Resumed is set when it continued an interrupted import.
	Batches int
	Resumed bool
	Seconds float64
	// MaxBatchSeconds is the longest batch transaction of this run.
	MaxBatchSeconds float64
}

// state is the import's progress, a kv value written in each batch's
// transaction.
type state struct {
	Fingerprint string   `json:"fingerprint"`
	Phase       string   `json:"phase"` // "load", "remove"
	Cursor      string   `json:"cursor"`
	Change      string   `json:"change"`
	Applied     []string `json:"applied,omitempty"`
	Added       int      `json:"added"`
	Removed     int      `json:"removed"`
	Upgraded    int      `json:"upgraded"`
	Downgraded  int      `json:"downgraded"`
	Unchanged   int      `json:"unchanged"`
}

const stateKey = "import/state"

// LastImportKey is the kv key holding the JSON Summary of the last
// completed import.
const LastImportKey = "import/last"

// SectionsHash is the kv hash whose fields are the sections seen; the
// counter "section/S" counts the packages of section S.
const SectionsHash = "sections"

// SectionCounter names the counter of a section.
func SectionCounter(section string) string { return "section/" + section }

// Import loads the catalog read from opts.Sources into the stores named
// Name, creating them if needed.
//
// Packages are written in name order, opts.Batch per transaction; each
// transaction writes, for each package of the batch, every layer (the eav
// document, its tuples, its postings, its vector, its stanza's blob, the
// section counters and its version in the pending vnstore change) and the
// import's cursor (the last package written), so a killed import loses
// nothing and the next one resumes after the cursor. A package whose stanza
// is the one already stored (same SHA-256) is skipped, so importing the
// same catalog again writes nothing. Packages stored but absent from the
// catalog are removed next, in batches too. The vnstore change, created at
// the start, is applied at the end, in the transaction that removes the
// cursor: it holds (package, "version", v) tuples added and removed, so
// vn change show lists what the import added, removed and upgraded.
//
// A vnstore change holds at most vnstore.MaxChangeTuples tuples (and
// MaxApplyBytes): a first import of a full catalog (tens of thousands of
// packages) does not fit in one, so when a batch would overflow the change,
// the change is applied and a new one continues the import ("part 2", ...).
func Import(ctx context.Context, db layer.DB, opts Options) (Summary, error) {
	start := time.Now()
	var skipped []string
	if len(opts.Sources) == 0 {
		opts.Sources, skipped = DefaultSources()
	}
	if opts.Batch <= 0 {
		opts.Batch = 200
	}
	if opts.BatchBytes <= 0 {
		opts.BatchBytes = DefaultBatchBytes
	}
	cat, err := ReadCatalog(opts.Sources)
	if err != nil {
		return Summary{}, err
	}
	sum := Summary{Sources: cat.Read, Skipped: skipped, Packages: len(cat.Packages)}
	h := sha256.New()
	recs := make([]*record, len(cat.Packages))
	names := make(map[string]bool, len(cat.Packages))
	for i, s := range cat.Packages {
		h.Write([]byte(s.Raw))
		h.Write([]byte{0})
		r := newRecord(s)
		recs[i] = r
		names[r.name] = true
		sum.Tuples += int64(len(r.tuples))
		sum.Postings += int64(len(distinct(invindex.Tokenize(r.text))))
	}
	sum.Vectors = int64(len(recs))
	fp := hex.EncodeToString(h.Sum(nil))

	st, err := OpenStores(ctx, db, true)
	if err != nil {
		return sum, err
	}
	// The import's state: resume or start.
	stt, err := layer.Transact(ctx, db, func(tx layer.Tx) (state, error) {
		var s state
		it, err := st.KV.Get(tx, stateKey)
		if err == nil {
			if err := json.Unmarshal(it.Value, &s); err != nil {
				return s, fmt.Errorf("debian: import state: %w", err)
			}
			if s.Fingerprint != fp {
				// The input changed since the interrupted import: start
				// over in the same change (writes are idempotent).
				s.Fingerprint, s.Phase, s.Cursor = fp, "load", ""
			}
			return s, saveState(tx, st, s)
		}
		if !errors.Is(err, kv.ErrNotFound) {
			return s, err
		}
		id, err := newChange(tx, st, 1)
		if err != nil {
			return s, err
		}
		s = state{Fingerprint: fp, Phase: "load", Change: id.String()}
		return s, saveState(tx, st, s)
	})
	if err != nil {
		return sum, err
	}
	sum.Resumed = stt.Cursor != "" || stt.Phase != "load" || len(stt.Applied) > 0
	batches := 0
	stop := func() error {
		if opts.MaxBatches > 0 && batches >= opts.MaxBatches {
			return ErrStopped
		}
		return ctx.Err()
	}
	report := func(done int) {
		if opts.Progress != nil {
			opts.Progress(done, len(recs))
		}
	}

	// Load.
	if stt.Phase == "load" {
		i, _ := slices.BinarySearchFunc(recs, stt.Cursor, func(r *record, c string) int { return strings.Compare(r.name, c) })
		if i < len(recs) && recs[i].name == stt.Cursor {
			i++
		}
		report(i)
		for i < len(recs) {
			if err := stop(); err != nil {
				sum.Batches = batches
				return sum, err
			}
			n, bytes := 0, 0
			for i+n < len(recs) && n < opts.Batch && (n == 0 || bytes+len(recs[i+n].raw) <= opts.BatchBytes) {
				bytes += len(recs[i+n].raw)
				n++
			}
			batch := recs[i : i+n]
			t0 := time.Now()
			next, err := runBatch(ctx, db, st, stt, func(tx layer.Tx, s *state) error {
				for _, r := range batch {
					if err := writePackage(tx, st, s, r); err != nil {
						return fmt.Errorf("debian: package %s: %w", r.name, err)
					}
				}
				s.Cursor = batch[len(batch)-1].name
				if batch[len(batch)-1] == recs[len(recs)-1] {
					s.Phase, s.Cursor = "remove", ""
				}
				return nil
			})
			if err != nil {
				return sum, err
			}
			stt = next
			batches++
			sum.MaxBatchSeconds = max(sum.MaxBatchSeconds, time.Since(t0).Seconds())
			i += len(batch)
			report(i)
		}
		if len(recs) == 0 {
			stt.Phase = "remove"
		}
	}

	// Remove the packages stored but no longer in the catalog.
	var gone []string
	for after := eav.Continuation(nil); ; {
		type page struct {
			ids  []string
			next eav.Continuation
		}
		p, err := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) (page, error) {
			cur := st.Docs.Query(tx.Snapshot(), eav.QueryOptions{Limit: 1000, After: after})
			var p page
			for id, err := range cur.All() {
				if err != nil {
					return p, err
				}
				if s, ok := id.(string); ok && !names[s] {
					p.ids = append(p.ids, s)
				}
			}
			p.next = cur.Continuation()
			return p, nil
		})
		if err != nil {
			return sum, err
		}
		gone = append(gone, p.ids...)
		if p.next == nil {
			break
		}
		after = p.next
	}
	for len(gone) > 0 {
		if err := stop(); err != nil {
			sum.Batches = batches
			return sum, err
		}
		batch := gone[:min(opts.Batch, 100, len(gone))]
		next, err := runBatch(ctx, db, st, stt, func(tx layer.Tx, s *state) error {
			for _, name := range batch {
				if err := removePackage(tx, st, s, name); err != nil {
					return fmt.Errorf("debian: removing %s: %w", name, err)
				}
			}
			return nil
		})
		if err != nil {
			return sum, err
		}
		stt = next
		batches++
		gone = gone[len(batch):]
	}

	// Apply the change, record the summary, drop the state.
	sum.Added, sum.Removed, sum.Upgraded, sum.Downgraded, sum.Unchanged = stt.Added, stt.Removed, stt.Upgraded, stt.Downgraded, stt.Unchanged
	sum.Batches = batches
	sum.Seconds = time.Since(start).Seconds()
	applied, err := layer.Transact(ctx, db, func(tx layer.Tx) ([]string, error) {
		applied := slices.Clone(stt.Applied)
		id, err := vnstore.ParseChangeID(stt.Change)
		if err != nil {
			return nil, err
		}
		ch, err := st.Versions.Change(tx, id)
		if err != nil {
			return nil, err
		}
		if ch.Tuples > 0 {
			if err := st.Versions.Apply(tx, id); err != nil {
				return nil, err
			}
			applied = append(applied, stt.Change)
		} else if err := st.Versions.Abandon(tx, id); err != nil {
			return nil, err
		}
		s := sum
		s.Changes = applied
		b, _ := json.Marshal(s)
		if _, err := st.KV.Put(tx, LastImportKey, b, kv.PutOptions{}); err != nil {
			return nil, err
		}
		_, err = st.KV.Delete(tx, stateKey, kv.DeleteOptions{})
		return applied, err
	})
	if err != nil {
		return sum, err
	}
	sum.Changes = applied
	sum.Seconds = time.Since(start).Seconds()
	return sum, nil
}

func saveState(tx layer.Tx, st *Stores, s state) error {
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	_, err = st.KV.Put(tx, stateKey, b, kv.PutOptions{})
	return err
}

func newChange(tx layer.Tx, st *Stores, part int) (vnstore.ChangeID, error) {
	id, err := st.Versions.CreateChange(tx)
	if err != nil {
		return id, err
	}
	msg := "import debian"
	if part > 1 {
		msg += fmt.Sprintf(" (part %d)", part)
	}
	return id, st.Versions.Message(tx, id, msg)
}

// runBatch runs one batch transaction on a copy of the state, saved in the
// same transaction. When the batch would overflow the vnstore change, it
// applies the change, starts the next one, and runs the batch again.
func runBatch(ctx context.Context, db layer.DB, st *Stores, cur state, fn func(tx layer.Tx, s *state) error) (state, error) {
	for {
		next, err := layer.Transact(ctx, db, func(tx layer.Tx) (state, error) {
			s := cur
			s.Applied = slices.Clone(cur.Applied)
			if err := fn(tx, &s); err != nil {
				return s, err
			}
			return s, saveState(tx, st, s)
		})
		if !errors.Is(err, vnstore.ErrChangeTooLarge) {
			return next, err
		}
		cur, err = layer.Transact(ctx, db, func(tx layer.Tx) (state, error) {
			s := cur
			id, err := vnstore.ParseChangeID(s.Change)
			if err != nil {
				return s, err
			}
			if ch, err := st.Versions.Change(tx, id); err != nil {
				return s, err
			} else if ch.Tuples == 0 {
				return s, fmt.Errorf("debian: one batch's versions overflow an empty vnstore change: use a smaller batch")
			}
			if err := st.Versions.Apply(tx, id); err != nil {
				return s, err
			}
			s.Applied = append(slices.Clone(s.Applied), s.Change)
			nid, err := newChange(tx, st, len(s.Applied)+1)
			if err != nil {
				return s, err
			}
			s.Change = nid.String()
			return s, saveState(tx, st, s)
		})
		if err != nil {
			return cur, err
		}
	}
}

// record is a package ready to write.
type record struct {
	name, version, section string
	doc                    eav.Document
	tuples                 [][3]string // (package, relation, target); value in values
	values                 []string
	text                   string
	short, long            string
	meta                   map[string]any
	raw                    []byte
	hash                   string
}

// maxField bounds a field kept in the eav document (layer.MaxValueSize is
// the hard limit); the stanza's blob keeps everything.
const maxField = 90_000

func newRecord(s *Stanza) *record {
	r := &record{name: s.Package(), version: s.Get("Version"), raw: []byte(s.Raw)}
	r.section = s.Get("Section")
	if r.section == "" {
		r.section = "unknown"
	}
	sum := sha256.Sum256(r.raw)
	r.hash = hex.EncodeToString(sum[:])
	r.doc = eav.Document{}
	for _, f := range s.Fields {
		if len(f.Value) > maxField || strings.ContainsRune(f.Name, '.') {
			continue
		}
		var v any = f.Value
		if f.Name == "Installed-Size" || f.Name == "Size" {
			if n, err := strconv.ParseInt(f.Value, 10, 64); err == nil {
				v = n
			}
		}
		r.doc[f.Name] = v
	}
	r.doc["Stanza-SHA256"] = r.hash
	desc := s.Get("Description")
	r.short, r.long, _ = strings.Cut(desc, "\n")
	r.long = strings.ReplaceAll(r.long, "\n.", "\n")
	r.text = r.name + "\n" + r.short + "\n" + r.long
	// Relations: one tuple per alternative, its value the whole clause.
	idx := map[[3]string]int{}
	addTuple := func(p, t, v string) {
		k := [3]string{r.name, p, t}
		if i, ok := idx[k]; ok {
			if v != "" && !strings.Contains(r.values[i], v) {
				r.values[i] += ", " + v
			}
			return
		}
		idx[k] = len(r.tuples)
		r.tuples = append(r.tuples, k)
		r.values = append(r.values, v)
	}
	for _, field := range RelationFields {
		for _, cl := range ParseRelations(s.Get(field)) {
			for _, alt := range cl.Alternatives {
				addTuple(strings.ToLower(field), alt.Name, cl.Text)
			}
		}
	}
	addTuple("section", r.section, "")
	if m := s.Get("Maintainer"); m != "" {
		addTuple("maintainer", m, "")
	}
	r.meta = map[string]any{"section": r.section, "priority": s.Get("Priority"), "architecture": s.Get("Architecture")}
	return r
}

func distinct(ts []string) map[string]bool {
	m := make(map[string]bool, len(ts))
	for _, t := range ts {
		m[t] = true
	}
	return m
}

// writePackage writes one package to every layer, replacing what an
// earlier import wrote for it.
func writePackage(tx layer.Tx, st *Stores, s *state, r *record) error {
	old, err := st.Docs.Get(tx, r.name)
	switch {
	case errors.Is(err, eav.ErrNotFound):
		old = nil
	case err != nil:
		return err
	}
	oldVersion, oldSection, oldHash := "", "", ""
	if old != nil {
		oldVersion, _ = old["Version"].(string)
		oldSection, _ = old["Section"].(string)
		if oldSection == "" {
			oldSection = "unknown"
		}
		oldHash, _ = old["Stanza-SHA256"].(string)
		if oldHash == r.hash {
			s.Unchanged++
			return nil
		}
	}
	// Blob: the stanza, one reference per stored package.
	if oldHash != "" {
		if id, err := blob.ParseID(oldHash); err == nil {
			if _, err := st.Blobs.Delete(tx, id); err != nil && !errors.Is(err, blob.ErrNotFound) {
				return err
			}
		}
	}
	if _, err := st.Blobs.PutSmall(tx, r.raw); err != nil {
		return err
	}
	// Document.
	if old != nil {
		err = st.Docs.Replace(tx, r.name, r.doc)
	} else {
		err = st.Docs.CreateWithID(tx, r.name, r.doc)
	}
	if err != nil {
		return err
	}
	// Tuples.
	if old != nil {
		if err := removeTuples(tx, st, r.name); err != nil {
			return err
		}
	}
	for i, t := range r.tuples {
		var v []byte
		if r.values[i] != "" {
			v = []byte(r.values[i])
		}
		if err := st.Tuples.Add(tx, []any{t[0], t[1], t[2]}, v); err != nil {
			return err
		}
	}
	// Text, vector.
	if err := st.Text.Index(tx, r.name, r.text); err != nil {
		return err
	}
	if err := st.Vectors.Put(tx, r.name, Embed(r.name, r.short, r.long), r.meta); err != nil {
		return err
	}
	// Counters.
	if old != nil {
		c, err := st.KV.Counter(SectionCounter(oldSection))
		if err != nil {
			return err
		}
		c.Add(tx, -1)
	}
	c, err := st.KV.Counter(SectionCounter(r.section))
	if err != nil {
		return err
	}
	c.Add(tx, 1)
	if err := st.KV.HSet(tx, SectionsHash, r.section, nil); err != nil {
		return err
	}
	// Version history.
	id, err := vnstore.ParseChangeID(s.Change)
	if err != nil {
		return err
	}
	switch {
	case old == nil:
		s.Added++
	case oldVersion == r.version:
		s.Unchanged++ // same version, other fields changed
		return nil
	default:
		if CompareVersions(r.version, oldVersion) > 0 {
			s.Upgraded++
		} else {
			s.Downgraded++
		}
		if _, err := st.Versions.Remove(tx, id, []any{r.name, "version", oldVersion}); err != nil {
			return err
		}
	}
	_, err = st.Versions.Add(tx, id, []any{r.name, "version", r.version})
	return err
}

func removeTuples(tx layer.Tx, st *Stores, name string) error {
	var ts [][]any
	cur := st.Tuples.Query(tx, tuplestore.QueryOptions{}, tuplestore.Pattern{name, tuplestore.Var("p"), tuplestore.Var("o")})
	for b, err := range cur.All() {
		if err != nil {
			return err
		}
		ts = append(ts, []any{name, b["p"], b["o"]})
	}
	for _, t := range ts {
		if err := st.Tuples.Remove(tx, t); err != nil {
			return err
		}
	}
	return nil
}

// removePackage removes a package from every layer.
func removePackage(tx layer.Tx, st *Stores, s *state, name string) error {
	old, err := st.Docs.Get(tx, name)
	if errors.Is(err, eav.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if h, _ := old["Stanza-SHA256"].(string); h != "" {
		if id, err := blob.ParseID(h); err == nil {
			if _, err := st.Blobs.Delete(tx, id); err != nil && !errors.Is(err, blob.ErrNotFound) {
				return err
			}
		}
	}
	if _, err := st.Docs.Delete(tx, name); err != nil {
		return err
	}
	if err := removeTuples(tx, st, name); err != nil {
		return err
	}
	if _, err := st.Text.Remove(tx, name); err != nil {
		return err
	}
	if _, err := st.Vectors.Delete(tx, name); err != nil {
		return err
	}
	section, _ := old["Section"].(string)
	if section == "" {
		section = "unknown"
	}
	c, err := st.KV.Counter(SectionCounter(section))
	if err != nil {
		return err
	}
	c.Add(tx, -1)
	if v, _ := old["Version"].(string); v != "" {
		id, err := vnstore.ParseChangeID(s.Change)
		if err != nil {
			return err
		}
		if _, err := st.Versions.Remove(tx, id, []any{name, "version", v}); err != nil {
			return err
		}
	}
	s.Removed++
	return nil
}
