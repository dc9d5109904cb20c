package eav

import (
	"fmt"
	"slices"
	"strings"

	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/tuple"
	"github.com/strata-db/strata/tuplestore"
)

// Index is one declared index rule and its state.
//
// A rule names the attributes it indexes: "*" every attribute (the
// default of a store), "name" one attribute, "prefix.*" every attribute
// under a path ("address.*" indexes "address.city" and "address.zip").
type Index struct {
	Rule string
	// Ready is false while the index is being built (AddIndex declared
	// it and the BuildIndex job has not finished): writes maintain it, but
	// queries do not use it yet.
	Ready bool
}

// config is a store's index rules, kept in one key.
type config struct {
	rules []Index
}

const configFormat = 1

// defaultRules is the configuration of a store that has none recorded:
// every attribute indexed.
var defaultRules = []Index{{Rule: "*", Ready: true}}

func (s *Store) configKey() []byte { return s.metaKey("config") }

func (s *Store) metaKey(items ...any) []byte {
	b, err := tuple.Tuple(items).AppendPack(slices.Clip(s.meta))
	if err != nil {
		panic(err) // only constant strings reach here
	}
	return b
}

// readConfig starts reading the configuration; the returned function waits
// for it.
func (s *Store) readConfig(tx layer.ReadTx) func() (config, error) {
	f := tx.Get(s.configKey())
	return func() (config, error) {
		v, err := f.Get()
		if err != nil {
			return config{}, err
		}
		return parseConfig(v)
	}
}

func parseConfig(v []byte) (config, error) {
	if v == nil {
		return config{rules: defaultRules}, nil
	}
	t, err := tuple.Unpack(v)
	if err != nil || len(t) < 1 || len(t)%2 != 1 {
		return config{}, fmt.Errorf("%w: configuration %q", ErrCorrupt, v)
	}
	if f, ok := t[0].(int64); !ok || f != configFormat {
		return config{}, fmt.Errorf("%w: configuration format %v", ErrCorrupt, t[0])
	}
	c := config{rules: []Index{}}
	for i := 1; i < len(t); i += 2 {
		r, ok1 := t[i].(string)
		ready, ok2 := t[i+1].(bool)
		if !ok1 || !ok2 {
			return config{}, fmt.Errorf("%w: configuration %q", ErrCorrupt, v)
		}
		c.rules = append(c.rules, Index{Rule: r, Ready: ready})
	}
	return c, nil
}

func (c config) encode() []byte {
	t := tuple.Tuple{configFormat}
	for _, r := range c.rules {
		t = append(t, r.Rule, r.Ready)
	}
	return t.Pack()
}

// indexed reports whether writes maintain index entries for attr: some
// rule, ready or being built, matches it.
func (c config) indexed(attr string) bool {
	for _, r := range c.rules {
		if ruleMatches(r.Rule, attr) {
			return true
		}
	}
	return false
}

// rule returns the rule that matches attr, if any.
func (c config) rule(attr string) (Index, bool) {
	for _, r := range c.rules {
		if ruleMatches(r.Rule, attr) {
			return r, true
		}
	}
	return Index{}, false
}

func ruleMatches(rule, attr string) bool {
	switch {
	case rule == "*":
		return true
	case strings.HasSuffix(rule, ".*"):
		return strings.HasPrefix(attr, rule[:len(rule)-1])
	}
	return rule == attr
}

func checkRule(rule string) error {
	if rule == "*" {
		return nil
	}
	name := strings.TrimSuffix(rule, ".*")
	if err := checkAttr(name); err != nil || strings.Contains(name, "*") {
		return fmt.Errorf("%w: %q: want \"*\", an attribute or \"path.*\"", ErrIndexRule, rule)
	}
	return nil
}

// rulesOverlap reports whether some attribute matches both rules.
func rulesOverlap(a, b string) bool {
	if a == "*" || b == "*" {
		return true
	}
	pa, wa := strings.CutSuffix(a, "*")
	pb, wb := strings.CutSuffix(b, "*")
	switch {
	case wa && wb:
		return strings.HasPrefix(pa, pb) || strings.HasPrefix(pb, pa)
	case wa:
		return strings.HasPrefix(b, pa)
	case wb:
		return strings.HasPrefix(a, pb)
	}
	return a == b
}

// ruleRange returns the index keys of a rule's attributes.
func (s *Store) ruleRange(rule string) (layer.KeyRange, error) {
	if rule == "*" {
		return layer.KeyRange{Begin: append(slices.Clip(s.idx), 0x00), End: append(slices.Clip(s.idx), 0xff)}, nil
	}
	if p, ok := strings.CutSuffix(rule, "*"); ok {
		item, _ := tuplestore.EncodeItem(p)
		return layer.PrefixRange(append(slices.Clip(s.idx), item[:len(item)-1]...)) // without the string's terminator
	}
	item, _ := tuplestore.EncodeItem(rule)
	k := append(slices.Clip(s.idx), item...)
	return layer.KeyRange{Begin: k, End: append(slices.Clip(k), 0xff)}, nil
}

// Indexes returns the store's index rules. A store whose rules were never
// changed has one, "*", ready.
func (s *Store) Indexes(tx layer.ReadTx) ([]Index, error) {
	c, err := s.readConfig(tx)()
	if err != nil {
		return nil, err
	}
	return slices.Clone(c.rules), nil
}

// AddIndex declares an index rule (see Index), not ready: from this
// transaction on, writes maintain its entries, and the BuildIndex job
// (RunJob) adds those of the documents written before, then makes it
// ready. A rule that overlaps a declared one (some attribute matches both,
// such as "address.*" and "address.city", or anything and "*") is refused
// with ErrIndexRule; drop the other first.
func (s *Store) AddIndex(tx layer.Tx, rule string) error {
	if err := checkRule(rule); err != nil {
		return err
	}
	c, err := s.readConfig(tx)()
	if err != nil {
		return err
	}
	for _, r := range c.rules {
		if rulesOverlap(r.Rule, rule) {
			return fmt.Errorf("%w: %q overlaps the declared index %q", ErrIndexRule, rule, r.Rule)
		}
	}
	c.rules = append(slices.Clone(c.rules), Index{Rule: rule})
	tx.Set(s.configKey(), c.encode())
	return nil
}

// DropIndex removes a declared rule and clears its entries, in the
// caller's transaction: one range clear, whatever the number of entries.
// A BuildIndex job in progress for the rule is abandoned.
func (s *Store) DropIndex(tx layer.Tx, rule string) error {
	c, err := s.readConfig(tx)()
	if err != nil {
		return err
	}
	i := slices.IndexFunc(c.rules, func(r Index) bool { return r.Rule == rule })
	if i < 0 {
		return fmt.Errorf("%w: %q", ErrNoIndex, rule)
	}
	r, err := s.ruleRange(rule)
	if err != nil {
		return err
	}
	tx.ClearRange(r)
	c.rules = slices.Delete(slices.Clone(c.rules), i, i+1)
	tx.Set(s.configKey(), c.encode())
	tx.Clear(s.jobKey(Job{Kind: BuildIndex, Arg: rule}))
	return nil
}
