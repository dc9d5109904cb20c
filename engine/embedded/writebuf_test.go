package embedded

import (
	"bytes"
	"fmt"
	"slices"
	"testing"
)

func TestSkiplistRandom(t *testing.T) {
	r := testRand(t)
	var s skiplist[entry]
	var model [][]byte
	for i := 0; i < 2000; i++ {
		k := []byte(fmt.Sprintf("%03d", r.IntN(500)))
		_, created := s.insert(k)
		j, found := slices.BinarySearchFunc(model, k, bytes.Compare)
		if created == found {
			t.Fatalf("insert(%s) created=%v but model found=%v", k, created, found)
		}
		if !found {
			model = slices.Insert(model, j, k)
		}
	}
	// Forward and backward walks match the model.
	i := 0
	for n := s.first(); n != nil; n = n.nextNode() {
		if !bytes.Equal(n.key, model[i]) {
			t.Fatalf("forward %d: %s, want %s", i, n.key, model[i])
		}
		if i > 0 && !bytes.Equal(n.prevNode().key, model[i-1]) {
			t.Fatalf("prev of %s is %s", n.key, n.prevNode().key)
		}
		i++
	}
	if i != len(model) || s.n != len(model) {
		t.Fatalf("walked %d nodes, n=%d, model %d", i, s.n, len(model))
	}
	for q := 0; q < 500; q++ {
		k := []byte(fmt.Sprintf("%03d", r.IntN(520)))
		j, _ := slices.BinarySearchFunc(model, k, bytes.Compare)
		ge := s.seekGE(k)
		if (j == len(model)) != (ge == nil) || (ge != nil && !bytes.Equal(ge.key, model[j])) {
			t.Fatalf("seekGE(%s) wrong", k)
		}
		lt := s.seekLT(k)
		if (j == 0) != (lt == nil) || (lt != nil && !bytes.Equal(lt.key, model[j-1])) {
			t.Fatalf("seekLT(%s) wrong", k)
		}
	}
	s.reset()
	if s.first() != nil || s.seekGE(nil) != nil {
		t.Fatal("reset left nodes")
	}
}

func TestWriteBufferConflictsAndSize(t *testing.T) {
	var w writeBuffer
	w.set([]byte("b"), []byte("1"))
	w.clearRange([]byte("c"), []byte("e"))
	w.set([]byte("d"), []byte("2")) // inside the cleared range
	w.clear([]byte("g"))
	w.atomic([]byte("h"), opAdd, []byte{1})
	w.atomic([]byte("d"), opAdd, []byte{1}) // folded into the set
	got := ""
	for _, r := range coalesce(w.writeConflicts(nil)) {
		got += fmt.Sprintf("[%s,%q)", r.begin, r.end)
	}
	want := `[b,"b\x00")[c,"e")[g,"g\x00")[h,"h\x00")`
	if got != want {
		t.Errorf("write conflicts %s, want %s", got, want)
	}
	if n := w.list.find([]byte("d")); n == nil || n.val.base != baseSet || !bytes.Equal(n.val.value, []byte("3")) {
		t.Errorf("d = %+v, want set to \"3\" (2 + 1)", n)
	}
	if n := w.list.find([]byte("h")); n == nil || n.val.base != baseDB || len(n.val.ops) != 1 || w.dependent != 1 {
		t.Errorf("h = %+v, dependent %d, want one op over the stored value", n, w.dependent)
	}
	// Sizes: b=1 (2), clear c-e (2), d=3 (2), clear g as a range (3), add h (2).
	if got := w.mutationBytes(); got != 11 {
		t.Errorf("mutationBytes = %d, want 11", got)
	}
	// A ClearRange over the whole buffer clears every entry.
	w.clearRange([]byte("a"), []byte("z"))
	for n := w.list.first(); n != nil; n = n.nextNode() {
		if n.val.base != baseClear {
			t.Errorf("%s not cleared by the ClearRange", n.key)
		}
	}
	if w.clears.len() != 1 {
		t.Errorf("clears %q, want one range", w.clears.ranges())
	}
}

func TestWriteBufferVersionstampedKey(t *testing.T) {
	var w writeBuffer
	key := append([]byte("p"), make([]byte, 10)...)
	key = append(key, 1, 0, 0, 0)
	w.setVersionstampedKey(key, 1, []byte("v"), 0x0102)
	r := w.unreadable.ranges()
	if len(r) != 1 {
		t.Fatalf("unreadable %q", r)
	}
	if want := []byte("p\x00\x00\x00\x00\x00\x00\x01\x02\x00\x00"); !bytes.Equal(r[0].begin, want) {
		t.Errorf("unreadable begins at %q, want %q", r[0].begin, want)
	}
	if want := []byte("p\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x00"); !bytes.Equal(r[0].end, want) {
		t.Errorf("unreadable ends at %q, want %q", r[0].end, want)
	}
	// Setting a key inside makes that key readable; clearing the range
	// makes it all readable (and cancels the write if the key lands there).
	k := []byte("p\x05\x00\x00\x00\x00\x00\x00\x00\x00\x00")
	w.set(k, nil)
	if w.unreadable.contains(k) {
		t.Error("a key set after the versionstamped key is still unreadable")
	}
	w.clearRange([]byte("p"), []byte("q"))
	if w.unreadable.len() != 0 || len(w.vsKeys[0].clearedAfter) != 1 {
		t.Errorf("after ClearRange: unreadable %q, clearedAfter %q", w.unreadable.ranges(), w.vsKeys[0].clearedAfter)
	}
}
