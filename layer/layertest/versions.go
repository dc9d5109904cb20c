package layertest

import (
	"testing"

	"github.com/strata-db/strata/layer"
)

// commitVersion commits one Set and returns its commit version.
func (e *env) commitVersion(key, value []byte) int64 {
	e.t.Helper()
	tx := e.tx()
	tx.Set(key, value)
	mustCommit(e.t, tx)
	cv, err := tx.GetCommittedVersion()
	if err != nil || cv <= 0 {
		e.t.Fatalf("GetCommittedVersion after a write = %d, %v", cv, err)
	}
	return cv
}

func (s *suite) testReadVersions(t *testing.T) {
	t.Run("StableWithinTransaction", func(t *testing.T) {
		e := s.env(t)
		k := e.k("k")
		tx := e.tx()
		rv1 := mustRV(t, tx)
		if got := mustGet(t, tx, k); got != nil {
			t.Fatalf("fresh key present: %s", showVal(got))
		}
		e.write(k, v("later"))
		if rv2 := mustRV(t, tx); rv2 != rv1 {
			t.Errorf("GetReadVersion changed within a transaction: %d then %d", rv1, rv2)
		}
		if got := mustGet(t, tx, k); got != nil {
			t.Errorf("a write committed after the read version is visible: %s (snapshot isolation)", showVal(got))
		}
		if kvs := mustRange(t, tx, e.rng(""), layer.RangeOptions{}); len(kvs) != 0 {
			t.Errorf("a range read sees a write committed after the read version: %s", e.showKVs(kvs))
		}
	})

	t.Run("AdvancesAfterCommit", func(t *testing.T) {
		e := s.env(t)
		tx := e.tx()
		rv := mustRV(t, tx)
		tx.Set(e.k("k"), v("1"))
		mustCommit(t, tx)
		cv, err := tx.GetCommittedVersion()
		if err != nil {
			t.Fatal(err)
		}
		if cv <= rv {
			t.Errorf("committed version %d is not after the read version %d", cv, rv)
		}
		next := e.tx()
		if nrv := mustRV(t, next); nrv < cv {
			t.Errorf("a transaction begun after a commit at %d reads at %d, before it", cv, nrv)
		}
		if got := mustGet(t, next, e.k("k")); string(got) != "1" {
			t.Errorf("a transaction begun after a commit does not see it: %s", showVal(got))
		}
		cv2 := e.commitVersion(e.k("k2"), v("2"))
		if cv2 <= cv {
			t.Errorf("commit versions went backwards: %d then %d", cv, cv2)
		}
	})

	t.Run("SetReadVersion", func(t *testing.T) {
		e := s.env(t)
		k := e.k("k")
		c1 := e.commitVersion(k, v("one"))
		c2 := e.commitVersion(k, v("two"))
		for _, c := range []struct {
			version int64
			want    []byte
		}{{c1 - 1, nil}, {c1, v("one")}, {c2 - 1, v("one")}, {c2, v("two")}} {
			tx := e.tx()
			tx.SetReadVersion(c.version)
			if got := mustGet(t, tx, k); !sameValue(got, c.want) {
				t.Errorf("at version %d (commits at %d and %d): %s, want %s", c.version, c1, c2, showVal(got), showVal(c.want))
			}
			if rv := mustRV(t, tx); rv != c.version {
				t.Errorf("GetReadVersion after SetReadVersion(%d) = %d", c.version, rv)
			}
		}
		// A transaction reading at an old version conflicts with what was
		// committed since.
		tx := e.tx()
		tx.SetReadVersion(c1)
		mustGet(t, tx, k)
		tx.Set(e.k("other"), v("x"))
		wantCode(t, tx.Commit(), 1020, "a read at an old version, overwritten since")
	})

	t.Run("FutureVersion", func(t *testing.T) {
		// A read at a version far ahead of the database's fails with
		// future_version (after FoundationDB's storage servers have waited
		// a second for it), and OnError retries it at a fresh version.
		e := s.env(t)
		now := mustRV(t, e.tx())
		tx := e.tx()
		tx.SetReadVersion(now + 100*layer.VersionsPerSecond)
		_, err := tx.Get(e.k("k")).Get()
		wantCode(t, err, 1009, "a read 100 s worth of versions in the future")
		if err := tx.OnError(err); err != nil {
			t.Fatalf("OnError(1009) must retry: %v", err)
		}
		if _, err := tx.Get(e.k("k")).Get(); err != nil {
			t.Errorf("a read after OnError(1009): %v", err)
		}
		if rv := mustRV(t, tx); rv < now || rv >= now+100*layer.VersionsPerSecond {
			t.Errorf("after OnError the read version is %d (was %d before)", rv, now)
		}
	})

	t.Run("TooOld", func(t *testing.T) {
		e := s.env(t)
		now := mustRV(t, e.tx())
		old := now - 6_000_000
		if old < 1 {
			t.Skipf("the database is at version %d, less than 6,000,000 versions old: cannot read 6 s in the past", now)
		}
		tx := e.tx()
		tx.SetReadVersion(old)
		_, err := tx.Get(e.k("k")).Get()
		wantCode(t, err, 1007, "a read 6,000,000 versions in the past")
		if err := tx.OnError(layer.ErrTransactionTooOld); err != nil {
			t.Fatalf("OnError(1007) must retry: %v", err)
		}
		if _, err := tx.Get(e.k("k")).Get(); err != nil {
			t.Errorf("a read after OnError(1007): %v", err)
		}
		if rv := mustRV(t, tx); rv < now {
			t.Errorf("after OnError the read version %d is older than %d", rv, now)
		}

		tx = e.tx()
		tx.SetReadVersion(old)
		if err := tx.AddReadConflictRange(layer.KeyRange{Begin: e.k("k"), End: e.k("l")}); err != nil {
			t.Fatalf("AddReadConflictRange: %v", err)
		}
		tx.Set(e.k("w"), v("x"))
		wantCode(t, tx.Commit(), 1007, "a commit with reads 6,000,000 versions in the past")
		e.expectValue(e.k("w"), nil, "the too-old transaction's write")
	})
}
