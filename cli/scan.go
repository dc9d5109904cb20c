package cli

import (
	"bytes"
	"context"
	"iter"
	"time"

	"github.com/strata-db/strata/layer"
)

// A long scan runs as a series of bounded transactions, each continuing
// after the last key of the one before, so that it stays within
// FoundationDB's five seconds per transaction and holds at most one page of
// rows in memory. Tests lower these.
var (
	pageRows  = 10_000          // rows per transaction
	pageBytes = 16 << 20        // bytes of keys and values per transaction
	pageTime  = 1 * time.Second // time per transaction
)

// page is what one transaction of a scan read.
type page struct {
	rows  []layer.KeyValue
	count int    // rows seen (when rows are not kept)
	last  []byte // the last key seen
	more  bool   // the range may hold more rows past last
}

// readPage reads up to n rows of r in one transaction, stopping early when
// the page grows past pageBytes or pageTime. keep says whether to keep the
// rows or only count them.
func (s *session) readPage(ctx context.Context, r layer.KeyRange, n int, reverse, keep bool) (page, error) {
	return readTx(ctx, s, func(tx layer.ReadTx) (page, error) {
		var p page // reset on every retry
		start := time.Now()
		size := 0
		res := tx.Snapshot().GetRange(r, layer.RangeOptions{Limit: n, Reverse: reverse})
		for kv, err := range res.All() {
			if err != nil {
				return page{}, err
			}
			p.count++
			p.last = kv.Key
			if keep {
				// The rows outlive the transaction: own their bytes.
				p.rows = append(p.rows, layer.KeyValue{Key: bytes.Clone(kv.Key), Value: bytes.Clone(kv.Value)})
			}
			size += len(kv.Key) + len(kv.Value)
			if p.count < n && (size >= pageBytes || time.Since(start) >= pageTime) {
				p.more = true
				break
			}
		}
		if p.count == n {
			p.more = true
		}
		p.last = bytes.Clone(p.last)
		return p, nil
	})
}

// next narrows r to what follows (or, in reverse, precedes) last.
func next(r layer.KeyRange, last []byte, reverse bool) layer.KeyRange {
	if reverse {
		return layer.KeyRange{Begin: r.Begin, End: last}
	}
	return layer.KeyRange{Begin: append(bytes.Clone(last), 0), End: r.End}
}

// scan calls emit for each row of r in order (reversed if asked), at most
// limit rows (0: all), paging across transactions. emit runs outside any
// transaction, so a retried page is never emitted twice.
func (s *session) scan(ctx context.Context, r layer.KeyRange, limit int, reverse bool, emit func(layer.KeyValue) error) error {
	return pages(limit, func(n int) (int, bool, error) {
		p, err := s.readPage(ctx, r, n, reverse, true)
		if err != nil {
			return 0, false, err
		}
		for _, kv := range p.rows {
			if err := emit(kv); err != nil {
				return 0, false, err
			}
		}
		r = next(r, p.last, reverse)
		return p.count, p.more, nil
	})
}

// count counts the keys in r, paging across transactions.
func (s *session) count(ctx context.Context, r layer.KeyRange) (int64, error) {
	var total int64
	for {
		p, err := s.readPage(ctx, r, pageRows, false, false)
		if err != nil {
			return 0, err
		}
		total += int64(p.count)
		if !p.more {
			return total, nil
		}
		r = next(r, p.last, false)
	}
}

// pages reads at most limit rows (0: no limit) in pages of at most pageRows:
// it calls page with each page's size n until page reports no more rows
// past its own, or the limit is reached.
func pages(limit int, page func(n int) (rows int, more bool, err error)) error {
	done := 0
	for {
		n := pageRows
		if limit > 0 {
			n = min(n, limit-done)
		}
		rows, more, err := page(n)
		if err != nil {
			return err
		}
		done += rows
		if !more || limit > 0 && done >= limit {
			return nil
		}
	}
}

// collect gathers up to n rows of a cursor in one transaction, fewer if
// that takes pageTime; errs gives the cursor's errors their exit codes.
func collect[T any](all iter.Seq2[T, error], n int, errs func(error) error) ([]T, error) {
	start := time.Now()
	var rows []T
	for x, err := range all {
		if err != nil {
			return nil, errs(err)
		}
		rows = append(rows, x)
		if len(rows) < n && time.Since(start) >= pageTime {
			break
		}
	}
	return rows, nil
}
