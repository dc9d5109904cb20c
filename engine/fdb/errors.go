//go:build fdb

package fdb

import (
	"errors"
	"fmt"

	fdbapi "github.com/apple/foundationdb/bindings/go/src/fdb"

	"github.com/strata-db/strata/layer"
)

// ErrClosed is returned by CreateTransaction on a closed DB. Operations of
// transactions that were running when their DB closed fail with an error
// that matches both ErrClosed and layer.ErrTransactionCancelled.
var ErrClosed = errors.New("fdb: database is closed")

// closedError is the error of transactions cut off by Close.
type closedError struct{}

func (closedError) Error() string {
	return "fdb: database is closed: " + layer.ErrTransactionCancelled.Error()
}

func (closedError) Unwrap() []error { return []error{ErrClosed, layer.ErrTransactionCancelled} }

// convert turns an error of the bindings into strata's: an fdb.Error
// becomes the layer.Error with the same code, so that errors.Is, Retryable
// and the retry loop treat it as they treat the embedded engine's. Other
// errors (the bindings' "network is stopped" and the like) pass through.
func convert(err error) error {
	if err == nil {
		return nil
	}
	var fe fdbapi.Error
	if errors.As(err, &fe) {
		return layer.Error{Code: fe.Code}
	}
	return err
}

// describedError is a layer.Error with the C library's own description of
// the code, for errors returned while opening a database, whose codes
// (cluster file problems, API version problems) layer does not name.
type describedError struct {
	code layer.Error
	text string
}

func (e describedError) Error() string { return e.text }
func (e describedError) Unwrap() error { return e.code }

// describe converts err like convert, keeping libfdb_c's description.
func describe(err error) error {
	var fe fdbapi.Error
	if errors.As(err, &fe) {
		return describedError{code: layer.Error{Code: fe.Code}, text: fe.Error()}
	}
	return err
}

// PanicError is the error that stands for a panic raised inside the
// bindings. The adapter recovers such panics so that none reaches the
// caller: a read or Commit returns it, a mutation leaves it for the next
// read or Commit. It matches layer.ErrInternal.
type PanicError struct {
	Value any
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("fdb: the FoundationDB bindings panicked: %v", e.Value)
}

func (e *PanicError) Unwrap() error { return layer.ErrInternal }

// panicked converts a recovered value. A panic carrying an fdb.Error (the
// bindings' MustGet style) is that error.
func panicked(p any) error {
	if err, ok := p.(error); ok {
		var fe fdbapi.Error
		if errors.As(err, &fe) {
			return layer.Error{Code: fe.Code}
		}
	}
	return &PanicError{Value: p}
}

// recoverErr is deferred by functions returning an error.
func recoverErr(err *error) {
	if p := recover(); p != nil {
		*err = panicked(p)
	}
}
