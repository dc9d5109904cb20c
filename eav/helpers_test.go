package eav

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/strata-db/strata/internal/testdb"
	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/tuple"
)

// newStore opens the test database and a store under the test's subspace.
func newStore(t testing.TB) (layer.DB, *Store) {
	t.Helper()
	db := testdb.Open(t)
	return db, New(testdb.Subspace(t, db))
}

func writeErr(db layer.DB, fn func(tx layer.Tx) error) error {
	_, err := layer.Transact(context.Background(), db, func(tx layer.Tx) (struct{}, error) {
		return struct{}{}, fn(tx)
	})
	return err
}

func create(t testing.TB, db layer.DB, s *Store, d Document) ID {
	t.Helper()
	id, err := layer.Transact(context.Background(), db, func(tx layer.Tx) (ID, error) { return s.Create(tx, d) })
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func createID(t testing.TB, db layer.DB, s *Store, id ID, d Document) {
	t.Helper()
	testdb.Write(t, db, func(tx layer.Tx) error { return s.CreateWithID(tx, id, d) })
}

func get(t testing.TB, db layer.DB, s *Store, id ID) Document {
	t.Helper()
	d, err := layer.ReadTransact(context.Background(), db, func(tx layer.ReadTx) (Document, error) { return s.Get(tx, id) })
	if err != nil {
		t.Fatalf("Get(%v): %v", FormatID(id), err)
	}
	return d
}

func queryIDs(db layer.DB, s *Store, opts QueryOptions, conds ...Cond) ([]ID, Continuation, error) {
	type res struct {
		ids  []ID
		next Continuation
	}
	r, err := layer.ReadTransact(context.Background(), db, func(tx layer.ReadTx) (res, error) {
		var r res
		cur := s.Query(tx, opts, conds...)
		for id, err := range cur.All() {
			if err != nil {
				return res{}, err
			}
			r.ids = append(r.ids, id)
		}
		r.next = cur.Continuation()
		return r, nil
	})
	return r.ids, r.next, err
}

// query runs a query to its end and returns the ids as sorted strings.
func query(t testing.TB, db layer.DB, s *Store, conds ...Cond) []string {
	t.Helper()
	ids, _, err := queryIDs(db, s, QueryOptions{}, conds...)
	if err != nil {
		t.Fatalf("query %v: %v", conds, err)
	}
	return idStrings(ids)
}

func idStrings(ids []ID) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = FormatID(id)
	}
	sort.Strings(out)
	return out
}

func strs(ids ...ID) []string { return idStrings(ids) }

// dump returns every key of a part of the store (1 headers, 2 data, 3
// index) as a readable tuple, in order.
func dump(t testing.TB, db layer.DB, s *Store, part int) []string {
	t.Helper()
	ss := s.Subspace().Sub(part)
	return testdb.Read(t, db, func(tx layer.ReadTx) ([]string, error) {
		var out []string
		for kv, err := range tx.GetRange(ss.Range(), layer.RangeOptions{}).All() {
			if err != nil {
				return nil, err
			}
			k, err := ss.Unpack(kv.Key)
			if err != nil {
				return nil, err
			}
			out = append(out, k.String())
		}
		return out, nil
	})
}

// checkConsistent verifies the store's invariants from its raw keys: every
// header lists exactly the document's data keys and records its size; the
// index holds exactly one entry per distinct value of every indexed
// attribute (per the store's rules, for ready and building ones alike),
// and nothing else.
func checkConsistent(t testing.TB, db layer.DB, s *Store) {
	t.Helper()
	type state struct {
		cfg     config
		headers map[string]header
		data    map[string]map[string][]byte
		index   [][]byte
		marks   map[string][]byte
	}
	st := testdb.Read(t, db, func(tx layer.ReadTx) (state, error) {
		st := state{headers: map[string]header{}, data: map[string]map[string][]byte{}, marks: map[string][]byte{}}
		var err error
		if st.cfg, err = s.readConfig(tx)(); err != nil {
			return st, err
		}
		hr, _ := subspaceRange(s.hdr)
		for kv, err := range tx.GetRange(hr, layer.RangeOptions{}).All() {
			if err != nil {
				return st, err
			}
			h, err := parseHeader(kv.Value)
			if err != nil {
				return st, err
			}
			st.headers[string(kv.Key[len(s.hdr):])] = h
		}
		dr, _ := subspaceRange(s.data)
		for kv, err := range tx.GetRange(dr, layer.RangeOptions{}).All() {
			if err != nil {
				return st, err
			}
			parts, err := splitKey(kv.Key[len(s.data):], 2)
			if err != nil {
				return st, err
			}
			id, attr := string(parts[0]), parts[1]
			name, err := tuple.Unpack(attr)
			if err != nil {
				return st, err
			}
			if st.data[id] == nil {
				st.data[id] = map[string][]byte{}
			}
			st.data[id][name[0].(string)] = kv.Value
		}
		ir, _ := subspaceRange(s.idx)
		for kv, err := range tx.GetRange(ir, layer.RangeOptions{}).All() {
			if err != nil {
				return st, err
			}
			st.index = append(st.index, kv.Key)
			st.marks[string(kv.Key)] = kv.Value
		}
		return st, nil
	})
	// Entries of ready rules must be exactly those of the values; entries
	// of rules being built, a subset of them (the BuildIndex job adds the
	// others).
	var want, building [][]byte
	for id, h := range st.headers {
		values := st.data[id]
		var names []string
		size := s.baseSize([]byte(id))
		for n, v := range values {
			names = append(names, n)
			items, err := distinctItems(v)
			if err != nil {
				t.Fatal(err)
			}
			a := item(n)
			size += s.attrSize([]byte(id), a, v, items)
			if r, ok := st.cfg.rule(n); ok {
				for _, it := range items {
					k := s.idxKey(a, it, []byte(id))
					if m, ok := st.marks[string(k)]; ok && !bytes.Equal(m, entryMark(items)) {
						t.Errorf("index entry %s: mark %q for %d values", showKeys(s, [][]byte{k}), m, len(items))
					}
					if r.Ready {
						want = append(want, k)
					} else {
						building = append(building, k)
					}
				}
			}
		}
		slices.Sort(names)
		if !slices.Equal(names, h.names) {
			t.Errorf("document %q: header lists %q, data holds %q", id, h.names, names)
		}
		if size != h.size {
			t.Errorf("document %q: header size %d, computed %d", id, h.size, size)
		}
	}
	for id := range st.data {
		if _, ok := st.headers[id]; !ok {
			t.Errorf("data of document %q without a header", id)
		}
	}
	slices.SortFunc(want, bytes.Compare)
	slices.SortFunc(building, bytes.Compare)
	var ready, partial [][]byte
	for _, k := range st.index {
		parts, err := splitItemsN(k[len(s.idx):])
		if err != nil || len(parts) != 3 {
			t.Fatalf("index key %q: %v", k, err)
		}
		name, _ := tuple.Unpack(parts[0])
		if r, ok := st.cfg.rule(name[0].(string)); ok && !r.Ready {
			partial = append(partial, k)
		} else {
			ready = append(ready, k)
		}
	}
	if !slices.EqualFunc(want, ready, bytes.Equal) {
		t.Errorf("index entries differ from the documents:\n got %s\nwant %s", showKeys(s, ready), showKeys(s, want))
	}
	for _, k := range partial {
		if _, ok := slices.BinarySearchFunc(building, k, bytes.Compare); !ok {
			t.Errorf("stale entry %s of an index being built", showKeys(s, [][]byte{k}))
		}
	}
}

func splitKey(b []byte, n int) ([][]byte, error) {
	parts, err := splitItemsN(b)
	if err != nil || len(parts) != n {
		return nil, fmt.Errorf("key %q: %d parts, %v", b, len(parts), err)
	}
	return parts, nil
}

func splitItemsN(b []byte) ([][]byte, error) {
	var out [][]byte
	t, err := tuple.Unpack(b)
	if err != nil {
		return nil, err
	}
	for _, e := range t {
		out = append(out, tuple.Tuple{e}.Pack())
	}
	return out, nil
}

func showKeys(s *Store, keys [][]byte) string {
	var out []string
	for _, k := range keys {
		if t, err := tuple.Unpack(k[len(s.idx):]); err == nil {
			out = append(out, t.String())
		} else {
			out = append(out, fmt.Sprintf("%q", k))
		}
	}
	return "[" + strings.Join(out, " ") + "]"
}
