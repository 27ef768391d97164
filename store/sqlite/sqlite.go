// Package sqlite is a cumulus.AssetStore on an embedded SQLite database.
//
// The database runs in WAL mode with synchronous=FULL, so a committed
// upload survives a crash; foreign keys are on; write transactions start
// IMMEDIATE so concurrent writers queue on the busy timeout instead of
// failing to upgrade a read lock. The schema comes from the embedded
// migrations, applied in order at Open and tracked in PRAGMA user_version.
package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"sort"
	"sync"
	"time"

	"github.com/cumulusmedia/cumulus"
	_ "modernc.org/sqlite"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is an AssetStore backed by one SQLite file.
type Store struct {
	db *sql.DB
	// cacheDB writes rebuildable records (derivatives) with
	// synchronous=NORMAL: in WAL mode that is still crash-consistent, and
	// losing the last ones in a power cut only means re-rendering.
	cacheDB *sql.DB

	watchMu  sync.Mutex
	watchers []func(cumulus.AssetKey)
}

// WatchChanges implements cumulus.ChangeWatcher.
func (s *Store) WatchChanges(fn func(cumulus.AssetKey)) {
	s.watchMu.Lock()
	s.watchers = append(s.watchers, fn)
	s.watchMu.Unlock()
}

// changed tells the watchers about committed changes.
func (s *Store) changed(keys ...cumulus.AssetKey) {
	s.watchMu.Lock()
	ws := s.watchers
	s.watchMu.Unlock()
	for _, k := range keys {
		for _, fn := range ws {
			fn(k)
		}
	}
}

// Open opens (creating and migrating it if needed) the database at path.
func Open(path string) (*Store, error) {
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "synchronous(FULL)", "foreign_keys(1)", "busy_timeout(10000)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	s := &Store{db: db}
	if err := s.migrate(); err != nil {
		db.Close()
		return nil, err
	}
	q.Del("_pragma")
	for _, p := range []string{"synchronous(NORMAL)", "foreign_keys(1)", "busy_timeout(10000)"} {
		q.Add("_pragma", p)
	}
	if s.cacheDB, err = sql.Open("sqlite", "file:"+path+"?"+q.Encode()); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	s.cacheDB.SetMaxOpenConns(2)
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error {
	s.cacheDB.Close()
	return s.db.Close()
}

// DB exposes the database handle to tests and maintenance tools.
func (s *Store) DB() *sql.DB { return s.db }

func (s *Store) migrate() error {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	var current int
	if err := s.db.QueryRow("PRAGMA user_version").Scan(&current); err != nil {
		return fmt.Errorf("sqlite: read schema version: %w", err)
	}
	for i, name := range names {
		if i+1 <= current {
			continue
		}
		body, _ := migrations.ReadFile(name)
		tx, err := s.db.Begin()
		if err != nil {
			return err
		}
		if _, err := tx.Exec(string(body)); err != nil {
			tx.Rollback()
			return fmt.Errorf("sqlite: migration %s: %w", name, err)
		}
		if _, err := tx.Exec(fmt.Sprintf("PRAGMA user_version = %d", i+1)); err != nil {
			tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("sqlite: migration %s: %w", name, err)
		}
	}
	return nil
}

// PutEnvironment implements cumulus.AssetStore.
func (s *Store) PutEnvironment(ctx context.Context, env cumulus.Environment) error {
	settings, err := json.Marshal(env.Settings)
	if err != nil {
		return cumulus.Wrap("sqlite.PutEnvironment", err)
	}
	if env.CreatedAt.IsZero() {
		env.CreatedAt = time.Now()
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO environments (cloud, api_key, api_secret, settings, created_at)
		VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (cloud) DO UPDATE SET api_key = excluded.api_key, api_secret = excluded.api_secret, settings = excluded.settings`,
		env.Cloud, env.APIKey, env.APISecret, string(settings), env.CreatedAt.Unix())
	return cumulus.Wrap("sqlite.PutEnvironment", err)
}

// Environment implements cumulus.AssetStore.
func (s *Store) Environment(ctx context.Context, cloud string) (cumulus.Environment, error) {
	row := s.db.QueryRowContext(ctx, `SELECT cloud, api_key, api_secret, settings, created_at FROM environments WHERE cloud = ?`, cloud)
	env, err := scanEnvironment(row)
	if errors.Is(err, sql.ErrNoRows) {
		return env, cumulus.Errorf(cumulus.NotFound, "sqlite.Environment", "Unknown cloud name - %s", cloud)
	}
	return env, cumulus.Wrap("sqlite.Environment", err)
}

// Environments implements cumulus.AssetStore.
func (s *Store) Environments(ctx context.Context) ([]cumulus.Environment, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT cloud, api_key, api_secret, settings, created_at FROM environments ORDER BY cloud`)
	if err != nil {
		return nil, cumulus.Wrap("sqlite.Environments", err)
	}
	defer rows.Close()
	var envs []cumulus.Environment
	for rows.Next() {
		env, err := scanEnvironment(rows)
		if err != nil {
			return nil, cumulus.Wrap("sqlite.Environments", err)
		}
		envs = append(envs, env)
	}
	return envs, cumulus.Wrap("sqlite.Environments", rows.Err())
}

type scanner interface{ Scan(...any) error }

func scanEnvironment(r scanner) (cumulus.Environment, error) {
	var env cumulus.Environment
	var settings string
	var created int64
	if err := r.Scan(&env.Cloud, &env.APIKey, &env.APISecret, &settings, &created); err != nil {
		return env, err
	}
	env.CreatedAt = time.Unix(created, 0).UTC()
	if err := json.Unmarshal([]byte(settings), &env.Settings); err != nil {
		return env, fmt.Errorf("settings of %s: %w", env.Cloud, err)
	}
	return env, nil
}

// AddVersion implements cumulus.AssetStore.
func (s *Store) AddVersion(ctx context.Context, nv cumulus.NewVersion) (cumulus.AddResult, error) {
	const op = "sqlite.AddVersion"
	var res cumulus.AddResult
	err := s.tx(ctx, func(tx *sql.Tx) error {
		cur, err := getAsset(ctx, tx, nv.AssetKey)
		switch {
		case cumulus.IsNotFound(err):
			res.Created = true
		case err != nil:
			return err
		case !nv.Overwrite:
			res.Existing = true
			res.Asset = cur
			return nil
		default:
			res.Overwritten = true
		}
		now := nv.Now
		if now.IsZero() {
			now = time.Now()
		}
		v := nv.Version
		v.Version = now.Unix()
		if !res.Created && v.Version <= cur.Current.Version {
			v.Version = cur.Current.Version + 1
		}
		v.VersionID = randomHex()
		v.CreatedAt = now
		assetID := cur.ID
		if res.Created {
			assetID = randomHex()
			ctxJSON, _ := json.Marshal(nonNil(nv.Context))
			if _, err := tx.ExecContext(ctx, `INSERT INTO assets (id, cloud, resource_type, type, public_id, version, context, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				assetID, nv.Cloud, nv.ResourceType, nv.Type, nv.PublicID, v.Version, string(ctxJSON), now.Unix(), now.Unix()); err != nil {
				return err
			}
		} else {
			// An overwrite replaces tags and context only when the upload sets them,
			// as Cloudinary does.
			if nv.Context != nil {
				ctxJSON, _ := json.Marshal(nv.Context)
				if _, err := tx.ExecContext(ctx, `UPDATE assets SET context = ? WHERE id = ?`, string(ctxJSON), assetID); err != nil {
					return err
				}
			}
			if _, err := tx.ExecContext(ctx, `UPDATE assets SET version = ?, updated_at = ? WHERE id = ?`, v.Version, now.Unix(), assetID); err != nil {
				return err
			}
		}
		if nv.Tags != nil {
			if err := setTags(ctx, tx, assetID, nv.Tags); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO versions (asset_id, version, version_id, blob_key, bytes, format, width, height, pages, etag, original_filename, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			assetID, v.Version, v.VersionID, v.BlobKey, v.Bytes, v.Format, v.Width, v.Height, v.Pages, v.ETag, v.OriginalFilename, now.Unix()); err != nil {
			return err
		}
		if nv.Invalidate && res.Overwritten {
			if err := enqueuePurge(ctx, tx, []string{cumulus.SurrogateKey(nv.Cloud, assetID)}, time.Now()); err != nil {
				return err
			}
		}
		res.Asset, err = getAsset(ctx, tx, nv.AssetKey)
		return err
	})
	if err == nil && !res.Existing {
		s.changed(nv.AssetKey)
	}
	return res, cumulus.Wrap(op, err)
}

// Asset implements cumulus.AssetStore.
func (s *Store) Asset(ctx context.Context, key cumulus.AssetKey) (cumulus.Asset, error) {
	a, err := getAsset(ctx, s.db, key)
	return a, cumulus.Wrap("sqlite.Asset", err)
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

const assetColumns = `a.id, a.cloud, a.resource_type, a.type, a.public_id, a.context, a.created_at, a.updated_at,
	v.version, v.version_id, v.blob_key, v.bytes, v.format, v.width, v.height, v.pages, v.etag, v.original_filename, v.created_at`

func getAsset(ctx context.Context, q querier, key cumulus.AssetKey) (cumulus.Asset, error) {
	row := q.QueryRowContext(ctx, `SELECT `+assetColumns+`
		FROM assets a JOIN versions v ON v.asset_id = a.id AND v.version = a.version
		WHERE a.cloud = ? AND a.resource_type = ? AND a.type = ? AND a.public_id = ?`,
		key.Cloud, key.ResourceType, key.Type, key.PublicID)
	a, err := scanAsset(row)
	if errors.Is(err, sql.ErrNoRows) {
		return a, cumulus.Errorf(cumulus.NotFound, "sqlite.Asset", "Resource not found - %s", key.PublicID)
	}
	if err != nil {
		return a, err
	}
	a.Tags, err = getTags(ctx, q, a.ID)
	return a, err
}

func scanAsset(r scanner) (cumulus.Asset, error) {
	var a cumulus.Asset
	var ctxJSON string
	var created, updated, vcreated int64
	v := &a.Current
	err := r.Scan(&a.ID, &a.Cloud, &a.ResourceType, &a.Type, &a.PublicID, &ctxJSON, &created, &updated,
		&v.Version, &v.VersionID, &v.BlobKey, &v.Bytes, &v.Format, &v.Width, &v.Height, &v.Pages, &v.ETag, &v.OriginalFilename, &vcreated)
	if err != nil {
		return a, err
	}
	a.CreatedAt, a.UpdatedAt, v.CreatedAt = time.Unix(created, 0).UTC(), time.Unix(updated, 0).UTC(), time.Unix(vcreated, 0).UTC()
	if err := json.Unmarshal([]byte(ctxJSON), &a.Context); err != nil {
		return a, fmt.Errorf("context of %s: %w", a.ID, err)
	}
	return a, nil
}

func getTags(ctx context.Context, q querier, assetID string) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT tag FROM tags WHERE asset_id = ? ORDER BY tag`, assetID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	tags := []string{}
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		tags = append(tags, t)
	}
	return tags, rows.Err()
}

func setTags(ctx context.Context, tx *sql.Tx, assetID string, tags []string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM tags WHERE asset_id = ?`, assetID); err != nil {
		return err
	}
	return addTags(ctx, tx, assetID, tags)
}

func addTags(ctx context.Context, tx *sql.Tx, assetID string, tags []string) error {
	for _, t := range tags {
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO tags (asset_id, tag) VALUES (?, ?)`, assetID, t); err != nil {
			return err
		}
	}
	return nil
}

// Versions implements cumulus.AssetStore.
func (s *Store) Versions(ctx context.Context, key cumulus.AssetKey) ([]cumulus.Version, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT v.version, v.version_id, v.blob_key, v.bytes, v.format, v.width, v.height, v.pages, v.etag, v.original_filename, v.created_at
		FROM assets a JOIN versions v ON v.asset_id = a.id
		WHERE a.cloud = ? AND a.resource_type = ? AND a.type = ? AND a.public_id = ?
		ORDER BY v.version`, key.Cloud, key.ResourceType, key.Type, key.PublicID)
	if err != nil {
		return nil, cumulus.Wrap("sqlite.Versions", err)
	}
	defer rows.Close()
	var vs []cumulus.Version
	for rows.Next() {
		var v cumulus.Version
		var created int64
		if err := rows.Scan(&v.Version, &v.VersionID, &v.BlobKey, &v.Bytes, &v.Format, &v.Width, &v.Height, &v.Pages, &v.ETag, &v.OriginalFilename, &created); err != nil {
			return nil, cumulus.Wrap("sqlite.Versions", err)
		}
		v.CreatedAt = time.Unix(created, 0).UTC()
		vs = append(vs, v)
	}
	if err := rows.Err(); err != nil {
		return nil, cumulus.Wrap("sqlite.Versions", err)
	}
	if len(vs) == 0 {
		return nil, cumulus.Errorf(cumulus.NotFound, "sqlite.Versions", "Resource not found - %s", key.PublicID)
	}
	return vs, nil
}

// DeleteAsset implements cumulus.AssetStore.
func (s *Store) DeleteAsset(ctx context.Context, key cumulus.AssetKey, invalidate bool) (cumulus.Asset, error) {
	var a cumulus.Asset
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		if a, err = getAsset(ctx, tx, key); err != nil {
			return err
		}
		if _, err = tx.ExecContext(ctx, `DELETE FROM assets WHERE id = ?`, a.ID); err != nil {
			return err
		}
		if invalidate {
			return enqueuePurge(ctx, tx, []string{cumulus.SurrogateKey(key.Cloud, a.ID)}, time.Now())
		}
		return nil
	})
	if err == nil {
		s.changed(key)
	}
	return a, cumulus.Wrap("sqlite.DeleteAsset", err)
}

// RenameAsset implements cumulus.AssetStore.
func (s *Store) RenameAsset(ctx context.Context, from, to cumulus.AssetKey, overwrite, invalidate bool, now time.Time) (cumulus.Asset, error) {
	var a cumulus.Asset
	err := s.tx(ctx, func(tx *sql.Tx) error {
		src, err := getAsset(ctx, tx, from)
		if err != nil {
			return err
		}
		if from == to {
			a = src
			return nil
		}
		purge := []string{cumulus.SurrogateKey(from.Cloud, src.ID)}
		dst, err := getAsset(ctx, tx, to)
		switch {
		case err == nil && !overwrite:
			return cumulus.Errorf(cumulus.Conflict, "sqlite.RenameAsset", "to_public_id %s already exists", to.PublicID)
		case err == nil:
			if _, err := tx.ExecContext(ctx, `DELETE FROM assets WHERE id = ?`, dst.ID); err != nil {
				return err
			}
			purge = append(purge, cumulus.SurrogateKey(to.Cloud, dst.ID))
		case !cumulus.IsNotFound(err):
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE assets SET type = ?, public_id = ?, updated_at = ? WHERE id = ?`,
			to.Type, to.PublicID, now.Unix(), src.ID); err != nil {
			return err
		}
		if invalidate {
			if err := enqueuePurge(ctx, tx, purge, time.Now()); err != nil {
				return err
			}
		}
		a, err = getAsset(ctx, tx, to)
		return err
	})
	if err == nil {
		s.changed(from, to)
	}
	return a, cumulus.Wrap("sqlite.RenameAsset", err)
}

// UpdateTags implements cumulus.AssetStore.
func (s *Store) UpdateTags(ctx context.Context, keys []cumulus.AssetKey, cmd cumulus.TagCommand, tags []string, now time.Time) ([]string, error) {
	found := []string{}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		for _, key := range keys {
			var id string
			err := tx.QueryRowContext(ctx, `SELECT id FROM assets WHERE cloud = ? AND resource_type = ? AND type = ? AND public_id = ?`,
				key.Cloud, key.ResourceType, key.Type, key.PublicID).Scan(&id)
			if errors.Is(err, sql.ErrNoRows) {
				continue
			}
			if err != nil {
				return err
			}
			switch cmd {
			case cumulus.TagAdd:
				err = addTags(ctx, tx, id, tags)
			case cumulus.TagReplace:
				err = setTags(ctx, tx, id, tags)
			case cumulus.TagRemoveAll:
				err = setTags(ctx, tx, id, nil)
			case cumulus.TagRemove:
				for _, t := range tags {
					if _, err = tx.ExecContext(ctx, `DELETE FROM tags WHERE asset_id = ? AND tag = ?`, id, t); err != nil {
						break
					}
				}
			default:
				return cumulus.Errorf(cumulus.Invalid, "sqlite.UpdateTags", "Invalid command - %s", cmd)
			}
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE assets SET updated_at = ? WHERE id = ?`, now.Unix(), id); err != nil {
				return err
			}
			found = append(found, key.PublicID)
		}
		return nil
	})
	return found, cumulus.Wrap("sqlite.UpdateTags", err)
}

// BlobReferenced implements cumulus.AssetStore.
func (s *Store) BlobReferenced(ctx context.Context, blobKey string) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM versions WHERE blob_key = ?) + (SELECT COUNT(*) FROM derivatives WHERE blob_key = ?)`, blobKey, blobKey).Scan(&n)
	return n > 0, cumulus.Wrap("sqlite.BlobReferenced", err)
}

// tx runs fn in one IMMEDIATE transaction, committing when it returns nil.
func (s *Store) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
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

var (
	_ cumulus.AssetStore    = (*Store)(nil)
	_ cumulus.ChangeWatcher = (*Store)(nil)
)
