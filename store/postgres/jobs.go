package postgres

import (
	"context"
	"sort"
	"time"

	"github.com/cumulusmedia/cumulus"
	"github.com/jackc/pgx/v5"
)

// EnqueueJob implements cumulus.JobQueue.
func (s *Store) EnqueueJob(ctx context.Context, kind string, payload []byte, now time.Time) (int64, error) {
	const op = "postgres.EnqueueJob"
	if kind == "" {
		return 0, cumulus.Errorf(cumulus.Invalid, op, "Job kind is empty")
	}
	if payload == nil {
		payload = []byte{} // a nil slice would be NULL
	}
	var id int64
	err := s.pool.QueryRow(ctx, `INSERT INTO jobs (kind, payload, next_attempt_at, created_at) VALUES ($1, $2, $3, $3) RETURNING id`,
		kind, payload, now.UnixMilli()).Scan(&id)
	return id, cumulus.Wrap(op, err)
}

// ClaimJobs implements cumulus.JobQueue. As ClaimPurges does, it locks the
// due rows with FOR UPDATE SKIP LOCKED, so nodes claiming at once take
// different jobs without waiting for each other.
func (s *Store) ClaimJobs(ctx context.Context, owner string, max int, now time.Time, lease time.Duration) ([]cumulus.Job, error) {
	const op = "postgres.ClaimJobs"
	if owner == "" || max <= 0 || lease <= 0 {
		return nil, cumulus.Errorf(cumulus.Invalid, op, "owner, max and lease must be set")
	}
	ms := now.UnixMilli()
	var jobs []cumulus.Job
	err := s.tx(ctx, func(tx pgx.Tx) error {
		jobs = nil
		rows, err := tx.Query(ctx, `UPDATE jobs SET lease_owner = $1, lease_until = $2, attempts = attempts + 1
			WHERE id IN (SELECT id FROM jobs WHERE next_attempt_at <= $3 AND lease_until <= $3
				ORDER BY next_attempt_at, id LIMIT $4 FOR UPDATE SKIP LOCKED)
			RETURNING id, kind, payload, attempts, last_error, created_at`,
			owner, now.Add(lease).UnixMilli(), ms, max)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var j cumulus.Job
			var created int64
			if err := rows.Scan(&j.ID, &j.Kind, &j.Payload, &j.Attempts, &j.LastError, &created); err != nil {
				return err
			}
			j.CreatedAt = time.UnixMilli(created).UTC()
			jobs = append(jobs, j)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, cumulus.Wrap(op, err)
	}
	// RETURNING gives no order guarantee; callers expect oldest first.
	sort.Slice(jobs, func(i, j int) bool { return jobs[i].ID < jobs[j].ID })
	return jobs, nil
}

// AckJob implements cumulus.JobQueue.
func (s *Store) AckJob(ctx context.Context, owner string, id int64) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM jobs WHERE id = $1 AND lease_owner = $2`, id, owner)
	return cumulus.Wrap("postgres.AckJob", err)
}

// RetryJob implements cumulus.JobQueue.
func (s *Store) RetryJob(ctx context.Context, owner string, id int64, reason string, next time.Time) error {
	_, err := s.pool.Exec(ctx, `UPDATE jobs SET lease_owner = '', lease_until = 0, last_error = $1, next_attempt_at = $2
		WHERE id = $3 AND lease_owner = $4`, truncate(reason, 1000), next.UnixMilli(), id, owner)
	return cumulus.Wrap("postgres.RetryJob", err)
}

// PendingJobs implements cumulus.JobQueue.
func (s *Store) PendingJobs(ctx context.Context) (map[string]int64, error) {
	rows, err := s.pool.Query(ctx, `SELECT kind, count(*) FROM jobs GROUP BY kind`)
	if err != nil {
		return nil, cumulus.Wrap("postgres.PendingJobs", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var k string
		var n int64
		if err := rows.Scan(&k, &n); err != nil {
			return nil, cumulus.Wrap("postgres.PendingJobs", err)
		}
		out[k] = n
	}
	return out, cumulus.Wrap("postgres.PendingJobs", rows.Err())
}

var _ cumulus.JobQueue = (*Store)(nil)
