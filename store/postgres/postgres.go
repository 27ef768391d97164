// Package postgres is a cumulus.AssetStore on PostgreSQL, for running
// several stateless Cumulus nodes against one database.
//
// It keeps store/sqlite's schema and semantics. Every method is one
// transaction at READ COMMITTED; where two writers could race, the row is
// locked first (SELECT … FOR UPDATE on the asset) so a version number is
// always computed from the latest committed one. A transaction that loses a
// race PostgreSQL cannot queue (two inserts of one brand-new public ID, a
// deadlock, a serialization failure) is retried from the start a few times.
// The schema comes from the embedded migrations, applied in order at Open
// under an advisory lock and tracked in the schema_migrations table.
//
// Every change to an asset's delivery state is announced with NOTIFY inside
// the transaction that makes it, so every node's Store (and through
// WatchChanges, its caches) hears of it once it is committed; see watch.go.
package postgres

import (
	"cmp"
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cumulusmedia/cumulus"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/*.sql
var migrations embed.FS

// migrationLock is the pg_advisory_xact_lock key that serialises nodes
// migrating one database at the same time ("cumulus" in ASCII).
const migrationLock = 0x63756d756c7573

// maxAttempts bounds the retries of a transaction that lost a race.
const maxAttempts = 5

// Store is an AssetStore backed by a PostgreSQL database.
type Store struct {
	pool  *pgxpool.Pool
	watch watch
}

// Open connects to the database named by dsn (a postgres:// URL or a
// key=value string, as libpq takes them; pool_max_conns sets the pool
// size), applies the migrations it lacks and returns the store. The role
// needs CREATE on the database's schema the first time, and on upgrades.
func Open(ctx context.Context, dsn string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// The parse error quotes the DSN, and hiding its password there is
		// only best effort.
		return nil, errors.New("postgres: invalid DSN: want postgres://user:password@host:port/database?options or key=value pairs")
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: connect to %s:%d/%s: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database, err)
	}
	s := &Store{pool: pool}
	s.watch.init()
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// Close stops the change listener and closes every connection of the pool.
func (s *Store) Close() error {
	s.stopListener()
	s.pool.Close()
	return nil
}

// Pool exposes the connection pool to tests and maintenance tools.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// migrate applies, in name order, every embedded migration whose number is
// not yet in schema_migrations, each in its own transaction.
func (s *Store) migrate(ctx context.Context) error {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		version, err := migrationNumber(name)
		if err != nil {
			return err
		}
		body, _ := migrations.ReadFile(name)
		err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			// Under the lock, one node at a time checks and applies; the
			// others then find the migration recorded.
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrationLock)); err != nil {
				return err
			}
			// Looked up first, because even CREATE TABLE IF NOT EXISTS needs
			// the CREATE privilege, which a role that only runs may lack.
			var exists bool
			if err := tx.QueryRow(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&exists); err != nil {
				return err
			}
			if !exists {
				if _, err := tx.Exec(ctx, `CREATE TABLE schema_migrations (
					version     INTEGER PRIMARY KEY,
					name        TEXT NOT NULL,
					applied_at  TIMESTAMPTZ NOT NULL DEFAULT now())`); err != nil {
					return err
				}
			}
			var done bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)`, version).Scan(&done); err != nil || done {
				return err
			}
			if _, err := tx.Exec(ctx, string(body)); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, version, strings.TrimPrefix(name, "migrations/"))
			return err
		})
		if err != nil {
			return fmt.Errorf("postgres: migration %s: %w", name, err)
		}
	}
	return nil
}

// migrationNumber reads the leading number of "migrations/0001_init.sql".
func migrationNumber(name string) (int, error) {
	base := strings.TrimPrefix(name, "migrations/")
	digits, _, _ := strings.Cut(base, "_")
	n, err := strconv.Atoi(digits)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("postgres: migration %s has no number", name)
	}
	return n, nil
}

// PutEnvironment implements cumulus.AssetStore.
func (s *Store) PutEnvironment(ctx context.Context, env cumulus.Environment) error {
	settings, err := json.Marshal(env.Settings)
	if err != nil {
		return cumulus.Wrap("postgres.PutEnvironment", err)
	}
	if env.CreatedAt.IsZero() {
		env.CreatedAt = time.Now()
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO environments (cloud, api_key, api_secret, settings, created_at)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (cloud) DO UPDATE SET api_key = excluded.api_key, api_secret = excluded.api_secret, settings = excluded.settings`,
		env.Cloud, env.APIKey, env.APISecret, settings, env.CreatedAt.Unix())
	return cumulus.Wrap("postgres.PutEnvironment", err)
}

// Environment implements cumulus.AssetStore.
func (s *Store) Environment(ctx context.Context, cloud string) (cumulus.Environment, error) {
	row := s.pool.QueryRow(ctx, `SELECT cloud, api_key, api_secret, settings, created_at FROM environments WHERE cloud = $1`, cloud)
	env, err := scanEnvironment(row)
	if errors.Is(err, pgx.ErrNoRows) {
		return env, cumulus.Errorf(cumulus.NotFound, "postgres.Environment", "Unknown cloud name - %s", cloud)
	}
	return env, cumulus.Wrap("postgres.Environment", err)
}

// Environments implements cumulus.AssetStore.
func (s *Store) Environments(ctx context.Context) ([]cumulus.Environment, error) {
	rows, err := s.pool.Query(ctx, `SELECT cloud, api_key, api_secret, settings, created_at FROM environments ORDER BY cloud`)
	if err != nil {
		return nil, cumulus.Wrap("postgres.Environments", err)
	}
	defer rows.Close()
	var envs []cumulus.Environment
	for rows.Next() {
		env, err := scanEnvironment(rows)
		if err != nil {
			return nil, cumulus.Wrap("postgres.Environments", err)
		}
		envs = append(envs, env)
	}
	return envs, cumulus.Wrap("postgres.Environments", rows.Err())
}

func scanEnvironment(r pgx.Row) (cumulus.Environment, error) {
	var env cumulus.Environment
	var settings []byte
	var created int64
	if err := r.Scan(&env.Cloud, &env.APIKey, &env.APISecret, &settings, &created); err != nil {
		return env, err
	}
	env.CreatedAt = time.Unix(created, 0).UTC()
	if err := json.Unmarshal(settings, &env.Settings); err != nil {
		return env, fmt.Errorf("settings of %s: %w", env.Cloud, err)
	}
	return env, nil
}

// AddVersion implements cumulus.AssetStore.
func (s *Store) AddVersion(ctx context.Context, nv cumulus.NewVersion) (cumulus.AddResult, error) {
	var res cumulus.AddResult
	ch := s.newChange()
	defer ch.release()
	err := s.tx(ctx, func(tx pgx.Tx) error {
		res = cumulus.AddResult{}
		now := nv.Now
		if now.IsZero() {
			now = time.Now()
		}
		v := nv.Version
		v.Version = now.Unix()
		v.VersionID = randomHex()
		v.CreatedAt = now

		// Holding the asset's row lock until commit makes concurrent uploads
		// of one public ID take turns, each seeing the version before it.
		assetID, err := lockAsset(ctx, tx, nv.AssetKey)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			res.Created = true
		case err != nil:
			return err
		}
		if res.Created {
			assetID = randomHex()
			ctxJSON, _ := json.Marshal(nonNil(nv.Context))
			// A concurrent first upload of the same public ID makes this a
			// unique violation; tx retries and then finds the row to lock.
			if _, err := tx.Exec(ctx, `INSERT INTO assets (id, cloud, resource_type, type, public_id, version, context, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`,
				assetID, nv.Cloud, string(nv.ResourceType), string(nv.Type), nv.PublicID, v.Version, string(ctxJSON), now.Unix()); err != nil {
				return err
			}
		} else {
			cur, err := getAsset(ctx, tx, nv.AssetKey)
			if err != nil {
				return err
			}
			if !nv.Overwrite {
				res.Existing, res.Asset = true, cur
				return nil
			}
			res.Overwritten = true
			if v.Version <= cur.Current.Version {
				v.Version = cur.Current.Version + 1
			}
			// An overwrite replaces tags and context only when the upload sets
			// them, as Cloudinary does.
			if nv.Context != nil {
				ctxJSON, _ := json.Marshal(nv.Context)
				if _, err := tx.Exec(ctx, `UPDATE assets SET context = $1 WHERE id = $2`, string(ctxJSON), assetID); err != nil {
					return err
				}
			}
			if _, err := tx.Exec(ctx, `UPDATE assets SET version = $1, updated_at = $2 WHERE id = $3`, v.Version, now.Unix(), assetID); err != nil {
				return err
			}
		}
		if nv.Tags != nil {
			if err := setTags(ctx, tx, assetID, nv.Tags); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO versions (asset_id, version, version_id, blob_key, bytes, format, width, height, pages, etag, original_filename, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			assetID, v.Version, v.VersionID, v.BlobKey, v.Bytes, v.Format, v.Width, v.Height, v.Pages, v.ETag, v.OriginalFilename, now.Unix()); err != nil {
			return err
		}
		if nv.Invalidate && res.Overwritten {
			if err := enqueuePurge(ctx, tx, []string{cumulus.SurrogateKey(nv.Cloud, assetID)}, time.Now()); err != nil {
				return err
			}
		}
		if res.Asset, err = getAsset(ctx, tx, nv.AssetKey); err != nil {
			return err
		}
		return ch.notify(ctx, tx, nv.AssetKey)
	})
	if err == nil && !res.Existing {
		s.changed(ch, nv.AssetKey)
	}
	return res, cumulus.Wrap("postgres.AddVersion", err)
}

// lockAsset returns the id of the asset named key and holds its row lock
// until the transaction ends; pgx.ErrNoRows when there is none.
func lockAsset(ctx context.Context, tx pgx.Tx, key cumulus.AssetKey) (string, error) {
	var id string
	err := tx.QueryRow(ctx, `SELECT id FROM assets WHERE cloud = $1 AND resource_type = $2 AND type = $3 AND public_id = $4 FOR UPDATE`,
		key.Cloud, string(key.ResourceType), string(key.Type), key.PublicID).Scan(&id)
	return id, err
}

// lockAssets locks the assets named by keys that exist and returns their
// ids. It takes the locks in one global order (that of the keys), so two
// transactions locking overlapping sets queue instead of deadlocking.
func lockAssets(ctx context.Context, tx pgx.Tx, keys []cumulus.AssetKey) (map[cumulus.AssetKey]string, error) {
	sorted := slices.Clone(keys)
	slices.SortFunc(sorted, func(a, b cumulus.AssetKey) int {
		return cmp.Or(cmp.Compare(a.Cloud, b.Cloud), cmp.Compare(a.ResourceType, b.ResourceType),
			cmp.Compare(a.Type, b.Type), cmp.Compare(a.PublicID, b.PublicID))
	})
	ids := make(map[cumulus.AssetKey]string, len(keys))
	for _, key := range slices.Compact(sorted) {
		id, err := lockAsset(ctx, tx, key)
		if errors.Is(err, pgx.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, err
		}
		ids[key] = id
	}
	return ids, nil
}

// Asset implements cumulus.AssetStore.
func (s *Store) Asset(ctx context.Context, key cumulus.AssetKey) (cumulus.Asset, error) {
	var a cumulus.Asset
	// One read-only transaction so the asset and its tags are one snapshot.
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var err error
		a, err = getAsset(ctx, tx, key)
		return err
	})
	return a, cumulus.Wrap("postgres.Asset", err)
}

// querier is what reads need: a transaction or the pool.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

const assetColumns = `a.id, a.cloud, a.resource_type, a.type, a.public_id, a.context, a.created_at, a.updated_at,
	v.version, v.version_id, v.blob_key, v.bytes, v.format, v.width, v.height, v.pages, v.etag, v.original_filename, v.created_at`

func getAsset(ctx context.Context, tx querier, key cumulus.AssetKey) (cumulus.Asset, error) {
	row := tx.QueryRow(ctx, `SELECT `+assetColumns+`
		FROM assets a JOIN versions v ON v.asset_id = a.id AND v.version = a.version
		WHERE a.cloud = $1 AND a.resource_type = $2 AND a.type = $3 AND a.public_id = $4`,
		key.Cloud, string(key.ResourceType), string(key.Type), key.PublicID)
	a, err := scanAsset(row)
	if errors.Is(err, pgx.ErrNoRows) {
		return a, cumulus.Errorf(cumulus.NotFound, "postgres.Asset", "Resource not found - %s", key.PublicID)
	}
	if err != nil {
		return a, err
	}
	a.Tags, err = getTags(ctx, tx, a.ID)
	return a, err
}

func scanAsset(r pgx.Row) (cumulus.Asset, error) {
	var a cumulus.Asset
	var ctxJSON string
	var rt, typ string
	var created, updated, vcreated int64
	v := &a.Current
	err := r.Scan(&a.ID, &a.Cloud, &rt, &typ, &a.PublicID, &ctxJSON, &created, &updated,
		&v.Version, &v.VersionID, &v.BlobKey, &v.Bytes, &v.Format, &v.Width, &v.Height, &v.Pages, &v.ETag, &v.OriginalFilename, &vcreated)
	if err != nil {
		return a, err
	}
	a.ResourceType, a.Type = cumulus.ResourceType(rt), cumulus.DeliveryType(typ)
	a.CreatedAt, a.UpdatedAt, v.CreatedAt = time.Unix(created, 0).UTC(), time.Unix(updated, 0).UTC(), time.Unix(vcreated, 0).UTC()
	if err := json.Unmarshal([]byte(ctxJSON), &a.Context); err != nil {
		return a, fmt.Errorf("context of %s: %w", a.ID, err)
	}
	return a, nil
}

func getTags(ctx context.Context, tx querier, assetID string) ([]string, error) {
	// COLLATE "C" sorts by bytes, as SQLite does, whatever the database's
	// locale.
	rows, err := tx.Query(ctx, `SELECT tag FROM tags WHERE asset_id = $1 ORDER BY tag COLLATE "C"`, assetID)
	if err != nil {
		return nil, err
	}
	tags, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if tags == nil {
		tags = []string{}
	}
	return tags, err
}

func setTags(ctx context.Context, tx pgx.Tx, assetID string, tags []string) error {
	if _, err := tx.Exec(ctx, `DELETE FROM tags WHERE asset_id = $1`, assetID); err != nil {
		return err
	}
	return addTags(ctx, tx, assetID, tags)
}

func addTags(ctx context.Context, tx pgx.Tx, assetID string, tags []string) error {
	if len(tags) == 0 {
		return nil
	}
	_, err := tx.Exec(ctx, `INSERT INTO tags (asset_id, tag) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING`, assetID, tags)
	return err
}

// Versions implements cumulus.AssetStore.
func (s *Store) Versions(ctx context.Context, key cumulus.AssetKey) ([]cumulus.Version, error) {
	rows, err := s.pool.Query(ctx, `SELECT v.version, v.version_id, v.blob_key, v.bytes, v.format, v.width, v.height, v.pages, v.etag, v.original_filename, v.created_at
		FROM assets a JOIN versions v ON v.asset_id = a.id
		WHERE a.cloud = $1 AND a.resource_type = $2 AND a.type = $3 AND a.public_id = $4
		ORDER BY v.version`, key.Cloud, string(key.ResourceType), string(key.Type), key.PublicID)
	if err != nil {
		return nil, cumulus.Wrap("postgres.Versions", err)
	}
	defer rows.Close()
	var vs []cumulus.Version
	for rows.Next() {
		var v cumulus.Version
		var created int64
		if err := rows.Scan(&v.Version, &v.VersionID, &v.BlobKey, &v.Bytes, &v.Format, &v.Width, &v.Height, &v.Pages, &v.ETag, &v.OriginalFilename, &created); err != nil {
			return nil, cumulus.Wrap("postgres.Versions", err)
		}
		v.CreatedAt = time.Unix(created, 0).UTC()
		vs = append(vs, v)
	}
	if err := rows.Err(); err != nil {
		return nil, cumulus.Wrap("postgres.Versions", err)
	}
	if len(vs) == 0 {
		return nil, cumulus.Errorf(cumulus.NotFound, "postgres.Versions", "Resource not found - %s", key.PublicID)
	}
	return vs, nil
}

// DeleteAsset implements cumulus.AssetStore.
func (s *Store) DeleteAsset(ctx context.Context, key cumulus.AssetKey, invalidate bool) (cumulus.Asset, error) {
	var a cumulus.Asset
	ch := s.newChange()
	defer ch.release()
	err := s.tx(ctx, func(tx pgx.Tx) error {
		// Locking first means of two concurrent deletes only one returns the
		// asset (and so releases its blobs); the other finds it gone.
		if _, err := lockAsset(ctx, tx, key); errors.Is(err, pgx.ErrNoRows) {
			return cumulus.Errorf(cumulus.NotFound, "postgres.Asset", "Resource not found - %s", key.PublicID)
		} else if err != nil {
			return err
		}
		var err error
		if a, err = getAsset(ctx, tx, key); err != nil {
			return err
		}
		if _, err = tx.Exec(ctx, `DELETE FROM assets WHERE id = $1`, a.ID); err != nil {
			return err
		}
		if invalidate {
			if err := enqueuePurge(ctx, tx, []string{cumulus.SurrogateKey(key.Cloud, a.ID)}, time.Now()); err != nil {
				return err
			}
		}
		return ch.notify(ctx, tx, key)
	})
	if err == nil {
		s.changed(ch, key)
	}
	return a, cumulus.Wrap("postgres.DeleteAsset", err)
}

// RenameAsset implements cumulus.AssetStore.
func (s *Store) RenameAsset(ctx context.Context, from, to cumulus.AssetKey, overwrite, invalidate bool, now time.Time) (cumulus.Asset, error) {
	var a cumulus.Asset
	ch := s.newChange()
	defer ch.release()
	err := s.tx(ctx, func(tx pgx.Tx) error {
		// Both rows at once, in the global order: a→b racing b→a queue.
		ids, err := lockAssets(ctx, tx, []cumulus.AssetKey{from, to})
		if err != nil {
			return err
		}
		if _, ok := ids[from]; !ok {
			return cumulus.Errorf(cumulus.NotFound, "postgres.Asset", "Resource not found - %s", from.PublicID)
		}
		src, err := getAsset(ctx, tx, from)
		if err != nil {
			return err
		}
		if from == to {
			a = src
			return ch.notify(ctx, tx, from, to)
		}
		// The moved asset's URLs change, and an overwritten target's old
		// content must not be served under its name any more.
		purge := []string{cumulus.SurrogateKey(from.Cloud, src.ID)}
		if dstID, ok := ids[to]; ok {
			if !overwrite {
				return cumulus.Errorf(cumulus.Conflict, "postgres.RenameAsset", "to_public_id %s already exists", to.PublicID)
			}
			if _, err := tx.Exec(ctx, `DELETE FROM assets WHERE id = $1`, dstID); err != nil {
				return err
			}
			purge = append(purge, cumulus.SurrogateKey(to.Cloud, dstID))
		}
		// Two renames onto one free target race here; the loser's unique
		// violation makes tx retry, and the retry reports the Conflict.
		if _, err := tx.Exec(ctx, `UPDATE assets SET type = $1, public_id = $2, updated_at = $3 WHERE id = $4`,
			string(to.Type), to.PublicID, now.Unix(), src.ID); err != nil {
			return err
		}
		if invalidate {
			if err := enqueuePurge(ctx, tx, purge, time.Now()); err != nil {
				return err
			}
		}
		if a, err = getAsset(ctx, tx, to); err != nil {
			return err
		}
		return ch.notify(ctx, tx, from, to)
	})
	if err == nil {
		s.changed(ch, from, to)
	}
	return a, cumulus.Wrap("postgres.RenameAsset", err)
}

// UpdateTags implements cumulus.AssetStore.
func (s *Store) UpdateTags(ctx context.Context, keys []cumulus.AssetKey, cmd cumulus.TagCommand, tags []string, now time.Time) ([]string, error) {
	switch cmd {
	case cumulus.TagAdd, cumulus.TagRemove, cumulus.TagReplace, cumulus.TagRemoveAll:
	default:
		return []string{}, cumulus.Errorf(cumulus.Invalid, "postgres.UpdateTags", "Invalid command - %s", cmd)
	}
	var found []string
	err := s.tx(ctx, func(tx pgx.Tx) error {
		found = []string{}
		ids, err := lockAssets(ctx, tx, keys)
		if err != nil {
			return err
		}
		for _, key := range keys {
			id, ok := ids[key]
			if !ok {
				continue
			}
			switch cmd {
			case cumulus.TagAdd:
				err = addTags(ctx, tx, id, tags)
			case cumulus.TagReplace:
				err = setTags(ctx, tx, id, tags)
			case cumulus.TagRemoveAll:
				err = setTags(ctx, tx, id, nil)
			case cumulus.TagRemove:
				_, err = tx.Exec(ctx, `DELETE FROM tags WHERE asset_id = $1 AND tag = ANY($2::text[])`, id, nonNilSlice(tags))
			}
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE assets SET updated_at = $1 WHERE id = $2`, now.Unix(), id); err != nil {
				return err
			}
			found = append(found, key.PublicID)
		}
		return nil
	})
	return found, cumulus.Wrap("postgres.UpdateTags", err)
}

// BlobReferenced implements cumulus.AssetStore.
func (s *Store) BlobReferenced(ctx context.Context, blobKey string) (bool, error) {
	var ref bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM versions WHERE blob_key = $1)
		OR EXISTS (SELECT 1 FROM derivatives WHERE blob_key = $1)`, blobKey).Scan(&ref)
	return ref, cumulus.Wrap("postgres.BlobReferenced", err)
}

// tx runs fn in one transaction, committing when it returns nil. When the
// transaction fails because it lost a race with another one, fn runs again
// in a new transaction, so fn must reset whatever it reports.
func (s *Store) tx(ctx context.Context, fn func(pgx.Tx) error) error {
	var err error
	for attempt := 1; attempt <= maxAttempts; attempt++ {
		err = pgx.BeginFunc(ctx, s.pool, fn)
		if !retryable(err) || ctx.Err() != nil {
			return err
		}
		// Back off a little, more each time, so racers spread out.
		select {
		case <-time.After(time.Duration(attempt*attempt) * time.Millisecond):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return err
}

// retryable reports whether err is a transaction losing a race: a unique
// violation, a serialization failure or a deadlock.
func retryable(err error) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return false
	}
	switch pe.Code {
	case "23505", "40001", "40P01":
		return true
	}
	return false
}

func randomHex() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func nonNilSlice(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

var (
	_ cumulus.AssetStore    = (*Store)(nil)
	_ cumulus.ChangeWatcher = (*Store)(nil)
	_ cumulus.ChangeSyncer  = (*Store)(nil)
)
