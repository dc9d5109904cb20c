package embedded

import (
	"errors"
	"testing"

	"github.com/strata-db/strata/layer"
)

// TestCommitAfterResetWhileStillQueued: a transaction's commit request is
// reused by its next attempt, except one cancelled while queued, which the
// queue still holds. Here the next attempt commits while the cancelled
// request is still queued: both must be answered once, the cancelled one
// must write nothing, and the new one must commit.
func TestCommitAfterResetWhileStillQueued(t *testing.T) {
	db, err := OpenMemory(WithSync(false))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	release := holdPipeline(t, db)
	defer release()
	tx := mustTx(t, db)
	tx.Set([]byte("reuse/k1"), []byte("1"))
	first := make(chan error, 1)
	go func() { first <- tx.Commit() }()
	waitQueued(t, db, 1)
	tx.Reset()
	if err := <-first; !errors.Is(err, layer.ErrTransactionCancelled) {
		t.Fatalf("Commit reset while queued: %v, want 1025", err)
	}
	tx.Set([]byte("reuse/k2"), []byte("2"))
	second := make(chan error, 1)
	go func() { second <- tx.Commit() }()
	waitQueued(t, db, 2) // the cancelled request is still in the queue
	db.qMu.Lock()
	same := db.queue[0] == db.queue[1]
	db.qMu.Unlock()
	if same {
		t.Fatal("the attempt after Reset reused the request still queued")
	}
	release()
	if err := <-second; err != nil {
		t.Fatalf("the attempt after Reset: %v", err)
	}
	if v := mustRead(t, db, "reuse/k1"); v != nil {
		t.Fatalf("the cancelled commit wrote %q", v)
	}
	if v := mustRead(t, db, "reuse/k2"); string(v) != "2" {
		t.Fatalf("the attempt after Reset wrote %q", v)
	}
	// A third attempt (the request of the second is reusable) commits too.
	tx.Reset()
	tx.Set([]byte("reuse/k3"), []byte("3"))
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if v := mustRead(t, db, "reuse/k3"); string(v) != "3" {
		t.Fatalf("third attempt wrote %q", v)
	}
}
