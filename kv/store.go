package kv

import (
	"fmt"
	"time"

	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/subspace"
	"github.com/strata-db/strata/layer/tuple"
)

// MaxValueSize is the largest value Put stores: 1 MiB. Values up to
// inlineMax bytes are kept in the value record itself; larger ones are
// split into chunks of layer.MaxValueSize bytes under the key (see the
// package documentation). Larger objects belong in package blob.
const MaxValueSize = 1 << 20

// DefaultIdempotencyTTL is how long an idempotency record is kept when
// Options.IdempotencyTTL is zero.
const DefaultIdempotencyTTL = 24 * time.Hour

// NoExpiry as a TTL asks for a value that never expires, overriding the
// store's DefaultTTL.
const NoExpiry time.Duration = -1

// keyOverhead bounds what the layout adds around a user key in the
// longest database key that holds it: the expiry index entry
// ("x", expiry, "v", key) and the chunk keys ("c", key, i).
const keyOverhead = 32

// Options configures a Store. The zero value is a store without default
// TTL, with idempotency records kept DefaultIdempotencyTTL, on time.Now.
type Options struct {
	// DefaultTTL is the time to live of values put without a TTL; zero
	// means they never expire.
	DefaultTTL time.Duration
	// IdempotencyTTL is how long an idempotency record is kept, and so the
	// window in which a retry is recognised; zero means
	// DefaultIdempotencyTTL.
	IdempotencyTTL time.Duration
	// Clock tells the time expiry is measured against; nil means
	// time.Now. Tests pass a fake clock.
	Clock func() time.Time
}

// Store is a key-value store under a subspace. It is a description (the
// subspace and the options), holds no data and no transaction, and is safe
// to share between goroutines. Every method takes the caller's
// transaction and neither commits nor retries.
type Store struct {
	ss   subspace.Subspace
	opts Options
	name string
}

// New returns the store kept under ss. Nothing is read or written: a store
// exists by its keys.
func New(ss subspace.Subspace, opts Options) *Store {
	if opts.IdempotencyTTL <= 0 {
		opts.IdempotencyTTL = DefaultIdempotencyTTL
	}
	return &Store{ss: ss, opts: opts}
}

// Subspace returns the subspace the store's keys live under.
func (s *Store) Subspace() subspace.Subspace { return s.ss }

// Name returns the name the store was registered with, or "".
func (s *Store) Name() string { return s.name }

// Options returns the store's options (IdempotencyTTL filled in).
func (s *Store) Options() Options { return s.opts }

// String names the store.
func (s *Store) String() string {
	if s.name != "" {
		return fmt.Sprintf("kv %q (%s)", s.name, s.ss)
	}
	return fmt.Sprintf("kv (%s)", s.ss)
}

// Tenant returns the store of one tenant: a store with the same options
// under the subspace ("t", tenant) of s. Every key a store reads or writes
// is a packed tuple under its own subspace, so a tenant's store cannot
// reach another tenant's keys, nor the parent's, whatever its keys hold;
// the parent's operations do not see its tenants' keys either.
func (s *Store) Tenant(tenant string) (*Store, error) {
	if tenant == "" {
		return nil, fmt.Errorf("%w: empty tenant name", ErrInvalid)
	}
	if len(s.ss.Bytes())+len(tenant)+keyOverhead > layer.MaxKeySize/2 {
		return nil, fmt.Errorf("%w: tenant name of %d bytes", ErrKeyTooLarge, len(tenant))
	}
	return &Store{ss: s.ss.Sub("t", tenant), opts: s.opts}, nil
}

func (s *Store) now() time.Time {
	if s.opts.Clock != nil {
		return s.opts.Clock()
	}
	return time.Now()
}

// key packs the tuple t under the store's subspace; t holds only strings,
// integers and floats the caller checked, so it always packs.
func (s *Store) key(t ...any) []byte { return s.ss.MustPack(tuple.Tuple(t)) }

// checkKey fails for a name that would make keys over the limit.
func (s *Store) checkKey(what, k string) error {
	if n := len(s.ss.Bytes()) + len(k) + keyOverhead; n > layer.MaxKeySize {
		return fmt.Errorf("%w: %s of %d bytes makes keys of up to %d bytes under the store's %d-byte prefix; keys are limited to %d",
			ErrKeyTooLarge, what, len(k), n, len(s.ss.Bytes()), layer.MaxKeySize)
	}
	return nil
}

// checkKey2 is checkKey for a pair of names in one key (hash key and
// field, sorted set and member).
func (s *Store) checkKey2(what1, k1, what2, k2 string) error {
	if n := len(s.ss.Bytes()) + len(k1) + len(k2) + keyOverhead; n > layer.MaxKeySize {
		return fmt.Errorf("%w: %s of %d bytes and %s of %d bytes make keys of up to %d bytes; keys are limited to %d",
			ErrKeyTooLarge, what1, len(k1), what2, len(k2), n, layer.MaxKeySize)
	}
	return nil
}

// expiry returns the expiry of a value put with ttl (0: the store's
// default; NoExpiry or the default 0: none) as Unix nanoseconds, 0 for
// none.
func (s *Store) expiry(ttl time.Duration) int64 {
	if ttl == 0 {
		ttl = s.opts.DefaultTTL
	}
	if ttl <= 0 {
		return 0
	}
	return s.now().Add(ttl).UnixNano()
}

// live reports whether a record expiring at exp (0: never) is live now.
func live(exp int64, now time.Time) bool { return exp == 0 || now.UnixNano() < exp }

func expiryTime(exp int64) time.Time {
	if exp == 0 {
		return time.Time{}
	}
	return time.Unix(0, exp)
}
