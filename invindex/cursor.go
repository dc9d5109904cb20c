package invindex

import (
	"fmt"
	"sort"

	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/tuple"
)

const maxPage = 4096

type posting struct {
	doc    string
	tf, dl int
}

// cursor walks one term's posting list in document order, a page (a
// limited range read) at a time. Seeking past the buffered page reads a
// new page from the target, so skipped stretches of a list are not read.
type cursor struct {
	ix      *Index
	tx      layer.ReadTx
	term    string
	idx     int
	rng     layer.KeyRange
	prefix  int // length of the list's key prefix: pack(("p", term)) under the subspace
	page    int
	pending layer.RangeResult
	buf     []posting
	pos     int
	more    bool // the page was full: the list may go on after it
	reads   int
	err     error
}

// fetch issues the read of the page that starts at begin; it is waited
// on at the first use, so cursors opened together read in parallel.
func (c *cursor) fetch(begin layer.KeySelector) {
	c.pending = c.tx.GetRange(layer.SelectorRange{Begin: begin, End: layer.FirstGreaterOrEqual(c.rng.End)},
		layer.RangeOptions{Limit: c.page, Mode: layer.StreamingModeWantAll})
	c.buf, c.pos = c.buf[:0], 0
}

func (c *cursor) resolve() error {
	if c.pending == nil {
		return c.err
	}
	kvs, err := c.pending.Slice()
	c.pending = nil
	if err != nil {
		c.err = err
		return err
	}
	c.reads += len(kvs)
	c.more = len(kvs) == c.page
	for _, kv := range kvs {
		if len(kv.Key) <= c.prefix {
			c.err = fmt.Errorf("%w: posting key %x", ErrCorrupt, kv.Key)
			return c.err
		}
		t, err := tuple.Unpack(kv.Key[c.prefix:])
		if err != nil || len(t) != 1 {
			c.err = fmt.Errorf("%w: posting key %x", ErrCorrupt, kv.Key)
			return c.err
		}
		doc, ok := t[0].(string)
		if !ok {
			c.err = fmt.Errorf("%w: posting key %x", ErrCorrupt, kv.Key)
			return c.err
		}
		tf, dl, err := decodePosting(kv.Value)
		if err != nil {
			c.err = err
			return err
		}
		c.buf = append(c.buf, posting{doc, tf, dl})
	}
	if c.page < maxPage {
		c.page *= 2
	}
	return nil
}

// cur returns the posting under the cursor; ok is false at the end.
func (c *cursor) cur() (posting, bool, error) {
	if err := c.resolve(); err != nil {
		return posting{}, false, err
	}
	if c.pos < len(c.buf) {
		return c.buf[c.pos], true, nil
	}
	return posting{}, false, nil
}

func (c *cursor) next() error {
	if err := c.resolve(); err != nil {
		return err
	}
	c.pos++
	if c.pos >= len(c.buf) && c.more {
		last := c.buf[len(c.buf)-1].doc
		c.fetch(layer.FirstGreaterThan(c.ix.postingKey(c.term, last)))
	}
	return nil
}

// seek moves to the first posting whose document is >= target.
func (c *cursor) seek(target string) (posting, bool, error) {
	p, ok, err := c.cur()
	if err != nil || !ok || p.doc >= target {
		return p, ok, err
	}
	if c.buf[len(c.buf)-1].doc >= target {
		rest := c.buf[c.pos:]
		c.pos += sort.Search(len(rest), func(i int) bool { return rest[i].doc >= target })
		return c.cur()
	}
	if !c.more {
		c.pos = len(c.buf)
		return posting{}, false, nil
	}
	c.page = 16 // a jump: start small again, grow while reading on
	c.fetch(layer.FirstGreaterOrEqual(c.ix.postingKey(c.term, target)))
	return c.cur()
}
