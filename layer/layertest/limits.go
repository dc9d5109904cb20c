package layertest

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/strata-db/strata/layer"
)

// sized returns a key under the prefix padded to exactly n bytes.
func (e *env) sized(name string, n int) []byte {
	k := e.uniq(name)
	if len(k) > n {
		e.t.Fatalf("prefix too long for a %d-byte key", n)
	}
	return append(k, bytes.Repeat([]byte{'k'}, n-len(k))...)
}

// expectFails runs op in a transaction that also sets a marker key, expects
// the commit to fail with code, and checks that nothing was written.
func (e *env) expectFails(what string, code int, op func(tx layer.Tx)) {
	e.t.Helper()
	ok := e.uniq("ok")
	tx := e.tx()
	tx.Set(ok, v("1"))
	op(tx)
	wantCode(e.t, tx.Commit(), code, what+": Commit")
	if got := e.read(ok); got != nil {
		e.t.Errorf("%s: a transaction that failed to commit wrote a key", what)
	}
}

// expectReadFails runs op in a transaction and expects the next read to
// fail with code (mutations report their errors at the next read or at
// commit).
func (e *env) expectReadFails(what string, code int, op func(tx layer.Tx)) {
	e.t.Helper()
	tx := e.tx()
	op(tx)
	_, err := tx.Get(e.k("any")).Get()
	wantCode(e.t, err, code, what+": the next read")
}

// expectOptionFails accepts an option or conflict-range error returned at
// once or, as FoundationDB's client defers some, at the next Commit.
func (e *env) expectOptionFails(what string, code int, op func(tx layer.Tx) error) {
	e.t.Helper()
	tx := e.tx()
	err := op(tx)
	if err == nil {
		tx.Set(e.uniq("ok"), v("1"))
		err = tx.Commit()
	}
	wantCode(e.t, err, code, what)
}

func (s *suite) testLimits(t *testing.T) {
	t.Run("KeySize", func(t *testing.T) {
		e := s.env(t)
		k10000 := e.sized("max", layer.MaxKeySize)
		e.write(k10000, v("ok"))
		e.expectValue(k10000, v("ok"), "a 10,000-byte key")
		kvs := e.readRange(layer.KeyRange{Begin: k10000, End: keyAfter(k10000)}, layer.RangeOptions{})
		if len(kvs) != 1 {
			t.Errorf("range read of a 10,000-byte key: %d rows", len(kvs))
		}
		k10001 := e.sized("over", layer.MaxKeySize+1)
		e.expectFails("Set of a 10,001-byte key", 2102, func(tx layer.Tx) { tx.Set(k10001, v("x")) })
		e.expectReadFails("Set of a 10,001-byte key", 2102, func(tx layer.Tx) { tx.Set(k10001, v("x")) })
		for name, op := range atomicOps {
			e.expectFails(name+" on a 10,001-byte key", 2102, func(tx layer.Tx) { op(tx, k10001, le64(1)) })
		}
		e.expectFails("SetVersionstampedValue on a 10,001-byte key", 2102, func(tx layer.Tx) {
			tx.SetVersionstampedValue(k10001, concat(make([]byte, 10), le32(0)))
		})

		// No key can be longer than 10,000 bytes, so FoundationDB answers
		// reads of longer keys (absent) and ignores clears of them.
		tx := e.tx()
		if got, err := tx.Get(k10001).Get(); err != nil || got != nil {
			t.Errorf("Get of a 10,001-byte key = %s, %v; want absent, no error", showVal(got), err)
		}
		if _, err := tx.GetRange(layer.KeyRange{Begin: k10001, End: append(bytes.Clone(k10001), 'z')}, layer.RangeOptions{}).Slice(); err != nil {
			t.Errorf("range read with 10,001-byte bounds: %v", err)
		}
		tx.Clear(k10001)
		tx.ClearRange(layer.KeyRange{Begin: k10001, End: append(bytes.Clone(k10001), 'z')})
		ok := e.uniq("ok")
		tx.Set(ok, v("1"))
		wantNoErr(t, tx.Commit(), "Clear and ClearRange of 10,001-byte keys are no-ops")
		e.expectValue(ok, v("1"), "the rest of the transaction committed")

		tx = e.tx()
		w := tx.Watch(k10001)
		mustCommit(t, tx)
		ctx, cancel := e.ctx()
		defer cancel()
		wantCode(t, w.Wait(ctx), 2102, "Watch of a 10,001-byte key")
	})

	t.Run("ValueSize", func(t *testing.T) {
		e := s.env(t)
		k := e.k("v")
		max := bytes.Repeat([]byte{'v'}, layer.MaxValueSize)
		e.write(k, max)
		e.expectValue(k, max, "a 100,000-byte value")
		over := bytes.Repeat([]byte{'v'}, layer.MaxValueSize+1)
		e.expectFails("Set of a 100,001-byte value", 2103, func(tx layer.Tx) { tx.Set(e.k("over"), over) })
		e.expectReadFails("Set of a 100,001-byte value", 2103, func(tx layer.Tx) { tx.Set(e.k("over"), over) })
		e.expectValue(e.k("over"), nil, "the 100,001-byte value")
	})

	t.Run("TransactionSize", func(t *testing.T) {
		e := s.env(t)
		val := bytes.Repeat([]byte{'t'}, layer.MaxValueSize)
		// 101 values of 100,000 bytes exceed 10,000,000 bytes.
		e.expectFails("a transaction of 10.1 MB", 2101, func(tx layer.Tx) {
			for i := 0; i < 101; i++ {
				tx.Set(e.k(fmt.Sprintf("big/%03d", i)), val)
			}
		})
		if kvs := e.readRange(e.rng("big/"), layer.RangeOptions{Limit: 1}); len(kvs) != 0 {
			t.Errorf("a transaction that failed with 2101 wrote %s", e.showKVs(kvs))
		}
		// 95 of them (9.5 MB with keys and conflict ranges) fit.
		tx := e.tx()
		for i := 0; i < 95; i++ {
			tx.Set(e.k(fmt.Sprintf("fits/%03d", i)), val)
		}
		wantNoErr(t, tx.Commit(), "a transaction of 9.5 MB")
		e.do(func(tx layer.Tx) { tx.ClearRange(e.rng("fits/")) })
	})

	t.Run("SizeLimitOption", func(t *testing.T) {
		e := s.env(t)
		tx := e.tx()
		if err := tx.SetSizeLimit(50_000); err != nil {
			t.Fatalf("SetSizeLimit(50000): %v", err)
		}
		tx.Set(e.k("small"), bytes.Repeat([]byte{'s'}, 10_000))
		wantNoErr(t, tx.Commit(), "10 kB under a 50 kB size limit")
		e.expectFails("60 kB under a 50 kB size limit", 2101, func(tx layer.Tx) {
			if err := tx.SetSizeLimit(50_000); err != nil {
				t.Fatalf("SetSizeLimit(50000): %v", err)
			}
			tx.Set(e.k("large"), bytes.Repeat([]byte{'s'}, 60_000))
		})
		e.expectOptionFails("SetSizeLimit(31)", 2006, func(tx layer.Tx) error { return tx.SetSizeLimit(31) })
		e.expectOptionFails("SetSizeLimit(10,000,001)", 2006, func(tx layer.Tx) error { return tx.SetSizeLimit(layer.DefaultSizeLimit + 1) })
		tx = e.tx()
		wantNoErr(t, tx.SetSizeLimit(32), "SetSizeLimit(32)")
		wantNoErr(t, tx.SetSizeLimit(layer.DefaultSizeLimit), "SetSizeLimit(10,000,000)")
	})

	t.Run("CoalescedAtomicOps", func(t *testing.T) {
		// The size of a transaction counts the mutations it sends, and
		// FoundationDB folds consecutive atomic ops of one type (for Add,
		// with parameters of one length) on a key into one: 500 Adds to a
		// counter are one mutation, not 500.
		e := s.env(t)
		k := e.k("counter")
		e.write(k, le64(0))
		tx := e.tx()
		wantNoErr(t, tx.SetSizeLimit(2_000), "SetSizeLimit(2000)")
		for i := 0; i < 500; i++ {
			tx.Add(k, le64(1))
		}
		wantNoErr(t, tx.Commit(), "500 Adds to one key under a 2,000-byte size limit")
		e.expectValue(k, le64(500), "500 Adds of 1")
		// Ops that do not fold count one by one.
		e.expectFails("500 alternating Adds and BitOrs to one key under a 2,000-byte size limit", 2101, func(tx layer.Tx) {
			if err := tx.SetSizeLimit(2_000); err != nil {
				t.Fatalf("SetSizeLimit(2000): %v", err)
			}
			for i := 0; i < 250; i++ {
				tx.Add(k, le64(1))
				tx.BitOr(k, le64(0))
			}
		})
	})

	t.Run("SystemKeys", func(t *testing.T) {
		e := s.env(t)
		ff := []byte{0xff}
		ff00 := []byte{0xff, 0x00}
		ff01 := []byte{0xff, 0x01}
		e.expectFails(`Set("\xff")`, 2004, func(tx layer.Tx) { tx.Set(ff, v("x")) })
		e.expectFails(`Set("\xff\x00")`, 2004, func(tx layer.Tx) { tx.Set(ff00, v("x")) })
		e.expectReadFails(`Set("\xff")`, 2004, func(tx layer.Tx) { tx.Set(ff, v("x")) })
		e.expectFails(`Clear("\xff")`, 2004, func(tx layer.Tx) { tx.Clear(ff) })
		e.expectFails(`ClearRange(prefix, "\xff\x01")`, 2004, func(tx layer.Tx) {
			tx.ClearRange(layer.KeyRange{Begin: e.k("a"), End: ff01})
		})
		for name, op := range atomicOps {
			e.expectFails(name+`("\xff")`, 2004, func(tx layer.Tx) { op(tx, ff, le64(1)) })
		}
		e.expectFails(`SetVersionstampedKey into "\xff"`, 2004, func(tx layer.Tx) {
			tx.SetVersionstampedKey(stampKey(ff, nil), v("x"))
		})
		e.expectFails(`SetVersionstampedValue("\xff")`, 2004, func(tx layer.Tx) {
			tx.SetVersionstampedValue(ff, concat(make([]byte, 10), le32(0)))
		})

		tx := e.tx()
		_, err := tx.Get(ff).Get()
		wantCode(t, err, 2004, `Get("\xff")`)
		_, err = tx.Get(ff00).Get()
		wantCode(t, err, 2004, `Get("\xff\x00")`)
		_, err = tx.GetRange(layer.KeyRange{Begin: e.k("a"), End: ff01}, layer.RangeOptions{Limit: 1}).Slice()
		wantCode(t, err, 2004, `GetRange(prefix, "\xff\x01")`)
		_, err = tx.GetRange(layer.KeyRange{Begin: ff01, End: []byte{0xff, 0x02}}, layer.RangeOptions{}).Slice()
		wantCode(t, err, 2004, `GetRange("\xff\x01", "\xff\x02")`)
		_, err = tx.GetKey(layer.FirstGreaterOrEqual(ff01)).Get()
		wantCode(t, err, 2004, `GetKey(FirstGreaterOrEqual("\xff\x01"))`)
		ctx, cancel := e.ctx()
		defer cancel()
		wtx := e.tx()
		w := wtx.Watch(ff)
		_ = wtx.Commit()
		wantCode(t, w.Wait(ctx), 2004, `Watch("\xff")`)
		e.expectOptionFails(`AddReadConflictRange(prefix, "\xff\x01")`, 2004, func(tx layer.Tx) error {
			mustRV(t, tx)
			return tx.AddReadConflictRange(layer.KeyRange{Begin: e.k("a"), End: ff01})
		})
		e.expectOptionFails(`AddWriteConflictRange(prefix, "\xff\x01")`, 2004, func(tx layer.Tx) error {
			return tx.AddWriteConflictRange(layer.KeyRange{Begin: e.k("a"), End: ff01})
		})

		// "\xff" itself is a legal exclusive end.
		tx = e.tx()
		if _, err := tx.GetRange(layer.KeyRange{Begin: e.k(""), End: ff}, layer.RangeOptions{Limit: 1}).Slice(); err != nil {
			t.Errorf(`GetRange(prefix, "\xff"): %v`, err)
		}
		if got, err := tx.GetKey(layer.FirstGreaterOrEqual(ff)).Get(); err != nil || !bytes.Equal(got, ff) {
			t.Errorf(`GetKey(FirstGreaterOrEqual("\xff")) = %q, %v; want "\xff"`, got, err)
		}
		tx.ClearRange(layer.KeyRange{Begin: e.k("zzz"), End: ff}) // never committed
		if _, err := tx.Get(e.k("a")).Get(); err != nil {
			t.Errorf(`a read after ClearRange(prefix, "\xff"): %v`, err)
		}
		tx.Cancel()
	})

	t.Run("InvertedRange", func(t *testing.T) {
		e := s.env(t)
		e.write(e.k("a"), v("1"), e.k("b"), v("2"))
		inverted := layer.KeyRange{Begin: e.k("b"), End: e.k("a")}
		e.expectFails("ClearRange(b, a)", 2005, func(tx layer.Tx) { tx.ClearRange(inverted) })
		e.expectReadFails("ClearRange(b, a)", 2005, func(tx layer.Tx) { tx.ClearRange(inverted) })
		e.expectValue(e.k("a"), v("1"), "after a failed inverted ClearRange")
		e.expectOptionFails("AddReadConflictRange(b, a)", 2005, func(tx layer.Tx) error { return tx.AddReadConflictRange(inverted) })
		e.expectOptionFails("AddWriteConflictRange(b, a)", 2005, func(tx layer.Tx) error { return tx.AddWriteConflictRange(inverted) })
		// FoundationDB answers a range read whose begin is after its end
		// with no rows and no error.
		tx := e.tx()
		kvs, err := tx.GetRange(inverted, layer.RangeOptions{}).Slice()
		if err != nil || len(kvs) != 0 {
			t.Errorf("GetRange(b, a) = %s, %v; want no rows, no error", e.showKVs(kvs), err)
		}
		kvs, err = tx.GetRange(layer.SelectorRange{Begin: layer.FirstGreaterOrEqual(e.k("b")), End: layer.FirstGreaterOrEqual(e.k("a"))}, layer.RangeOptions{Reverse: true}).Slice()
		if err != nil || len(kvs) != 0 {
			t.Errorf("GetRange of selectors resolving to (b, a) = %s, %v; want no rows, no error", e.showKVs(kvs), err)
		}
		// An empty range is no error either.
		tx.ClearRange(layer.KeyRange{Begin: e.k("a"), End: e.k("a")})
		wantNoErr(t, tx.Commit(), "ClearRange(a, a)")
		e.expectValue(e.k("a"), v("1"), "ClearRange(a, a) clears nothing")
	})

	t.Run("ExactModeWithoutLimit", func(t *testing.T) {
		e := s.env(t)
		tx := e.tx()
		_, err := tx.GetRange(e.rng(""), layer.RangeOptions{Mode: layer.StreamingModeExact}).Slice()
		wantCode(t, err, 2210, "StreamingModeExact without a limit")
		if _, err := tx.GetRange(e.rng(""), layer.RangeOptions{Mode: layer.StreamingModeExact, Limit: 5}).Slice(); err != nil {
			t.Errorf("StreamingModeExact with a limit: %v", err)
		}
	})
}
