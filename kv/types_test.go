package kv

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/strata-db/strata/internal/testdb"
	"github.com/strata-db/strata/layer"
)

func TestCounter(t *testing.T) {
	db, s, _ := newStore(t, Options{})
	c, err := s.Counter("hits")
	if err != nil {
		t.Fatal(err)
	}
	get := func() int64 { return must(t, db, func(tx layer.Tx) (int64, error) { return c.Get(tx) }) }
	if get() != 0 {
		t.Fatal("new counter not 0")
	}
	must(t, db, func(tx layer.Tx) (struct{}, error) { c.Add(tx, 5); c.Add(tx, -7); return struct{}{}, nil })
	if n := get(); n != -2 {
		t.Errorf("counter = %d, want -2", n)
	}
	must(t, db, func(tx layer.Tx) (struct{}, error) { c.Set(tx, 40); c.Add(tx, 2); return struct{}{}, nil })
	if n := get(); n != 42 {
		t.Errorf("counter = %d, want 42", n)
	}
	// A counter is not the value of the same name.
	if _, err := get2(db, s, "hits"); !errors.Is(err, ErrNotFound) {
		t.Errorf("value hits: %v", err)
	}
	sc, err := s.ShardedCounter("hot", 8)
	if err != nil {
		t.Fatal(err)
	}
	must(t, db, func(tx layer.Tx) (struct{}, error) {
		for range 100 {
			sc.Add(tx, 1)
		}
		return struct{}{}, nil
	})
	if n := must(t, db, func(tx layer.Tx) (int64, error) { return sc.Get(tx) }); n != 100 {
		t.Errorf("sharded counter = %d", n)
	}
	if _, err := s.ShardedCounter("x", 0); !errors.Is(err, ErrInvalid) {
		t.Errorf("0 shards: %v", err)
	}
}

func get2(db layer.DB, s *Store, key string) (Item, error) {
	return read(db, func(tx layer.ReadTx) (Item, error) { return s.Get(tx, key) })
}

// N clients incrementing: the total is exact, and atomic adds never
// conflict (one attempt each).
func TestConcurrentIncrement(t *testing.T) {
	db, s, _ := newStore(t, Options{})
	c, _ := s.Counter("n")
	sc, _ := s.ShardedCounter("n", 16)
	const clients, each = 16, 50
	var wg sync.WaitGroup
	var mu sync.Mutex
	attempts := 0
	for range clients {
		wg.Go(func() {
			for range each {
				_, err := tx(db, func(tx layer.Tx) (struct{}, error) {
					mu.Lock()
					attempts++
					mu.Unlock()
					c.Add(tx, 1)
					sc.Add(tx, 2)
					return struct{}{}, nil
				})
				if err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	n := must(t, db, func(tx layer.Tx) (int64, error) { return c.Get(tx) })
	m := must(t, db, func(tx layer.Tx) (int64, error) { return sc.Get(tx) })
	if n != clients*each || m != 2*clients*each || attempts != clients*each {
		t.Errorf("counter %d, sharded %d, %d attempts; want %d, %d, %d", n, m, attempts, clients*each, 2*clients*each, clients*each)
	}
}

// N clients race a CAS on one key: in every round exactly one wins and
// the others see ErrVersionMismatch.
func TestConcurrentCAS(t *testing.T) {
	db, s, _ := newStore(t, Options{})
	put(t, db, s, "k", "0", PutOptions{})
	const clients, rounds = 8, 10
	for r := range rounds {
		cur, err := get(t, db, s, "k")
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		results := make([]error, clients)
		for i := range clients {
			wg.Go(func() {
				_, results[i] = tx(db, func(tx layer.Tx) (Write, error) {
					return s.Put(tx, "k", fmt.Appendf(nil, "%d by %d", r+1, i), PutOptions{IfMatch: cur.Version})
				})
			})
		}
		wg.Wait()
		wins := 0
		for _, err := range results {
			switch {
			case err == nil:
				wins++
			case !errors.Is(err, ErrVersionMismatch):
				t.Errorf("round %d: %v", r, err)
			}
		}
		if wins != 1 {
			t.Fatalf("round %d: %d winners", r, wins)
		}
	}
}

func TestHash(t *testing.T) {
	db, s, _ := newStore(t, Options{})
	must(t, db, func(tx layer.Tx) (struct{}, error) {
		for _, f := range []string{"name", "age", "city"} {
			if err := s.HSet(tx, "user:1", f, []byte("v-"+f)); err != nil {
				return struct{}{}, err
			}
		}
		return struct{}{}, s.HSet(tx, "user:2", "name", []byte("bob"))
	})
	v, err := read(db, func(tx layer.ReadTx) ([]byte, error) { return s.HGet(tx, "user:1", "age") })
	if err != nil || string(v) != "v-age" {
		t.Errorf("HGet = %q, %v", v, err)
	}
	if _, err := read(db, func(tx layer.ReadTx) ([]byte, error) { return s.HGet(tx, "user:1", "zip") }); !errors.Is(err, ErrNotFound) {
		t.Errorf("HGet of a missing field: %v", err)
	}
	all, err := read(db, func(tx layer.ReadTx) ([]Field, error) { return s.HGetAll(tx, "user:1") })
	want := []Field{{"age", []byte("v-age")}, {"city", []byte("v-city")}, {"name", []byte("v-name")}}
	if err != nil || !reflect.DeepEqual(all, want) {
		t.Errorf("HGetAll = %q, %v", all, err)
	}
	n := must(t, db, func(tx layer.Tx) (int, error) { return s.HDel(tx, "user:1", "age", "zip", "age") })
	if n != 1 {
		t.Errorf("HDel = %d", n)
	}
	all, _ = read(db, func(tx layer.ReadTx) ([]Field, error) { return s.HGetAll(tx, "user:1") })
	if len(all) != 2 {
		t.Errorf("HGetAll after HDel = %q", all)
	}
	if err := func() error {
		_, err := tx(db, func(tx layer.Tx) (struct{}, error) {
			return struct{}{}, s.HSet(tx, "h", "f", make([]byte, layer.MaxValueSize+1))
		})
		return err
	}(); !errors.Is(err, ErrValueTooLarge) {
		t.Errorf("HSet of a large value: %v", err)
	}
}

func TestSortedSet(t *testing.T) {
	db, s, _ := newStore(t, Options{})
	must(t, db, func(tx layer.Tx) (struct{}, error) {
		for m, sc := range map[string]float64{"a": 3, "b": -1.5, "c": 3, "d": 10, "e": math.Inf(1), "f": 0} {
			if added, err := s.ZAdd(tx, "z", m, sc); err != nil || !added {
				return struct{}{}, fmt.Errorf("ZAdd(%s): %v %v", m, added, err)
			}
		}
		return struct{}{}, nil
	})
	added := must(t, db, func(tx layer.Tx) (bool, error) { return s.ZAdd(tx, "z", "d", 2) })
	sc, err := read(db, func(tx layer.ReadTx) (float64, error) { return s.ZScore(tx, "z", "d") })
	if added || err != nil || sc != 2 {
		t.Errorf("re-ZAdd: added %v, score %v, %v", added, sc, err)
	}
	if _, err := read(db, func(tx layer.ReadTx) (float64, error) { return s.ZScore(tx, "z", "nope") }); !errors.Is(err, ErrNotFound) {
		t.Errorf("ZScore of a missing member: %v", err)
	}
	rng := func(lo, hi float64, opts ZRangeOptions) string {
		r, err := read(db, func(tx layer.ReadTx) ([]Scored, error) { return s.ZRangeByScore(tx, "z", lo, hi, opts) })
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(r)
	}
	inf := math.Inf(1)
	for _, tc := range []struct {
		lo, hi float64
		opts   ZRangeOptions
		want   string
	}{
		{-inf, inf, ZRangeOptions{}, "[{b -1.5} {f 0} {d 2} {a 3} {c 3} {e +Inf}]"},
		{0, 3, ZRangeOptions{}, "[{f 0} {d 2} {a 3} {c 3}]"},
		{0, 3, ZRangeOptions{Limit: 2}, "[{f 0} {d 2}]"},
		{-inf, inf, ZRangeOptions{Limit: 2, Reverse: true}, "[{e +Inf} {c 3}]"},
		{5, 1, ZRangeOptions{}, "[]"},
		{2.5, 2.9, ZRangeOptions{}, "[]"},
	} {
		if got := rng(tc.lo, tc.hi, tc.opts); got != tc.want {
			t.Errorf("ZRangeByScore(%v, %v, %+v) = %s, want %s", tc.lo, tc.hi, tc.opts, got, tc.want)
		}
	}
	n := must(t, db, func(tx layer.Tx) (int, error) { return s.ZRem(tx, "z", "a", "zz", "a") })
	if n != 1 || rng(3, 3, ZRangeOptions{}) != "[{c 3}]" {
		t.Errorf("ZRem = %d", n)
	}
	popped := must(t, db, func(tx layer.Tx) ([]Scored, error) { return s.ZPopMin(tx, "z", 2) })
	if fmt.Sprint(popped) != "[{b -1.5} {f 0}]" || rng(-inf, inf, ZRangeOptions{}) != "[{d 2} {c 3} {e +Inf}]" {
		t.Errorf("ZPopMin = %v", popped)
	}
	popped = must(t, db, func(tx layer.Tx) ([]Scored, error) { return s.ZPopByScore(tx, "z", 3, inf, 0) })
	if fmt.Sprint(popped) != "[{c 3} {e +Inf}]" {
		t.Errorf("ZPopByScore = %v", popped)
	}
	if _, err := tx(db, func(tx layer.Tx) (bool, error) { return s.ZAdd(tx, "z", "n", math.NaN()) }); !errors.Is(err, ErrInvalid) {
		t.Errorf("NaN score: %v", err)
	}
	if _, err := tx(db, func(tx layer.Tx) ([]Scored, error) { return s.ZPopMin(tx, "z", 0) }); !errors.Is(err, ErrInvalid) {
		t.Errorf("ZPopMin 0: %v", err)
	}
}

// Concurrent poppers: every member is popped exactly once.
func TestConcurrentZPop(t *testing.T) {
	db, s, _ := newStore(t, Options{})
	const members, poppers = 200, 8
	must(t, db, func(tx layer.Tx) (struct{}, error) {
		for i := range members {
			if _, err := s.ZAdd(tx, "q", fmt.Sprintf("m%03d", i), float64(i%17)); err != nil {
				return struct{}{}, err
			}
		}
		return struct{}{}, nil
	})
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for range poppers {
		wg.Go(func() {
			for {
				got, err := tx(db, func(tx layer.Tx) ([]Scored, error) { return s.ZPopMin(tx, "q", 3) })
				if err != nil {
					t.Error(err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, m := range got {
					seen[m.Member]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(seen) != members {
		t.Errorf("%d members popped, want %d", len(seen), members)
	}
	for m, n := range seen {
		if n != 1 {
			t.Errorf("%s popped %d times", m, n)
		}
	}
}

func TestLease(t *testing.T) {
	db, s, clock := newStore(t, Options{})
	acquire := func(holder string) (Lease, error) {
		f, err := tx(db, func(tx layer.Tx) (layer.Future[Lease], error) { return s.Acquire(tx, "leader", holder, 10*time.Second) })
		if err != nil {
			return Lease{}, err
		}
		return f.Get()
	}
	a, err := acquire("a")
	if err != nil || a.Token.IsZero() || a.Holder != "a" {
		t.Fatalf("Acquire = %+v, %v", a, err)
	}
	if _, err := acquire("b"); !errors.Is(err, ErrLeaseHeld) {
		t.Errorf("Acquire of a held lease: %v", err)
	}
	// Re-acquiring extends and keeps the token.
	clock.Advance(5 * time.Second)
	a2, err := acquire("a")
	if err != nil || a2.Token != a.Token || !a2.Expires.After(a.Expires) {
		t.Errorf("re-Acquire = %+v, %v", a2, err)
	}
	cur, err := read(db, func(tx layer.ReadTx) (Lease, error) { return s.CurrentLease(tx, "leader") })
	if err != nil || cur != a2 {
		t.Errorf("CurrentLease = %+v, %v; want %+v", cur, err, a2)
	}
	a3 := must(t, db, func(tx layer.Tx) (Lease, error) { return s.Renew(tx, a2, 20*time.Second) })
	if !a3.Expires.Equal(clock.Now().Add(20 * time.Second)) {
		t.Errorf("Renew = %+v", a3)
	}
	// Expired: b takes it with a greater token; a's holding is lost.
	clock.Advance(21 * time.Second)
	if _, err := read(db, func(tx layer.ReadTx) (Lease, error) { return s.CurrentLease(tx, "leader") }); !errors.Is(err, ErrNotFound) {
		t.Errorf("CurrentLease of an expired lease: %v", err)
	}
	b, err := acquire("b")
	if err != nil || b.Token.Compare(a.Token) <= 0 {
		t.Fatalf("b = %+v, %v; a's token %s", b, err, a.Token)
	}
	for name, err := range map[string]error{
		"check": func() error {
			_, err := read(db, func(tx layer.ReadTx) (int, error) { return 0, s.Check(tx, a3) })
			return err
		}(),
		"renew": func() error {
			_, err := tx(db, func(tx layer.Tx) (Lease, error) { return s.Renew(tx, a3, time.Second) })
			return err
		}(),
		"release": func() error {
			_, err := tx(db, func(tx layer.Tx) (int, error) { return 0, s.Release(tx, a3) })
			return err
		}(),
	} {
		if !errors.Is(err, ErrLeaseLost) {
			t.Errorf("%s by the deposed holder: %v", name, err)
		}
	}
	must(t, db, func(tx layer.Tx) (int, error) { return 0, s.Check(tx, b) })
	must(t, db, func(tx layer.Tx) (int, error) { return 0, s.Release(tx, b) })
	c, err := acquire("c")
	if err != nil || c.Token.Compare(b.Token) <= 0 {
		t.Errorf("after release: %+v, %v", c, err)
	}
	if _, err := tx(db, func(tx layer.Tx) (layer.Future[Lease], error) { return s.Acquire(tx, "x", "", time.Second) }); !errors.Is(err, ErrInvalid) {
		t.Errorf("Acquire without a holder: %v", err)
	}
}

// Many clients compete for one lease: no token is ever given to two
// holders, and tokens increase with every acquisition.
func TestConcurrentLease(t *testing.T) {
	db, s, _ := newStore(t, Options{})
	const clients, tries = 8, 15
	var mu sync.Mutex
	holders := map[Version]string{}
	var order []Version
	var wg sync.WaitGroup
	for i := range clients {
		holder := fmt.Sprintf("client-%d", i)
		wg.Go(func() {
			for range tries {
				f, err := tx(db, func(tx layer.Tx) (layer.Future[Lease], error) { return s.Acquire(tx, "l", holder, time.Minute) })
				if errors.Is(err, ErrLeaseHeld) {
					continue
				}
				if err != nil {
					t.Error(err)
					return
				}
				l, err := f.Get()
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if h, dup := holders[l.Token]; dup {
					t.Errorf("token %s given to %s and %s", l.Token, h, holder)
				}
				holders[l.Token] = holder
				order = append(order, l.Token)
				mu.Unlock()
				if _, err := tx(db, func(tx layer.Tx) (int, error) { return 0, s.Release(tx, l) }); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if len(order) < 2 {
		t.Fatalf("only %d acquisitions", len(order))
	}
	for i := 1; i < len(order); i++ {
		if order[i].Compare(order[i-1]) <= 0 {
			t.Errorf("token %d (%s) not after %s", i, order[i], order[i-1])
		}
	}
}

func TestWatch(t *testing.T) {
	db, s, _ := newStore(t, Options{})
	put(t, db, s, "k", "v", PutOptions{})
	w := must(t, db, func(tx layer.Tx) (layer.Watch, error) { return s.Watch(tx, "k") })
	fired := make(chan error, 1)
	go func() { fired <- w.Wait(context.Background()) }()
	select {
	case err := <-fired:
		t.Fatalf("watch fired before a change: %v", err)
	case <-time.After(20 * time.Millisecond):
	}
	put(t, db, s, "k", "v", PutOptions{}) // same bytes, new version: a change
	select {
	case err := <-fired:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("watch did not fire")
	}
	lw := must(t, db, func(tx layer.Tx) (layer.Watch, error) { return s.WatchLease(tx, "l") })
	must(t, db, func(tx layer.Tx) (layer.Future[Lease], error) { return s.Acquire(tx, "l", "me", time.Second) })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := lw.Wait(ctx); err != nil {
		t.Errorf("lease watch: %v", err)
	}
}

func TestTenants(t *testing.T) {
	db, s, _ := newStore(t, Options{})
	a, err := s.Tenant("acme")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := s.Tenant("acme\x00") // a name that extends another's bytes
	if _, err := s.Tenant(""); !errors.Is(err, ErrInvalid) {
		t.Errorf("empty tenant: %v", err)
	}
	put(t, db, a, "secret", "a's", PutOptions{})
	put(t, db, b, "own", "b's", PutOptions{})
	put(t, db, s, "root", "parent's", PutOptions{})
	for _, tc := range []struct {
		st   *Store
		key  string
		want bool
	}{
		{a, "secret", true}, {b, "secret", false}, {s, "secret", false},
		{b, "own", true}, {a, "own", false},
		{s, "root", true}, {a, "root", false},
	} {
		_, err := get(t, db, tc.st, tc.key)
		if (err == nil) != tc.want {
			t.Errorf("%s Get(%q): %v", tc.st, tc.key, err)
		}
	}
	// b cannot overwrite, delete or CAS a's key, nor see it in a scan.
	must(t, db, func(tx layer.Tx) (Write, error) { return b.Delete(tx, "secret", DeleteOptions{}) })
	put(t, db, b, "secret", "b's own", PutOptions{})
	if it, _ := get(t, db, a, "secret"); string(it.Value) != "a's" {
		t.Errorf("a's value is now %q", it.Value)
	}
	items, err := read(db, func(tx layer.ReadTx) ([]Item, error) { p, err := s.Scan(tx, ScanOptions{}); return p.Items, err })
	if err != nil || len(items) != 1 || items[0].Key != "root" {
		t.Errorf("parent scan = %v, %v", items, err)
	}
	c1, _ := a.Counter("n")
	c2, _ := b.Counter("n")
	must(t, db, func(tx layer.Tx) (struct{}, error) { c1.Add(tx, 1); return struct{}{}, nil })
	if n := must(t, db, func(tx layer.Tx) (int64, error) { return c2.Get(tx) }); n != 0 {
		t.Errorf("b's counter = %d", n)
	}
}

func TestRegistry(t *testing.T) {
	db := testdb.Open(t)
	ss := testdb.Subspace(t, db)
	reg := ss.Sub("registry")
	st := must(t, db, func(tx layer.Tx) (*Store, error) {
		return Create(tx, reg, "sessions", Spec{Subspace: ss.Sub("s"), DefaultTTL: time.Hour})
	})
	if st.Name() != "sessions" || st.Options().DefaultTTL != time.Hour {
		t.Errorf("Create = %v %+v", st, st.Options())
	}
	if _, err := tx(db, func(tx layer.Tx) (*Store, error) { return Create(tx, reg, "sessions", Spec{Subspace: ss.Sub("o")}) }); !errors.Is(err, ErrStoreExists) {
		t.Errorf("Create twice: %v", err)
	}
	if _, err := tx(db, func(tx layer.Tx) (*Store, error) { return Create(tx, reg, "in", Spec{Subspace: ss.Sub("s", 1)}) }); !errors.Is(err, ErrSpec) {
		t.Errorf("overlapping Create: %v", err)
	}
	clock := newClock()
	op, err := read(db, func(tx layer.ReadTx) (*Store, error) { return Open(tx, reg, "sessions", clock.Now) })
	if err != nil || op.Options().DefaultTTL != time.Hour || op.Subspace().String() != ss.Sub("s").String() {
		t.Fatalf("Open = %v, %v", op, err)
	}
	put(t, db, op, "k", "v", PutOptions{})
	if it, _ := get(t, db, op, "k"); !it.Expires.Equal(clock.Now().Add(time.Hour)) {
		t.Errorf("default TTL from the registry: %+v", it)
	}
	list, err := read(db, func(tx layer.ReadTx) ([]*Store, error) { return List(tx, reg) })
	if err != nil || len(list) != 1 {
		t.Errorf("List = %v, %v", list, err)
	}
	must(t, db, func(tx layer.Tx) (int, error) { return 0, Drop(tx, reg, "sessions") })
	if _, err := read(db, func(tx layer.ReadTx) (*Store, error) { return Open(tx, reg, "sessions", nil) }); !errors.Is(err, ErrNoStore) {
		t.Errorf("Open after Drop: %v", err)
	}
	if _, err := get(t, db, op, "k"); !errors.Is(err, ErrNotFound) {
		t.Errorf("data after Drop: %v", err)
	}
}
