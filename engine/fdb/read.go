//go:build fdb

package fdb

import (
	"iter"

	fdbapi "github.com/apple/foundationdb/bindings/go/src/fdb"

	"github.com/strata-db/strata/layer"
)

// reader is the read half of a transaction: rt is the transaction itself
// or its snapshot view (fdb.Transaction and fdb.Snapshot both implement
// fdb.ReadTransaction). It implements layer.ReadTx; as a snapshot view,
// its reads add no read conflict ranges.
type reader struct {
	t  *transaction
	rt fdbapi.ReadTransaction
}

var _ layer.ReadTx = reader{}

// recoverFuture is deferred by functions returning a future.
func recoverFuture[T any](f *layer.Future[T]) {
	if p := recover(); p != nil {
		var zero T
		*f = layer.Ready(zero, panicked(p))
	}
}

// Get implements layer.ReadTx.
func (r reader) Get(k []byte) (f layer.Future[[]byte]) {
	if err := r.t.pending(); err != nil {
		return layer.Ready[[]byte](nil, err)
	}
	defer recoverFuture(&f)
	return valueFuture{t: r.t, f: r.rt.Get(key(k))}
}

// GetKey implements layer.ReadTx.
func (r reader) GetKey(sel layer.KeySelector) (f layer.Future[[]byte]) {
	if err := r.t.pending(); err != nil {
		return layer.Ready[[]byte](nil, err)
	}
	defer recoverFuture(&f)
	return keyFuture{t: r.t, f: r.rt.GetKey(selector(sel))}
}

func selector(s layer.KeySelector) fdbapi.KeySelector {
	return fdbapi.KeySelector{Key: key(s.Key), OrEqual: s.OrEqual, Offset: s.Offset}
}

// streamingModes maps layer's streaming modes, whose zero value is
// Iterator, to the bindings' constants (also Iterator at zero, but WantAll
// at -1; the bindings subtract one more for the C enum).
var streamingModes = [...]fdbapi.StreamingMode{
	layer.StreamingModeIterator: fdbapi.StreamingModeIterator,
	layer.StreamingModeWantAll:  fdbapi.StreamingModeWantAll,
	layer.StreamingModeExact:    fdbapi.StreamingModeExact,
	layer.StreamingModeSmall:    fdbapi.StreamingModeSmall,
	layer.StreamingModeMedium:   fdbapi.StreamingModeMedium,
	layer.StreamingModeLarge:    fdbapi.StreamingModeLarge,
	layer.StreamingModeSerial:   fdbapi.StreamingModeSerial,
}

// streamingMode maps m; ok is false for a value that names no mode.
func streamingMode(m layer.StreamingMode) (mode fdbapi.StreamingMode, ok bool) {
	if m < 0 || int(m) >= len(streamingModes) {
		return 0, false
	}
	return streamingModes[m], true
}

// GetRange implements layer.ReadTx. The first batch is requested at once,
// so range reads issued together run in parallel. Arguments FoundationDB
// would reject only on some paths are checked here, so that All and Slice
// fail alike: a negative limit (2012), Exact mode without a limit (2210;
// the bindings' Slice would otherwise switch to WantAll and succeed), and
// a mode that does not exist (2000, as libfdb_c answers).
func (r reader) GetRange(rng layer.Range, opts layer.RangeOptions) (res layer.RangeResult) {
	begin, end := rng.Selectors()
	mode, ok := streamingMode(opts.Mode)
	switch {
	case !ok:
		return rangeResult{err: layer.ErrClientInvalidOperation}
	case opts.Limit < 0:
		return rangeResult{err: layer.ErrRangeLimitsInvalid}
	case opts.Mode == layer.StreamingModeExact && opts.Limit == 0:
		return rangeResult{err: layer.ErrExactModeWithoutLimits}
	}
	if err := r.t.pending(); err != nil {
		return rangeResult{err: err}
	}
	defer func() {
		if p := recover(); p != nil {
			res = rangeResult{err: panicked(p)}
		}
	}()
	rr := r.rt.GetRange(
		fdbapi.SelectorRange{Begin: selector(begin), End: selector(end)},
		fdbapi.RangeOptions{Limit: opts.Limit, Mode: mode, Reverse: opts.Reverse},
	)
	return rangeResult{t: r.t, rr: rr}
}

// GetReadVersion implements layer.ReadTx.
func (r reader) GetReadVersion() (f layer.Future[int64]) {
	if err := r.t.pending(); err != nil {
		return layer.Ready[int64](0, err)
	}
	defer recoverFuture(&f)
	return int64Future{t: r.t, f: r.rt.GetReadVersion()}
}

// GetEstimatedRangeSizeBytes implements layer.ReadTx.
func (r reader) GetEstimatedRangeSizeBytes(rng layer.KeyRange) (f layer.Future[int64]) {
	if err := r.t.pending(); err != nil {
		return layer.Ready[int64](0, err)
	}
	defer recoverFuture(&f)
	return int64Future{t: r.t, f: r.rt.GetEstimatedRangeSizeBytes(keyRange(rng))}
}

// Snapshot implements layer.ReadTx.
func (r reader) Snapshot() layer.ReadTx { return reader{t: r.t, rt: r.t.tr.Snapshot()} }

// ---- Futures ----
//
// Each wraps a future of the bindings: the read was issued when the future
// was made, and Get waits for it. Get may be called from any goroutine and
// more than once.

type valueFuture struct {
	t *transaction
	f fdbapi.FutureByteSlice
}

func (f valueFuture) Get() (v []byte, err error) {
	defer recoverErr(&err)
	v, err = f.f.Get()
	if err != nil {
		return nil, f.t.convert(err)
	}
	return v, nil
}

type keyFuture struct {
	t *transaction
	f fdbapi.FutureKey
}

func (f keyFuture) Get() (k []byte, err error) {
	defer recoverErr(&err)
	fk, err := f.f.Get()
	if err != nil {
		return nil, f.t.convert(err)
	}
	return []byte(fk), nil
}

type int64Future struct {
	t *transaction
	f fdbapi.FutureInt64
}

func (f int64Future) Get() (v int64, err error) {
	defer recoverErr(&err)
	v, err = f.f.Get()
	if err != nil {
		return 0, f.t.convert(err)
	}
	return v, nil
}

// ---- Range results ----

// rangeResult implements layer.RangeResult over the bindings' RangeResult;
// err, when set, is the result's only outcome.
type rangeResult struct {
	t   *transaction
	rr  fdbapi.RangeResult
	err error
}

// All implements layer.RangeResult with the bindings' RangeIterator, which
// fetches batch after batch as the loop goes; breaking out early leaves
// the rest unread. Each call iterates anew from the first batch.
func (r rangeResult) All() iter.Seq2[layer.KeyValue, error] {
	return func(yield func(layer.KeyValue, error) bool) {
		if r.err != nil {
			yield(layer.KeyValue{}, r.err)
			return
		}
		next := r.iterate()
		for {
			kv, ok, err := next()
			if !ok {
				return
			}
			if err != nil {
				yield(layer.KeyValue{}, err)
				return
			}
			if !yield(kv, nil) {
				return
			}
		}
	}
}

// iterate returns a function yielding the rows one by one (ok false at the
// end, err set with ok true on failure), with every call into the bindings
// guarded.
func (r rangeResult) iterate() func() (layer.KeyValue, bool, error) {
	var it *fdbapi.RangeIterator
	return func() (kv layer.KeyValue, ok bool, err error) {
		defer func() {
			if p := recover(); p != nil {
				kv, ok, err = layer.KeyValue{}, true, panicked(p)
			}
		}()
		if it == nil {
			it = r.rr.Iterator()
		}
		if !it.Advance() {
			return layer.KeyValue{}, false, nil
		}
		fkv, err := it.Get()
		if err != nil {
			return layer.KeyValue{}, true, r.t.convert(err)
		}
		return layer.KeyValue{Key: fkv.Key, Value: fkv.Value}, true, nil
	}
}

// Slice implements layer.RangeResult with the bindings' GetSliceWithError,
// which reads the remaining batches in the WantAll (or, with a limit,
// Exact) streaming mode.
func (r rangeResult) Slice() (out []layer.KeyValue, err error) {
	if r.err != nil {
		return nil, r.err
	}
	defer recoverErr(&err)
	kvs, err := r.rr.GetSliceWithError()
	if err != nil {
		return nil, r.t.convert(err)
	}
	if len(kvs) == 0 {
		return nil, nil
	}
	out = make([]layer.KeyValue, len(kvs))
	for i, kv := range kvs {
		out[i] = layer.KeyValue{Key: kv.Key, Value: kv.Value}
	}
	return out, nil
}
