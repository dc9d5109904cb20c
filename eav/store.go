package eav

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/subspace"
	"github.com/strata-db/strata/layer/tuple"
	"github.com/strata-db/strata/tuplestore"
)

// Store is a document store over a subspace. It is a description (the
// subspace and, once registered, a name); it holds no data and no
// transaction, and is safe to share between goroutines. Its methods take
// the caller's transaction, never commit and never retry.
type Store struct {
	ss   subspace.Subspace
	meta []byte // (0): configuration and job records
	hdr  []byte // (1, id): document headers
	data []byte // (2, id, attribute): values
	idx  []byte // (3, attribute, value, id): index entries
	name string
}

// New returns the store kept under ss. Nothing is read or written: a
// store exists by its keys, and one with no recorded configuration indexes
// every attribute.
func New(ss subspace.Subspace) *Store {
	return &Store{
		ss:   ss,
		meta: ss.Sub(0).Bytes(),
		hdr:  ss.Sub(1).Bytes(),
		data: ss.Sub(2).Bytes(),
		idx:  ss.Sub(3).Bytes(),
	}
}

// Subspace returns the subspace the store's keys live under.
func (s *Store) Subspace() subspace.Subspace { return s.ss }

// Name returns the name the store was registered with, or "".
func (s *Store) Name() string { return s.name }

// String names the store.
func (s *Store) String() string {
	if s.name != "" {
		return fmt.Sprintf("eav store %q (%s)", s.name, s.ss)
	}
	return fmt.Sprintf("eav store (%s)", s.ss)
}

func cat(parts ...[]byte) []byte {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	b := make([]byte, 0, n)
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

func (s *Store) hdrKey(id []byte) []byte             { return cat(s.hdr, id) }
func (s *Store) dataKey(id, attr []byte) []byte      { return cat(s.data, id, attr) }
func (s *Store) idxKey(attr, item, id []byte) []byte { return cat(s.idx, attr, item, id) }

// dataRange returns the data keys of one document.
func (s *Store) dataRange(id []byte) layer.KeyRange {
	p := cat(s.data, id)
	return layer.KeyRange{Begin: append(slices.Clip(p), 0x00), End: append(p, 0xff)}
}

// header is a document's header: its size and its attribute names.
type header struct {
	size  int
	names []string // sorted
}

func parseHeader(v []byte) (header, error) {
	t, err := tuple.Unpack(v)
	if err != nil || len(t) < 1 {
		return header{}, fmt.Errorf("%w: header %q", ErrCorrupt, v)
	}
	size, ok := t[0].(int64)
	if !ok {
		return header{}, fmt.Errorf("%w: header %q", ErrCorrupt, v)
	}
	h := header{size: int(size), names: make([]string, len(t)-1)}
	for i, x := range t[1:] {
		if h.names[i], ok = x.(string); !ok {
			return header{}, fmt.Errorf("%w: header %q", ErrCorrupt, v)
		}
	}
	return h, nil
}

func (h header) encode() []byte {
	t := make(tuple.Tuple, 0, 1+len(h.names))
	t = append(t, h.size)
	for _, n := range h.names {
		t = append(t, n)
	}
	return t.Pack()
}

func (h header) has(name string) bool {
	_, ok := slices.BinarySearch(h.names, name)
	return ok
}

// baseSize is the size of a document without attributes: its header key
// and the fixed part of its value.
func (s *Store) baseSize(id []byte) int { return len(s.hdr) + len(id) + 10 }

// attrSize is what one attribute adds to a document's size: its name in
// the header, its data key and value, and an index key per distinct item
// whether the attribute is indexed or not, so that the size does not
// depend on the index rules (but not for an item too long to be indexed
// at all).
func (s *Store) attrSize(id, attr, value []byte, items [][]byte) int {
	n := len(attr) + len(s.data) + len(id) + len(attr) + len(value)
	for _, it := range items {
		if k := s.idxKeyLen(id, attr, it); k <= layer.MaxKeySize {
			n += k
		}
	}
	return n
}

func (s *Store) idxKeyLen(id, attr, item []byte) int {
	return len(s.idx) + len(attr) + len(item) + len(id)
}

// stored is the current value of one attribute, as read.
type stored struct {
	value []byte
}

// change is one attribute's transition in a write: from old (nil: absent)
// to new (nil: removed).
type change struct {
	attr     string
	attrItem []byte
	old      []byte
	new      *field
}

// doc is the state of one document during a write.
type doc struct {
	id     ID
	idItem []byte
	exists bool
	h      header
}

// apply writes changes to a document: data keys, exactly the index entries
// that differ between the old and the new values of indexed attributes,
// and the header with its new names and size. It checks the new size, and
// the index key size of the new items of indexed attributes, before it
// writes anything.
func (s *Store) apply(tx layer.Tx, d *doc, cfg config, changes []change) error {
	h := d.h
	if !d.exists {
		h = header{size: s.baseSize(d.idItem)}
	}
	names := make(map[string]bool, len(h.names)+len(changes))
	for _, n := range h.names {
		names[n] = true
	}
	size := h.size
	type work struct {
		c                change
		indexed          bool
		oldItems, newSet [][]byte
	}
	slices.SortFunc(changes, func(a, b change) int { return strings.Compare(a.attr, b.attr) })
	todo := make([]work, 0, len(changes))
	for _, c := range changes {
		if c.attrItem == nil {
			c.attrItem, _ = tuplestore.EncodeItem(c.attr)
		}
		if c.new != nil && c.old != nil && bytes.Equal(c.new.value, c.old) {
			continue // unchanged: nothing to write
		}
		w := work{c: c, indexed: cfg.indexed(c.attr)}
		if c.old != nil {
			items, err := distinctItems(c.old)
			if err != nil {
				return err
			}
			w.oldItems = items
			size -= s.attrSize(d.idItem, c.attrItem, c.old, items)
			delete(names, c.attr)
		}
		if c.new != nil {
			size += s.attrSize(d.idItem, c.attrItem, c.new.value, c.new.items)
			names[c.attr] = true
		}
		todo = append(todo, w)
	}
	if size > MaxDocumentSize {
		return fmt.Errorf("%w: document %s would take %d bytes (values, data keys and one index key per value), the limit is %d; "+
			"keep large content in the blob layer (package blob)", ErrDocumentTooLarge, FormatID(d.id), size, MaxDocumentSize)
	}
	for _, w := range todo {
		if !w.indexed || w.c.new == nil {
			continue
		}
		for _, it := range w.c.new.items {
			if n := s.idxKeyLen(d.idItem, w.c.attrItem, it); n > layer.MaxKeySize {
				return &AttrError{Attr: w.c.attr, Err: ErrIndexKeyTooLarge, Detail: fmt.Sprintf(
					"a value of %d bytes encoded makes an index key of %d bytes, over the %d-byte key limit; "+
						"index fewer attributes (DropIndex, AddIndex) or keep long values in the blob layer (package blob)",
					len(it), n, layer.MaxKeySize)}
			}
		}
	}
	nh := header{size: size, names: make([]string, 0, len(names))}
	for n := range names {
		nh.names = append(nh.names, n)
	}
	slices.Sort(nh.names)
	hv := nh.encode()
	if len(hv) > layer.MaxValueSize {
		return fmt.Errorf("%w: document %s has %d attributes whose names take %d bytes; they must fit in %d",
			ErrDocumentTooLarge, FormatID(d.id), len(nh.names), len(hv), layer.MaxValueSize)
	}
	for _, w := range todo {
		c := w.c
		if w.indexed {
			var keep map[string]bool
			if c.new != nil {
				keep = make(map[string]bool, len(c.new.items))
				for _, it := range c.new.items {
					keep[string(it)] = true
				}
			}
			had := make(map[string]bool, len(w.oldItems))
			for _, it := range w.oldItems {
				had[string(it)] = true
				if !keep[string(it)] {
					tx.Clear(s.idxKey(c.attrItem, it, d.idItem))
				}
			}
			if c.new != nil {
				// Kept entries are rewritten only when their mark changes.
				mark := entryMark(c.new.items)
				rewrite := c.old != nil && (len(w.oldItems) > 1) != (len(c.new.items) > 1)
				for _, it := range c.new.items {
					if !had[string(it)] || rewrite {
						tx.Set(s.idxKey(c.attrItem, it, d.idItem), mark)
					}
				}
			}
		}
		if c.new == nil {
			tx.Clear(s.dataKey(d.idItem, c.attrItem))
		} else {
			tx.Set(s.dataKey(d.idItem, c.attrItem), c.new.value)
		}
	}
	tx.Set(s.hdrKey(d.idItem), hv)
	d.exists, d.h = true, nh
	return nil
}

// multiMark is the value of the index entries of an attribute with
// several distinct values: a query driven by such an entry reads the
// document's value to yield its id once. The entries of an attribute with
// one value have the empty value.
var multiMark = []byte{1}

func entryMark(items [][]byte) []byte {
	if len(items) > 1 {
		return multiMark
	}
	return nil
}

// checkValues refuses values over FoundationDB's value limit, before
// anything is read.
func checkValues(fields []field) error {
	for _, f := range fields {
		if len(f.value) > layer.MaxValueSize {
			what := "value"
			if f.value[0] == listMarker {
				what = "list"
			}
			return &AttrError{Attr: f.attr, Err: ErrValueTooLarge, Detail: fmt.Sprintf(
				"the %s takes %d bytes encoded, over the %d-byte limit of one value; "+
					"store large content in the blob layer (package blob) and keep its hash in the document",
				what, len(f.value), layer.MaxValueSize)}
		}
	}
	return nil
}

// prepare checks an id and a document for a write.
func prepare(id ID, d Document) (ID, []byte, []field, error) {
	idv, idItem, err := normID(id)
	if err != nil {
		return nil, nil, nil, err
	}
	fields, err := flatten(d)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := checkValues(fields); err != nil {
		return nil, nil, nil, err
	}
	return idv, idItem, fields, nil
}

// Create stores a new document under a new id, a version 7 UUID (time
// ordered), and returns the id. Run in Transact, a retry makes another id.
func (s *Store) Create(tx layer.Tx, d Document) (ID, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return nil, err
	}
	if err := s.CreateWithID(tx, id, d); err != nil {
		return nil, err
	}
	return id, nil
}

// CreateWithID stores a new document under the caller's id. If a document
// has that id, it fails with ErrExists and writes nothing (found merged
// the two documents instead).
//
// Like every write, it checks everything before writing: the id (ErrID),
// the attribute names (ErrAttribute), the values (ErrValue,
// ErrValueTooLarge, ErrIndexKeyTooLarge) and the document's size
// (ErrDocumentTooLarge).
func (s *Store) CreateWithID(tx layer.Tx, id ID, d Document) error {
	idv, idItem, fields, err := prepare(id, d)
	if err != nil {
		return err
	}
	hf := tx.Get(s.hdrKey(idItem))
	cf := s.readConfig(tx)
	hv, err := hf.Get()
	if err != nil {
		return err
	}
	if hv != nil {
		return fmt.Errorf("%w: %s", ErrExists, FormatID(idv))
	}
	cfg, err := cf()
	if err != nil {
		return err
	}
	changes := make([]change, len(fields))
	for i := range fields {
		changes[i] = change{attr: fields[i].attr, new: &fields[i]}
	}
	return s.apply(tx, &doc{id: idv, idItem: idItem}, cfg, changes)
}

// readDoc reads a document's header and all of its values (one point read
// and one range read, issued together).
func (s *Store) readDoc(tx layer.ReadTx, idv ID, idItem []byte) (*doc, map[string][]byte, error) {
	hf := tx.Get(s.hdrKey(idItem))
	kvs, err := tx.GetRange(s.dataRange(idItem), layer.RangeOptions{Mode: layer.StreamingModeWantAll}).Slice()
	if err != nil {
		return nil, nil, err
	}
	hv, err := hf.Get()
	if err != nil {
		return nil, nil, err
	}
	d := &doc{id: idv, idItem: idItem}
	if hv == nil {
		if len(kvs) > 0 {
			return nil, nil, fmt.Errorf("%w: document %s has values but no header", ErrCorrupt, FormatID(idv))
		}
		return d, nil, nil
	}
	if d.h, err = parseHeader(hv); err != nil {
		return nil, nil, err
	}
	d.exists = true
	values := make(map[string][]byte, len(kvs))
	prefix := len(s.data) + len(idItem)
	for _, kv := range kvs {
		a, err := tuplestore.DecodeItem(kv.Key[prefix:])
		name, ok := a.(string)
		if err != nil || !ok {
			return nil, nil, fmt.Errorf("%w: key %q", ErrCorrupt, kv.Key)
		}
		values[name] = kv.Value
	}
	if len(values) != len(d.h.names) {
		return nil, nil, fmt.Errorf("%w: document %s: header lists %d attributes, %d stored", ErrCorrupt, FormatID(idv), len(d.h.names), len(values))
	}
	return d, values, nil
}

// Get returns the document with the id, nested (see Document), or
// ErrNotFound. Its values have the types listed in the package
// documentation.
func (s *Store) Get(tx layer.ReadTx, id ID) (Document, error) {
	idv, idItem, err := normID(id)
	if err != nil {
		return nil, err
	}
	d, values, err := s.readDoc(tx, idv, idItem)
	if err != nil {
		return nil, err
	}
	if !d.exists {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, FormatID(idv))
	}
	return build(values)
}

func build(values map[string][]byte) (Document, error) {
	flat := make(map[string]any, len(values))
	for name, v := range values {
		x, err := decodeValue(v)
		if err != nil {
			return nil, fmt.Errorf("attribute %q: %w", name, err)
		}
		flat[name] = x
	}
	return nest(flat), nil
}

// MultiGet returns the documents with the ids, in the ids' order, with nil
// for an id that has no document. It reads in two rounds of point reads,
// each issued at once before any is waited for, so that on FoundationDB
// their round trips overlap: the headers, then every value of every
// document found.
func (s *Store) MultiGet(tx layer.ReadTx, ids []ID) ([]Document, error) {
	items := make([][]byte, len(ids))
	idvs := make([]ID, len(ids))
	hfs := make([]layer.Future[[]byte], len(ids))
	for i, id := range ids {
		idv, item, err := normID(id)
		if err != nil {
			return nil, err
		}
		idvs[i], items[i] = idv, item
		hfs[i] = tx.Get(s.hdrKey(item))
	}
	type pending struct {
		names []string
		futs  []layer.Future[[]byte]
	}
	ps := make([]*pending, len(ids))
	for i, f := range hfs {
		hv, err := f.Get()
		if err != nil {
			return nil, err
		}
		if hv == nil {
			continue
		}
		h, err := parseHeader(hv)
		if err != nil {
			return nil, err
		}
		ps[i] = &pending{names: h.names}
	}
	for i, p := range ps {
		if p == nil {
			continue
		}
		p.futs = make([]layer.Future[[]byte], len(p.names))
		for j, n := range p.names {
			p.futs[j] = tx.Get(s.dataKey(items[i], item(n)))
		}
	}
	out := make([]Document, len(ids))
	for i, p := range ps {
		if p == nil {
			continue
		}
		values := make(map[string][]byte, len(p.names))
		for j, f := range p.futs {
			v, err := f.Get()
			if err != nil {
				return nil, err
			}
			if v == nil {
				return nil, fmt.Errorf("%w: document %s: attribute %q listed in the header is missing", ErrCorrupt, FormatID(idvs[i]), p.names[j])
			}
			values[p.names[j]] = v
		}
		d, err := build(values)
		if err != nil {
			return nil, err
		}
		out[i] = d
	}
	return out, nil
}

// Exists reports whether a document has the id: one point read.
func (s *Store) Exists(tx layer.ReadTx, id ID) (bool, error) {
	_, idItem, err := normID(id)
	if err != nil {
		return false, err
	}
	v, err := tx.Get(s.hdrKey(idItem)).Get()
	return v != nil, err
}

// Replace replaces the document with the id by d, or fails with
// ErrNotFound. Attributes whose value is unchanged are not rewritten;
// the others' old index entries are cleared and their new ones written.
func (s *Store) Replace(tx layer.Tx, id ID, d Document) error {
	idv, idItem, fields, err := prepare(id, d)
	if err != nil {
		return err
	}
	cf := s.readConfig(tx)
	cur, values, err := s.readDoc(tx, idv, idItem)
	if err != nil {
		return err
	}
	if !cur.exists {
		return fmt.Errorf("%w: %s", ErrNotFound, FormatID(idv))
	}
	cfg, err := cf()
	if err != nil {
		return err
	}
	changes := make([]change, 0, len(fields)+len(values))
	for i := range fields {
		f := &fields[i]
		changes = append(changes, change{attr: f.attr, old: values[f.attr], new: f})
		delete(values, f.attr)
	}
	for name, v := range values {
		changes = append(changes, change{attr: name, old: v})
	}
	return s.apply(tx, cur, cfg, changes)
}

// within reports whether the path b is a or inside it ("a.b" is within
// "a").
func within(b, a string) bool {
	return strings.HasPrefix(b, a) && (len(a) == len(b) || b[len(a)] == '.')
}

// related reports whether two paths are the same or one is inside the
// other ("a" and "a.b").
func related(a, b string) bool { return within(a, b) || within(b, a) }

// pointWrite runs UpsertFields and DeleteFields: it reads the header, the
// configuration and the current values of the named attributes together,
// then those of the other attributes the header lists that match one of
// them (see related and within), and applies the changes that mk returns.
func (s *Store) pointWrite(tx layer.Tx, idv ID, idItem []byte, attrs []string, create bool,
	match func(name, attr string) bool, mk func(old map[string][]byte) []change) error {
	hf := tx.Get(s.hdrKey(idItem))
	cf := s.readConfig(tx)
	futs := make(map[string]layer.Future[[]byte], len(attrs))
	for _, a := range attrs {
		item, _ := tuplestore.EncodeItem(a)
		futs[a] = tx.Get(s.dataKey(idItem, item))
	}
	hv, err := hf.Get()
	if err != nil {
		return err
	}
	d := &doc{id: idv, idItem: idItem}
	if hv == nil {
		if !create {
			return fmt.Errorf("%w: %s", ErrNotFound, FormatID(idv))
		}
	} else {
		if d.h, err = parseHeader(hv); err != nil {
			return err
		}
		d.exists = true
		// Attributes related to the named ones, read in a second round.
		for _, n := range d.h.names {
			if _, ok := futs[n]; ok {
				continue
			}
			for _, a := range attrs {
				if match(n, a) {
					item, _ := tuplestore.EncodeItem(n)
					futs[n] = tx.Get(s.dataKey(idItem, item))
					break
				}
			}
		}
	}
	old := make(map[string][]byte, len(futs))
	for n, f := range futs {
		v, err := f.Get()
		if err != nil {
			return err
		}
		if v != nil {
			old[n] = v
		} else if d.h.has(n) {
			return fmt.Errorf("%w: document %s: attribute %q listed in the header is missing", ErrCorrupt, FormatID(idv), n)
		}
	}
	cfg, err := cf()
	if err != nil {
		return err
	}
	return s.apply(tx, d, cfg, mk(old))
}

// UpsertFields sets the attributes of fields in the document with the id,
// creating the document if there is none. Other attributes stay, except
// those a new one takes the place of: setting "a" removes "a.b" and
// setting "a.b" removes a value at "a", so that the document stays a tree.
// Nested maps in fields are flattened: {"a": {"b": 1}} sets "a.b" only.
func (s *Store) UpsertFields(tx layer.Tx, id ID, fields Document) error {
	idv, idItem, fs, err := prepare(id, fields)
	if err != nil {
		return err
	}
	attrs := make([]string, len(fs))
	for i, f := range fs {
		attrs[i] = f.attr
	}
	return s.pointWrite(tx, idv, idItem, attrs, true, related, func(old map[string][]byte) []change {
		changes := make([]change, 0, len(old)+len(fs))
		for i := range fs {
			changes = append(changes, change{attr: fs[i].attr, old: old[fs[i].attr], new: &fs[i]})
		}
		for n, v := range old {
			if !slices.Contains(attrs, n) {
				changes = append(changes, change{attr: n, old: v}) // displaced by a related path
			}
		}
		return changes
	})
}

// DeleteFields removes attributes from the document with the id, or fails
// with ErrNotFound. Removing "a" removes "a" and every attribute under
// it ("a.b"); attributes the document does not have are ignored.
func (s *Store) DeleteFields(tx layer.Tx, id ID, attrs ...string) error {
	idv, idItem, err := normID(id)
	if err != nil {
		return err
	}
	for _, a := range attrs {
		if err := checkAttr(a); err != nil {
			return err
		}
	}
	return s.pointWrite(tx, idv, idItem, attrs, false, within, func(old map[string][]byte) []change {
		changes := make([]change, 0, len(old))
		for n, v := range old {
			changes = append(changes, change{attr: n, old: v})
		}
		return changes
	})
}

// Delete removes the document with the id and its index entries, and
// reports whether there was one. Deleting an absent document does
// nothing, so a retried Delete is harmless.
func (s *Store) Delete(tx layer.Tx, id ID) (bool, error) {
	idv, idItem, err := normID(id)
	if err != nil {
		return false, err
	}
	cf := s.readConfig(tx)
	cur, values, err := s.readDoc(tx, idv, idItem)
	if err != nil || !cur.exists {
		return false, err
	}
	cfg, err := cf()
	if err != nil {
		return false, err
	}
	for name, v := range values {
		if !cfg.indexed(name) {
			continue
		}
		items, err := distinctItems(v)
		if err != nil {
			return false, err
		}
		a, _ := tuplestore.EncodeItem(name)
		for _, it := range items {
			tx.Clear(s.idxKey(a, it, idItem))
		}
	}
	tx.ClearRange(s.dataRange(idItem))
	tx.Clear(s.hdrKey(idItem))
	return true, nil
}
