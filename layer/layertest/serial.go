package layertest

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/strata-db/strata/layer"
)

// Operation kinds of the serializability workload.
const (
	opGet        = 'g'
	opRange      = 'r'
	opSet        = 's'
	opClear      = 'c'
	opClearRange = 'x'
	opAdd        = 'a'
)

// sop is one operation of a random transaction and, for reads, what the
// transaction saw.
type sop struct {
	kind    byte
	k1, k2  int
	limit   int
	reverse bool
	val     []byte
	got     []byte
	gotKVs  []layer.KeyValue
}

// stx is a committed transaction of the workload.
type stx struct {
	client, seq int
	ops         []sop
	readOnly    bool
	version     int64 // commit version; read version if read-only
	order       int   // order in its commit batch; 1<<16 if read-only
}

// model is the in-memory database the committed transactions are replayed
// on, in commit order.
type model map[string][]byte

// modelAdd is FoundationDB's little-endian add, written from its
// definition: an absent or empty value becomes param; otherwise the sum,
// with the stored value zero-extended or truncated to param's length.
func modelAdd(existing []byte, present bool, param []byte) []byte {
	if !present || len(existing) == 0 {
		return bytes.Clone(param)
	}
	if len(param) == 0 {
		return []byte{}
	}
	out := make([]byte, len(param))
	carry := 0
	for i := range param {
		e := 0
		if i < len(existing) {
			e = int(existing[i])
		}
		sum := e + int(param[i]) + carry
		out[i] = byte(sum)
		carry = sum >> 8
	}
	return out
}

// rangeRead reads [begin, end) from the model with a limit (0: none).
func (m model) rangeRead(begin, end string, limit int, reverse bool) []layer.KeyValue {
	var keys []string
	for k := range m {
		if k >= begin && k < end {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	if reverse {
		for i, j := 0, len(keys)-1; i < j; i, j = i+1, j-1 {
			keys[i], keys[j] = keys[j], keys[i]
		}
	}
	if limit > 0 && len(keys) > limit {
		keys = keys[:limit]
	}
	out := make([]layer.KeyValue, len(keys))
	for i, k := range keys {
		out[i] = layer.KeyValue{Key: []byte(k), Value: m[k]}
	}
	return out
}

// replay applies tx's operations to the model in order and returns a
// description of the first read that differs from what tx saw.
func (m model) replay(tx *stx, key func(int) []byte) string {
	for i, op := range tx.ops {
		k1 := string(key(op.k1))
		switch op.kind {
		case opGet:
			want, ok := m[k1]
			if !ok {
				want = nil
			}
			if !sameValue(op.got, want) {
				return fmt.Sprintf("op %d, Get(%d): saw %s, serial order gives %s", i, op.k1, showVal(op.got), showVal(want))
			}
		case opRange:
			want := m.rangeRead(k1, string(key(op.k2)), op.limit, op.reverse)
			if !sameKVs(op.gotKVs, want) {
				return fmt.Sprintf("op %d, GetRange(%d, %d, limit %d, reverse %v): saw %s, serial order gives %s",
					i, op.k1, op.k2, op.limit, op.reverse, kvsString(op.gotKVs), kvsString(want))
			}
		case opSet:
			m[k1] = op.val
		case opClear:
			delete(m, k1)
		case opClearRange:
			k2 := string(key(op.k2))
			for k := range m {
				if k >= k1 && k < k2 {
					delete(m, k)
				}
			}
		case opAdd:
			cur, ok := m[k1]
			m[k1] = modelAdd(cur, ok, op.val)
		}
	}
	return ""
}

func kvsString(kvs []layer.KeyValue) string {
	var sb strings.Builder
	sb.WriteByte('[')
	for i, kv := range kvs {
		if i > 0 {
			sb.WriteByte(' ')
		}
		k := kv.Key
		if i := bytes.LastIndexByte(k, '/'); i >= 0 {
			k = k[i+1:]
		}
		fmt.Fprintf(&sb, "%s=%x", k, kv.Value)
	}
	sb.WriteByte(']')
	return sb.String()
}

// randomTx draws a transaction's operations.
func randomTx(rng *rand.Rand, keys int) (ops []sop, readOnly bool) {
	readOnly = rng.IntN(4) == 0
	n := 1 + rng.IntN(6)
	writes := 0
	for i := 0; i < n; i++ {
		op := sop{k1: rng.IntN(keys)}
		p := rng.IntN(100)
		if readOnly {
			p = p * 45 / 100
		}
		switch {
		case p < 25:
			op.kind = opGet
		case p < 45:
			op.kind = opRange
			a, b := rng.IntN(keys+1), rng.IntN(keys+1)
			op.k1, op.k2 = min(a, b), max(a, b)
			if rng.IntN(2) == 0 {
				op.limit = 1 + rng.IntN(4)
			}
			op.reverse = rng.IntN(3) == 0
		case p < 65:
			op.kind = opSet
			op.val = le64(rng.Uint64())
		case p < 75:
			op.kind = opClear
		case p < 80:
			op.kind = opClearRange
			op.k2 = min(keys, op.k1+1+rng.IntN(4))
		default:
			op.kind = opAdd
			op.val = le64(uint64(rng.IntN(1000)))
		}
		if op.kind != opGet && op.kind != opRange {
			writes++
		}
		ops = append(ops, op)
	}
	if !readOnly && writes == 0 {
		ops = append(ops, sop{kind: opSet, k1: rng.IntN(keys), val: le64(rng.Uint64())})
	}
	return ops, readOnly
}

// runOps performs ops in tx, recording what the reads saw. It yields the
// processor between operations so that, on an engine whose operations
// never block, concurrent transactions still interleave.
func runOps(tx layer.Tx, ops []sop, key func(int) []byte) error {
	for i := range ops {
		runtime.Gosched()
		op := &ops[i]
		switch op.kind {
		case opGet:
			v, err := tx.Get(key(op.k1)).Get()
			if err != nil {
				return err
			}
			op.got = bytes.Clone(v)
		case opRange:
			kvs, err := tx.GetRange(layer.KeyRange{Begin: key(op.k1), End: key(op.k2)},
				layer.RangeOptions{Limit: op.limit, Reverse: op.reverse}).Slice()
			if err != nil {
				return err
			}
			op.gotKVs = make([]layer.KeyValue, len(kvs))
			for j, kv := range kvs {
				op.gotKVs[j] = layer.KeyValue{Key: bytes.Clone(kv.Key), Value: bytes.Clone(kv.Value)}
			}
		case opSet:
			tx.Set(key(op.k1), op.val)
		case opClear:
			tx.Clear(key(op.k1))
		case opClearRange:
			tx.ClearRange(layer.KeyRange{Begin: key(op.k1), End: key(op.k2)})
		case opAdd:
			tx.Add(key(op.k1), op.val)
		}
	}
	return nil
}

// workloadSerializability runs random concurrent transactions of Gets,
// range reads (limits, reverse), Sets, Clears, ClearRanges and Adds over a
// small key space. Every committed transaction is recorded with what its
// reads saw and its place in the commit order (its versionstamp; a
// read-only transaction sits after every commit at or below its read
// version). Replaying them in that order on an in-memory model must
// reproduce every read, and the model's final state must equal the
// database's: strict serializability, checked.
func (s *suite) workloadSerializability(t *testing.T) {
	e := s.env(t)
	s.logSeed(t)
	keys := max(2, s.sizes.SerialKeys)
	key := func(i int) []byte { return e.k(fmt.Sprintf("s/%03d", i)) }
	var mu sync.Mutex
	var committed []*stx
	var attempts, conflicts atomic.Int64
	var unknown atomic.Bool
	record := func(tx layer.Tx, rec *stx, stamp layer.Future[[]byte]) error {
		if rec.readOnly {
			rv, err := tx.GetReadVersion().Get()
			if err != nil {
				return err
			}
			rec.version, rec.order = rv, 1<<16
		} else {
			st, err := stamp.Get()
			if err != nil {
				return fmt.Errorf("GetVersionstamp after commit: %w", err)
			}
			if len(st) != 10 {
				return fmt.Errorf("versionstamp %x is not 10 bytes", st)
			}
			rec.version = int64(binary.BigEndian.Uint64(st[:8]))
			rec.order = int(binary.BigEndian.Uint16(st[8:]))
		}
		mu.Lock()
		committed = append(committed, rec)
		mu.Unlock()
		return nil
	}
	clients(s.sizes.SerialClients, func(id int) {
		rng := s.rng("Serializability", id)
		tx, err := e.db.CreateTransaction()
		if err != nil {
			t.Errorf("CreateTransaction: %v", err)
			return
		}
		defer tx.Cancel()
		for j := 0; j < s.sizes.SerialTransactions && !t.Failed(); j++ {
			for {
				attempts.Add(1)
				ops, readOnly := randomTx(rng, keys)
				rec := &stx{client: id, seq: j, ops: ops, readOnly: readOnly}
				err := runOps(tx, ops, key)
				var stamp layer.Future[[]byte]
				if err == nil && !readOnly {
					stamp = tx.GetVersionstamp()
					err = tx.Commit()
				}
				if err == nil {
					if err := record(tx, rec, stamp); err != nil {
						t.Errorf("client %d: %v", id, err)
						return
					}
					tx.Reset()
					break
				}
				if isCode(err, 1020) {
					conflicts.Add(1)
				}
				if layer.MaybeCommitted(err) {
					unknown.Store(true)
				}
				if err := tx.OnError(err); err != nil {
					t.Errorf("client %d: %v", id, err)
					return
				}
			}
		}
	})
	if t.Failed() {
		return
	}
	if unknown.Load() {
		t.Logf("a commit returned commit_unknown_result; the serial order cannot be checked in this run")
		return
	}
	sort.SliceStable(committed, func(a, b int) bool {
		if committed[a].version != committed[b].version {
			return committed[a].version < committed[b].version
		}
		return committed[a].order < committed[b].order
	})
	m := model{}
	bad := 0
	for i := 1; i < len(committed); i++ {
		p, c := committed[i-1], committed[i]
		if !p.readOnly && !c.readOnly && p.version == c.version && p.order == c.order {
			t.Errorf("two transactions share the versionstamp (%d, %d)", c.version, c.order)
		}
	}
	for _, tx := range committed {
		if msg := m.replay(tx, key); msg != "" {
			bad++
			if bad <= 5 {
				kind := "write"
				if tx.readOnly {
					kind = "read-only"
				}
				t.Errorf("%s transaction %d of client %d at version %d (batch order %d) is not serializable in commit order: %s",
					kind, tx.seq, tx.client, tx.version, tx.order, msg)
			}
		}
	}
	if bad > 5 {
		t.Errorf("... %d transactions in all saw reads that the commit order does not explain", bad)
	}
	want := m.rangeRead(string(key(0)), string(key(keys)), 0, false)
	got := e.readRange(layer.KeyRange{Begin: key(0), End: key(keys)}, layer.RangeOptions{})
	if !sameKVs(got, want) {
		t.Errorf("final state %s, but replaying the commits gives %s", kvsString(got), kvsString(want))
	}
	t.Logf("serializability: %d keys, %d clients, %d committed (of %d attempts, %d conflicts)",
		keys, s.sizes.SerialClients, len(committed), attempts.Load(), conflicts.Load())
}
