package layer

// Ready returns a Future already resolved to v and err. Engines whose reads
// complete at once return it.
func Ready[T any](v T, err error) Future[T] { return readyFuture[T]{v, err} }

type readyFuture[T any] struct {
	v   T
	err error
}

func (f readyFuture[T]) Get() (T, error) { return f.v, f.err }

// GetAll issues a read for every key before waiting for any, so that on
// FoundationDB the reads run in parallel, and returns the values in the
// keys' order (nil for absent keys).
func GetAll(tx ReadTx, keys [][]byte) ([][]byte, error) {
	futures := make([]Future[[]byte], len(keys))
	for i, k := range keys {
		futures[i] = tx.Get(k)
	}
	values := make([][]byte, len(keys))
	for i, f := range futures {
		v, err := f.Get()
		if err != nil {
			return nil, err
		}
		values[i] = v
	}
	return values, nil
}
