package embedded

// Regression tests for the findings of the independent review of the
// engine (lost updates through All, versions across restarts, the sweep
// race, atomic-op coalescing, future read versions, versionstamped keys,
// Reset during Commit). The performance findings have benchmarks in
// review_bench_test.go.

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/strata-db/strata/layer"
)

func mustTx(t testing.TB, db *DB) layer.Tx {
	t.Helper()
	tx, err := db.CreateTransaction()
	if err != nil {
		t.Fatal(err)
	}
	return tx
}

func mustSet(t testing.TB, db *DB, kvs ...string) {
	t.Helper()
	tx := mustTx(t, db)
	for i := 0; i+1 < len(kvs); i += 2 {
		tx.Set([]byte(kvs[i]), []byte(kvs[i+1]))
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

func txOf(ltx layer.Tx) *tx { return ltx.(*tx) }

func mustRead(t testing.TB, db *DB, key string) []byte {
	t.Helper()
	tx := mustTx(t, db)
	defer tx.Cancel()
	v, err := tx.Get([]byte(key)).Get()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestRangeAllConflictsAsRowsArrive: the read conflict range of a range
// read consumed with All is recorded as the rows are delivered, so writes
// in the loop body (the read-modify-write idiom) do not remove the rows
// read from it, and rows pulled with iter.Pull are covered even if the
// iteration is never stopped before Commit. Before the fix the range was
// computed when the iteration ended, minus what the loop body had written
// by then: a lost update.
func TestRangeAllConflictsAsRowsArrive(t *testing.T) {
	db, err := OpenMemory(WithSync(false))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rng := layer.KeyRange{Begin: []byte("a"), End: []byte("z")}
	sel := layer.SelectorRange{Begin: layer.FirstGreaterThan([]byte("a")), End: layer.LastLessOrEqual([]byte("x"))}
	incr := func(tx layer.Tx, kv layer.KeyValue) { tx.Set(kv.Key, []byte{kv.Value[0] + 1}) }
	clr := func(tx layer.Tx, kv layer.KeyValue) { tx.Clear(kv.Key) }
	clearAhead := func(tx layer.Tx, kv layer.KeyValue) {
		// Clear the row and everything after it: the rest is never read.
		tx.ClearRange(layer.KeyRange{Begin: kv.Key, End: []byte("z")})
	}
	other := func(tx layer.Tx, kv layer.KeyValue) { tx.Set([]byte("zz/"+string(kv.Key)), kv.Value) }
	for _, c := range []struct {
		name     string
		r        layer.Range
		opts     layer.RangeOptions
		body     func(tx layer.Tx, kv layer.KeyValue)
		pull     int // >0: take this many rows with iter.Pull, stop after Commit
		write    string
		conflict bool
	}{
		{"forward Set each row, writer hits a row read", rng, layer.RangeOptions{}, incr, 0, "k", true},
		{"forward Set each row, writer hits the first row", rng, layer.RangeOptions{}, incr, 0, "c", true},
		{"forward Set each row, writer inserts between rows", rng, layer.RangeOptions{}, incr, 0, "k0", true},
		{"forward Set each row, writer past the range", rng, layer.RangeOptions{}, incr, 0, "z", false},
		{"reverse Set each row, writer hits a row read", rng, layer.RangeOptions{Reverse: true}, incr, 0, "k", true},
		{"reverse Set each row, writer hits the last row read", rng, layer.RangeOptions{Reverse: true}, incr, 0, "c", true},
		{"limit 2 Set each row, writer hits the second row", rng, layer.RangeOptions{Limit: 2}, incr, 0, "c", true},
		{"limit 2 Set each row, writer past the limit", rng, layer.RangeOptions{Limit: 2}, incr, 0, "p", false},
		{"reverse limit 2 Set each row, writer hits the second row", rng, layer.RangeOptions{Limit: 2, Reverse: true}, incr, 0, "p", true},
		{"Clear each row, writer hits a row read", rng, layer.RangeOptions{}, clr, 0, "k", true},
		{"selectors Set each row, writer hits a row read", sel, layer.RangeOptions{}, incr, 0, "k", true},
		{"selectors reverse Set each row, writer hits a row read", sel, layer.RangeOptions{Reverse: true}, incr, 0, "p", true},
		{"selectors, writer hits the key the end selector resolved to", sel, layer.RangeOptions{}, incr, 0, "x", true},
		{"ClearRange ahead, writer hits the row read", rng, layer.RangeOptions{}, clearAhead, 0, "a", true},
		{"ClearRange ahead, writer hits a row cleared unread", rng, layer.RangeOptions{}, clearAhead, 0, "k", false},
		{"pull 1 row, writer hits it", rng, layer.RangeOptions{}, other, 1, "a", true},
		{"pull 2 rows, writer inserts between them", rng, layer.RangeOptions{}, other, 2, "b", true},
		{"selectors, body clears ahead, writer hits a key the begin selector passed", layer.SelectorRange{Begin: layer.KeySelector{Key: []byte("p"), Offset: -1}, End: layer.FirstGreaterOrEqual([]byte("z"))}, layer.RangeOptions{}, clearAhead, 0, "k", true},
		{"reverse pull 1 row, writer hits it", rng, layer.RangeOptions{Reverse: true}, other, 1, "x", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			clearAll := mustTx(t, db)
			clearAll.ClearRange(layer.KeyRange{Begin: []byte{}, End: []byte{0xff}})
			if err := clearAll.Commit(); err != nil {
				t.Fatal(err)
			}
			mustSet(t, db, "a", "\x01", "c", "\x01", "k", "\x01", "p", "\x01", "x", "\x01")
			reader := mustTx(t, db)
			if c.pull > 0 {
				next, stop := iterPull(reader.GetRange(c.r, c.opts))
				defer stop()
				for i := 0; i < c.pull; i++ {
					kv, err, ok := next()
					if !ok || err != nil {
						t.Fatalf("pull %d: %v %v", i, ok, err)
					}
					c.body(reader, kv)
				}
			} else {
				for kv, err := range reader.GetRange(c.r, c.opts).All() {
					if err != nil {
						t.Fatal(err)
					}
					c.body(reader, kv)
				}
			}
			reads := readRanges(t, reader)
			mustSet(t, db, c.write, "\x64")
			err := reader.Commit()
			if c.conflict && !errors.Is(err, layer.ErrNotCommitted) {
				t.Fatalf("reader committed (%v) after a write to %q it read; read conflicts %s", err, c.write, reads)
			}
			if !c.conflict && err != nil {
				t.Fatalf("reader failed (%v) after a write to %q it did not read; read conflicts %s", err, c.write, reads)
			}
		})
	}
	// Control: Slice then rewrite conflicts too.
	t.Run("Slice then Set each row", func(t *testing.T) {
		mustSet(t, db, "k", "\x0a")
		reader := mustTx(t, db)
		kvs, err := reader.GetRange(rng, layer.RangeOptions{}).Slice()
		if err != nil {
			t.Fatal(err)
		}
		for _, kv := range kvs {
			incr(reader, kv)
		}
		mustSet(t, db, "k", "\x64")
		if err := reader.Commit(); !errors.Is(err, layer.ErrNotCommitted) {
			t.Fatalf("Slice: %v, want 1020", err)
		}
	})
}

// TestRangeAllReadRangeStaysWhole: rewriting every row inside All leaves
// one read conflict range, as with Slice. Before the fix the range was cut
// into a piece per rewritten row (100,001 ranges for 100,000 rows) and the
// transaction failed with 2101.
func TestRangeAllReadRangeStaysWhole(t *testing.T) {
	rows := 100_000
	if testing.Short() {
		rows = 5_000
	}
	db, err := OpenMemory(WithSync(false))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	val := make([]byte, 60)
	seed := mustTx(t, db)
	for i := 0; i < rows; i++ {
		seed.Set([]byte(fmt.Sprintf("big/%08d", i)), val)
	}
	if err := seed.Commit(); err != nil {
		t.Fatal(err)
	}
	r := layer.KeyRange{Begin: []byte("big/"), End: []byte("big0")}
	for _, reverse := range []bool{false, true} {
		t.Run(fmt.Sprintf("reverse=%v", reverse), func(t *testing.T) {
			tx := mustTx(t, db)
			n := 0
			for kv, err := range tx.GetRange(r, layer.RangeOptions{Reverse: reverse}).All() {
				if err != nil {
					t.Fatal(err)
				}
				tx.Set(kv.Key, kv.Value)
				n++
			}
			if n != rows {
				t.Fatalf("read %d rows, want %d", n, rows)
			}
			if got := readRanges(t, tx); got != `["big/","big0")` {
				if len(got) > 200 {
					got = got[:200] + "..."
				}
				t.Errorf("read conflict ranges %s, want the one range read", got)
			}
			if err := tx.Commit(); err != nil {
				t.Fatalf("commit: %v", err)
			}
		})
	}
}

// TestRangeScanConflictSoundness checks, by brute force over a small key
// universe, that a write outside a transaction's read conflict ranges
// never changes what its reads returned: Slice, All (stopped early or
// not, with or without writes in the loop body) and GetKey, over random
// database states, pending writes and selectors.
func TestRangeScanConflictSoundness(t *testing.T) {
	iters := 3000
	if testing.Short() {
		iters = 400
	}
	universe := [][]byte{{}, []byte("a"), []byte("a\x00"), []byte("b"), []byte("c"), []byte("c\x00"), []byte("d"), []byte("e"), []byte("f"), []byte("g")}
	r := testRand(t)
	db, err := OpenMemory(WithSync(false))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	type rywOp struct {
		kind int
		k, e []byte
	}
	apply := func(tx layer.Tx, o rywOp) {
		switch o.kind {
		case 0:
			tx.Set(o.k, []byte("w"))
		case 1:
			tx.Clear(o.k)
		case 2:
			tx.ClearRange(layer.KeyRange{Begin: o.k, End: o.e})
		case 3:
			tx.Add(o.k, []byte{1})
		}
	}
	randOp := func() rywOp {
		k := universe[r.IntN(len(universe))]
		switch kind := r.IntN(4); kind {
		case 2:
			e := universe[r.IntN(len(universe))]
			if bytes.Compare(k, e) > 0 {
				k, e = e, k
			}
			return rywOp{2, k, e}
		default:
			return rywOp{kind, k, nil}
		}
	}
	failures := 0
	for iter := 0; iter < iters && failures < 5; iter++ {
		present := map[string]bool{}
		stx := mustTx(t, db)
		stx.ClearRange(layer.KeyRange{Begin: []byte{}, End: []byte{0xff}})
		for _, k := range universe {
			if r.IntN(2) == 0 {
				stx.Set(k, []byte("v"))
				present[string(k)] = true
			}
		}
		if err := stx.Commit(); err != nil {
			t.Fatal(err)
		}
		var ops []rywOp
		for i := r.IntN(3); i > 0; i-- {
			ops = append(ops, randOp())
		}
		// Writes made in the loop body of All, one per row delivered.
		var bodyOps []rywOp
		for i := 0; i < 4; i++ {
			bodyOps = append(bodyOps, randOp())
		}
		sel := func() layer.KeySelector {
			return layer.KeySelector{Key: universe[r.IntN(len(universe))], OrEqual: r.IntN(2) == 0, Offset: r.IntN(5) - 2}
		}
		kind := r.IntN(4)
		bsel, esel := sel(), sel()
		opts := layer.RangeOptions{Limit: r.IntN(4), Reverse: r.IntN(2) == 0}
		gsel := sel()
		brk := r.IntN(4) // for All: stop after brk rows (3: never)
		read := func(tx layer.Tx) string {
			for _, o := range ops {
				apply(tx, o)
			}
			switch kind {
			case 0:
				kvs, err := tx.GetRange(layer.SelectorRange{Begin: bsel, End: esel}, opts).Slice()
				if err != nil {
					return "err " + err.Error()
				}
				return fmt.Sprintf("%q", kvs)
			case 1, 2:
				var out []layer.KeyValue
				n := 0
				for kv, err := range tx.GetRange(layer.SelectorRange{Begin: bsel, End: esel}, opts).All() {
					if err != nil {
						return "err " + err.Error()
					}
					out = append(out, kv)
					if kind == 2 {
						apply(tx, bodyOps[n%len(bodyOps)])
					}
					n++
					if n == brk {
						break
					}
				}
				return fmt.Sprintf("%q", out)
			default:
				k, err := tx.GetKey(gsel).Get()
				if err != nil {
					return "err " + err.Error()
				}
				return fmt.Sprintf("%q", k)
			}
		}
		rtx := mustTx(t, db)
		want := read(rtx)
		x := rtx.(*tx)
		x.mu.Lock()
		conf := coalesce(append([]keyRange(nil), x.reads...))
		x.mu.Unlock()
		rtx.Cancel()
		inConf := func(k []byte) bool {
			for _, c := range conf {
				if c.contains(k) {
					return true
				}
			}
			return false
		}
		for _, k := range universe {
			if inConf(k) {
				continue
			}
			// Flip k's presence, read again, restore.
			flip := func(set bool) {
				m := mustTx(t, db)
				if set {
					m.Set(k, []byte("v"))
				} else {
					m.Clear(k)
				}
				if err := m.Commit(); err != nil {
					t.Fatal(err)
				}
			}
			flip(!present[string(k)])
			x := mustTx(t, db)
			got := read(x)
			x.Cancel()
			flip(present[string(k)])
			if got != want {
				failures++
				var pk []string
				for _, u := range universe {
					if present[string(u)] {
						pk = append(pk, fmt.Sprintf("%q", u))
					}
				}
				t.Errorf("kind %d begin %+v end %+v getkey %+v opts %+v brk %d ops %v body %v db %v:\n conflicts %q\n flipping %q (outside) changed the result %s -> %s",
					kind, bsel, esel, gsel, opts, brk, ops, bodyOps, pk, conf, k, want, got)
				break
			}
		}
	}
}

// readLease returns the persisted version lease.
func readLease(t *testing.T, db *DB) int64 {
	t.Helper()
	v, err := readMetaInt64(db.pdb, metaLeaseKey, "the version lease")
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// waitLease waits (a bound against hangs, not a timing expectation) until
// the persisted lease covers version v.
func waitLease(t *testing.T, db *DB, v int64) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for readLease(t, db) < v {
		if time.Now().After(deadline) {
			t.Fatalf("the lease never reached %d (at %d)", v, readLease(t, db))
		}
		time.Sleep(time.Millisecond)
	}
}

// TestVersionLease: versions never go backwards across a restart, even
// when read versions ran ahead of the last commit and the wall clock was
// set back meanwhile. Before the fix only the last commit version was
// persisted, so a commit after the restart could get a version below a
// read version handed out before it.
func TestVersionLease(t *testing.T) {
	for _, c := range []struct {
		name      string
		idle      time.Duration // clock advance before the read
		settle    bool          // let the lease renewal land, then read again
		stepBack  time.Duration
		reopenNow bool
	}{
		{"idle then read, clock back 30s", 60 * time.Second, false, 30 * time.Second, false},
		{"idle then read twice, clock back 59s", 60 * time.Second, true, 59 * time.Second, false},
		{"reads only, clock back 1h", 10 * time.Second, true, time.Hour, false},
		{"no step back", 10 * time.Second, true, 0, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			clock := &fakeClock{t: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
			db, err := OpenDir(dir, WithClock(clock.now))
			if err != nil {
				t.Fatal(err)
			}
			cv1 := commitVersion(t, db, "k", "1")
			clock.advance(c.idle)
			rtx := mustTx(t, db)
			rv, err := rtx.GetReadVersion().Get()
			if err != nil {
				t.Fatal(err)
			}
			rtx.Cancel()
			if c.settle {
				clock.advance(time.Second)
				waitLease(t, db, db.clock.now())
				rtx = mustTx(t, db)
				if rv, err = rtx.GetReadVersion().Get(); err != nil {
					t.Fatal(err)
				}
				rtx.Cancel()
			}
			if l := readLease(t, db); rv > l {
				t.Fatalf("read version %d handed out above the persisted lease %d", rv, l)
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			clock.advance(-c.stepBack)
			db, err = OpenDir(dir, WithClock(clock.now))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			rtx = mustTx(t, db)
			rv2, err := rtx.GetReadVersion().Get()
			if err != nil {
				t.Fatal(err)
			}
			rtx.Cancel()
			cv2 := commitVersion(t, db, "k", "2")
			t.Logf("commit %d, read version %d; after the restart: read version %d, commit %d", cv1, rv, rv2, cv2)
			if rv2 < rv || cv2 <= rv {
				t.Fatalf("versions went backwards across the restart: read version %d before, read version %d and commit %d after", rv, rv2, cv2)
			}
		})
	}
}

// TestVersionLeaseWrites counts the lease records written on their own:
// none while commits flow (the renewal rides in the commit batches, no
// extra fsync), and about one per two seconds of versions for reads alone.
// Every read version stays at or below the persisted lease.
func TestVersionLeaseWrites(t *testing.T) {
	clock := &fakeClock{t: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	db, err := OpenDir(t.TempDir(), WithClock(clock.now), WithSync(false))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// 3,000 commits over 30 s of versions.
	for i := 0; i < 3000; i++ {
		clock.advance(10 * time.Millisecond)
		cv := commitVersion(t, db, "k", fmt.Sprint(i))
		if l := readLease(t, db); cv > l {
			t.Fatalf("commit version %d above the persisted lease %d", cv, l)
		}
	}
	if n := db.leaseWrites.Load(); n != 0 {
		t.Errorf("%d lease records written on their own while commits flowed, want 0", n)
	}
	// 40 reads over 20 s of versions, nothing committed.
	last := int64(0)
	for i := 0; i < 40; i++ {
		clock.advance(500 * time.Millisecond)
		tx := mustTx(t, db)
		rv, err := tx.GetReadVersion().Get()
		if err != nil {
			t.Fatal(err)
		}
		tx.Cancel()
		if l := readLease(t, db); rv > l {
			t.Fatalf("read version %d above the persisted lease %d", rv, l)
		}
		if rv < last {
			t.Fatalf("read versions went backwards: %d then %d", last, rv)
		}
		last = rv
	}
	if n := db.leaseWrites.Load(); n < 1 || n > 20 {
		t.Errorf("%d lease records written for 20 s of reads, want about one per 2 s", n)
	}
}

// TestSweepSparesFreshAttempt: sweep lists the holders of expired
// snapshots, releases verMu, then expires them; a transaction that retried
// and read at a fresh version in between must keep its new snapshot.
// Before the fix, expire released whatever snapshot the transaction held
// by then, and its next read failed with 1007.
func TestSweepSparesFreshAttempt(t *testing.T) {
	clock := &fakeClock{t: time.Now()}
	db, err := OpenMemory(WithSync(false), WithClock(clock.now))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, retry := range []string{"Reset", "OnError", "none"} {
		t.Run(retry, func(t *testing.T) {
			tx1 := mustTx(t, db)
			if _, err := tx1.Get([]byte("a")).Get(); err != nil {
				t.Fatal(err)
			}
			mustSet(t, db, "b", "1") // a newer snapshot entry
			clock.advance(6 * time.Second)
			hs := db.expiredHolders(db.clock.now()) // sweep's first phase
			if len(hs) == 0 {
				t.Fatal("the old transaction is not listed as expired")
			}
			switch retry {
			case "Reset":
				tx1.Reset()
			case "OnError":
				if err := tx1.OnError(layer.ErrNotCommitted); err != nil {
					t.Fatal(err)
				}
			}
			_, err := tx1.Get([]byte("a")).Get()
			if retry == "none" {
				if !errors.Is(err, layer.ErrTransactionTooOld) {
					t.Fatalf("a read 6 s old: %v, want 1007", err)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			db.expireHolders(hs) // sweep's second phase
			_, err = tx1.Get([]byte("zz")).Get()
			if retry == "none" {
				if !errors.Is(err, layer.ErrTransactionTooOld) {
					t.Fatalf("an expired transaction read: %v, want 1007", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("a fresh attempt was expired by a stale sweep: %v", err)
			}
			tx1.Cancel()
		})
	}
}

// TestAtomicOpsCoalesce: atomic ops queued over a stored value fold as
// FoundationDB's WriteMap::coalesceOver folds them, so that reads do not
// replay an ever longer list and the size counts the mutations sent.
func TestAtomicOpsCoalesce(t *testing.T) {
	db, err := OpenMemory(WithSync(false))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	le := func(n uint64, size int) []byte {
		b := binary.LittleEndian.AppendUint64(nil, n)
		if size <= 8 {
			return b[:size]
		}
		return append(b, make([]byte, size-8)...)
	}
	type aop struct {
		typ   opType
		param []byte
	}
	rep := func(n int, o aop) []aop {
		out := make([]aop, n)
		for i := range out {
			out[i] = o
		}
		return out
	}
	for _, c := range []struct {
		name    string
		base    string // "stored", "set", "vsvalue"
		ops     []aop
		wantOps int
	}{
		{"100 Adds of 8 bytes", "stored", rep(100, aop{opAdd, le(1, 8)}), 1},
		{"Adds of 8 then 4 bytes", "stored", []aop{{opAdd, le(1, 8)}, {opAdd, le(1, 4)}, {opAdd, le(1, 4)}}, 2},
		{"Add, BitOr, Add", "stored", []aop{{opAdd, le(1, 8)}, {opOr, le(2, 8)}, {opAdd, le(1, 8)}}, 3},
		{"BitAnd of several lengths", "stored", []aop{{opAnd, le(0xff, 8)}, {opAnd, le(0x0f, 2)}, {opAnd, le(0x07, 4)}}, 1},
		{"BitOr same length", "stored", rep(5, aop{opOr, le(3, 8)}), 1},
		{"BitOr different lengths", "stored", []aop{{opOr, le(3, 8)}, {opOr, le(3, 2)}}, 2},
		{"BitXor same length", "stored", rep(5, aop{opXor, le(3, 8)}), 1},
		{"Max same length", "stored", []aop{{opMax, le(3, 8)}, {opMax, le(9, 8)}, {opMax, le(5, 8)}}, 1},
		{"Max different lengths", "stored", []aop{{opMax, le(3, 8)}, {opMax, le(9, 4)}}, 2},
		{"Min same length", "stored", []aop{{opMin, le(3, 8)}, {opMin, le(1, 8)}}, 1},
		{"ByteMin", "stored", []aop{{opByteMin, []byte("m")}, {opByteMin, []byte("b")}, {opByteMin, []byte("q")}}, 1},
		{"ByteMax", "stored", []aop{{opByteMax, []byte("m")}, {opByteMax, []byte("z")}}, 1},
		{"AppendIfFits", "stored", rep(10, aop{opAppendIfFits, []byte("ab")}), 1},
		{"CompareAndClear never folds", "stored", rep(3, aop{opCompareAndClear, []byte("nope")}), 3},
		{"Adds over a Set fold into it", "set", rep(10, aop{opAdd, le(1, 8)}), 0},
		{"Adds over a SetVersionstampedValue queue", "vsvalue", rep(3, aop{opAdd, le(1, 8)}), 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			key := []byte("op/" + c.name)
			stored := le(40, 8)
			mustSet(t, db, string(key), string(stored))
			tx := mustTx(t, db)
			x := txOf(tx)
			switch c.base {
			case "set":
				tx.Set(key, stored)
			case "vsvalue":
				tx.SetVersionstampedValue(key, append(make([]byte, 10), 0, 0, 0, 0))
			}
			for _, o := range c.ops {
				x.atomic(o.typ, key, o.param)
			}
			n := x.writes.list.find(key)
			if got := len(n.val.ops); got != c.wantOps {
				t.Errorf("%d ops queued, want %d (FoundationDB's coalescing)", got, c.wantOps)
			}
			if c.base == "vsvalue" {
				tx.Cancel()
				return
			}
			// The value read and committed is the ops applied one by one.
			want, ok := stored, true
			for _, o := range c.ops {
				want, ok = applyOp(o.typ, want, ok, o.param)
			}
			if !ok {
				want = nil
			}
			got, err := tx.Get(key).Get()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("read in the transaction %x, want %x", got, want)
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			if got := mustRead(t, db, string(key)); !bytes.Equal(got, want) {
				t.Errorf("committed %x, want %x", got, want)
			}
		})
	}
	// The size counts the folded mutation: 1,000 Adds of 8 bytes on a key
	// are one key and one parameter.
	tx := mustTx(t, db)
	key := []byte("counter")
	for i := 0; i < 1000; i++ {
		tx.Add(key, le(1, 8))
	}
	x := txOf(tx)
	if got, want := x.writes.mutationBytes(), len(key)+8; got != want {
		t.Errorf("1,000 Adds count %d mutation bytes, want %d", got, want)
	}
	tx.Cancel()
}

// TestFutureReadVersion: a read at a version ahead of the clock waits for
// it up to a second, as FoundationDB's storage servers do, then fails with
// future_version (1009); one more than a second ahead fails at once.
// Commits, which read nothing from storage, are not checked (FoundationDB's
// resolvers only check for too-old read versions).
func TestFutureReadVersion(t *testing.T) {
	t.Run("far ahead", func(t *testing.T) {
		db, err := OpenMemory(WithSync(false))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		tx := mustTx(t, db)
		tx.SetReadVersion(db.clock.now() + 10*layer.VersionsPerSecond)
		if _, err := tx.Get([]byte("k")).Get(); !errors.Is(err, layer.ErrFutureVersion) {
			t.Fatalf("a read 10 s ahead: %v, want 1009", err)
		}
	})
	t.Run("slightly ahead, clock running", func(t *testing.T) {
		db, err := OpenMemory(WithSync(false))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		mustSet(t, db, "k", "v")
		tx := mustTx(t, db)
		want := db.clock.now() + layer.VersionsPerSecond/10
		tx.SetReadVersion(want)
		v, err := tx.Get([]byte("k")).Get()
		if err != nil || string(v) != "v" {
			t.Fatalf("a read 100 ms ahead: %q %v, want it to wait and read", v, err)
		}
		if rv, _ := tx.GetReadVersion().Get(); rv != want {
			t.Errorf("read version %d, want %d", rv, want)
		}
	})
	t.Run("slightly ahead, clock stopped", func(t *testing.T) {
		clock := &fakeClock{t: time.Now()}
		db, err := OpenMemory(WithSync(false), WithClock(clock.now))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		tx := mustTx(t, db)
		tx.SetReadVersion(db.clock.now() + 1000)
		if _, err := tx.Get([]byte("k")).Get(); !errors.Is(err, layer.ErrFutureVersion) {
			t.Fatalf("a read at a version the clock never reaches: %v, want 1009", err)
		}
	})
	t.Run("commit with conflict ranges only", func(t *testing.T) {
		db, err := OpenMemory(WithSync(false))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		tx := mustTx(t, db)
		tx.SetReadVersion(db.clock.now() + 10*layer.VersionsPerSecond)
		if err := tx.AddReadConflictRange(layer.KeyRange{Begin: []byte("a"), End: []byte("b")}); err != nil {
			t.Fatal(err)
		}
		tx.Set([]byte("w"), []byte("1"))
		if err := tx.Commit(); err != nil {
			t.Fatalf("a commit that read nothing, at a future read version: %v (FoundationDB commits it)", err)
		}
	})
}

// TestVersionstampedKeyConflictsAndUnreadable: as FoundationDB, the write
// conflict range of a versionstamped key is the key it gets (the commit
// proxy adds it), not the whole range it could get; and the range the
// transaction may not read starts at the stamp (read version + 1, 0)
// (getVersionstampKeyRange), not at the read version.
func TestVersionstampedKeyConflictsAndUnreadable(t *testing.T) {
	db, err := OpenMemory(WithSync(false))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	vsKey := func(prefix string) []byte {
		k := append([]byte(prefix), make([]byte, versionstampLen)...)
		return binary.LittleEndian.AppendUint32(k, uint32(len(prefix)))
	}
	stamped := func(prefix string, v int64, order uint16) []byte {
		k := append([]byte(prefix), make([]byte, versionstampLen)...)
		putVersionstamp(k[len(prefix):], v, order)
		return k
	}

	// A reader of a key inside the possible range, which the stamped key
	// does not land on, does not conflict; a reader of the range does.
	for _, c := range []struct {
		name     string
		read     func(tx layer.Tx) error
		conflict bool
	}{
		{"a key the stamp cannot reach", func(tx layer.Tx) error {
			_, err := tx.Get(stamped("vs/", 1<<62, 0)).Get()
			return err
		}, false},
		{"the whole prefix", func(tx layer.Tx) error {
			_, err := tx.GetRange(layer.KeyRange{Begin: []byte("vs/"), End: []byte("vs0")}, layer.RangeOptions{}).Slice()
			return err
		}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			reader := mustTx(t, db)
			if err := c.read(reader); err != nil {
				t.Fatal(err)
			}
			w := mustTx(t, db)
			w.SetVersionstampedKey(vsKey("vs/"), []byte("x"))
			if err := w.Commit(); err != nil {
				t.Fatal(err)
			}
			reader.Set([]byte("marker"), []byte("1"))
			err := reader.Commit()
			if c.conflict != errors.Is(err, layer.ErrNotCommitted) {
				t.Fatalf("reader of %s: %v (want conflict %v)", c.name, err, c.conflict)
			}
		})
	}

	t.Run("unreadable from read version + 1", func(t *testing.T) {
		tx := mustTx(t, db)
		rv, err := tx.GetReadVersion().Get()
		if err != nil {
			t.Fatal(err)
		}
		tx.SetVersionstampedKey(vsKey("u/"), []byte("x"))
		if _, err := tx.Get(stamped("u/", rv, 0xffff)).Get(); err != nil {
			t.Errorf("a key stamped with the read version itself: %v, want readable", err)
		}
		if _, err := tx.Get(stamped("u/", rv+1, 0)).Get(); !errors.Is(err, layer.ErrAccessedUnreadable) {
			t.Errorf("a key stamped with read version + 1: %v, want 1036", err)
		}
		tx.Cancel()
	})
}

// holdPipeline takes the commit pipeline, so that commits queue, until
// the returned function is called.
func holdPipeline(t *testing.T, db *DB) func() {
	t.Helper()
	if !db.acquirePipeline() {
		t.Fatal("pipeline closed")
	}
	var once sync.Once
	return func() { once.Do(db.releasePipeline) }
}

// waitQueued waits until n commit requests are queued.
func waitQueued(t *testing.T, db *DB, n int) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		db.qMu.Lock()
		q := len(db.queue)
		db.qMu.Unlock()
		if q >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d requests queued, want %d", q, n)
		}
		time.Sleep(100 * time.Microsecond)
	}
}

// TestResetDuringQueuedCommit: Reset from another goroutine while Commit
// waits in the queue cancels the commit (1025, as FoundationDB's reset
// does) instead of clearing the write buffer under the commit pipeline;
// and the transaction's next attempt works.
func TestResetDuringQueuedCommit(t *testing.T) {
	db, err := OpenMemory(WithSync(false))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	release := holdPipeline(t, db)
	defer release()
	tx := mustTx(t, db)
	tx.Set([]byte("reset/k"), []byte("1"))
	done := make(chan error, 1)
	go func() { done <- tx.Commit() }()
	waitQueued(t, db, 1)
	tx.Reset()
	select {
	case err := <-done:
		if !errors.Is(err, layer.ErrTransactionCancelled) {
			t.Fatalf("Commit reset while queued: %v, want 1025", err)
		}
	case <-time.After(10 * time.Second): // a bound against a hang
		release()
		t.Fatalf("Reset did not cancel the queued commit; when the pipeline resumed, Commit returned %v", <-done)
	}
	release()
	if v := mustRead(t, db, "reset/k"); v != nil {
		t.Fatalf("a commit reset while queued wrote %q", v)
	}
	tx.Set([]byte("reset/k2"), []byte("2"))
	if err := tx.Commit(); err != nil {
		t.Fatalf("the attempt after Reset: %v", err)
	}
	if v := mustRead(t, db, "reset/k2"); string(v) != "2" {
		t.Fatalf("the attempt after Reset wrote %q", v)
	}
}

// TestCancelQueuedCommitThenClose: a queued commit taken back by Cancel
// is still in the queue when Close fails the queue; it must be answered
// once (Close used to answer it again: a panic on a closed channel).
func TestCancelQueuedCommitThenClose(t *testing.T) {
	db, err := OpenMemory(WithSync(false))
	if err != nil {
		t.Fatal(err)
	}
	release := holdPipeline(t, db)
	tx := mustTx(t, db)
	tx.Set([]byte("k"), []byte("1"))
	done := make(chan error, 1)
	go func() { done <- tx.Commit() }()
	waitQueued(t, db, 1)
	tx.Cancel()
	if err := <-done; !errors.Is(err, layer.ErrTransactionCancelled) {
		t.Fatalf("Commit cancelled while queued: %v, want 1025", err)
	}
	closed := make(chan error, 1)
	go func() { closed <- db.Close() }()
	for {
		db.qMu.Lock()
		qc := db.qClosed
		db.qMu.Unlock()
		if qc {
			break
		}
		time.Sleep(100 * time.Microsecond)
	}
	release()
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
}

// TestResetRacesCommit runs Reset against Commits in flight (for the race
// detector): each commit either happens or returns 1025, and nothing else.
func TestResetRacesCommit(t *testing.T) {
	db, err := OpenMemory(WithSync(false))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	n := 300
	if testing.Short() {
		n = 100
	}
	for i := 0; i < n; i++ {
		tx := mustTx(t, db)
		key := fmt.Sprintf("race/%04d", i)
		tx.Set([]byte(key), []byte("1"))
		tx.Add([]byte("race/count"), []byte{1})
		done := make(chan error, 1)
		go func() { done <- tx.Commit() }()
		if i%2 == 0 {
			// Let the commit reach the pipeline first.
			x := txOf(tx)
			for {
				x.mu.Lock()
				p := x.pending != nil || x.committed
				x.mu.Unlock()
				if p || len(done) > 0 {
					break
				}
				runtime.Gosched()
			}
		}
		tx.Reset()
		err := <-done
		v := mustRead(t, db, key)
		// err nil and nothing written: Reset came first, the commit was
		// empty.
		switch {
		case err == nil && v != nil && string(v) != "1":
			t.Fatalf("%s: committed %q", key, v)
		case err != nil && !errors.Is(err, layer.ErrTransactionCancelled):
			t.Fatalf("%s: %v", key, err)
		case err != nil && v != nil:
			t.Fatalf("%s: failed with %v but wrote %q", key, err, v)
		}
	}
}

// TestWatchesByRange: commits with ClearRange and SetVersionstampedKey fire
// exactly the watches in their ranges (the registry is ordered by key).
func TestWatchesByRange(t *testing.T) {
	db, err := OpenMemory(WithSync(false))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	keys := []string{"a", "b/1", "b/2", "b/3", "c", "vs/x", "z"}
	watches := map[string]layer.Watch{}
	for _, k := range keys {
		mustSet(t, db, k, "v")
	}
	tx := mustTx(t, db)
	for _, k := range keys {
		watches[k] = tx.Watch([]byte(k))
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	w := mustTx(t, db)
	w.ClearRange(layer.KeyRange{Begin: []byte("b/"), End: []byte("b0")})
	w.SetVersionstampedKey(append([]byte("vs/"), append(make([]byte, versionstampLen), 3, 0, 0, 0)...), []byte("x"))
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"b/1", "b/2", "b/3"} {
		if err := waitFor(t, watches[k], time.Minute); err != nil {
			t.Errorf("watch on %s after a ClearRange over it: %v", k, err)
		}
	}
	// The others have not fired (their keys kept their values).
	for _, k := range []string{"a", "c", "vs/x", "z"} {
		select {
		case <-watches[k].(*watch).done:
			t.Errorf("watch on %s fired: %v", k, watches[k].(*watch).err)
		default:
		}
		watches[k].Cancel()
	}
	if db.watches.n != 0 {
		t.Errorf("%d watched keys left registered", db.watches.n)
	}
}
