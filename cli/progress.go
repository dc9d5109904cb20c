package cli

import (
	"fmt"
	"io"
	"time"
)

// progress reports the advance of long work (raw export, raw import) on
// stderr, as one line rewritten in place, and only when stderr is a
// terminal: scripts and tests see nothing. It writes at most every
// progressEvery.
type progress struct {
	w     io.Writer
	on    bool
	verb  string // "exported"
	total int64  // rows expected, 0 if unknown
	last  time.Time
	shown bool
}

const progressEvery = 250 * time.Millisecond

func newProgress(w io.Writer, verb string, total int64) *progress {
	return &progress{w: w, on: isTerminal(w), verb: verb, total: total}
}

// tick reports rows (and bytes, if known) done so far.
func (p *progress) tick(rows, bytes int64) {
	if _, ok := p.due(); !ok {
		return
	}
	line := fmt.Sprintf("%s %d rows", p.verb, rows)
	if p.total > 0 {
		line = fmt.Sprintf("%s %d of %d rows (%d%%)", p.verb, rows, p.total, rows*100/p.total)
	}
	if bytes > 0 {
		line += fmt.Sprintf(", %.1f MiB", float64(bytes)/(1<<20))
	}
	p.show(line)
}

// due reports whether to draw a line now: on a terminal, at most every
// progressEvery. It returns the time.
func (p *progress) due() (time.Time, bool) {
	if !p.on {
		return time.Time{}, false
	}
	now := time.Now()
	if now.Sub(p.last) < progressEvery {
		return now, false
	}
	p.last = now
	return now, true
}

// show draws line in place of the one before.
func (p *progress) show(line string) {
	p.shown = true
	fmt.Fprint(p.w, "\r\x1b[K"+line)
}

// done erases the progress line, if one was shown, so that what follows
// (an error, the shell's prompt) starts on a clean line.
func (p *progress) done() {
	if p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.shown = false
	}
}
