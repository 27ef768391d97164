package postgres

// The Admin API's storage, with store/sqlite's semantics: listings with
// keyset paging on the seq column (SQLite's rowid), updates, folders, named
// transformations, upload presets and rate-limit counters shared by every
// node. Conditions built at run time, including the admin package's
// compiled search filters, are written with '?' and numbered by rebind.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cumulusmedia/cumulus"
	"github.com/jackc/pgx/v5"
)

const maxPage = 1000

// sortColumns maps sort fields to columns; "" is insertion order alone.
var sortColumns = map[cumulus.SortField]string{
	cumulus.SortPublicID:  "a.public_id",
	cumulus.SortCreatedAt: "a.created_at",
	cumulus.SortUpdatedAt: "a.updated_at",
	cumulus.SortBytes:     "v.bytes",
	cumulus.SortWidth:     "v.width",
	cumulus.SortHeight:    "v.height",
}

// cursor is the position after the last row of a page: the sort value and
// the row's seq. Its encoding is store/sqlite's, so a cursor means the same
// to both stores.
type cursor struct {
	S any   `json:"s,omitempty"`
	R int64 `json:"r"`
}

func encodeCursor(c cursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor reads a cursor of a listing sorted by sortBy. A sort value
// of the wrong kind (text for a number column or the reverse) is as
// invalid as bad base64: PostgreSQL would refuse to compare it.
func decodeCursor(s string, sortBy cumulus.SortField) (cursor, error) {
	bad := cumulus.Errorf(cumulus.Invalid, "postgres.ListAssets", "Invalid next_cursor - %s", s)
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		d := json.NewDecoder(strings.NewReader(string(b)))
		d.UseNumber()
		err = d.Decode(&c)
	}
	if err != nil {
		return c, bad
	}
	switch v := c.S.(type) {
	case json.Number:
		i, err := v.Int64()
		if err != nil || sortBy == cumulus.SortPublicID || sortBy == cumulus.SortInserted {
			return c, bad
		}
		c.S = i
	case string:
		if sortBy != cumulus.SortPublicID {
			return c, bad
		}
	case nil:
		if sortBy != cumulus.SortInserted {
			return c, bad
		}
	default:
		return c, bad
	}
	return c, nil
}

// where builds the condition of q without paging, with '?' placeholders.
func where(q cumulus.AssetQuery) (string, []any) {
	conds := []string{"a.cloud = ?"}
	args := []any{q.Cloud}
	if q.ResourceType != "" {
		conds, args = append(conds, "a.resource_type = ?"), append(args, string(q.ResourceType))
	}
	if q.Type != "" {
		conds, args = append(conds, "a.type = ?"), append(args, string(q.Type))
	}
	if q.Prefix != "" {
		conds = append(conds, "substr(a.public_id, 1, ?) = ?")
		args = append(args, utf8.RuneCountInString(q.Prefix), q.Prefix)
	}
	if q.PublicIDs != nil {
		conds, args = append(conds, "a.public_id = ANY(?::text[])"), append(args, q.PublicIDs)
	}
	if q.AssetIDs != nil {
		conds, args = append(conds, "a.id = ANY(?::text[])"), append(args, q.AssetIDs)
	}
	if q.Tag != "" {
		conds, args = append(conds, "EXISTS (SELECT 1 FROM tags t WHERE t.asset_id = a.id AND t.tag = ?)"), append(args, q.Tag)
	}
	if q.ContextKey != "" {
		// The context column is encoding/json output of a string map, in
		// which a quote inside a string is always escaped: so `"k":` and
		// `"k":"v"` can only match a real key and value.
		k, _ := json.Marshal(q.ContextKey)
		pat := string(k) + ":"
		if q.HasContextValue {
			v, _ := json.Marshal(q.ContextValue)
			pat += string(v)
		}
		conds, args = append(conds, "strpos(a.context, ?) > 0"), append(args, pat)
	}
	if q.Filter != nil && q.Filter.Where != "" {
		conds = append(conds, "("+q.Filter.Where+")")
		args = append(args, q.Filter.Args...)
	}
	return strings.Join(conds, " AND "), args
}

// listColumns are a listed asset's: its seq, the asset, its metadata and
// its tags in byte order (the tag column collates as "C").
const listColumns = `a.seq, ` + assetColumns + `, a.metadata,
	ARRAY(SELECT t.tag FROM tags t WHERE t.asset_id = a.id ORDER BY t.tag)`

const fromAssets = ` FROM assets a JOIN versions v ON v.asset_id = a.id AND v.version = a.version WHERE `

// readTx runs fn in one read-only snapshot.
func (s *Store) readTx(ctx context.Context, fn func(pgx.Tx) error) error {
	return pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, fn)
}

// ListAssets implements cumulus.AdminStore.
func (s *Store) ListAssets(ctx context.Context, q cumulus.AssetQuery) (cumulus.AssetPage, error) {
	const op = "postgres.ListAssets"
	var page cumulus.AssetPage
	col, ok := sortColumns[q.Sort]
	if !ok && q.Sort != cumulus.SortInserted {
		return page, cumulus.Errorf(cumulus.Invalid, op, "Invalid sort field - %s", q.Sort)
	}
	limit := q.Limit
	if limit <= 0 || limit > maxPage {
		limit = maxPage
	}
	cond, args := where(q)
	countQuery, _ := rebind(`SELECT COUNT(*)` + fromAssets + cond)
	countArgs := args
	cmp, dir := ">", "ASC"
	if q.Desc {
		cmp, dir = "<", "DESC"
	}
	if q.After != "" {
		c, err := decodeCursor(q.After, q.Sort)
		if err != nil {
			return page, err
		}
		if col == "" {
			cond += " AND a.seq " + cmp + " ?"
			args = append(args, c.R)
		} else {
			cond += fmt.Sprintf(" AND (%s %s ? OR (%s = ? AND a.seq %s ?))", col, cmp, col, cmp)
			args = append(args, c.S, c.S, c.R)
		}
	}
	order := "a.seq " + dir
	if col != "" {
		order = col + " " + dir + ", " + order
	}
	listQuery, _ := rebind(`SELECT ` + listColumns + fromAssets + cond + ` ORDER BY ` + order + ` LIMIT ?`)
	args = append(args, limit+1)

	var seqs []int64
	err := s.readTx(ctx, func(tx pgx.Tx) error {
		page.Assets, seqs = nil, nil
		if q.Count {
			if err := tx.QueryRow(ctx, countQuery, countArgs...).Scan(&page.Total); err != nil {
				return err
			}
		}
		rows, err := tx.Query(ctx, listQuery, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			la, seq, err := scanListed(rows)
			if err != nil {
				return err
			}
			page.Assets = append(page.Assets, la)
			seqs = append(seqs, seq)
		}
		return rows.Err()
	})
	if err != nil {
		return page, cumulus.Wrap(op, err)
	}
	if len(page.Assets) > limit {
		page.Assets, seqs = page.Assets[:limit], seqs[:limit]
		last := page.Assets[limit-1]
		c := cursor{R: seqs[limit-1]}
		switch q.Sort {
		case cumulus.SortPublicID:
			c.S = last.PublicID
		case cumulus.SortCreatedAt:
			c.S = last.CreatedAt.Unix()
		case cumulus.SortUpdatedAt:
			c.S = last.UpdatedAt.Unix()
		case cumulus.SortBytes:
			c.S = last.Current.Bytes
		case cumulus.SortWidth:
			c.S = int64(last.Current.Width)
		case cumulus.SortHeight:
			c.S = int64(last.Current.Height)
		}
		page.Next = encodeCursor(c)
	}
	return page, nil
}

func scanListed(r pgx.Row) (cumulus.ListedAsset, int64, error) {
	var la cumulus.ListedAsset
	var seq, created, updated, vcreated int64
	var ctxJSON, metaJSON, rt, typ string
	a, v := &la.Asset, &la.Current
	err := r.Scan(&seq, &a.ID, &a.Cloud, &rt, &typ, &a.PublicID, &ctxJSON, &created, &updated,
		&v.Version, &v.VersionID, &v.BlobKey, &v.Bytes, &v.Format, &v.Width, &v.Height, &v.Pages, &v.ETag, &v.OriginalFilename, &vcreated,
		&metaJSON, &a.Tags)
	if err != nil {
		return la, 0, err
	}
	a.ResourceType, a.Type = cumulus.ResourceType(rt), cumulus.DeliveryType(typ)
	if a.Tags == nil {
		a.Tags = []string{}
	}
	a.CreatedAt, a.UpdatedAt, v.CreatedAt = time.Unix(created, 0).UTC(), time.Unix(updated, 0).UTC(), time.Unix(vcreated, 0).UTC()
	if err := json.Unmarshal([]byte(ctxJSON), &a.Context); err != nil {
		return la, 0, fmt.Errorf("context of %s: %w", a.ID, err)
	}
	if err := json.Unmarshal([]byte(metaJSON), &la.Metadata); err != nil {
		return la, 0, fmt.Errorf("metadata of %s: %w", a.ID, err)
	}
	return la, seq, nil
}

var groupColumns = map[string]string{"format": "v.format", "resource_type": "a.resource_type", "type": "a.type"}

// CountAssetsBy implements cumulus.AdminStore.
func (s *Store) CountAssetsBy(ctx context.Context, q cumulus.AssetQuery, field string) (map[string]int64, error) {
	const op = "postgres.CountAssetsBy"
	col, ok := groupColumns[field]
	if !ok {
		return nil, cumulus.Errorf(cumulus.Invalid, op, "Invalid aggregate field - %s", field)
	}
	cond, args := where(q)
	query, _ := rebind(`SELECT ` + col + `, COUNT(*)` + fromAssets + cond + ` GROUP BY ` + col)
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, cumulus.Wrap(op, err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var k string
		var n int64
		if err := rows.Scan(&k, &n); err != nil {
			return nil, cumulus.Wrap(op, err)
		}
		out[k] = n
	}
	return out, cumulus.Wrap(op, rows.Err())
}

func listedByID(ctx context.Context, q querier, id string) (cumulus.ListedAsset, error) {
	la, _, err := scanListed(q.QueryRow(ctx, `SELECT `+listColumns+fromAssets+`a.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return la, cumulus.Errorf(cumulus.NotFound, "postgres.Asset", "Resource not found - %s", id)
	}
	return la, err
}

// UpdateAsset implements cumulus.AdminStore.
func (s *Store) UpdateAsset(ctx context.Context, key cumulus.AssetKey, u cumulus.AssetUpdate, now time.Time) (cumulus.ListedAsset, error) {
	var la cumulus.ListedAsset
	err := s.tx(ctx, func(tx pgx.Tx) error {
		// Locked, so two replacements of the tags do not merge.
		id, err := lockAsset(ctx, tx, key)
		if errors.Is(err, pgx.ErrNoRows) {
			return cumulus.Errorf(cumulus.NotFound, "postgres.Asset", "Resource not found - %s", key.PublicID)
		}
		if err != nil {
			return err
		}
		if u.Tags != nil {
			if err := setTags(ctx, tx, id, u.Tags); err != nil {
				return err
			}
		}
		if u.Context != nil {
			b, _ := json.Marshal(u.Context)
			if _, err := tx.Exec(ctx, `UPDATE assets SET context = $1 WHERE id = $2`, string(b), id); err != nil {
				return err
			}
		}
		if u.Metadata != nil {
			b, _ := json.Marshal(u.Metadata)
			if _, err := tx.Exec(ctx, `UPDATE assets SET metadata = $1 WHERE id = $2`, string(b), id); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE assets SET updated_at = $1 WHERE id = $2`, now.Unix(), id); err != nil {
			return err
		}
		la, err = listedByID(ctx, tx, id)
		return err
	})
	return la, cumulus.Wrap("postgres.UpdateAsset", err)
}

// DeleteAssets implements cumulus.AdminStore.
func (s *Store) DeleteAssets(ctx context.Context, cloud string, assetIDs []string) ([]cumulus.Asset, error) {
	var out []cumulus.Asset
	ch := s.newChange()
	defer ch.release()
	err := s.tx(ctx, func(tx pgx.Tx) error {
		out = nil
		// Deleting returns the rows, so of two racing deletes only one
		// reports (and so releases the blobs of) each asset.
		ids := append([]string(nil), assetIDs...)
		sort.Strings(ids) // one lock order for every transaction
		var keys []cumulus.AssetKey
		for _, id := range ids {
			la, err := listedByID(ctx, tx, id)
			if cumulus.IsNotFound(err) || (err == nil && la.Cloud != cloud) {
				continue
			}
			if err != nil {
				return err
			}
			tag, err := tx.Exec(ctx, `DELETE FROM assets WHERE id = $1`, id)
			if err != nil {
				return err
			}
			if tag.RowsAffected() == 0 {
				continue // deleted by another transaction meanwhile
			}
			// Deleted content is always purged from CDNs (with or without
			// invalidate): nobody wants it served after a delete.
			if err := enqueuePurge(ctx, tx, []string{cumulus.SurrogateKey(cloud, id)}, time.Now()); err != nil {
				return err
			}
			out = append(out, la.Asset)
			keys = append(keys, la.AssetKey)
		}
		if len(keys) == 0 {
			return nil
		}
		return ch.notify(ctx, tx, keys...)
	})
	if err == nil && len(out) > 0 {
		keys := make([]cumulus.AssetKey, len(out))
		for i, a := range out {
			keys[i] = a.AssetKey
		}
		s.changed(ch, keys...)
	}
	return out, cumulus.Wrap("postgres.DeleteAssets", err)
}

// RestoreVersion implements cumulus.AdminStore.
func (s *Store) RestoreVersion(ctx context.Context, key cumulus.AssetKey, versionID string, now time.Time) (cumulus.Asset, error) {
	const op = "postgres.RestoreVersion"
	var a cumulus.Asset
	ch := s.newChange()
	defer ch.release()
	err := s.tx(ctx, func(tx pgx.Tx) error {
		// Locked, as in AddVersion, so the new number is above the latest.
		if _, err := lockAsset(ctx, tx, key); errors.Is(err, pgx.ErrNoRows) {
			return cumulus.Errorf(cumulus.NotFound, "postgres.Asset", "Resource not found - %s", key.PublicID)
		} else if err != nil {
			return err
		}
		cur, err := getAsset(ctx, tx, key)
		if err != nil {
			return err
		}
		var v cumulus.Version
		err = tx.QueryRow(ctx, `SELECT blob_key, bytes, format, width, height, pages, etag, original_filename
			FROM versions WHERE asset_id = $1 AND version_id = $2`, cur.ID, versionID).
			Scan(&v.BlobKey, &v.Bytes, &v.Format, &v.Width, &v.Height, &v.Pages, &v.ETag, &v.OriginalFilename)
		if errors.Is(err, pgx.ErrNoRows) {
			return cumulus.Errorf(cumulus.NotFound, op, "Version %s of %s not found", versionID, key.PublicID)
		}
		if err != nil {
			return err
		}
		v.Version = max(now.Unix(), cur.Current.Version+1)
		v.VersionID = randomHex()
		if _, err := tx.Exec(ctx, `INSERT INTO versions (asset_id, version, version_id, blob_key, bytes, format, width, height, pages, etag, original_filename, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			cur.ID, v.Version, v.VersionID, v.BlobKey, v.Bytes, v.Format, v.Width, v.Height, v.Pages, v.ETag, v.OriginalFilename, now.Unix()); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE assets SET version = $1, updated_at = $2 WHERE id = $3`, v.Version, now.Unix(), cur.ID); err != nil {
			return err
		}
		// A restore changes what every unversioned URL shows.
		if err := enqueuePurge(ctx, tx, []string{cumulus.SurrogateKey(key.Cloud, cur.ID)}, time.Now()); err != nil {
			return err
		}
		if a, err = getAsset(ctx, tx, key); err != nil {
			return err
		}
		return ch.notify(ctx, tx, key)
	})
	if err == nil {
		s.changed(ch, key)
	}
	return a, cumulus.Wrap(op, err)
}

// Tags implements cumulus.AdminStore.
func (s *Store) Tags(ctx context.Context, cloud string, rt cumulus.ResourceType, prefix, after string, limit int) ([]string, error) {
	if limit <= 0 || limit > maxPage {
		limit = maxPage
	}
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT t.tag FROM tags t JOIN assets a ON a.id = t.asset_id
		WHERE a.cloud = $1 AND a.resource_type = $2 AND t.tag > $3 AND substr(t.tag, 1, $4) = $5
		ORDER BY t.tag LIMIT $6`, cloud, string(rt), after, utf8.RuneCountInString(prefix), prefix, limit)
	if err != nil {
		return nil, cumulus.Wrap("postgres.Tags", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if out == nil {
		out = []string{}
	}
	return out, cumulus.Wrap("postgres.Tags", err)
}

// childSegments collects the non-empty values the query yields.
func childSegments(ctx context.Context, q querier, query string, args ...any) (map[string]bool, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	segs, err := pgx.CollectRows(rows, pgx.RowTo[string])
	out := map[string]bool{}
	for _, seg := range segs {
		if seg != "" {
			out[seg] = true
		}
	}
	return out, err
}

// Folders implements cumulus.AdminStore.
func (s *Store) Folders(ctx context.Context, cloud, parent string) ([]string, error) {
	const op = "postgres.Folders"
	base := ""
	if parent != "" {
		base = parent + "/"
	}
	n := utf8.RuneCountInString(base)
	var out []string
	err := s.readTx(ctx, func(tx pgx.Tx) error {
		// Folders implied by public IDs: the segment after base of IDs that
		// have a further '/'.
		implied, err := childSegments(ctx, tx, `SELECT DISTINCT substr(rest, 1, strpos(rest, '/') - 1) FROM
			(SELECT substr(public_id, $1) AS rest FROM assets WHERE cloud = $2 AND substr(public_id, 1, $3) = $4) r
			WHERE strpos(rest, '/') > 0`, n+1, cloud, n, base)
		if err != nil {
			return err
		}
		explicit, err := childSegments(ctx, tx, `SELECT DISTINCT CASE WHEN strpos(rest, '/') > 0 THEN substr(rest, 1, strpos(rest, '/') - 1) ELSE rest END FROM
			(SELECT substr(path, $1) AS rest FROM folders WHERE cloud = $2 AND substr(path, 1, $3) = $4) r`, n+1, cloud, n, base)
		if err != nil {
			return err
		}
		if parent != "" {
			exists, err := folderExists(ctx, tx, cloud, parent)
			if err != nil {
				return err
			}
			if !exists {
				return cumulus.Errorf(cumulus.NotFound, op, "Can't find folder with path %s", parent)
			}
		}
		for k := range explicit {
			implied[k] = true
		}
		out = make([]string, 0, len(implied))
		for k := range implied {
			out = append(out, k)
		}
		sort.Strings(out)
		return nil
	})
	return out, cumulus.Wrap(op, err)
}

func folderExists(ctx context.Context, q querier, cloud, path string) (bool, error) {
	n := utf8.RuneCountInString(path) + 1
	var found bool
	err := q.QueryRow(ctx, `SELECT
		EXISTS (SELECT 1 FROM folders WHERE cloud = $1 AND (path = $2 OR substr(path, 1, $3) = $4))
		OR EXISTS (SELECT 1 FROM assets WHERE cloud = $1 AND substr(public_id, 1, $3) = $4)`,
		cloud, path, n, path+"/").Scan(&found)
	return found, err
}

// CreateFolder implements cumulus.AdminStore.
func (s *Store) CreateFolder(ctx context.Context, cloud, path string, now time.Time) error {
	segs := strings.Split(path, "/")
	paths := make([]string, len(segs))
	for i := range segs {
		paths[i] = strings.Join(segs[:i+1], "/")
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO folders (cloud, path, created_at) SELECT $1, p, $3 FROM unnest($2::text[]) AS p
		ON CONFLICT DO NOTHING`, cloud, paths, now.Unix())
	return cumulus.Wrap("postgres.CreateFolder", err)
}

// DeleteFolder implements cumulus.AdminStore.
func (s *Store) DeleteFolder(ctx context.Context, cloud, path string) error {
	const op = "postgres.DeleteFolder"
	err := s.tx(ctx, func(tx pgx.Tx) error {
		exists, err := folderExists(ctx, tx, cloud, path)
		if err != nil {
			return err
		}
		if !exists {
			return cumulus.Errorf(cumulus.NotFound, op, "Can't find folder with path %s", path)
		}
		n := utf8.RuneCountInString(path) + 1
		var nonEmpty bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM assets WHERE cloud = $1 AND substr(public_id, 1, $2) = $3)
			OR EXISTS (SELECT 1 FROM folders WHERE cloud = $1 AND substr(path, 1, $2) = $3)`, cloud, n, path+"/").Scan(&nonEmpty); err != nil {
			return err
		}
		if nonEmpty {
			return cumulus.Errorf(cumulus.Conflict, op, "Folder is not empty")
		}
		_, err = tx.Exec(ctx, `DELETE FROM folders WHERE cloud = $1 AND path = $2`, cloud, path)
		return err
	})
	return cumulus.Wrap(op, err)
}

// PutTransformation implements cumulus.AdminStore.
func (s *Store) PutTransformation(ctx context.Context, cloud string, t cumulus.NamedTransformation, replace bool) error {
	const op = "postgres.PutTransformation"
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM named_transformations WHERE cloud = $1 AND name = $2)`, cloud, t.Name).Scan(&exists); err != nil {
			return err
		}
		switch {
		case exists && !replace:
			return cumulus.Errorf(cumulus.Conflict, op, "Transformation with name %s already exists", t.Name)
		case !exists && replace:
			return cumulus.Errorf(cumulus.NotFound, op, "Transformation %s not found", t.Name)
		case exists:
			_, err := tx.Exec(ctx, `UPDATE named_transformations SET transformation = $1, allowed_for_strict = $2, updated_at = $3 WHERE cloud = $4 AND name = $5`,
				t.Transformation, t.AllowedForStrict, t.UpdatedAt.Unix(), cloud, t.Name)
			return err
		}
		// Two nodes creating one name race here; the loser's unique
		// violation makes tx retry, and the retry reports the Conflict.
		_, err := tx.Exec(ctx, `INSERT INTO named_transformations (cloud, name, transformation, allowed_for_strict, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)`,
			cloud, t.Name, t.Transformation, t.AllowedForStrict, t.CreatedAt.Unix())
		return err
	})
	return cumulus.Wrap(op, err)
}

// Transformations implements cumulus.AdminStore.
func (s *Store) Transformations(ctx context.Context, cloud, after string, limit int) ([]cumulus.NamedTransformation, error) {
	if limit <= 0 || limit > maxPage {
		limit = maxPage
	}
	rows, err := s.pool.Query(ctx, `SELECT name, transformation, allowed_for_strict, created_at, updated_at FROM named_transformations
		WHERE cloud = $1 AND name > $2 ORDER BY name LIMIT $3`, cloud, after, limit)
	if err != nil {
		return nil, cumulus.Wrap("postgres.Transformations", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (cumulus.NamedTransformation, error) {
		var t cumulus.NamedTransformation
		var c, u int64
		err := r.Scan(&t.Name, &t.Transformation, &t.AllowedForStrict, &c, &u)
		t.CreatedAt, t.UpdatedAt = time.Unix(c, 0).UTC(), time.Unix(u, 0).UTC()
		return t, err
	})
	return out, cumulus.Wrap("postgres.Transformations", err)
}

// NamedTransformation implements cumulus.AdminStore.
func (s *Store) NamedTransformation(ctx context.Context, cloud, name string) (string, bool, error) {
	var def string
	var strict bool
	err := s.pool.QueryRow(ctx, `SELECT transformation, allowed_for_strict FROM named_transformations WHERE cloud = $1 AND name = $2`, cloud, name).Scan(&def, &strict)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, cumulus.Errorf(cumulus.NotFound, "postgres.NamedTransformation", "Transformation %s not found", name)
	}
	return def, strict, cumulus.Wrap("postgres.NamedTransformation", err)
}

// DeleteTransformation implements cumulus.AdminStore.
func (s *Store) DeleteTransformation(ctx context.Context, cloud, name string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM named_transformations WHERE cloud = $1 AND name = $2`, cloud, name)
	if err != nil {
		return cumulus.Wrap("postgres.DeleteTransformation", err)
	}
	if tag.RowsAffected() == 0 {
		return cumulus.Errorf(cumulus.NotFound, "postgres.DeleteTransformation", "Transformation %s not found", name)
	}
	return nil
}

// PutUploadPreset implements cumulus.AdminStore.
func (s *Store) PutUploadPreset(ctx context.Context, cloud string, p cumulus.UploadPreset, replace bool) error {
	const op = "postgres.PutUploadPreset"
	settings, _ := json.Marshal(nonNil(p.Settings))
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM upload_presets WHERE cloud = $1 AND name = $2)`, cloud, p.Name).Scan(&exists); err != nil {
			return err
		}
		switch {
		case exists && !replace:
			return cumulus.Errorf(cumulus.Conflict, op, "Upload preset %s already exists", p.Name)
		case !exists && replace:
			return cumulus.Errorf(cumulus.NotFound, op, "Upload preset %s not found", p.Name)
		case exists:
			_, err := tx.Exec(ctx, `UPDATE upload_presets SET unsigned = $1, settings = $2 WHERE cloud = $3 AND name = $4`, p.Unsigned, string(settings), cloud, p.Name)
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO upload_presets (cloud, name, unsigned, settings) VALUES ($1, $2, $3, $4)`, cloud, p.Name, p.Unsigned, string(settings))
		return err
	})
	return cumulus.Wrap(op, err)
}

func scanPreset(r pgx.Row) (cumulus.UploadPreset, error) {
	var p cumulus.UploadPreset
	var settings string
	if err := r.Scan(&p.Name, &p.Unsigned, &settings); err != nil {
		return p, err
	}
	return p, json.Unmarshal([]byte(settings), &p.Settings)
}

// UploadPreset implements cumulus.AdminStore.
func (s *Store) UploadPreset(ctx context.Context, cloud, name string) (cumulus.UploadPreset, error) {
	p, err := scanPreset(s.pool.QueryRow(ctx, `SELECT name, unsigned, settings FROM upload_presets WHERE cloud = $1 AND name = $2`, cloud, name))
	if errors.Is(err, pgx.ErrNoRows) {
		return p, cumulus.Errorf(cumulus.NotFound, "postgres.UploadPreset", "Upload preset %s not found", name)
	}
	return p, cumulus.Wrap("postgres.UploadPreset", err)
}

// UploadPresets implements cumulus.AdminStore.
func (s *Store) UploadPresets(ctx context.Context, cloud, after string, limit int) ([]cumulus.UploadPreset, error) {
	if limit <= 0 || limit > maxPage {
		limit = maxPage
	}
	rows, err := s.pool.Query(ctx, `SELECT name, unsigned, settings FROM upload_presets WHERE cloud = $1 AND name > $2 ORDER BY name LIMIT $3`, cloud, after, limit)
	if err != nil {
		return nil, cumulus.Wrap("postgres.UploadPresets", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (cumulus.UploadPreset, error) { return scanPreset(r) })
	return out, cumulus.Wrap("postgres.UploadPresets", err)
}

// DeleteUploadPreset implements cumulus.AdminStore.
func (s *Store) DeleteUploadPreset(ctx context.Context, cloud, name string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM upload_presets WHERE cloud = $1 AND name = $2`, cloud, name)
	if err != nil {
		return cumulus.Wrap("postgres.DeleteUploadPreset", err)
	}
	if tag.RowsAffected() == 0 {
		return cumulus.Errorf(cumulus.NotFound, "postgres.DeleteUploadPreset", "Upload preset %s not found", name)
	}
	return nil
}

// CountRequest implements cumulus.AdminStore. Every node counts in the
// same row, so the limit holds for the whole deployment.
func (s *Store) CountRequest(ctx context.Context, cloud string, window time.Time) (int64, error) {
	var n int64
	err := s.tx(ctx, func(tx pgx.Tx) error {
		// Windows before the current one are never read again.
		if _, err := tx.Exec(ctx, `DELETE FROM admin_requests WHERE cloud = $1 AND window_start < $2`, cloud, window.Unix()); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `INSERT INTO admin_requests (cloud, window_start, count) VALUES ($1, $2, 1)
			ON CONFLICT (cloud, window_start) DO UPDATE SET count = admin_requests.count + 1 RETURNING count`, cloud, window.Unix()).Scan(&n)
	})
	return n, cumulus.Wrap("postgres.CountRequest", err)
}

// Usage implements cumulus.AdminStore.
func (s *Store) Usage(ctx context.Context, cloud string) (cumulus.Usage, error) {
	var u cumulus.Usage
	err := s.pool.QueryRow(ctx, `SELECT (SELECT COUNT(*) FROM assets WHERE cloud = $1),
		COUNT(*), COALESCE(SUM(v.bytes), 0)::bigint FROM versions v JOIN assets a ON a.id = v.asset_id WHERE a.cloud = $1`, cloud).
		Scan(&u.Resources, &u.Versions, &u.StorageBytes)
	return u, cumulus.Wrap("postgres.Usage", err)
}
