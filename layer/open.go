package layer

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// OpenFunc opens a database for an engine. location is what follows the
// scheme and its colon in the URL (for "file:/data" it is "/data"; for
// "mem:" it is "").
type OpenFunc func(ctx context.Context, location string) (DB, error)

var (
	enginesMu sync.RWMutex
	engines   = map[string]OpenFunc{}
)

// ErrUnknownEngine is returned by Open for a URL whose scheme no engine
// registered; the fdb engine, for one, is only built with the fdb tag.
var ErrUnknownEngine = errors.New("layer: no engine registered for this URL scheme")

// Register makes an engine available to Open under a URL scheme, as
// database/sql drivers do. It panics if the scheme is registered twice,
// which is a programming error at init time.
func Register(scheme string, open OpenFunc) {
	enginesMu.Lock()
	defer enginesMu.Unlock()
	if _, dup := engines[scheme]; dup {
		panic("layer: Register called twice for scheme " + scheme)
	}
	engines[scheme] = open
}

// Engines returns the registered schemes, sorted.
func Engines() []string {
	enginesMu.RLock()
	defer enginesMu.RUnlock()
	out := make([]string, 0, len(engines))
	for s := range engines {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// ParseURL splits a database URL into its engine scheme and location. A URL
// without a scheme, or whose prefix before ':' is not a plain word of two
// or more letters (a Windows drive, a path with a colon in a later
// segment), is a path for the "file" scheme.
func ParseURL(url string) (scheme, location string) {
	if i := strings.IndexByte(url, ':'); i >= 2 && isScheme(url[:i]) {
		return url[:i], url[i+1:]
	}
	return "file", url
}

func isScheme(s string) bool {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '-') {
			return false
		}
	}
	return s[0] >= 'a' && s[0] <= 'z'
}

// Open opens the database a URL names: "mem:" (the embedded engine in
// memory), "file:/path" or a plain path (the embedded engine on disk), "fdb:"
// or "fdb:/etc/foundationdb/fdb.cluster" (FoundationDB).
func Open(ctx context.Context, url string) (DB, error) {
	scheme, location := ParseURL(url)
	enginesMu.RLock()
	open, ok := engines[scheme]
	enginesMu.RUnlock()
	if !ok {
		hint := ""
		if scheme == "fdb" {
			hint = " (build with -tags fdb)"
		}
		return nil, fmt.Errorf("%w: %q in %q%s; registered: %s", ErrUnknownEngine, scheme, url, hint, strings.Join(Engines(), ", "))
	}
	return open(ctx, location)
}
