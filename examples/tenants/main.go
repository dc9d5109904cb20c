// Command tenants serves several tenants from one store: each tenant's
// store is scoped to its own subspace, tenants write the same keys at the
// same time, and none can read or change another's data.
//
//	go run ./examples/tenants [-db mem:] [-tenants 4]
package main

import (
	"context"
	"errors"
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
	tenants := flag.Int("tenants", 4, "tenants")
	example.Main(func(ctx context.Context, db layer.DB, out io.Writer) error {
		return run(ctx, db, out, *tenants)
	})
}

// Quota is how many keys a tenant may hold; a per-tenant counter tracks
// usage in the same transaction as the write, so it is never exceeded.
const Quota = 20

var errQuota = errors.New("quota exceeded")

// PutWithQuota writes key for a tenant, counting new keys against the
// tenant's quota.
func PutWithQuota(tx layer.Tx, t *kv.Store, key string, value []byte) error {
	used, err := t.Counter("keys")
	if err != nil {
		return err
	}
	if _, err := t.Put(tx, key, value, kv.PutOptions{IfAbsent: true}); err == nil {
		n, err := used.Get(tx)
		if err != nil {
			return err
		}
		if n >= Quota {
			return errQuota
		}
		used.Add(tx, 1)
		return nil
	} else if !errors.Is(err, kv.ErrAlreadyExists) {
		return err
	}
	_, err = t.Put(tx, key, value, kv.PutOptions{IfPresent: true})
	return err
}

func run(ctx context.Context, db layer.DB, out io.Writer, tenants int) error {
	root := kv.New(subspace.FromTuple(tuple.Tuple{"examples", "tenants"}), kv.Options{})
	stores := make([]*kv.Store, tenants)
	for i := range stores {
		var err error
		if stores[i], err = root.Tenant(fmt.Sprintf("tenant-%d", i)); err != nil {
			return err
		}
	}
	// Every tenant writes the same 25 keys at once; the quota stops it
	// at 20.
	var wg sync.WaitGroup
	refused := make([]int, tenants)
	errs := make(chan error, tenants)
	for i, t := range stores {
		wg.Go(func() {
			for k := range 25 {
				_, err := layer.Transact(ctx, db, func(tx layer.Tx) (struct{}, error) {
					return struct{}{}, PutWithQuota(tx, t, fmt.Sprintf("config:%02d", k), fmt.Appendf(nil, "tenant %d's value", i))
				})
				switch {
				case errors.Is(err, errQuota):
					refused[i]++
				case err != nil:
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
	isolated := true
	for i, t := range stores {
		page, err := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) (kv.ScanPage, error) { return t.Scan(tx, kv.ScanOptions{}) })
		if err != nil {
			return err
		}
		for _, it := range page.Items {
			if string(it.Value) != fmt.Sprintf("tenant %d's value", i) {
				isolated = false
			}
		}
		fmt.Fprintf(out, "tenant-%d: %d keys, %d writes refused by quota\n", i, len(page.Items), refused[i])
	}
	// The parent store sees none of its tenants' keys.
	page, err := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) (kv.ScanPage, error) { return root.Scan(tx, kv.ScanOptions{}) })
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "every tenant sees only its own values: %v\nkeys visible to the parent store: %d\n", isolated, len(page.Items))
	return nil
}
