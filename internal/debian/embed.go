package debian

import (
	"hash/fnv"
	"math"
	"sort"
	"strings"

	"github.com/strata-db/strata/invindex"
)

// Dims is the dimension of Embed's vectors.
const Dims = 256

// embedSeed fixes the random projection: changing it changes every vector.
const embedSeed = 0x5eed_deb1_a2c0_ffee

// Embed turns a package into a unit vector of Dims float32s, without a
// model and deterministically (same input, same bits, on every machine):
//
//  1. Features: the words of the text (invindex.Tokenize: lowercased runs
//     of letters and digits) minus English stop words and words of one
//     character, plus character trigrams of the package name
//     ("#li", "lib", ...) so that related names (libssl3, libssl-dev) meet.
//  2. Weights, TF-IDF-like without a corpus: a word's weight is
//     (1 + ln tf) * idf, where the idf stand-in is ln(2 + length of the
//     word) (longer words are rarer); name words and name trigrams are
//     weighted 3 times, the short description twice the long one.
//  3. Projection: each feature f, hashed with FNV-1a 64, owns a fixed
//     pseudo-random vector of Dims entries, ±1 drawn from splitmix64
//     seeded with hash(f) ^ embedSeed (a sparse-free Achlioptas random
//     projection, computed on the fly instead of stored); the embedding is
//     the weighted sum of those vectors, normalised to length 1.
//
// Cosine similarity between embeddings approximates that between the
// weighted feature vectors (Johnson-Lindenstrauss), which is what vector
// search with the cosine metric ranks.
func Embed(name, short, long string) []float32 {
	w := map[string]float64{}
	add := func(text string, mult float64) {
		tf := map[string]int{}
		for _, t := range invindex.Tokenize(text) {
			if len(t) < 2 || stop[t] {
				continue
			}
			tf[t]++
		}
		for t, n := range tf {
			w["w:"+t] += mult * (1 + math.Log(float64(n))) * math.Log(2+float64(len(t)))
		}
	}
	add(strings.NewReplacer("-", " ", ".", " ", "+", " ").Replace(name), 3)
	add(short, 2)
	add(long, 1)
	padded := "#" + name + "#"
	for i := 0; i+3 <= len(padded); i++ {
		w["g:"+padded[i:i+3]] += 1.5
	}
	v := make([]float64, Dims)
	feats := make([]string, 0, len(w))
	for f := range w {
		feats = append(feats, f)
	}
	sort.Strings(feats) // a fixed order of float additions: the same bits everywhere
	for _, f := range feats {
		weight := w[f]
		h := fnv.New64a()
		h.Write([]byte(f))
		state := h.Sum64() ^ embedSeed
		for d := 0; d < Dims; d += 64 {
			bits := splitmix64(&state)
			for k := 0; k < 64; k++ {
				if bits&(1<<k) != 0 {
					v[d+k] += weight
				} else {
					v[d+k] -= weight
				}
			}
		}
	}
	var norm float64
	for _, x := range v {
		norm += x * x
	}
	out := make([]float32, Dims)
	if norm == 0 {
		out[0] = 1
		return out
	}
	norm = math.Sqrt(norm)
	for i, x := range v {
		out[i] = float32(x / norm)
	}
	return out
}

func splitmix64(s *uint64) uint64 {
	*s += 0x9e3779b97f4a7c15
	z := *s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

var stop = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a an and are as at be but by for from has have in is it its
		of on or that the this to was were will with which you your can package
		this these those provides contains files file support used use using`) {
		m[w] = true
	}
	return m
}()
