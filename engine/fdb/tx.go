//go:build fdb

package fdb

import (
	"errors"
	"math"
	"sync/atomic"
	"time"

	fdbapi "github.com/apple/foundationdb/bindings/go/src/fdb"

	"github.com/strata-db/strata/layer"
)

// transaction implements layer.Tx over a transaction of the bindings.
//
// Every call into the bindings is guarded: a panic inside them becomes an
// error (a *PanicError) instead of reaching the caller. Mutations cannot
// return it, so they leave it in failed, which the next read and Commit
// return, as FoundationDB does with an invalid mutation.
type transaction struct {
	db *DB
	tr fdbapi.Transaction

	// failed holds the error of a panicked mutation until the next
	// OnError retries or Reset.
	failed atomic.Pointer[error]

	// opts are the options set through the layer.Tx methods. FoundationDB
	// keeps them across OnError but drops them on Reset; the contract keeps
	// them across both, so Reset applies them again.
	opts options
}

// options remembers the transaction options; a nil field was never set.
type options struct {
	timeoutMS  *int64
	retryLimit *int64
	sizeLimit  *int64
}

var _ layer.Tx = (*transaction)(nil)

// ---- Errors ----

// convert is the package's convert, plus: a cancellation caused by Close
// reports ErrClosed too.
func (t *transaction) convert(err error) error {
	err = convert(err)
	var le layer.Error
	if errors.As(err, &le) && le.Code == 1025 && t.db.isClosed() {
		return closedError{}
	}
	return err
}

// pending returns the error a panicked mutation left, if any.
func (t *transaction) pending() error {
	if p := t.failed.Load(); p != nil {
		return *p
	}
	return nil
}

// recoverMutation is deferred by mutations: a panic inside the bindings
// puts the transaction in an error state instead of reaching the caller.
func (t *transaction) recoverMutation() {
	if p := recover(); p != nil {
		err := panicked(p)
		t.failed.CompareAndSwap(nil, &err)
	}
}

// ---- Reads ----

func (t *transaction) reader() reader { return reader{t: t, rt: t.tr} }

// Get implements layer.ReadTx.
func (t *transaction) Get(key []byte) layer.Future[[]byte] { return t.reader().Get(key) }

// GetKey implements layer.ReadTx.
func (t *transaction) GetKey(sel layer.KeySelector) layer.Future[[]byte] {
	return t.reader().GetKey(sel)
}

// GetRange implements layer.ReadTx.
func (t *transaction) GetRange(r layer.Range, opts layer.RangeOptions) layer.RangeResult {
	return t.reader().GetRange(r, opts)
}

// GetReadVersion implements layer.ReadTx.
func (t *transaction) GetReadVersion() layer.Future[int64] { return t.reader().GetReadVersion() }

// GetEstimatedRangeSizeBytes implements layer.ReadTx.
func (t *transaction) GetEstimatedRangeSizeBytes(r layer.KeyRange) layer.Future[int64] {
	return t.reader().GetEstimatedRangeSizeBytes(r)
}

// Snapshot implements layer.ReadTx.
func (t *transaction) Snapshot() layer.ReadTx { return reader{t: t, rt: t.tr.Snapshot()} }

// ---- Mutations ----

func key(k []byte) fdbapi.Key { return fdbapi.Key(k) }

// Set implements layer.Tx.
func (t *transaction) Set(k, value []byte) {
	defer t.recoverMutation()
	t.tr.Set(key(k), value)
}

// Clear implements layer.Tx.
func (t *transaction) Clear(k []byte) {
	defer t.recoverMutation()
	t.tr.Clear(key(k))
}

// ClearRange implements layer.Tx.
func (t *transaction) ClearRange(r layer.KeyRange) {
	defer t.recoverMutation()
	t.tr.ClearRange(keyRange(r))
}

func keyRange(r layer.KeyRange) fdbapi.KeyRange {
	return fdbapi.KeyRange{Begin: key(r.Begin), End: key(r.End)}
}

// Add implements layer.Tx.
func (t *transaction) Add(k, param []byte) {
	defer t.recoverMutation()
	t.tr.Add(key(k), param)
}

// BitAnd implements layer.Tx.
func (t *transaction) BitAnd(k, param []byte) {
	defer t.recoverMutation()
	t.tr.BitAnd(key(k), param)
}

// BitOr implements layer.Tx.
func (t *transaction) BitOr(k, param []byte) {
	defer t.recoverMutation()
	t.tr.BitOr(key(k), param)
}

// BitXor implements layer.Tx.
func (t *transaction) BitXor(k, param []byte) {
	defer t.recoverMutation()
	t.tr.BitXor(key(k), param)
}

// AppendIfFits implements layer.Tx.
func (t *transaction) AppendIfFits(k, param []byte) {
	defer t.recoverMutation()
	t.tr.AppendIfFits(key(k), param)
}

// Max implements layer.Tx.
func (t *transaction) Max(k, param []byte) {
	defer t.recoverMutation()
	t.tr.Max(key(k), param)
}

// Min implements layer.Tx.
func (t *transaction) Min(k, param []byte) {
	defer t.recoverMutation()
	t.tr.Min(key(k), param)
}

// ByteMax implements layer.Tx.
func (t *transaction) ByteMax(k, param []byte) {
	defer t.recoverMutation()
	t.tr.ByteMax(key(k), param)
}

// ByteMin implements layer.Tx.
func (t *transaction) ByteMin(k, param []byte) {
	defer t.recoverMutation()
	t.tr.ByteMin(key(k), param)
}

// CompareAndClear implements layer.Tx.
func (t *transaction) CompareAndClear(k, param []byte) {
	defer t.recoverMutation()
	t.tr.CompareAndClear(key(k), param)
}

// SetVersionstampedKey implements layer.Tx.
func (t *transaction) SetVersionstampedKey(k, value []byte) {
	defer t.recoverMutation()
	t.tr.SetVersionstampedKey(key(k), value)
}

// SetVersionstampedValue implements layer.Tx.
func (t *transaction) SetVersionstampedValue(k, value []byte) {
	defer t.recoverMutation()
	t.tr.SetVersionstampedValue(key(k), value)
}

// ---- Conflict ranges ----

// AddReadConflictRange implements layer.Tx.
func (t *transaction) AddReadConflictRange(r layer.KeyRange) (err error) {
	defer recoverErr(&err)
	return t.convert(t.tr.AddReadConflictRange(keyRange(r)))
}

// AddWriteConflictRange implements layer.Tx.
func (t *transaction) AddWriteConflictRange(r layer.KeyRange) (err error) {
	defer recoverErr(&err)
	return t.convert(t.tr.AddWriteConflictRange(keyRange(r)))
}

// ---- Watches, versions ----

// Watch implements layer.Tx.
func (t *transaction) Watch(k []byte) (w layer.Watch) {
	if err := t.pending(); err != nil {
		return failedWatch(err)
	}
	defer func() {
		if p := recover(); p != nil {
			w = failedWatch(panicked(p))
		}
	}()
	return newWatch(t, t.tr.Watch(key(k)))
}

// GetVersionstamp implements layer.Tx.
func (t *transaction) GetVersionstamp() (f layer.Future[[]byte]) {
	defer recoverFuture(&f)
	return keyFuture{t: t, f: t.tr.GetVersionstamp()}
}

// GetCommittedVersion implements layer.Tx.
func (t *transaction) GetCommittedVersion() (v int64, err error) {
	defer recoverErr(&err)
	v, err = t.tr.GetCommittedVersion()
	return v, t.convert(err)
}

// SetReadVersion implements layer.Tx.
func (t *transaction) SetReadVersion(version int64) {
	defer t.recoverMutation()
	t.tr.SetReadVersion(version)
}

// ---- Options ----

// SetTimeout implements layer.Tx. FoundationDB counts the timeout in whole
// milliseconds; a positive duration below one rounds up to one, so that it
// does not disable the timeout.
func (t *transaction) SetTimeout(d time.Duration) error {
	if d < 0 || d > math.MaxInt32*time.Millisecond {
		return layer.ErrInvalidOptionValue
	}
	ms := int64(d / time.Millisecond)
	if d%time.Millisecond != 0 {
		ms++
	}
	if err := t.setTimeout(ms); err != nil {
		return err
	}
	t.opts.timeoutMS = &ms
	return nil
}

// SetRetryLimit implements layer.Tx.
func (t *transaction) SetRetryLimit(n int) error {
	if n < -1 || n > math.MaxInt32 {
		return layer.ErrInvalidOptionValue
	}
	v := int64(n)
	if err := t.setRetryLimit(v); err != nil {
		return err
	}
	t.opts.retryLimit = &v
	return nil
}

// SetSizeLimit implements layer.Tx.
func (t *transaction) SetSizeLimit(bytes int) error {
	if bytes < 32 || bytes > layer.DefaultSizeLimit {
		return layer.ErrInvalidOptionValue
	}
	v := int64(bytes)
	if err := t.setSizeLimit(v); err != nil {
		return err
	}
	t.opts.sizeLimit = &v
	return nil
}

func (t *transaction) setTimeout(ms int64) (err error) {
	defer recoverErr(&err)
	return t.convert(t.tr.Options().SetTimeout(ms))
}

func (t *transaction) setRetryLimit(n int64) (err error) {
	defer recoverErr(&err)
	return t.convert(t.tr.Options().SetRetryLimit(n))
}

func (t *transaction) setSizeLimit(n int64) (err error) {
	defer recoverErr(&err)
	return t.convert(t.tr.Options().SetSizeLimit(n))
}

// ---- Lifecycle ----

// Commit implements layer.Tx.
func (t *transaction) Commit() (err error) {
	if err := t.pending(); err != nil {
		return err
	}
	defer recoverErr(&err)
	return t.convert(t.tr.Commit().Get())
}

// OnError implements layer.Tx with the bindings' OnError, so that
// FoundationDB's own backoff, retry limit and retryable set apply. The
// layer.Error's code goes back to FoundationDB as an fdb.Error. When
// FoundationDB declines to retry, OnError returns err itself if the code
// is unchanged (keeping whatever wrapped it), else the new error.
func (t *transaction) OnError(err error) (out error) {
	var le layer.Error
	if !errors.As(err, &le) {
		return err
	}
	defer recoverErr(&out)
	if ferr := t.tr.OnError(fdbapi.Error{Code: le.Code}).Get(); ferr != nil {
		conv := t.convert(ferr)
		var ce layer.Error
		if errors.As(conv, &ce) && ce.Code == le.Code && !errors.Is(conv, ErrClosed) {
			return err
		}
		return conv
	}
	t.failed.Store(nil)
	return nil
}

// Reset implements layer.Tx: FoundationDB's reset, which also drops the
// transaction's options, followed by setting the options again, which the
// contract keeps. The timeout counts again from the reset, as on
// FoundationDB when the option is set after a reset.
func (t *transaction) Reset() {
	defer t.recoverMutation()
	t.tr.Reset()
	t.failed.Store(nil)
	if p := t.opts.timeoutMS; p != nil {
		_ = t.setTimeout(*p)
	}
	if p := t.opts.retryLimit; p != nil {
		_ = t.setRetryLimit(*p)
	}
	if p := t.opts.sizeLimit; p != nil {
		_ = t.setSizeLimit(*p)
	}
}

// Cancel implements layer.Tx.
func (t *transaction) Cancel() {
	defer func() { _ = recover() }()
	t.tr.Cancel()
}
