//go:build unix

package embedded

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/record"

	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/tuple"
)

// Crash safety.
//
// TestCrashRecovery runs rounds of: start a child process (this test binary,
// re-run as TestCrashChild) that commits transactions against OpenDir(dir)
// from several goroutines and prints "ack <i> <version> <stamp>" after each
// Commit returns; SIGKILL it at a random moment; reopen the directory here
// and check what survived; close it; start the next round in the same
// directory. Transaction i writes, all or nothing:
//
//	("crash", "key", i, j) -> (i, j, k)        for j in [0, k), k = crashK(i) in [2, 8]
//	("crash", "tx", i)     -> stamp | i | k | heavy   (versionstamped value)
//	("crash", "last")      -> the same record     (versionstamped value)
//	("crash", "ctr", "txns"|"keys"|"isum")  Add 1, k, i
//	("crash", "max")       Max i
//	("crash", "blob", s)   -> i | s | n | n pseudo-random bytes   (heavy rounds)
//
// After every crash: every acknowledged transaction is present with the
// acknowledged versionstamp; every transaction is fully present or fully
// absent; the counters, the max and the last record agree with the set of
// present transactions (a torn batch would break them); every blob slot
// holds the value of the present transaction with the newest stamp that
// wrote it; versions do not go backwards across the restart.
//
// Each round scans its own transactions; every tenth round and the last
// rescan everything, so earlier rounds' transactions must survive later
// crashes too.
//
// Every third round is heavy: 16-64 KiB blobs and a 2 MiB memtable, so
// batches span many WAL blocks and memtables flush and compact while the
// child runs. Two heavy rounds in three are killed while the newest WAL file
// is seen changing (Pebble is writing a batch to it); after each heavy kill
// the WAL files are read to count the crashes that cut a record in the
// middle (reported, not asserted: it depends on timing).
//
// This is a process crash: what write(2) handed to the kernel survives.
// Power loss (unsynced data lost) is not simulated here.

var (
	crashCountFlag = flag.Int("crash.count", 0, "crash-recover cycles of TestCrashRecovery (0: 20, or 5 with -short)")
	crashSeedFlag  = flag.Uint64("crash.seed", 0, "seed of TestCrashRecovery (0: -seed, or random)")
)

// Environment of the child process.
const (
	crashEnvDir     = "STRATA_CRASH_CHILD_DIR"
	crashEnvStart   = "STRATA_CRASH_CHILD_START"
	crashEnvWorkers = "STRATA_CRASH_CHILD_WORKERS"
	crashEnvHeavy   = "STRATA_CRASH_CHILD_HEAVY"
)

const (
	crashRoundSpan = 1 << 24 // transaction numbers of round r: [r<<24, (r+1)<<24)
	crashBlobSlots = 64
	crashRecLen    = 10 + 8 + 1 + 1 // stamp, i, k, heavy
)

var (
	crashKeyPrefix  = tuple.Tuple{"crash", "key"}.Pack()
	crashTxPrefix   = tuple.Tuple{"crash", "tx"}.Pack()
	crashBlobPrefix = tuple.Tuple{"crash", "blob"}.Pack()
	crashLastKey    = tuple.Tuple{"crash", "last"}.Pack()
	crashMaxKey     = tuple.Tuple{"crash", "max"}.Pack()
	crashTxnsKey    = tuple.Tuple{"crash", "ctr", "txns"}.Pack()
	crashKeysKey    = tuple.Tuple{"crash", "ctr", "keys"}.Pack()
	crashIsumKey    = tuple.Tuple{"crash", "ctr", "isum"}.Pack()
)

func crashMix(x uint64) uint64 { // splitmix64
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// crashK is the number of keys transaction i writes, 2..8.
func crashK(i int64) int { return 2 + int(crashMix(uint64(i))%7) }

// crashSlots are the blob slots a heavy transaction i writes (k distinct).
func crashSlots(i int64, k int) []int {
	base := int(crashMix(uint64(i)^0x5eed) % crashBlobSlots)
	s := make([]int, k)
	for m := range s {
		s[m] = (base + m) % crashBlobSlots
	}
	return s
}

func crashTxKey(i int64) []byte         { return tuple.Tuple{"crash", "tx", i}.Pack() }
func crashKeyKey(i int64, j int) []byte { return tuple.Tuple{"crash", "key", i, j}.Pack() }
func crashBlobKey(s int) []byte         { return tuple.Tuple{"crash", "blob", s}.Pack() }
func crashKeyValue(i int64, j, k int) []byte {
	return tuple.Tuple{i, j, k}.Pack()
}

func crashLE64(v int64) []byte { return binary.LittleEndian.AppendUint64(nil, uint64(v)) }

// crashRecordParam is the SetVersionstampedValue parameter of transaction
// i's record: a 10-byte stamp placeholder, i, k, heavy, and the offset 0.
func crashRecordParam(i int64, k int, heavy bool) []byte {
	b := make([]byte, crashRecLen, crashRecLen+4)
	binary.BigEndian.PutUint64(b[10:], uint64(i))
	b[18] = byte(k)
	if heavy {
		b[19] = 1
	}
	return binary.LittleEndian.AppendUint32(b, 0)
}

// crashBlob is the value heavy transaction i writes into slot s.
func crashBlob(i int64, s int) []byte {
	n := 16<<10 + int(crashMix(uint64(i)*131+uint64(s))%(48<<10))
	b := make([]byte, 13, 13+n+7)
	binary.BigEndian.PutUint64(b, uint64(i))
	b[8] = byte(s)
	binary.BigEndian.PutUint32(b[9:], uint32(n))
	r := rand.NewPCG(uint64(i), uint64(s))
	for len(b) < 13+n {
		b = binary.LittleEndian.AppendUint64(b, r.Uint64())
	}
	return b[:13+n]
}

// TestCrashChild is the child process of TestCrashRecovery; it commits
// until it is killed.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashEnvDir)
	if dir == "" {
		t.Skip("the child process of TestCrashRecovery")
	}
	if err := crashChild(dir); err != nil {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		os.Exit(2)
	}
}

func crashChild(dir string) error {
	start, err := strconv.ParseInt(os.Getenv(crashEnvStart), 10, 64)
	if err != nil {
		return err
	}
	workers, err := strconv.Atoi(os.Getenv(crashEnvWorkers))
	if err != nil {
		return err
	}
	heavy := os.Getenv(crashEnvHeavy) == "1"
	// The parent holds our stdin open; if it dies, so do we.
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		os.Exit(3)
	}()
	var opts []Option
	if heavy {
		opts = append(opts, WithPebbleOptions(func(o *pebble.Options) {
			o.MemTableSize = 2 << 20
			o.L0CompactionThreshold = 2
		}))
	}
	db, err := OpenDir(dir, opts...)
	if err != nil {
		return err
	}
	var outMu sync.Mutex
	emit := func(s string) {
		outMu.Lock()
		defer outMu.Unlock()
		_, _ = os.Stdout.WriteString(s) // one write(2) per line: no buffering to lose
	}
	emit("ready\n")
	var next atomic.Int64
	next.Store(start)
	errc := make(chan error, workers)
	for range workers {
		go func() {
			for {
				i := next.Add(1) - 1
				cv, stamp, err := crashCommit(db, i, heavy)
				if err != nil {
					errc <- fmt.Errorf("transaction %d: %w", i, err)
					return
				}
				emit(fmt.Sprintf("ack %d %d %x\n", i, cv, stamp))
			}
		}()
	}
	return <-errc
}

// crashCommit commits transaction i, retrying retryable errors, and returns
// its commit version and versionstamp.
func crashCommit(db *DB, i int64, heavy bool) (int64, []byte, error) {
	tx, err := db.CreateTransaction()
	if err != nil {
		return 0, nil, err
	}
	defer tx.Cancel()
	k := crashK(i)
	var blobs [][]byte
	if heavy {
		for _, s := range crashSlots(i, k) {
			blobs = append(blobs, crashBlob(i, s))
		}
	}
	for {
		vs, err := func() (layer.Future[[]byte], error) {
			// Fresh numbers: the transaction must not exist yet.
			if v, err := tx.Get(crashTxKey(i)).Get(); err != nil {
				return nil, err
			} else if v != nil {
				return nil, fmt.Errorf("already present: %x", v)
			}
			for j := range k {
				tx.Set(crashKeyKey(i, j), crashKeyValue(i, j, k))
			}
			rec := crashRecordParam(i, k, heavy)
			tx.SetVersionstampedValue(crashTxKey(i), rec)
			tx.SetVersionstampedValue(crashLastKey, rec)
			tx.Add(crashTxnsKey, crashLE64(1))
			tx.Add(crashKeysKey, crashLE64(int64(k)))
			tx.Add(crashIsumKey, crashLE64(i))
			tx.Max(crashMaxKey, crashLE64(i))
			for m, s := range crashSlots(i, len(blobs)) {
				tx.Set(crashBlobKey(s), blobs[m])
			}
			vs := tx.GetVersionstamp()
			return vs, tx.Commit()
		}()
		if err == nil {
			stamp, err := vs.Get()
			if err != nil {
				return 0, nil, err
			}
			cv, err := tx.GetCommittedVersion()
			return cv, stamp, err
		}
		var fe layer.Error
		if !errors.As(err, &fe) {
			return 0, nil, err
		}
		if err := tx.OnError(err); err != nil {
			return 0, nil, err
		}
	}
}

type crashAck struct {
	i, cv int64
	stamp []byte
}

type crashRec struct {
	i     int64
	k     int
	heavy bool
	stamp string // 10 bytes: commit version, order in the batch
	raw   string // the whole record value
}

// crashState is what the parent knows across rounds: the transactions
// found present (the model) and its aggregates.
type crashState struct {
	txs          map[int64]crashRec
	nkeys, isum  int64
	imax         int64
	last         crashRec         // the present transaction with the newest stamp
	blobs        map[int]crashRec // slot -> its newest present writer
	maxAckedCV   int64
	lastParentCV int64 // commit version of the parent's check, last round

	// Figures.
	crashes, acked, unackedPresent, lost, torn int
	mismatches                                 int // aggregates that disagree with the present transactions
	batchedAcks, maxBatch, fullChecks          int
	heavyRounds, walKills, tornWALTails        int
}

func (st *crashState) add(rec crashRec) {
	st.txs[rec.i] = rec
	st.nkeys += int64(rec.k)
	st.isum += rec.i
	st.imax = max(st.imax, rec.i)
	if rec.stamp > st.last.stamp {
		st.last = rec
	}
	if rec.heavy {
		for _, s := range crashSlots(rec.i, rec.k) {
			if rec.stamp > st.blobs[s].stamp {
				st.blobs[s] = rec
			}
		}
	}
}

func TestCrashRecovery(t *testing.T) {
	if os.Getenv(crashEnvDir) != "" {
		t.Skip("in the child process")
	}
	rounds := *crashCountFlag
	if rounds <= 0 {
		rounds = 20
		if testing.Short() {
			rounds = 5
		}
	}
	seed := *crashSeedFlag
	if seed == 0 {
		seed = *seedFlag
	}
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("crash seed %d (rerun with -crash.seed=%d; kills come at real times, so a rerun is alike, not identical)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	dir := t.TempDir()
	st := &crashState{txs: map[int64]crashRec{}, blobs: map[int]crashRec{}}
	began := time.Now()
	for r := 1; r <= rounds && !t.Failed(); r++ {
		// Each round checks its own transactions; every tenth and the last
		// also rescan everything earlier rounds left.
		crashRound(t, rng, dir, r, r%10 == 0 || r == rounds, st)
	}
	t.Logf("%d crashes in %v: %d acknowledged commits checked, %d transactions present but unacknowledged, %d lost, %d torn, %d aggregate mismatches; "+
		"%d transactions present in all (%d full rescans); %d acks shared their commit version with another (group commit), largest batch %d; "+
		"%d heavy rounds, %d of them killed as the WAL file changed, %d crashes cut a WAL record in the middle",
		st.crashes, time.Since(began).Round(time.Millisecond), st.acked, st.unackedPresent, st.lost, st.torn, st.mismatches,
		len(st.txs), st.fullChecks, st.batchedAcks, st.maxBatch, st.heavyRounds, st.walKills, st.tornWALTails)
}

func crashRound(t *testing.T, rng *rand.Rand, dir string, r int, full bool, st *crashState) {
	t.Helper()
	start := int64(r) * crashRoundSpan
	workers := 2 + rng.IntN(7)
	// Every third round is heavy; two heavy rounds in three are killed in
	// the middle of a WAL write.
	heavy := r%3 == 0
	// The kill comes a random delay after the child's ack number ackN (and,
	// with watchWAL, once the WAL is being written).
	ackN, mode, watchWAL := 1, "normal", false
	var delay time.Duration
	switch p := rng.IntN(10); {
	case heavy && (r/3)%3 != 0:
		ackN, mode, watchWAL = 1+rng.IntN(40), "heavy, kill during a WAL write", true
		delay = time.Duration(rng.Int64N(int64(4 * time.Millisecond)))
	case heavy:
		mode = "heavy"
		delay = time.Duration(rng.Int64N(int64(300 * time.Millisecond)))
	case p < 3:
		delay = time.Duration(rng.Int64N(int64(5 * time.Millisecond)))
	case p < 9:
		delay = time.Duration(rng.Int64N(int64(150 * time.Millisecond)))
	default:
		delay = 150*time.Millisecond + time.Duration(rng.Int64N(int64(250*time.Millisecond)))
	}

	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$")
	heavyEnv := "0"
	if heavy {
		heavyEnv = "1"
		st.heavyRounds++
	}
	cmd.Env = append(os.Environ(),
		crashEnvDir+"="+dir,
		crashEnvStart+"="+strconv.FormatInt(start, 10),
		crashEnvWorkers+"="+strconv.Itoa(workers),
		crashEnvHeavy+"="+heavyEnv,
	)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe() // held open until the kill: the child exits if we die
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}

	var (
		mu      sync.Mutex
		acks    []crashAck
		other   []string
		badLine error
		nthAck  = make(chan struct{})
		eof     = make(chan struct{})
	)
	go func() {
		defer close(eof)
		br := bufio.NewReader(stdout)
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return // a line cut by the kill has no newline: not an ack
			}
			line = strings.TrimSuffix(line, "\n")
			mu.Lock()
			if rest, ok := strings.CutPrefix(line, "ack "); ok {
				a, err := crashParseAck(rest)
				if err != nil && badLine == nil {
					badLine = fmt.Errorf("%q: %v", line, err)
				}
				acks = append(acks, a)
				if len(acks) == ackN {
					close(nthAck)
				}
			} else if line != "ready" {
				other = append(other, line)
			}
			mu.Unlock()
		}
	}()

	select {
	case <-nthAck:
		time.Sleep(delay)
		if watchWAL && crashAwaitWALWrite(dir, eof) {
			st.walKills++
		}
	case <-eof:
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	<-eof
	werr := cmd.Wait()
	st.crashes++
	mu.Lock()
	defer mu.Unlock()
	if !crashKilled(werr) {
		t.Fatalf("round %d: the child ended on its own (%v)\nstdout:\n%s\nstderr:\n%s", r, werr, strings.Join(other, "\n"), stderr.String())
	}
	if strings.Contains(stderr.String(), "DATA RACE") || strings.Contains(stderr.String(), "panic") {
		t.Fatalf("round %d: child stderr:\n%s", r, stderr.String())
	}
	if badLine != nil {
		t.Fatalf("round %d: bad ack line %v", r, badLine)
	}
	if len(acks) == 0 {
		t.Fatalf("round %d: the child acknowledged nothing\nstderr:\n%s", r, stderr.String())
	}
	if heavy && crashWALTorn(t, dir) {
		st.tornWALTails++
	}

	// The kill released the lock: the reopen must succeed.
	db, err := OpenDir(dir)
	if err != nil {
		t.Fatalf("round %d: reopen after SIGKILL: %v", r, err)
	}
	defer func() {
		if err := db.Close(); err != nil {
			t.Errorf("round %d: close: %v", r, err)
		}
	}()
	if h := readHolder(dir); !strings.Contains(h, "(this process)") {
		t.Errorf("round %d: holder after reopen is %q, want this process", r, h)
	}
	unacked0 := st.unackedPresent
	newPresent := crashCheck(t, db, r, start, full, acks, st)

	// Group commit: acks that share a commit version were one batch.
	perCV := map[int64]int{}
	for _, a := range acks {
		perCV[a.cv]++
	}
	for _, n := range perCV {
		if n > 1 {
			st.batchedAcks += n
		}
		st.maxBatch = max(st.maxBatch, n)
	}
	if testing.Verbose() {
		t.Logf("round %d: %s, %d workers, killed %v after ack %d: %d acked, %d present (%d unacked), %d batches",
			r, mode, workers, delay.Round(100*time.Microsecond), ackN, len(acks), newPresent, st.unackedPresent-unacked0, len(perCV))
	}
}

func crashParseAck(s string) (crashAck, error) {
	f := strings.Fields(s)
	if len(f) != 3 {
		return crashAck{}, errors.New("want 3 fields")
	}
	i, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil {
		return crashAck{}, err
	}
	cv, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return crashAck{}, err
	}
	stamp, err := hex.DecodeString(f[2])
	if err != nil || len(stamp) != 10 {
		return crashAck{}, fmt.Errorf("bad stamp %q", f[2])
	}
	return crashAck{i: i, cv: cv, stamp: stamp}, nil
}

func crashKilled(err error) bool {
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return false
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
}

// crashScan calls fn for every row of kr, reading it in chunks (one
// transaction each, so that a large database does not outlive the read
// version window; nothing else writes meanwhile).
func crashScan(t *testing.T, db *DB, kr layer.KeyRange, fn func(k, v []byte)) {
	t.Helper()
	const chunk = 20_000
	begin := kr.Begin
	for {
		tx, err := db.CreateTransaction()
		if err != nil {
			t.Fatal(err)
		}
		rows, err := tx.GetRange(layer.KeyRange{Begin: begin, End: kr.End}, layer.RangeOptions{Limit: chunk}).Slice()
		tx.Cancel()
		if err != nil {
			t.Fatalf("scan [%x, %x): %v", begin, kr.End, err)
		}
		for _, kv := range rows {
			fn(kv.Key, kv.Value)
		}
		if len(rows) < chunk {
			return
		}
		begin = append(bytes.Clone(rows[len(rows)-1].Key), 0)
	}
}

// crashRange is the range of prefix's keys whose next element is an
// integer in [from, to), or all of prefix's keys if full.
func crashRange(t *testing.T, prefix []byte, full bool, from, to int64) layer.KeyRange {
	t.Helper()
	if full {
		kr, err := layer.PrefixRange(prefix)
		if err != nil {
			t.Fatal(err)
		}
		return kr
	}
	b, err := tuple.Tuple{from}.AppendPack(bytes.Clone(prefix))
	if err != nil {
		t.Fatal(err)
	}
	e, err := tuple.Tuple{to}.AppendPack(bytes.Clone(prefix))
	if err != nil {
		t.Fatal(err)
	}
	return layer.KeyRange{Begin: b, End: e}
}

func crashGet(t *testing.T, db *DB, key []byte) []byte {
	t.Helper()
	tx, err := db.CreateTransaction()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Cancel()
	v, err := tx.Get(key).Get()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func crashLE(t *testing.T, v []byte) int64 {
	t.Helper()
	if v == nil {
		return 0
	}
	if len(v) != 8 {
		t.Errorf("counter of %d bytes: %x", len(v), v)
		return 0
	}
	return int64(binary.LittleEndian.Uint64(v))
}

// crashCheck verifies the reopened database after round r (scanning the
// round's transactions, or everything if full), adds the round's present
// transactions to the model and returns their number.
func crashCheck(t *testing.T, db *DB, r int, start int64, full bool, acks []crashAck, st *crashState) int {
	t.Helper()
	const show = 10 // errors shown per kind
	fails := map[string]int{}
	failf := func(kind, format string, args ...any) {
		switch kind {
		case "counter", "last", "blob":
			st.mismatches++
		}
		if fails[kind]++; fails[kind] <= show {
			t.Errorf("round %d: %s: %s", r, kind, fmt.Sprintf(format, args...))
		}
	}
	end := start + crashRoundSpan
	if full {
		st.fullChecks++
	}

	// Transaction records.
	recs := map[int64]crashRec{}
	stamps := map[string]int64{}
	crashScan(t, db, crashRange(t, crashTxPrefix, full, start, end), func(k, v []byte) {
		tu, err := tuple.Unpack(k)
		if err != nil || len(tu) != 3 {
			failf("bad key", "%x", k)
			return
		}
		i, _ := tu[2].(int64)
		if len(v) != crashRecLen || int64(binary.BigEndian.Uint64(v[10:])) != i || int(v[18]) != crashK(i) || v[19] > 1 {
			failf("bad record", "transaction %d: %x", i, v)
			return
		}
		rec := crashRec{i: i, k: int(v[18]), heavy: v[19] == 1, stamp: string(v[:10]), raw: string(v)}
		if j, dup := stamps[rec.stamp]; dup {
			failf("duplicate stamp", "transactions %d and %d: %x", j, i, v[:10])
		}
		stamps[rec.stamp] = i
		recs[i] = rec
	})

	// Keys, counted per transaction.
	keys := map[int64]int{}
	crashScan(t, db, crashRange(t, crashKeyPrefix, full, start, end), func(k, v []byte) {
		tu, err := tuple.Unpack(k)
		if err != nil || len(tu) != 4 {
			failf("bad key", "%x", k)
			return
		}
		i, _ := tu[2].(int64)
		j64, _ := tu[3].(int64)
		j, kk := int(j64), crashK(i)
		if j < 0 || j >= kk || !bytes.Equal(v, crashKeyValue(i, j, kk)) {
			failf("bad value", "key (%d, %d): %x", i, j, v)
			return
		}
		keys[i]++
	})

	// All or nothing.
	for i, n := range keys {
		if _, ok := recs[i]; !ok {
			st.torn++
			failf("torn", "transaction %d: %d of %d keys, no record", i, n, crashK(i))
		}
	}
	for i, rec := range recs {
		if keys[i] != rec.k {
			st.torn++
			failf("torn", "transaction %d: record present, %d of %d keys", i, keys[i], rec.k)
		}
	}

	// Earlier rounds' transactions stay as they were (full scans); new ones
	// belong to this round.
	if full {
		for i, old := range st.txs {
			if rec, ok := recs[i]; !ok {
				st.lost++
				failf("lost", "transaction %d, present after an earlier crash, is gone", i)
			} else if rec != old {
				failf("changed", "transaction %d: record %x, was %x", i, rec.raw, old.raw)
			}
		}
	}
	newPresent := 0
	for i, rec := range recs {
		if _, ok := st.txs[i]; ok {
			continue
		}
		if i < start || i >= end {
			failf("ghost", "transaction %d appeared in round %d", i, r)
			continue
		}
		if v := int64(binary.BigEndian.Uint64([]byte(rec.stamp))); v <= st.lastParentCV {
			failf("version went back", "transaction %d stamped %d, not after %d (committed before the restart)", i, v, st.lastParentCV)
		}
		newPresent++
		st.add(rec)
	}

	// Every acknowledged commit is present, with the stamp it was told.
	acked := map[int64]bool{}
	for _, a := range acks {
		acked[a.i] = true
		st.maxAckedCV = max(st.maxAckedCV, a.cv)
		if a.i < start || a.i >= end {
			failf("bad ack", "transaction %d is not of this round", a.i)
		}
		if int64(binary.BigEndian.Uint64(a.stamp)) != a.cv {
			failf("bad ack", "transaction %d: stamp %x, committed version %d", a.i, a.stamp, a.cv)
		}
		if a.cv <= st.lastParentCV {
			failf("version went back", "transaction %d committed at %d, not after %d (committed before the restart)", a.i, a.cv, st.lastParentCV)
		}
		rec, ok := recs[a.i]
		if !ok {
			st.lost++
			failf("lost", "acknowledged transaction %d (version %d) is missing", a.i, a.cv)
			continue
		}
		if rec.stamp != string(a.stamp) {
			failf("wrong stamp", "transaction %d: stored %x, acknowledged %x", a.i, rec.stamp, a.stamp)
		}
	}
	st.acked += len(acks)
	for i := range recs {
		if i >= start && i < end && !acked[i] {
			st.unackedPresent++
		}
	}

	// The aggregates agree with the present transactions: a batch applied
	// in part would break them.
	if got := crashLE(t, crashGet(t, db, crashTxnsKey)); got != int64(len(st.txs)) {
		failf("counter", "txns %d, %d transactions present", got, len(st.txs))
	}
	if got := crashLE(t, crashGet(t, db, crashKeysKey)); got != st.nkeys {
		failf("counter", "keys %d, %d present", got, st.nkeys)
	}
	if got := crashLE(t, crashGet(t, db, crashIsumKey)); got != st.isum {
		failf("counter", "isum %d, present transactions sum to %d", got, st.isum)
	}
	if got := crashLE(t, crashGet(t, db, crashMaxKey)); got != st.imax {
		failf("counter", "max %d, newest present transaction %d", got, st.imax)
	}
	if got := crashGet(t, db, crashLastKey); string(got) != st.last.raw {
		failf("last", "%x, the newest present transaction's record is %x", got, st.last.raw)
	}

	// Blobs: each slot holds its newest present writer's value.
	seen := map[int]bool{}
	crashScan(t, db, crashRange(t, crashBlobPrefix, true, 0, 0), func(k, v []byte) {
		tu, err := tuple.Unpack(k)
		if err != nil || len(tu) != 3 {
			failf("bad key", "%x", k)
			return
		}
		s64, _ := tu[2].(int64)
		s := int(s64)
		seen[s] = true
		if len(v) < 13 {
			failf("blob", "slot %d: %d bytes", s, len(v))
			return
		}
		i := int64(binary.BigEndian.Uint64(v))
		if w, ok := st.blobs[s]; !ok || i != w.i {
			failf("blob", "slot %d holds transaction %d's value, want %d's (newest present writer)", s, i, w.i)
		}
		if !bytes.Equal(v, crashBlob(i, s)) {
			failf("blob", "slot %d: value of transaction %d corrupt", s, i)
		}
	})
	for s, w := range st.blobs {
		if !seen[s] {
			failf("blob", "slot %d missing, transaction %d wrote it", s, w.i)
		}
	}

	// Versions never go back: the persisted version covers every commit,
	// and new read and commit versions come after it.
	newest := int64(0)
	if st.last.stamp != "" {
		newest = int64(binary.BigEndian.Uint64([]byte(st.last.stamp)))
	}
	stats, err := db.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if stats.CommittedVersion < newest || stats.CommittedVersion < st.maxAckedCV {
		failf("version went back", "persisted committed version %d, newest present commit %d, newest acknowledged %d",
			stats.CommittedVersion, newest, st.maxAckedCV)
	}
	tx, err := db.CreateTransaction()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Cancel()
	rv, err := tx.GetReadVersion().Get()
	if err != nil {
		t.Fatal(err)
	}
	if rv <= st.maxAckedCV || rv < stats.CommittedVersion {
		failf("version went back", "read version %d after reopen, newest acknowledged commit %d, persisted %d", rv, st.maxAckedCV, stats.CommittedVersion)
	}
	tx.Set(tuple.Tuple{"crash", "round", r}.Pack(), nil)
	if err := tx.Commit(); err != nil {
		t.Fatalf("round %d: commit after reopen: %v", r, err)
	}
	cv, err := tx.GetCommittedVersion()
	if err != nil {
		t.Fatal(err)
	}
	if cv <= rv || cv <= stats.CommittedVersion || cv <= st.maxAckedCV || cv <= newest {
		failf("version went back", "commit version %d after reopen: read version %d, persisted %d, newest acknowledged %d, newest present %d",
			cv, rv, stats.CommittedVersion, st.maxAckedCV, newest)
	}
	st.lastParentCV = cv

	for kind, n := range fails {
		if n > show {
			t.Errorf("round %d: %s: %d more", r, kind, n-show)
		}
	}
	return newPresent
}

// crashWALTorn reports whether a WAL file in dir ends with a record whose
// first chunk was written and the rest not: the kill came in the middle of
// writing a batch to the WAL. (A record cut inside its only chunk is not
// counted: its bad checksum looks like the end of a recycled log.)
func crashWALTorn(t *testing.T, dir string) bool {
	t.Helper()
	logs, err := filepath.Glob(filepath.Join(dir, "*.log"))
	if err != nil {
		t.Fatal(err)
	}
	newReader := reflect.ValueOf(record.NewReader) // its log number type is internal to Pebble
	numType := newReader.Type().In(1)
	torn := false
	for _, name := range logs {
		num, err := strconv.ParseUint(strings.TrimSuffix(filepath.Base(name), ".log"), 10, 64)
		if err != nil {
			continue
		}
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		out := newReader.Call([]reflect.Value{reflect.ValueOf(io.Reader(f)), reflect.ValueOf(num).Convert(numType)})
		rr := out[0].Interface().(*record.Reader)
		for {
			rec, err := rr.Next()
			if err != nil {
				break
			}
			if _, err := io.Copy(io.Discard, rec); err != nil {
				torn = true
				break
			}
		}
		f.Close()
	}
	return torn
}

// crashAwaitWALWrite returns true once two successive looks at the newest
// WAL file find it changed (size or modification time): Pebble is writing a
// batch of several blocks to it, so a kill now is likely to cut a record.
// It returns false if the child is gone or after a few seconds.
func crashAwaitWALWrite(dir string, gone <-chan struct{}) bool {
	look := func() (string, int64, time.Time) {
		ents, _ := os.ReadDir(dir)
		newest := ""
		for _, e := range ents {
			if strings.HasSuffix(e.Name(), ".log") && e.Name() > newest {
				newest = e.Name()
			}
		}
		if newest == "" {
			return "", 0, time.Time{}
		}
		fi, err := os.Stat(filepath.Join(dir, newest))
		if err != nil {
			return newest, 0, time.Time{}
		}
		return newest, fi.Size(), fi.ModTime()
	}
	giveUp := time.Now().Add(3 * time.Second)
	n0, s0, m0 := look()
	for changes := 0; time.Now().Before(giveUp); {
		select {
		case <-gone:
			return false
		default:
		}
		n, s, m := look()
		if n == n0 && (s != s0 || !m.Equal(m0)) {
			if changes++; changes == 2 {
				return true
			}
		} else {
			changes = 0
		}
		n0, s0, m0 = n, s, m
	}
	return false
}
