package vips_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cumulusmedia/cumulus/vips"
)

func TestPool(t *testing.T) {
	tests := []struct {
		name         string
		workers      int
		queue        int
		callers      int
		wantRun      int // calls whose fn ran
		wantOverload int
	}{
		{"all fit in workers", 2, 0, 2, 2, 0},
		{"queue absorbs the rest", 1, 2, 3, 3, 0},
		{"overflow refused", 1, 1, 4, 2, 2},
		{"no queue", 2, 0, 5, 2, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := vips.NewPool(tt.workers, tt.queue)
			release := make(chan struct{})
			var ran, overloaded atomic.Int32
			var wg sync.WaitGroup
			for i := 0; i < tt.callers; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					err := p.Do(context.Background(), func() error {
						ran.Add(1)
						<-release
						return nil
					})
					if errors.Is(err, vips.ErrOverloaded) {
						overloaded.Add(1)
					} else if err != nil {
						t.Error(err)
					}
				}()
			}
			// Wait until every caller holds a slot, waits, or was refused.
			deadline := time.Now().Add(2 * time.Second)
			for p.Running()+p.Waiting()+int(overloaded.Load()) < tt.callers && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			if p.Running() > tt.workers {
				t.Errorf("%d running, at most %d workers", p.Running(), tt.workers)
			}
			close(release)
			wg.Wait()
			if int(ran.Load()) != tt.wantRun || int(overloaded.Load()) != tt.wantOverload {
				t.Errorf("ran %d, overloaded %d; want %d, %d", ran.Load(), overloaded.Load(), tt.wantRun, tt.wantOverload)
			}
		})
	}
}

func TestPoolContextAndErrors(t *testing.T) {
	p := vips.NewPool(1, 5)
	boom := errors.New("boom")
	if err := p.Do(context.Background(), func() error { return boom }); err != boom {
		t.Errorf("Do returned %v, want fn's error", err)
	}

	hold := make(chan struct{})
	started := make(chan struct{})
	go p.Do(context.Background(), func() error { close(started); <-hold; return nil })
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	ran := false
	err := p.Do(ctx, func() error { ran = true; return nil })
	if !errors.Is(err, context.DeadlineExceeded) || ran {
		t.Errorf("waiting past the deadline: err %v, ran %v", err, ran)
	}
	if p.Waiting() != 0 {
		t.Errorf("%d still counted as waiting", p.Waiting())
	}
	close(hold)

	done, cancelDone := context.WithCancel(context.Background())
	cancelDone()
	if err := p.Do(done, func() error { t.Error("ran with a cancelled context"); return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v", err)
	}

	// A panic in fn must give its slot back.
	func() {
		defer func() { recover() }()
		p.Do(context.Background(), func() error { panic("x") })
	}()
	if p.Running() != 0 {
		t.Errorf("%d slots held after a panic", p.Running())
	}
}
