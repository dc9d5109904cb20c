// Command inventory reserves stock for many concurrent buyers and never
// oversells: each reservation checks the stock and takes one unit in one
// transaction.
//
//	go run ./examples/inventory [-db mem:] [-stock 50] [-buyers 64]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/strata-db/strata/examples/internal/example"
	"github.com/strata-db/strata/kv"
	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/subspace"
	"github.com/strata-db/strata/layer/tuple"
)

func main() {
	stock := flag.Int("stock", 50, "units in stock")
	buyers := flag.Int("buyers", 64, "concurrent buyers")
	example.Main(func(ctx context.Context, db layer.DB, out io.Writer) error {
		return run(ctx, db, out, *stock, *buyers)
	})
}

// errSoldOut ends a buyer's transaction without committing anything.
var errSoldOut = errors.New("sold out")

// Inventory keeps a product's stock in a counter and its reservations in a
// hash (buyer -> quantity).
type Inventory struct {
	s     *kv.Store
	stock kv.Counter
}

// Reserve takes one unit for buyer, or fails with errSoldOut. The strict
// read of the stock makes two buyers that saw the same last unit conflict:
// one commits, the other retries, sees 0, and gets errSoldOut.
func (inv Inventory) Reserve(tx layer.Tx, buyer string) error {
	n, err := inv.stock.Get(tx)
	if err != nil {
		return err
	}
	if n <= 0 {
		return errSoldOut
	}
	inv.stock.Add(tx, -1)
	return inv.s.HSet(tx, "reservations", buyer, []byte("1"))
}

func run(ctx context.Context, db layer.DB, out io.Writer, stock, buyers int) error {
	s := kv.New(subspace.FromTuple(tuple.Tuple{"examples", "inventory"}), kv.Options{})
	c, err := s.Counter("stock:widget")
	if err != nil {
		return err
	}
	inv := Inventory{s: s, stock: c}
	if _, err := layer.Transact(ctx, db, func(tx layer.Tx) (struct{}, error) {
		c.Set(tx, int64(stock))
		return struct{}{}, nil
	}); err != nil {
		return err
	}
	var got, soldOut atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, buyers)
	for i := range buyers {
		wg.Go(func() {
			_, err := layer.Transact(ctx, db, func(tx layer.Tx) (struct{}, error) {
				return struct{}{}, inv.Reserve(tx, fmt.Sprintf("buyer-%02d", i))
			})
			switch {
			case err == nil:
				got.Add(1)
			case errors.Is(err, errSoldOut):
				soldOut.Add(1)
			default:
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	type final struct {
		left         int64
		reservations int
	}
	f, err := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) (final, error) {
		left, err := c.Get(tx)
		if err != nil {
			return final{}, err
		}
		r, err := s.HGetAll(tx, "reservations")
		return final{left, len(r)}, err
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "reserved: %d\nsold out: %d\nleft in stock: %d\nreservations recorded: %d\n", got.Load(), soldOut.Load(), f.left, f.reservations)
	if f.left < 0 || int(got.Load()) != f.reservations || int(got.Load())+int(f.left) != stock {
		return fmt.Errorf("oversold: %d reserved, %d left of %d", got.Load(), f.left, stock)
	}
	return nil
}
