// Command counter counts page views from many concurrent workers, with a
// plain counter and a sharded one, and prints the exact totals.
//
//	go run ./examples/counter [-db mem:] [-workers 16] [-views 100]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"sync"

	"github.com/strata-db/strata/examples/internal/example"
	"github.com/strata-db/strata/kv"
	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/subspace"
	"github.com/strata-db/strata/layer/tuple"
)

func main() {
	workers := flag.Int("workers", 16, "concurrent workers")
	views := flag.Int("views", 100, "views per worker")
	example.Main(func(ctx context.Context, db layer.DB, out io.Writer) error {
		return run(ctx, db, out, *workers, *views)
	})
}

// run has workers record views page views each, every view in its own
// transaction, on both counters, then prints the totals.
func run(ctx context.Context, db layer.DB, out io.Writer, workers, views int) error {
	s := kv.New(subspace.FromTuple(tuple.Tuple{"examples", "counter"}), kv.Options{})
	plain, err := s.Counter("views")
	if err != nil {
		return err
	}
	hot, err := s.ShardedCounter("views", 8)
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Go(func() {
			for range views {
				// Atomic adds read nothing: these transactions never
				// conflict, however many workers run.
				_, err := layer.Transact(ctx, db, func(tx layer.Tx) (struct{}, error) {
					plain.Add(tx, 1)
					hot.Add(tx, 1)
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
	totals, err := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) ([2]int64, error) {
		a, err := plain.Get(tx)
		if err != nil {
			return [2]int64{}, err
		}
		b, err := hot.Get(tx)
		return [2]int64{a, b}, err
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "counter: %d\nsharded counter: %d\n", totals[0], totals[1])
	return nil
}
