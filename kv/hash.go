package kv

import (
	"fmt"

	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/tuple"
)

// Field is one field of a hash and its value.
type Field struct {
	Name  string
	Value []byte
}

// Hashes are a namespace of their own (a hash and a value may share a
// key); each field is one database key ("h", key, field), so a field's
// value is limited to layer.MaxValueSize. Hashes do not expire.

func (s *Store) hashField(key, field string) ([]byte, error) {
	if err := s.checkKey2("hash key", key, "field", field); err != nil {
		return nil, err
	}
	return s.key("h", key, field), nil
}

// HSet sets a field of the hash at key. It reads nothing: concurrent
// HSets never conflict.
func (s *Store) HSet(tx layer.Tx, key, field string, value []byte) error {
	k, err := s.hashField(key, field)
	if err != nil {
		return err
	}
	if len(value) > layer.MaxValueSize {
		return fmt.Errorf("%w: field %q of %q: %d bytes; fields are limited to %d", ErrValueTooLarge, field, key, len(value), layer.MaxValueSize)
	}
	tx.Set(k, value)
	return nil
}

// HGet returns a field's value, or ErrNotFound.
func (s *Store) HGet(tx layer.ReadTx, key, field string) ([]byte, error) {
	k, err := s.hashField(key, field)
	if err != nil {
		return nil, err
	}
	v, err := tx.Get(k).Get()
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, fmt.Errorf("%w: field %q of hash %q", ErrNotFound, field, key)
	}
	return v, nil
}

// MaxHashFields is the most fields HGetAll returns: a larger hash fails
// with ErrTooMany (read it a page at a time with HScan).
const MaxHashFields = 10000

// HGetAll returns every field of the hash at key, by field name (in byte
// order); an absent hash has none. A hash of over MaxHashFields fields
// fails with ErrTooMany: page through it with HScan.
func (s *Store) HGetAll(tx layer.ReadTx, key string) ([]Field, error) {
	fields, more, err := s.HScan(tx, key, "", MaxHashFields)
	if err != nil {
		return nil, err
	}
	if more {
		// HScan read one field past the page to tell.
		return nil, fmt.Errorf("%w: hash %q has over %d fields; HGetAll returns up to %d, HScan pages", ErrTooMany, key, MaxHashFields, MaxHashFields)
	}
	return fields, nil
}

// HScan returns up to limit fields (1 to MaxHashFields) of the hash at
// key whose names sort after after ("" starts at the first), by name, and
// whether more follow: pass the last name returned as after for the next
// page.
func (s *Store) HScan(tx layer.ReadTx, key, after string, limit int) ([]Field, bool, error) {
	if err := s.checkKey("hash key", key); err != nil {
		return nil, false, err
	}
	if limit < 1 || limit > MaxHashFields {
		return nil, false, fmt.Errorf("%w: HScan limit %d (1 to %d)", ErrInvalid, limit, MaxHashFields)
	}
	r, err := s.ss.RangeOf(tuple.Tuple{"h", key})
	if err != nil {
		return nil, false, err
	}
	if after != "" {
		k, err := s.hashField(key, after)
		if err != nil {
			return nil, false, err
		}
		r.Begin = append(k, 0x00)
	}
	rows, err := tx.GetRange(r, layer.RangeOptions{Limit: limit + 1, Mode: layer.StreamingModeWantAll}).Slice()
	if err != nil {
		return nil, false, err
	}
	more := len(rows) > limit
	if more {
		rows = rows[:limit]
	}
	out := make([]Field, 0, len(rows))
	for _, row := range rows {
		t, err := s.ss.Unpack(row.Key)
		if err != nil || len(t) != 3 {
			return nil, false, fmt.Errorf("%w: hash key %q", ErrCorrupt, row.Key)
		}
		f, ok := t[2].(string)
		if !ok {
			return nil, false, fmt.Errorf("%w: hash key %q", ErrCorrupt, row.Key)
		}
		out = append(out, Field{Name: f, Value: row.Value})
	}
	return out, more, nil
}

// HDel removes fields of the hash at key and returns how many there were.
// The reads that count them are issued in parallel and are strict.
func (s *Store) HDel(tx layer.Tx, key string, fields ...string) (int, error) {
	keys := make([][]byte, len(fields))
	for i, f := range fields {
		k, err := s.hashField(key, f)
		if err != nil {
			return 0, err
		}
		keys[i] = k
	}
	vals, err := layer.GetAll(tx, keys)
	if err != nil {
		return 0, err
	}
	n := 0
	seen := map[string]bool{}
	for i, v := range vals {
		if v != nil && !seen[fields[i]] {
			n++
		}
		seen[fields[i]] = true
		tx.Clear(keys[i])
	}
	return n, nil
}
