package kv

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/strata-db/strata/layer"
)

// Lease is a named lock held by one holder until it expires, with a
// fencing token: the version of the transaction that acquired it. Every
// acquisition of a free lease commits later than the one before, so
// tokens only increase; a resource that remembers the highest token it
// has seen can refuse a deposed holder's late writes. Within strata the
// check is simpler: Check in the same transaction as the write.
type Lease struct {
	Name    string
	Holder  string
	Token   Version
	Expires time.Time
}

// Leases are a namespace of their own: ("l", name) = format, token,
// expiry, holder.

func (s *Store) leaseKey(name string) []byte { return s.key("l", name) }

func encodeLease(token *Version, exp int64, holder string) []byte {
	suffix := binary.BigEndian.AppendUint64(nil, uint64(exp))
	suffix = append(suffix, holder...)
	if token == nil {
		return stampParam([]byte{recordFormat}, suffix...)
	}
	b := append([]byte{recordFormat}, token[:]...)
	return append(b, suffix...)
}

func decodeLease(name string, v []byte) (Lease, int64, error) {
	if len(v) < 19 || v[0] != recordFormat {
		return Lease{}, 0, fmt.Errorf("%w: lease %q", ErrCorrupt, name)
	}
	exp := int64(binary.BigEndian.Uint64(v[11:]))
	return Lease{Name: name, Holder: string(v[19:]), Token: Version(v[1:11]), Expires: time.Unix(0, exp)}, exp, nil
}

// readLease returns the lease's record, and whether it is held now.
func (s *Store) readLease(tx layer.ReadTx, name string) (Lease, bool, error) {
	if err := s.checkKey("lease name", name); err != nil {
		return Lease{}, false, err
	}
	v, err := tx.Get(s.leaseKey(name)).Get()
	if err != nil || v == nil {
		return Lease{}, false, err
	}
	l, exp, err := decodeLease(name, v)
	if err != nil {
		return Lease{}, false, err
	}
	return l, live(exp, s.now()), nil
}

type leaseFuture struct {
	l Lease
	f layer.Future[Version]
}

func (f leaseFuture) Get() (Lease, error) {
	v, err := f.f.Get()
	if err != nil {
		return Lease{}, err
	}
	l := f.l
	l.Token = v
	return l, nil
}

// Acquire takes the lease name for holder for ttl, if it is free (never
// taken, released or expired), and fails with ErrLeaseHeld if another
// holder has it. If holder has it already, Acquire extends it and keeps
// its token. The future resolves, after tx commits, to the lease with its
// token: for a new acquisition, the transaction's version.
func (s *Store) Acquire(tx layer.Tx, name, holder string, ttl time.Duration) (layer.Future[Lease], error) {
	if holder == "" || ttl <= 0 {
		return nil, fmt.Errorf("%w: lease needs a holder and a positive TTL", ErrInvalid)
	}
	if err := s.checkKey2("lease name", name, "holder", holder); err != nil {
		return nil, err
	}
	cur, held, err := s.readLease(tx, name)
	if err != nil {
		return nil, err
	}
	if held && cur.Holder != holder {
		return nil, fmt.Errorf("%w: %q is held by %q until %s", ErrLeaseHeld, name, cur.Holder, cur.Expires.UTC().Format(time.RFC3339Nano))
	}
	exp := s.now().Add(ttl).UnixNano()
	l := Lease{Name: name, Holder: holder, Expires: time.Unix(0, exp)}
	if held {
		l.Token = cur.Token
		tx.Set(s.leaseKey(name), encodeLease(&l.Token, exp, holder))
		return layer.Ready(l, nil), nil
	}
	tx.SetVersionstampedValue(s.leaseKey(name), encodeLease(nil, exp, holder))
	return leaseFuture{l, CommitVersion(tx)}, nil
}

// Check returns nil if l is still the lease's current holding (same
// holder and token, not expired), and ErrLeaseLost otherwise. The read is
// strict: a transaction that checks its lease and then writes commits
// only if the lease was still held when it committed, which is fencing
// without a separate token comparison.
func (s *Store) Check(tx layer.ReadTx, l Lease) error {
	cur, held, err := s.readLease(tx, l.Name)
	if err != nil {
		return err
	}
	if !held || cur.Holder != l.Holder || cur.Token != l.Token {
		return fmt.Errorf("%w: %q (token %s)", ErrLeaseLost, l.Name, l.Token)
	}
	return nil
}

// Renew extends l, if it is still held, to ttl from now, and returns it
// with its new expiry; ErrLeaseLost otherwise.
func (s *Store) Renew(tx layer.Tx, l Lease, ttl time.Duration) (Lease, error) {
	if ttl <= 0 {
		return Lease{}, fmt.Errorf("%w: TTL %v", ErrInvalid, ttl)
	}
	if err := s.Check(tx, l); err != nil {
		return Lease{}, err
	}
	exp := s.now().Add(ttl).UnixNano()
	l.Expires = time.Unix(0, exp)
	tx.Set(s.leaseKey(l.Name), encodeLease(&l.Token, exp, l.Holder))
	return l, nil
}

// Release frees l if its holding is still the current one (expired or
// not, as long as nobody acquired it since); ErrLeaseLost otherwise.
func (s *Store) Release(tx layer.Tx, l Lease) error {
	cur, _, err := s.readLease(tx, l.Name)
	if err != nil {
		return err
	}
	if cur.Holder != l.Holder || cur.Token != l.Token || cur.Name == "" {
		return fmt.Errorf("%w: %q (token %s)", ErrLeaseLost, l.Name, l.Token)
	}
	tx.Clear(s.leaseKey(l.Name))
	return nil
}

// CurrentLease returns the lease's current holding, or ErrNotFound if it
// is free.
func (s *Store) CurrentLease(tx layer.ReadTx, name string) (Lease, error) {
	l, held, err := s.readLease(tx, name)
	if err != nil {
		return Lease{}, err
	}
	if !held {
		return Lease{}, fmt.Errorf("%w: lease %q is free", ErrNotFound, name)
	}
	return l, nil
}

// WatchLease returns a notification for when the lease changes hands, is
// renewed or released (an expiry alone writes nothing); it becomes active
// when tx commits.
func (s *Store) WatchLease(tx layer.Tx, name string) (layer.Watch, error) {
	if err := s.checkKey("lease name", name); err != nil {
		return nil, err
	}
	return tx.Watch(s.leaseKey(name)), nil
}
