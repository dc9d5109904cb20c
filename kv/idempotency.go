package kv

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/strata-db/strata/layer"
)

// idemRecordLen is the length of an idempotency record: format, version,
// expiry, operation, count, fingerprint.
const idemRecordLen = 1 + 10 + 8 + 1 + 4 + 32

// idemKey is the validated idempotency key of a request ("" for none).
type idemKey string

func (s *Store) idemRecordKey(k idemKey) []byte { return s.key("i", string(k)) }

// checkIdempotency reads the record of the request's idempotency key, if
// it has one. The read is strict: two concurrent requests with one key
// conflict, and the one that retries finds the other's record. It returns
// the original result for a request applied before.
func (s *Store) checkIdempotency(tx layer.Tx, key string, op byte, keys []string) (idemKey, *Write, error) {
	if key == "" {
		return "", nil, nil
	}
	if err := s.checkKey("idempotency key", key); err != nil {
		return "", nil, err
	}
	rec, err := tx.Get(s.idemRecordKey(idemKey(key))).Get()
	if errors.Is(err, layer.ErrAccessedUnreadable) {
		// Recorded by this very transaction: a repeat within it.
		return "", &Write{Version: CommitVersion(tx), Replayed: true}, nil
	}
	if err != nil {
		return "", nil, err
	}
	if rec == nil {
		return idemKey(key), nil, nil
	}
	if len(rec) != idemRecordLen || rec[0] != recordFormat {
		return "", nil, fmt.Errorf("%w: idempotency record %q", ErrCorrupt, key)
	}
	exp := int64(binary.BigEndian.Uint64(rec[11:]))
	if !live(exp, s.now()) {
		// Expired, not yet swept: the key is free again. The old index
		// entry is left for Sweep, which checks the record's expiry.
		return idemKey(key), nil, nil
	}
	fp := fingerprint(op, keys)
	if rec[19] != op || [32]byte(rec[24:]) != fp {
		return "", nil, fmt.Errorf("%w: %q", ErrIdempotencyKeyReused, key)
	}
	w := &Write{
		Version:  layer.Ready(Version(rec[1:11]), nil),
		Existed:  int(binary.BigEndian.Uint32(rec[20:])),
		Replayed: true,
	}
	return "", w, nil
}

// recordIdempotency writes the record of an applied request, stamped with
// the transaction's version, and its expiry index entry.
func (s *Store) recordIdempotency(tx layer.Tx, key idemKey, op byte, keys []string, existed int) {
	if key == "" {
		return
	}
	exp := s.now().Add(s.opts.IdempotencyTTL).UnixNano()
	var suffix []byte
	suffix = binary.BigEndian.AppendUint64(suffix, uint64(exp))
	suffix = append(suffix, op)
	suffix = binary.BigEndian.AppendUint32(suffix, uint32(existed))
	fp := fingerprint(op, keys)
	suffix = append(suffix, fp[:]...)
	tx.SetVersionstampedValue(s.idemRecordKey(key), stampParam([]byte{recordFormat}, suffix...))
	tx.Set(s.expiryKey(exp, "i", string(key)), nil)
}
