package tuplestore

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
)

// Var is a variable of a pattern, named by the string. Every occurrence of
// a named variable in a query, within one pattern or across patterns,
// stands for the same item. The variable with the empty name, Any, is
// anonymous: each occurrence matches any item independently and binds
// nothing.
type Var string

// Any is the anonymous variable.
const Any = Var("")

// String renders the variable as the strata command line writes it: ?name,
// or ? for Any.
func (v Var) String() string { return "?" + string(v) }

// Pattern is a tuple whose items may be variables (Var values). Its other
// items are values, which a matching tuple must hold at the same positions.
type Pattern []any

// String renders the pattern with variables as ?name.
func (p Pattern) String() string {
	var b strings.Builder
	b.WriteByte('(')
	for i, x := range p {
		if i > 0 {
			b.WriteString(", ")
		}
		switch v := x.(type) {
		case Var:
			b.WriteString(v.String())
		case string:
			fmt.Fprintf(&b, "%q", v)
		default:
			fmt.Fprintf(&b, "%v", v)
		}
	}
	b.WriteByte(')')
	return b.String()
}

// Binding maps the named variables of a query to the items a match gives
// them, decoded as tuple.Unpack returns items (integers as int64, and so
// on). Index it with a Var or an untyped string constant: b["s"].
type Binding map[Var]any

// Vars returns the named variables of the patterns in the order of their
// first occurrence: the natural columns for printing bindings.
func Vars(patterns ...Pattern) []Var {
	var out []Var
	for _, p := range patterns {
		for _, x := range p {
			if v, ok := x.(Var); ok && v != Any && !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
	}
	return out
}

// Unify matches a pattern against a tuple given earlier bindings, in
// memory: it returns the bindings extended with the pattern's new
// variables, and whether the tuple matches (values equal to the tuple's
// items, every occurrence of a variable the same item, variables already
// in b equal to their binding). Items compare by their packed encoding, as
// keys do. b is not modified. It is what Query does for each row it reads,
// for layers that hold tuples in memory (changes not yet written, say).
func Unify(p Pattern, t []any, b Binding) (Binding, bool, error) {
	if len(p) != len(t) {
		return nil, false, fmt.Errorf("%w: pattern of %d items against a tuple of %d", ErrArity, len(p), len(t))
	}
	out := Binding{}
	seen := map[Var][]byte{}
	for i, x := range p {
		item, err := EncodeItem(t[i])
		if err != nil {
			return nil, false, &ItemError{Pattern: -1, Position: i, Item: t[i], Err: ErrItem, Cause: err}
		}
		v, isVar := x.(Var)
		if !isVar {
			want, err := EncodeItem(x)
			if err != nil {
				return nil, false, &ItemError{Pattern: 0, Position: i, Item: x, Err: ErrItem, Cause: err}
			}
			if !bytes.Equal(want, item) {
				return nil, false, nil
			}
			continue
		}
		if v == Any {
			continue
		}
		if prev, ok := seen[v]; ok {
			if !bytes.Equal(prev, item) {
				return nil, false, nil
			}
			continue
		}
		if old, ok := b[v]; ok {
			want, err := EncodeItem(old)
			if err != nil {
				return nil, false, &ItemError{Pattern: -1, Position: i, Item: old, Err: ErrItem, Cause: err}
			}
			if !bytes.Equal(want, item) {
				return nil, false, nil
			}
		}
		seen[v] = item
		out[v] = t[i]
	}
	for k, v := range b {
		if _, ok := out[k]; !ok {
			out[k] = v
		}
	}
	return out, true, nil
}
