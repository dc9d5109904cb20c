package embedded

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// holderFile names the file, next to Pebble's LOCK, that says who holds a
// directory: the exclusion itself is Pebble's lock (an fcntl lock on LOCK,
// plus a process-wide table for opens within one process).
const holderFile = "STRATA-HOLDER"

// LockError reports a directory that another DB holds. It matches ErrLocked.
type LockError struct {
	// Dir is the directory.
	Dir string
	// Holder describes the holder as recorded when it opened the directory
	// ("pid 1234 on host db1 since 2025-01-02T15:04:05Z"), or "unknown".
	Holder string
	// Err is the error of the lock attempt.
	Err error
}

func (e *LockError) Error() string {
	return fmt.Sprintf("embedded: database directory %q is locked by another opener (%s): %v", e.Dir, e.Holder, e.Err)
}

// Unwrap makes errors.Is(err, ErrLocked) hold.
func (e *LockError) Unwrap() error { return ErrLocked }

func acquireDirLock(dir string) (*pebble.Lock, error) {
	lock, err := pebble.LockDirectory(dir, vfs.Default)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) || errors.Is(err, os.ErrPermission) {
			return nil, fmt.Errorf("embedded: locking %q: %w", dir, err)
		}
		return nil, &LockError{Dir: dir, Holder: readHolder(dir), Err: err}
	}
	host, _ := os.Hostname()
	exe, _ := os.Executable()
	info := fmt.Sprintf("pid=%d\nhost=%s\nsince=%s\nexe=%s\n", os.Getpid(), host, time.Now().UTC().Format(time.RFC3339), exe)
	tmp := filepath.Join(dir, holderFile+".tmp")
	if err := os.WriteFile(tmp, []byte(info), 0o644); err == nil {
		_ = os.Rename(tmp, filepath.Join(dir, holderFile))
	}
	return lock, nil
}

func releaseDirLock(dir string, lock *pebble.Lock) {
	_ = os.Remove(filepath.Join(dir, holderFile))
	_ = lock.Close()
}

// readHolder describes the holder recorded in dir, or "unknown".
func readHolder(dir string) string {
	b, err := os.ReadFile(filepath.Join(dir, holderFile))
	if err != nil {
		return "holder unknown"
	}
	fields := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			fields[k] = v
		}
	}
	pid, err := strconv.Atoi(fields["pid"])
	if err != nil {
		return "holder unknown"
	}
	s := fmt.Sprintf("pid %d", pid)
	if pid == os.Getpid() {
		s += " (this process)"
	}
	if h := fields["host"]; h != "" {
		s += " on host " + h
	}
	if t := fields["since"]; t != "" {
		s += " since " + t
	}
	return s
}
