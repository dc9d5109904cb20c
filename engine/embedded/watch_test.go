package embedded

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/strata-db/strata/layer"
)

func waitFor(t *testing.T, w layer.Watch, d time.Duration) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return w.Wait(ctx)
}

func TestWatches(t *testing.T) {
	db, err := OpenMemory(WithSync(false))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	set := func(k, v string) {
		tx, _ := db.CreateTransaction()
		tx.Set([]byte(k), []byte(v))
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	clear := func(b, e string) {
		tx, _ := db.CreateTransaction()
		tx.ClearRange(layer.KeyRange{Begin: []byte(b), End: []byte(e)})
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	watch := func(k string) layer.Watch {
		tx, _ := db.CreateTransaction()
		w := tx.Watch([]byte(k))
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		return w
	}
	const short = 50 * time.Millisecond

	t.Run("fires on change", func(t *testing.T) {
		set("a", "1")
		w := watch("a")
		if err := waitFor(t, w, short); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("watch fired before any change: %v", err)
		}
		set("a", "2")
		if err := waitFor(t, w, 5*time.Second); err != nil {
			t.Fatalf("watch after a change: %v", err)
		}
	})
	t.Run("same value does not fire", func(t *testing.T) {
		set("b", "1")
		w := watch("b")
		set("b", "1")
		if err := waitFor(t, w, short); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("watch fired on an unchanged value: %v", err)
		}
		w.Cancel()
		if err := waitFor(t, w, short); !errors.Is(err, layer.ErrOperationCancelled) {
			t.Fatalf("cancelled watch: %v", err)
		}
	})
	t.Run("clear range fires", func(t *testing.T) {
		set("c/1", "x")
		w := watch("c/1")
		clear("c/", "c0")
		if err := waitFor(t, w, 5*time.Second); err != nil {
			t.Fatalf("watch after a ClearRange: %v", err)
		}
	})
	t.Run("absent key fires when created", func(t *testing.T) {
		w := watch("d")
		set("d", "")
		if err := waitFor(t, w, 5*time.Second); err != nil {
			t.Fatalf("watch of an absent key after it was set to empty: %v", err)
		}
	})
	t.Run("compares with the value written", func(t *testing.T) {
		set("e", "old")
		tx, _ := db.CreateTransaction()
		w := tx.Watch([]byte("e"))
		tx.Set([]byte("e"), []byte("new"))
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if err := waitFor(t, w, short); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("watch fired on its own transaction's write: %v", err)
		}
		set("e", "newer")
		if err := waitFor(t, w, 5*time.Second); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("read-only sees a change since its read", func(t *testing.T) {
		set("f", "1")
		tx, _ := db.CreateTransaction()
		w := tx.Watch([]byte("f"))
		set("f", "2")
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if err := waitFor(t, w, 5*time.Second); err != nil {
			t.Fatalf("watch whose value changed before it was registered: %v", err)
		}
	})
	t.Run("failed commit", func(t *testing.T) {
		set("g", "1")
		tx, _ := db.CreateTransaction()
		w := tx.Watch([]byte("g"))
		tx.Set([]byte("h"), []byte("x"))
		set("g", "2")
		if err := tx.Commit(); !errors.Is(err, layer.ErrNotCommitted) {
			t.Fatalf("commit: %v, want 1020", err)
		}
		if err := waitFor(t, w, 5*time.Second); !errors.Is(err, layer.ErrNotCommitted) {
			t.Fatalf("watch of a failed commit: %v, want 1020", err)
		}
	})
	t.Run("reset", func(t *testing.T) {
		tx, _ := db.CreateTransaction()
		w := tx.Watch([]byte("i"))
		tx.Reset()
		if err := waitFor(t, w, 5*time.Second); !errors.Is(err, layer.ErrTransactionCancelled) {
			t.Fatalf("watch of a reset transaction: %v, want 1025", err)
		}
	})
	t.Run("atomic op in a later transaction", func(t *testing.T) {
		set("j", "\x01")
		w := watch("j")
		tx, _ := db.CreateTransaction()
		tx.Add([]byte("j"), []byte{1})
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if err := waitFor(t, w, 5*time.Second); err != nil {
			t.Fatal(err)
		}
	})
	db.watchMu.Lock()
	n := db.nwatches
	db.watchMu.Unlock()
	if n != 0 {
		t.Errorf("%d watches still registered", n)
	}
}

func TestTimeoutAndCancel(t *testing.T) {
	db, err := OpenMemory(WithSync(false))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tx, _ := db.CreateTransaction()
	if err := tx.SetTimeout(20 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := tx.SetRetryLimit(5); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Get([]byte("a")).Get(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(40 * time.Millisecond)
	if _, err := tx.Get([]byte("a")).Get(); !errors.Is(err, layer.ErrTransactionTimedOut) {
		t.Fatalf("read after the timeout: %v", err)
	}
	tx.Set([]byte("a"), []byte("x"))
	if err := tx.Commit(); !errors.Is(err, layer.ErrTransactionTimedOut) {
		t.Fatalf("commit after the timeout: %v", err)
	}
	if err := tx.OnError(layer.ErrNotCommitted); !errors.Is(err, layer.ErrTransactionTimedOut) {
		t.Fatalf("OnError after the timeout: %v", err)
	}
	// Reset restarts the clock; the options stay.
	tx.Reset()
	if _, err := tx.Get([]byte("a")).Get(); err != nil {
		t.Fatalf("read after Reset: %v", err)
	}
	time.Sleep(40 * time.Millisecond)
	if _, err := tx.Get([]byte("a")).Get(); !errors.Is(err, layer.ErrTransactionTimedOut) {
		t.Fatalf("the timeout did not survive Reset: %v", err)
	}

	// Cancel interrupts OnError's backoff.
	tx2, _ := db.CreateTransaction()
	for i := 0; i < 8; i++ {
		if err := tx2.OnError(layer.ErrNotCommitted); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan error, 1)
	go func() {
		for {
			if err := tx2.OnError(layer.ErrNotCommitted); err != nil {
				done <- err
				return
			}
		}
	}()
	time.Sleep(10 * time.Millisecond)
	tx2.Cancel()
	select {
	case err := <-done:
		if !errors.Is(err, layer.ErrTransactionCancelled) {
			t.Fatalf("OnError after Cancel: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Cancel did not interrupt OnError")
	}

	// The retry limit.
	tx3, _ := db.CreateTransaction()
	tx3.SetRetryLimit(1)
	if err := tx3.OnError(layer.ErrNotCommitted); err != nil {
		t.Fatal(err)
	}
	if err := tx3.OnError(layer.ErrNotCommitted); !errors.Is(err, layer.ErrNotCommitted) {
		t.Fatalf("OnError past the retry limit: %v", err)
	}
	if err := tx3.OnError(layer.ErrKeyTooLarge); !errors.Is(err, layer.ErrTransactionCancelled) {
		t.Fatalf("OnError on a transaction cancelled by OnError: %v", err)
	}
}
