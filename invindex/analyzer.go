package invindex

import (
	"strings"
	"unicode"
)

// MaxTermSize is the longest term, in bytes, that an index keeps. The
// default analyzer drops longer tokens; IndexCounts refuses them.
const MaxTermSize = 200

// Analyzer turns text into terms, in order, repeats included: a term's
// count in a document is its number of occurrences. The same analyzer
// must be used to index and to query.
type Analyzer func(text string) []string

// Tokenize is the default analyzer: it splits text into maximal runs of
// Unicode letters, digits and marks (unicode.IsLetter, unicode.IsDigit,
// unicode.IsNumber, unicode.IsMark), lowercases them with Unicode case
// mapping (strings.ToLower), and drops tokens longer than MaxTermSize
// bytes. It neither stems nor removes stop words: "running" and "run" are
// different terms. "Crème-brûlée x86_64" gives [crème brûlée x86 64].
func Tokenize(text string) []string {
	var out []string
	start := -1
	for i, r := range text {
		if unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			out = appendToken(out, text[start:i])
			start = -1
		}
	}
	if start >= 0 {
		out = appendToken(out, text[start:])
	}
	return out
}

func appendToken(out []string, tok string) []string {
	t := strings.ToLower(tok)
	if len(t) > MaxTermSize {
		return out
	}
	return append(out, t)
}

// EnglishStopWords is a short list of English function words, for
// WithStopWords.
var EnglishStopWords = []string{
	"a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if",
	"in", "into", "is", "it", "no", "not", "of", "on", "or", "such", "that",
	"the", "their", "then", "there", "these", "they", "this", "to", "was",
	"will", "with",
}

// WithStopWords returns an analyzer that runs a and drops the given words
// (compared with a's output, so give them lowercased for Tokenize). A
// query made only of stop words then finds nothing.
func WithStopWords(a Analyzer, words []string) Analyzer {
	stop := make(map[string]bool, len(words))
	for _, w := range words {
		stop[w] = true
	}
	return func(text string) []string {
		terms := a(text)
		out := terms[:0]
		for _, t := range terms {
			if !stop[t] {
				out = append(out, t)
			}
		}
		return out
	}
}

// Count returns the number of occurrences of each term.
func Count(terms []string) map[string]int {
	m := make(map[string]int, len(terms))
	for _, t := range terms {
		m[t]++
	}
	return m
}
