package kv

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"

	"github.com/strata-db/strata/layer"
)

// Counter is a 64-bit signed counter kept in one key and changed with
// FoundationDB's atomic add: Add reads nothing, so concurrent adds never
// conflict with one another and never retry. Obtain one with
// Store.Counter; it is a description, safe to share.
type Counter struct {
	s    *Store
	name string
	key  []byte
}

// Counter returns the counter named name. Counters are a namespace of
// their own: a counter and a value may share a name.
func (s *Store) Counter(name string) (Counter, error) {
	if err := s.checkKey("counter name", name); err != nil {
		return Counter{}, err
	}
	return Counter{s: s, name: name, key: s.key("n", name)}, nil
}

// Name returns the counter's name.
func (c Counter) Name() string { return c.name }

// Add adds delta (which may be negative) to the counter, atomically and
// without reading: it adds no read conflict, so it never conflicts with
// other adds. Arithmetic wraps at 64 bits.
func (c Counter) Add(tx layer.Tx, delta int64) {
	tx.Add(c.key, le64(delta))
}

// Get returns the counter's value (0 if it was never added to). A strict
// read conflicts with adds committed after the read version; read through
// tx.Snapshot() for a value that does not (it may be slightly stale when
// the transaction commits).
func (c Counter) Get(tx layer.ReadTx) (int64, error) {
	v, err := tx.Get(c.key).Get()
	if err != nil {
		return 0, err
	}
	return decodeCounter(c.name, v)
}

// Set sets the counter to n.
func (c Counter) Set(tx layer.Tx, n int64) { tx.Set(c.key, le64(n)) }

// Clear removes the counter (it reads 0 after).
func (c Counter) Clear(tx layer.Tx) { tx.Clear(c.key) }

// Watch returns a notification for when the counter changes; it becomes
// active when tx commits.
func (c Counter) Watch(tx layer.Tx) layer.Watch { return tx.Watch(c.key) }

func le64(n int64) []byte { return binary.LittleEndian.AppendUint64(nil, uint64(n)) }

func decodeCounter(name string, v []byte) (int64, error) {
	switch len(v) {
	case 0:
		return 0, nil
	case 8:
		return int64(binary.LittleEndian.Uint64(v)), nil
	}
	return 0, fmt.Errorf("%w: counter %q of %d bytes", ErrCorrupt, name, len(v))
}

// ShardedCounter is a counter spread over N keys: each Add goes to one
// shard chosen at random, and Get sums the shards with parallel reads.
//
// Add is conflict-free on a plain Counter already; sharding is for hot
// counters whose single key would take every add on FoundationDB's
// storage servers that hold it. The shard number comes before the name in
// the key, so the shards of one counter lie far apart in the key space
// and can land on different servers. The price is N reads per Get.
type ShardedCounter struct {
	s      *Store
	name   string
	shards int
}

// ShardedCounter returns the sharded counter named name with shards
// shards (at least 1). Use the same number of shards every time: Get sums
// only the shards it knows of.
func (s *Store) ShardedCounter(name string, shards int) (ShardedCounter, error) {
	if shards < 1 {
		return ShardedCounter{}, fmt.Errorf("%w: %d shards", ErrInvalid, shards)
	}
	if err := s.checkKey("counter name", name); err != nil {
		return ShardedCounter{}, err
	}
	return ShardedCounter{s: s, name: name, shards: shards}, nil
}

func (c ShardedCounter) shardKey(i int) []byte { return c.s.key("N", i, c.name) }

// Add adds delta to a shard chosen at random, without reading.
func (c ShardedCounter) Add(tx layer.Tx, delta int64) {
	tx.Add(c.shardKey(rand.IntN(c.shards)), le64(delta))
}

// Get returns the sum of the shards, read in parallel.
func (c ShardedCounter) Get(tx layer.ReadTx) (int64, error) {
	fs := make([]layer.Future[[]byte], c.shards)
	for i := range fs {
		fs[i] = tx.Get(c.shardKey(i))
	}
	var sum int64
	for _, f := range fs {
		v, err := f.Get()
		if err != nil {
			return 0, err
		}
		n, err := decodeCounter(c.name, v)
		if err != nil {
			return 0, err
		}
		sum += n
	}
	return sum, nil
}

// Clear removes every shard.
func (c ShardedCounter) Clear(tx layer.Tx) {
	for i := range c.shards {
		tx.Clear(c.shardKey(i))
	}
}
