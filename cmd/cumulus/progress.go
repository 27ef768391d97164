package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// progress reports long work (uploads, migrations): on a terminal one line
// redrawn in place with a bar, counts, bytes, rate and ETA; elsewhere (a
// log, a pipe, CI) a plain line every interval, so logs stay readable.
type progress struct {
	w        io.Writer
	tty      bool
	label    string
	unit     string // what is counted: "files", "assets"
	interval time.Duration
	now      func() time.Time

	totalItems, totalBytes atomic.Int64
	done, skipped, failed  atomic.Int64 // items finished, of which skipped and failed
	bytes                  atomic.Int64 // bytes sent (or skipped)
	start                  time.Time
	stop                   chan struct{}
	wg                     sync.WaitGroup
	mu                     sync.Mutex // serialises writes to w
}

// isTerminal reports whether f is a character device (a terminal).
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// newProgress returns a reporter writing to w; tty selects the redrawn
// line. interval is the redraw period on a terminal and the period of
// plain lines elsewhere.
func newProgress(w io.Writer, tty bool, label, unit string, interval time.Duration) *progress {
	if interval <= 0 {
		interval = 2 * time.Second
	}
	if tty && interval > 250*time.Millisecond {
		interval = 250 * time.Millisecond
	}
	return &progress{w: w, tty: tty, label: label, unit: unit, interval: interval, now: time.Now, stop: make(chan struct{})}
}

// SetTotal sets the amount of work expected (it may grow while listing).
func (p *progress) SetTotal(items, bytes int64) {
	p.totalItems.Store(items)
	p.totalBytes.Store(bytes)
}

// Start prints the first line and keeps reporting until Stop.
func (p *progress) Start() {
	p.start = p.now()
	p.print(false)
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(p.interval)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				p.print(false)
			}
		}
	}()
}

// Stop prints the final line.
func (p *progress) Stop() {
	close(p.stop)
	p.wg.Wait()
	p.print(true)
}

// Add counts n bytes sent.
func (p *progress) Add(n int64) { p.bytes.Add(n) }

// Done counts one finished item; skipped and failed say how it ended.
func (p *progress) Done(skipped, failed bool) {
	p.done.Add(1)
	if skipped {
		p.skipped.Add(1)
	}
	if failed {
		p.failed.Add(1)
	}
}

// Logf prints a message without breaking the progress line.
func (p *progress) Logf(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
	fmt.Fprintf(p.w, format+"\n", args...)
}

func (p *progress) print(final bool) {
	line := p.line(p.now())
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.tty && final:
		fmt.Fprint(p.w, "\r\x1b[K"+line+"\n")
	case p.tty:
		fmt.Fprint(p.w, "\r\x1b[K"+line)
	default:
		fmt.Fprintln(p.w, line)
	}
}

// line renders the current state, e.g.
// "upload [#####.....] 42/100 files  1.2 MB/3.0 MB  600 KB/s  ETA 3s  (2 skipped)".
func (p *progress) line(now time.Time) string {
	items, total := p.done.Load(), p.totalItems.Load()
	b, tb := p.bytes.Load(), p.totalBytes.Load()
	elapsed := now.Sub(p.start)
	var sb strings.Builder
	sb.WriteString(p.label)
	if p.tty {
		frac := 0.0
		if tb > 0 {
			frac = float64(b) / float64(tb)
		} else if total > 0 {
			frac = float64(items) / float64(total)
		}
		frac = min(max(frac, 0), 1)
		const width = 24
		n := int(frac * width)
		sb.WriteString(" [" + strings.Repeat("#", n) + strings.Repeat(".", width-n) + "]")
	} else {
		sb.WriteString(":")
	}
	fmt.Fprintf(&sb, " %d/%d %s  %s/%s", items, total, p.unit, humanBytes(b), humanBytes(tb))
	if secs := elapsed.Seconds(); secs > 0.5 && b > 0 {
		rate := float64(b) / secs
		fmt.Fprintf(&sb, "  %s/s", humanBytes(int64(rate)))
		if left := tb - b; left > 0 && items < total {
			sb.WriteString("  ETA " + time.Duration(float64(left)/rate*float64(time.Second)).Round(time.Second).String())
		}
	}
	if s, f := p.skipped.Load(), p.failed.Load(); s > 0 || f > 0 {
		fmt.Fprintf(&sb, "  (%d skipped, %d failed)", s, f)
	}
	return sb.String()
}

// humanBytes writes n in B, KB, MB, GB (powers of 1024).
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	f := float64(n)
	for _, u := range []string{"KB", "MB", "GB", "TB"} {
		f /= unit
		if f < unit || u == "TB" {
			return fmt.Sprintf("%.1f %s", f, u)
		}
	}
	return ""
}

// countingReader counts bytes as they are read, for progress.
type countingReader struct {
	r io.Reader
	p *progress
	n int64
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	c.p.Add(int64(n))
	return n, err
}
