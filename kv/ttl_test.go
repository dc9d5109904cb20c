package kv

import (
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/strata-db/strata/layer"
)

func TestTTL(t *testing.T) {
	db, s, clock := newStore(t, Options{DefaultTTL: time.Minute})
	put(t, db, s, "default", "x", PutOptions{})
	put(t, db, s, "short", "x", PutOptions{TTL: time.Second})
	put(t, db, s, "forever", "x", PutOptions{TTL: NoExpiry})
	it, err := get(t, db, s, "short")
	if err != nil || !it.Expires.Equal(clock.Now().Add(time.Second)) {
		t.Fatalf("Get(short) = %+v, %v", it, err)
	}
	clock.Advance(time.Second)
	if _, err := get(t, db, s, "short"); !errors.Is(err, ErrNotFound) {
		t.Errorf("expired value read: %v", err)
	}
	ok, _ := read(db, func(tx layer.ReadTx) (bool, error) { return s.Exists(tx, "short") })
	if ok {
		t.Error("Exists of an expired value")
	}
	// An expired value is absent for conditions too.
	put(t, db, s, "short", "again", PutOptions{IfAbsent: true, TTL: time.Second})
	if _, err := tx(db, func(tx layer.Tx) (Write, error) {
		return s.Put(tx, "gone", nil, PutOptions{IfPresent: true})
	}); !errors.Is(err, ErrNotFound) {
		t.Errorf("IfPresent on absent: %v", err)
	}
	clock.Advance(time.Minute)
	for k, want := range map[string]bool{"default": false, "short": false, "forever": true} {
		_, err := get(t, db, s, k)
		if (err == nil) != want {
			t.Errorf("after a minute, Get(%q): %v", k, err)
		}
	}
	// Expire sets a TTL, keeping the version.
	before, _ := get(t, db, s, "forever")
	must(t, db, func(tx layer.Tx) (struct{}, error) { return struct{}{}, s.Expire(tx, "forever", time.Hour) })
	after, _ := get(t, db, s, "forever")
	if after.Version != before.Version || !after.Expires.Equal(clock.Now().Add(time.Hour)) {
		t.Errorf("Expire: before %+v after %+v", before, after)
	}
	if _, err := tx(db, func(tx layer.Tx) (struct{}, error) { return struct{}{}, s.Expire(tx, "short", time.Hour) }); !errors.Is(err, ErrNotFound) {
		t.Errorf("Expire of an expired value: %v", err)
	}
	must(t, db, func(tx layer.Tx) (struct{}, error) { return struct{}{}, s.Expire(tx, "forever", NoExpiry) })
	// Sweep removes the two expired values ("default" and "short");
	// Expire cleared the old index entries of "forever" itself.
	res := must(t, db, func(tx layer.Tx) (SweepResult, error) { return s.Sweep(tx, 0) })
	if res.Values != 2 || res.More || res.Records != 0 {
		t.Errorf("Sweep = %+v", res)
	}
	n := must(t, db, func(tx layer.Tx) (int, error) {
		rows, err := tx.GetRange(s.Subspace().Range(), layer.RangeOptions{}).Slice()
		return len(rows), err
	})
	if n != 2 { // forever's record and version
		t.Errorf("%d keys left after Sweep", n)
	}
}

func TestSweepBounded(t *testing.T) {
	db, s, clock := newStore(t, Options{})
	must(t, db, func(tx layer.Tx) (struct{}, error) {
		for i := range 25 {
			if _, err := s.Put(tx, string(rune('a'+i)), []byte("v"), PutOptions{TTL: time.Duration(i+1) * time.Second}); err != nil {
				return struct{}{}, err
			}
		}
		return struct{}{}, nil
	})
	// A rewrite with another TTL leaves a stale entry under a concurrent
	// race; simulate it by rewriting the expiry index entry by hand.
	must(t, db, func(tx layer.Tx) (struct{}, error) {
		tx.Set(s.expiryKey(clock.Now().Add(time.Second).UnixNano()-1, "v", "a"), nil)
		return struct{}{}, nil
	})
	clock.Advance(20 * time.Second) // 20 values expired
	var total SweepResult
	rounds := 0
	for {
		res := must(t, db, func(tx layer.Tx) (SweepResult, error) { return s.Sweep(tx, 6) })
		rounds++
		total.Values += res.Values
		total.Stale += res.Stale
		if !res.More {
			break
		}
	}
	if total.Values != 20 || total.Stale != 1 || rounds != 4 {
		t.Errorf("sweeps: %+v in %d rounds", total, rounds)
	}
	for i := range 25 {
		_, err := get(t, db, s, string(rune('a'+i)))
		if (err == nil) != (i >= 20) {
			t.Errorf("value %d: %v", i, err)
		}
	}
}

func TestIdempotency(t *testing.T) {
	db, s, clock := newStore(t, Options{IdempotencyTTL: time.Hour})
	w1 := must(t, db, func(tx layer.Tx) (Write, error) {
		return s.Put(tx, "k", []byte("first"), PutOptions{IdempotencyKey: "req-1"})
	})
	v1, _ := w1.Version.Get()
	// The retry writes nothing and returns the original version, even with
	// another value.
	w2 := must(t, db, func(tx layer.Tx) (Write, error) {
		return s.Put(tx, "k", []byte("second"), PutOptions{IdempotencyKey: "req-1"})
	})
	v2, _ := w2.Version.Get()
	if it, _ := get(t, db, s, "k"); !w2.Replayed || w1.Replayed || v2 != v1 || string(it.Value) != "first" || it.Version != v1 {
		t.Errorf("replay: %+v %s, value %q at %s, original %s", w2, v2, it.Value, it.Version, v1)
	}
	// Another request with the key is refused.
	if _, err := tx(db, func(tx layer.Tx) (Write, error) {
		return s.Put(tx, "other", nil, PutOptions{IdempotencyKey: "req-1"})
	}); !errors.Is(err, ErrIdempotencyKeyReused) {
		t.Errorf("reused key: %v", err)
	}
	if _, err := tx(db, func(tx layer.Tx) (Write, error) {
		return s.Delete(tx, "k", DeleteOptions{IdempotencyKey: "req-1"})
	}); !errors.Is(err, ErrIdempotencyKeyReused) {
		t.Errorf("reused key for a delete: %v", err)
	}
	// Deletes replay their count.
	d1 := must(t, db, func(tx layer.Tx) (Write, error) { return s.Delete(tx, "k", DeleteOptions{IdempotencyKey: "del-1"}) })
	put(t, db, s, "k", "back", PutOptions{})
	d2 := must(t, db, func(tx layer.Tx) (Write, error) { return s.Delete(tx, "k", DeleteOptions{IdempotencyKey: "del-1"}) })
	if d1.Existed != 1 || !d2.Replayed || d2.Existed != 1 {
		t.Errorf("delete replay: %+v %+v", d1, d2)
	}
	if _, err := get(t, db, s, "k"); err != nil {
		t.Errorf("replayed delete deleted: %v", err)
	}
	// Records expire: the key applies again, and Sweep removes them.
	clock.Advance(time.Hour)
	w3 := must(t, db, func(tx layer.Tx) (Write, error) {
		return s.Put(tx, "k", []byte("third"), PutOptions{IdempotencyKey: "req-1"})
	})
	if it, _ := get(t, db, s, "k"); w3.Replayed || string(it.Value) != "third" {
		t.Errorf("after the idempotency TTL: %+v, %q", w3, it.Value)
	}
	res := must(t, db, func(tx layer.Tx) (SweepResult, error) { return s.Sweep(tx, 0) })
	if res.Records != 1 || res.Stale != 1 { // del-1 swept; req-1's old entry is stale
		t.Errorf("Sweep = %+v", res)
	}
	if _, err := tx(db, func(tx layer.Tx) (Write, error) {
		return s.Put(tx, "k", nil, PutOptions{IdempotencyKey: ""})
	}); err != nil {
		t.Error(err)
	}
}

// unknownResultDB wraps a real database: its transactions commit for real
// and then report commit_unknown_result (1021) while inject is positive,
// as FoundationDB does when the connection to the cluster drops during a
// commit that went through.
type unknownResultDB struct {
	layer.DB
	inject *atomic.Int32
}

func (d unknownResultDB) CreateTransaction() (layer.Tx, error) {
	tx, err := d.DB.CreateTransaction()
	if err != nil {
		return nil, err
	}
	return &unknownResultTx{Tx: tx, inject: d.inject}, nil
}

type unknownResultTx struct {
	layer.Tx
	inject  *atomic.Int32
	commits int
}

func (t *unknownResultTx) Commit() error {
	if err := t.Tx.Commit(); err != nil {
		return err
	}
	t.commits++
	if t.inject.Add(-1) >= 0 {
		return layer.ErrCommitUnknownResult
	}
	return nil
}

func TestIdempotencyCommitUnknownResult(t *testing.T) {
	real, s, _ := newStore(t, Options{})
	var inject atomic.Int32
	db := unknownResultDB{real, &inject}
	puts, err := s.Counter("puts")
	if err != nil {
		t.Fatal(err)
	}
	attempts := 0
	var stamps []layer.Future[Version]
	// Without an idempotency key, the retry after 1021 applies twice: the
	// counter the transaction adds to says so.
	inject.Store(1)
	w := must(t, db, func(tx layer.Tx) (Write, error) {
		attempts++
		w, err := s.Put(tx, "plain", []byte("v"), PutOptions{})
		if err == nil && !w.Replayed {
			puts.Add(tx, 1)
		}
		return w, err
	})
	if n := must(t, real, func(tx layer.Tx) (int64, error) { return puts.Get(tx) }); n != 2 || attempts != 2 {
		t.Fatalf("without a key: %d applications in %d attempts; the test does not inject", n, attempts)
	}
	must(t, real, func(tx layer.Tx) (struct{}, error) { puts.Clear(tx); return struct{}{}, nil })

	// With an idempotency key, the retry finds the record the first commit
	// wrote and replays.
	attempts = 0
	inject.Store(1)
	w = must(t, db, func(tx layer.Tx) (Write, error) {
		attempts++
		w, err := s.Put(tx, "k", []byte("once"), PutOptions{IdempotencyKey: "req-42"})
		if err != nil {
			return w, err
		}
		stamps = append(stamps, CommitVersion(tx))
		if !w.Replayed {
			puts.Add(tx, 1)
		}
		return w, nil
	})
	if attempts != 2 || !w.Replayed {
		t.Fatalf("%d attempts, replayed %v", attempts, w.Replayed)
	}
	first, err := stamps[0].Get() // the first attempt did commit
	if err != nil {
		t.Fatal(err)
	}
	got, err := w.Version.Get()
	it, _ := get(t, real, s, "k")
	n := must(t, real, func(tx layer.Tx) (int64, error) { return puts.Get(tx) })
	if err != nil || got != first || it.Version != first || string(it.Value) != "once" || n != 1 {
		t.Errorf("after 1021: version %s (first commit %s), stored %+v, applied %d times, %v", got, first, it, n, err)
	}

	// The same holds for a delete: the retry returns the original count.
	inject.Store(1)
	d := must(t, db, func(tx layer.Tx) (Write, error) { return s.Delete(tx, "k", DeleteOptions{IdempotencyKey: "del-42"}) })
	if !d.Replayed || d.Existed != 1 {
		t.Errorf("delete after 1021: %+v", d)
	}
}

func TestSnapshotReads(t *testing.T) {
	db, s, _ := newStore(t, Options{})
	put(t, db, s, "k", "v", PutOptions{})
	for _, c := range []Consistency{Strict, Snapshot} {
		t.Run(c.String(), func(t *testing.T) {
			reader, err := db.CreateTransaction()
			if err != nil {
				t.Fatal(err)
			}
			defer reader.Cancel()
			if _, err := s.Get(c.Of(reader), "k"); err != nil {
				t.Fatal(err)
			}
			put(t, db, s, "k", "changed", PutOptions{})
			if _, err := s.Put(reader, "other", nil, PutOptions{}); err != nil {
				t.Fatal(err)
			}
			err = reader.Commit()
			if c == Strict && !errors.Is(err, layer.ErrNotCommitted) || c == Snapshot && err != nil {
				t.Errorf("commit after a %s read of a key changed since: %v", c, err)
			}
		})
	}
}
