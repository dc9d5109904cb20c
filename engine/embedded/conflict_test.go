package embedded

import (
	"fmt"
	"testing"

	"github.com/strata-db/strata/layer"
)

// readRanges returns a transaction's read conflict ranges, coalesced.
func readRanges(t *testing.T, ltx layer.Tx) string {
	t.Helper()
	x := ltx.(*tx)
	x.mu.Lock()
	defer x.mu.Unlock()
	rs := coalesce(append([]keyRange(nil), x.reads...))
	s := ""
	for _, r := range rs {
		s += fmt.Sprintf("[%q,%q)", r.begin, r.end)
	}
	return s
}

func TestReadConflictRanges(t *testing.T) {
	db, err := OpenMemory(WithSync(false))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	seed, _ := db.CreateTransaction()
	for _, k := range []string{"b", "d", "f", "h"} {
		seed.Set([]byte(k), []byte(k))
	}
	if err := seed.Commit(); err != nil {
		t.Fatal(err)
	}
	kr := func(b, e string) layer.KeyRange { return layer.KeyRange{Begin: []byte(b), End: []byte(e)} }
	for _, c := range []struct {
		name string
		do   func(tx layer.Tx)
		want string
	}{
		{"get", func(tx layer.Tx) { tx.Get([]byte("b")).Get() }, `["b","b\x00")`},
		{"get absent", func(tx layer.Tx) { tx.Get([]byte("c")).Get() }, `["c","c\x00")`},
		{"snapshot get", func(tx layer.Tx) { tx.Snapshot().Get([]byte("b")).Get() }, ``},
		{"get own set", func(tx layer.Tx) { tx.Set([]byte("b"), nil); tx.Get([]byte("b")).Get() }, ``},
		{"get own clear", func(tx layer.Tx) { tx.Clear([]byte("b")); tx.Get([]byte("b")).Get() }, ``},
		{"get in own clear range", func(tx layer.Tx) { tx.ClearRange(kr("a", "z")); tx.Get([]byte("b")).Get() }, ``},
		{"get own atomic", func(tx layer.Tx) { tx.Add([]byte("b"), []byte{1}); tx.Get([]byte("b")).Get() }, `["b","b\x00")`},
		{"empty range", func(tx layer.Tx) { tx.GetRange(kr("i", "k"), layer.RangeOptions{}).Slice() }, `["i","k")`},
		{"whole range", func(tx layer.Tx) { tx.GetRange(kr("a", "z"), layer.RangeOptions{}).Slice() }, `["a","z")`},
		{"limit", func(tx layer.Tx) { tx.GetRange(kr("a", "z"), layer.RangeOptions{Limit: 2}).Slice() }, `["a","d\x00")`},
		{"limit reverse", func(tx layer.Tx) { tx.GetRange(kr("a", "z"), layer.RangeOptions{Limit: 2, Reverse: true}).Slice() }, `["f","z")`},
		{"early break", func(tx layer.Tx) {
			for range tx.GetRange(kr("a", "z"), layer.RangeOptions{}).All() {
				break
			}
		}, `["a","b\x00")`},
		{"early break reverse", func(tx layer.Tx) {
			for range tx.GetRange(kr("a", "z"), layer.RangeOptions{Reverse: true}).All() {
				break
			}
		}, `["h","z")`},
		{"range minus own writes", func(tx layer.Tx) {
			tx.Set([]byte("c"), nil)
			tx.ClearRange(kr("e", "g"))
			tx.GetRange(kr("a", "z"), layer.RangeOptions{}).Slice()
		}, `["a","c")["c\x00","e")["g","z")`},
		{"getkey forward", func(tx layer.Tx) { tx.GetKey(layer.FirstGreaterOrEqual([]byte("c"))).Get() }, `["c","d\x00")`},
		{"getkey forward offset", func(tx layer.Tx) { tx.GetKey(layer.KeySelector{Key: []byte("c"), Offset: 2}).Get() }, `["c","f\x00")`},
		{"getkey backward", func(tx layer.Tx) { tx.GetKey(layer.LastLessOrEqual([]byte("e"))).Get() }, `["d","e\x00")`},
		{"getkey past end", func(tx layer.Tx) { tx.GetKey(layer.FirstGreaterThan([]byte("h"))).Get() }, `["h\x00","\xff")`},
		{"read conflict range", func(tx layer.Tx) { tx.AddReadConflictRange(kr("m", "n")) }, `["m","n")`},
		{"watch", func(tx layer.Tx) { tx.Watch([]byte("b")) }, `["b","b\x00")`},
	} {
		t.Run(c.name, func(t *testing.T) {
			tx, _ := db.CreateTransaction()
			defer tx.Cancel()
			c.do(tx)
			if got := readRanges(t, tx); got != c.want {
				t.Errorf("read conflict ranges %s, want %s", got, c.want)
			}
		})
	}
}

// TestConflictOutcomes checks who wins when transactions race.
func TestConflictOutcomes(t *testing.T) {
	db, err := OpenMemory(WithSync(false))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	write := func(k, v string) {
		tx, _ := db.CreateTransaction()
		tx.Set([]byte(k), []byte(v))
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		name     string
		read     func(tx layer.Tx)
		other    string
		conflict bool
	}{
		{"read then overwritten", func(tx layer.Tx) { tx.Get([]byte("k")).Get() }, "k", true},
		{"read elsewhere", func(tx layer.Tx) { tx.Get([]byte("j")).Get() }, "k", false},
		{"snapshot read", func(tx layer.Tx) { tx.Snapshot().Get([]byte("k")).Get() }, "k", false},
		{"phantom in empty range", func(tx layer.Tx) {
			tx.GetRange(layer.KeyRange{Begin: []byte("p"), End: []byte("q")}, layer.RangeOptions{}).Slice()
		}, "pp", true},
		{"own blind write", func(tx layer.Tx) { tx.Set([]byte("k"), []byte("mine")); tx.Get([]byte("k")).Get() }, "k", false},
		{"atomic only", func(tx layer.Tx) { tx.Add([]byte("k"), []byte{1}) }, "k", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			write("k", "0")
			tx, _ := db.CreateTransaction()
			tx.GetReadVersion().Get()
			c.read(tx)
			tx.Set([]byte("out/"+c.name), []byte("x"))
			write(c.other, "1")
			err := tx.Commit()
			if c.conflict != (err != nil) {
				t.Errorf("commit: %v, want conflict %v", err, c.conflict)
			}
			if err != nil && !errorsIs(err, layer.ErrNotCommitted) {
				t.Errorf("commit error %v, want 1020", err)
			}
		})
	}
}
