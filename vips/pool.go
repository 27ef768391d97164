package vips

import (
	"context"
	"errors"
	"runtime"
	"sync/atomic"
)

// ErrOverloaded is returned by Pool.Do when every worker is busy and the
// queue is full. The HTTP layer answers it with 503 and Retry-After: refusing
// early keeps memory bounded under any load.
var ErrOverloaded = errors.New("vips: overloaded")

// Pool bounds how many renders run at once (workers) and how many may wait
// for a worker (queue). A Pool is safe for concurrent use; its zero value is
// not usable.
type Pool struct {
	slots   chan struct{}
	queue   int64
	waiting atomic.Int64
}

// NewPool returns a pool of workers slots (≤ 0: one per core) with room for
// queue waiting calls (< 0: none).
func NewPool(workers, queue int) *Pool {
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	return &Pool{slots: make(chan struct{}, workers), queue: int64(max(queue, 0))}
}

// Do runs fn on the calling goroutine once a worker slot is free and returns
// its error. It returns ErrOverloaded at once when the queue is full, and
// ctx's error if ctx ends while waiting (fn then does not run).
func (p *Pool) Do(ctx context.Context, fn func() error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case p.slots <- struct{}{}:
	default:
		if p.waiting.Add(1) > p.queue {
			p.waiting.Add(-1)
			return ErrOverloaded
		}
		select {
		case p.slots <- struct{}{}:
			p.waiting.Add(-1)
		case <-ctx.Done():
			p.waiting.Add(-1)
			return ctx.Err()
		}
	}
	defer func() { <-p.slots }()
	return fn()
}

// Running returns how many calls hold a worker slot now.
func (p *Pool) Running() int { return len(p.slots) }

// Waiting returns how many calls wait for a slot now.
func (p *Pool) Waiting() int { return int(p.waiting.Load()) }

// Full reports whether a call to Do made now would be refused with
// ErrOverloaded: every worker busy and the queue full. It is a hint for
// refusing early, before a caller spends memory on its input; Do remains
// the authority.
func (p *Pool) Full() bool {
	return len(p.slots) == cap(p.slots) && p.waiting.Load() >= p.queue
}
