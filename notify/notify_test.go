package notify

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudinary/cloudinary-go/v2"
	"github.com/cumulusmedia/cumulus"
	"github.com/cumulusmedia/cumulus/fetch"
	"github.com/cumulusmedia/cumulus/store/sqlite"
)

func openStore(t *testing.T) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(t.TempDir() + "/db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.PutEnvironment(context.Background(), cumulus.Environment{Cloud: "demo", APIKey: "1234", APISecret: "shh"}); err != nil {
		t.Fatal(err)
	}
	return s
}

func fetcher(t *testing.T, allow string) *fetch.Client {
	t.Helper()
	cfg := fetch.DefaultConfig()
	cfg.Allow, _ = fetch.ParseAllow(allow)
	cfg.Timeout = 2 * time.Second
	c, err := fetch.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSignMatchesTheSDK(t *testing.T) {
	cld, err := cloudinary.NewFromParams("demo", "1234", "shh")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().Unix()
	cases := []struct {
		name string
		body string
		ts   int64
		ok   bool
	}{
		{"fresh", `{"notification_type":"upload","public_id":"a"}`, now, true},
		{"unicode body", `{"public_id":"é/ü"}`, now - 60, true},
		{"older than the SDK's 2 h window", `{}`, now - 7300, false},
	}
	for _, tc := range cases {
		sig := Sign([]byte(tc.body), tc.ts, "shh")
		if got := cld.Upload.VerifyNotificationSignature(tc.body, tc.ts, sig, 0); got != tc.ok {
			t.Errorf("%s: SDK verification = %v, want %v", tc.name, got, tc.ok)
		}
	}
	// Fixed vector: sha1(`{}` + "1700000000" + "shh").
	if got := Sign([]byte("{}"), 1700000000, "shh"); got != "161b96668a0af6b00477e150224e249237467fa1" {
		t.Fatalf("Sign = %s", got)
	}
}

type received struct {
	body      string
	ts, sig   string
	ctype     string
	userAgent string
}

func TestSenderDeliversSignedWebhook(t *testing.T) {
	s := openStore(t)
	var mu sync.Mutex
	var got []received
	status := atomic.Int64{}
	status.Store(200)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, received{string(b), r.Header.Get("X-Cld-Timestamp"), r.Header.Get("X-Cld-Signature"), r.Header.Get("Content-Type"), r.UserAgent()})
		mu.Unlock()
		w.WriteHeader(int(status.Load()))
	}))
	defer srv.Close()
	sender := NewSender(s, fetcher(t, "127.0.0.1/32"), nil)
	job := func(url, cloud string) cumulus.Job {
		payload := `{"url":"` + url + `","cloud":"` + cloud + `","body":{"notification_type":"upload","public_id":"x"}}`
		return cumulus.Job{ID: 1, Kind: KindWebhook, Payload: []byte(payload)}
	}
	ctx := context.Background()
	if err := sender.Handle(ctx, job(srv.URL+"/hook", "demo")); err != nil {
		t.Fatal(err)
	}
	cld, _ := cloudinary.NewFromParams("demo", "1234", "shh")
	r := got[0]
	ts, _ := strconv.ParseInt(r.ts, 10, 64)
	if r.body != `{"notification_type":"upload","public_id":"x"}` || r.ctype != "application/json" ||
		!cld.Upload.VerifyNotificationSignature(r.body, ts, r.sig, 0) {
		t.Fatalf("received %+v: signature does not verify with the SDK", r)
	}
	cases := []struct {
		name      string
		status    int
		url       string
		cloud     string
		permanent bool
	}{
		{"server error is retried", 500, srv.URL, "demo", false},
		{"redirect is not followed, retried", 302, srv.URL, "demo", false},
		{"gone environment", 200, srv.URL, "nope", true},
		{"blocked address", 200, "http://169.254.169.254/hook", "demo", true},
		{"file URL", 200, "file:///etc/passwd", "demo", true},
	}
	for _, tc := range cases {
		status.Store(int64(tc.status))
		err := sender.Handle(ctx, job(tc.url, tc.cloud))
		if err == nil || IsPermanent(err) != tc.permanent {
			t.Errorf("%s: Handle = %v, want an error (permanent %v)", tc.name, err, tc.permanent)
		}
	}
	// With the default (deny) configuration a local receiver is refused.
	deny := NewSender(s, fetcher(t, ""), nil)
	n := len(got)
	if err := deny.Handle(ctx, job(srv.URL, "demo")); !IsPermanent(err) || !errors.Is(err, fetch.ErrBlocked) {
		t.Fatalf("default config: Handle = %v, want a permanent ErrBlocked", err)
	}
	if len(got) != n {
		t.Fatal("the receiver was reached without an allowance")
	}
}

func TestWorkerRetriesAndDrops(t *testing.T) {
	s := openStore(t)
	ctx := context.Background()
	cfg := DefaultWorkerConfig()
	cfg.MinBackoff, cfg.MaxBackoff, cfg.MaxAttempts, cfg.Poll = 5*time.Millisecond, 20*time.Millisecond, 4, 5*time.Millisecond
	w, err := NewWorker(s, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	runs := map[string]int{}
	w.Handle("flaky", func(ctx context.Context, j cumulus.Job) error {
		mu.Lock()
		defer mu.Unlock()
		runs["flaky"]++
		if runs["flaky"] < 3 {
			return errors.New("not yet")
		}
		return nil
	})
	w.Handle("broken", func(ctx context.Context, j cumulus.Job) error {
		mu.Lock()
		runs["broken"]++
		mu.Unlock()
		return errors.New("always")
	})
	w.Handle("hopeless", func(ctx context.Context, j cumulus.Job) error {
		mu.Lock()
		runs["hopeless"]++
		mu.Unlock()
		return Permanent(errors.New("never"))
	})
	w.Handle("panics", func(ctx context.Context, j cumulus.Job) error { panic("boom") })
	for _, k := range []string{"flaky", "broken", "hopeless", "panics", "unknown"} {
		if _, err := s.EnqueueJob(ctx, k, []byte("{}"), time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { w.Run(rctx); close(done) }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		p, _ := s.PendingJobs(ctx)
		if len(p) == 1 && p["unknown"] == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("pending jobs = %v, want only the unknown kind left", p)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	mu.Lock()
	defer mu.Unlock()
	if runs["flaky"] != 3 || runs["broken"] != 4 || runs["hopeless"] != 1 {
		t.Fatalf("runs = %v, want flaky 3 (succeeds), broken 4 (MaxAttempts), hopeless 1 (permanent)", runs)
	}
}

// A job whose worker is stopped mid-run is released for the next start.
func TestWorkerReleasesOnShutdown(t *testing.T) {
	s := openStore(t)
	ctx := context.Background()
	cfg := DefaultWorkerConfig()
	cfg.Poll = 5 * time.Millisecond
	w, _ := NewWorker(s, cfg, nil)
	started := make(chan struct{})
	w.Handle("slow", func(ctx context.Context, j cumulus.Job) error {
		close(started)
		<-ctx.Done()
		return ctx.Err()
	})
	s.EnqueueJob(ctx, "slow", []byte("{}"), time.Now())
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { w.Run(rctx); close(done) }()
	<-started
	cancel()
	<-done
	jobs, err := s.ClaimJobs(ctx, "next-start", 10, time.Now(), time.Minute)
	if err != nil || len(jobs) != 1 {
		t.Fatalf("after shutdown ClaimJobs = %v, %v; want the released job at once", jobs, err)
	}
}
