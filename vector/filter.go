package vector

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Filter is a parsed metadata filter. Build it with ParseFilter or
// ParseFilterJSON; the zero Filter matches everything.
//
// A filter is a JSON object. Each field names a top-level metadata field
// and gives either a value (equality) or an object of operators, all of
// which must hold:
//
//	{"genre": "drama", "year": {"$gte": 1990, "$lt": 2000}}
//	{"$or": [{"genre": {"$in": ["drama", "comedy"]}}, {"rating": {"$gt": 8.5}}]}
//
// Operators: $eq $ne (a string, number or boolean), $gt $gte $lt $lte (a
// number or a string; numbers compare with numbers, strings with strings,
// and other pairs never match), $in $nin (a non-empty array of strings,
// numbers or booleans), $exists (a boolean); $and and $or take a
// non-empty array of filters. Several fields in one object are anded. A
// metadata field holding an array matches $eq, $in and the comparisons if
// any element does; $ne and $nin then mean no element does. A missing
// field matches only $ne, $nin and {"$exists": false}.
type Filter struct {
	and  []*Filter
	or   []*Filter
	cond []cond
}

type cond struct {
	field string
	op    string
	arg   any   // float64, string or bool
	set   []any // for $in, $nin
}

// FilterError is a filter that does not parse: Path says where (such as
// "$or[1].year.$gt"), Msg what is wrong. It matches ErrFilter.
type FilterError struct {
	Path string
	Msg  string
}

func (e *FilterError) Error() string {
	if e.Path == "" {
		return "vector: invalid filter: " + e.Msg
	}
	return fmt.Sprintf("vector: invalid filter at %s: %s", e.Path, e.Msg)
}

// Unwrap returns ErrFilter.
func (e *FilterError) Unwrap() error { return ErrFilter }

// ParseFilterJSON parses a filter from its JSON text.
func ParseFilterJSON(b []byte) (*Filter, error) {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, &FilterError{Msg: "not JSON: " + err.Error()}
	}
	return ParseFilter(v)
}

// ParseFilter parses a filter given as decoded JSON: a map[string]any
// whose values are strings, numbers (any Go integer or float type, or
// json.Number), booleans, []any and nested maps.
func ParseFilter(v any) (*Filter, error) { return parseFilter("", v) }

func join(path, s string) string {
	if path == "" {
		return s
	}
	return path + "." + s
}

func parseFilter(path string, v any) (*Filter, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, &FilterError{path, fmt.Sprintf("want an object, got %s", typeName(v))}
	}
	f := &Filter{}
	for _, k := range sortedKeys(m) {
		val := m[k]
		switch {
		case k == "$and" || k == "$or":
			arr, ok := val.([]any)
			if !ok || len(arr) == 0 {
				return nil, &FilterError{join(path, k), "want a non-empty array of filters"}
			}
			subs := make([]*Filter, len(arr))
			for i, e := range arr {
				sub, err := parseFilter(fmt.Sprintf("%s[%d]", join(path, k), i), e)
				if err != nil {
					return nil, err
				}
				subs[i] = sub
			}
			if k == "$and" {
				f.and = append(f.and, subs...)
			} else {
				f.or = append(f.or, &Filter{or: subs})
			}
		case strings.HasPrefix(k, "$"):
			return nil, &FilterError{join(path, k), "unknown operator at field level (want $and, $or or a field name)"}
		case k == "":
			return nil, &FilterError{path, "empty field name"}
		default:
			conds, err := parseField(join(path, k), k, val)
			if err != nil {
				return nil, err
			}
			f.cond = append(f.cond, conds...)
		}
	}
	// Normalise: an $or entry above is a one-element wrapper; flatten it
	// into and-of-ors.
	var ands []*Filter
	for _, o := range f.or {
		ands = append(ands, o)
	}
	f.or = nil
	f.and = append(f.and, ands...)
	return f, nil
}

func parseField(path, field string, v any) ([]cond, error) {
	m, ok := v.(map[string]any)
	if !ok || len(m) == 0 || !hasOp(m) {
		if ok {
			return nil, &FilterError{path, "want a value or an object of operators ($eq, $gt, ...)"}
		}
		arg, err := scalar(path, v)
		if err != nil {
			return nil, err
		}
		return []cond{{field: field, op: "$eq", arg: arg}}, nil
	}
	var out []cond
	for _, op := range sortedKeys(m) {
		p := join(path, op)
		arg := m[op]
		c := cond{field: field, op: op}
		switch op {
		case "$eq", "$ne":
			a, err := scalar(p, arg)
			if err != nil {
				return nil, err
			}
			c.arg = a
		case "$gt", "$gte", "$lt", "$lte":
			a, err := scalar(p, arg)
			if err != nil {
				return nil, err
			}
			if _, isBool := a.(bool); isBool {
				return nil, &FilterError{p, "want a number or a string, got a boolean"}
			}
			c.arg = a
		case "$in", "$nin":
			arr, ok := arg.([]any)
			if !ok || len(arr) == 0 {
				return nil, &FilterError{p, "want a non-empty array of values"}
			}
			for i, e := range arr {
				a, err := scalar(fmt.Sprintf("%s[%d]", p, i), e)
				if err != nil {
					return nil, err
				}
				c.set = append(c.set, a)
			}
		case "$exists":
			b, ok := arg.(bool)
			if !ok {
				return nil, &FilterError{p, fmt.Sprintf("want true or false, got %s", typeName(arg))}
			}
			c.arg = b
		default:
			return nil, &FilterError{p, "unknown operator (want $eq $ne $gt $gte $lt $lte $in $nin $exists)"}
		}
		out = append(out, c)
	}
	return out, nil
}

func hasOp(m map[string]any) bool {
	for k := range m {
		if strings.HasPrefix(k, "$") {
			return true
		}
	}
	return false
}

func sortedKeys(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// scalar normalises a filter operand to float64, string or bool.
func scalar(path string, v any) (any, error) {
	if f, ok := toNumber(v); ok {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, &FilterError{path, "number is not finite"}
		}
		return f, nil
	}
	switch x := v.(type) {
	case string, bool:
		return x, nil
	}
	return nil, &FilterError{path, fmt.Sprintf("want a string, number or boolean, got %s", typeName(v))}
}

func toNumber(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int:
		return float64(x), true
	case int8:
		return float64(x), true
	case int16:
		return float64(x), true
	case int32:
		return float64(x), true
	case int64:
		return float64(x), true
	case uint:
		return float64(x), true
	case uint8:
		return float64(x), true
	case uint16:
		return float64(x), true
	case uint32:
		return float64(x), true
	case uint64:
		return float64(x), true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	}
	return 0, false
}

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// Match reports whether metadata (as decoded from JSON) satisfies f.
func (f *Filter) Match(md map[string]any) bool {
	if f == nil {
		return true
	}
	for _, c := range f.cond {
		if !c.match(md) {
			return false
		}
	}
	for _, a := range f.and {
		if !a.Match(md) {
			return false
		}
	}
	if len(f.or) > 0 {
		for _, o := range f.or {
			if o.Match(md) {
				return true
			}
		}
		return false
	}
	return true
}

func (c cond) match(md map[string]any) bool {
	v, present := md[c.field]
	switch c.op {
	case "$exists":
		return present == c.arg.(bool)
	case "$ne":
		return !present || !anyElem(v, func(e any) bool { return equal(e, c.arg) })
	case "$nin":
		return !present || !anyElem(v, func(e any) bool { return inSet(e, c.set) })
	}
	if !present {
		return false
	}
	switch c.op {
	case "$eq":
		return anyElem(v, func(e any) bool { return equal(e, c.arg) })
	case "$in":
		return anyElem(v, func(e any) bool { return inSet(e, c.set) })
	default:
		return anyElem(v, func(e any) bool {
			r, ok := compare(e, c.arg)
			if !ok {
				return false
			}
			switch c.op {
			case "$gt":
				return r > 0
			case "$gte":
				return r >= 0
			case "$lt":
				return r < 0
			default:
				return r <= 0
			}
		})
	}
}

func anyElem(v any, fn func(any) bool) bool {
	if arr, ok := v.([]any); ok {
		return slices.ContainsFunc(arr, fn)
	}
	return fn(v)
}

func inSet(v any, set []any) bool {
	return slices.ContainsFunc(set, func(s any) bool { return equal(v, s) })
}

func equal(v, arg any) bool {
	if f, ok := toNumber(v); ok {
		a, ok := arg.(float64)
		return ok && f == a
	}
	return v == arg
}

func compare(v, arg any) (int, bool) {
	if f, ok := toNumber(v); ok {
		a, ok := arg.(float64)
		if !ok {
			return 0, false
		}
		switch {
		case f < a:
			return -1, true
		case f > a:
			return 1, true
		}
		return 0, true
	}
	s, ok1 := v.(string)
	a, ok2 := arg.(string)
	if !ok1 || !ok2 {
		return 0, false
	}
	return strings.Compare(s, a), true
}
