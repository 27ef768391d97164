package cumulus

import (
	"context"
	"time"
)

// SurrogateKey is the CDN cache tag of one asset: every delivery response
// of the asset carries it (in Surrogate-Key and xkey), whatever the URL
// shape, so purging it reaches them all. The asset ID is stable across
// renames, so the key is too.
func SurrogateKey(cloud, assetID string) string { return cloud + "/" + assetID }

// Purger invalidates what a CDN (or a cache such as Varnish) holds.
// Implementations are in package cdn.
type Purger interface {
	// Name identifies the target in logs, metrics and the outbox's record
	// of which targets acknowledged a purge. It never contains a secret.
	Name() string
	// Purge invalidates every cached response tagged with any of keys. It
	// returns nil only when the target acknowledged the purge. Purging is
	// idempotent: a purge may be repeated after a failure or a crash.
	Purge(ctx context.Context, keys []string) error
}

// PurgeTask is one pending purge in the outbox.
type PurgeTask struct {
	ID        int64
	Keys      []string // surrogate keys to purge
	Done      []string // names of the targets that already acknowledged it
	Attempts  int      // how often it was claimed, this claim included
	LastError string   // why the previous attempt failed, empty if none did
	CreatedAt time.Time
}

// OutboxStats describe the purges waiting in the outbox.
type OutboxStats struct {
	Pending int       // purges not yet acknowledged by every target
	Failing int       // pending purges whose last attempt failed
	Oldest  time.Time // when the oldest pending purge was committed; zero if none
}

// Outbox keeps the side effects of committed changes until they are
// carried out: CDN purges. The store writes a purge in the same
// transaction as the change that needs it (AddVersion with Invalidate on
// an overwrite, DeleteAsset and RenameAsset with invalidate), so a commit
// is never left without its purge, even across a crash. Workers on any
// number of nodes share the outbox: a claimed task is leased to one owner
// until the lease expires, and a task whose owner died is claimed again.
type Outbox interface {
	// EnqueuePurge records a purge of keys on its own (Upload API
	// explicit with invalidate, which changes nothing else).
	EnqueuePurge(ctx context.Context, keys []string, now time.Time) error
	// ClaimPurges leases up to max due tasks (next attempt at or before
	// now, no live lease) to owner until now+lease, counting one more
	// attempt on each, oldest first.
	ClaimPurges(ctx context.Context, owner string, max int, now time.Time, lease time.Duration) ([]PurgeTask, error)
	// AckPurge removes a task every target acknowledged. It does nothing
	// when owner no longer holds the lease (another node then repeats the
	// purge, which is harmless).
	AckPurge(ctx context.Context, owner string, id int64) error
	// RetryPurge releases owner's lease on a failed task, records the
	// targets that did acknowledge (done) and the reason, and makes it due
	// again at next.
	RetryPurge(ctx context.Context, owner string, id int64, done []string, reason string, next time.Time) error
	// OutboxStats counts the pending purges; failing ones are those whose
	// last attempt failed.
	OutboxStats(ctx context.Context) (OutboxStats, error)
}
