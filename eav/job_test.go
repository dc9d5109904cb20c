package eav

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/strata-db/strata/internal/testdb"
	"github.com/strata-db/strata/layer"
)

func fill(t *testing.T, db layer.DB, s *Store, n int) {
	t.Helper()
	testdb.Write(t, db, func(tx layer.Tx) error {
		for i := range n {
			d := Document{"name": fmt.Sprintf("p%03d", i), "tmp_a": i, "tmp_b": []any{i, "x"}, "address": Document{"city": "c" + fmt.Sprint(i%3), "zip": i}}
			if i%4 == 0 {
				delete(d, "address")
			}
			if err := s.CreateWithID(tx, i, d); err != nil {
				return err
			}
		}
		return nil
	})
}

// TestJobDropFieldResume interrupts a drop job midway (a step limit, then
// a cancelled context), checks the state it leaves, and resumes it.
func TestJobDropFieldResume(t *testing.T) {
	db, s := newStore(t)
	fill(t, db, s, 100)
	job := Job{Kind: DropField, Arg: "address"}
	var seen []JobStatus
	st, err := s.RunJob(t.Context(), db, job, JobOptions{MaxSteps: 3, StepDocs: 10, Progress: func(st JobStatus) { seen = append(seen, st) }})
	if err != nil || st.Done || st.Steps != 3 || st.Docs != 30 || st.Cursor != int64(29) || len(seen) != 3 {
		t.Fatalf("after 3 steps: %+v, %v (progress %d calls)", st, err, len(seen))
	}
	// Half done: documents up to the cursor lost the attribute, the others
	// kept it, and the index agrees.
	if got := query(t, db, s, Has("address.city")); len(got) != 53 { // 30..99 but multiples of 4
		t.Fatalf("documents with address.city after 30 of 100: %d", len(got))
	}
	checkConsistent(t, db, s)
	jobs := testdb.Read(t, db, func(tx layer.ReadTx) ([]JobStatus, error) { return s.Jobs(tx) })
	if len(jobs) != 1 || jobs[0].Job != job || jobs[0].Cursor != int64(29) || jobs[0].Docs != 30 || jobs[0].Changed != 22 {
		t.Fatalf("jobs in progress: %+v", jobs)
	}
	// A write behind the cursor adds the attribute back: the job has
	// passed that document and leaves it.
	testdb.Write(t, db, func(tx layer.Tx) error { return s.UpsertFields(tx, 1, Document{"address.city": "back"}) })
	// Interrupt through the context, after one more step.
	ctx, cancel := context.WithCancel(t.Context())
	st, err = s.RunJob(ctx, db, job, JobOptions{StepDocs: 10, Progress: func(JobStatus) { cancel() }})
	if !errors.Is(err, context.Canceled) || st.Done || st.Docs != 40 {
		t.Fatalf("cancelled run: %+v, %v", st, err)
	}
	// Resume to the end.
	st, err = s.RunJob(t.Context(), db, job, JobOptions{StepDocs: 10})
	if err != nil || !st.Done || st.Docs != 100 || st.Changed != 75 {
		t.Fatalf("resumed run: %+v, %v", st, err)
	}
	if got := query(t, db, s, Has("address.city")); !slices.Equal(got, strs(int64(1))) {
		t.Fatalf("documents with address.city: %v", got)
	}
	if got := query(t, db, s, Has("address.zip")); len(got) != 0 {
		t.Fatalf("documents with address.zip: %v", got)
	}
	if d := get(t, db, s, 2); !reflect.DeepEqual(d, Document{"name": "p002", "tmp_a": int64(2), "tmp_b": []any{int64(2), "x"}}) {
		t.Fatalf("document 2: %v", d)
	}
	if jobs := testdb.Read(t, db, func(tx layer.ReadTx) ([]JobStatus, error) { return s.Jobs(tx) }); len(jobs) != 0 {
		t.Fatalf("jobs left: %+v", jobs)
	}
	checkConsistent(t, db, s)
	// Running it again starts over.
	st, err = s.RunJob(t.Context(), db, job, JobOptions{})
	if err != nil || !st.Done || st.Docs != 100 || st.Changed != 1 {
		t.Fatalf("second run: %+v, %v", st, err)
	}
	checkConsistent(t, db, s)
}

// TestJobDropPrefixAndAll checks the other drop jobs, with byte-bounded
// steps.
func TestJobDropPrefixAndAll(t *testing.T) {
	db, s := newStore(t)
	fill(t, db, s, 50)
	st, err := s.RunJob(t.Context(), db, Job{Kind: DropPrefix, Arg: "tmp_"}, JobOptions{StepBytes: 2000})
	if err != nil || !st.Done || st.Steps < 5 || st.Changed != 50 {
		t.Fatalf("drop-prefix: %+v, %v", st, err)
	}
	for _, a := range []string{"tmp_a", "tmp_b"} {
		if got := query(t, db, s, Has(a)); len(got) != 0 {
			t.Fatalf("%s left: %v", a, got)
		}
	}
	if got := query(t, db, s, Has("name")); len(got) != 50 {
		t.Fatalf("names: %d", len(got))
	}
	checkConsistent(t, db, s)
	testdb.Write(t, db, func(tx layer.Tx) error {
		if err := s.DropIndex(tx, "*"); err != nil {
			return err
		}
		return s.AddIndex(tx, "nothing.*")
	})
	st, err = s.RunJob(t.Context(), db, Job{Kind: DropAll}, JobOptions{})
	if err != nil || !st.Done || st.Steps != 1 {
		t.Fatalf("drop-all: %+v, %v", st, err)
	}
	for part := 1; part <= 3; part++ {
		if keys := dump(t, db, s, part); len(keys) != 0 {
			t.Fatalf("part %d after drop-all: %v", part, keys)
		}
	}
	idx := testdb.Read(t, db, func(tx layer.ReadTx) ([]Index, error) { return s.Indexes(tx) })
	if !reflect.DeepEqual(idx, []Index{{"nothing.*", true}}) {
		t.Fatalf("indexes after drop-all (an empty store's index is built): %v", idx)
	}
	for _, bad := range []Job{{Kind: DropField}, {Kind: DropPrefix}, {Kind: DropAll, Arg: "x"}, {Kind: BuildIndex, Arg: "a*"}, {Kind: 99}} {
		if _, err := s.RunJob(t.Context(), db, bad, JobOptions{}); !errors.Is(err, ErrJob) {
			t.Errorf("%v: %v, want ErrJob", bad, err)
		}
	}
}

// TestJobBuildIndex declares indexes on existing data, builds them in
// interrupted runs while documents change, and checks the index against
// the documents at each stage.
func TestJobBuildIndex(t *testing.T) {
	db, s := newStore(t)
	testdb.Write(t, db, func(tx layer.Tx) error { return s.DropIndex(tx, "*") })
	fill(t, db, s, 60)
	if keys := dump(t, db, s, 3); len(keys) != 0 {
		t.Fatalf("entries without indexes: %v", keys)
	}
	if _, err := s.RunJob(t.Context(), db, Job{Kind: BuildIndex, Arg: "name"}, JobOptions{}); !errors.Is(err, ErrNoIndex) {
		t.Fatalf("building an undeclared index: %v", err)
	}
	testdb.Write(t, db, func(tx layer.Tx) error { return s.AddIndex(tx, "address.*") })
	testdb.Write(t, db, func(tx layer.Tx) error { return s.AddIndex(tx, "name") })
	for _, bad := range []string{"address.city", "*", "address.*", "name"} {
		if err := writeErr(db, func(tx layer.Tx) error { return s.AddIndex(tx, bad) }); !errors.Is(err, ErrIndexRule) {
			t.Errorf("AddIndex(%q): %v, want ErrIndexRule", bad, err)
		}
	}
	if err := writeErr(db, func(tx layer.Tx) error { return s.AddIndex(tx, "a.b*") }); !errors.Is(err, ErrIndexRule) {
		t.Errorf("AddIndex(a.b*): %v", err)
	}
	job := Job{Kind: BuildIndex, Arg: "address.*"}
	st, err := s.RunJob(t.Context(), db, job, JobOptions{MaxSteps: 2, StepDocs: 8})
	if err != nil || st.Done {
		t.Fatalf("interrupted build: %+v, %v", st, err)
	}
	// Writes while the index is built maintain it: before the cursor,
	// after it, and a delete.
	testdb.Write(t, db, func(tx layer.Tx) error {
		if err := s.UpsertFields(tx, 1, Document{"address": Document{"city": "new1"}}); err != nil {
			return err
		}
		if err := s.Replace(tx, 50, Document{"address": Document{"city": "new50"}}); err != nil {
			return err
		}
		_, err := s.Delete(tx, 51)
		return err
	})
	checkConsistent(t, db, s)
	if _, _, err := queryIDs(db, s, QueryOptions{}, Eq("address.city", "new1")); !errors.Is(err, ErrNotIndexed) {
		t.Fatalf("query on an index being built: %v", err)
	}
	st, err = s.RunJob(t.Context(), db, job, JobOptions{StepDocs: 8})
	if err != nil || !st.Done || st.Docs != 59 {
		t.Fatalf("resumed build: %+v, %v", st, err)
	}
	idx := testdb.Read(t, db, func(tx layer.ReadTx) ([]Index, error) { return s.Indexes(tx) })
	if !reflect.DeepEqual(idx, []Index{{"address.*", true}, {"name", false}}) {
		t.Fatalf("indexes: %v", idx)
	}
	if got := query(t, db, s, Eq("address.city", "c2")); len(got) != 14 {
		t.Fatalf("address.city = c2: %d documents: %v", len(got), got)
	}
	if got := query(t, db, s, Eq("address.city", "new50")); !slices.Equal(got, strs(int64(50))) {
		t.Fatalf("address.city = new50: %v", got)
	}
	checkConsistent(t, db, s)
	if st, err := s.RunJob(t.Context(), db, Job{Kind: BuildIndex, Arg: "name"}, JobOptions{}); err != nil || !st.Done {
		t.Fatalf("building name: %+v, %v", st, err)
	}
	checkConsistent(t, db, s)
	// A value too long to index stops the job, naming the document.
	testdb.Write(t, db, func(tx layer.Tx) error { return s.UpsertFields(tx, 7, Document{"bio": strings.Repeat("n", 20_000)}) })
	testdb.Write(t, db, func(tx layer.Tx) error { return s.AddIndex(tx, "bio") })
	_, err = s.RunJob(t.Context(), db, Job{Kind: BuildIndex, Arg: "bio"}, JobOptions{})
	var ae *AttrError
	if !errors.Is(err, ErrIndexKeyTooLarge) || !errors.As(err, &ae) || ae.ID != int64(7) || !strings.Contains(err.Error(), "blob") {
		t.Fatalf("building over a long value: %v", err)
	}
	// Writes refuse such a value once the index is declared.
	err = writeErr(db, func(tx layer.Tx) error { return s.UpsertFields(tx, 8, Document{"bio": strings.Repeat("n", 20_000)}) })
	if !errors.Is(err, ErrIndexKeyTooLarge) {
		t.Fatalf("writing a long value of an indexed attribute: %v", err)
	}
	testdb.Write(t, db, func(tx layer.Tx) error { return s.UpsertFields(tx, 7, Document{"bio": "short"}) })
	if st, err := s.RunJob(t.Context(), db, Job{Kind: BuildIndex, Arg: "bio"}, JobOptions{}); err != nil || !st.Done {
		t.Fatalf("build after the fix: %+v, %v", st, err)
	}
	if got := query(t, db, s, Eq("bio", "short")); !slices.Equal(got, strs(int64(7))) {
		t.Fatalf("bio = short: %v", got)
	}
	// Dropping an index clears its entries, and only them.
	testdb.Write(t, db, func(tx layer.Tx) error { return s.DropIndex(tx, "address.*") })
	if got := query(t, db, s, Prefix("name", "p")); len(got) != 58 {
		t.Fatalf("names after dropping address.*: %d", len(got))
	}
	checkConsistent(t, db, s)
	if err := writeErr(db, func(tx layer.Tx) error { return s.DropIndex(tx, "address.*") }); !errors.Is(err, ErrNoIndex) {
		t.Fatalf("dropping a dropped index: %v", err)
	}
}

// TestJobsWithConcurrentWriters runs jobs while other goroutines write the
// same documents: conflicts make one side retry, and in the end the index
// and the headers agree with the documents.
func TestJobsWithConcurrentWriters(t *testing.T) {
	db, s := newStore(t)
	testdb.Write(t, db, func(tx layer.Tx) error { return s.DropIndex(tx, "*") })
	fill(t, db, s, 200)
	testdb.Write(t, db, func(tx layer.Tx) error { return s.AddIndex(tx, "address.*") })
	testdb.Write(t, db, func(tx layer.Tx) error { return s.AddIndex(tx, "tmp_b") })
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	errs := make(chan error, 4)
	var wg sync.WaitGroup
	var writes atomic.Int64
	for w := range 3 {
		wg.Go(func() {
			r := uint64(w)
			for i := 0; ctx.Err() == nil; i++ {
				r = r*6364136223846793005 + 1442695040888963407
				id := int(r>>33) % 200
				err := writeErr(db, func(tx layer.Tx) error {
					switch i % 4 {
					case 0:
						return s.UpsertFields(tx, id, Document{"address": Document{"city": fmt.Sprint("w", w, i)}, "tmp_b": []any{i, i + 1}})
					case 1:
						if err := s.DeleteFields(tx, id, "address.zip", "tmp_b"); !errors.Is(err, ErrNotFound) {
							return err
						}
						return nil
					case 2:
						_, err := s.Delete(tx, id)
						return err
					}
					err := s.CreateWithID(tx, id, Document{"address.city": "re", "tmp_a": i})
					if errors.Is(err, ErrExists) {
						return nil
					}
					return err
				})
				if err != nil && ctx.Err() == nil {
					errs <- err
					return
				}
				writes.Add(1)
			}
		})
	}
	for _, j := range []Job{{Kind: BuildIndex, Arg: "address.*"}, {Kind: DropField, Arg: "tmp_a"}, {Kind: BuildIndex, Arg: "tmp_b"}} {
		st, err := s.RunJob(ctx, db, j, JobOptions{StepDocs: 7})
		if err != nil || !st.Done {
			t.Fatalf("%s: %+v, %v", j, st, err)
		}
	}
	cancel()
	wg.Wait()
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
	t.Logf("%d writes during the jobs", writes.Load())
	checkConsistent(t, db, s)
	idx := testdb.Read(t, db, func(tx layer.ReadTx) ([]Index, error) { return s.Indexes(tx) })
	if !reflect.DeepEqual(idx, []Index{{"address.*", true}, {"tmp_b", true}}) {
		t.Fatalf("indexes: %v", idx)
	}
}

// A step conflicts only with writes to the documents it changes, not with
// writes to the others it reads past.
func TestJobStepConflicts(t *testing.T) {
	for _, tc := range []struct {
		id       int
		conflict bool
	}{{3, false}, {4, true}} {
		db, s := newStore(t)
		testdb.Write(t, db, func(tx layer.Tx) error { return s.DropIndex(tx, "*") })
		testdb.Write(t, db, func(tx layer.Tx) error {
			for i := range 10 {
				d := Document{"name": fmt.Sprint("n", i)}
				if i%2 == 0 {
					d["tmp_b"] = i
				}
				if err := s.CreateWithID(tx, i, d); err != nil {
					return err
				}
			}
			return nil
		})
		testdb.Write(t, db, func(tx layer.Tx) error { return s.AddIndex(tx, "tmp_b") })
		j := Job{Kind: BuildIndex, Arg: "tmp_b"}
		tx, err := db.CreateTransaction()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.jobStep(tx, j, JobOptions{StepDocs: 100, StepBytes: DefaultStepBytes}); err != nil {
			t.Fatal(err)
		}
		// Concurrently, doc 3 (no tmp_b: left alone) or 4 (indexed by
		// the step) gets a new name and a tmp_b.
		if err := writeErr(db, func(w layer.Tx) error {
			return s.UpsertFields(w, tc.id, Document{"name": "changed", "tmp_b": 100 + tc.id})
		}); err != nil {
			t.Fatal(err)
		}
		err = tx.Commit()
		if (err != nil) != tc.conflict {
			t.Fatalf("doc %d: commit: %v, want conflict %v", tc.id, err, tc.conflict)
		}
		if err != nil {
			if _, err := s.RunJob(t.Context(), db, j, JobOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		checkConsistent(t, db, s)
		if got := query(t, db, s, Eq("tmp_b", 100+tc.id)); len(got) != 1 {
			t.Fatalf("doc %d: tmp_b = %d finds %v", tc.id, 100+tc.id, got)
		}
	}
}
