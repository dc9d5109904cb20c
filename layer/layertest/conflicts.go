package layertest

import (
	"iter"
	"testing"

	"github.com/strata-db/strata/layer"
)

// race is the two-transaction race at the heart of optimistic concurrency:
// the reader takes a read version and reads; the writer writes and commits;
// the reader then writes a marker and commits. It returns the reader's
// commit error, and checks that a reader that failed wrote nothing.
func (e *env) race(read func(r layer.Tx), write func(w layer.Tx)) error {
	t := e.t
	t.Helper()
	r := e.tx()
	mustRV(t, r)
	read(r)
	w := e.tx()
	write(w)
	mustCommit(t, w)
	marker := e.uniq("marker")
	r.Set(marker, v("m"))
	err := r.Commit()
	if err != nil {
		if got := e.read(marker); got != nil {
			t.Errorf("a transaction whose commit failed (%v) wrote its marker", err)
		}
	}
	return err
}

// fourKeyRange makes the env reset to the keys l/a, l/b, l/c and l/d
// (values "1" to "4") before each race, and returns the range l/ to l/z
// that holds them, for the range-conflict subtests.
func (e *env) fourKeyRange() layer.KeyRange {
	e.reset = func() {
		e.do(func(tx layer.Tx) {
			tx.ClearRange(e.rng("l"))
			for i, k := range []string{"l/a", "l/b", "l/c", "l/d"} {
				tx.Set(e.k(k), []byte{byte('1' + i)})
			}
		})
	}
	return layer.KeyRange{Begin: e.k("l/"), End: e.k("l/z")}
}

// expectRace runs race and checks that the reader conflicted (1020) or
// committed.
func (e *env) expectRace(what string, wantConflict bool, read func(r layer.Tx), write func(w layer.Tx)) {
	e.t.Helper()
	if e.reset != nil {
		e.reset()
	}
	err := e.race(read, write)
	if wantConflict {
		wantCode(e.t, err, 1020, what+": the reader's commit")
	} else {
		wantNoErr(e.t, err, what+": the reader must commit (no conflict)")
	}
}

func (s *suite) testConflicts(t *testing.T) {
	t.Run("ReadWrite", func(t *testing.T) {
		e := s.env(t)
		k := e.k("k")
		e.write(k, v("0"))
		e.expectRace("Get then another transaction's Set", true,
			func(r layer.Tx) { mustGet(t, r, k) },
			func(w layer.Tx) { w.Set(k, v("1")) })
		e.expectValue(k, v("1"), "the writer's value stands")
		e.expectRace("Get then another transaction's Clear", true,
			func(r layer.Tx) { mustGet(t, r, k) },
			func(w layer.Tx) { w.Clear(k) })
		e.expectRace("GetRange then another transaction's Set inside it", true,
			func(r layer.Tx) { mustRange(t, r, e.rng("r/"), layer.RangeOptions{}) },
			func(w layer.Tx) { w.Set(e.k("r/x"), v("1")) })
		e.expectRace("GetRange then another transaction's ClearRange over it", true,
			func(r layer.Tx) { mustRange(t, r, e.rng("r/"), layer.RangeOptions{}) },
			func(w layer.Tx) { w.ClearRange(layer.KeyRange{Begin: e.k("r/w"), End: e.k("r/y")}) })
		e.expectRace("Get then another transaction's atomic Add", true,
			func(r layer.Tx) { mustGet(t, r, e.k("n")) },
			func(w layer.Tx) { w.Add(e.k("n"), le64(1)) })
		e.expectRace("Get then a write to another key", false,
			func(r layer.Tx) { mustGet(t, r, e.k("a")) },
			func(w layer.Tx) { w.Set(e.k("b"), v("1")) })
	})

	t.Run("ClearOfAbsentKey", func(t *testing.T) {
		e := s.env(t)
		k := e.k("absent")
		e.expectRace("Get of an absent key then another transaction clears it", true,
			func(r layer.Tx) {
				if got := mustGet(t, r, k); got != nil {
					t.Fatalf("key should be absent, got %s", showVal(got))
				}
			},
			func(w layer.Tx) { w.Clear(k) })
	})

	t.Run("ReadOnlyCommitsDespiteConflict", func(t *testing.T) {
		e := s.env(t)
		k := e.k("k")
		r := e.tx()
		mustGet(t, r, k)
		e.write(k, v("1"))
		wantNoErr(t, r.Commit(), "a read-only transaction's commit never conflicts")
		cv, err := r.GetCommittedVersion()
		wantNoErr(t, err, "GetCommittedVersion of a read-only transaction")
		if cv != -1 {
			t.Errorf("GetCommittedVersion of a read-only transaction = %d, want -1", cv)
		}
	})

	t.Run("CommitBeforeReadVersion", func(t *testing.T) {
		e := s.env(t)
		k := e.k("k")
		r := e.tx()
		e.write(k, v("1")) // commits before r takes its read version (at its first read)
		if got := mustGet(t, r, k); string(got) != "1" {
			t.Fatalf("read version is taken at the first read: got %s, want \"1\"", showVal(got))
		}
		r.Set(e.k("m"), v("m"))
		wantNoErr(t, r.Commit(), "writes committed before the read version do not conflict")
	})

	t.Run("WriteWriteWithoutReads", func(t *testing.T) {
		e := s.env(t)
		k := e.k("k")
		a := e.tx()
		mustRV(t, a)
		mustGet(t, a, e.k("unrelated"))
		a.Set(k, v("a"))
		b := e.tx()
		mustRV(t, b)
		b.Set(k, v("b"))
		mustCommit(t, b)
		wantNoErr(t, a.Commit(), "blind writes to the same key do not conflict")
		e.expectValue(k, v("a"), "the last commit wins")
	})

	t.Run("EmptyRangePhantom", func(t *testing.T) {
		e := s.env(t)
		r := e.rng("p/")
		e.expectRace("an empty range read then another transaction inserts into it", true,
			func(tx layer.Tx) {
				if kvs := mustRange(t, tx, r, layer.RangeOptions{}); len(kvs) != 0 {
					t.Fatalf("range should be empty, got %s", e.showKVs(kvs))
				}
			},
			func(w layer.Tx) { w.Set(e.k("p/inserted"), v("x")) })
		e.expectRace("an empty reverse range read with a limit then an insert", true,
			func(tx layer.Tx) {
				mustRange(t, tx, e.rng("q/"), layer.RangeOptions{Limit: 1, Reverse: true})
			},
			func(w layer.Tx) { w.Set(e.k("q/inserted"), v("x")) })
		e.expectRace("an empty range read then an insert just past its end", false,
			func(tx layer.Tx) {
				mustRange(t, tx, layer.KeyRange{Begin: e.k("s/a"), End: e.k("s/b")}, layer.RangeOptions{})
			},
			func(w layer.Tx) { w.Set(e.k("s/b"), v("x")) })
	})

	t.Run("RangeLimitForward", func(t *testing.T) {
		e := s.env(t)
		r := e.fourKeyRange()
		read := func(tx layer.Tx) {
			kvs := mustRange(t, tx, r, layer.RangeOptions{Limit: 2})
			if len(kvs) != 2 || string(kvs[1].Key) != e.prefix+"l/b" {
				t.Fatalf("Limit 2 read %s, want a, b", e.showKVs(kvs))
			}
		}
		set := func(key string) func(w layer.Tx) { return func(w layer.Tx) { w.Set(e.k(key), v("w")) } }
		e.expectRace("write beyond the last returned key (l/c)", false, read, set("l/c"))
		e.expectRace("write beyond the last returned key (l/y, inside the asked range)", false, read, set("l/y"))
		e.expectRace("write before the range (l)", false, read, set("l"))
		e.expectRace("write between returned keys (l/a0)", true, read, set("l/a0"))
		e.expectRace("write to the last returned key (l/b)", true, read, set("l/b"))
		e.expectRace("write at the range's start (l/)", true, read, set("l/"))
	})

	t.Run("RangeLimitReverse", func(t *testing.T) {
		e := s.env(t)
		r := e.fourKeyRange()
		read := func(tx layer.Tx) {
			kvs := mustRange(t, tx, r, layer.RangeOptions{Limit: 2, Reverse: true})
			if len(kvs) != 2 || string(kvs[1].Key) != e.prefix+"l/c" {
				t.Fatalf("reverse Limit 2 read %s, want d, c", e.showKVs(kvs))
			}
		}
		set := func(key string) func(w layer.Tx) { return func(w layer.Tx) { w.Set(e.k(key), v("w")) } }
		e.expectRace("write below the last returned key (l/b)", false, read, set("l/b"))
		e.expectRace("write below the last returned key (l/)", false, read, set("l/"))
		e.expectRace("write at the range's end (l/z, excluded)", false, read, set("l/z"))
		e.expectRace("write between returned keys (l/c0)", true, read, set("l/c0"))
		e.expectRace("write to the last returned key (l/c)", true, read, set("l/c"))
		e.expectRace("write after the returned keys, inside the range (l/x)", true, read, set("l/x"))
	})

	t.Run("RangeAllBreak", func(t *testing.T) {
		e := s.env(t)
		r := e.fourKeyRange()
		// Reading with Limit 3 and breaking after two rows: the rows consumed
		// are covered, the row past the limit is not. (Whether the third row
		// is covered depends on how rows are batched, so it is not asserted.)
		read := func(tx layer.Tx) {
			n := 0
			for kv, err := range tx.GetRange(r, layer.RangeOptions{Limit: 3}).All() {
				if err != nil {
					t.Fatalf("All: %v", err)
				}
				n++
				if n == 2 {
					if string(kv.Key) != e.prefix+"l/b" {
						t.Fatalf("second row %s, want l/b", e.show(kv.Key))
					}
					break
				}
			}
		}
		set := func(key string) func(w layer.Tx) { return func(w layer.Tx) { w.Set(e.k(key), v("w")) } }
		e.expectRace("write to a consumed row after breaking out of All", true, read, set("l/a"))
		e.expectRace("write between consumed rows after breaking out of All", true, read, set("l/a0"))
		e.expectRace("write beyond the limit after breaking out of All", false, read, set("l/d"))
		e.expectRace("write beyond the limit after breaking out of All (l/y)", false, read, set("l/y"))
		// Without a limit, breaking after the first row still covers it.
		e.expectRace("no limit, break after one row, write to it", true,
			func(tx layer.Tx) {
				for _, err := range tx.GetRange(r, layer.RangeOptions{}).All() {
					if err != nil {
						t.Fatalf("All: %v", err)
					}
					break
				}
			}, set("l/a"))
	})

	t.Run("RangeAllReadModifyWrite", func(t *testing.T) {
		// The read-modify-write idiom: range over All and rewrite each row
		// in the loop body. The rows read conflict even though the
		// transaction writes them right after reading them (FoundationDB
		// records a range read's conflict range when its rows arrive,
		// before the caller can write them).
		e := s.env(t)
		r := e.fourKeyRange()
		rmw := func(opts layer.RangeOptions, write func(tx layer.Tx, kv layer.KeyValue)) func(tx layer.Tx) {
			return func(tx layer.Tx) {
				n := 0
				for kv, err := range tx.GetRange(r, opts).All() {
					if err != nil {
						t.Fatalf("All: %v", err)
					}
					write(tx, kv)
					n++
				}
				want := 4
				if opts.Limit > 0 {
					want = opts.Limit
				}
				if n != want {
					t.Fatalf("read %d rows, want %d", n, want)
				}
			}
		}
		incr := func(tx layer.Tx, kv layer.KeyValue) { tx.Set(kv.Key, []byte{kv.Value[0] + 1}) }
		clr := func(tx layer.Tx, kv layer.KeyValue) { tx.Clear(kv.Key) }
		add := func(tx layer.Tx, kv layer.KeyValue) { tx.Add(kv.Key, b(1)) }
		set := func(key string) func(w layer.Tx) { return func(w layer.Tx) { w.Set(e.k(key), v("w")) } }
		for _, c := range []struct {
			what     string
			opts     layer.RangeOptions
			write    func(tx layer.Tx, kv layer.KeyValue)
			key      string
			conflict bool
		}{
			{"Set each row; another transaction writes a row read", layer.RangeOptions{}, incr, "l/b", true},
			{"Set each row; another transaction writes the first row", layer.RangeOptions{}, incr, "l/a", true},
			{"Set each row; another transaction writes the last row", layer.RangeOptions{}, incr, "l/d", true},
			{"Set each row; another transaction inserts between rows", layer.RangeOptions{}, incr, "l/b0", true},
			{"Set each row; another transaction writes past the range", layer.RangeOptions{}, incr, "l/z", false},
			{"reverse, Set each row; another transaction writes a row read", layer.RangeOptions{Reverse: true}, incr, "l/c", true},
			{"reverse, Set each row; another transaction writes the first row", layer.RangeOptions{Reverse: true}, incr, "l/a", true},
			{"Limit 2, Set each row; another transaction writes a row read", layer.RangeOptions{Limit: 2}, incr, "l/b", true},
			{"Limit 2, Set each row; another transaction writes past the limit", layer.RangeOptions{Limit: 2}, incr, "l/c", false},
			{"Clear each row; another transaction writes a row read", layer.RangeOptions{}, clr, "l/c", true},
			{"Add to each row; another transaction writes a row read", layer.RangeOptions{}, add, "l/b", true},
		} {
			e.expectRace(c.what, c.conflict, rmw(c.opts, c.write), set(c.key))
		}
	})

	t.Run("RangeAllPullPartial", func(t *testing.T) {
		// Rows taken with iter.Pull and never stopped before Commit: the
		// rows pulled are read, and conflict. (Rows not pulled may or may
		// not be covered, depending on how rows are batched.)
		e := s.env(t)
		r := e.fourKeyRange()
		for _, c := range []struct {
			what string
			opts layer.RangeOptions
			pull int
			key  string
		}{
			{"pull one row, commit without stopping; another transaction writes it", layer.RangeOptions{}, 1, "l/a"},
			{"pull two rows, commit without stopping; another transaction writes the second", layer.RangeOptions{}, 2, "l/b"},
			{"pull two rows, commit without stopping; another transaction inserts between them", layer.RangeOptions{}, 2, "l/a0"},
			{"reverse, pull one row, commit without stopping; another transaction writes it", layer.RangeOptions{Reverse: true}, 1, "l/d"},
		} {
			read := func(tx layer.Tx) {
				next, stop := iter.Pull2(tx.GetRange(r, c.opts).All())
				t.Cleanup(stop) // after the commit
				for i := 0; i < c.pull; i++ {
					kv, err, ok := next()
					if !ok || err != nil {
						t.Fatalf("pull %d: ok %v, %v", i, ok, err)
					}
					// Use the row: the transaction's write depends on it.
					tx.Set(e.k("derived/", string(kv.Key[len(e.prefix):])), kv.Value)
				}
			}
			e.expectRace(c.what, true, read, func(w layer.Tx) { w.Set(e.k(c.key), v("w")) })
		}
	})

	t.Run("SnapshotReads", func(t *testing.T) {
		e := s.env(t)
		k := e.k("k")
		e.write(k, v("0"), e.k("s/a"), v("a"), e.k("s/c"), v("c"))
		e.expectRace("snapshot Get, GetRange and GetKey add no read conflict", false,
			func(r layer.Tx) {
				sn := r.Snapshot()
				mustGet(t, sn, k)
				mustRange(t, sn, e.rng("s/"), layer.RangeOptions{})
				mustKey(t, sn, layer.FirstGreaterThan(e.k("s/a")))
			},
			func(w layer.Tx) {
				w.Set(k, v("1"))
				w.Set(e.k("s/b"), v("b"))
				w.Clear(e.k("s/c"))
			})
		e.expectRace("a snapshot read followed by a normal read of the same key conflicts", true,
			func(r layer.Tx) {
				mustGet(t, r.Snapshot(), k)
				mustGet(t, r, k)
			},
			func(w layer.Tx) { w.Set(k, v("2")) })
	})

	t.Run("AtomicOpsNoReadConflict", func(t *testing.T) {
		e := s.env(t)
		k := e.k("counter")
		e.write(k, le64(10))
		a := e.tx()
		mustRV(t, a)
		mustGet(t, a, e.k("unrelated"))
		a.Add(k, le64(1))
		b := e.tx()
		mustRV(t, b)
		b.Add(k, le64(1))
		mustCommit(t, b)
		wantNoErr(t, a.Commit(), "two concurrent Adds to one key both commit")
		e.expectValue(k, le64(12), "both Adds applied")

		ops := map[string]func(tx layer.Tx, key []byte){
			"Add":                    func(tx layer.Tx, key []byte) { tx.Add(key, le64(1)) },
			"BitAnd":                 func(tx layer.Tx, key []byte) { tx.BitAnd(key, le64(1)) },
			"BitOr":                  func(tx layer.Tx, key []byte) { tx.BitOr(key, le64(1)) },
			"BitXor":                 func(tx layer.Tx, key []byte) { tx.BitXor(key, le64(1)) },
			"AppendIfFits":           func(tx layer.Tx, key []byte) { tx.AppendIfFits(key, v("x")) },
			"Max":                    func(tx layer.Tx, key []byte) { tx.Max(key, le64(1)) },
			"Min":                    func(tx layer.Tx, key []byte) { tx.Min(key, le64(1)) },
			"ByteMax":                func(tx layer.Tx, key []byte) { tx.ByteMax(key, v("x")) },
			"ByteMin":                func(tx layer.Tx, key []byte) { tx.ByteMin(key, v("x")) },
			"CompareAndClear":        func(tx layer.Tx, key []byte) { tx.CompareAndClear(key, v("x")) },
			"SetVersionstampedValue": func(tx layer.Tx, key []byte) { tx.SetVersionstampedValue(key, concat(make([]byte, 10), le32(0))) },
		}
		for name, op := range ops {
			key := e.k("op/", name)
			e.expectRace(name+" adds no read conflict (another transaction Sets the key meanwhile)", false,
				func(r layer.Tx) { op(r, key) },
				func(w layer.Tx) { w.Set(key, v("other")) })
		}
	})

	t.Run("OwnWritesNoConflict", func(t *testing.T) {
		e := s.env(t)
		e.write(e.k("c/b"), v("old"), e.k("sa"), le64(5))
		e.expectRace("reads of keys and ranges the transaction wrote itself add no conflict", false,
			func(r layer.Tx) {
				r.Set(e.k("set"), v("mine"))
				if got := mustGet(t, r, e.k("set")); string(got) != "mine" {
					t.Fatalf("read own Set: %s", showVal(got))
				}
				r.Clear(e.k("cleared"))
				if got := mustGet(t, r, e.k("cleared")); got != nil {
					t.Fatalf("read own Clear: %s", showVal(got))
				}
				r.ClearRange(e.rng("c/"))
				if kvs := mustRange(t, r, e.rng("c/"), layer.RangeOptions{}); len(kvs) != 0 {
					t.Fatalf("read own ClearRange: %s", e.showKVs(kvs))
				}
				r.Set(e.k("sa"), le64(10))
				r.Add(e.k("sa"), le64(1))
				if got := mustGet(t, r, e.k("sa")); !sameValue(got, le64(11)) {
					t.Fatalf("Set then Add: %s", showVal(got))
				}
				r.Clear(e.k("ca"))
				r.Add(e.k("ca"), le64(3))
				if got := mustGet(t, r, e.k("ca")); !sameValue(got, le64(3)) {
					t.Fatalf("Clear then Add: %s", showVal(got))
				}
			},
			func(w layer.Tx) {
				w.Set(e.k("set"), v("theirs"))
				w.Set(e.k("cleared"), v("theirs"))
				w.Set(e.k("c/a"), v("theirs"))
				w.Clear(e.k("c/b"))
				w.Set(e.k("sa"), le64(100))
				w.Set(e.k("ca"), le64(100))
			})
		e.expectValue(e.k("set"), v("mine"), "the reader committed last")
		e.expectValue(e.k("sa"), le64(11), "Set then Add, committed")
		e.expectValue(e.k("ca"), le64(3), "Clear then Add, committed")
	})

	t.Run("PendingAtomicReadConflicts", func(t *testing.T) {
		e := s.env(t)
		k := e.k("k")
		e.write(k, le64(1))
		e.expectRace("reading a key with a pending Add reads the stored value, which conflicts", true,
			func(r layer.Tx) {
				r.Add(k, le64(1))
				if got := mustGet(t, r, k); !sameValue(got, le64(2)) {
					t.Fatalf("pending Add read %s, want %s", showVal(got), showVal(le64(2)))
				}
			},
			func(w layer.Tx) { w.Set(k, le64(100)) })
	})

	t.Run("AddReadConflictRange", func(t *testing.T) {
		e := s.env(t)
		r := layer.KeyRange{Begin: e.k("a"), End: e.k("c")}
		add := func(tx layer.Tx) {
			if err := tx.AddReadConflictRange(r); err != nil {
				t.Fatalf("AddReadConflictRange: %v", err)
			}
		}
		e.expectRace("a write inside an added read conflict range", true, add,
			func(w layer.Tx) { w.Set(e.k("b"), v("x")) })
		e.expectRace("a write at the added range's begin", true, add,
			func(w layer.Tx) { w.Set(e.k("a"), v("x")) })
		e.expectRace("a write at the added range's (excluded) end", false, add,
			func(w layer.Tx) { w.Set(e.k("c"), v("x")) })
	})

	t.Run("AddWriteConflictRange", func(t *testing.T) {
		e := s.env(t)
		k := e.k("k")
		e.write(k, v("0"))
		e.expectRace("a read of a key in another transaction's added write conflict range", true,
			func(r layer.Tx) { mustGet(t, r, k) },
			func(w layer.Tx) {
				if err := w.AddWriteConflictRange(layer.KeyRange{Begin: k, End: keyAfter(k)}); err != nil {
					t.Fatalf("AddWriteConflictRange: %v", err)
				}
			})
		e.expectValue(k, v("0"), "a write conflict range writes nothing")
		// A transaction with only a write conflict range is not read-only: it
		// gets a commit version.
		w := e.tx()
		if err := w.AddWriteConflictRange(layer.KeyRange{Begin: e.k("x"), End: e.k("y")}); err != nil {
			t.Fatalf("AddWriteConflictRange: %v", err)
		}
		mustCommit(t, w)
		cv, err := w.GetCommittedVersion()
		if err != nil || cv <= 0 {
			t.Errorf("GetCommittedVersion after committing only a write conflict range = %d, %v; want a version", cv, err)
		}
		e.expectRace("a read outside the added write conflict range", false,
			func(r layer.Tx) { mustGet(t, r, e.k("y")) },
			func(w layer.Tx) {
				if err := w.AddWriteConflictRange(layer.KeyRange{Begin: e.k("x"), End: e.k("y")}); err != nil {
					t.Fatalf("AddWriteConflictRange: %v", err)
				}
			})
	})

	t.Run("GetKey", func(t *testing.T) {
		e := s.env(t)
		e.reset = func() {
			e.do(func(tx layer.Tx) {
				tx.ClearRange(e.rng("g/"))
				tx.Set(e.k("g/a"), v("1"))
				tx.Set(e.k("g/c"), v("3"))
				tx.Set(e.k("g/e"), v("5"))
			})
		}
		fge := func(tx layer.Tx) {
			if got := mustKey(t, tx, layer.FirstGreaterOrEqual(e.k("g/b"))); string(got) != e.prefix+"g/c" {
				t.Fatalf("FirstGreaterOrEqual(g/b) = %s, want g/c", e.show(got))
			}
		}
		set := func(key string) func(w layer.Tx) { return func(w layer.Tx) { w.Set(e.k(key), v("w")) } }
		e.expectRace("FirstGreaterOrEqual(g/b)=g/c, then an insert at g/bb", true, fge, set("g/bb"))
		e.expectRace("FirstGreaterOrEqual(g/b)=g/c, then a change of g/c", true, fge, set("g/c"))
		e.expectRace("FirstGreaterOrEqual(g/b)=g/c, then an insert at g/d", false, fge, set("g/d"))
		e.expectRace("FirstGreaterOrEqual(g/b)=g/c, then an insert at g/a0", false, fge, set("g/a0"))
		lle := func(tx layer.Tx) {
			if got := mustKey(t, tx, layer.LastLessOrEqual(e.k("g/d"))); string(got) != e.prefix+"g/c" {
				t.Fatalf("LastLessOrEqual(g/d) = %s, want g/c", e.show(got))
			}
		}
		e.expectRace("LastLessOrEqual(g/d)=g/c, then an insert at g/cc", true, lle, set("g/cc"))
		e.expectRace("LastLessOrEqual(g/d)=g/c, then an insert at g/d", true, lle, set("g/d"))
		e.expectRace("LastLessOrEqual(g/d)=g/c, then an insert at g/b", false, lle, set("g/b"))
		e.expectRace("LastLessOrEqual(g/d)=g/c, then an insert at g/d0", false, lle, set("g/d0"))
	})

	t.Run("EstimatedRangeSize", func(t *testing.T) {
		e := s.env(t)
		e.write(e.k("e/a"), v("1"))
		e.expectRace("GetEstimatedRangeSizeBytes adds no read conflict", false,
			func(r layer.Tx) {
				n, err := r.GetEstimatedRangeSizeBytes(e.rng("e/")).Get()
				if err != nil || n < 0 {
					t.Fatalf("GetEstimatedRangeSizeBytes = %d, %v", n, err)
				}
			},
			func(w layer.Tx) { w.Set(e.k("e/b"), v("2")) })
	})

	t.Run("RangeWriteSkew", func(t *testing.T) {
		e := s.env(t)
		ra, rb := e.rng("a/"), e.rng("b/")
		a, b := e.tx(), e.tx()
		if kvs := mustRange(t, a, ra, layer.RangeOptions{}); len(kvs) != 0 {
			t.Fatalf("range a/ not empty: %s", e.showKVs(kvs))
		}
		if kvs := mustRange(t, b, rb, layer.RangeOptions{}); len(kvs) != 0 {
			t.Fatalf("range b/ not empty: %s", e.showKVs(kvs))
		}
		a.Set(e.k("b/from-a"), v("x"))
		b.Set(e.k("a/from-b"), v("x"))
		wantNoErr(t, a.Commit(), "the first of two write-skewed transactions")
		wantCode(t, b.Commit(), 1020, "the second of two write-skewed transactions (it read a range the first wrote into)")
		e.expectValue(e.k("a/from-b"), nil, "the failed transaction's insert")
	})
}
