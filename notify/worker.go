package notify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/cumulusmedia/cumulus"
	"github.com/cumulusmedia/cumulus/internal/lease"
)

// Handler carries out one job. It must be idempotent: a job whose worker
// died is run again. An error marked Permanent drops the job; any other
// error retries it after a backoff.
type Handler func(ctx context.Context, job cumulus.Job) error

// WorkerConfig tunes the job worker.
type WorkerConfig struct {
	// Owner names this process in leases; empty means host, pid and a
	// random suffix.
	Owner string
	// Lease is how long a claimed job belongs to this worker; a handler
	// gets at most this long. A node that dies holding a job delays it by
	// at most Lease.
	Lease time.Duration
	// Poll is how often the queue is read when nothing woke the worker.
	Poll time.Duration
	// Batch is how many jobs are claimed and run at once.
	Batch int
	// MinBackoff and MaxBackoff bound the wait before a failed job is
	// tried again: doubled with every attempt, with jitter.
	MinBackoff, MaxBackoff time.Duration
	// MaxAttempts is how often a job is tried before it is dropped (with
	// an error in the log).
	MaxAttempts int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// DefaultWorkerConfig returns Cloudinary-like retry behaviour: about a
// day of retries, from 10 s up to every hour.
func DefaultWorkerConfig() WorkerConfig {
	return WorkerConfig{Lease: 2 * time.Minute, Poll: time.Second, Batch: 4,
		MinBackoff: 10 * time.Second, MaxBackoff: time.Hour, MaxAttempts: 30}
}

// Validate reports every mistake in c.
func (c WorkerConfig) Validate() error {
	var errs []error
	if c.Lease < time.Second {
		errs = append(errs, errors.New("notify: Lease must be at least 1s"))
	}
	if c.Poll <= 0 || c.Batch <= 0 || c.MaxAttempts <= 0 {
		errs = append(errs, errors.New("notify: Poll, Batch and MaxAttempts must be positive"))
	}
	if c.MinBackoff <= 0 || c.MaxBackoff < c.MinBackoff {
		errs = append(errs, errors.New("notify: want 0 < MinBackoff <= MaxBackoff"))
	}
	return errors.Join(errs...)
}

// Worker runs the jobs of a queue with the handler registered for their
// kind.
type Worker struct {
	q        cumulus.JobQueue
	cfg      WorkerConfig
	log      *slog.Logger
	wake     lease.Signal
	handlers map[string]Handler
}

// NewWorker returns a worker for q; register handlers before Run.
func NewWorker(q cumulus.JobQueue, cfg WorkerConfig, log *slog.Logger) (*Worker, error) {
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
	return &Worker{q: q, cfg: cfg, log: log, wake: lease.NewSignal(), handlers: map[string]Handler{}}, nil
}

// Handle registers h for jobs of kind. Not safe once Run has started.
func (w *Worker) Handle(kind string, h Handler) { w.handlers[kind] = h }

// Wake makes a running worker read the queue now. It never blocks.
func (w *Worker) Wake() { w.wake.Wake() }

// Run works the queue until ctx is done. Jobs interrupted by the end are
// released at once for the next start or another node.
func (w *Worker) Run(ctx context.Context) {
	lease.Rounds(ctx, w.cfg.Poll, w.wake, w.cfg.Batch, func(ctx context.Context) (int, error) {
		n, err := w.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			w.log.Error("job queue: claim failed", "err", err)
		}
		return n, err
	})
}

// RunOnce claims one batch of due jobs and runs them; it returns how many
// it claimed.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	jobs, err := w.q.ClaimJobs(ctx, w.cfg.Owner, w.cfg.Batch, w.cfg.Now(), w.cfg.Lease)
	if err != nil {
		return 0, err
	}
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.do(ctx, j)
		}()
	}
	wg.Wait()
	return len(jobs), nil
}

func (w *Worker) do(ctx context.Context, j cumulus.Job) {
	sctx := context.WithoutCancel(ctx)
	h, ok := w.handlers[j.Kind]
	var err error
	if !ok {
		// Another node (a newer version) may know it: leave it for later.
		err = fmt.Errorf("no handler for job kind %q on this node", j.Kind)
	} else {
		hctx, cancel := context.WithTimeout(ctx, w.cfg.Lease*9/10)
		err = safeRun(hctx, h, j)
		cancel()
	}
	if err == nil {
		if err := w.q.AckJob(sctx, w.cfg.Owner, j.ID); err != nil {
			w.log.Error("job queue: ack failed (the job will run again)", "id", j.ID, "err", err)
		}
		if j.Attempts > 1 {
			w.log.Info("job done after retries", "id", j.ID, "kind", j.Kind, "attempts", j.Attempts)
		}
		return
	}
	if ctx.Err() != nil {
		w.log.Info("job interrupted by shutdown; released for the next start", "id", j.ID, "kind", j.Kind)
		w.q.RetryJob(sctx, w.cfg.Owner, j.ID, "interrupted by shutdown", w.cfg.Now())
		return
	}
	if !ok {
		// Never dropped for want of a handler: it waits, visible in
		// PendingJobs, for a node that has one.
		w.q.RetryJob(sctx, w.cfg.Owner, j.ID, err.Error(), w.cfg.Now().Add(w.cfg.MaxBackoff))
		return
	}
	if IsPermanent(err) || j.Attempts >= w.cfg.MaxAttempts {
		w.log.Error("job dropped", "id", j.ID, "kind", j.Kind, "attempts", j.Attempts, "permanent", IsPermanent(err), "err", err)
		if err := w.q.AckJob(sctx, w.cfg.Owner, j.ID); err != nil {
			w.log.Error("job queue: dropping failed", "id", j.ID, "err", err)
		}
		return
	}
	next := w.cfg.Now().Add(lease.Backoff(w.cfg.MinBackoff, w.cfg.MaxBackoff, j.Attempts))
	w.log.Warn("job failed; will retry", "id", j.ID, "kind", j.Kind, "attempts", j.Attempts,
		"retry_in", next.Sub(w.cfg.Now()).Round(time.Millisecond), "err", err)
	if err := w.q.RetryJob(sctx, w.cfg.Owner, j.ID, err.Error(), next); err != nil {
		w.log.Error("job queue: recording a failure failed", "id", j.ID, "err", err)
	}
}

// safeRun turns a handler's panic into an error, so that one bad job
// cannot take the server down.
func safeRun(ctx context.Context, h Handler, j cumulus.Job) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("handler panicked: %v", r)
		}
	}()
	return h(ctx, j)
}
