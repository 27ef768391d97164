package lease

import (
	"context"
	"testing"
	"time"
)

func TestBackoffDoublesWithinBounds(t *testing.T) {
	lo, hi := time.Second, 10*time.Second
	for n, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 4: 8 * time.Second, 5: hi, 40: hi} {
		for range 50 {
			if d := Backoff(lo, hi, n); d > want || d < want*3/4 {
				t.Fatalf("attempt %d: %v, want within [%v, %v]", n, d, want*3/4, want)
			}
		}
	}
}

func TestRoundsRepeatsFullBatchesAndWaitsOtherwise(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	wake := NewSignal()
	claims := []int{3, 3, 1} // two full batches, then a partial one
	calls := make(chan int, 10)
	done := make(chan struct{})
	go func() {
		Rounds(ctx, time.Hour, wake, 3, func(context.Context) (int, error) {
			n := 0
			if len(claims) > 0 {
				n, claims = claims[0], claims[1:]
			}
			calls <- n
			return n, nil
		})
		close(done)
	}()
	for _, want := range []int{3, 3, 1} {
		if got := <-calls; got != want {
			t.Fatalf("round claimed %d, want %d", got, want)
		}
	}
	select {
	case n := <-calls:
		t.Fatalf("a round ran (%d) without a wake-up after a partial batch", n)
	case <-time.After(50 * time.Millisecond):
	}
	wake.Wake()
	wake.Wake() // folded into the first
	if got := <-calls; got != 0 {
		t.Fatalf("woken round claimed %d", got)
	}
	cancel()
	<-done
}
