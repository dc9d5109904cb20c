package embedded

import (
	"testing"

	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/layertest"
)

// TestConformance runs the layer conformance suite on a fresh in-memory
// database per subtest.
func TestConformance(t *testing.T) {
	layertest.Run(t, func(t *testing.T) layer.DB {
		db, err := OpenMemory()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	})
}

// TestConformanceDisk runs the suite on one on-disk database shared by
// every subtest, as a long-lived database would be.
func TestConformanceDisk(t *testing.T) {
	db, err := OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	layertest.Run(t, func(t *testing.T) layer.DB { return db })
}
