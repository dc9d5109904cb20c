// Command recommend recommends items with the vector layer: items have
// vectors made from their category and tags; a user's vector is the mean
// of the items they liked, updated in the transaction that records the
// like (in a kv hash, a popularity sorted set and a counter); a user's
// recommendations are the items nearest their vector that they have not
// liked yet, next to the most popular items overall.
//
//	go run ./examples/recommend [-db mem:] [-users 16]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/strata-db/strata/examples/internal/example"
	"github.com/strata-db/strata/kv"
	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/subspace"
	"github.com/strata-db/strata/layer/tuple"
	"github.com/strata-db/strata/vector"
)

func main() {
	users := flag.Int("users", 16, "users, each liking 4 items with every click sent twice, concurrently")
	example.Main(func(ctx context.Context, db layer.DB, out io.Writer) error {
		return run(ctx, db, out, *users)
	})
}

// The catalog: itemsPer items in each category, each with two tags.
var (
	categories = []string{"scifi", "cooking", "history", "jazz", "hiking"}
	tags       = []string{"classic", "new", "short", "long"}
)

const itemsPer = 8

// features are the dimensions of the vectors: one per category, one per
// tag.
var features = append(slices.Clone(categories), tags...)

// Item is a catalog entry.
type Item struct {
	ID, Category string
	Tags         []string
}

// catalog returns the items: "scifi-0" to "hiking-7". Item i is "classic"
// if i is even, else "new", and "short" if i is a multiple of 3, else
// "long".
func catalog() []Item {
	var items []Item
	for _, c := range categories {
		for i := range itemsPer {
			it := Item{ID: fmt.Sprintf("%s-%d", c, i), Category: c, Tags: []string{"new", "long"}}
			if i%2 == 0 {
				it.Tags[0] = "classic"
			}
			if i%3 == 0 {
				it.Tags[1] = "short"
			}
			items = append(items, it)
		}
	}
	return items
}

// Vector is an item's vector: 1 on its category's dimension, 0.5 on each
// of its tags', normalised. Items of one category are close; tags order
// them within it.
func (it Item) Vector() []float32 {
	v := make([]float32, len(features))
	v[slices.Index(features, it.Category)] = 1
	for _, t := range it.Tags {
		v[slices.Index(features, t)] = 0.5
	}
	n := float32(math.Sqrt(1 + 0.25*float64(len(it.Tags))))
	for i := range v {
		v[i] /= n
	}
	return v
}

// Recommender keeps item and user vectors in two indexes of one bucket,
// and likes in a kv store: a hash of liked items per user, a sorted set
// of items by number of likes, and a counter of all likes.
type Recommender struct {
	items, users *vector.Index
	s            *kv.Store
	total        kv.Counter
}

const popular = "popular"

func likesKey(user string) string { return "likes:" + user }

// Like records that user likes item, in the caller's transaction, and
// reports whether it was new: a second like of the same item changes
// nothing. The like, the item's popularity and the user's vector (the
// running mean of the vectors of the items they like, n in its metadata)
// commit together: concurrent likes by one user conflict on the user's
// vector and retry, so none is lost from the mean; concurrent likes of one
// item conflict on its score and retry, so none is lost from the count.
func (r Recommender) Like(tx layer.Tx, user, item string) (bool, error) {
	if _, err := r.s.HGet(tx, likesKey(user), item); err == nil {
		return false, nil
	} else if !errors.Is(err, kv.ErrNotFound) {
		return false, err
	}
	iv, err := r.items.Get(tx, item, true)
	if err != nil {
		return false, err
	}
	mean, n := make([]float32, len(iv.Vector)), 0.0
	uv, err := r.users.Get(tx, user, true)
	switch {
	case err == nil:
		mean, n = uv.Vector, uv.Metadata["n"].(float64)
	case !errors.Is(err, vector.ErrNotFound):
		return false, err
	}
	for i := range mean {
		mean[i] = float32((float64(mean[i])*n + float64(iv.Vector[i])) / (n + 1))
	}
	if err := r.users.Put(tx, user, mean, map[string]any{"n": n + 1}); err != nil {
		return false, err
	}
	if err := r.s.HSet(tx, likesKey(user), item, []byte("1")); err != nil {
		return false, err
	}
	score, err := r.s.ZScore(tx, popular, item)
	if err != nil && !errors.Is(err, kv.ErrNotFound) {
		return false, err
	}
	if _, err := r.s.ZAdd(tx, popular, item, score+1); err != nil {
		return false, err
	}
	r.total.Add(tx, 1) // an atomic add: never a conflict
	return true, nil
}

// Liked returns the items user likes, sorted.
func (r Recommender) Liked(tx layer.ReadTx, user string) ([]string, error) {
	fs, err := r.s.HGetAll(tx, likesKey(user))
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(fs))
	for i, f := range fs {
		ids[i] = f.Name
	}
	return ids, nil
}

// Recommend returns the k items nearest user's vector that user has not
// liked: the liked ones are excluded by the search's filter ($nin), so
// the search still returns k items.
func (r Recommender) Recommend(tx layer.ReadTx, user string, k int) ([]vector.Result, error) {
	uv, err := r.users.Get(tx, user, true)
	if err != nil {
		return nil, err
	}
	liked, err := r.Liked(tx, user)
	if err != nil {
		return nil, err
	}
	var f *vector.Filter
	if len(liked) > 0 {
		nin := make([]any, len(liked))
		for i, id := range liked {
			nin[i] = id
		}
		if f, err = vector.ParseFilter(map[string]any{"id": map[string]any{"$nin": nin}}); err != nil {
			return nil, err
		}
	}
	return r.items.Search(tx, uv.Vector, vector.SearchOptions{K: k, Filter: f})
}

// Popular returns the k most liked items, most liked first.
func (r Recommender) Popular(tx layer.ReadTx, k int) ([]kv.Scored, error) {
	return r.s.ZRangeByScore(tx, popular, math.Inf(-1), math.Inf(1), kv.ZRangeOptions{Limit: k, Reverse: true})
}

// likesOf is what user u likes: items 0, 1 and 2 of category u mod 5, and
// item 0 of the next category.
func likesOf(u int) []string {
	c := u % len(categories)
	return []string{
		fmt.Sprintf("%s-0", categories[c]),
		fmt.Sprintf("%s-1", categories[c]),
		fmt.Sprintf("%s-2", categories[c]),
		fmt.Sprintf("%s-0", categories[(c+1)%len(categories)]),
	}
}

func userName(u int) string { return fmt.Sprintf("user-%02d", u) }

func run(ctx context.Context, db layer.DB, out io.Writer, users int) error {
	root := subspace.FromTuple(tuple.Tuple{"examples", "recommend"})
	b := vector.New(root.Sub("vectors"))
	s := kv.New(root.Sub("kv"), kv.Options{})
	total, err := s.Counter("likes")
	if err != nil {
		return err
	}
	items := catalog()
	r, err := layer.Transact(ctx, db, func(tx layer.Tx) (Recommender, error) {
		spec := vector.IndexSpec{Dims: len(features), Metric: vector.Cosine, Kind: vector.Exact}
		ix, err := b.CreateIndex(tx, "items", spec)
		if err != nil {
			return Recommender{}, err
		}
		ux, err := b.CreateIndex(tx, "users", spec)
		if err != nil {
			return Recommender{}, err
		}
		batch := make([]vector.Item, len(items))
		for i, it := range items {
			batch[i] = vector.Item{Key: it.ID, Vector: it.Vector(), Metadata: map[string]any{"id": it.ID, "category": it.Category}}
		}
		return Recommender{items: ix, users: ux, s: s, total: total}, ix.PutMany(tx, batch)
	})
	if err != nil {
		return err
	}

	// Every click in its own goroutine, and every click sent twice (a
	// double click, a client retry): likes by one user and of one item
	// race, and duplicates must count once.
	var wg sync.WaitGroup
	var mu sync.Mutex
	clicks, fresh := 0, 0
	errs := make(chan error, users*8)
	for u := range users {
		for _, item := range likesOf(u) {
			for range 2 {
				wg.Go(func() {
					isNew, err := layer.Transact(ctx, db, func(tx layer.Tx) (bool, error) {
						return r.Like(tx, userName(u), item)
					})
					if err != nil {
						errs <- err
						return
					}
					mu.Lock()
					clicks++
					if isNew {
						fresh++
					}
					mu.Unlock()
				})
			}
		}
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	n, err := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) (int64, error) { return total.Get(tx) })
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "clicks: %d, new likes: %d, likes counted: %d\n", clicks, fresh, n)

	top, err := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) ([]kv.Scored, error) { return r.Popular(tx, 5) })
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "most popular:")
	for _, m := range top {
		fmt.Fprintf(out, "  %-10s %g likes\n", m.Member, m.Score)
	}

	for u := range users {
		type recs struct {
			n     float64
			vec   []float32
			liked []string
			rs    []vector.Result
		}
		got, err := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) (recs, error) {
			uv, err := r.users.Get(tx, userName(u), true)
			if err != nil {
				return recs{}, err
			}
			liked, err := r.Liked(tx, userName(u))
			if err != nil {
				return recs{}, err
			}
			rs, err := r.Recommend(tx, userName(u), 3)
			return recs{uv.Metadata["n"].(float64), uv.Vector, liked, rs}, err
		})
		if err != nil {
			return err
		}
		if int(got.n) != len(got.liked) {
			return fmt.Errorf("%s: vector is the mean of %g likes, %d recorded", userName(u), got.n, len(got.liked))
		}
		// The running mean, whatever order the likes committed in, is the
		// mean of the liked items' vectors (to float32 rounding).
		for i := range got.vec {
			var want float64
			for _, id := range got.liked {
				want += float64(items[slices.IndexFunc(items, func(it Item) bool { return it.ID == id })].Vector()[i])
			}
			want /= float64(len(got.liked))
			if math.Abs(float64(got.vec[i])-want) > 1e-5 {
				return fmt.Errorf("%s: vector[%d] = %g, the mean of the liked items is %g", userName(u), i, got.vec[i], want)
			}
		}
		keys := make([]string, len(got.rs))
		for i, x := range got.rs {
			keys[i] = x.Key
		}
		fmt.Fprintf(out, "%s likes %s; recommended: %s\n", userName(u), strings.Join(got.liked, " "), strings.Join(keys, " "))
	}
	return nil
}
