// Package lease holds what the workers of leased queues share (the CDN
// purge outbox, the job queue): how a process names itself in leases, the
// loop of claim rounds, and the back-off between attempts.
package lease

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"time"
)

// Owner names this process in leases: host, pid and a random suffix, so
// that a restarted process never owns its predecessor's leases.
func Owner() string {
	host, _ := os.Hostname()
	var b [4]byte
	crand.Read(b[:])
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

// Signal wakes a waiting loop. Wake never blocks, and wake-ups sent
// while the loop is busy fold into one.
type Signal chan struct{}

// NewSignal returns a Signal.
func NewSignal() Signal { return make(Signal, 1) }

// Wake makes the loop run a round now.
func (s Signal) Wake() {
	select {
	case s <- struct{}{}:
	default:
	}
}

// Rounds calls round until ctx is done: at once again while a round
// claims a full batch (more may be due), otherwise after a wake-up or a
// poll interval.
func Rounds(ctx context.Context, poll time.Duration, wake Signal, batch int, round func(context.Context) (int, error)) {
	t := time.NewTicker(poll)
	defer t.Stop()
	for ctx.Err() == nil {
		if n, err := round(ctx); n == batch && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
		case <-wake:
		case <-t.C:
		}
	}
}

// Backoff is the wait after the n-th failed attempt: lo doubled n-1
// times, capped at hi, then spread over [75%, 100%] so that many tasks
// failing together do not retry together.
func Backoff(lo, hi time.Duration, n int) time.Duration {
	d := lo
	for i := 1; i < n && d < hi; i++ {
		d *= 2
	}
	d = min(d, hi)
	return d - time.Duration(rand.Int64N(int64(d)/4+1))
}
