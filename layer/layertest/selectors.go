package layertest

import (
	"bytes"
	"testing"

	"github.com/strata-db/strata/layer"
)

func (s *suite) testKeySelectors(t *testing.T) {
	t.Run("Resolve", func(t *testing.T) {
		e := s.env(t)
		e.write(e.k("a"), v("1"), e.k("c"), v("3"), e.k("e"), v("5"), e.k("g"), v("7"))
		sel := func(k string, orEqual bool, offset int) layer.KeySelector {
			return layer.KeySelector{Key: e.k(k), OrEqual: orEqual, Offset: offset}
		}
		cases := []struct {
			name string
			sel  layer.KeySelector
			want string
		}{
			{"FirstGreaterOrEqual(c)", layer.FirstGreaterOrEqual(e.k("c")), "c"},
			{"FirstGreaterOrEqual(b)", layer.FirstGreaterOrEqual(e.k("b")), "c"},
			{"FirstGreaterThan(c)", layer.FirstGreaterThan(e.k("c")), "e"},
			{"FirstGreaterThan(d)", layer.FirstGreaterThan(e.k("d")), "e"},
			{"LastLessOrEqual(c)", layer.LastLessOrEqual(e.k("c")), "c"},
			{"LastLessOrEqual(d)", layer.LastLessOrEqual(e.k("d")), "c"},
			{"LastLessThan(c)", layer.LastLessThan(e.k("c")), "a"},
			{"LastLessThan(d)", layer.LastLessThan(e.k("d")), "c"},
			{"FirstGreaterOrEqual(a)+1", sel("a", false, 2), "c"},
			{"FirstGreaterOrEqual(a)+2", sel("a", false, 3), "e"},
			{"FirstGreaterThan(a)+2", sel("a", true, 3), "g"},
			{"FirstGreaterOrEqual(b)+1", sel("b", false, 2), "e"},
			{"LastLessOrEqual(g)-1", sel("g", true, -1), "e"},
			{"LastLessThan(e)-1", sel("e", false, -1), "a"},
			{"LastLessOrEqual(f)-2", sel("f", true, -2), "a"},
			{"LastLessThan(g)+1", sel("g", false, 1), "g"},
			{"LastLessOrEqual(c)+1", sel("c", true, 1), "e"},
		}
		tx := e.tx()
		for _, c := range cases {
			got := mustKey(t, tx, c.sel)
			if string(got) != e.prefix+c.want {
				t.Errorf("%s = %s, want %q", c.name, e.show(got), c.want)
			}
		}
		// Selectors that run off either end of the database.
		if got := mustKey(t, tx, layer.LastLessThan(nil)); len(got) != 0 {
			t.Errorf(`LastLessThan("") = %q, want ""`, got)
		}
		if got := mustKey(t, tx, layer.KeySelector{Key: nil, OrEqual: false, Offset: -3}); len(got) != 0 {
			t.Errorf(`LastLessThan("")-3 = %q, want ""`, got)
		}
		if got := mustKey(t, tx, layer.FirstGreaterOrEqual([]byte{0xff})); !bytes.Equal(got, []byte{0xff}) {
			t.Errorf(`FirstGreaterOrEqual("\xff") = %q, want "\xff"`, got)
		}
		if got := mustKey(t, tx, layer.KeySelector{Key: []byte{0xff}, OrEqual: false, Offset: 3}); !bytes.Equal(got, []byte{0xff}) {
			t.Errorf(`FirstGreaterOrEqual("\xff")+2 = %q, want "\xff"`, got)
		}
	})

	t.Run("Ends", func(t *testing.T) {
		// The database may hold other keys below and above the prefix, so
		// this transaction clears (without committing) everything outside
		// its four keys: its own view then ends at them.
		e := s.env(t)
		e.write(e.k("a"), v("1"), e.k("c"), v("3"), e.k("e"), v("5"), e.k("g"), v("7"))
		tx := e.tx()
		tx.ClearRange(layer.KeyRange{Begin: nil, End: e.k("a")})
		tx.ClearRange(layer.KeyRange{Begin: keyAfter(e.k("g")), End: []byte{0xff}})
		ff := []byte{0xff}
		cases := []struct {
			name string
			sel  layer.KeySelector
			want []byte
		}{
			{"LastLessThan(a)", layer.LastLessThan(e.k("a")), []byte{}},
			{"LastLessOrEqual(a)-1", layer.KeySelector{Key: e.k("a"), OrEqual: true, Offset: -1}, []byte{}},
			{"FirstGreaterOrEqual(c)-5", layer.KeySelector{Key: e.k("c"), OrEqual: false, Offset: -4}, []byte{}},
			{"LastLessOrEqual(a)", layer.LastLessOrEqual(e.k("a")), e.k("a")},
			{"FirstGreaterOrEqual(nothing)", layer.FirstGreaterOrEqual(nil), e.k("a")},
			{"FirstGreaterThan(g)", layer.FirstGreaterThan(e.k("g")), ff},
			{"FirstGreaterOrEqual(g)+1", layer.KeySelector{Key: e.k("g"), OrEqual: false, Offset: 2}, ff},
			{"FirstGreaterOrEqual(e)+5", layer.KeySelector{Key: e.k("e"), OrEqual: false, Offset: 6}, ff},
			{"LastLessOrEqual(\\xff)", layer.LastLessOrEqual(ff), e.k("g")},
			{"LastLessThan(\\xff)-3", layer.KeySelector{Key: ff, OrEqual: false, Offset: -3}, e.k("a")},
		}
		for _, c := range cases {
			got := mustKey(t, tx, c.sel)
			if !bytes.Equal(got, c.want) {
				t.Errorf("%s = %s, want %s", c.name, e.show(got), e.show(c.want))
			}
		}
		kvs := mustRange(t, tx, layer.SelectorRange{
			Begin: layer.KeySelector{Key: e.k("c"), OrEqual: false, Offset: -5},
			End:   layer.KeySelector{Key: e.k("c"), OrEqual: false, Offset: 10},
		}, layer.RangeOptions{})
		if len(kvs) != 4 || !bytes.Equal(kvs[0].Key, e.k("a")) || !bytes.Equal(kvs[3].Key, e.k("g")) {
			t.Errorf("a selector range running off both ends = %s, want a, c, e, g", e.showKVs(kvs))
		}
		tx.Cancel()
	})

	t.Run("OverWrites", func(t *testing.T) {
		e := s.env(t)
		e.write(e.k("a"), v("1"), e.k("c"), v("3"), e.k("e"), v("5"), e.k("g"), v("7"))
		tx := e.tx()
		tx.Set(e.k("b"), v("2"))
		tx.Clear(e.k("c"))
		tx.Set(e.k("f"), v("6"))
		tx.ClearRange(layer.KeyRange{Begin: e.k("g"), End: e.k("h")})
		tx.Set(e.k("i"), v("9"))
		cases := []struct {
			name string
			sel  layer.KeySelector
			want string
		}{
			{"FirstGreaterThan(a)", layer.FirstGreaterThan(e.k("a")), "b"},
			{"FirstGreaterThan(b)", layer.FirstGreaterThan(e.k("b")), "e"},
			{"FirstGreaterOrEqual(c)", layer.FirstGreaterOrEqual(e.k("c")), "e"},
			{"LastLessOrEqual(d)", layer.LastLessOrEqual(e.k("d")), "b"},
			{"LastLessThan(e)", layer.LastLessThan(e.k("e")), "b"},
			{"FirstGreaterThan(e)", layer.FirstGreaterThan(e.k("e")), "f"},
			{"FirstGreaterThan(f)", layer.FirstGreaterThan(e.k("f")), "i"},
			{"FirstGreaterOrEqual(a)+3", layer.KeySelector{Key: e.k("a"), OrEqual: false, Offset: 4}, "f"},
			{"LastLessOrEqual(i)-2", layer.KeySelector{Key: e.k("i"), OrEqual: true, Offset: -2}, "e"},
		}
		for _, c := range cases {
			got := mustKey(t, tx, c.sel)
			if string(got) != e.prefix+c.want {
				t.Errorf("%s = %s, want %q", c.name, e.show(got), c.want)
			}
		}
	})

	t.Run("SelectorRange", func(t *testing.T) {
		e := s.env(t)
		e.write(e.k("a"), v("1"), e.k("c"), v("3"), e.k("e"), v("5"), e.k("g"), v("7"))
		keysOf := func(kvs []layer.KeyValue) string {
			out := ""
			for _, kv := range kvs {
				out += string(bytes.TrimPrefix(kv.Key, []byte(e.prefix)))
			}
			return out
		}
		sel := func(k string, orEqual bool, offset int) layer.KeySelector {
			return layer.KeySelector{Key: e.k(k), OrEqual: orEqual, Offset: offset}
		}
		cases := []struct {
			name string
			r    layer.SelectorRange
			opts layer.RangeOptions
			want string
		}{
			{"(a, g]", layer.SelectorRange{Begin: layer.FirstGreaterThan(e.k("a")), End: layer.FirstGreaterThan(e.k("g"))}, layer.RangeOptions{}, "ceg"},
			{"(a, g)", layer.SelectorRange{Begin: layer.FirstGreaterThan(e.k("a")), End: layer.FirstGreaterOrEqual(e.k("g"))}, layer.RangeOptions{}, "ce"},
			{"[LastLessOrEqual(d), FirstGreaterThan(e))", layer.SelectorRange{Begin: layer.LastLessOrEqual(e.k("d")), End: layer.FirstGreaterThan(e.k("e"))}, layer.RangeOptions{}, "ce"},
			{"offsets", layer.SelectorRange{Begin: sel("a", false, 2), End: sel("a", false, 4)}, layer.RangeOptions{}, "ce"},
			{"reverse, limit 1", layer.SelectorRange{Begin: layer.FirstGreaterThan(e.k("a")), End: layer.FirstGreaterThan(e.k("g"))}, layer.RangeOptions{Reverse: true, Limit: 1}, "g"},
			{"limit 2", layer.SelectorRange{Begin: layer.FirstGreaterOrEqual(e.k("a")), End: layer.FirstGreaterThan(e.k("g"))}, layer.RangeOptions{Limit: 2}, "ac"},
			{"end resolves before begin", layer.SelectorRange{Begin: layer.FirstGreaterOrEqual(e.k("e")), End: sel("e", false, -1)}, layer.RangeOptions{}, ""},
			{"end equals begin", layer.SelectorRange{Begin: layer.FirstGreaterOrEqual(e.k("b")), End: layer.FirstGreaterThan(e.k("b"))}, layer.RangeOptions{}, ""},
			{"KeyRange as selectors", layer.SelectorRange{Begin: layer.FirstGreaterOrEqual(e.k("b")), End: layer.FirstGreaterOrEqual(e.k("f"))}, layer.RangeOptions{}, "ce"},
		}
		tx := e.tx()
		for _, c := range cases {
			got := keysOf(mustRange(t, tx, c.r, c.opts))
			if got != c.want {
				t.Errorf("%s: got keys %q, want %q", c.name, got, c.want)
			}
		}
		// A KeyRange is the same as its selectors.
		got := keysOf(mustRange(t, tx, layer.KeyRange{Begin: e.k("b"), End: e.k("f")}, layer.RangeOptions{}))
		if got != "ce" {
			t.Errorf("KeyRange [b, f): got %q, want \"ce\"", got)
		}
	})
}
