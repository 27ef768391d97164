// Package vipstest helps tests of code that uses package vips fail when an
// *vips.Image is never closed.
package vipstest

import (
	"runtime"
	"testing"
	"time"

	"github.com/cumulusmedia/cumulus/vips"
)

// CheckLeaks fails tb, when it ends, if an *vips.Image became garbage without
// Close during the test, or if more images are open at the end than at the
// start. Tests using it must not run in parallel with other image tests.
func CheckLeaks(tb testing.TB) {
	tb.Helper()
	leaked, live := vips.LeakedImages(), vips.LiveImages()
	tb.Cleanup(func() {
		tb.Helper()
		// Finalizers run on their own goroutine after a collection; two
		// cycles and a short wait let them all run.
		for i := 0; i < 2; i++ {
			runtime.GC()
			time.Sleep(10 * time.Millisecond)
		}
		if n := vips.LeakedImages() - leaked; n > 0 {
			tb.Errorf("vipstest: %d image(s) garbage-collected without Close", n)
		}
		if n := vips.LiveImages() - live; n > 0 {
			tb.Errorf("vipstest: %d image(s) still open at the end of the test", n)
		}
	})
}
