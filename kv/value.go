package kv

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/tuple"
)

// Record formats (see the package documentation).
const (
	recordFormat = 1
	metaHeader   = 10 // format, expiry, storage
	inlineMax    = layer.MaxValueSize - metaHeader
	chunkSize    = layer.MaxValueSize
	storeInline  = 0
	storeChunked = 1
)

// Item is a live value read from the store.
type Item struct {
	// Key is the item's key.
	Key string
	// Value is the value's bytes.
	Value []byte
	// Version is the versionstamp of the transaction that wrote the value;
	// zero for a value written by the reading transaction itself, whose
	// version is known only at its commit.
	Version Version
	// Expires is when the value expires; zero if it never does.
	Expires time.Time
}

// Entry is a key and value to put, for PutMany.
type Entry struct {
	Key   string
	Value []byte
}

// PutOptions are the conditions and settings of a write. The zero value
// is an unconditional put with the store's default TTL.
type PutOptions struct {
	// TTL is the value's time to live: 0 for the store's DefaultTTL,
	// NoExpiry for none.
	TTL time.Duration
	// IfMatch, when not zero, makes the put a compare-and-swap: it applies
	// only if the key holds a live value of exactly this version
	// (ErrVersionMismatch otherwise, ErrNotFound if there is none).
	IfMatch Version
	// IfAbsent applies the put only if the key holds no live value
	// (ErrAlreadyExists otherwise): Redis's SET NX.
	IfAbsent bool
	// IfPresent applies the put only if the key holds a live value
	// (ErrNotFound otherwise): Redis's SET XX.
	IfPresent bool
	// IdempotencyKey, when set, makes the request apply once: a request
	// with the same key within the store's IdempotencyTTL applies nothing
	// and returns the original result (Write.Replayed), also after a
	// commit whose result was unknown (1021) and was retried.
	IdempotencyKey string
}

// DeleteOptions are the conditions and settings of a delete.
type DeleteOptions struct {
	// IfMatch, when not zero, deletes only a live value of exactly this
	// version (ErrVersionMismatch otherwise, ErrNotFound if there is none).
	IfMatch Version
	// IfPresent fails with ErrNotFound when there is no live value;
	// without it, deleting an absent key does nothing.
	IfPresent bool
	// IdempotencyKey is as for PutOptions.
	IdempotencyKey string
}

// Write is the result of a put or delete.
type Write struct {
	// Version resolves, after the transaction commits, to the version of
	// the write: the transaction's versionstamp (see CommitVersion). For a
	// replayed request it is the original write's version, known at once.
	// For a delete that removed nothing and had no idempotency key the
	// transaction may have written nothing; the future then fails with
	// layer.ErrNoCommitVersion (2021).
	Version layer.Future[Version]
	// Existed is, for a delete, the number of live values it removed (for
	// Delete, 0 or 1); for a replayed delete, the original count. For a
	// put it is 0.
	Existed int
	// Replayed reports that the idempotency key had been applied before:
	// this call wrote nothing and returns the original result.
	Replayed bool
}

// meta is a decoded value record.
type meta struct {
	exp     int64
	chunked bool
	length  int    // chunked: total length
	chunks  int    // chunked: number of chunks
	inline  []byte // inline: the value
}

func encodeMeta(exp int64, value []byte) (rec []byte, chunks int) {
	if len(value) <= inlineMax {
		rec = make([]byte, metaHeader, metaHeader+len(value))
		rec[0] = recordFormat
		binary.BigEndian.PutUint64(rec[1:], uint64(exp))
		rec[9] = storeInline
		return append(rec, value...), 0
	}
	chunks = (len(value) + chunkSize - 1) / chunkSize
	rec = make([]byte, metaHeader+8)
	rec[0] = recordFormat
	binary.BigEndian.PutUint64(rec[1:], uint64(exp))
	rec[9] = storeChunked
	binary.BigEndian.PutUint32(rec[10:], uint32(len(value)))
	binary.BigEndian.PutUint32(rec[14:], uint32(chunks))
	return rec, chunks
}

func decodeMeta(key string, rec []byte) (meta, error) {
	bad := fmt.Errorf("%w: value record of %q", ErrCorrupt, key)
	if len(rec) < metaHeader || rec[0] != recordFormat {
		return meta{}, bad
	}
	m := meta{exp: int64(binary.BigEndian.Uint64(rec[1:]))}
	switch rec[9] {
	case storeInline:
		m.inline = rec[metaHeader:]
	case storeChunked:
		if len(rec) != metaHeader+8 {
			return meta{}, bad
		}
		m.chunked = true
		m.length = int(binary.BigEndian.Uint32(rec[10:]))
		m.chunks = int(binary.BigEndian.Uint32(rec[14:]))
		if m.length > MaxValueSize || m.chunks != (m.length+chunkSize-1)/chunkSize {
			return meta{}, bad
		}
	default:
		return meta{}, bad
	}
	return m, nil
}

// Keys of a value.
func (s *Store) metaKey(k string) []byte    { return s.key("m", k) }
func (s *Store) versionKey(k string) []byte { return s.key("v", k) }
func (s *Store) chunkRange(k string) layer.KeyRange {
	r, _ := s.ss.RangeOf(tuple.Tuple{"c", k})
	return r
}
func (s *Store) expiryKey(exp int64, kind, name string) []byte { return s.key("x", exp, kind, name) }

// pendingRead is a value read that has been issued and not yet waited on.
type pendingRead struct {
	key     string
	meta    layer.Future[[]byte]
	version layer.Future[[]byte] // nil if not asked for
}

// issue starts the reads of key's record (and version, if withVersion).
func (s *Store) issue(tx layer.ReadTx, key string, withVersion bool) pendingRead {
	p := pendingRead{key: key, meta: tx.Get(s.metaKey(key))}
	if withVersion {
		p.version = tx.Get(s.versionKey(key))
	}
	return p
}

// state is what a pendingRead found.
type state struct {
	present bool // a record exists, live or expired
	live    bool
	m       meta
	version Version
}

func (p pendingRead) wait(now time.Time) (state, error) {
	rec, err := p.meta.Get()
	if err != nil {
		return state{}, err
	}
	var st state
	if rec != nil {
		if st.m, err = decodeMeta(p.key, rec); err != nil {
			return state{}, err
		}
		st.present = true
		st.live = live(st.m.exp, now)
	}
	if p.version != nil {
		v, err := p.version.Get()
		switch {
		case errors.Is(err, layer.ErrAccessedUnreadable):
			// Written by this transaction: the version is its own, known
			// at commit. It stays zero.
		case err != nil:
			return state{}, err
		case st.present && v != nil:
			if st.version, err = versionOf(v); err != nil {
				return state{}, err
			}
		}
	}
	return st, nil
}

// pendingValue is a value whose chunk reads have been issued and not yet
// waited on.
type pendingValue struct {
	key    string
	m      meta
	chunks []layer.Future[[]byte]
}

// issueValue issues the point reads of a chunked value's chunks (the
// record says how many), so that the reads of many values' chunks overlap:
// a range read (GetRange) runs only when it is consumed, one at a time.
func (s *Store) issueValue(tx layer.ReadTx, key string, m meta) pendingValue {
	p := pendingValue{key: key, m: m}
	if m.chunked {
		p.chunks = make([]layer.Future[[]byte], m.chunks)
		for c := range p.chunks {
			p.chunks[c] = tx.Get(s.key("c", key, c))
		}
	}
	return p
}

func (p pendingValue) wait() ([]byte, error) {
	if !p.m.chunked {
		return p.m.inline, nil
	}
	out := make([]byte, 0, p.m.length)
	for c, f := range p.chunks {
		v, err := f.Get()
		if err != nil {
			return nil, err
		}
		if v == nil {
			return nil, fmt.Errorf("%w: %q lacks chunk %d of the %d its record says", ErrCorrupt, p.key, c, p.m.chunks)
		}
		out = append(out, v...)
	}
	if len(out) != p.m.length {
		return nil, fmt.Errorf("%w: %q has %d bytes, its record says %d", ErrCorrupt, p.key, len(out), p.m.length)
	}
	return out, nil
}

// Get returns the live value of key, or ErrNotFound. Pass tx.Snapshot()
// (or Snapshot.Of(tx)) for a read that adds no conflict range.
func (s *Store) Get(tx layer.ReadTx, key string) (Item, error) {
	items, err := s.GetMany(tx, []string{key})
	if err != nil {
		return Item{}, err
	}
	if items[0] == nil {
		return Item{}, fmt.Errorf("%w: %q", ErrNotFound, key)
	}
	return *items[0], nil
}

// GetMany returns the live values of keys, in the keys' order, nil for a
// key without one. Every value record's read is issued before any is
// waited on, and every chunk read of the live large values before any
// chunk is waited on, so on FoundationDB they run in parallel: two round
// trips in all, whatever the number of keys. GetMany does not bound the
// number of keys: the caller does (a transaction must finish within 5 s,
// and a strict read adds a conflict range per key to the commit).
func (s *Store) GetMany(tx layer.ReadTx, keys []string) ([]*Item, error) {
	for _, k := range keys {
		if err := s.checkKey("key", k); err != nil {
			return nil, err
		}
	}
	pending := make([]pendingRead, len(keys))
	for i, k := range keys {
		pending[i] = s.issue(tx, k, true)
	}
	now := s.now()
	out := make([]*Item, len(keys))
	values := make([]pendingValue, len(keys))
	for i, p := range pending {
		st, err := p.wait(now)
		if err != nil {
			return nil, err
		}
		if !st.live {
			continue
		}
		// Issue this value's chunk reads now; wait for them after every
		// record is in, so that they overlap the other keys' reads.
		values[i] = s.issueValue(tx, p.key, st.m)
		out[i] = &Item{Key: p.key, Version: st.version, Expires: expiryTime(st.m.exp)}
	}
	for i, it := range out {
		if it == nil {
			continue
		}
		v, err := values[i].wait()
		if err != nil {
			return nil, err
		}
		it.Value = v
	}
	return out, nil
}

// Exists reports whether key holds a live value. It reads only the value
// record, not the chunks of a large value.
func (s *Store) Exists(tx layer.ReadTx, key string) (bool, error) {
	if err := s.checkKey("key", key); err != nil {
		return false, err
	}
	st, err := s.issue(tx, key, false).wait(s.now())
	return st.live, err
}

// Put writes value at key, subject to the options' conditions. The value
// gets the transaction's version (Write.Version, after commit). An
// unconditional put reads the old record with a snapshot read (to clean up
// its expiry entry), so concurrent puts of one key do not conflict: the
// last to commit wins. A conditional put reads the key and conflicts with
// any write to it committed after its read version.
func (s *Store) Put(tx layer.Tx, key string, value []byte, opts PutOptions) (Write, error) {
	return s.PutMany(tx, []Entry{{key, value}}, opts)
}

// PutMany writes several values in the caller's transaction, each subject
// to the options (a condition must hold for every key, or nothing is
// written: the error ends the transaction function). The reads are issued
// in parallel. An idempotency key covers the whole request.
func (s *Store) PutMany(tx layer.Tx, entries []Entry, opts PutOptions) (Write, error) {
	conds := 0
	for _, c := range []bool{!opts.IfMatch.IsZero(), opts.IfAbsent, opts.IfPresent} {
		if c {
			conds++
		}
	}
	if conds > 1 {
		return Write{}, fmt.Errorf("%w: IfMatch, IfAbsent and IfPresent exclude one another", ErrInvalid)
	}
	if opts.TTL < 0 && opts.TTL != NoExpiry {
		return Write{}, fmt.Errorf("%w: TTL %v", ErrInvalid, opts.TTL)
	}
	keys := make([]string, len(entries))
	for i, e := range entries {
		if err := s.checkKey("key", e.Key); err != nil {
			return Write{}, err
		}
		if len(e.Value) > MaxValueSize {
			return Write{}, fmt.Errorf("%w: %q: %d bytes; values are limited to %d bytes", ErrValueTooLarge, e.Key, len(e.Value), MaxValueSize)
		}
		keys[i] = e.Key
	}
	idem, replay, err := s.checkIdempotency(tx, opts.IdempotencyKey, 'p', keys)
	if err != nil || replay != nil {
		return derefWrite(replay), err
	}
	conditional := conds > 0
	var r layer.ReadTx = tx
	if !conditional {
		r = tx.Snapshot()
	}
	pending := make([]pendingRead, len(entries))
	for i, e := range entries {
		pending[i] = s.issue(r, e.Key, !opts.IfMatch.IsZero())
	}
	now := s.now()
	olds := make([]state, len(entries))
	for i, p := range pending {
		st, err := p.wait(now)
		if err != nil {
			return Write{}, err
		}
		switch {
		case opts.IfAbsent && st.live:
			return Write{}, fmt.Errorf("%w: %q", ErrAlreadyExists, p.key)
		case (opts.IfPresent || !opts.IfMatch.IsZero()) && !st.live:
			return Write{}, fmt.Errorf("%w: %q", ErrNotFound, p.key)
		case !opts.IfMatch.IsZero() && st.version != opts.IfMatch:
			return Write{}, fmt.Errorf("%w: %q is at version %s, not %s", ErrVersionMismatch, p.key, st.version, opts.IfMatch)
		}
		olds[i] = st
	}
	exp := s.expiry(opts.TTL)
	for i, e := range entries {
		if err := s.clearValue(tx, e.Key, olds[i], false, len(e.Value) > inlineMax, conditional); err != nil {
			return Write{}, err
		}
		rec, chunks := encodeMeta(exp, e.Value)
		tx.Set(s.metaKey(e.Key), rec)
		for c := range chunks {
			tx.Set(s.key("c", e.Key, c), e.Value[c*chunkSize:min(len(e.Value), (c+1)*chunkSize)])
		}
		tx.SetVersionstampedValue(s.versionKey(e.Key), stampParam(nil))
		if exp != 0 {
			tx.Set(s.expiryKey(exp, "v", e.Key), nil)
		}
	}
	w := Write{Version: CommitVersion(tx)}
	s.recordIdempotency(tx, idem, 'p', keys, 0)
	return w, nil
}

// clearValue removes what the old record st refers to: its expiry entry
// and chunks, and with all its record and version too. replacing says
// that a value of newChunked storage is about to be written, after a read
// of st that was strict or (strict false) a snapshot read.
func (s *Store) clearValue(tx layer.Tx, key string, st state, all, newChunked, strict bool) error {
	if st.present && st.m.exp != 0 {
		tx.Clear(s.expiryKey(st.m.exp, "v", key))
	}
	switch {
	case st.present && st.m.chunked, newChunked:
		tx.ClearRange(s.chunkRange(key))
	case !strict:
		// The snapshot read saw no chunks. Rather than a blind range clear
		// on every put (range tombstones cost every later read in an LSM),
		// make the commit fail if a concurrent writer put chunks there.
		if err := tx.AddReadConflictRange(s.chunkRange(key)); err != nil {
			return err
		}
	}
	if all {
		tx.Clear(s.metaKey(key))
		tx.Clear(s.versionKey(key))
	}
	return nil
}

// stampParam returns prefix followed by a 10-byte placeholder and the
// four-byte little-endian offset SetVersionstampedValue takes.
func stampParam(prefix []byte, suffix ...byte) []byte {
	b := make([]byte, 0, len(prefix)+10+len(suffix)+4)
	b = append(b, prefix...)
	b = append(b, make([]byte, 10)...)
	b = append(b, suffix...)
	return binary.LittleEndian.AppendUint32(b, uint32(len(prefix)))
}

// Delete removes key's value, subject to the options. Write.Existed tells
// whether there was a live value. The read of the key is strict (it
// conflicts with concurrent writes of the key), so that Existed is exact.
func (s *Store) Delete(tx layer.Tx, key string, opts DeleteOptions) (Write, error) {
	return s.DeleteMany(tx, []string{key}, opts)
}

// DeleteMany removes several keys' values in the caller's transaction;
// Write.Existed counts the live values removed. Conditions must hold for
// every key. The reads are issued in parallel.
func (s *Store) DeleteMany(tx layer.Tx, keys []string, opts DeleteOptions) (Write, error) {
	if !opts.IfMatch.IsZero() && opts.IfPresent {
		return Write{}, fmt.Errorf("%w: IfMatch and IfPresent exclude one another", ErrInvalid)
	}
	for _, k := range keys {
		if err := s.checkKey("key", k); err != nil {
			return Write{}, err
		}
	}
	idem, replay, err := s.checkIdempotency(tx, opts.IdempotencyKey, 'd', keys)
	if err != nil || replay != nil {
		return derefWrite(replay), err
	}
	pending := make([]pendingRead, len(keys))
	for i, k := range keys {
		pending[i] = s.issue(tx, k, !opts.IfMatch.IsZero())
	}
	now := s.now()
	olds := make([]state, len(keys))
	for i, p := range pending {
		st, err := p.wait(now)
		if err != nil {
			return Write{}, err
		}
		switch {
		case (opts.IfPresent || !opts.IfMatch.IsZero()) && !st.live:
			return Write{}, fmt.Errorf("%w: %q", ErrNotFound, p.key)
		case !opts.IfMatch.IsZero() && st.version != opts.IfMatch:
			return Write{}, fmt.Errorf("%w: %q is at version %s, not %s", ErrVersionMismatch, p.key, st.version, opts.IfMatch)
		}
		olds[i] = st
	}
	n := 0
	seen := map[string]bool{}
	for i, k := range keys {
		if !olds[i].present || seen[k] {
			continue
		}
		seen[k] = true
		if olds[i].live {
			n++
		}
		if err := s.clearValue(tx, k, olds[i], true, false, true); err != nil {
			return Write{}, err
		}
	}
	w := Write{Version: CommitVersion(tx), Existed: n}
	s.recordIdempotency(tx, idem, 'd', keys, n)
	return w, nil
}

// ScanOptions selects the values Scan returns.
type ScanOptions struct {
	// Prefix keeps only keys that start with it.
	Prefix string
	// After starts after this key (for paging: the last key of the page
	// before); "" starts at the first key.
	After string
	// Limit caps the number of records read (live or expired); 0 means no
	// limit: the whole range, values and all, in the caller's transaction,
	// which for a large store runs past FoundationDB's 5 s (1007). Page
	// with a limit (and After) instead.
	Limit int
}

// ScanPage is what one Scan read.
type ScanPage struct {
	// Items are the live values, in key order.
	Items []Item
	// More reports that the limit was reached: records may follow Last.
	More bool
	// Last is the key of the last record read, live or expired: pass it
	// as ScanOptions.After to read the next page.
	Last string
}

// Scan returns the live values in key order. With a limit, a page may
// hold fewer items than the limit when it met expired records.
func (s *Store) Scan(tx layer.ReadTx, opts ScanOptions) (ScanPage, error) {
	begin := append(s.key("m"), tupleStringPrefix(opts.Prefix)...)
	end, err := layer.Strinc(begin)
	if err != nil {
		return ScanPage{}, err
	}
	if opts.Prefix == "" {
		begin, end = append(s.key("m"), 0x00), append(s.key("m"), 0xff)
	}
	if opts.After != "" {
		if a := append(s.metaKey(opts.After), 0x00); bytes.Compare(a, begin) > 0 {
			begin = a
		}
	}
	if bytes.Compare(begin, end) >= 0 {
		return ScanPage{}, nil
	}
	rows, err := tx.GetRange(layer.KeyRange{Begin: begin, End: end}, layer.RangeOptions{Limit: opts.Limit, Mode: layer.StreamingModeWantAll}).Slice()
	if err != nil {
		return ScanPage{}, err
	}
	var page ScanPage
	type row struct {
		key string
		m   meta
		ver layer.Future[[]byte]
		val pendingValue
	}
	now := s.now()
	var alive []row
	for _, kv := range rows {
		t, err := s.ss.Unpack(kv.Key)
		if err != nil || len(t) != 2 {
			return ScanPage{}, fmt.Errorf("%w: key %q", ErrCorrupt, kv.Key)
		}
		k, ok := t[1].(string)
		if !ok {
			return ScanPage{}, fmt.Errorf("%w: key %q", ErrCorrupt, kv.Key)
		}
		m, err := decodeMeta(k, kv.Value)
		if err != nil {
			return ScanPage{}, err
		}
		page.Last = k
		if live(m.exp, now) {
			alive = append(alive, row{k, m, tx.Get(s.versionKey(k)), s.issueValue(tx, k, m)})
		}
	}
	for _, r := range alive {
		it := Item{Key: r.key, Expires: expiryTime(r.m.exp)}
		v, err := r.ver.Get()
		switch {
		case errors.Is(err, layer.ErrAccessedUnreadable):
		case err != nil:
			return ScanPage{}, err
		case v != nil:
			if it.Version, err = versionOf(v); err != nil {
				return ScanPage{}, err
			}
		}
		if it.Value, err = r.val.wait(); err != nil {
			return ScanPage{}, err
		}
		page.Items = append(page.Items, it)
	}
	page.More = opts.Limit > 0 && len(rows) == opts.Limit
	return page, nil
}

// tupleStringPrefix is the packed form of a string element without its
// terminator: the common prefix of the packed strings that start with p.
func tupleStringPrefix(p string) []byte {
	b := tuple.Tuple{p}.Pack()
	return b[:len(b)-1]
}

// Watch returns a notification for when key's value changes: a put, a
// delete, or a sweep of its expired value (an expiry alone writes nothing
// and fires no watch). As with layer.Tx.Watch, it becomes active when tx
// commits; wait on it after.
func (s *Store) Watch(tx layer.Tx, key string) (layer.Watch, error) {
	if err := s.checkKey("key", key); err != nil {
		return nil, err
	}
	return tx.Watch(s.versionKey(key)), nil
}

// fingerprint identifies a request for its idempotency record.
func fingerprint(op byte, keys []string) [32]byte {
	h := sha256.New()
	h.Write([]byte{op})
	for _, k := range keys {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(k)))
		h.Write(n[:])
		h.Write([]byte(k))
	}
	return [32]byte(h.Sum(nil))
}

func derefWrite(w *Write) Write {
	if w == nil {
		return Write{}
	}
	return *w
}
