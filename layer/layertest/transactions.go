package layertest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/strata-db/strata/layer"
)

func (s *suite) testTransactions(t *testing.T) {
	t.Run("Cancel", func(t *testing.T) {
		e := s.env(t)
		tx := e.tx()
		tx.Set(e.k("k"), v("1"))
		tx.Cancel()
		_, err := tx.Get(e.k("k")).Get()
		wantCode(t, err, 1025, "Get after Cancel")
		wantCode(t, tx.Commit(), 1025, "Commit after Cancel")
		wantCode(t, tx.OnError(layer.ErrTransactionCancelled), 1025, "OnError(1025) does not retry")
		e.expectValue(e.k("k"), nil, "a cancelled transaction's write")
	})

	t.Run("Timeout", func(t *testing.T) {
		e := s.env(t)
		tx := e.tx()
		if err := tx.SetTimeout(10 * time.Millisecond); err != nil {
			t.Fatalf("SetTimeout: %v", err)
		}
		tx.Set(e.k("k"), v("1"))
		time.Sleep(200 * time.Millisecond)
		_, err := tx.Get(e.k("k")).Get()
		wantCode(t, err, 1031, "Get after the timeout")
		wantCode(t, tx.Commit(), 1031, "Commit after the timeout")
		wantCode(t, tx.OnError(layer.ErrTransactionTimedOut), 1031, "OnError(1031) does not retry")
		e.expectValue(e.k("k"), nil, "a timed-out transaction's write")

		// The timeout persists across OnError, counted from the start.
		tx = e.tx()
		if err := tx.SetTimeout(100 * time.Millisecond); err != nil {
			t.Fatalf("SetTimeout: %v", err)
		}
		if err := tx.OnError(layer.ErrNotCommitted); err != nil {
			t.Fatalf("OnError(1020): %v", err)
		}
		time.Sleep(300 * time.Millisecond)
		_, err = tx.Get(e.k("k")).Get()
		wantCode(t, err, 1031, "Get after the timeout, which persists across OnError")

		// Zero disables the timeout.
		tx = e.tx()
		if err := tx.SetTimeout(0); err != nil {
			t.Fatalf("SetTimeout(0): %v", err)
		}
		time.Sleep(20 * time.Millisecond)
		if _, err := tx.Get(e.k("k")).Get(); err != nil {
			t.Errorf("Get with timeout 0: %v", err)
		}
	})

	t.Run("RetryLimit", func(t *testing.T) {
		e := s.env(t)
		tx := e.tx()
		if err := tx.SetRetryLimit(2); err != nil {
			t.Fatalf("SetRetryLimit: %v", err)
		}
		wantNoErr(t, tx.OnError(layer.ErrNotCommitted), "first retry under a limit of 2")
		wantNoErr(t, tx.OnError(layer.ErrNotCommitted), "second retry under a limit of 2")
		wantCode(t, tx.OnError(layer.ErrNotCommitted), 1020, "third retry under a limit of 2")

		tx = e.tx()
		if err := tx.SetRetryLimit(0); err != nil {
			t.Fatalf("SetRetryLimit(0): %v", err)
		}
		wantCode(t, tx.OnError(layer.ErrNotCommitted), 1020, "a retry under a limit of 0")

		tx = e.tx()
		if err := tx.SetRetryLimit(-1); err != nil {
			t.Fatalf("SetRetryLimit(-1): %v", err)
		}
		for i := 0; i < 5; i++ {
			if err := tx.OnError(layer.ErrNotCommitted); err != nil {
				t.Fatalf("retry %d with no limit: %v", i+1, err)
			}
		}
	})

	t.Run("OnError", func(t *testing.T) {
		e := s.env(t)
		for _, code := range []int{1007, 1009, 1020, 1021, 1037, 1038} {
			tx := e.tx()
			if err := tx.OnError(layer.Error{Code: code}); err != nil {
				t.Errorf("OnError(%d) must retry, returned %v", code, err)
			}
		}
		for _, code := range []int{1025, 1031, 2004, 2005, 2101, 2102, 2103} {
			tx := e.tx()
			wantCode(t, tx.OnError(layer.Error{Code: code}), code, "OnError of a non-retryable error")
		}
		// OnError resets the transaction: its writes are gone.
		tx := e.tx()
		tx.Set(e.k("k"), v("1"))
		wantNoErr(t, tx.OnError(layer.ErrNotCommitted), "OnError(1020)")
		if got := mustGet(t, tx, e.k("k")); got != nil {
			t.Errorf("a write survived OnError: %s", showVal(got))
		}
		tx.Set(e.k("after"), v("2"))
		mustCommit(t, tx)
		e.expectValue(e.k("k"), nil, "a write made before OnError")
		e.expectValue(e.k("after"), v("2"), "a write made after OnError")
	})

	t.Run("Reset", func(t *testing.T) {
		e := s.env(t)
		tx := e.tx()
		tx.Set(e.k("k"), v("1"))
		tx.Reset()
		if got := mustGet(t, tx, e.k("k")); got != nil {
			t.Errorf("a write survived Reset: %s", showVal(got))
		}
		mustCommit(t, tx)
		e.expectValue(e.k("k"), nil, "a write made before Reset")
	})

	t.Run("TransactRetriesConflicts", func(t *testing.T) {
		e := s.env(t)
		k := e.k("k")
		attempts := 0
		ctx, cancel := e.ctx()
		defer cancel()
		got, err := layer.Transact(ctx, e.db, func(tx layer.Tx) (string, error) {
			attempts++
			val, err := tx.Get(k).Get()
			if err != nil {
				return "", err
			}
			if attempts == 1 {
				e.write(k, v("interloper"))
			}
			tx.Set(e.k("seen"), val)
			return string(val), nil
		})
		if err != nil {
			t.Fatalf("Transact: %v", err)
		}
		if attempts != 2 || got != "interloper" {
			t.Errorf("Transact ran %d times and returned %q; want 2 runs, the second seeing \"interloper\"", attempts, got)
		}
		e.expectValue(e.k("seen"), v("interloper"), "the committed attempt's write")
	})

	t.Run("TransactNonFDBError", func(t *testing.T) {
		e := s.env(t)
		boom := errors.New("boom")
		attempts := 0
		ctx, cancel := e.ctx()
		defer cancel()
		_, err := layer.Transact(ctx, e.db, func(tx layer.Tx) (int, error) {
			attempts++
			tx.Set(e.k("k"), v("1"))
			return 0, boom
		})
		if !errors.Is(err, boom) || attempts != 1 {
			t.Errorf("Transact returned %v after %d runs; want boom after 1", err, attempts)
		}
		e.expectValue(e.k("k"), nil, "a write of a function that failed")
	})

	t.Run("TransactContext", func(t *testing.T) {
		e := s.env(t)
		ctx, cancel := context.WithCancel(context.Background())
		attempts := 0
		_, err := layer.Transact(ctx, e.db, func(tx layer.Tx) (int, error) {
			attempts++
			tx.Set(e.k("k"), v("1"))
			if attempts == 3 {
				cancel()
			}
			return 0, layer.ErrNotCommitted
		})
		if !errors.Is(err, context.Canceled) || attempts != 3 {
			t.Errorf("Transact returned %v after %d runs; want context.Canceled after 3", err, attempts)
		}
		e.expectValue(e.k("k"), nil, "a write of a cancelled Transact")

		attempts = 0
		_, err = layer.Transact(ctx, e.db, func(tx layer.Tx) (int, error) {
			attempts++
			return 0, nil
		})
		if !errors.Is(err, context.Canceled) || attempts != 0 {
			t.Errorf("Transact with a cancelled context returned %v after %d runs; want context.Canceled, no run", err, attempts)
		}

		// A deadline stops a transaction that keeps conflicting.
		dctx, dcancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer dcancel()
		_, err = layer.Transact(dctx, e.db, func(tx layer.Tx) (int, error) {
			return 0, layer.ErrNotCommitted
		})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Transact past its deadline returned %v, want context.DeadlineExceeded", err)
		}
	})

	t.Run("ReadTransact", func(t *testing.T) {
		e := s.env(t)
		e.write(e.k("k"), v("1"))
		attempts := 0
		ctx, cancel := e.ctx()
		defer cancel()
		got, err := layer.ReadTransact(ctx, e.db, func(tx layer.ReadTx) ([]byte, error) {
			attempts++
			if attempts == 1 {
				return nil, layer.ErrTransactionTooOld
			}
			return tx.Get(e.k("k")).Get()
		})
		if err != nil || string(got) != "1" || attempts != 2 {
			t.Errorf("ReadTransact = %s, %v after %d runs; want \"1\" after 2", showVal(got), err, attempts)
		}
	})
}
