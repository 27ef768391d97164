package integration

import (
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

type acked struct {
	publicID string
	version  int
	sum      [32]byte
}

// A crash (SIGKILL) in the middle of concurrent uploads loses no
// acknowledged upload and leaves no metadata row without its bytes: three
// rounds here, fifty in make test-heavy (TestHeavyCrashRecovery, which
// shares the load and the checks).
func TestCrashDuringUploadsLosesNothing(t *testing.T) {
	const rounds = 3
	data := t.TempDir()
	var all []acked
	for round := 0; round < rounds; round++ {
		s := startServer(t, serverOpts{data: data})
		all = append(all, loadUntilKilled(t, s, round, time.Duration(300+rand.IntN(900))*time.Millisecond)...)
	}
	if len(all) == 0 {
		t.Fatal("no upload was acknowledged before the kills")
	}
	s := startServer(t, serverOpts{data: data})
	for _, a := range all {
		u := fmt.Sprintf("%s/demo/image/upload/v%d/%s.png", s.URL, a.version, a.publicID)
		status, hdr, body := get(t, u)
		if status != 200 || sha256.Sum256(body) != a.sum {
			t.Fatalf("acknowledged upload %s v%d lost: %d %q", a.publicID, a.version, status, hdr.Get("X-Cld-Error"))
		}
	}
	s.stop(t)
	versions, _ := checkRowsHaveBlobs(t, data)
	t.Logf("%d acknowledged uploads over %d kills, all present; %d version rows, all with their bytes", len(all), rounds, versions)
}
