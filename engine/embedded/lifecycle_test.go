package embedded

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/strata-db/strata/layer"
)

func commitVersion(t *testing.T, db *DB, k, v string) int64 {
	t.Helper()
	tx, _ := db.CreateTransaction()
	tx.Set([]byte(k), []byte(v))
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	cv, err := tx.GetCommittedVersion()
	if err != nil {
		t.Fatal(err)
	}
	return cv
}

// fakeClock is a settable wall clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestVersionClockAcrossReopen(t *testing.T) {
	dir := t.TempDir()
	clock := &fakeClock{t: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	db, err := OpenDir(dir, WithClock(clock.now))
	if err != nil {
		t.Fatal(err)
	}
	v1 := commitVersion(t, db, "a", "1")
	if want := clock.now().UnixMicro(); v1 < want || v1 > want+10 {
		t.Errorf("first commit version %d, want about the wall clock in microseconds (%d)", v1, want)
	}
	clock.advance(time.Second)
	v2 := commitVersion(t, db, "a", "2")
	if d := v2 - v1; d < 900_000 || d > 1_100_000 {
		t.Errorf("one second advanced the version by %d, want about 1,000,000", d)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	// Reopen with the wall clock an hour behind: versions still grow.
	clock.advance(-time.Hour)
	db, err = OpenDir(dir, WithClock(clock.now))
	if err != nil {
		t.Fatal(err)
	}
	v3 := commitVersion(t, db, "a", "3")
	if v3 <= v2 {
		t.Errorf("after reopening with an earlier clock, commit version %d <= %d", v3, v2)
	}
	st, err := db.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if st.CommittedVersion != v3 {
		t.Errorf("Stats.CommittedVersion = %d, want %d", st.CommittedVersion, v3)
	}
	db.Close()

	// And with the clock ahead, versions follow the clock.
	clock.advance(2 * time.Hour)
	db, err = OpenDir(dir, WithClock(clock.now))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if v4 := commitVersion(t, db, "a", "4"); v4 < clock.now().UnixMicro() {
		t.Errorf("commit version %d is behind the clock %d", v4, clock.now().UnixMicro())
	}
}

func TestTooOldWithClock(t *testing.T) {
	clock := &fakeClock{t: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	db, err := OpenMemory(WithClock(clock.now), WithSync(false))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	commitVersion(t, db, "k", "v")
	tx, _ := db.CreateTransaction()
	if _, err := tx.Get([]byte("k")).Get(); err != nil {
		t.Fatal(err)
	}
	clock.advance(4 * time.Second)
	if _, err := tx.Get([]byte("k")).Get(); err != nil {
		t.Fatalf("a read 4 s after the read version: %v", err)
	}
	clock.advance(2 * time.Second)
	if _, err := tx.Get([]byte("j")).Get(); !errors.Is(err, layer.ErrTransactionTooOld) {
		t.Fatalf("a read 6 s after the read version: %v, want 1007", err)
	}
	tx.Set([]byte("k"), []byte("w"))
	if err := tx.Commit(); !errors.Is(err, layer.ErrTransactionTooOld) {
		t.Fatalf("commit 6 s after the read version: %v, want 1007", err)
	}
	if err := tx.OnError(layer.ErrTransactionTooOld); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Get([]byte("k")).Get(); err != nil {
		t.Fatalf("after OnError: %v", err)
	}
	// A read-only transaction commits whatever its age.
	clock.advance(10 * time.Second)
	if err := tx.Commit(); err != nil {
		t.Fatalf("read-only commit: %v", err)
	}
	// The sweeper frees the snapshots of abandoned transactions.
	for i := 0; i < 3; i++ {
		tx, _ := db.CreateTransaction()
		tx.Get([]byte("k")).Get()
	}
	vx := commitVersion(t, db, "k", "x")
	clock.advance(10 * time.Second)
	commitVersion(t, db, "k", "y")
	db.sweep()
	db.verMu.Lock()
	var versions []int64
	for _, e := range db.entries {
		versions = append(versions, e.version)
	}
	db.verMu.Unlock()
	// Left: the snapshot at "x" (it serves read versions up to just before
	// "y") and the latest.
	if len(versions) != 2 || versions[0] != vx {
		t.Errorf("snapshots open after the window passed: %v, want [%d, latest]", versions, vx)
	}
}

func TestLockSameProcess(t *testing.T) {
	dir := t.TempDir()
	db, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = OpenDir(dir)
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second OpenDir: %v, want ErrLocked", err)
	}
	var le *LockError
	if !errors.As(err, &le) {
		t.Fatalf("second OpenDir error %T is not a *LockError", err)
	}
	msg := err.Error()
	if !strings.Contains(msg, dir) || !strings.Contains(msg, fmt.Sprintf("pid %d", os.Getpid())) {
		t.Errorf("lock error %q does not name the directory and the holder", msg)
	}
	// Through a symlink, too.
	link := dir + "-link"
	if err := os.Symlink(dir, link); err == nil {
		if _, err := OpenDir(link); !errors.Is(err, ErrLocked) {
			t.Errorf("OpenDir through a symlink: %v, want ErrLocked", err)
		}
		os.Remove(link)
	}
	// The first DB is unharmed.
	commitVersion(t, db, "k", "v")
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = OpenDir(dir)
	if err != nil {
		t.Fatalf("reopen after Close: %v", err)
	}
	defer db.Close()
	tx, _ := db.CreateTransaction()
	if v, err := tx.Get([]byte("k")).Get(); err != nil || string(v) != "v" {
		t.Errorf("after reopen: %q, %v", v, err)
	}
}

// TestLockOtherProcess opens a directory here and again from a child
// process (this test binary, re-run as TestLockHelperProcess).
func TestLockOtherProcess(t *testing.T) {
	if os.Getenv("STRATA_LOCK_HELPER_DIR") != "" {
		t.Skip("in the helper process")
	}
	dir := t.TempDir()
	db, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockHelperProcess$", "-test.v")
	cmd.Env = append(os.Environ(), "STRATA_LOCK_HELPER_DIR="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("helper process: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "LOCKED:") || !strings.Contains(string(out), fmt.Sprintf("pid %d", os.Getpid())) {
		t.Fatalf("helper process did not report the lock and its holder:\n%s", out)
	}
}

func TestLockHelperProcess(t *testing.T) {
	dir := os.Getenv("STRATA_LOCK_HELPER_DIR")
	if dir == "" {
		t.Skip("run by TestLockOtherProcess")
	}
	db, err := OpenDir(dir)
	if err == nil {
		db.Close()
		t.Fatal("opened a directory another process holds")
	}
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("OpenDir: %v, want ErrLocked", err)
	}
	fmt.Println("LOCKED:", err)
}

func TestCloseFailsRunningTransactions(t *testing.T) {
	db, err := OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	commitVersion(t, db, "a", "1")
	commitVersion(t, db, "b", "2")
	reader, _ := db.CreateTransaction()
	if _, err := reader.Get([]byte("a")).Get(); err != nil {
		t.Fatal(err)
	}
	// An iteration in progress.
	next, stop := iterPull(reader.GetRange(layer.KeyRange{Begin: []byte("a"), End: []byte("z")}, layer.RangeOptions{}))
	defer stop()
	if _, err, ok := next(); !ok || err != nil {
		t.Fatal("first row", err)
	}
	w := reader.Watch([]byte("a"))
	fresh, _ := db.CreateTransaction()
	committedWatch := func() layer.Watch {
		tx, _ := db.CreateTransaction()
		w := tx.Watch([]byte("b"))
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		return w
	}()

	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	isClosed := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, ErrClosed) || !errors.Is(err, layer.ErrTransactionCancelled) {
			t.Errorf("%s after Close: %v, want ErrClosed and 1025", what, err)
		}
	}
	_, err = reader.Get([]byte("b")).Get()
	isClosed("Get", err)
	if _, err, ok := next(); ok {
		isClosed("range iteration", err)
	}
	isClosed("Commit", reader.Commit())
	_, err = fresh.Get([]byte("a")).Get()
	isClosed("Get of a transaction that had not read", err)
	fresh.Set([]byte("x"), []byte("y"))
	isClosed("Commit of a transaction that had not read", fresh.Commit())
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := w.Wait(ctx); err == nil {
		t.Error("the watch of an uncommitted transaction fired after Close")
	}
	isClosed("registered watch", committedWatch.Wait(ctx))
	if _, err := db.CreateTransaction(); !errors.Is(err, ErrClosed) {
		t.Errorf("CreateTransaction after Close: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// TestCloseDuringCommits closes the database while goroutines commit: every
// commit either succeeds or fails with a closed error, nothing hangs.
func TestCloseDuringCommits(t *testing.T) {
	dir := t.TempDir()
	db, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	committed := map[string]bool{}
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				k := fmt.Sprintf("g%d/%d", g, i)
				tx, err := db.CreateTransaction()
				if err != nil {
					return
				}
				tx.Get([]byte(k)).Get()
				tx.Set([]byte(k), []byte("v"))
				if err := tx.Commit(); err != nil {
					if !errors.Is(err, ErrClosed) && !errors.Is(err, layer.ErrTransactionCancelled) {
						t.Errorf("commit: %v", err)
					}
					return
				}
				mu.Lock()
				committed[k] = true
				mu.Unlock()
			}
		}()
	}
	time.Sleep(50 * time.Millisecond)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	db, err = OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tx, _ := db.CreateTransaction()
	kvs, err := tx.GetRange(layer.KeyRange{Begin: []byte("g"), End: []byte("h")}, layer.RangeOptions{}).Slice()
	if err != nil {
		t.Fatal(err)
	}
	if len(kvs) != len(committed) {
		t.Errorf("%d keys after reopening, %d commits acknowledged", len(kvs), len(committed))
	}
	for _, kv := range kvs {
		if !committed[string(kv.Key)] {
			t.Errorf("key %q was not acknowledged", kv.Key)
		}
	}
}
