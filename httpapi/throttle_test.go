package httpapi

import (
	"testing"
	"time"
)

func TestFailThrottle(t *testing.T) {
	f := newFailThrottle()
	now := time.Unix(1000, 0)
	for i := 0; i < 10; i++ {
		if d := f.fail("10.0.0.1:1234", now); d != 0 {
			t.Fatalf("failure %d delayed %v: the first ten are free", i+1, d)
		}
	}
	if d := f.fail("10.0.0.1:999", now); d != 100*time.Millisecond {
		t.Fatalf("11th failure delayed %v, want 100ms (same IP, other port)", d)
	}
	for i := 0; i < 100; i++ {
		f.fail("10.0.0.1:1", now)
	}
	if d := f.fail("10.0.0.1:1", now); d != 2*time.Second {
		t.Fatalf("a hammering client waits %v, want the 2s cap", d)
	}
	if d := f.fail("10.0.0.2:1", now); d != 0 {
		t.Fatalf("another client is delayed %v", d)
	}
	if d := f.fail("10.0.0.1:1", now.Add(10*time.Minute)); d != 0 {
		t.Fatalf("after ten quiet minutes the delay is %v, want 0", d)
	}
}
