package layertest

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/strata-db/strata/layer"
)

// newTx creates a transaction the caller cancels.
func newTx(t testing.TB, db layer.DB) layer.Tx {
	t.Helper()
	tx, err := db.CreateTransaction()
	if err != nil {
		t.Fatalf("CreateTransaction: %v", err)
	}
	return tx
}

// workloadConflictRange is FoundationDB's ConflictRange workload. Each
// round fills a key space at random, reads a random range of key
// selectors (random keys, or-equal flags, offsets, limit, direction),
// then races two transactions at one read version: one changes the key
// space and commits, the other repeats the range read and commits. If the
// reader commits, the range must read the same afterwards (committed
// implies unchanged); if it conflicts, the range must read differently,
// except in the cases where FoundationDB's conflict ranges are known to be
// conservative. Half the rounds also exercise read-your-writes: the reader
// clears part of the key space itself, which hides keys from its read
// and takes them out of its conflict ranges.
func (s *suite) workloadConflictRange(t *testing.T) {
	e := s.env(t)
	s.logSeed(t)
	rng := s.rng("ConflictRange", 0)
	maxKey := max(s.sizes.ConflictRangeKeys, 10)
	const maxOffset = 5
	const sentinels = 8
	key := func(i int) []byte { return e.k(fmt.Sprintf("cr/%010d", i)) }
	// Unchanging keys below and above the key space keep every selector
	// (offsets up to 5) inside this subtest's prefix.
	lowPrefix, highPrefix := e.k("cr/!"), e.k("cr/~")
	e.do(func(tx layer.Tx) {
		for i := 0; i < sentinels; i++ {
			tx.Set(e.k(fmt.Sprintf("cr/!%d", i)), v("low"))
			tx.Set(e.k(fmt.Sprintf("cr/~%d", i)), v("high"))
		}
	})
	isSentinel := func(k []byte) bool { return bytes.HasPrefix(k, lowPrefix) || bytes.HasPrefix(k, highPrefix) }
	dataRange := layer.KeyRange{Begin: key(0), End: key(maxKey)}
	randomValue := func() []byte { return []byte(fmt.Sprintf("%016x", rng.Uint64())) }

	var withConflicts, withoutConflicts, rywRounds int
	for round := 0; round < s.sizes.ConflictRangeIterations && !t.Failed(); round++ {
		randomSets := round%2 == 0
		ryw := rng.IntN(2) == 0
		if ryw {
			rywRounds++
		}
		func() {
			var cancels []layer.Tx
			defer func() {
				for _, tx := range cancels {
					tx.Cancel()
				}
			}()
			tx := func() layer.Tx {
				tx := newTx(t, e.db)
				cancels = append(cancels, tx)
				return tx
			}

			// Fill the key space.
			inserted := map[int]bool{}
			var clearedSet []int
			clearedBegin, clearedEnd := 0, 0
			if ryw {
				a, b := rng.IntN(maxKey-1), rng.IntN(maxKey-1)
				clearedBegin, clearedEnd = min(a, b), max(a, b)+1
			}
			init := map[int][]byte{}
			for i := 0; i < maxKey; i++ {
				if rng.Float64() > 0.5 {
					if ryw && i >= clearedBegin && i < clearedEnd {
						clearedSet = append(clearedSet, i)
					} else {
						inserted[i] = true
						init[i] = randomValue()
					}
				}
			}
			if len(inserted) == 0 {
				return
			}
			e.do(func(tx layer.Tx) {
				tx.ClearRange(dataRange)
				for i, val := range init {
					tx.Set(key(i), val)
				}
			})

			// A random range read that returns rows.
			var sel layer.SelectorRange
			var opts layer.RangeOptions
			var keyA, keyB int
			var orig []layer.KeyValue
			tr1 := tx()
			for {
				keyA, keyB = rng.IntN(maxKey), rng.IntN(maxKey)
				sel = layer.SelectorRange{
					Begin: layer.KeySelector{Key: key(keyA), OrEqual: rng.IntN(2) != 0, Offset: rng.IntN(2*maxOffset) - maxOffset},
					End:   layer.KeySelector{Key: key(keyB), OrEqual: rng.IntN(2) != 0, Offset: rng.IntN(2*maxOffset) - maxOffset},
				}
				opts = layer.RangeOptions{Limit: 1 + rng.IntN(maxKey-1), Reverse: rng.IntN(2) == 0}
				res := mustRange(t, tr1, sel, opts)
				if len(res) > 0 {
					orig = res
					break
				}
				tr1 = tx()
			}
			desc := func() string {
				return fmt.Sprintf("round %d (ryw %v, sets %v): GetRange(KeySelector(%d, %v, %d), KeySelector(%d, %v, %d), limit %d, reverse %v)",
					round, ryw, randomSets, keyA, sel.Begin.OrEqual, sel.Begin.Offset, keyB, sel.End.OrEqual, sel.End.Offset, opts.Limit, opts.Reverse)
			}
			if ryw {
				for _, i := range clearedSet {
					tr1.Set(key(i), randomValue())
				}
				mustCommit(t, tr1)
			}

			// Two transactions at one read version.
			tr2 := tx()
			rv := mustRV(t, tr2)
			tr3 := tx()
			tr3.SetReadVersion(rv)
			nOps := 2 + rng.IntN(3)
			for i := 0; i < nOps; i++ {
				for j := 0; j < 5; j++ {
					k := rng.IntN(maxKey)
					if randomSets && !inserted[k] {
						inserted[k] = true
						tr2.Set(key(k), randomValue())
						break
					}
					if !randomSets && inserted[k] {
						delete(inserted, k)
						tr2.Clear(key(k))
						break
					}
				}
			}
			mustCommit(t, tr2)

			if ryw {
				tr3.ClearRange(layer.KeyRange{Begin: key(clearedBegin), End: key(clearedEnd)})
			} else {
				tr3.Clear(key(maxKey + 1))
			}
			res3 := mustRange(t, tr3, sel, opts)
			if !sameKVs(res3, orig) {
				t.Errorf("%s: at the first read's state, the range read %s, first read %s", desc(), e.showKVs(res3), e.showKVs(orig))
			}
			err := tr3.Commit()
			conflict := isCode(err, 1020)
			if err != nil && !conflict {
				t.Fatalf("%s: commit: %v", desc(), err)
			}
			if conflict && ryw {
				e.do(func(tx layer.Tx) {
					tx.ClearRange(layer.KeyRange{Begin: key(clearedBegin), End: key(clearedEnd)})
				})
			}
			res4 := mustRange(t, tx(), sel, opts)
			if !conflict {
				withoutConflicts++
				if !sameKVs(res4, orig) {
					t.Errorf("%s: committed without a conflict, but the range now reads %s, not %s", desc(), e.showKVs(res4), e.showKVs(orig))
				}
				return
			}
			withConflicts++
			if !sameKVs(res4, orig) {
				return
			}
			// A conflict although the results are unchanged: allowed only
			// where FoundationDB's conflict ranges are conservative.
			excused := false
			if len(orig) == opts.Limit && ((sel.End.Offset <= 0 && !opts.Reverse) || (sel.Begin.Offset > 1 && opts.Reverse)) {
				excused = true // hit the limit, but the end selector reaches into the range
			}
			for _, kv := range orig {
				if isSentinel(kv.Key) {
					excused = true // a selector whose offset runs past the key space
				}
			}
			if (keyA > keyB || (keyA == keyB && sel.Begin.OrEqual && !sel.End.OrEqual)) && len(orig) == opts.Limit {
				excused = true // begin after end: only the end selector matters, and the limit was hit
			}
			if !excused {
				t.Errorf("%s: conflict although the range reads the same before and after: %s", desc(), e.showKVs(orig))
			}
		}()
	}
	t.Logf("conflict range: %d rounds (%d with read-your-writes), %d conflicts, %d commits without conflict",
		s.sizes.ConflictRangeIterations, rywRounds, withConflicts, withoutConflicts)
}
