package kv

import (
	"fmt"
	"math"

	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/tuple"
)

// Scored is a member of a sorted set and its score.
type Scored struct {
	Member string
	Score  float64
}

// ZRangeOptions controls ZRangeByScore.
type ZRangeOptions struct {
	// Limit caps the number of members returned; 0 means no limit: the
	// whole score range in the caller's transaction, which for a set of
	// hundreds of thousands of members can run past FoundationDB's 5 s
	// (1007). Page with a limit instead, starting the next page at the
	// last score returned.
	Limit int
	// Reverse returns members from the highest score down.
	Reverse bool
}

// Sorted sets are a namespace of their own. Each member is kept twice:
// ("z", key, "m", member) = pack((score,)) for ZScore, and the score index
// entry ("z", key, "s", score, member) = "" for ranges by score, in which
// the tuple encoding of float64 orders scores numerically. Sorted sets do
// not expire.

func (s *Store) checkMember(key, member string) error {
	return s.checkKey2("sorted set key", key, "member", member)
}

func checkScore(score float64) (float64, error) {
	if math.IsNaN(score) {
		return 0, fmt.Errorf("%w: NaN score", ErrInvalid)
	}
	if score == 0 {
		score = 0 // -0 and 0 are one score
	}
	return score, nil
}

func (s *Store) memberKey(key, member string) []byte { return s.key("z", key, "m", member) }
func (s *Store) scoreKey(key string, score float64, member string) []byte {
	return s.key("z", key, "s", score, member)
}

func decodeScore(key, member string, v []byte) (float64, error) {
	t, err := tuple.Unpack(v)
	if err == nil && len(t) == 1 {
		if f, ok := t[0].(float64); ok {
			return f, nil
		}
	}
	return 0, fmt.Errorf("%w: score of %q in %q", ErrCorrupt, member, key)
}

// ZAdd sets member's score in the sorted set at key and reports whether
// the member is new. It reads the member's old score (strictly), so
// concurrent ZAdds of one member conflict and retry; different members
// do not.
func (s *Store) ZAdd(tx layer.Tx, key, member string, score float64) (bool, error) {
	if err := s.checkMember(key, member); err != nil {
		return false, err
	}
	score, err := checkScore(score)
	if err != nil {
		return false, err
	}
	mk := s.memberKey(key, member)
	v, err := tx.Get(mk).Get()
	if err != nil {
		return false, err
	}
	if v != nil {
		old, err := decodeScore(key, member, v)
		if err != nil {
			return false, err
		}
		tx.Clear(s.scoreKey(key, old, member))
	}
	tx.Set(mk, tuple.Tuple{score}.Pack())
	tx.Set(s.scoreKey(key, score, member), nil)
	return v == nil, nil
}

// ZScore returns member's score, or ErrNotFound.
func (s *Store) ZScore(tx layer.ReadTx, key, member string) (float64, error) {
	if err := s.checkMember(key, member); err != nil {
		return 0, err
	}
	v, err := tx.Get(s.memberKey(key, member)).Get()
	if err != nil {
		return 0, err
	}
	if v == nil {
		return 0, fmt.Errorf("%w: member %q of sorted set %q", ErrNotFound, member, key)
	}
	return decodeScore(key, member, v)
}

// ZRem removes members from the sorted set at key and returns how many
// were there. The reads are issued in parallel.
func (s *Store) ZRem(tx layer.Tx, key string, members ...string) (int, error) {
	keys := make([][]byte, len(members))
	for i, m := range members {
		if err := s.checkMember(key, m); err != nil {
			return 0, err
		}
		keys[i] = s.memberKey(key, m)
	}
	vals, err := layer.GetAll(tx, keys)
	if err != nil {
		return 0, err
	}
	n := 0
	for i, v := range vals {
		if v == nil {
			continue
		}
		score, err := decodeScore(key, members[i], v)
		if err != nil {
			return 0, err
		}
		tx.Clear(keys[i])
		tx.Clear(s.scoreKey(key, score, members[i]))
		// A member named twice is removed once; later reads of the same
		// key in this transaction see the clear.
		vals[i] = nil
		for j := i + 1; j < len(members); j++ {
			if members[j] == members[i] {
				vals[j] = nil
			}
		}
		n++
	}
	return n, nil
}

// scoreRange is the range of the index entries with min <= score <= max.
func (s *Store) scoreRange(key string, minScore, maxScore float64) (layer.KeyRange, error) {
	if err := s.checkKey("sorted set key", key); err != nil {
		return layer.KeyRange{}, err
	}
	var err error
	if minScore, err = checkScore(minScore); err != nil {
		return layer.KeyRange{}, err
	}
	if maxScore, err = checkScore(maxScore); err != nil {
		return layer.KeyRange{}, err
	}
	return layer.KeyRange{
		Begin: s.key("z", key, "s", minScore),
		End:   append(s.key("z", key, "s", maxScore), 0xff),
	}, nil
}

// ZRangeByScore returns the members with min <= score <= max (use
// math.Inf for open ends), by score and then member, up to opts.Limit.
func (s *Store) ZRangeByScore(tx layer.ReadTx, key string, minScore, maxScore float64, opts ZRangeOptions) ([]Scored, error) {
	r, err := s.scoreRange(key, minScore, maxScore)
	if err != nil {
		return nil, err
	}
	if minScore > maxScore {
		return nil, nil
	}
	rows, err := tx.GetRange(r, layer.RangeOptions{Limit: opts.Limit, Reverse: opts.Reverse, Mode: layer.StreamingModeWantAll}).Slice()
	if err != nil {
		return nil, err
	}
	return s.decodeScored(rows)
}

func (s *Store) decodeScored(rows []layer.KeyValue) ([]Scored, error) {
	out := make([]Scored, 0, len(rows))
	for _, row := range rows {
		t, err := s.ss.Unpack(row.Key)
		if err != nil || len(t) != 5 {
			return nil, fmt.Errorf("%w: score index key %q", ErrCorrupt, row.Key)
		}
		score, ok1 := t[3].(float64)
		member, ok2 := t[4].(string)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("%w: score index key %q", ErrCorrupt, row.Key)
		}
		out = append(out, Scored{Member: member, Score: score})
	}
	return out, nil
}

// ZPopMin removes and returns the n members with the lowest scores (n is
// at most MaxPop: a larger n pops MaxPop; see ZPopByScore).
func (s *Store) ZPopMin(tx layer.Tx, key string, n int) ([]Scored, error) {
	if n < 1 {
		return nil, fmt.Errorf("%w: ZPopMin of %d members", ErrInvalid, n)
	}
	return s.ZPopByScore(tx, key, math.Inf(-1), math.Inf(1), n)
}

// MaxPop is the most members one ZPopMin or ZPopByScore removes, and
// maxPopBytes the most key bytes it clears: popping is writing, and one
// transaction holds 10,000,000 bytes (2101) for 5 s (1007).
const (
	MaxPop      = 1000
	maxPopBytes = 1 << 20
)

// ZPopByScore removes and returns up to limit members with min <= score
// <= max, lowest first. A limit of 0, or over MaxPop, means MaxPop; a
// page also stops once its keys pass 1 MiB, so it may hold fewer. Call it
// again (in a new transaction) for the rest. The range read is strict, so
// two transactions that pop the same members conflict and one retries:
// under any concurrency each member is popped by exactly one committed
// transaction. A pop is not idempotent: see the package's caveats.
func (s *Store) ZPopByScore(tx layer.Tx, key string, minScore, maxScore float64, limit int) ([]Scored, error) {
	if limit < 0 {
		return nil, fmt.Errorf("%w: limit %d", ErrInvalid, limit)
	}
	if limit == 0 || limit > MaxPop {
		limit = MaxPop
	}
	r, err := s.scoreRange(key, minScore, maxScore)
	if err != nil {
		return nil, err
	}
	if minScore > maxScore {
		return nil, nil
	}
	var rows []layer.KeyValue
	size := 0
	for row, err := range tx.GetRange(r, layer.RangeOptions{Limit: limit, Mode: layer.StreamingModeWantAll}).All() {
		if err != nil {
			return nil, err
		}
		rows = append(rows, row)
		// The index entry and the member record are cleared: about twice
		// the index key's bytes.
		if size += 2 * len(row.Key); size >= maxPopBytes {
			break // the read conflict range covers only what was read
		}
	}
	out, err := s.decodeScored(rows)
	if err != nil {
		return nil, err
	}
	for i, m := range out {
		tx.Clear(rows[i].Key)
		tx.Clear(s.memberKey(key, m.Member))
	}
	return out, nil
}
