package vnstore

// found's vnstore documents two known issues (README, "Known issue: Weak
// serializability" and "Known issue: consistency"). Each test below replays
// the schedule twice: against foundModel, found's rules reduced to
// a few lines, to show the anomaly, and against a Store on the test
// database with real transactions, to show that it is now rejected.

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/strata-db/strata/internal/testdb"
	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/tuple"
)

// foundModel is found's vnstore (asyncio-foundationdb v0.13) reduced to its
// rules: a change's edits are (tuple, change, alive?) entries written
// as they are made; applying a change gives it a significance, a uuid7
// (here a clock tick) drawn when the applying transaction starts, and
// checks nothing; ask takes the alive? of the tuple's entry whose change
// has the largest significance; remove writes an entry only if ask says
// the tuple is alive.
type foundModel struct {
	entries map[string][]foundEntry
	sig     map[string]int64 // by change; absent until applied
	clock   int64
}

type foundEntry struct {
	change string
	alive  bool
}

func newFoundModel() *foundModel {
	return &foundModel{entries: map[string][]foundEntry{}, sig: map[string]int64{}}
}

func (m *foundModel) ask(t string) bool {
	best, alive := int64(0), false
	for _, e := range m.entries[t] {
		if s, ok := m.sig[e.change]; ok && s > best {
			best, alive = s, e.alive
		}
	}
	return alive
}

func (m *foundModel) add(change, t string) {
	m.entries[t] = append(m.entries[t], foundEntry{change, true})
}

func (m *foundModel) remove(change, t string) {
	if m.ask(t) {
		m.entries[t] = append(m.entries[t], foundEntry{change, false})
	}
}

// beginApply draws the change's uuid7; commitApply makes it visible.
func (m *foundModel) beginApply() int64                    { m.clock++; return m.clock }
func (m *foundModel) commitApply(change string, sig int64) { m.sig[change] = sig }

// history returns the applied changes in significance order.
func (m *foundModel) history() []string {
	var out []string
	for c := range m.sig {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b string) int { return int(m.sig[a] - m.sig[b]) })
	return out
}

func (m *foundModel) alive(ts ...string) []string {
	var out []string
	for _, t := range ts {
		if m.ask(t) {
			out = append(out, t)
		}
	}
	return out
}

// TestAnomalyWeakSerializability: two changes update the same balance.
// The apply of A starts first (found draws A's uuid7 first) but commits
// last. found keeps both updates, so the account ends with two balances,
// and orders A before B although B committed first: history order is not
// commit order. Here A's commit fails (1020), its retry finds the
// conflict, and the history is in commit order.
func TestAnomalyWeakSerializability(t *testing.T) {
	// found.
	m := newFoundModel()
	m.add("c0", "100")
	m.commitApply("c0", m.beginApply())
	m.remove("A", "100")
	m.add("A", "150") // a deposit of 50
	m.remove("B", "100")
	m.add("B", "70") // a withdrawal of 30
	sigA := m.beginApply()
	sigB := m.beginApply()
	m.commitApply("B", sigB) // B commits first...
	m.commitApply("A", sigA) // ...then A
	if got := m.alive("100", "150", "70"); !slices.Equal(got, []string{"150", "70"}) {
		t.Fatalf("found model: alive %v", got)
	}
	if got := m.history(); !slices.Equal(got, []string{"c0", "A", "B"}) {
		t.Fatalf("found model: history %v", got)
	}

	// vnstore.
	db, s := newStore(t, 3)
	balance := func(v int) []any { return []any{"acct", "balance", v} }
	c0 := commit(t, db, s, balance(100))
	a, b := create(t, db, s), create(t, db, s)
	edit(t, db, s, a, Remove, balance(100))
	edit(t, db, s, a, Add, balance(150))
	edit(t, db, s, b, Remove, balance(100))
	edit(t, db, s, b, Add, balance(70))

	txA, err := db.CreateTransaction()
	if err != nil {
		t.Fatal(err)
	}
	defer txA.Cancel()
	if err := s.Apply(txA, a); err != nil { // A's apply starts first
		t.Fatal(err)
	}
	apply(t, db, s, b) // B's apply commits first
	if err := txA.Commit(); !errors.Is(err, layer.ErrNotCommitted) {
		t.Fatalf("A's apply committed after B's: %v, want 1020", err)
	}
	// Transact retries; the retry sees B and refuses A.
	err = applyErr(db, s, a)
	var ce *ConflictError
	if !errors.As(err, &ce) || !errors.Is(err, ErrConflict) || len(ce.Conflicts) != 1 || ce.Change != a {
		t.Fatalf("A's retried apply: %v", err)
	}
	cf := ce.Conflicts[0]
	if !slices.Equal(cf.Tuple, []any{"acct", "balance", int64(100)}) || cf.By != b || cf.Op != Remove || cf.Alive {
		t.Fatalf("conflict %+v", cf)
	}
	var alive []int
	for _, v := range []int{100, 150, 70} {
		if ask(t, db, s, QueryOptions{}, balance(v)...) {
			alive = append(alive, v)
		}
	}
	if !slices.Equal(alive, []int{70}) {
		t.Fatalf("balances %v, want [70]", alive)
	}
	checkHistory(t, db, s, c0, b)
	if c, _ := show(t, db, s, a); c.State != Pending {
		t.Fatalf("A: %+v", c)
	}

	// Changes on other tuples do not conflict, and take their place in
	// history by commit, not by the start of their apply.
	x, y := create(t, db, s), create(t, db, s)
	edit(t, db, s, x, Add, []any{"x", "p", 1})
	edit(t, db, s, y, Add, []any{"y", "p", 1})
	txX, err := db.CreateTransaction()
	if err != nil {
		t.Fatal(err)
	}
	defer txX.Cancel()
	if err := s.Apply(txX, x); err != nil {
		t.Fatal(err)
	}
	apply(t, db, s, y)
	if err := txX.Commit(); err != nil {
		t.Fatalf("X's apply: %v", err)
	}
	checkHistory(t, db, s, c0, b, y, x)
}

// checkHistory checks that the applied changes are ids, in that order, by
// Changes and by their versions.
func checkHistory(t *testing.T, db layer.DB, s *Store, ids ...ChangeID) {
	t.Helper()
	var got []ChangeID
	var last tuple.Versionstamp
	for _, c := range testdb.Read(t, db, func(tx layer.ReadTx) ([]Change, error) { return s.Changes(tx) }) {
		if c.State != Applied {
			continue
		}
		if bytes.Compare(c.Version.Bytes(), last.Bytes()) <= 0 {
			t.Errorf("change %v has version %v after %v", c.ID, c.Version, last)
		}
		last = c.Version
		got = append(got, c.ID)
	}
	if !slices.Equal(got, ids) {
		t.Fatalf("applied changes %v, want %v", got, ids)
	}
}

// TestAnomalyChangeOverTransactions: a change built over several
// transactions. A removes the draft status, then B (created and applied
// meanwhile) replaces draft with published, then A adds archived. found
// applies A: the document ends with two statuses. Here A's apply fails
// with a conflict on the draft status, which B changed after A saw it;
// the author rebases, reviews, fixes the change and applies it.
func TestAnomalyChangeOverTransactions(t *testing.T) {
	// found.
	m := newFoundModel()
	m.add("c0", "draft")
	m.commitApply("c0", m.beginApply())
	m.remove("A", "draft") // A, first transaction
	m.remove("B", "draft")
	m.add("B", "published")
	m.commitApply("B", m.beginApply())
	m.add("A", "archived") // A, second transaction
	m.commitApply("A", m.beginApply())
	if got := m.alive("draft", "published", "archived"); !slices.Equal(got, []string{"published", "archived"}) {
		t.Fatalf("found model: alive %v", got)
	}

	// vnstore.
	db, s := newStore(t, 3)
	status := func(v string) []any { return []any{"doc", "status", v} }
	c0 := commit(t, db, s, status("draft"))
	a := create(t, db, s)
	edit(t, db, s, a, Remove, status("draft")) // A, first transaction
	b := create(t, db, s)
	edit(t, db, s, b, Remove, status("draft"))
	edit(t, db, s, b, Add, status("published"))
	apply(t, db, s, b)
	edit(t, db, s, a, Add, status("archived")) // A, second transaction
	err := applyErr(db, s, a)
	var ce *ConflictError
	if !errors.As(err, &ce) || len(ce.Conflicts) != 1 || ce.Conflicts[0].By != b || ce.Conflicts[0].Tuple[2] != "draft" {
		t.Fatalf("A's apply: %v", err)
	}
	if got := statuses(t, db, s, QueryOptions{}); !slices.Equal(got, []string{"published"}) {
		t.Fatalf("statuses after the refused apply: %v", got)
	}
	// The author rebases: the removal of draft, now dead, is dropped.
	cs := write(t, db, func(tx layer.Tx) ([]Conflict, error) { return s.Rebase(tx, a) })
	if len(cs) != 1 || cs[0].By != b {
		t.Fatalf("Rebase = %+v", cs)
	}
	if _, es := show(t, db, s, a); len(es) != 1 || es[0].Tuple[2] != "archived" {
		t.Fatalf("after rebase: %+v", es)
	}
	// The author's view shows the problem; the author fixes it.
	if got := statuses(t, db, s, QueryOptions{Pending: a}); !slices.Equal(got, []string{"archived", "published"}) {
		t.Fatalf("pending view %v", got)
	}
	edit(t, db, s, a, Remove, status("published"))
	apply(t, db, s, a)
	if got := statuses(t, db, s, QueryOptions{}); !slices.Equal(got, []string{"archived"}) {
		t.Fatalf("statuses %v", got)
	}
	checkHistory(t, db, s, c0, b, a)

	// A change created before another change was applied, that touches
	// the other's tuples only after, saw them: no conflict.
	late := create(t, db, s)
	edit(t, db, s, late, Add, []any{"other", "p", 1})
	fix := commit(t, db, s, status("reviewed"))
	edit(t, db, s, late, Add, status("reviewed2"))
	edit(t, db, s, late, Remove, status("reviewed"))
	apply(t, db, s, late)
	checkHistory(t, db, s, c0, b, a, fix, late)
}

func statuses(t *testing.T, db layer.DB, s *Store, opts QueryOptions) []string {
	t.Helper()
	var out []string
	for _, b := range query(t, db, s, opts, Pattern{"doc", "status", Var("s")}) {
		out = append(out, b["s"].(string))
	}
	return out
}
