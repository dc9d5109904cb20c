// Command cache is a write-through cache: writers update the record and its
// cached copy in one transaction, readers read through the cache and fill
// it on a miss, and the cache never disagrees with the record.
//
//	go run ./examples/cache [-db mem:] [-workers 8]
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/strata-db/strata/examples/internal/example"
	"github.com/strata-db/strata/kv"
	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/subspace"
	"github.com/strata-db/strata/layer/tuple"
)

func main() {
	workers := flag.Int("workers", 8, "concurrent writers and as many readers")
	example.Main(func(ctx context.Context, db layer.DB, out io.Writer) error {
		return run(ctx, db, out, *workers)
	})
}

// Catalog keeps product prices (the records) and a cache of them with a
// TTL, as an application would keep a slow store behind a fast one.
type Catalog struct {
	records *kv.Store
	cache   *kv.Store
}

// SetPrice writes the record and the cached copy in one transaction: no
// reader can see one without the other.
func (c Catalog) SetPrice(tx layer.Tx, product string, price []byte) error {
	if _, err := c.records.Put(tx, product, price, kv.PutOptions{}); err != nil {
		return err
	}
	_, err := c.cache.Put(tx, product, price, kv.PutOptions{})
	return err
}

// Price reads through the cache; on a miss it reads the record and fills
// the cache. hit reports whether the cache had it.
func (c Catalog) Price(tx layer.Tx, product string) (price []byte, hit bool, err error) {
	it, err := c.cache.Get(tx, product)
	if err == nil {
		return it.Value, true, nil
	}
	if !errors.Is(err, kv.ErrNotFound) {
		return nil, false, err
	}
	rec, err := c.records.Get(tx, product)
	if err != nil {
		return nil, false, err
	}
	// The fill commits only if the record is still what was read: a writer
	// that changed it meanwhile makes this transaction retry, so a stale
	// price never lands in the cache.
	_, err = c.cache.Put(tx, product, rec.Value, kv.PutOptions{})
	return rec.Value, false, err
}

func run(ctx context.Context, db layer.DB, out io.Writer, workers int) error {
	root := subspace.FromTuple(tuple.Tuple{"examples", "cache"})
	c := Catalog{
		records: kv.New(root.Sub("records"), kv.Options{}),
		cache:   kv.New(root.Sub("cache"), kv.Options{DefaultTTL: time.Minute}),
	}
	const products, rounds = 10, 20
	name := func(i int) string { return fmt.Sprintf("product-%d", i) }
	var wg sync.WaitGroup
	errs := make(chan error, 2*workers)
	var mu sync.Mutex
	hits, misses := 0, 0
	for w := range workers {
		wg.Go(func() { // a writer
			for r := range rounds {
				p := name((w + r) % products)
				_, err := layer.Transact(ctx, db, func(tx layer.Tx) (struct{}, error) {
					return struct{}{}, c.SetPrice(tx, p, fmt.Appendf(nil, "%d.%02d", w, r))
				})
				if err != nil {
					errs <- err
					return
				}
			}
		})
		wg.Go(func() { // a reader, which also evicts now and then
			for r := range rounds {
				p := name((w*3 + r) % products)
				_, err := layer.Transact(ctx, db, func(tx layer.Tx) (struct{}, error) {
					if r%5 == 0 {
						if _, err := c.cache.Delete(tx, p, kv.DeleteOptions{}); err != nil {
							return struct{}{}, err
						}
					}
					price, hit, err := c.Price(tx, p)
					if err != nil {
						if errors.Is(err, kv.ErrNotFound) {
							return struct{}{}, nil // not written yet
						}
						return struct{}{}, err
					}
					rec, err := c.records.Get(tx, p)
					if err != nil {
						return struct{}{}, err
					}
					if !bytes.Equal(price, rec.Value) {
						return struct{}{}, fmt.Errorf("%s: cache says %s, record %s", p, price, rec.Value)
					}
					mu.Lock()
					if hit {
						hits++
					} else {
						misses++
					}
					mu.Unlock()
					return struct{}{}, nil
				})
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	same, err := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) (int, error) {
		n := 0
		for i := range products {
			a, errA := c.records.Get(tx, name(i))
			b, errB := c.cache.Get(tx, name(i))
			if errA == nil && errB == nil && bytes.Equal(a.Value, b.Value) {
				n++
			}
		}
		return n, nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "reads served: %d (every one equal to the record)\n", hits+misses)
	fmt.Fprintf(out, "cache entries equal to their record: %d of %d\n", same, products)
	return nil
}
