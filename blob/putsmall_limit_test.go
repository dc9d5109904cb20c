package blob

import (
	"context"
	"crypto/rand"
	"errors"
	"testing"

	"github.com/strata-db/strata/layer"
)

// With small chunks each chunk carries hundreds of bytes of transaction
// overhead: PutSmall of 2 MiB in 64/128/256-byte chunks used to fail with
// 2101. It now fails up front with ErrTooLarge, and smaller blobs fit.
func TestPutSmallSmallChunksBounded(t *testing.T) {
	db, s := newStore(t, Config{MinChunk: 64, AvgChunk: 128, MaxChunk: 256})
	data := make([]byte, 2<<20)
	rand.Read(data)
	put := func(b []byte) error {
		_, err := layer.Transact(context.Background(), db, func(tx layer.Tx) (Info, error) {
			return s.PutSmall(tx, b)
		})
		return err
	}
	if err := put(data); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("PutSmall of 2 MiB in small chunks: %v, want ErrTooLarge", err)
	}
	if err := put(data[:128<<10]); err != nil {
		t.Fatalf("PutSmall of 128 KiB in small chunks: %v", err)
	}
}
