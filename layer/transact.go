package layer

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"
)

// Transact runs fn in a transaction and commits it, retrying as FoundationDB
// does: when fn or the commit fails with a retryable error (a conflict, a
// read version too old, a commit of unknown result), the transaction is
// reset after a jittered exponential backoff and fn runs again. It is the one
// retry loop of the code base; layers never retry on their own.
//
// fn may run several times, so it must not have effects outside the
// transaction that a retry would repeat. An error returned by fn that is not
// a FoundationDB Error ends the loop at once, without committing. When ctx
// ends, the transaction is cancelled and ctx's error is returned.
func Transact[T any](ctx context.Context, db DB, fn func(tx Tx) (T, error)) (T, error) {
	var zero T
	tx, err := db.CreateTransaction()
	if err != nil {
		return zero, err
	}
	defer tx.Cancel()
	defer cancelWith(ctx, tx)()
	for {
		if err := ctx.Err(); err != nil {
			return zero, err
		}
		v, err := fn(tx)
		if err == nil {
			if err = tx.Commit(); err == nil {
				return v, nil
			}
		}
		if err = retryOrStop(ctx, tx, err); err != nil {
			return zero, err
		}
	}
}

// ReadTransact runs fn in a transaction that is never committed, retrying
// on retryable errors as Transact does. Use it for reads: it takes no commit
// round trip.
func ReadTransact[T any](ctx context.Context, db DB, fn func(tx ReadTx) (T, error)) (T, error) {
	var zero T
	tx, err := db.CreateTransaction()
	if err != nil {
		return zero, err
	}
	defer tx.Cancel()
	defer cancelWith(ctx, tx)()
	for {
		if err := ctx.Err(); err != nil {
			return zero, err
		}
		v, err := fn(tx)
		if err == nil {
			return v, nil
		}
		if err = retryOrStop(ctx, tx, err); err != nil {
			return zero, err
		}
	}
}

// cancelWith cancels tx when ctx ends, and returns the function that stops
// watching ctx. A context that can never end (context.Background) costs
// nothing.
func cancelWith(ctx context.Context, tx Tx) (stop func() bool) {
	if ctx.Done() == nil {
		return func() bool { return false }
	}
	return context.AfterFunc(ctx, tx.Cancel)
}

// retryOrStop returns nil if the loop should run fn again, or the error the
// loop should return.
func retryOrStop(ctx context.Context, tx Tx, err error) error {
	var fe Error
	if !errors.As(err, &fe) {
		return err
	}
	if cerr := ctx.Err(); cerr != nil {
		return cerr
	}
	if err := tx.OnError(err); err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		return err
	}
	return nil
}

// Backoff yields FoundationDB's delays between retries: it starts at 10 ms,
// doubles each time up to Max (1 s if zero), and each delay is drawn
// uniformly between zero and the current step so that competing
// transactions spread out. Engines use it in OnError.
type Backoff struct {
	// Max caps the step; zero means one second.
	Max  time.Duration
	step time.Duration
}

// Next returns the next delay to wait.
func (b *Backoff) Next() time.Duration {
	limit := b.Max
	if limit <= 0 {
		limit = time.Second
	}
	if b.step == 0 {
		b.step = 10 * time.Millisecond
	}
	d := time.Duration(rand.Int64N(int64(b.step) + 1))
	b.step = min(b.step*2, limit)
	return d
}

// Reset starts the sequence over.
func (b *Backoff) Reset() { b.step = 0 }
