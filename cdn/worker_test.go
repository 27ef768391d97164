package cdn_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cumulusmedia/cumulus"
	"github.com/cumulusmedia/cumulus/cdn"
	"github.com/cumulusmedia/cumulus/store/sqlite"
)

// fakePurger records purges and fails while failing is set.
type fakePurger struct {
	name    string
	mu      sync.Mutex
	failing bool
	block   chan struct{} // when set, Purge waits for it or ctx
	entered chan struct{} // when set, Purge signals it first
	got     [][]string
}

func (p *fakePurger) Name() string { return p.name }

func (p *fakePurger) Purge(ctx context.Context, keys []string) error {
	if p.entered != nil {
		p.entered <- struct{}{}
	}
	if p.block != nil {
		select {
		case <-p.block:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.failing {
		return errors.New("503 from " + p.name)
	}
	p.got = append(p.got, keys)
	return nil
}

func (p *fakePurger) purged() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.got)
}

func openStore(t *testing.T) *sqlite.Store {
	s, err := sqlite.Open(filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func testConfig(clock *time.Time) cdn.WorkerConfig {
	c := cdn.DefaultWorkerConfig()
	c.Owner, c.Lease = "test", 3*time.Second
	c.Now = func() time.Time { return *clock }
	return c
}

func TestWorkerFanOutRetryAndMetrics(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	now := time.Now()
	a, b := &fakePurger{name: "varnish:a"}, &fakePurger{name: "http:POST b", failing: true}
	w, err := cdn.NewWorker(s, []cumulus.Purger{a, b}, testConfig(&now), nil)
	if err != nil {
		t.Fatal(err)
	}
	s.EnqueuePurge(ctx, []string{"demo/1"}, now)

	steps := []struct {
		name           string
		advance        time.Duration
		bFails         bool
		wantClaimed    int
		wantA, wantB   int
		wantPending    int
		wantFailing    int
		wantLastErrSub string
	}{
		{"b fails, a acknowledges", 0, true, 1, 1, 0, 1, 1, "503 from http:POST b"},
		{"not due before the backoff", 500 * time.Millisecond, true, 0, 1, 0, 1, 1, ""},
		{"retry goes to b only", 2 * time.Second, true, 1, 1, 0, 1, 1, ""},
		{"backoff doubles", 1400 * time.Millisecond, false, 0, 1, 0, 1, 1, ""},
		{"b recovers: acknowledged and gone", 2 * time.Second, false, 1, 1, 1, 0, 0, ""},
	}
	for _, st := range steps {
		now = now.Add(st.advance)
		b.mu.Lock()
		b.failing = st.bFails
		b.mu.Unlock()
		n, err := w.RunOnce(ctx)
		if err != nil || n != st.wantClaimed {
			t.Fatalf("%s: claimed %d, %v; want %d", st.name, n, err, st.wantClaimed)
		}
		if a.purged() != st.wantA || b.purged() != st.wantB {
			t.Fatalf("%s: a purged %d, b %d; want %d, %d", st.name, a.purged(), b.purged(), st.wantA, st.wantB)
		}
		stats, _ := s.OutboxStats(ctx)
		if stats.Pending != st.wantPending || stats.Failing != st.wantFailing {
			t.Fatalf("%s: stats %+v, want %d pending, %d failing", st.name, stats, st.wantPending, st.wantFailing)
		}
	}
	rec := httptest.NewRecorder()
	w.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body := rec.Body.String()
	for _, want := range []string{
		"cumulus_purge_pending 0\n",
		"cumulus_purge_failing 0\n",
		`cumulus_purge_acks_total{target="varnish:a"} 1` + "\n",
		`cumulus_purge_acks_total{target="http:POST b"} 1` + "\n",
		`cumulus_purge_failures_total{target="http:POST b"} 2` + "\n",
		`cumulus_purge_failures_total{target="varnish:a"} 0` + "\n",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q:\n%s", want, body)
		}
	}
}

func TestWorkerWithoutTargetsEmptiesOutbox(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	now := time.Now()
	w, _ := cdn.NewWorker(s, nil, testConfig(&now), nil)
	s.EnqueuePurge(ctx, []string{"demo/1"}, now)
	w.RunOnce(ctx)
	if st, _ := s.OutboxStats(ctx); st.Pending != 0 {
		t.Fatalf("outbox %+v, want empty", st)
	}
}

// A purge cut short by shutdown is released at once, not left to its
// lease: the next process claims it immediately.
func TestWorkerShutdownReleases(t *testing.T) {
	s := openStore(t)
	now := time.Now()
	p := &fakePurger{name: "varnish:a", block: make(chan struct{}), entered: make(chan struct{}, 1)}
	cfg := testConfig(&now)
	cfg.Lease = time.Minute
	w, _ := cdn.NewWorker(s, []cumulus.Purger{p}, cfg, nil)
	s.EnqueuePurge(context.Background(), []string{"demo/1"}, now)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	<-p.entered // the worker holds the lease and is purging
	if tasks, _ := s.ClaimPurges(context.Background(), "other", 1, now, time.Second); len(tasks) != 0 {
		t.Fatal("a leased purge was claimed by another owner")
	}
	cancel()
	<-done
	tasks, err := s.ClaimPurges(context.Background(), "next", 1, now, time.Second)
	if err != nil || len(tasks) != 1 {
		t.Fatalf("after shutdown the purge was not claimable at once: %+v, %v", tasks, err)
	}
}

func TestWorkerWakes(t *testing.T) {
	s := openStore(t)
	p := &fakePurger{name: "varnish:a"}
	cfg := cdn.DefaultWorkerConfig()
	cfg.Poll = time.Hour // only Wake can start a round
	w, _ := cdn.NewWorker(s, []cumulus.Purger{p}, cfg, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go w.Run(ctx)
	time.Sleep(50 * time.Millisecond)
	start := time.Now()
	s.EnqueuePurge(ctx, []string{"demo/1"}, time.Now())
	w.Wake()
	for p.purged() == 0 {
		if time.Since(start) > 2*time.Second {
			t.Fatal("a woken worker did not purge within 2 s")
		}
		time.Sleep(time.Millisecond)
	}
	t.Logf("commit to purge: %s", time.Since(start))
}

func TestWorkerConfigValidate(t *testing.T) {
	for name, mut := range map[string]func(*cdn.WorkerConfig){
		"short lease":      func(c *cdn.WorkerConfig) { c.Lease = time.Millisecond },
		"no batch":         func(c *cdn.WorkerConfig) { c.Batch = 0 },
		"backoff inverted": func(c *cdn.WorkerConfig) { c.MaxBackoff = c.MinBackoff / 2 },
	} {
		c := cdn.DefaultWorkerConfig()
		mut(&c)
		if _, err := cdn.NewWorker(nil, nil, c, nil); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
