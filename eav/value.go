package eav

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/strata-db/strata/layer/tuple"
	"github.com/strata-db/strata/tuplestore"
)

// Document is a document: attribute names to values. Values are scalars
// (see the package documentation), lists of scalars (a multi-valued
// attribute) and nested documents, which the store flattens to dotted
// paths: {"address": {"city": "Paris"}} is the attribute "address.city".
// Get returns documents nested again.
type Document map[string]any

// ID identifies a document within a store: a uuid.UUID (Create makes
// version 7 UUIDs), a string or an integer. Ids come back as uuid.UUID,
// string, int64, or uint64 for integers above math.MaxInt64, so that they
// compare with == and serve as map keys.
type ID = any

// Limits of the store, on top of FoundationDB's (layer.MaxKeySize,
// layer.MaxValueSize, layer.DefaultSizeLimit).
const (
	// MaxIDSize is the longest id, in bytes of its tuple encoding.
	MaxIDSize = 256
	// MaxAttributeSize is the longest attribute path, in bytes.
	MaxAttributeSize = 1024
	// MaxDocumentSize bounds a document's size: the bytes it takes with
	// every attribute indexed, that is its header, its data keys and
	// values and one index key per distinct value (see the package
	// documentation). A write of one document then takes at most 3 times
	// that in its transaction (Create), 4 times (Delete) or 7 times
	// (Replace or UpsertFields changing every value), index maintenance
	// and conflict ranges included: under FoundationDB's 10,000,000 bytes.
	MaxDocumentSize = 1_000_000
)

// FormatID renders an id for messages: UUIDs in their 8-4-4-4-12 form,
// strings quoted, integers in decimal.
func FormatID(id ID) string {
	switch v := id.(type) {
	case uuid.UUID:
		return v.String()
	case tuple.UUID:
		return uuid.UUID(v).String()
	case string:
		return strconv.Quote(v)
	}
	return fmt.Sprint(id)
}

// normID checks an id and returns it in its canonical type with its
// packed form.
func normID(id ID) (ID, []byte, error) {
	var v any
	switch x := id.(type) {
	case uuid.UUID:
		v = x
	case tuple.UUID:
		v = uuid.UUID(x)
	case string:
		v = x
	default:
		n, ok := intValue(id)
		if !ok {
			return nil, nil, fmt.Errorf("%w: %T (ids are uuid.UUID, strings and integers)", ErrID, id)
		}
		v = n
	}
	item, err := tuplestore.EncodeItem(v)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrID, err)
	}
	if len(item) > MaxIDSize {
		return nil, nil, fmt.Errorf("%w: %d bytes encoded, the limit is %d", ErrID, len(item), MaxIDSize)
	}
	return v, item, nil
}

// decodeID returns the id whose packed form is item.
func decodeID(item []byte) (ID, error) {
	v, err := tuplestore.DecodeItem(item)
	if err != nil {
		return nil, fmt.Errorf("%w: id %q: %v", ErrCorrupt, item, err)
	}
	switch x := v.(type) {
	case tuple.UUID:
		return uuid.UUID(x), nil
	case string, int64, uint64:
		return x, nil
	}
	return nil, fmt.Errorf("%w: id of type %T", ErrCorrupt, v)
}

// intValue converts the integer kinds to int64, or uint64 above
// math.MaxInt64.
func intValue(v any) (any, bool) {
	switch x := v.(type) {
	case int:
		return int64(x), true
	case int8:
		return int64(x), true
	case int16:
		return int64(x), true
	case int32:
		return int64(x), true
	case int64:
		return x, true
	case uint:
		return uintValue(uint64(x)), true
	case uint8:
		return int64(x), true
	case uint16:
		return int64(x), true
	case uint32:
		return int64(x), true
	case uint64:
		return uintValue(x), true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int(), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return uintValue(rv.Uint()), true
	}
	return nil, false
}

func uintValue(u uint64) any {
	if u <= math.MaxInt64 {
		return int64(u)
	}
	return u
}

// scalar converts a value to the tuple element it is stored as: string,
// []byte, int64, uint64, float64, bool, uuid.UUID, or for a time.Time the
// nested tuple (seconds, nanoseconds) since the Unix epoch. ok is false
// for what is not a scalar (lists, maps); err is set for what cannot be
// stored at all.
func scalar(v any) (elem any, ok bool, err error) {
	switch x := v.(type) {
	case nil:
		return nil, true, fmt.Errorf("nil is not a value (DeleteFields removes an attribute)")
	case string, bool, float64, uuid.UUID:
		return x, true, nil
	case []byte:
		if x == nil {
			x = []byte{}
		}
		return x, true, nil
	case float32:
		return float64(x), true, nil
	case tuple.UUID:
		return uuid.UUID(x), true, nil
	case time.Time:
		return timeElem(x), true, nil
	case json.Number:
		s := x.String()
		if !strings.ContainsAny(s, ".eE") {
			if n, err := strconv.ParseInt(s, 10, 64); err == nil {
				return n, true, nil
			}
			if n, err := strconv.ParseUint(s, 10, 64); err == nil {
				return n, true, nil
			}
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, true, fmt.Errorf("number %s: %v", s, err)
		}
		return f, true, nil
	case Document, map[string]any, []any:
		return nil, false, nil
	}
	if n, isInt := intValue(v); isInt {
		return n, true, nil
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.String:
		return rv.String(), true, nil
	case reflect.Bool:
		return rv.Bool(), true, nil
	case reflect.Float32, reflect.Float64:
		return rv.Float(), true, nil
	case reflect.Slice:
		if rv.Type().Elem().Kind() == reflect.Uint8 {
			return slices.Clone(rv.Bytes()), true, nil
		}
		return nil, false, nil
	case reflect.Array, reflect.Map:
		return nil, false, nil
	case reflect.Pointer:
		if t, isTime := v.(*time.Time); isTime && t != nil {
			return timeElem(*t), true, nil
		}
	}
	return nil, true, fmt.Errorf("%T is not a supported type", v)
}

func timeElem(t time.Time) tuple.Tuple { return tuple.Tuple{t.Unix(), int64(t.Nanosecond())} }

// decodeScalar returns the value a stored tuple element stands for.
func decodeScalar(e any) (any, error) {
	switch x := e.(type) {
	case string, int64, uint64, float64, bool:
		return x, nil
	case []byte:
		if x == nil {
			return []byte{}, nil
		}
		return x, nil
	case tuple.UUID:
		return uuid.UUID(x), nil
	case tuple.Tuple:
		if len(x) == 2 {
			sec, ok1 := x[0].(int64)
			nsec, ok2 := x[1].(int64)
			if ok1 && ok2 && nsec >= 0 && nsec < 1e9 {
				return time.Unix(sec, nsec).UTC(), nil
			}
		}
	}
	return nil, fmt.Errorf("%w: stored element of type %T", ErrCorrupt, e)
}

// field is one flattened attribute of a write, encoded.
type field struct {
	attr  string
	value []byte   // the data value: an item, or 0x00 and the list's items
	items [][]byte // the distinct packed items, for the index
}

// listMarker starts the data value of a list: a packed null, which no
// scalar encodes to.
const listMarker = 0x00

// encodeField encodes the value of one attribute: a scalar or a list of
// scalars.
func encodeField(attr string, v any) (field, error) {
	f := field{attr: attr}
	elem, isScalar, err := scalar(v)
	if err != nil {
		return f, attrErr(attr, ErrValue, "%v", err)
	}
	if isScalar {
		item, err := tuplestore.EncodeItem(elem)
		if err != nil {
			return f, attrErr(attr, ErrValue, "%v", err)
		}
		f.value, f.items = item, [][]byte{item}
		return f, nil
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
		return f, attrErr(attr, ErrValue, "%T is not a supported type", v)
	}
	f.value = []byte{listMarker}
	seen := map[string]bool{}
	for i := range rv.Len() {
		ev := rv.Index(i).Interface()
		elem, isScalar, err := scalar(ev)
		if err == nil && !isScalar {
			err = fmt.Errorf("a list holds scalars, not %T (lists of lists and of maps are not supported)", ev)
		}
		if err != nil {
			return f, attrErr(attr, ErrValue, "list element %d: %v", i, err)
		}
		item, err := tuplestore.EncodeItem(elem)
		if err != nil {
			return f, attrErr(attr, ErrValue, "list element %d: %v", i, err)
		}
		f.value = append(f.value, item...)
		if !seen[string(item)] {
			seen[string(item)] = true
			f.items = append(f.items, item)
		}
	}
	return f, nil
}

// splitValue returns the packed items of a data value and whether it is a
// list.
func splitValue(value []byte) ([][]byte, bool, error) {
	if len(value) == 0 {
		return nil, false, fmt.Errorf("%w: empty value", ErrCorrupt)
	}
	list := value[0] == listMarker
	if list {
		value = value[1:]
	}
	items, err := tuplestore.SplitItems(nil, value)
	if err != nil || !list && len(items) != 1 {
		return nil, false, fmt.Errorf("%w: value %q", ErrCorrupt, value)
	}
	return items, list, nil
}

// distinctItems returns the items of a data value without repeats, for its
// index entries.
func distinctItems(value []byte) ([][]byte, error) {
	items, list, err := splitValue(value)
	if err != nil || !list || len(items) < 2 {
		return items, err
	}
	out := items[:0:0]
	seen := map[string]bool{}
	for _, it := range items {
		if !seen[string(it)] {
			seen[string(it)] = true
			out = append(out, it)
		}
	}
	return out, nil
}

// decodeValue returns the value a data value stands for: a scalar, or
// []any for a list.
func decodeValue(value []byte) (any, error) {
	items, list, err := splitValue(value)
	if err != nil {
		return nil, err
	}
	out := make([]any, len(items))
	for i, it := range items {
		e, err := tuplestore.DecodeItem(it)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
		if out[i], err = decodeScalar(e); err != nil {
			return nil, err
		}
	}
	if !list {
		return out[0], nil
	}
	return out, nil
}

// checkAttr validates an attribute path.
func checkAttr(attr string) error {
	if attr == "" {
		return &AttrError{Attr: attr, Err: ErrAttribute, Detail: "empty name"}
	}
	if len(attr) > MaxAttributeSize {
		return &AttrError{Attr: attr[:40] + "...", Err: ErrAttribute, Detail: fmt.Sprintf("%d bytes, the limit is %d", len(attr), MaxAttributeSize)}
	}
	if attr[0] == '.' || attr[len(attr)-1] == '.' || strings.Contains(attr, "..") {
		return &AttrError{Attr: attr, Err: ErrAttribute, Detail: "empty path component"}
	}
	return nil
}

// flatten turns a document into its encoded attributes, sorted by path.
// Nested maps become dotted paths; an empty nested map adds nothing.
func flatten(doc map[string]any) ([]field, error) {
	var out []field
	if err := flattenInto(&out, "", reflect.ValueOf(doc)); err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b field) int { return strings.Compare(a.attr, b.attr) })
	for i := 1; i < len(out); i++ {
		prev, cur := out[i-1].attr, out[i].attr
		if prev == cur {
			return nil, &AttrError{Attr: cur, Err: ErrAttribute, Detail: "given twice (a dotted name and a nested map name the same path)"}
		}
	}
	if err := checkNesting(out); err != nil {
		return nil, err
	}
	return out, nil
}

// checkNesting refuses a path that is inside another one ("a" and "a.b"):
// a value cannot also be a map.
func checkNesting(sorted []field) error {
	// In sorted order, a path's descendants ("a.b") are not necessarily
	// next to it ("a-x" sorts between "a" and "a.b"), so test each path
	// against its ancestors.
	set := make(map[string]bool, len(sorted))
	for _, f := range sorted {
		set[f.attr] = true
	}
	for _, f := range sorted {
		for i := strings.IndexByte(f.attr, '.'); i >= 0; {
			if set[f.attr[:i]] {
				return &AttrError{Attr: f.attr, Err: ErrAttribute, Detail: fmt.Sprintf("%q holds a value, so it cannot also hold attributes", f.attr[:i])}
			}
			j := strings.IndexByte(f.attr[i+1:], '.')
			if j < 0 {
				break
			}
			i += 1 + j
		}
	}
	return nil
}

func flattenInto(out *[]field, prefix string, m reflect.Value) error {
	if m.Type().Key().Kind() != reflect.String {
		return &AttrError{Attr: prefix, Err: ErrValue, Detail: fmt.Sprintf("map keys must be strings, not %s", m.Type().Key())}
	}
	iter := m.MapRange()
	for iter.Next() {
		name := iter.Key().String()
		path := name
		if prefix != "" {
			path = prefix + "." + name
		}
		if err := checkAttr(path); err != nil {
			return err
		}
		v := iter.Value()
		for v.Kind() == reflect.Interface && !v.IsNil() {
			v = v.Elem()
		}
		if v.Kind() == reflect.Map {
			if err := flattenInto(out, path, v); err != nil {
				return err
			}
			continue
		}
		var x any
		if v.IsValid() {
			x = v.Interface()
		}
		f, err := encodeField(path, x)
		if err != nil {
			return err
		}
		*out = append(*out, f)
	}
	return nil
}

// nest builds a nested document from flat attributes: "a.b" goes into the
// map under "a".
func nest(flat map[string]any) Document {
	doc := Document{}
	names := make([]string, 0, len(flat))
	for k := range flat {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		m := doc
		parts := strings.Split(k, ".")
		for _, p := range parts[:len(parts)-1] {
			sub, ok := m[p].(Document)
			if !ok {
				if _, taken := m[p]; taken {
					// Not written by this package (paths never nest in
					// a value); keep the attribute under its full path.
					m = nil
					break
				}
				sub = Document{}
				m[p] = sub
			}
			m = sub
		}
		if m == nil {
			doc[k] = flat[k]
			continue
		}
		m[parts[len(parts)-1]] = flat[k]
	}
	return doc
}

// Flatten returns the attributes of a document as the store keeps them:
// dotted paths to scalars and lists, with values converted to the types
// Get returns (int64, float64, uuid.UUID, time.Time in UTC, ...). It
// fails on what a write would refuse.
func Flatten(doc Document) (map[string]any, error) {
	fields, err := flatten(doc)
	if err != nil {
		return nil, err
	}
	out := make(map[string]any, len(fields))
	for _, f := range fields {
		if out[f.attr], err = decodeValue(f.value); err != nil {
			return nil, err
		}
	}
	return out, nil
}
