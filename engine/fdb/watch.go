//go:build fdb

package fdb

import (
	"context"
	"sync"

	fdbapi "github.com/apple/foundationdb/bindings/go/src/fdb"

	"github.com/strata-db/strata/layer"
)

// watch implements layer.Watch over the bindings' watch future. The first
// Wait starts one goroutine that blocks on the future (on a mutex the C
// client's callback unlocks, not on an OS thread); it ends when the watch
// fires, fails or is cancelled. A Wait that returns because its context
// ended leaves the watch active, so Cancel watches you no longer need, as
// on FoundationDB (each database allows 10,000 pending watches by default).
type watch struct {
	t    *transaction
	f    fdbapi.FutureNil // nil for a watch that failed when created
	once sync.Once
	done chan struct{}
	err  error // valid once done is closed
}

var _ layer.Watch = (*watch)(nil)

func newWatch(t *transaction, f fdbapi.FutureNil) *watch {
	return &watch{t: t, f: f, done: make(chan struct{})}
}

// failedWatch is a watch whose Wait returns err at once.
func failedWatch(err error) *watch {
	w := &watch{done: make(chan struct{}), err: err}
	w.once.Do(func() { close(w.done) })
	return w
}

// start begins waiting on the future, once.
func (w *watch) start() {
	w.once.Do(func() {
		go func() {
			defer close(w.done)
			defer recoverErr(&w.err)
			w.err = w.t.convert(w.f.Get())
		}()
	})
}

// Wait implements layer.Watch.
func (w *watch) Wait(ctx context.Context) error {
	w.start()
	select {
	case <-w.done:
		return w.err
	default:
	}
	select {
	case <-w.done:
		return w.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Cancel implements layer.Watch: the bindings cancel the future, and a
// pending Wait returns layer.ErrOperationCancelled (1101).
func (w *watch) Cancel() {
	if w.f == nil {
		return
	}
	defer func() { _ = recover() }()
	w.f.Cancel()
}
