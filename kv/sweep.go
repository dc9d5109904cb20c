package kv

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/tuple"
)

// DefaultSweepLimit is the number of expiry entries Sweep handles when
// its limit is 0: small enough for one transaction of a few milliseconds.
const DefaultSweepLimit = 1000

// SweepResult is what one Sweep did.
type SweepResult struct {
	// Values and Records count the expired values and idempotency records
	// removed.
	Values, Records int
	// Stale counts expiry entries dropped whose record had been rewritten
	// with another expiry (or removed) since.
	Stale int
	// More reports that the limit was reached: more entries may have
	// expired, and another Sweep (in a new transaction) should run.
	More bool
}

// Sweep removes up to limit (0: DefaultSweepLimit) expired entries, the
// oldest first, in the caller's transaction. It reads the expiry index up
// to the clock's now, and for each entry the record it names: a record
// that expired at that time is removed, an entry whose record changed is
// dropped. Run it in a loop of transactions while More is set; each
// transaction removes what it handled, so the loop resumes where the last
// committed one stopped, and a transaction that fails (a conflict with a
// writer refreshing a key) changes nothing.
func (s *Store) Sweep(tx layer.Tx, limit int) (SweepResult, error) {
	if limit <= 0 {
		limit = DefaultSweepLimit
	}
	now := s.now().UnixNano()
	r := layer.KeyRange{Begin: s.key("x"), End: s.key("x", now+1)}
	rows, err := tx.GetRange(r, layer.RangeOptions{Limit: limit, Mode: layer.StreamingModeWantAll}).Slice()
	if err != nil {
		return SweepResult{}, err
	}
	type entry struct {
		key  []byte
		exp  int64
		kind string
		name string
		rec  layer.Future[[]byte]
	}
	entries := make([]entry, 0, len(rows))
	for _, row := range rows {
		t, err := s.ss.Unpack(row.Key)
		if err != nil || len(t) != 4 {
			return SweepResult{}, fmt.Errorf("%w: expiry entry %q", ErrCorrupt, row.Key)
		}
		exp, ok1 := t[1].(int64)
		kind, ok2 := t[2].(string)
		name, ok3 := t[3].(string)
		if !ok1 || !ok2 || !ok3 {
			return SweepResult{}, fmt.Errorf("%w: expiry entry %s", ErrCorrupt, tuple.Tuple(t))
		}
		e := entry{key: row.Key, exp: exp, kind: kind, name: name}
		switch kind {
		case "v":
			e.rec = tx.Get(s.metaKey(name))
		case "i":
			e.rec = tx.Get(s.idemRecordKey(idemKey(name)))
		default:
			return SweepResult{}, fmt.Errorf("%w: expiry entry of kind %q", ErrCorrupt, kind)
		}
		entries = append(entries, e)
	}
	var res SweepResult
	for _, e := range entries {
		rec, err := e.rec.Get()
		if err != nil {
			return SweepResult{}, err
		}
		tx.Clear(e.key)
		switch e.kind {
		case "v":
			if rec == nil {
				res.Stale++
				continue
			}
			m, err := decodeMeta(e.name, rec)
			if err != nil {
				return SweepResult{}, err
			}
			if m.exp != e.exp {
				res.Stale++
				continue
			}
			if m.chunked {
				tx.ClearRange(s.chunkRange(e.name))
			}
			tx.Clear(s.metaKey(e.name))
			tx.Clear(s.versionKey(e.name))
			res.Values++
		case "i":
			if rec == nil || len(rec) != idemRecordLen || int64(binary.BigEndian.Uint64(rec[11:])) != e.exp {
				res.Stale++
				continue
			}
			tx.Clear(s.idemRecordKey(idemKey(e.name)))
			res.Records++
		}
	}
	res.More = len(rows) == limit
	return res, nil
}

// Stat returns key's live value's metadata (key, version, expiry) without
// reading its value, or ErrNotFound.
func (s *Store) Stat(tx layer.ReadTx, key string) (Item, error) {
	if err := s.checkKey("key", key); err != nil {
		return Item{}, err
	}
	st, err := s.issue(tx, key, true).wait(s.now())
	if err != nil {
		return Item{}, err
	}
	if !st.live {
		return Item{}, fmt.Errorf("%w: %q", ErrNotFound, key)
	}
	return Item{Key: key, Version: st.version, Expires: expiryTime(st.m.exp)}, nil
}

// Expire sets the time to live of key's live value, counted from now
// (NoExpiry: never expires), or returns ErrNotFound. The value and its
// version stay as they are: a TTL is not a new version, and Watch does not
// fire for it.
func (s *Store) Expire(tx layer.Tx, key string, ttl time.Duration) error {
	if err := s.checkKey("key", key); err != nil {
		return err
	}
	if ttl == 0 || ttl < 0 && ttl != NoExpiry {
		return fmt.Errorf("%w: TTL %v", ErrInvalid, ttl)
	}
	mk := s.metaKey(key)
	rec, err := tx.Get(mk).Get()
	if err != nil {
		return err
	}
	var m meta
	if rec != nil {
		if m, err = decodeMeta(key, rec); err != nil {
			return err
		}
	}
	if rec == nil || !live(m.exp, s.now()) {
		return fmt.Errorf("%w: %q", ErrNotFound, key)
	}
	if m.exp != 0 {
		tx.Clear(s.expiryKey(m.exp, "v", key))
	}
	exp := s.expiry(ttl)
	out := bytes.Clone(rec)
	binary.BigEndian.PutUint64(out[1:], uint64(exp))
	tx.Set(mk, out)
	if exp != 0 {
		tx.Set(s.expiryKey(exp, "v", key), nil)
	}
	return nil
}
