package cdn

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/cumulusmedia/cumulus"
	"github.com/cumulusmedia/cumulus/internal/lease"
)

// WorkerConfig tunes the outbox worker.
type WorkerConfig struct {
	// Owner names this process in leases; unique per process. Empty means
	// host name, pid and a random suffix.
	Owner string
	// Lease is how long a claimed purge belongs to this worker. A node that
	// dies holding one delays it by at most Lease. Every purge request is
	// bounded by a third of it (or the target's own timeout if shorter).
	Lease time.Duration
	// Poll is how often the outbox is read when nothing woke the worker
	// (purges committed by other nodes, retries coming due).
	Poll time.Duration
	// Batch is how many purges are claimed and carried out at once.
	Batch int
	// MinBackoff and MaxBackoff bound the wait before a failed purge is
	// tried again: it doubles with every attempt, with jitter.
	MinBackoff, MaxBackoff time.Duration
	// FailingAfter is the attempt from which a failure is logged as an
	// error (before it, as a warning).
	FailingAfter int
	// ReportEvery is how often a summary is logged while purges fail.
	ReportEvery time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// DefaultWorkerConfig returns settings for a purge within milliseconds of
// the commit and retries from 1 s up to every 5 minutes.
func DefaultWorkerConfig() WorkerConfig {
	return WorkerConfig{Lease: 30 * time.Second, Poll: time.Second, Batch: 16,
		MinBackoff: time.Second, MaxBackoff: 5 * time.Minute, FailingAfter: 3, ReportEvery: time.Minute}
}

// Validate reports every mistake in c.
func (c WorkerConfig) Validate() error {
	var errs []error
	if c.Lease < 300*time.Millisecond {
		errs = append(errs, errors.New("cdn: Lease must be at least 300ms"))
	}
	if c.Poll <= 0 || c.Batch <= 0 || c.FailingAfter <= 0 || c.ReportEvery <= 0 {
		errs = append(errs, errors.New("cdn: Poll, Batch, FailingAfter and ReportEvery must be positive"))
	}
	if c.MinBackoff <= 0 || c.MaxBackoff < c.MinBackoff {
		errs = append(errs, errors.New("cdn: want 0 < MinBackoff <= MaxBackoff"))
	}
	return errors.Join(errs...)
}

// Worker carries out the purges of an outbox: it claims due tasks, sends
// each to every target that has not acknowledged it yet, deletes it once
// all have, and otherwise records what was done and retries it later.
type Worker struct {
	ob      cumulus.Outbox
	purgers []cumulus.Purger
	cfg     WorkerConfig
	log     *slog.Logger
	wake    lease.Signal

	mu       sync.Mutex
	acks     map[string]int64 // per target
	failures map[string]int64 // per target
}

// NewWorker returns a worker for ob and purgers. With no purgers it still
// empties the outbox, so that purges do not pile up on a node without a
// CDN.
func NewWorker(ob cumulus.Outbox, purgers []cumulus.Purger, cfg WorkerConfig, log *slog.Logger) (*Worker, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Owner == "" {
		cfg.Owner = lease.Owner()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	w := &Worker{ob: ob, purgers: purgers, cfg: cfg, log: log, wake: lease.NewSignal(),
		acks: map[string]int64{}, failures: map[string]int64{}}
	for _, p := range purgers {
		w.acks[p.Name()], w.failures[p.Name()] = 0, 0
	}
	return w, nil
}

// Wake makes a running worker read the outbox now (call it after a commit
// that may have written a purge). It never blocks.
func (w *Worker) Wake() { w.wake.Wake() }

// Run carries out purges until ctx is done. Purges interrupted by the end
// are released at once, for the next start or another node.
func (w *Worker) Run(ctx context.Context) {
	lastReport := w.cfg.Now()
	lease.Rounds(ctx, w.cfg.Poll, w.wake, w.cfg.Batch, func(ctx context.Context) (int, error) {
		if now := w.cfg.Now(); now.Sub(lastReport) >= w.cfg.ReportEvery {
			w.report(ctx)
			lastReport = now
		}
		n, err := w.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			w.log.Error("purge outbox: claim failed", "err", err)
		}
		return n, err
	})
}

// report logs a summary while purges are failing.
func (w *Worker) report(ctx context.Context) {
	st, err := w.ob.OutboxStats(ctx)
	if err != nil || st.Failing == 0 {
		return
	}
	w.log.Error("purge outbox: purges are failing", "failing", st.Failing, "pending", st.Pending,
		"oldest_age", w.cfg.Now().Sub(st.Oldest).Round(time.Second), "failures_total", w.failureTotal())
}

// RunOnce claims one batch of due purges and carries them out. It returns
// how many it claimed.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	tasks, err := w.ob.ClaimPurges(ctx, w.cfg.Owner, w.cfg.Batch, w.cfg.Now(), w.cfg.Lease)
	if err != nil {
		return 0, err
	}
	var wg sync.WaitGroup
	for _, t := range tasks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.do(ctx, t)
		}()
	}
	wg.Wait()
	return len(tasks), nil
}

// do sends one task to the targets that have not acknowledged it.
func (w *Worker) do(ctx context.Context, t cumulus.PurgeTask) {
	done := slices.Clone(t.Done)
	var mu sync.Mutex
	var errs []string
	var wg sync.WaitGroup
	for _, p := range w.purgers {
		if slices.Contains(t.Done, p.Name()) {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			pctx, cancel := context.WithTimeout(ctx, w.cfg.Lease/3)
			defer cancel()
			err := p.Purge(pctx, t.Keys)
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				done = append(done, p.Name())
				w.count(w.acks, p.Name())
				return
			}
			if ctx.Err() == nil {
				w.count(w.failures, p.Name())
			}
			errs = append(errs, err.Error())
		}()
	}
	wg.Wait()
	// The outcome is recorded even when ctx ended: the lease is released
	// now rather than left to expire.
	sctx := context.WithoutCancel(ctx)
	if len(errs) == 0 {
		if err := w.ob.AckPurge(sctx, w.cfg.Owner, t.ID); err != nil {
			w.log.Error("purge outbox: ack failed (the purge will be repeated)", "id", t.ID, "err", err)
		}
		if t.Attempts > 1 {
			w.log.Info("purge acknowledged after retries", "id", t.ID, "keys", strings.Join(t.Keys, " "), "attempts", t.Attempts)
		}
		return
	}
	sort.Strings(errs)
	reason := strings.Join(errs, "; ")
	next := w.cfg.Now().Add(lease.Backoff(w.cfg.MinBackoff, w.cfg.MaxBackoff, t.Attempts))
	if ctx.Err() != nil {
		next = w.cfg.Now()
		w.log.Info("purge interrupted by shutdown; released for the next start", "id", t.ID)
	} else {
		level := slog.LevelWarn
		msg := "purge failed; will retry"
		if t.Attempts >= w.cfg.FailingAfter {
			level, msg = slog.LevelError, "purge keeps failing; will retry"
		}
		w.log.Log(ctx, level, msg, "id", t.ID, "keys", strings.Join(t.Keys, " "), "attempts", t.Attempts,
			"retry_in", next.Sub(w.cfg.Now()).Round(time.Millisecond), "failures_total", w.failureTotal(), "err", reason)
	}
	if err := w.ob.RetryPurge(sctx, w.cfg.Owner, t.ID, done, reason, next); err != nil {
		w.log.Error("purge outbox: recording a failure failed", "id", t.ID, "err", err)
	}
}

func (w *Worker) count(m map[string]int64, name string) {
	w.mu.Lock()
	m[name]++
	w.mu.Unlock()
}

func (w *Worker) failureTotal() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	var n int64
	for _, v := range w.failures {
		n += v
	}
	return n
}

// ServeHTTP writes the worker's metrics in the Prometheus text format:
// the outbox backlog and, per target, acknowledged and failed purges.
func (w *Worker) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	st, err := w.ob.OutboxStats(r.Context())
	if err != nil {
		http.Error(rw, "outbox stats: "+err.Error(), http.StatusInternalServerError)
		return
	}
	rw.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	oldest := 0.0
	if !st.Oldest.IsZero() {
		oldest = max(0, w.cfg.Now().Sub(st.Oldest).Seconds())
	}
	fmt.Fprintf(rw, "# HELP cumulus_purge_pending Purges in the outbox not yet acknowledged by every target.\n# TYPE cumulus_purge_pending gauge\ncumulus_purge_pending %d\n", st.Pending)
	fmt.Fprintf(rw, "# HELP cumulus_purge_failing Pending purges whose last attempt failed.\n# TYPE cumulus_purge_failing gauge\ncumulus_purge_failing %d\n", st.Failing)
	fmt.Fprintf(rw, "# HELP cumulus_purge_oldest_seconds Age of the oldest pending purge.\n# TYPE cumulus_purge_oldest_seconds gauge\ncumulus_purge_oldest_seconds %.3f\n", oldest)
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, m := range []struct {
		name, help string
		vals       map[string]int64
	}{
		{"cumulus_purge_acks_total", "Purges a target acknowledged.", w.acks},
		{"cumulus_purge_failures_total", "Purge attempts a target failed.", w.failures},
	} {
		fmt.Fprintf(rw, "# HELP %s %s\n# TYPE %s counter\n", m.name, m.help, m.name)
		names := make([]string, 0, len(m.vals))
		for n := range m.vals {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			fmt.Fprintf(rw, "%s{target=\"%s\"} %d\n", m.name, labelEscaper.Replace(n), m.vals[n])
		}
	}
}

var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
