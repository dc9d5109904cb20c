package layertest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/strata-db/strata/layer"
)

// Environment variables read by Run.
const (
	// EnvScale multiplies the workloads' transaction counts ("0.25", "4").
	EnvScale = "STRATA_LAYERTEST_SCALE"
	// EnvSeed fixes the seed of the randomized workloads (a decimal uint64).
	EnvSeed = "STRATA_LAYERTEST_SEED"
)

// Options tunes a run of the suite. The zero value is what Run uses.
type Options struct {
	// Scale multiplies the workloads' transaction counts and rounds. Zero
	// means: STRATA_LAYERTEST_SCALE if set, else 0.25 under -short or -race,
	// else 1.
	Scale float64
	// Seed seeds the randomized workloads. Zero means: STRATA_LAYERTEST_SEED
	// if set, else a seed drawn at random (and logged).
	Seed uint64
	// Sizes replaces DefaultSizes before scaling; nil means DefaultSizes().
	Sizes *Sizes
	// WatchTimeout bounds every wait for a watch that must fire, and every
	// wait for a workload to finish. Zero means one minute. It is a bound
	// against hangs, never a performance expectation.
	WatchTimeout time.Duration
}

// Sizes are the workloads' parameters. Key counts are not scaled; client
// counts are not scaled; transaction counts and rounds are.
type Sizes struct {
	// Cycle: a ring of CycleKeys keys, CycleClients concurrent clients,
	// each committing CycleTransactions 3-swaps.
	CycleKeys, CycleClients, CycleTransactions int
	// AtomicOps: AtomicOpsKeys keys per operation type (8 types),
	// AtomicOpsClients clients, each committing AtomicOpsTransactions
	// transactions of 1 to 3 logged atomic operations.
	AtomicOpsKeys, AtomicOpsClients, AtomicOpsTransactions int
	// ConflictRange: a key space of ConflictRangeKeys keys and
	// ConflictRangeIterations rounds of read / race / re-read.
	ConflictRangeKeys, ConflictRangeIterations int
	// Serializability: SerialKeys keys, SerialClients clients, each
	// committing SerialTransactions random transactions.
	SerialKeys, SerialClients, SerialTransactions int
	// VersionStamp: VersionStampKeys keys, VersionStampClients clients,
	// each committing VersionStampTransactions transactions.
	VersionStampKeys, VersionStampClients, VersionStampTransactions int
	// RangeWriteSkew: WriteSkewRounds rounds of two racing transactions.
	WriteSkewRounds int
}

// DefaultSizes returns the workload sizes of a full run (scale 1).
func DefaultSizes() Sizes {
	return Sizes{
		CycleKeys: 50, CycleClients: 8, CycleTransactions: 200,
		AtomicOpsKeys: 4, AtomicOpsClients: 8, AtomicOpsTransactions: 150,
		ConflictRangeKeys: 100, ConflictRangeIterations: 200,
		SerialKeys: 24, SerialClients: 6, SerialTransactions: 150,
		VersionStampKeys: 20, VersionStampClients: 6, VersionStampTransactions: 150,
		WriteSkewRounds: 60,
	}
}

// Scaled returns s with its transaction counts and rounds multiplied by f
// (each at least 1).
func (s Sizes) Scaled(f float64) Sizes {
	sc := func(n int) int { return max(1, int(math.Round(float64(n)*f))) }
	s.CycleTransactions = sc(s.CycleTransactions)
	s.AtomicOpsTransactions = sc(s.AtomicOpsTransactions)
	s.ConflictRangeIterations = sc(s.ConflictRangeIterations)
	s.SerialTransactions = sc(s.SerialTransactions)
	s.VersionStampTransactions = sc(s.VersionStampTransactions)
	s.WriteSkewRounds = sc(s.WriteSkewRounds)
	return s
}

// Run runs the whole conformance suite against the engine that open
// stands for. open is called once per subtest; it may return a fresh
// database each time or the same one (the suite uses a key prefix unique to
// the run and subtest, never assumes the database is empty, and clears its
// prefix when a subtest ends). The engine closes what open returns, with
// t.Cleanup, as it sees fit.
func Run(t *testing.T, open func(t *testing.T) layer.DB) {
	RunWithOptions(t, open, Options{})
}

// RunWithOptions is Run with explicit options.
func RunWithOptions(t *testing.T, open func(t *testing.T) layer.DB, opts Options) {
	s := newSuite(t, open, opts)
	t.Run("Conflicts", s.testConflicts)
	t.Run("ReadYourWrites", s.testReadYourWrites)
	t.Run("AtomicOps", s.testAtomicOps)
	t.Run("Versionstamps", s.testVersionstamps)
	t.Run("Limits", s.testLimits)
	t.Run("KeySelectors", s.testKeySelectors)
	t.Run("ReadVersions", s.testReadVersions)
	t.Run("Watches", s.testWatches)
	t.Run("Transactions", s.testTransactions)
	t.Run("Workloads", s.testWorkloads)
}

type suite struct {
	open         func(t *testing.T) layer.DB
	sizes        Sizes
	scale        float64
	seed         uint64
	runID        string
	watchTimeout time.Duration
}

func newSuite(t *testing.T, open func(t *testing.T) layer.DB, opts Options) *suite {
	t.Helper()
	s := &suite{open: open, watchTimeout: opts.WatchTimeout}
	if s.watchTimeout <= 0 {
		s.watchTimeout = time.Minute
	}
	scale, err := resolveScale(opts.Scale, os.Getenv(EnvScale), testing.Short() || raceEnabled)
	if err != nil {
		t.Fatalf("layertest: %v", err)
	}
	s.scale = scale
	seed, fromEnv, err := resolveSeed(opts.Seed, os.Getenv(EnvSeed))
	if err != nil {
		t.Fatalf("layertest: %v", err)
	}
	s.seed = seed
	sizes := DefaultSizes()
	if opts.Sizes != nil {
		sizes = *opts.Sizes
	}
	s.sizes = sizes.Scaled(scale)
	var id [6]byte
	_, _ = rand.Read(id[:])
	s.runID = hex.EncodeToString(id[:])
	how := "drawn at random"
	if fromEnv {
		how = "from " + EnvSeed
	} else if opts.Seed != 0 {
		how = "from Options.Seed"
	}
	t.Logf("layertest: seed %d (%s; rerun with %s=%d), scale %g, key prefix %q",
		seed, how, EnvSeed, seed, scale, "layertest/"+s.runID+"/")
	return s
}

// resolveScale picks the scale: an explicit option, then the environment,
// then 0.25 for short or race runs, else 1.
func resolveScale(opt float64, env string, small bool) (float64, error) {
	if opt > 0 {
		return opt, nil
	}
	if env != "" {
		f, err := strconv.ParseFloat(env, 64)
		if err != nil || f <= 0 || math.IsInf(f, 0) || math.IsNaN(f) {
			return 0, fmt.Errorf("%s=%q is not a positive number", EnvScale, env)
		}
		return f, nil
	}
	if small {
		return 0.25, nil
	}
	return 1, nil
}

// resolveSeed picks the seed: an explicit option, then the environment,
// then a random one. fromEnv reports whether the environment gave it.
func resolveSeed(opt uint64, env string) (seed uint64, fromEnv bool, err error) {
	if opt != 0 {
		return opt, false, nil
	}
	if env != "" {
		n, err := strconv.ParseUint(strings.TrimSpace(env), 10, 64)
		if err != nil {
			return 0, false, fmt.Errorf("%s=%q is not a decimal uint64", EnvSeed, env)
		}
		return n, true, nil
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	seed = binary.LittleEndian.Uint64(b[:]) >> 1
	if seed == 0 {
		seed = 1
	}
	return seed, false, nil
}

// env is one subtest's view: its database and its key prefix.
type env struct {
	t      *testing.T
	s      *suite
	db     layer.DB
	prefix string
	seq    *atomic.Int64
	// reset, if set, restores the subtest's data before each expectRace.
	reset func()
}

// env opens a database for t and gives it a prefix unique to the run and
// the subtest. The prefix is cleared when t ends.
func (s *suite) env(t *testing.T) *env {
	t.Helper()
	db := s.open(t)
	if db == nil {
		t.Fatal("layertest: open returned a nil layer.DB")
	}
	e := &env{t: t, s: s, db: db, prefix: "layertest/" + s.runID + "/" + t.Name() + "/", seq: new(atomic.Int64)}
	t.Cleanup(e.clearPrefix)
	return e
}

// sub is e for a subtest of e's test: same database and prefix, failures
// reported to t.
func (e *env) sub(t *testing.T) *env {
	c := *e
	c.t = t
	return &c
}

func (e *env) clearPrefix() {
	ctx, cancel := context.WithTimeout(context.Background(), e.s.watchTimeout)
	defer cancel()
	r, err := layer.PrefixRange([]byte(e.prefix))
	if err != nil {
		return
	}
	if _, err := layer.Transact(ctx, e.db, func(tx layer.Tx) (struct{}, error) {
		tx.ClearRange(r)
		return struct{}{}, nil
	}); err != nil {
		e.t.Logf("layertest: clearing the subtest's prefix afterwards failed: %v", err)
	}
}

// k returns the subtest's prefix followed by parts.
func (e *env) k(parts ...string) []byte {
	return []byte(e.prefix + strings.Join(parts, ""))
}

// kb returns the subtest's prefix followed by raw bytes.
func (e *env) kb(parts ...[]byte) []byte {
	out := []byte(e.prefix)
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// uniq returns a key under the prefix that no other call returns.
func (e *env) uniq(name string) []byte {
	return e.k(fmt.Sprintf("%s#%d", name, e.seq.Add(1)))
}

// rng is the range of keys under the prefix followed by sub.
func (e *env) rng(sub string) layer.KeyRange {
	r, err := layer.PrefixRange(e.k(sub))
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

// show prints a key relative to the subtest's prefix.
func (e *env) show(key []byte) string {
	if bytes.HasPrefix(key, []byte(e.prefix)) {
		return fmt.Sprintf("%q", key[len(e.prefix):])
	}
	if len(key) > 40 {
		return fmt.Sprintf("%q...(%d bytes)", key[:40], len(key))
	}
	return fmt.Sprintf("<abs>%q", key)
}

func (e *env) showKVs(kvs []layer.KeyValue) string {
	var sb strings.Builder
	sb.WriteByte('[')
	for i, kv := range kvs {
		if i > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(e.show(kv.Key))
		sb.WriteByte('=')
		sb.WriteString(showVal(kv.Value))
	}
	sb.WriteByte(']')
	return sb.String()
}

func showVal(v []byte) string {
	if v == nil {
		return "<absent>"
	}
	if len(v) > 40 {
		return fmt.Sprintf("%q...(%d bytes)", v[:40], len(v))
	}
	return fmt.Sprintf("%q", v)
}

// tx creates a transaction that is cancelled when the subtest ends.
func (e *env) tx() layer.Tx {
	e.t.Helper()
	tx, err := e.db.CreateTransaction()
	if err != nil {
		e.t.Fatalf("CreateTransaction: %v", err)
	}
	e.t.Cleanup(tx.Cancel)
	return tx
}

func (e *env) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), e.s.watchTimeout)
}

// write commits pairs of key and value in one transaction (retrying); a
// nil value clears the key.
func (e *env) write(pairs ...[]byte) {
	e.t.Helper()
	if len(pairs)%2 != 0 {
		e.t.Fatal("layertest: write needs pairs")
	}
	ctx, cancel := e.ctx()
	defer cancel()
	_, err := layer.Transact(ctx, e.db, func(tx layer.Tx) (struct{}, error) {
		for i := 0; i < len(pairs); i += 2 {
			if pairs[i+1] == nil {
				tx.Clear(pairs[i])
			} else {
				tx.Set(pairs[i], pairs[i+1])
			}
		}
		return struct{}{}, nil
	})
	if err != nil {
		e.t.Fatalf("setup write: %v", err)
	}
}

// do commits fn's writes in one transaction (retrying).
func (e *env) do(fn func(tx layer.Tx)) {
	e.t.Helper()
	ctx, cancel := e.ctx()
	defer cancel()
	if _, err := layer.Transact(ctx, e.db, func(tx layer.Tx) (struct{}, error) {
		fn(tx)
		return struct{}{}, nil
	}); err != nil {
		e.t.Fatalf("setup transaction: %v", err)
	}
}

// read reads one key in a fresh transaction.
func (e *env) read(key []byte) []byte {
	e.t.Helper()
	ctx, cancel := e.ctx()
	defer cancel()
	v, err := layer.ReadTransact(ctx, e.db, func(tx layer.ReadTx) ([]byte, error) {
		return tx.Get(key).Get()
	})
	if err != nil {
		e.t.Fatalf("read %s: %v", e.show(key), err)
	}
	return v
}

// readRange reads a range in a fresh transaction.
func (e *env) readRange(r layer.Range, opts layer.RangeOptions) []layer.KeyValue {
	e.t.Helper()
	ctx, cancel := e.ctx()
	defer cancel()
	kvs, err := layer.ReadTransact(ctx, e.db, func(tx layer.ReadTx) ([]layer.KeyValue, error) {
		return tx.GetRange(r, opts).Slice()
	})
	if err != nil {
		e.t.Fatalf("read range: %v", err)
	}
	return kvs
}

// expectValue checks a key's committed value (nil: absent).
func (e *env) expectValue(key, want []byte, why string) {
	e.t.Helper()
	got := e.read(key)
	if !sameValue(got, want) {
		e.t.Errorf("%s: %s = %s, want %s", why, e.show(key), showVal(got), showVal(want))
	}
}

// sameValue compares values, telling absent (nil) from empty.
func sameValue(a, b []byte) bool {
	if (a == nil) != (b == nil) {
		return false
	}
	return bytes.Equal(a, b)
}

func sameKVs(a, b []layer.KeyValue) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i].Key, b[i].Key) || !bytes.Equal(a[i].Value, b[i].Value) {
			return false
		}
	}
	return true
}

func mustGet(t testing.TB, rt layer.ReadTx, key []byte) []byte {
	t.Helper()
	v, err := rt.Get(key).Get()
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	return v
}

func mustKey(t testing.TB, rt layer.ReadTx, sel layer.KeySelector) []byte {
	t.Helper()
	k, err := rt.GetKey(sel).Get()
	if err != nil {
		t.Fatalf("GetKey(%q, orEqual=%v, offset=%d): %v", sel.Key, sel.OrEqual, sel.Offset, err)
	}
	return k
}

func mustRange(t testing.TB, rt layer.ReadTx, r layer.Range, opts layer.RangeOptions) []layer.KeyValue {
	t.Helper()
	kvs, err := rt.GetRange(r, opts).Slice()
	if err != nil {
		t.Fatalf("GetRange(%v): %v", opts, err)
	}
	return kvs
}

func mustRV(t testing.TB, rt layer.ReadTx) int64 {
	t.Helper()
	v, err := rt.GetReadVersion().Get()
	if err != nil {
		t.Fatalf("GetReadVersion: %v", err)
	}
	return v
}

func mustCommit(t testing.TB, tx layer.Tx) {
	t.Helper()
	if err := tx.Commit(); err != nil {
		t.Fatalf("Commit: %v", err)
	}
}

// isCode reports whether err holds FoundationDB error code.
func isCode(err error, code int) bool {
	return errors.Is(err, layer.Error{Code: code})
}

// wantCode fails t unless err holds the FoundationDB error code.
func wantCode(t testing.TB, err error, code int, what string) bool {
	t.Helper()
	if !isCode(err, code) {
		t.Errorf("%s: got error %v, want %v", what, errOrNil(err), layer.Error{Code: code})
		return false
	}
	return true
}

func wantNoErr(t testing.TB, err error, what string) bool {
	t.Helper()
	if err != nil {
		t.Errorf("%s: unexpected error %v", what, err)
		return false
	}
	return true
}

func errOrNil(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// le64 encodes n as 8 little-endian bytes, the usual atomic-add operand.
func le64(n uint64) []byte {
	return binary.LittleEndian.AppendUint64(nil, n)
}

// le32 encodes a versionstamp offset.
func le32(n uint32) []byte {
	return binary.LittleEndian.AppendUint32(nil, n)
}

// b builds a non-nil byte slice (an empty value, not an absent one).
func b(xs ...byte) []byte {
	out := make([]byte, len(xs))
	copy(out, xs)
	return out
}

// v is a value from a string.
func v(s string) []byte { return []byte(s) }

// keyAfter is the first key after k.
func keyAfter(k []byte) []byte { return append(bytes.Clone(k), 0) }

// concat joins byte slices into a new one.
func concat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	if out == nil {
		out = []byte{}
	}
	return out
}
