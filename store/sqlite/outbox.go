package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"sort"
	"strings"
	"time"

	"github.com/cumulusmedia/cumulus"
)

// enqueuePurge writes a purge of keys inside tx, so that it commits (or
// not) with the change that needs it. It is due at now: the stores pass
// the wall clock, not the caller's (which dates versions), because the
// workers that claim it run on the wall clock.
func enqueuePurge(ctx context.Context, tx *sql.Tx, keys []string, now time.Time) error {
	if len(keys) == 0 {
		return nil
	}
	for _, k := range keys {
		if k == "" || strings.ContainsAny(k, " \t\r\n") {
			return cumulus.Errorf(cumulus.Invalid, "sqlite.enqueuePurge", "Invalid surrogate key - %q", k)
		}
	}
	ms := now.UnixMilli()
	_, err := tx.ExecContext(ctx, `INSERT INTO outbox (keys, next_attempt_at, created_at) VALUES (?, ?, ?)`,
		strings.Join(keys, " "), ms, ms)
	return err
}

// EnqueuePurge implements cumulus.Outbox.
func (s *Store) EnqueuePurge(ctx context.Context, keys []string, now time.Time) error {
	err := s.tx(ctx, func(tx *sql.Tx) error { return enqueuePurge(ctx, tx, keys, now) })
	return cumulus.Wrap("sqlite.EnqueuePurge", err)
}

// ClaimPurges implements cumulus.Outbox. SQLite serialises writers, so one
// UPDATE … RETURNING is an atomic claim.
func (s *Store) ClaimPurges(ctx context.Context, owner string, max int, now time.Time, lease time.Duration) ([]cumulus.PurgeTask, error) {
	const op = "sqlite.ClaimPurges"
	if owner == "" || max <= 0 || lease <= 0 {
		return nil, cumulus.Errorf(cumulus.Invalid, op, "owner, max and lease must be set")
	}
	ms := now.UnixMilli()
	// Workers poll and are woken on every commit: look before taking the
	// write lock, which uploads need.
	var due int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM outbox WHERE next_attempt_at <= ? AND lease_until <= ? LIMIT 1)`, ms, ms).Scan(&due)
	if err != nil || due == 0 {
		return nil, cumulus.Wrap(op, err)
	}
	var tasks []cumulus.PurgeTask
	err = s.tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `UPDATE outbox SET lease_owner = ?, lease_until = ?, attempts = attempts + 1
			WHERE id IN (SELECT id FROM outbox WHERE next_attempt_at <= ? AND lease_until <= ? ORDER BY next_attempt_at, id LIMIT ?)
			RETURNING id, keys, done, attempts, last_error, created_at`,
			owner, now.Add(lease).UnixMilli(), ms, ms, max)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var t cumulus.PurgeTask
			var keys, done string
			var created int64
			if err := rows.Scan(&t.ID, &keys, &done, &t.Attempts, &t.LastError, &created); err != nil {
				return err
			}
			t.Keys, t.Done = strings.Fields(keys), strings.Fields(done)
			t.CreatedAt = time.UnixMilli(created).UTC()
			tasks = append(tasks, t)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, cumulus.Wrap(op, err)
	}
	// RETURNING gives no order guarantee; callers expect oldest first.
	sort.Slice(tasks, func(i, j int) bool { return tasks[i].ID < tasks[j].ID })
	return tasks, nil
}

// AckPurge implements cumulus.Outbox.
func (s *Store) AckPurge(ctx context.Context, owner string, id int64) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM outbox WHERE id = ? AND lease_owner = ?`, id, owner)
	return cumulus.Wrap("sqlite.AckPurge", err)
}

// RetryPurge implements cumulus.Outbox.
func (s *Store) RetryPurge(ctx context.Context, owner string, id int64, done []string, reason string, next time.Time) error {
	if len(reason) > 1000 {
		reason = reason[:1000]
	}
	_, err := s.db.ExecContext(ctx, `UPDATE outbox SET lease_owner = '', lease_until = 0, done = ?, last_error = ?, next_attempt_at = ?
		WHERE id = ? AND lease_owner = ?`, strings.Join(done, " "), reason, next.UnixMilli(), id, owner)
	return cumulus.Wrap("sqlite.RetryPurge", err)
}

// OutboxStats implements cumulus.Outbox.
func (s *Store) OutboxStats(ctx context.Context) (cumulus.OutboxStats, error) {
	var st cumulus.OutboxStats
	var oldest sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*), COUNT(CASE WHEN last_error != '' THEN 1 END), MIN(created_at) FROM outbox`).
		Scan(&st.Pending, &st.Failing, &oldest)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return st, cumulus.Wrap("sqlite.OutboxStats", err)
	}
	if oldest.Valid {
		st.Oldest = time.UnixMilli(oldest.Int64).UTC()
	}
	return st, nil
}

var _ cumulus.Outbox = (*Store)(nil)
