package httpapi

import (
	"sync"
	"time"
)

// ErrorReport is one failed delivery request, as the error_reports Admin
// API extension lists it.
type ErrorReport struct {
	Time    string `json:"time"` // RFC 3339
	URL     string `json:"url"`
	Status  int    `json:"status"`
	Message string `json:"message"`
}

// errorReports keeps the most recent delivery failures of each
// environment in a fixed-size ring, so a flood of bad URLs costs bounded
// memory and no disk writes. Reports live in the node's memory: each node
// reports its own failures, and a restart starts afresh.
type errorReports struct {
	size int
	mu   sync.Mutex
	m    map[string]*ring
}

type ring struct {
	items []ErrorReport
	next  int
	full  bool
}

func newErrorReports(size int) *errorReports {
	return &errorReports{size: size, m: map[string]*ring{}}
}

func (e *errorReports) add(cloud string, r ErrorReport) {
	e.mu.Lock()
	defer e.mu.Unlock()
	rg := e.m[cloud]
	if rg == nil {
		if len(e.m) >= 10_000 { // unknown clouds must not grow the map without bound
			return
		}
		rg = &ring{items: make([]ErrorReport, e.size)}
		e.m[cloud] = rg
	}
	rg.items[rg.next] = r
	rg.next = (rg.next + 1) % e.size
	rg.full = rg.full || rg.next == 0
}

// list returns an environment's reports, newest first, at most limit.
func (e *errorReports) list(cloud string, limit int) []ErrorReport {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := []ErrorReport{}
	rg := e.m[cloud]
	if rg == nil {
		return out
	}
	n := rg.next
	if rg.full {
		n = e.size
	}
	for i := 0; i < n && len(out) < limit; i++ {
		out = append(out, rg.items[(rg.next-1-i+e.size)%e.size])
	}
	return out
}

func reportTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }
