package layertest

import (
	"testing"

	"github.com/strata-db/strata/layer"
)

// watch creates a watch in a transaction that first runs prep, commits it,
// and returns the watch.
func (e *env) watch(key []byte, prep func(tx layer.Tx)) layer.Watch {
	e.t.Helper()
	tx := e.tx()
	if prep != nil {
		prep(tx)
	}
	w := tx.Watch(key)
	mustCommit(e.t, tx)
	return w
}

// waitFires waits (with a generous bound) for w to fire.
func (e *env) waitFires(w layer.Watch, what string) {
	e.t.Helper()
	ctx, cancel := e.ctx()
	defer cancel()
	if err := w.Wait(ctx); err != nil {
		e.t.Errorf("%s: the watch did not fire: %v", what, err)
	}
}

func (s *suite) testWatches(t *testing.T) {
	t.Run("FiresOnChange", func(t *testing.T) {
		e := s.env(t)
		k := e.k("k")
		e.write(k, v("0"))
		w := e.watch(k, func(tx layer.Tx) { mustGet(t, tx, k) })
		e.write(e.k("other"), v("x"))
		e.write(k, v("1"))
		e.waitFires(w, "another transaction changed the value")

		w = e.watch(k, nil)
		e.write(k, nil)
		e.waitFires(w, "another transaction cleared the key")

		w = e.watch(k, nil)
		e.write(k, v("back"))
		e.waitFires(w, "another transaction set an absent key")

		w = e.watch(k, nil)
		e.do(func(tx layer.Tx) { tx.Add(k, v("\x01")) })
		e.waitFires(w, "another transaction's atomic op changed the value")
	})

	t.Run("ComparesWithValueSeen", func(t *testing.T) {
		e := s.env(t)
		k := e.k("k")
		e.write(k, v("0"))
		// The value changes after this transaction's read version but
		// before it commits: the watch compares with the value it saw.
		tx := e.tx()
		if got := mustGet(t, tx, k); string(got) != "0" {
			t.Fatalf("got %s", showVal(got))
		}
		e.write(k, v("1"))
		w := tx.Watch(k)
		mustCommit(t, tx) // read-only: commits
		e.waitFires(w, "the value differs from the one the transaction saw")

		// A transaction's own write is the value its watch starts from.
		w = e.watch(k, func(tx layer.Tx) { tx.Set(k, v("mine")) })
		e.write(k, v("mine")) // the same value: FoundationDB may or may not fire
		e.write(k, v("next"))
		e.waitFires(w, "the value changed from the one the transaction wrote")
	})

	t.Run("Cancel", func(t *testing.T) {
		e := s.env(t)
		k := e.k("k")
		w := e.watch(k, nil)
		w.Cancel()
		ctx, cancel := e.ctx()
		defer cancel()
		wantCode(t, w.Wait(ctx), 1101, "Wait on a cancelled watch")
	})

	t.Run("FailedTransaction", func(t *testing.T) {
		e := s.env(t)
		k := e.k("k")
		tx := e.tx()
		mustGet(t, tx, k)
		w := tx.Watch(e.k("watched"))
		tx.Set(e.k("w"), v("x"))
		e.write(k, v("conflict"))
		wantCode(t, tx.Commit(), 1020, "the watching transaction")
		ctx, cancel := e.ctx()
		defer cancel()
		wantCode(t, w.Wait(ctx), 1020, "Wait on a watch whose transaction failed to commit")
	})

	t.Run("ResetTransaction", func(t *testing.T) {
		// FoundationDB: "If an uncommitted transaction is reset or
		// destroyed, then any watches it created will be set with the
		// transaction_cancelled error."
		e := s.env(t)
		tx := e.tx()
		w := tx.Watch(e.k("k"))
		tx.Reset()
		ctx, cancel := e.ctx()
		defer cancel()
		wantCode(t, w.Wait(ctx), 1025, "Wait on a watch whose transaction was reset before committing")
	})
}
