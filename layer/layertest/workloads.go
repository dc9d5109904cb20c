package layertest

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/strata-db/strata/layer"
)

func (s *suite) testWorkloads(t *testing.T) {
	t.Run("Cycle", s.workloadCycle)
	t.Run("AtomicOps", s.workloadAtomicOps)
	t.Run("ConflictRange", s.workloadConflictRange)
	t.Run("Serializability", s.workloadSerializability)
	t.Run("VersionStamp", s.workloadVersionStamp)
	t.Run("RangeWriteSkew", s.workloadRangeWriteSkew)
}

// rng returns the random source of one client of a workload, derived from
// the run's seed.
func (s *suite) rng(workload string, client int) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(workload))
	return rand.New(rand.NewPCG(s.seed, h.Sum64()^uint64(client)*0x9e3779b97f4a7c15))
}

// logSeed reminds the reader how to replay a randomized workload.
func (s *suite) logSeed(t *testing.T) {
	t.Logf("seed %d (rerun with %s=%d)", s.seed, EnvSeed, s.seed)
}

// clients runs n clients concurrently and waits for them.
func clients(n int, fn func(id int)) {
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(i)
		}()
	}
	wg.Wait()
}

// errWorkload marks a workload's own check failing inside a transaction
// function, which ends layer.Transact at once.
type errWorkload struct{ msg string }

func (e errWorkload) Error() string { return e.msg }

// ---- Cycle -------------------------------------------------------------

// workloadCycle is FoundationDB's Cycle workload: a ring of keys, each
// holding the index of the next, and clients that each read three steps
// along the ring and reverse the middle two nodes. Any anomaly breaks or
// shortens the ring.
func (s *suite) workloadCycle(t *testing.T) {
	e := s.env(t)
	s.logSeed(t)
	n := max(s.sizes.CycleKeys, 4)
	key := func(i int) []byte { return e.k(fmt.Sprintf("c/%06d", i)) }
	val := func(i int) []byte { return []byte(fmt.Sprintf("%06d", i)) }
	e.do(func(tx layer.Tx) {
		tx.ClearRange(e.rng("c/"))
		for i := 0; i < n; i++ {
			tx.Set(key(i), val((i+1)%n))
		}
	})
	parse := func(v []byte) (int, error) {
		i, err := strconv.Atoi(string(v))
		if err != nil || i < 0 || i >= n || v == nil {
			return 0, errWorkload{fmt.Sprintf("cycle: bad value %s", showVal(v))}
		}
		return i, nil
	}
	checkRing := func(kvs []layer.KeyValue) error {
		if len(kvs) != n {
			return fmt.Errorf("node count changed: %d keys, want %d", len(kvs), n)
		}
		for i, kv := range kvs {
			if !bytes.Equal(kv.Key, key(i)) {
				return fmt.Errorf("key %d is %s", i, e.show(kv.Key))
			}
		}
		i := 0
		for c := 0; c < n; c++ {
			if c > 0 && i == 0 {
				return fmt.Errorf("cycle got shorter: back at 0 after %d steps", c)
			}
			next, err := parse(kvs[i].Value)
			if err != nil {
				return err
			}
			i = next
		}
		if i != 0 {
			return fmt.Errorf("cycle got longer: not back at 0 after %d steps", n)
		}
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	// A checker reads the whole ring in its own transactions while the
	// clients run: every consistent snapshot must hold a ring.
	var stop atomic.Bool
	var checks, attempts, commits atomic.Int64
	checkerDone := make(chan struct{})
	go func() {
		defer close(checkerDone)
		for !stop.Load() {
			kvs, err := layer.ReadTransact(ctx, e.db, func(tx layer.ReadTx) ([]layer.KeyValue, error) {
				return tx.GetRange(e.rng("c/"), layer.RangeOptions{Limit: n + 1}).Slice()
			})
			if err != nil {
				t.Errorf("cycle checker: %v", err)
				return
			}
			if err := checkRing(kvs); err != nil {
				t.Errorf("cycle checker saw a broken ring: %v\n%s", err, e.showKVs(kvs))
				return
			}
			checks.Add(1)
		}
	}()
	clients(s.sizes.CycleClients, func(id int) {
		rng := s.rng("Cycle", id)
		for j := 0; j < s.sizes.CycleTransactions && !t.Failed(); j++ {
			r := rng.IntN(n)
			_, err := layer.Transact(ctx, e.db, func(tx layer.Tx) (struct{}, error) {
				attempts.Add(1)
				v1, err := tx.Get(key(r)).Get()
				if err != nil {
					return struct{}{}, err
				}
				r2, err := parse(v1)
				if err != nil {
					return struct{}{}, err
				}
				runtime.Gosched() // let clients interleave on engines that never block
				v2, err := tx.Get(key(r2)).Get()
				if err != nil {
					return struct{}{}, err
				}
				r3, err := parse(v2)
				if err != nil {
					return struct{}{}, err
				}
				v3, err := tx.Get(key(r3)).Get()
				if err != nil {
					return struct{}{}, err
				}
				r4, err := parse(v3)
				if err != nil {
					return struct{}{}, err
				}
				// As in Cycle.cpp: a clear that must be ordered before the sets.
				tx.ClearRange(layer.KeyRange{Begin: key(r), End: append(key(r), " end"...)})
				tx.Set(key(r), val(r3))
				tx.Set(key(r2), val(r4))
				tx.Set(key(r3), val(r2))
				return struct{}{}, nil
			})
			if err != nil {
				t.Errorf("cycle client %d: %v", id, err)
				return
			}
			commits.Add(1)
		}
	})
	stop.Store(true)
	<-checkerDone
	kvs := e.readRange(e.rng("c/"), layer.RangeOptions{})
	if err := checkRing(kvs); err != nil {
		t.Errorf("final ring broken: %v\n%s", err, e.showKVs(kvs))
	}
	t.Logf("cycle: %d keys, %d clients, %d commits, %d retries, %d concurrent ring checks",
		n, s.sizes.CycleClients, commits.Load(), attempts.Load()-commits.Load(), checks.Load())
}

// ---- AtomicOps -----------------------------------------------------------

var workloadOps = []string{"Add", "BitAnd", "BitOr", "BitXor", "Max", "Min", "ByteMax", "ByteMin"}

// opInit is the starting value of a workload ops key: all ones for the ops
// that only ever lower a value, zeros otherwise.
func opInit(op string) []byte {
	switch op {
	case "BitAnd", "Min", "ByteMin":
		return bytes.Repeat([]byte{0xff}, 8)
	}
	return make([]byte, 8)
}

// foldOp applies op to two 8-byte values, the suite's own model of
// FoundationDB's operations on equal-length operands.
func foldOp(op string, cur, param []byte) []byte {
	a, p := binary.LittleEndian.Uint64(cur), binary.LittleEndian.Uint64(param)
	var r uint64
	switch op {
	case "Add":
		r = a + p
	case "BitAnd":
		r = a & p
	case "BitOr":
		r = a | p
	case "BitXor":
		r = a ^ p
	case "Max":
		r = max(a, p)
	case "Min":
		r = min(a, p)
	case "ByteMax":
		if bytes.Compare(cur, param) >= 0 {
			return bytes.Clone(cur)
		}
		return bytes.Clone(param)
	case "ByteMin":
		if bytes.Compare(cur, param) <= 0 {
			return bytes.Clone(cur)
		}
		return bytes.Clone(param)
	default:
		panic("foldOp: " + op)
	}
	return le64(r)
}

// workloadAtomicOps is FoundationDB's AtomicOps workload: every
// transaction logs each operation it applies under a log key of its own
// and applies it to a shared ops key. At the end, for every ops key, the
// fold of its logged operands equals its value: no operation was lost,
// applied twice, or applied from a failed transaction.
func (s *suite) workloadAtomicOps(t *testing.T) {
	e := s.env(t)
	s.logSeed(t)
	perOp := max(1, s.sizes.AtomicOpsKeys)
	opsKey := func(op string, i int) []byte { return e.k(fmt.Sprintf("ops/%s/%03d", op, i)) }
	logPrefix := func(op string, i int) string { return fmt.Sprintf("log/%s/%03d/", op, i) }
	e.do(func(tx layer.Tx) {
		for _, op := range workloadOps {
			for i := 0; i < perOp; i++ {
				tx.Set(opsKey(op, i), opInit(op))
			}
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var attempts atomic.Int64
	clients(s.sizes.AtomicOpsClients, func(id int) {
		rng := s.rng("AtomicOps", id)
		for j := 0; j < s.sizes.AtomicOpsTransactions && !t.Failed(); j++ {
			_, err := layer.Transact(ctx, e.db, func(tx layer.Tx) (struct{}, error) {
				// a fresh log key per attempt, as in AtomicOps.cpp: an attempt
				// that did commit keeps its own log entry
				attempt := attempts.Add(1)
				nops := 1 + rng.IntN(3)
				for o := 0; o < nops; o++ {
					op := workloadOps[rng.IntN(len(workloadOps))]
					i := rng.IntN(perOp)
					val := le64(rng.Uint64())
					tx.Set(e.k(logPrefix(op, i), fmt.Sprintf("%02d-%08d-%d", id, attempt, o)), val)
					atomicOps[op](tx, opsKey(op, i), val)
				}
				return struct{}{}, nil
			})
			if err != nil {
				t.Errorf("atomic ops client %d: %v", id, err)
				return
			}
		}
	})

	ops, err := layer.ReadTransact(ctx, e.db, func(tx layer.ReadTx) ([]layer.KeyValue, error) {
		return tx.GetRange(e.rng("ops/"), layer.RangeOptions{}).Slice()
	})
	if err != nil {
		t.Fatalf("reading ops keys: %v", err)
	}
	logs, err := layer.ReadTransact(ctx, e.db, func(tx layer.ReadTx) ([]layer.KeyValue, error) {
		return tx.GetRange(e.rng("log/"), layer.RangeOptions{}).Slice()
	})
	if err != nil {
		t.Fatalf("reading log keys: %v", err)
	}
	if len(ops) != len(workloadOps)*perOp {
		t.Fatalf("%d ops keys, want %d", len(ops), len(workloadOps)*perOp)
	}
	byKey := map[string][][]byte{}
	for _, kv := range logs {
		rest := kv.Key[len(e.prefix)+len("log/"):]
		slash := bytes.LastIndexByte(rest, '/')
		byKey[string(rest[:slash])] = append(byKey[string(rest[:slash])], kv.Value)
	}
	fold := e.tx()
	bad := 0
	for _, op := range workloadOps {
		for i := 0; i < perOp; i++ {
			name := fmt.Sprintf("%s/%03d", op, i)
			got := ops[sort.Search(len(ops), func(j int) bool { return bytes.Compare(ops[j].Key, opsKey(op, i)) >= 0 })].Value
			want := opInit(op)
			tmp := e.k("fold/", name)
			fold.Set(tmp, opInit(op))
			for _, val := range byKey[name] {
				want = foldOp(op, want, val)
				atomicOps[op](fold, tmp, val)
			}
			if !bytes.Equal(got, want) && bad < 10 {
				bad++
				t.Errorf("ops key %s = %x, but the fold of its %d logged operands is %x", name, got, len(byKey[name]), want)
			}
			// FoundationDB's own check folds the logs with the engine's
			// atomic operations, in one transaction.
			if engineFold := mustGet(t, fold, tmp); !bytes.Equal(engineFold, got) && bad < 10 {
				bad++
				t.Errorf("ops key %s = %x, but folding its logs with %s in a transaction gives %x", name, got, op, engineFold)
			}
		}
	}
	fold.Cancel()
	t.Logf("atomic ops: %d ops keys, %d clients, %d logged operations, %d attempts",
		len(ops), s.sizes.AtomicOpsClients, len(logs), attempts.Load())
}

// ---- VersionStamp ----------------------------------------------------------

type stampRecord struct {
	index      int
	stamp      []byte
	cv, rv     int64
	start, end int64 // real-time order: sequence numbers around the attempt
}

// workloadVersionStamp is FoundationDB's VersionStamp workload: clients
// write versionstamped keys and values; the stamps must equal
// GetVersionstamp, be unique, follow commit versions and real-time order,
// and the database must hold the last stamp written to each key.
func (s *suite) workloadVersionStamp(t *testing.T) {
	e := s.env(t)
	s.logSeed(t)
	n := max(1, s.sizes.VersionStampKeys)
	valueKey := func(i int) []byte { return e.k(fmt.Sprintf("vv/%03d", i)) }
	keyPrefix := func(i int) []byte { return e.k(fmt.Sprintf("vk/%03d/", i)) }
	stampRanges := make([]layer.KeyRange, n)
	for i := range stampRanges {
		stampRanges[i] = e.rng(fmt.Sprintf("vk/%03d/", i))
	}
	var seq, failed atomic.Int64
	var mu sync.Mutex
	var recs []stampRecord
	clients(s.sizes.VersionStampClients, func(id int) {
		rng := s.rng("VersionStamp", id)
		tx, err := e.db.CreateTransaction()
		if err != nil {
			t.Errorf("CreateTransaction: %v", err)
			return
		}
		defer tx.Cancel()
		for j := 0; j < s.sizes.VersionStampTransactions && !t.Failed(); j++ {
			i := rng.IntN(n)
			read := rng.IntN(2) == 0
			for {
				start := seq.Add(1)
				var rv int64
				err := func() error {
					if read {
						if _, err := tx.Get(valueKey(i)).Get(); err != nil {
							return err
						}
						var err error
						if rv, err = tx.GetReadVersion().Get(); err != nil {
							return err
						}
					}
					tx.SetVersionstampedValue(valueKey(i), concat(make([]byte, 10), v("v"), le32(0)))
					tx.ClearRange(stampRanges[i])
					tx.SetVersionstampedKey(stampKey(keyPrefix(i), nil), v("k"))
					return nil
				}()
				f := tx.GetVersionstamp()
				if err == nil {
					err = tx.Commit()
				}
				if err == nil {
					end := seq.Add(1)
					stamp, err := f.Get()
					if err != nil {
						t.Errorf("GetVersionstamp after a commit: %v", err)
						return
					}
					cv, err := tx.GetCommittedVersion()
					if err != nil {
						t.Errorf("GetCommittedVersion: %v", err)
						return
					}
					mu.Lock()
					recs = append(recs, stampRecord{index: i, stamp: stamp, cv: cv, rv: rv, start: start, end: end})
					mu.Unlock()
					tx.Reset()
					break
				}
				if layer.MaybeCommitted(err) {
					t.Errorf("commit_unknown_result: the workload cannot check this run")
					return
				}
				failed.Add(1)
				if err := tx.OnError(err); err != nil {
					t.Errorf("versionstamp client %d: %v", id, err)
					return
				}
			}
		}
	})
	if t.Failed() {
		return
	}
	last := map[int][]byte{}
	seen := map[string]bool{}
	for _, r := range recs {
		if len(r.stamp) != 10 {
			t.Fatalf("stamp %x is not 10 bytes", r.stamp)
		}
		if int64(binary.BigEndian.Uint64(r.stamp)) != r.cv {
			t.Errorf("stamp %x does not start with the committed version %d", r.stamp, r.cv)
		}
		if r.rv != 0 && r.cv <= r.rv {
			t.Errorf("committed version %d is not after the read version %d", r.cv, r.rv)
		}
		if seen[string(r.stamp)] {
			t.Errorf("stamp %x given to two transactions", r.stamp)
		}
		seen[string(r.stamp)] = true
		if bytes.Compare(r.stamp, last[r.index]) > 0 {
			last[r.index] = r.stamp
		}
	}
	// Real-time order: a transaction that began after another's commit
	// returned has a larger stamp.
	byEnd := append([]stampRecord(nil), recs...)
	sort.Slice(byEnd, func(a, b int) bool { return byEnd[a].end < byEnd[b].end })
	prefixMax := make([][]byte, len(byEnd))
	for i, r := range byEnd {
		prefixMax[i] = r.stamp
		if i > 0 && bytes.Compare(prefixMax[i-1], r.stamp) > 0 {
			prefixMax[i] = prefixMax[i-1]
		}
	}
	order := 0
	for _, r := range recs {
		j := sort.Search(len(byEnd), func(k int) bool { return byEnd[k].end >= r.start }) - 1
		if j >= 0 && bytes.Compare(prefixMax[j], r.stamp) >= 0 && order < 10 {
			order++
			t.Errorf("stamp %x is not after %x, committed before this transaction began", r.stamp, prefixMax[j])
		}
	}
	// The database holds the last stamp of every key.
	for i := 0; i < n; i++ {
		want := last[i]
		got := e.read(valueKey(i))
		if want == nil {
			if got != nil {
				t.Errorf("value key %d never committed but holds %x", i, got)
			}
		} else if !bytes.Equal(got, concat(want, v("v"))) {
			t.Errorf("value key %d = %x, want the last stamp %x followed by \"v\"", i, got, want)
		}
		kvs := e.readRange(e.rng(fmt.Sprintf("vk/%03d/", i)), layer.RangeOptions{})
		switch {
		case want == nil && len(kvs) != 0:
			t.Errorf("stamp keys %d never committed but hold %s", i, e.showKVs(kvs))
		case want != nil && (len(kvs) != 1 || !bytes.Equal(kvs[0].Key, concat(keyPrefix(i), want))):
			t.Errorf("stamp keys %d = %s, want only the last stamp %x", i, e.showKVs(kvs), want)
		}
	}
	t.Logf("versionstamps: %d commits, %d failed attempts, %d keys", len(recs), failed.Load(), n)
}

// ---- RangeWriteSkew ------------------------------------------------------

// workloadRangeWriteSkew races pairs of transactions that each read a
// distinct empty range and insert into the other's: serializability
// allows exactly one of them to commit (the anomaly of badger#2057).
func (s *suite) workloadRangeWriteSkew(t *testing.T) {
	e := s.env(t)
	both, none := 0, 0
	for round := 0; round < s.sizes.WriteSkewRounds && !t.Failed(); round++ {
		base := fmt.Sprintf("ws/%04d/", round)
		var ready sync.WaitGroup
		ready.Add(2)
		errs := make([]error, 2)
		clients(2, func(id int) {
			mine, theirs := "a/", "b/"
			if id == 1 {
				mine, theirs = theirs, mine
			}
			tx, err := e.db.CreateTransaction()
			if err != nil {
				errs[id] = err
				ready.Done()
				return
			}
			defer tx.Cancel()
			kvs, err := tx.GetRange(e.rng(base+mine), layer.RangeOptions{}).Slice()
			if err == nil && len(kvs) != 0 {
				err = errors.New("range not empty")
			}
			ready.Done()
			ready.Wait()
			if err != nil {
				errs[id] = err
				return
			}
			tx.Set(e.k(base, theirs, "from-", mine[:1]), v("x"))
			errs[id] = tx.Commit()
		})
		ok := 0
		for id, err := range errs {
			switch {
			case err == nil:
				ok++
			case isCode(err, 1020):
			default:
				t.Fatalf("round %d, transaction %d: %v", round, id, err)
			}
		}
		kvs := e.readRange(e.rng(base), layer.RangeOptions{})
		switch {
		case ok == 2:
			both++
			if both <= 3 {
				t.Errorf("round %d: both write-skewed transactions committed: %s", round, e.showKVs(kvs))
			}
		case ok == 0:
			none++
			if none <= 3 {
				t.Errorf("round %d: neither transaction committed; one of them must", round)
			}
		case len(kvs) != 1:
			t.Errorf("round %d: one transaction committed, but the database holds %s", round, e.showKVs(kvs))
		}
	}
	if both+none > 0 {
		t.Errorf("%d rounds where both committed, %d where neither did, of %d", both, none, s.sizes.WriteSkewRounds)
	}
}
