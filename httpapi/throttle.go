package httpapi

import (
	"net"
	"sync"
	"time"
)

// failThrottle slows down clients that keep presenting bad signatures, so
// guessing a signature costs time. Each client (by remote IP) has a score
// that grows by one per failure and decays by one per second; past the
// free allowance, every further failure waits score × step, capped.
type failThrottle struct {
	free float64       // failures allowed before any delay
	step time.Duration // delay per failure beyond the allowance
	cap  time.Duration
	max  int // tracked clients; the table is cleared when full

	mu sync.Mutex
	m  map[string]*failScore
}

type failScore struct {
	score float64
	at    time.Time
}

func newFailThrottle() *failThrottle {
	return &failThrottle{free: 10, step: 100 * time.Millisecond, cap: 2 * time.Second, max: 10_000, m: map[string]*failScore{}}
}

// fail records a failure from remoteAddr and returns how long to wait
// before answering it.
func (f *failThrottle) fail(remoteAddr string, now time.Time) time.Duration {
	ip, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		ip = remoteAddr
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.m[ip]
	if s == nil {
		if len(f.m) >= f.max {
			clear(f.m)
		}
		s = &failScore{at: now}
		f.m[ip] = s
	}
	s.score = max(0, s.score-now.Sub(s.at).Seconds()) + 1
	s.at = now
	if s.score <= f.free {
		return 0
	}
	return min(f.cap, time.Duration(s.score-f.free)*f.step)
}
