package layertest

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/strata-db/strata/layer"
)

// stampKey builds a SetVersionstampedKey argument: before, 10 placeholder
// bytes, after, and the placeholder's offset as 4 little-endian bytes.
func stampKey(before, after []byte) []byte {
	return concat(before, make([]byte, 10), after, le32(uint32(len(before))))
}

// commitStamp commits tx, whose GetVersionstamp future was taken before,
// and checks the stamp against GetCommittedVersion.
func commitStamp(t testing.TB, tx layer.Tx, f layer.Future[[]byte]) []byte {
	t.Helper()
	mustCommit(t, tx)
	stamp, err := f.Get()
	if err != nil {
		t.Fatalf("GetVersionstamp after a successful commit: %v", err)
	}
	if len(stamp) != 10 {
		t.Fatalf("versionstamp %x has %d bytes, want 10", stamp, len(stamp))
	}
	cv, err := tx.GetCommittedVersion()
	if err != nil {
		t.Fatalf("GetCommittedVersion: %v", err)
	}
	if got := int64(binary.BigEndian.Uint64(stamp[:8])); got != cv {
		t.Errorf("versionstamp %x: its first 8 bytes (big-endian) are %d, GetCommittedVersion is %d", stamp, got, cv)
	}
	return stamp
}

func (s *suite) testVersionstamps(t *testing.T) {
	t.Run("Key", func(t *testing.T) {
		e := s.env(t)
		tx := e.tx()
		rv := mustRV(t, tx)
		tx.SetVersionstampedKey(stampKey(e.k("vk/"), v("/tail")), v("value"))
		f := tx.GetVersionstamp()
		stamp := commitStamp(t, tx, f)
		cv, _ := tx.GetCommittedVersion()
		if cv <= rv {
			t.Errorf("committed version %d is not after the read version %d", cv, rv)
		}
		want := []layer.KeyValue{{Key: concat(e.k("vk/"), stamp, v("/tail")), Value: v("value")}}
		if got := e.readRange(e.rng("vk/"), layer.RangeOptions{}); !sameKVs(got, want) {
			t.Errorf("versionstamped key: got %s, want %s", e.showKVs(got), e.showKVs(want))
		}
	})

	t.Run("Value", func(t *testing.T) {
		e := s.env(t)
		tx := e.tx()
		tx.SetVersionstampedValue(e.k("v1"), concat(v("pre"), make([]byte, 10), v("post"), le32(3)))
		tx.SetVersionstampedValue(e.k("v2"), concat(make([]byte, 10), le32(0)))
		f := tx.GetVersionstamp()
		stamp := commitStamp(t, tx, f)
		e.expectValue(e.k("v1"), concat(v("pre"), stamp, v("post")), "SetVersionstampedValue at offset 3")
		e.expectValue(e.k("v2"), stamp, "SetVersionstampedValue of exactly the stamp")
	})

	t.Run("OneStampPerTransaction", func(t *testing.T) {
		e := s.env(t)
		tx := e.tx()
		tx.SetVersionstampedKey(stampKey(e.k("a/"), nil), v("1"))
		tx.SetVersionstampedKey(stampKey(e.k("b/"), v("x")), v("2"))
		tx.SetVersionstampedValue(e.k("c"), concat(make([]byte, 10), le32(0)))
		f := tx.GetVersionstamp()
		stamp := commitStamp(t, tx, f)
		if got := e.readRange(e.rng("a/"), layer.RangeOptions{}); len(got) != 1 || !bytes.Equal(got[0].Key, concat(e.k("a/"), stamp)) {
			t.Errorf("a/: %s, want the key with stamp %x", e.showKVs(got), stamp)
		}
		if got := e.readRange(e.rng("b/"), layer.RangeOptions{}); len(got) != 1 || !bytes.Equal(got[0].Key, concat(e.k("b/"), stamp, v("x"))) {
			t.Errorf("b/: %s, want the key with stamp %x", e.showKVs(got), stamp)
		}
		e.expectValue(e.k("c"), stamp, "the value's stamp equals the keys'")

		// A later transaction gets a larger stamp.
		tx2 := e.tx()
		tx2.SetVersionstampedValue(e.k("d"), concat(make([]byte, 10), le32(0)))
		f2 := tx2.GetVersionstamp()
		stamp2 := commitStamp(t, tx2, f2)
		if bytes.Compare(stamp2, stamp) <= 0 {
			t.Errorf("a later transaction's stamp %x is not greater than %x", stamp2, stamp)
		}
	})

	t.Run("UnreadableInOwnTransaction", func(t *testing.T) {
		e := s.env(t)
		e.write(e.k("u/old"), v("1"), e.k("w"), v("1"))
		tx := e.tx()
		tx.SetVersionstampedKey(stampKey(e.k("u/"), nil), v("x"))
		_, err := tx.GetRange(e.rng("u/"), layer.RangeOptions{}).Slice()
		wantCode(t, err, 1036, "a range read over a versionstamped key written in the same transaction")
		tx.SetVersionstampedValue(e.k("w"), concat(make([]byte, 10), le32(0)))
		_, err = tx.Get(e.k("w")).Get()
		wantCode(t, err, 1036, "a Get of a key with a pending SetVersionstampedValue")
		if got, err := tx.Get(e.k("elsewhere")).Get(); err != nil || got != nil {
			t.Errorf("a read of another key: %s, %v; want absent, no error", showVal(got), err)
		}
	})

	t.Run("BadOffset", func(t *testing.T) {
		e := s.env(t)
		cases := []struct {
			name string
			op   func(tx layer.Tx)
		}{
			{"key shorter than 4 bytes", func(tx layer.Tx) { tx.SetVersionstampedKey(v("abc"), v("x")) }},
			{"key offset past the end", func(tx layer.Tx) {
				tx.SetVersionstampedKey(concat(e.k("k/"), make([]byte, 10), le32(uint32(len(e.k("k/"))+1))), v("x"))
			}},
			{"key offset negative", func(tx layer.Tx) {
				tx.SetVersionstampedKey(concat(e.k("k/"), make([]byte, 10), le32(0xffffffff)), v("x"))
			}},
			{"value shorter than 4 bytes", func(tx layer.Tx) { tx.SetVersionstampedValue(e.k("v"), v("abc")) }},
			{"value offset past the end", func(tx layer.Tx) {
				tx.SetVersionstampedValue(e.k("v"), concat(make([]byte, 10), le32(1)))
			}},
			{"value without room for a stamp", func(tx layer.Tx) {
				tx.SetVersionstampedValue(e.k("v"), concat(make([]byte, 9), le32(0)))
			}},
		}
		for _, c := range cases {
			ok := e.uniq("ok")
			tx := e.tx()
			tx.Set(ok, v("1"))
			c.op(tx)
			wantCode(t, tx.Commit(), 2000, c.name)
			e.expectValue(ok, nil, c.name+": nothing is written")
		}
	})

	t.Run("ReadOnlyHasNone", func(t *testing.T) {
		e := s.env(t)
		tx := e.tx()
		mustGet(t, tx, e.k("x"))
		f := tx.GetVersionstamp()
		mustCommit(t, tx)
		_, err := f.Get()
		wantCode(t, err, 2021, "GetVersionstamp of a read-only transaction")
		cv, err := tx.GetCommittedVersion()
		if err != nil || cv != -1 {
			t.Errorf("GetCommittedVersion of a read-only transaction = %d, %v; want -1, nil", cv, err)
		}
	})

	t.Run("FailedCommit", func(t *testing.T) {
		e := s.env(t)
		k := e.k("k")
		tx := e.tx()
		mustGet(t, tx, k)
		tx.SetVersionstampedValue(e.k("v"), concat(make([]byte, 10), le32(0)))
		f := tx.GetVersionstamp()
		e.write(k, v("conflict"))
		wantCode(t, tx.Commit(), 1020, "the conflicting transaction")
		_, err := f.Get()
		wantCode(t, err, 2020, "GetVersionstamp of a transaction whose commit failed")
		e.expectValue(e.k("v"), nil, "the failed transaction's versionstamped value")
	})
}
