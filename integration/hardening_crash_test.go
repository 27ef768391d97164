package integration

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"image/color"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/cumulusmedia/cumulus/blob/fsblob"
	"github.com/cumulusmedia/cumulus/store/sqlite"
	cumulusupload "github.com/cumulusmedia/cumulus/upload"
)

// TestHeavyCrashRecovery kills the server (SIGKILL) at a random moment
// during 8 concurrent uploaders and a reader making renditions, 50 times,
// restarting it each time. Afterwards every acknowledged upload is served
// with its SHA-256, no version or derivative row points to a missing blob,
// SQLite's integrity_check is ok, and the orphan collector removes the
// blobs the kills left behind — only after their grace period.
func TestHeavyCrashRecovery(t *testing.T) {
	heavyOnly(t)
	const rounds = 50
	data := t.TempDir()
	var all []acked
	var kills []time.Duration
	start := time.Now()
	for round := range rounds {
		s := startServer(t, serverOpts{data: data})
		after := time.Duration(200+rand.IntN(1300)) * time.Millisecond
		all = append(all, loadUntilKilled(t, s, round, after)...)
		kills = append(kills, after)
	}
	if len(all) < rounds {
		t.Fatalf("only %d uploads acknowledged over %d rounds", len(all), rounds)
	}
	s := startServer(t, serverOpts{data: data})
	lost := 0
	for _, a := range all {
		status, _, body := get(t, fmt.Sprintf("%s/demo/image/upload/v%d/%s.png", s.URL, a.version, a.publicID))
		if status != 200 || sha256.Sum256(body) != a.sum {
			lost++
			t.Errorf("acknowledged upload %s v%d lost: %d", a.publicID, a.version, status)
		}
	}
	s.stop(t)
	versions, derivatives := checkRowsHaveBlobs(t, data)
	t.Logf("%d kills in %s: %d acknowledged uploads, %d lost; %d version rows and %d derivative rows, every blob present; integrity_check ok",
		rounds, time.Since(start).Round(time.Second), len(all), lost, versions, derivatives)

	// Orphans: bytes written before a kill, metadata never committed.
	st, err := sqlite.Open(filepath.Join(data, "cumulus.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	blobs, err := fsblob.Open(filepath.Join(data, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	defer blobs.Close()
	ctx := context.Background()
	// A planted orphan, old enough to go at once: proves the collector runs.
	planted := filepath.Join(data, "blobs", "originals", "00", "00"+fmt.Sprintf("%062x", 1))
	os.MkdirAll(filepath.Dir(planted), 0o755)
	os.WriteFile(planted, []byte("orphan"), 0o644)
	old := time.Now().Add(-2 * time.Hour)
	os.Chtimes(planted, old, old)
	orphans := countOrphans(t, st, blobs)
	n, err := cumulusupload.CollectOrphans(ctx, st, blobs, blobs, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(planted); n < 1 || !os.IsNotExist(err) {
		t.Errorf("collector with a 1 h grace removed %d blobs; planted old orphan still there: %v", n, err)
	}
	if n != 1 {
		t.Errorf("collector removed %d blobs within their grace period, want only the planted one", n)
	}
	later, err := cumulusupload.CollectOrphans(ctx, st, blobs, blobs, time.Hour, time.Now().Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("orphan blobs after the kills: %d (+1 planted); collected %d within the grace period, %d after it", orphans-1, n, later)
	if later != orphans-1 || countOrphans(t, st, blobs) != 0 {
		t.Errorf("after the grace period %d of %d orphans collected", later, orphans-1)
	}
	st.Close()
	checkRowsHaveBlobs(t, data)
}

// loadUntilKilled runs 8 uploaders and one reader asking for renditions of
// what was acknowledged, kills the server after the given time, and returns
// the acknowledged uploads.
func loadUntilKilled(t *testing.T, s *server, round int, after time.Duration) []acked {
	client := &http.Client{Timeout: 10 * time.Second}
	var mu sync.Mutex
	var got []acked
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				_, b := pngFile(t, 16+rand.IntN(32), 16, color.RGBA{uint8(round), uint8(w), uint8(i), 255})
				id := fmt.Sprintf("crash/r%d-w%d-%d", round%5, w, i%3)
				r := s.rawUpload(client, "image", url.Values{"public_id": {id}}, "c.png", b)
				if r.err != nil || r.status != 200 {
					continue // cut off by the kill: not acknowledged
				}
				var res struct {
					Version int `json:"version"`
				}
				if json.Unmarshal(r.body, &res) != nil || res.Version == 0 {
					continue
				}
				mu.Lock()
				got = append(got, acked{id, res.Version, sha256.Sum256(b)})
				mu.Unlock()
			}
		}()
	}
	wg.Add(1)
	go func() { // renditions: derivative blobs and rows written while killed
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			mu.Lock()
			var a acked
			if len(got) > 0 {
				a = got[rand.IntN(len(got))]
			}
			mu.Unlock()
			if a.publicID == "" {
				time.Sleep(10 * time.Millisecond)
				continue
			}
			resp, err := client.Get(fmt.Sprintf("%s/demo/image/upload/w_%d/v%d/%s.webp", s.URL, 4+i%20, a.version, a.publicID))
			if err == nil {
				resp.Body.Close()
			}
		}
	}()
	time.Sleep(after)
	s.kill()
	close(stop)
	wg.Wait()
	return got
}

// checkRowsHaveBlobs opens the database after a crash: integrity_check is
// ok and every version and derivative row's blob exists with its size.
func checkRowsHaveBlobs(t *testing.T, data string) (versions, derivatives int) {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(data, "cumulus.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var check string
	st.DB().QueryRow("PRAGMA integrity_check").Scan(&check)
	if check != "ok" {
		t.Fatalf("integrity_check = %s", check)
	}
	for _, table := range []string{"versions", "derivatives"} {
		rows, err := st.DB().Query("SELECT blob_key, bytes FROM " + table)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var key string
			var size int64
			rows.Scan(&key, &size)
			fi, err := os.Stat(filepath.Join(data, "blobs", key))
			if err != nil || fi.Size() != size {
				t.Errorf("%s row points at %s (%d bytes): %v", table, key, size, err)
			}
			if table == "versions" {
				versions++
			} else {
				derivatives++
			}
		}
		rows.Close()
	}
	return versions, derivatives
}

// countOrphans counts blobs no row references.
func countOrphans(t *testing.T, st *sqlite.Store, blobs *fsblob.Store) int {
	t.Helper()
	ctx := context.Background()
	n := 0
	err := blobs.Keys(ctx, func(key string, _ time.Time) error {
		if filepath.Dir(filepath.Dir(key)) == "prepared" {
			return nil // proxies live as long as their original
		}
		ref, err := st.BlobReferenced(ctx, key)
		if err == nil && !ref {
			n++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}
