package eav

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/tuple"
	"github.com/strata-db/strata/tuplestore"
)

// JobKind is the kind of a store-wide job.
type JobKind uint8

// The jobs.
const (
	// DropField removes the attribute Arg, and every attribute under it
	// ("Arg.x"), from every document.
	DropField JobKind = iota + 1
	// DropPrefix removes every attribute whose name starts with Arg (a
	// plain string prefix: "tmp_" or "address.") from every document.
	DropPrefix
	// DropAll removes every document and index entry; the index rules
	// stay, all ready.
	DropAll
	// BuildIndex adds the index entries of the declared rule Arg (see
	// AddIndex) for every document, then makes the rule ready.
	BuildIndex
)

var jobNames = map[JobKind]string{DropField: "drop-field", DropPrefix: "drop-prefix", DropAll: "drop-all", BuildIndex: "build-index"}

// String names the kind: "drop-field", "drop-prefix", "drop-all",
// "build-index".
func (k JobKind) String() string {
	if n, ok := jobNames[k]; ok {
		return n
	}
	return fmt.Sprintf("JobKind(%d)", k)
}

// Job is a store-wide change too large for one transaction. RunJob runs it
// in bounded transactions, keeping its progress in the database, so that
// it can be stopped at any point and resumed by running it again.
type Job struct {
	Kind JobKind
	Arg  string
}

// String renders the job: drop-field "age".
func (j Job) String() string {
	if j.Kind == DropAll {
		return j.Kind.String()
	}
	return fmt.Sprintf("%s %q", j.Kind, j.Arg)
}

func (j Job) check() error {
	switch j.Kind {
	case DropField:
		if err := checkAttr(j.Arg); err != nil {
			return fmt.Errorf("%w: %s: %w", ErrJob, j, err)
		}
	case DropPrefix:
		if j.Arg == "" {
			return fmt.Errorf("%w: %s: empty prefix (DropAll removes everything)", ErrJob, j)
		}
	case DropAll:
		if j.Arg != "" {
			return fmt.Errorf("%w: %s takes no argument", ErrJob, j)
		}
	case BuildIndex:
		if err := checkRule(j.Arg); err != nil {
			return fmt.Errorf("%w: %s: %w", ErrJob, j, err)
		}
	default:
		return fmt.Errorf("%w: unknown kind %d", ErrJob, j.Kind)
	}
	return nil
}

// selects reports whether the job acts on the attribute.
func (j Job) selects(attr string) bool {
	switch j.Kind {
	case DropField:
		return within(attr, j.Arg)
	case DropPrefix:
		return strings.HasPrefix(attr, j.Arg)
	case BuildIndex:
		return ruleMatches(j.Arg, attr)
	}
	return false
}

// Defaults of JobOptions.
const (
	DefaultStepDocs  = 1000
	DefaultStepBytes = 1 << 20
)

// JobOptions bound a job's transactions and its run.
type JobOptions struct {
	// MaxSteps stops RunJob after that many transactions, with the job
	// not done (its progress is kept); 0 runs it to the end.
	MaxSteps int
	// StepDocs is how many documents a transaction examines at most
	// (DefaultStepDocs if 0).
	StepDocs int
	// StepBytes is how many bytes of documents (by their recorded size) a
	// transaction changes at most, or one document if it is larger
	// (DefaultStepBytes if 0). A step's transaction takes at most about
	// four times that (the cleared keys of a drop), or MaxDocumentSize.
	StepBytes int
	// Progress, if set, is called after each committed transaction.
	Progress func(JobStatus)
}

// JobStatus is a job's progress.
type JobStatus struct {
	Job Job
	// Done is true once the job has finished; its record is then removed.
	Done bool
	// Steps is the number of transactions this run committed.
	Steps int
	// Docs and Changed count the documents examined and changed since the
	// job started, over every run.
	Docs, Changed int64
	// Cursor is the id of the last document examined (nil before the
	// first); the next step starts after it.
	Cursor ID
}

func (s *Store) jobKey(j Job) []byte { return s.metaKey("job", j.Kind.String(), j.Arg) }

const jobFormat = 1

// jobRecord is what the database keeps of a job in progress.
type jobRecord struct {
	cursor        []byte // packed id of the last document examined, or nil
	docs, changed int64
}

func parseJobRecord(v []byte) (jobRecord, error) {
	t, err := tuple.Unpack(v)
	if err != nil || len(t) != 4 {
		return jobRecord{}, fmt.Errorf("%w: job record %q", ErrCorrupt, v)
	}
	f, ok1 := t[0].(int64)
	cur, ok2 := t[1].([]byte)
	docs, ok3 := t[2].(int64)
	changed, ok4 := t[3].(int64)
	if !ok1 || f != jobFormat || !(ok2 || t[1] == nil) || !ok3 || !ok4 {
		return jobRecord{}, fmt.Errorf("%w: job record %q", ErrCorrupt, v)
	}
	return jobRecord{cursor: cur, docs: docs, changed: changed}, nil
}

func (r jobRecord) encode() []byte {
	var cur any
	if r.cursor != nil {
		cur = r.cursor
	}
	return tuple.Tuple{jobFormat, cur, r.docs, r.changed}.Pack()
}

func (r jobRecord) status(j Job, done bool) (JobStatus, error) {
	st := JobStatus{Job: j, Done: done, Docs: r.docs, Changed: r.changed}
	if r.cursor != nil {
		id, err := decodeID(r.cursor)
		if err != nil {
			return JobStatus{}, err
		}
		st.Cursor = id
	}
	return st, nil
}

// Jobs returns the jobs in progress: started by RunJob and not finished.
func (s *Store) Jobs(tx layer.ReadTx) ([]JobStatus, error) {
	r, err := subspaceRange(s.metaKey("job"))
	if err != nil {
		return nil, err
	}
	var out []JobStatus
	for kv, err := range tx.GetRange(r, layer.RangeOptions{}).All() {
		if err != nil {
			return nil, err
		}
		t, err := tuple.Unpack(kv.Key[len(s.meta):])
		if err != nil || len(t) != 3 {
			return nil, fmt.Errorf("%w: job key %q", ErrCorrupt, kv.Key)
		}
		name, _ := t[1].(string)
		arg, _ := t[2].(string)
		j := Job{Arg: arg}
		for k, n := range jobNames {
			if n == name {
				j.Kind = k
			}
		}
		rec, err := parseJobRecord(kv.Value)
		if err != nil {
			return nil, err
		}
		st, err := rec.status(j, false)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

func subspaceRange(prefix []byte) (layer.KeyRange, error) {
	return layer.KeyRange{Begin: append(slices.Clip(prefix), 0x00), End: append(slices.Clip(prefix), 0xff)}, nil
}

// RunJob runs a job to its end, or until opts.MaxSteps transactions or
// ctx ends, in transactions of its own (it is the one part of the package
// that commits: a job does not fit in one transaction). Each transaction
// examines the next documents in id order, up to opts.StepDocs of them
// and opts.StepBytes of changes, and records the position reached in the
// same commit; running the job again resumes there. Interrupting it at
// any point (a crash, ctx, MaxSteps) loses nothing and repeats nothing.
//
// A job sees each document once, as it is when the job reaches it: a drop
// job does not remove an attribute written after it passed the document,
// and the writes of other clients in the meantime are kept. BuildIndex
// needs a rule declared with AddIndex (ErrNoIndex otherwise); writes
// maintain the rule's entries from its declaration on, so the index is
// complete when the job ends, and the job makes it ready in its last
// transaction. A value too long for an index key stops it with
// ErrIndexKeyTooLarge, naming the document; fix it and run the job again.
func (s *Store) RunJob(ctx context.Context, db layer.DB, j Job, opts JobOptions) (JobStatus, error) {
	if err := j.check(); err != nil {
		return JobStatus{Job: j}, err
	}
	if opts.StepDocs <= 0 {
		opts.StepDocs = DefaultStepDocs
	}
	if opts.StepBytes <= 0 {
		opts.StepBytes = DefaultStepBytes
	}
	st := JobStatus{Job: j}
	for opts.MaxSteps <= 0 || st.Steps < opts.MaxSteps {
		next, err := layer.Transact(ctx, db, func(tx layer.Tx) (JobStatus, error) {
			return s.jobStep(tx, j, opts)
		})
		if err != nil {
			return st, err
		}
		next.Steps = st.Steps + 1
		st = next
		if opts.Progress != nil {
			opts.Progress(st)
		}
		if st.Done {
			break
		}
	}
	return st, nil
}

// jobStep runs one transaction of a job.
func (s *Store) jobStep(tx layer.Tx, j Job, opts JobOptions) (JobStatus, error) {
	key := s.jobKey(j)
	rf := tx.Get(key)
	cf := s.readConfig(tx)
	rv, err := rf.Get()
	if err != nil {
		return JobStatus{}, err
	}
	rec := jobRecord{}
	if rv != nil {
		if rec, err = parseJobRecord(rv); err != nil {
			return JobStatus{}, err
		}
	}
	cfg, err := cf()
	if err != nil {
		return JobStatus{}, err
	}
	switch j.Kind {
	case DropAll:
		for _, p := range [][]byte{s.hdr, s.data, s.idx} {
			r, _ := subspaceRange(p)
			tx.ClearRange(r)
		}
		s.setReady(tx, cfg, func(Index) bool { return true })
		tx.Clear(key)
		return rec.status(j, true)
	case BuildIndex:
		i := slices.IndexFunc(cfg.rules, func(r Index) bool { return r.Rule == j.Arg })
		if i < 0 {
			tx.Clear(key)
			return JobStatus{}, fmt.Errorf("%w: %q (declare it with AddIndex)", ErrNoIndex, j.Arg)
		}
		if cfg.rules[i].Ready {
			tx.Clear(key)
			return rec.status(j, true)
		}
	}
	r, _ := subspaceRange(s.hdr)
	if rec.cursor != nil {
		r.Begin = append(cat(s.hdr, rec.cursor), 0x00)
	}
	// The headers are read as a snapshot, so that a concurrent write to a
	// document the step leaves alone does not conflict it; the documents
	// it changes get read conflicts (below). That is enough: a writer
	// maintains the entries of every declared rule, ready or not, so a
	// document written after this snapshot is indexed by its writer, and
	// one that gains a dropped attribute after it is as if written after
	// the step. The step's value reads are strict as well.
	kvs, err := tx.Snapshot().GetRange(r, layer.RangeOptions{Limit: opts.StepDocs, Mode: layer.StreamingModeWantAll}).Slice()
	if err != nil {
		return JobStatus{}, err
	}
	// Take documents while their sizes fit the step; read the values of
	// the attributes the job acts on, all at once.
	type work struct {
		d     doc
		names []string
		futs  []layer.Future[[]byte]
	}
	var todo []work
	budget := 0
	for _, kv := range kvs {
		h, err := parseHeader(kv.Value)
		if err != nil {
			return JobStatus{}, err
		}
		idItem := kv.Key[len(s.hdr):]
		w := work{d: doc{idItem: idItem, exists: true, h: h}}
		if slices.ContainsFunc(h.names, j.selects) {
			if len(todo) > 0 && budget+h.size > opts.StepBytes {
				break
			}
			budget += h.size
			if err := tx.AddReadConflictRange(layer.KeyRange{Begin: kv.Key, End: append(slices.Clip(kv.Key), 0x00)}); err != nil {
				return JobStatus{}, err
			}
			for _, n := range h.names {
				if j.selects(n) {
					w.names = append(w.names, n)
					w.futs = append(w.futs, tx.Get(s.dataKey(idItem, item(n))))
				}
			}
		}
		todo = append(todo, w)
	}
	for _, w := range todo {
		if len(w.names) == 0 {
			continue
		}
		if w.d.id, err = decodeID(w.d.idItem); err != nil {
			return JobStatus{}, err
		}
		values := make([][]byte, len(w.futs))
		for i, f := range w.futs {
			if values[i], err = f.Get(); err != nil {
				return JobStatus{}, err
			}
			if values[i] == nil {
				return JobStatus{}, fmt.Errorf("%w: document %s: attribute %q listed in the header is missing", ErrCorrupt, FormatID(w.d.id), w.names[i])
			}
		}
		if j.Kind == BuildIndex {
			if err := s.indexValues(tx, &w.d, w.names, values); err != nil {
				return JobStatus{}, err
			}
		} else {
			changes := make([]change, len(w.names))
			for i, n := range w.names {
				changes[i] = change{attr: n, old: values[i]}
			}
			if err := s.apply(tx, &w.d, cfg, changes); err != nil {
				return JobStatus{}, err
			}
		}
		rec.changed++
	}
	rec.docs += int64(len(todo))
	done := len(todo) == len(kvs) && len(kvs) < opts.StepDocs
	if len(todo) > 0 {
		rec.cursor = slices.Clone(todo[len(todo)-1].d.idItem)
	}
	if done {
		tx.Clear(key)
		if j.Kind == BuildIndex {
			s.setReady(tx, cfg, func(r Index) bool { return r.Rule == j.Arg })
		}
	} else {
		tx.Set(key, rec.encode())
	}
	return rec.status(j, done)
}

// indexValues writes the index entries of a document's values.
func (s *Store) indexValues(tx layer.Tx, d *doc, names []string, values [][]byte) error {
	for i, n := range names {
		items, err := distinctItems(values[i])
		if err != nil {
			return err
		}
		a, _ := tuplestore.EncodeItem(n)
		mark := entryMark(items)
		for _, it := range items {
			k := s.idxKey(a, it, d.idItem)
			if len(k) > layer.MaxKeySize {
				return &AttrError{Attr: n, ID: d.id, Err: ErrIndexKeyTooLarge, Detail: fmt.Sprintf(
					"a value of %d bytes encoded makes an index key of %d bytes, over the %d-byte key limit; "+
						"shorten the value or keep it in the blob layer (package blob), then run the job again", len(it), len(k), layer.MaxKeySize)}
			}
			tx.Set(k, mark)
		}
	}
	return nil
}

// setReady marks the rules sel picks ready, if any was not.
func (s *Store) setReady(tx layer.Tx, cfg config, sel func(Index) bool) {
	changed := false
	rules := slices.Clone(cfg.rules)
	for i := range rules {
		if !rules[i].Ready && sel(rules[i]) {
			rules[i].Ready, changed = true, true
		}
	}
	if changed {
		tx.Set(s.configKey(), config{rules: rules}.encode())
	}
}
