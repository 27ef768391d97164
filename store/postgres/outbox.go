package postgres

import (
	"context"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cumulusmedia/cumulus"
	"github.com/jackc/pgx/v5"
)

// enqueuePurge writes a purge of keys inside tx, so that it commits (or
// not) with the change that needs it. It is due at now: the callers pass
// the wall clock, not the caller's clock that dates versions, because the
// workers that claim it run on the wall clock.
func enqueuePurge(ctx context.Context, tx pgx.Tx, keys []string, now time.Time) error {
	if len(keys) == 0 {
		return nil
	}
	for _, k := range keys {
		// The keys travel space-separated in xkey and Surrogate-Key headers.
		if k == "" || strings.ContainsAny(k, " \t\r\n") {
			return cumulus.Errorf(cumulus.Invalid, "postgres.enqueuePurge", "Invalid surrogate key - %q", k)
		}
	}
	ms := now.UnixMilli()
	_, err := tx.Exec(ctx, `INSERT INTO outbox (keys, next_attempt_at, created_at) VALUES ($1, $2, $2)`, keys, ms)
	return err
}

// EnqueuePurge implements cumulus.Outbox.
func (s *Store) EnqueuePurge(ctx context.Context, keys []string, now time.Time) error {
	err := s.tx(ctx, func(tx pgx.Tx) error { return enqueuePurge(ctx, tx, keys, now) })
	return cumulus.Wrap("postgres.EnqueuePurge", err)
}

// ClaimPurges implements cumulus.Outbox. The due rows are locked with FOR
// UPDATE SKIP LOCKED, so workers of several nodes claiming at once each
// take different tasks instead of queueing on the same rows; the lease
// then keeps a task away from the others until it expires.
func (s *Store) ClaimPurges(ctx context.Context, owner string, max int, now time.Time, lease time.Duration) ([]cumulus.PurgeTask, error) {
	const op = "postgres.ClaimPurges"
	if owner == "" || max <= 0 || lease <= 0 {
		return nil, cumulus.Errorf(cumulus.Invalid, op, "owner, max and lease must be set")
	}
	ms := now.UnixMilli()
	var tasks []cumulus.PurgeTask
	err := s.tx(ctx, func(tx pgx.Tx) error {
		tasks = nil
		rows, err := tx.Query(ctx, `UPDATE outbox SET lease_owner = $1, lease_until = $2, attempts = attempts + 1
			WHERE id IN (SELECT id FROM outbox WHERE next_attempt_at <= $3 AND lease_until <= $3
				ORDER BY next_attempt_at, id LIMIT $4 FOR UPDATE SKIP LOCKED)
			RETURNING id, keys, done, attempts, last_error, created_at`,
			owner, now.Add(lease).UnixMilli(), ms, max)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var t cumulus.PurgeTask
			var created int64
			if err := rows.Scan(&t.ID, &t.Keys, &t.Done, &t.Attempts, &t.LastError, &created); err != nil {
				return err
			}
			if len(t.Done) == 0 {
				t.Done = nil
			}
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
	_, err := s.pool.Exec(ctx, `DELETE FROM outbox WHERE id = $1 AND lease_owner = $2`, id, owner)
	return cumulus.Wrap("postgres.AckPurge", err)
}

// RetryPurge implements cumulus.Outbox.
func (s *Store) RetryPurge(ctx context.Context, owner string, id int64, done []string, reason string, next time.Time) error {
	reason = truncate(reason, 1000)
	_, err := s.pool.Exec(ctx, `UPDATE outbox SET lease_owner = '', lease_until = 0, done = $1, last_error = $2, next_attempt_at = $3
		WHERE id = $4 AND lease_owner = $5`, nonNilSlice(done), reason, next.UnixMilli(), id, owner)
	return cumulus.Wrap("postgres.RetryPurge", err)
}

// OutboxStats implements cumulus.Outbox.
func (s *Store) OutboxStats(ctx context.Context) (cumulus.OutboxStats, error) {
	var st cumulus.OutboxStats
	var oldest *int64
	err := s.pool.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE last_error <> ''), min(created_at) FROM outbox`).
		Scan(&st.Pending, &st.Failing, &oldest)
	if err != nil {
		return st, cumulus.Wrap("postgres.OutboxStats", err)
	}
	if oldest != nil {
		st.Oldest = time.UnixMilli(*oldest).UTC()
	}
	return st, nil
}

// truncate cuts s to at most n bytes of valid text: PostgreSQL, unlike
// SQLite, refuses text with invalid UTF-8 or NUL bytes, and a failure's
// reason may quote whatever a target answered.
func truncate(s string, n int) string {
	s = strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

var _ cumulus.Outbox = (*Store)(nil)
