package catalog

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/subspace"
	"github.com/strata-db/strata/layer/tuple"
)

// Root is the catalog the strata command line uses: ("strata", "catalog").
var Root = New(subspace.FromTuple(tuple.Tuple{"strata", "catalog"}))

// MaxNameLen is the longest name, in bytes.
const MaxNameLen = 256

const recordVersion = 1

var (
	// ErrNotFound means no entry has that kind and name.
	ErrNotFound = errors.New("catalog: no such entry")
	// ErrExists means an entry of that kind and name exists already.
	ErrExists = errors.New("catalog: entry exists")
	// ErrOverlap means a prefix that overlaps another entry's or the
	// catalog's own.
	ErrOverlap = errors.New("catalog: prefix overlaps")
	// ErrInvalid means an empty or overlong kind or name, an empty prefix,
	// or column names that do not match the number of columns.
	ErrInvalid = errors.New("catalog: invalid entry")
	// ErrCorrupt means a record the catalog cannot decode.
	ErrCorrupt = errors.New("catalog: malformed record")
)

// Entry describes one named instance of a layer.
type Entry struct {
	// Kind is the layer, such as "tuplestore" or "vnstore".
	Kind string
	// Name is the instance's name, unique within its kind.
	Name string
	// Prefix is the raw prefix of the instance's subspace.
	Prefix []byte
	// N is the number of columns, 0 for layers without columns.
	N int
	// Columns names the columns, or is nil.
	Columns []string
	// Options holds settings the layer defines.
	Options tuple.Tuple
}

// Subspace returns the instance's subspace.
func (e Entry) Subspace() subspace.Subspace { return subspace.New(e.Prefix) }

// Catalog is a catalog kept under a subspace.
type Catalog struct {
	ss subspace.Subspace
}

// New returns the catalog kept under ss.
func New(ss subspace.Subspace) Catalog { return Catalog{ss: ss} }

// Subspace returns the catalog's subspace.
func (c Catalog) Subspace() subspace.Subspace { return c.ss }

func checkName(what, s string) error {
	if s == "" || len(s) > MaxNameLen {
		return fmt.Errorf("%w: %s must be 1 to %d bytes, got %d", ErrInvalid, what, MaxNameLen, len(s))
	}
	return nil
}

func (c Catalog) key(kind, name string) ([]byte, error) {
	if err := checkName("kind", kind); err != nil {
		return nil, err
	}
	if err := checkName("name", name); err != nil {
		return nil, err
	}
	return c.ss.Pack(tuple.Tuple{kind, name})
}

// Create records e. It fails with ErrExists if the kind and name are
// taken, and with ErrOverlap if e's prefix overlaps another entry's or the
// catalog's.
func (c Catalog) Create(tx layer.Tx, e Entry) error {
	key, err := c.key(e.Kind, e.Name)
	if err != nil {
		return err
	}
	if len(e.Prefix) == 0 {
		return fmt.Errorf("%w: empty prefix", ErrInvalid)
	}
	if e.N < 0 || e.Columns != nil && len(e.Columns) != e.N {
		return fmt.Errorf("%w: %d column names for %d columns", ErrInvalid, len(e.Columns), e.N)
	}
	if overlaps(e.Prefix, c.ss.Bytes()) {
		return fmt.Errorf("%w: %s and the catalog's %s", ErrOverlap, subspace.New(e.Prefix), c.ss)
	}
	value, err := encode(e)
	if err != nil {
		return err
	}
	all, err := c.List(tx, "")
	if err != nil {
		return err
	}
	for _, o := range all {
		if o.Kind == e.Kind && o.Name == e.Name {
			return fmt.Errorf("%w: %s %q", ErrExists, e.Kind, e.Name)
		}
		if overlaps(e.Prefix, o.Prefix) {
			return fmt.Errorf("%w: %s and the prefix of %s %q, %s", ErrOverlap, subspace.New(e.Prefix), o.Kind, o.Name, subspace.New(o.Prefix))
		}
	}
	tx.Set(key, value)
	return nil
}

func overlaps(a, b []byte) bool { return bytes.HasPrefix(a, b) || bytes.HasPrefix(b, a) }

// Get returns the entry of that kind and name, or ErrNotFound.
func (c Catalog) Get(tx layer.ReadTx, kind, name string) (Entry, error) {
	key, err := c.key(kind, name)
	if err != nil {
		return Entry{}, err
	}
	v, err := tx.Get(key).Get()
	if err != nil {
		return Entry{}, err
	}
	if v == nil {
		return Entry{}, fmt.Errorf("%w: %s %q", ErrNotFound, kind, name)
	}
	return decode(kind, name, v)
}

// List returns the entries of one kind ("" for every kind), by kind and
// name.
func (c Catalog) List(tx layer.ReadTx, kind string) ([]Entry, error) {
	r := c.ss.Range()
	if kind != "" {
		var err error
		if r, err = c.ss.RangeOf(tuple.Tuple{kind}); err != nil {
			return nil, err
		}
	}
	var out []Entry
	for kv, err := range tx.GetRange(r, layer.RangeOptions{}).All() {
		if err != nil {
			return nil, err
		}
		t, err := c.ss.Unpack(kv.Key)
		if err != nil || len(t) != 2 {
			return nil, fmt.Errorf("%w: key %q", ErrCorrupt, kv.Key)
		}
		k, ok1 := t[0].(string)
		n, ok2 := t[1].(string)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("%w: key %q", ErrCorrupt, kv.Key)
		}
		e, err := decode(k, n, kv.Value)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// Delete removes the entry of that kind and name, or returns ErrNotFound.
// The instance's data stays.
func (c Catalog) Delete(tx layer.Tx, kind, name string) error {
	key, err := c.key(kind, name)
	if err != nil {
		return err
	}
	v, err := tx.Get(key).Get()
	if err != nil {
		return err
	}
	if v == nil {
		return fmt.Errorf("%w: %s %q", ErrNotFound, kind, name)
	}
	tx.Clear(key)
	return nil
}

func encode(e Entry) ([]byte, error) {
	cols := tuple.Tuple{}
	for _, c := range e.Columns {
		cols = append(cols, c)
	}
	opts := e.Options
	if opts == nil {
		opts = tuple.Tuple{}
	}
	b, err := tuple.Tuple{recordVersion, e.Prefix, e.N, cols, opts}.PackChecked()
	if err != nil {
		return nil, fmt.Errorf("%w: options: %v", ErrInvalid, err)
	}
	return b, nil
}

func decode(kind, name string, v []byte) (Entry, error) {
	bad := fmt.Errorf("%w: %s %q", ErrCorrupt, kind, name)
	t, err := tuple.Unpack(v)
	if err != nil || len(t) < 5 {
		return Entry{}, bad
	}
	if ver, ok := t[0].(int64); !ok || ver != recordVersion {
		return Entry{}, fmt.Errorf("%w: %s %q: unknown record format %v", ErrCorrupt, kind, name, t[0])
	}
	prefix, ok1 := t[1].([]byte)
	n, ok2 := t[2].(int64)
	cols, ok3 := t[3].(tuple.Tuple)
	opts, ok4 := t[4].(tuple.Tuple)
	if !ok1 || !ok2 || !(ok3 || t[3] == nil) || !(ok4 || t[4] == nil) || n < 0 {
		return Entry{}, bad
	}
	e := Entry{Kind: kind, Name: name, Prefix: prefix, N: int(n), Options: opts}
	if len(cols) > 0 {
		if len(cols) != int(n) {
			return Entry{}, bad
		}
		for _, c := range cols {
			s, ok := c.(string)
			if !ok {
				return Entry{}, bad
			}
			e.Columns = append(e.Columns, s)
		}
	}
	return e, nil
}
