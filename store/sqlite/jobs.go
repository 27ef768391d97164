package sqlite

import (
	"context"
	"database/sql"
	"sort"
	"time"

	"github.com/cumulusmedia/cumulus"
)

// EnqueueJob implements cumulus.JobQueue.
func (s *Store) EnqueueJob(ctx context.Context, kind string, payload []byte, now time.Time) (int64, error) {
	const op = "sqlite.EnqueueJob"
	if kind == "" {
		return 0, cumulus.Errorf(cumulus.Invalid, op, "Job kind is empty")
	}
	ms := now.UnixMilli()
	var id int64
	err := s.db.QueryRowContext(ctx, `INSERT INTO jobs (kind, payload, next_attempt_at, created_at) VALUES (?, ?, ?, ?) RETURNING id`,
		kind, payload, ms, ms).Scan(&id)
	return id, cumulus.Wrap(op, err)
}

// ClaimJobs implements cumulus.JobQueue. As for purges, a read-only look
// comes first so that idle polling never takes the write lock.
func (s *Store) ClaimJobs(ctx context.Context, owner string, max int, now time.Time, lease time.Duration) ([]cumulus.Job, error) {
	const op = "sqlite.ClaimJobs"
	if owner == "" || max <= 0 || lease <= 0 {
		return nil, cumulus.Errorf(cumulus.Invalid, op, "owner, max and lease must be set")
	}
	ms := now.UnixMilli()
	var due int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM jobs WHERE next_attempt_at <= ? AND lease_until <= ? LIMIT 1)`, ms, ms).Scan(&due)
	if err != nil || due == 0 {
		return nil, cumulus.Wrap(op, err)
	}
	var jobs []cumulus.Job
	err = s.tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `UPDATE jobs SET lease_owner = ?, lease_until = ?, attempts = attempts + 1
			WHERE id IN (SELECT id FROM jobs WHERE next_attempt_at <= ? AND lease_until <= ? ORDER BY next_attempt_at, id LIMIT ?)
			RETURNING id, kind, payload, attempts, last_error, created_at`,
			owner, now.Add(lease).UnixMilli(), ms, ms, max)
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
	sort.Slice(jobs, func(i, j int) bool { return jobs[i].ID < jobs[j].ID })
	return jobs, nil
}

// AckJob implements cumulus.JobQueue.
func (s *Store) AckJob(ctx context.Context, owner string, id int64) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM jobs WHERE id = ? AND lease_owner = ?`, id, owner)
	return cumulus.Wrap("sqlite.AckJob", err)
}

// RetryJob implements cumulus.JobQueue.
func (s *Store) RetryJob(ctx context.Context, owner string, id int64, reason string, next time.Time) error {
	if len(reason) > 1000 {
		reason = reason[:1000]
	}
	_, err := s.db.ExecContext(ctx, `UPDATE jobs SET lease_owner = '', lease_until = 0, last_error = ?, next_attempt_at = ?
		WHERE id = ? AND lease_owner = ?`, reason, next.UnixMilli(), id, owner)
	return cumulus.Wrap("sqlite.RetryJob", err)
}

// PendingJobs implements cumulus.JobQueue.
func (s *Store) PendingJobs(ctx context.Context) (map[string]int64, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT kind, COUNT(*) FROM jobs GROUP BY kind`)
	if err != nil {
		return nil, cumulus.Wrap("sqlite.PendingJobs", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var k string
		var n int64
		if err := rows.Scan(&k, &n); err != nil {
			return nil, cumulus.Wrap("sqlite.PendingJobs", err)
		}
		out[k] = n
	}
	return out, cumulus.Wrap("sqlite.PendingJobs", rows.Err())
}

var _ cumulus.JobQueue = (*Store)(nil)
