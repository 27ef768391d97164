package cumulus

import (
	"context"
	"time"
)

// Job is one pending unit of background work of the Upload API: an eager
// rendition requested with eager_async, or a notification (webhook) to
// deliver. Payload is the job's JSON, owned by the package that handles
// Kind.
type Job struct {
	ID        int64
	Kind      string // "eager", "webhook", ...
	Payload   []byte
	Attempts  int    // how often it was claimed, this claim included
	LastError string // why the previous attempt failed, empty if none did
	CreatedAt time.Time
}

// JobQueue keeps background jobs durably until they are done, with the
// same lease protocol as the Outbox: workers on any number of nodes share
// it, a claimed job belongs to one owner until its lease expires, and a
// job whose owner died is claimed again. Jobs are carried out at least
// once, so handlers must be idempotent.
type JobQueue interface {
	// EnqueueJob records a job of kind, due at now, and returns its ID.
	EnqueueJob(ctx context.Context, kind string, payload []byte, now time.Time) (int64, error)
	// ClaimJobs leases up to max due jobs (next attempt at or before now,
	// no live lease) to owner until now+lease, counting one more attempt
	// on each, oldest first.
	ClaimJobs(ctx context.Context, owner string, max int, now time.Time, lease time.Duration) ([]Job, error)
	// AckJob removes a finished job. It does nothing when owner no longer
	// holds the lease.
	AckJob(ctx context.Context, owner string, id int64) error
	// RetryJob releases owner's lease on a failed job, records the reason
	// and makes it due again at next.
	RetryJob(ctx context.Context, owner string, id int64, reason string, next time.Time) error
	// PendingJobs counts the jobs not yet done, per kind.
	PendingJobs(ctx context.Context) (map[string]int64, error)
}
