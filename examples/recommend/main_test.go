package main

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/strata-db/strata/examples/internal/example"
	"github.com/strata-db/strata/layer"
)

func TestRun(t *testing.T) {
	const users = 16
	got := example.Test(t, func(ctx context.Context, db layer.DB, out io.Writer) error {
		return run(ctx, db, out, users)
	})
	// 16 users × 4 likes, each clicked twice: every duplicate is ignored,
	// every like counted once. Item 0 of a category is liked by its users
	// and by the previous category's: 4+3 for scifi and cooking (users 0,
	// 5, 10, 15 like scifi), 3+3 for the others.
	want := "clicks: 128, new likes: 64, likes counted: 64\n" +
		"most popular:\n" +
		"  scifi-0    7 likes\n" +
		"  cooking-0  7 likes\n" +
		"  jazz-0     6 likes\n" +
		"  history-0  6 likes\n" +
		"  hiking-0   6 likes\n"
	if !strings.HasPrefix(got, want) {
		t.Fatalf("output\n%s\nwant it to start with\n%s", got, want)
	}
	lines := strings.Split(strings.TrimSuffix(strings.TrimPrefix(got, want), "\n"), "\n")
	if len(lines) != users {
		t.Fatalf("%d user lines, want %d", len(lines), users)
	}
	for u, l := range lines {
		name, rest, _ := strings.Cut(l, " likes ")
		likedStr, recStr, _ := strings.Cut(rest, "; recommended: ")
		liked, recs := strings.Fields(likedStr), strings.Fields(recStr)
		if name != userName(u) {
			t.Errorf("line %d is %q, want %s", u, l, userName(u))
		}
		want := likesOf(u)
		if len(liked) != len(want) {
			t.Errorf("%s likes %q, want %q", name, liked, want)
		}
		for _, w := range want {
			if !strings.Contains(" "+likedStr+" ", " "+w+" ") {
				t.Errorf("%s: like of %s missing from %q", name, w, likedStr)
			}
		}
		if len(recs) != 3 {
			t.Errorf("%s: %d recommendations, want 3", name, len(recs))
		}
		cat := categories[u%len(categories)]
		for _, r := range recs {
			if strings.Contains(" "+likedStr+" ", " "+r+" ") {
				t.Errorf("%s: recommended %s, already liked", name, r)
			}
			if !strings.HasPrefix(r, cat+"-") {
				t.Errorf("%s: recommended %s, want a %s item", name, r, cat)
			}
		}
	}
}
