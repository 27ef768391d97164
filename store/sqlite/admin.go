package sqlite

// The Admin API's storage: listings with keyset paging, updates, folders,
// named transformations, upload presets and rate-limit counters. The SQL
// sticks to what PostgreSQL also understands where that is cheap; the
// SQLite-only parts are a.rowid (the insertion order; a BIGSERIAL column
// there) and instr (strpos there).

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cumulusmedia/cumulus"
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

// cursor is the position after the last row of a page: the sort value
// and the row's insertion number.
type cursor struct {
	S any   `json:"s,omitempty"`
	R int64 `json:"r"`
}

func encodeCursor(c cursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (cursor, error) {
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		d := json.NewDecoder(strings.NewReader(string(b)))
		d.UseNumber()
		err = d.Decode(&c)
	}
	if err != nil {
		return c, cumulus.Errorf(cumulus.Invalid, "sqlite.ListAssets", "Invalid next_cursor - %s", s)
	}
	if n, ok := c.S.(json.Number); ok {
		i, err := n.Int64()
		if err != nil {
			return c, cumulus.Errorf(cumulus.Invalid, "sqlite.ListAssets", "Invalid next_cursor - %s", s)
		}
		c.S = i
	}
	return c, nil
}

// where builds the condition of q without paging.
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
		conds = append(conds, "a.public_id IN ("+placeholders(len(q.PublicIDs))+")")
		for _, id := range q.PublicIDs {
			args = append(args, id)
		}
	}
	if q.AssetIDs != nil {
		conds = append(conds, "a.id IN ("+placeholders(len(q.AssetIDs))+")")
		for _, id := range q.AssetIDs {
			args = append(args, id)
		}
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
		conds, args = append(conds, "instr(a.context, ?) > 0"), append(args, pat)
	}
	if q.Filter != nil && q.Filter.Where != "" {
		conds = append(conds, "("+q.Filter.Where+")")
		args = append(args, q.Filter.Args...)
	}
	return strings.Join(conds, " AND "), args
}

func placeholders(n int) string {
	if n == 0 {
		return "NULL"
	}
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

const listColumns = `a.rowid, ` + assetColumns + `, a.metadata`

const fromAssets = ` FROM assets a JOIN versions v ON v.asset_id = a.id AND v.version = a.version WHERE `

// ListAssets implements cumulus.AdminStore.
func (s *Store) ListAssets(ctx context.Context, q cumulus.AssetQuery) (cumulus.AssetPage, error) {
	const op = "sqlite.ListAssets"
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
	if q.Count {
		if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*)`+fromAssets+cond, args...).Scan(&page.Total); err != nil {
			return page, cumulus.Wrap(op, err)
		}
	}
	cmp, dir := ">", "ASC"
	if q.Desc {
		cmp, dir = "<", "DESC"
	}
	if q.After != "" {
		c, err := decodeCursor(q.After)
		if err != nil {
			return page, err
		}
		if col == "" {
			cond += " AND a.rowid " + cmp + " ?"
			args = append(args, c.R)
		} else {
			cond += fmt.Sprintf(" AND (%s %s ? OR (%s = ? AND a.rowid %s ?))", col, cmp, col, cmp)
			args = append(args, c.S, c.S, c.R)
		}
	}
	order := "a.rowid " + dir
	if col != "" {
		order = col + " " + dir + ", " + order
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+listColumns+fromAssets+cond+` ORDER BY `+order+` LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return page, cumulus.Wrap(op, err)
	}
	var seqs []int64
	for rows.Next() {
		la, seq, err := scanListed(rows)
		if err != nil {
			rows.Close()
			return page, cumulus.Wrap(op, err)
		}
		page.Assets = append(page.Assets, la)
		seqs = append(seqs, seq)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
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
	for i := range page.Assets {
		if page.Assets[i].Tags, err = getTags(ctx, s.db, page.Assets[i].ID); err != nil {
			return page, cumulus.Wrap(op, err)
		}
	}
	return page, nil
}

func scanListed(r scanner) (cumulus.ListedAsset, int64, error) {
	var la cumulus.ListedAsset
	var seq, created, updated, vcreated int64
	var ctxJSON, metaJSON string
	a, v := &la.Asset, &la.Current
	err := r.Scan(&seq, &a.ID, &a.Cloud, &a.ResourceType, &a.Type, &a.PublicID, &ctxJSON, &created, &updated,
		&v.Version, &v.VersionID, &v.BlobKey, &v.Bytes, &v.Format, &v.Width, &v.Height, &v.Pages, &v.ETag, &v.OriginalFilename, &vcreated, &metaJSON)
	if err != nil {
		return la, 0, err
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
	const op = "sqlite.CountAssetsBy"
	col, ok := groupColumns[field]
	if !ok {
		return nil, cumulus.Errorf(cumulus.Invalid, op, "Invalid aggregate field - %s", field)
	}
	cond, args := where(q)
	rows, err := s.db.QueryContext(ctx, `SELECT `+col+`, COUNT(*)`+fromAssets+cond+` GROUP BY `+col, args...)
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
	la, _, err := scanListed(q.QueryRowContext(ctx, `SELECT `+listColumns+fromAssets+`a.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return la, cumulus.Errorf(cumulus.NotFound, "sqlite.Asset", "Resource not found - %s", id)
	}
	if err != nil {
		return la, err
	}
	la.Tags, err = getTags(ctx, q, id)
	return la, err
}

// UpdateAsset implements cumulus.AdminStore.
func (s *Store) UpdateAsset(ctx context.Context, key cumulus.AssetKey, u cumulus.AssetUpdate, now time.Time) (cumulus.ListedAsset, error) {
	var la cumulus.ListedAsset
	err := s.tx(ctx, func(tx *sql.Tx) error {
		a, err := getAsset(ctx, tx, key)
		if err != nil {
			return err
		}
		if u.Tags != nil {
			if err := setTags(ctx, tx, a.ID, u.Tags); err != nil {
				return err
			}
		}
		if u.Context != nil {
			b, _ := json.Marshal(u.Context)
			if _, err := tx.ExecContext(ctx, `UPDATE assets SET context = ? WHERE id = ?`, string(b), a.ID); err != nil {
				return err
			}
		}
		if u.Metadata != nil {
			b, _ := json.Marshal(u.Metadata)
			if _, err := tx.ExecContext(ctx, `UPDATE assets SET metadata = ? WHERE id = ?`, string(b), a.ID); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE assets SET updated_at = ? WHERE id = ?`, now.Unix(), a.ID); err != nil {
			return err
		}
		la, err = listedByID(ctx, tx, a.ID)
		return err
	})
	return la, cumulus.Wrap("sqlite.UpdateAsset", err)
}

// DeleteAssets implements cumulus.AdminStore.
func (s *Store) DeleteAssets(ctx context.Context, cloud string, assetIDs []string) ([]cumulus.Asset, error) {
	var out []cumulus.Asset
	err := s.tx(ctx, func(tx *sql.Tx) error {
		for _, id := range assetIDs {
			la, err := listedByID(ctx, tx, id)
			if cumulus.IsNotFound(err) || (err == nil && la.Cloud != cloud) {
				continue
			}
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM assets WHERE id = ?`, id); err != nil {
				return err
			}
			// Deleted content is always purged from CDNs (with or without
			// invalidate): nobody wants it served after a delete.
			if err := enqueuePurge(ctx, tx, []string{cumulus.SurrogateKey(cloud, id)}, time.Now()); err != nil {
				return err
			}
			out = append(out, la.Asset)
		}
		return nil
	})
	if err == nil {
		for _, a := range out {
			s.changed(a.AssetKey)
		}
	}
	return out, cumulus.Wrap("sqlite.DeleteAssets", err)
}

// RestoreVersion implements cumulus.AdminStore.
func (s *Store) RestoreVersion(ctx context.Context, key cumulus.AssetKey, versionID string, now time.Time) (cumulus.Asset, error) {
	const op = "sqlite.RestoreVersion"
	var a cumulus.Asset
	err := s.tx(ctx, func(tx *sql.Tx) error {
		cur, err := getAsset(ctx, tx, key)
		if err != nil {
			return err
		}
		var v cumulus.Version
		err = tx.QueryRowContext(ctx, `SELECT blob_key, bytes, format, width, height, pages, etag, original_filename
			FROM versions WHERE asset_id = ? AND version_id = ?`, cur.ID, versionID).
			Scan(&v.BlobKey, &v.Bytes, &v.Format, &v.Width, &v.Height, &v.Pages, &v.ETag, &v.OriginalFilename)
		if errors.Is(err, sql.ErrNoRows) {
			return cumulus.Errorf(cumulus.NotFound, op, "Version %s of %s not found", versionID, key.PublicID)
		}
		if err != nil {
			return err
		}
		v.Version = max(now.Unix(), cur.Current.Version+1)
		v.VersionID = randomHex()
		if _, err := tx.ExecContext(ctx, `INSERT INTO versions (asset_id, version, version_id, blob_key, bytes, format, width, height, pages, etag, original_filename, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			cur.ID, v.Version, v.VersionID, v.BlobKey, v.Bytes, v.Format, v.Width, v.Height, v.Pages, v.ETag, v.OriginalFilename, now.Unix()); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE assets SET version = ?, updated_at = ? WHERE id = ?`, v.Version, now.Unix(), cur.ID); err != nil {
			return err
		}
		// A restore changes what every unversioned URL shows.
		if err := enqueuePurge(ctx, tx, []string{cumulus.SurrogateKey(key.Cloud, cur.ID)}, now); err != nil {
			return err
		}
		a, err = getAsset(ctx, tx, key)
		return err
	})
	if err == nil {
		s.changed(key)
	}
	return a, cumulus.Wrap(op, err)
}

// Tags implements cumulus.AdminStore.
func (s *Store) Tags(ctx context.Context, cloud string, rt cumulus.ResourceType, prefix, after string, limit int) ([]string, error) {
	if limit <= 0 || limit > maxPage {
		limit = maxPage
	}
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT t.tag FROM tags t JOIN assets a ON a.id = t.asset_id
		WHERE a.cloud = ? AND a.resource_type = ? AND t.tag > ? AND substr(t.tag, 1, ?) = ?
		ORDER BY t.tag LIMIT ?`, cloud, string(rt), after, utf8.RuneCountInString(prefix), prefix, limit)
	if err != nil {
		return nil, cumulus.Wrap("sqlite.Tags", err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, cumulus.Wrap("sqlite.Tags", err)
		}
		out = append(out, t)
	}
	return out, cumulus.Wrap("sqlite.Tags", rows.Err())
}

// childSegments collects the next path segment after base of every value
// the query yields ("a/b/c" under base "a/" gives "b").
func childSegments(ctx context.Context, q querier, query string, args ...any) (map[string]bool, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var seg string
		if err := rows.Scan(&seg); err != nil {
			return nil, err
		}
		if seg != "" {
			out[seg] = true
		}
	}
	return out, rows.Err()
}

// Folders implements cumulus.AdminStore.
func (s *Store) Folders(ctx context.Context, cloud, parent string) ([]string, error) {
	const op = "sqlite.Folders"
	base := ""
	if parent != "" {
		base = parent + "/"
	}
	n := utf8.RuneCountInString(base)
	// Folders implied by public IDs: the segment after base of IDs that
	// have a further '/'.
	implied, err := childSegments(ctx, s.db, `SELECT DISTINCT substr(rest, 1, instr(rest, '/') - 1) FROM
		(SELECT substr(public_id, ?) AS rest FROM assets WHERE cloud = ? AND substr(public_id, 1, ?) = ?) r
		WHERE instr(rest, '/') > 0`, n+1, cloud, n, base)
	if err != nil {
		return nil, cumulus.Wrap(op, err)
	}
	explicit, err := childSegments(ctx, s.db, `SELECT DISTINCT CASE WHEN instr(rest, '/') > 0 THEN substr(rest, 1, instr(rest, '/') - 1) ELSE rest END FROM
		(SELECT substr(path, ?) AS rest FROM folders WHERE cloud = ? AND substr(path, 1, ?) = ?) r`, n+1, cloud, n, base)
	if err != nil {
		return nil, cumulus.Wrap(op, err)
	}
	if parent != "" {
		exists, err := s.folderExists(ctx, s.db, cloud, parent)
		if err != nil {
			return nil, cumulus.Wrap(op, err)
		}
		if !exists {
			return nil, cumulus.Errorf(cumulus.NotFound, op, "Can't find folder with path %s", parent)
		}
	}
	for k := range explicit {
		implied[k] = true
	}
	out := make([]string, 0, len(implied))
	for k := range implied {
		out = append(out, k)
	}
	sort.Strings(out)
	return out, nil
}

func (s *Store) folderExists(ctx context.Context, q querier, cloud, path string) (bool, error) {
	n := utf8.RuneCountInString(path) + 1
	var found int
	err := q.QueryRowContext(ctx, `SELECT
		EXISTS (SELECT 1 FROM folders WHERE cloud = ? AND (path = ? OR substr(path, 1, ?) = ?))
		OR EXISTS (SELECT 1 FROM assets WHERE cloud = ? AND substr(public_id, 1, ?) = ?)`,
		cloud, path, n, path+"/", cloud, n, path+"/").Scan(&found)
	return found != 0, err
}

// CreateFolder implements cumulus.AdminStore.
func (s *Store) CreateFolder(ctx context.Context, cloud, path string, now time.Time) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		segs := strings.Split(path, "/")
		for i := range segs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO folders (cloud, path, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
				cloud, strings.Join(segs[:i+1], "/"), now.Unix()); err != nil {
				return err
			}
		}
		return nil
	})
	return cumulus.Wrap("sqlite.CreateFolder", err)
}

// DeleteFolder implements cumulus.AdminStore.
func (s *Store) DeleteFolder(ctx context.Context, cloud, path string) error {
	const op = "sqlite.DeleteFolder"
	err := s.tx(ctx, func(tx *sql.Tx) error {
		exists, err := s.folderExists(ctx, tx, cloud, path)
		if err != nil {
			return err
		}
		if !exists {
			return cumulus.Errorf(cumulus.NotFound, op, "Can't find folder with path %s", path)
		}
		n := utf8.RuneCountInString(path) + 1
		var assets, subs int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM assets WHERE cloud = ? AND substr(public_id, 1, ?) = ?`, cloud, n, path+"/").Scan(&assets); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM folders WHERE cloud = ? AND substr(path, 1, ?) = ?`, cloud, n, path+"/").Scan(&subs); err != nil {
			return err
		}
		if assets > 0 || subs > 0 {
			return cumulus.Errorf(cumulus.Conflict, op, "Folder is not empty")
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM folders WHERE cloud = ? AND path = ?`, cloud, path)
		return err
	})
	return cumulus.Wrap(op, err)
}

// PutTransformation implements cumulus.AdminStore.
func (s *Store) PutTransformation(ctx context.Context, cloud string, t cumulus.NamedTransformation, replace bool) error {
	const op = "sqlite.PutTransformation"
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM named_transformations WHERE cloud = ? AND name = ?`, cloud, t.Name).Scan(&n); err != nil {
			return err
		}
		switch {
		case n > 0 && !replace:
			return cumulus.Errorf(cumulus.Conflict, op, "Transformation with name %s already exists", t.Name)
		case n == 0 && replace:
			return cumulus.Errorf(cumulus.NotFound, op, "Transformation %s not found", t.Name)
		case n > 0:
			_, err := tx.ExecContext(ctx, `UPDATE named_transformations SET transformation = ?, allowed_for_strict = ?, updated_at = ? WHERE cloud = ? AND name = ?`,
				t.Transformation, t.AllowedForStrict, t.UpdatedAt.Unix(), cloud, t.Name)
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO named_transformations (cloud, name, transformation, allowed_for_strict, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
			cloud, t.Name, t.Transformation, t.AllowedForStrict, t.CreatedAt.Unix(), t.CreatedAt.Unix())
		return err
	})
	return cumulus.Wrap(op, err)
}

// Transformations implements cumulus.AdminStore.
func (s *Store) Transformations(ctx context.Context, cloud, after string, limit int) ([]cumulus.NamedTransformation, error) {
	if limit <= 0 || limit > maxPage {
		limit = maxPage
	}
	rows, err := s.db.QueryContext(ctx, `SELECT name, transformation, allowed_for_strict, created_at, updated_at FROM named_transformations
		WHERE cloud = ? AND name > ? ORDER BY name LIMIT ?`, cloud, after, limit)
	if err != nil {
		return nil, cumulus.Wrap("sqlite.Transformations", err)
	}
	defer rows.Close()
	var out []cumulus.NamedTransformation
	for rows.Next() {
		var t cumulus.NamedTransformation
		var c, u int64
		if err := rows.Scan(&t.Name, &t.Transformation, &t.AllowedForStrict, &c, &u); err != nil {
			return nil, cumulus.Wrap("sqlite.Transformations", err)
		}
		t.CreatedAt, t.UpdatedAt = time.Unix(c, 0).UTC(), time.Unix(u, 0).UTC()
		out = append(out, t)
	}
	return out, cumulus.Wrap("sqlite.Transformations", rows.Err())
}

// NamedTransformation implements cumulus.AdminStore.
func (s *Store) NamedTransformation(ctx context.Context, cloud, name string) (string, bool, error) {
	var def string
	var strict bool
	err := s.db.QueryRowContext(ctx, `SELECT transformation, allowed_for_strict FROM named_transformations WHERE cloud = ? AND name = ?`, cloud, name).Scan(&def, &strict)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, cumulus.Errorf(cumulus.NotFound, "sqlite.NamedTransformation", "Transformation %s not found", name)
	}
	return def, strict, cumulus.Wrap("sqlite.NamedTransformation", err)
}

// DeleteTransformation implements cumulus.AdminStore.
func (s *Store) DeleteTransformation(ctx context.Context, cloud, name string) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM named_transformations WHERE cloud = ? AND name = ?`, cloud, name)
	if err != nil {
		return cumulus.Wrap("sqlite.DeleteTransformation", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return cumulus.Errorf(cumulus.NotFound, "sqlite.DeleteTransformation", "Transformation %s not found", name)
	}
	return nil
}

// PutUploadPreset implements cumulus.AdminStore.
func (s *Store) PutUploadPreset(ctx context.Context, cloud string, p cumulus.UploadPreset, replace bool) error {
	const op = "sqlite.PutUploadPreset"
	settings, _ := json.Marshal(nonNil(p.Settings))
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM upload_presets WHERE cloud = ? AND name = ?`, cloud, p.Name).Scan(&n); err != nil {
			return err
		}
		switch {
		case n > 0 && !replace:
			return cumulus.Errorf(cumulus.Conflict, op, "Upload preset %s already exists", p.Name)
		case n == 0 && replace:
			return cumulus.Errorf(cumulus.NotFound, op, "Upload preset %s not found", p.Name)
		case n > 0:
			_, err := tx.ExecContext(ctx, `UPDATE upload_presets SET unsigned = ?, settings = ? WHERE cloud = ? AND name = ?`, p.Unsigned, string(settings), cloud, p.Name)
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO upload_presets (cloud, name, unsigned, settings) VALUES (?, ?, ?, ?)`, cloud, p.Name, p.Unsigned, string(settings))
		return err
	})
	return cumulus.Wrap(op, err)
}

func scanPreset(r scanner) (cumulus.UploadPreset, error) {
	var p cumulus.UploadPreset
	var settings string
	if err := r.Scan(&p.Name, &p.Unsigned, &settings); err != nil {
		return p, err
	}
	return p, json.Unmarshal([]byte(settings), &p.Settings)
}

// UploadPreset implements cumulus.AdminStore.
func (s *Store) UploadPreset(ctx context.Context, cloud, name string) (cumulus.UploadPreset, error) {
	p, err := scanPreset(s.db.QueryRowContext(ctx, `SELECT name, unsigned, settings FROM upload_presets WHERE cloud = ? AND name = ?`, cloud, name))
	if errors.Is(err, sql.ErrNoRows) {
		return p, cumulus.Errorf(cumulus.NotFound, "sqlite.UploadPreset", "Upload preset %s not found", name)
	}
	return p, cumulus.Wrap("sqlite.UploadPreset", err)
}

// UploadPresets implements cumulus.AdminStore.
func (s *Store) UploadPresets(ctx context.Context, cloud, after string, limit int) ([]cumulus.UploadPreset, error) {
	if limit <= 0 || limit > maxPage {
		limit = maxPage
	}
	rows, err := s.db.QueryContext(ctx, `SELECT name, unsigned, settings FROM upload_presets WHERE cloud = ? AND name > ? ORDER BY name LIMIT ?`, cloud, after, limit)
	if err != nil {
		return nil, cumulus.Wrap("sqlite.UploadPresets", err)
	}
	defer rows.Close()
	var out []cumulus.UploadPreset
	for rows.Next() {
		p, err := scanPreset(rows)
		if err != nil {
			return nil, cumulus.Wrap("sqlite.UploadPresets", err)
		}
		out = append(out, p)
	}
	return out, cumulus.Wrap("sqlite.UploadPresets", rows.Err())
}

// DeleteUploadPreset implements cumulus.AdminStore.
func (s *Store) DeleteUploadPreset(ctx context.Context, cloud, name string) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM upload_presets WHERE cloud = ? AND name = ?`, cloud, name)
	if err != nil {
		return cumulus.Wrap("sqlite.DeleteUploadPreset", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return cumulus.Errorf(cumulus.NotFound, "sqlite.DeleteUploadPreset", "Upload preset %s not found", name)
	}
	return nil
}

// CountRequest implements cumulus.AdminStore.
func (s *Store) CountRequest(ctx context.Context, cloud string, window time.Time) (int64, error) {
	var n int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		// Windows before the current one are never read again.
		if _, err := tx.ExecContext(ctx, `DELETE FROM admin_requests WHERE cloud = ? AND window_start < ?`, cloud, window.Unix()); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `INSERT INTO admin_requests (cloud, window_start, count) VALUES (?, ?, 1)
			ON CONFLICT (cloud, window_start) DO UPDATE SET count = admin_requests.count + 1 RETURNING count`, cloud, window.Unix()).Scan(&n)
	})
	return n, cumulus.Wrap("sqlite.CountRequest", err)
}

// Usage implements cumulus.AdminStore.
func (s *Store) Usage(ctx context.Context, cloud string) (cumulus.Usage, error) {
	var u cumulus.Usage
	err := s.db.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM assets WHERE cloud = ?),
		COUNT(*), COALESCE(SUM(v.bytes), 0) FROM versions v JOIN assets a ON a.id = v.asset_id WHERE a.cloud = ?`, cloud, cloud).
		Scan(&u.Resources, &u.Versions, &u.StorageBytes)
	return u, cumulus.Wrap("sqlite.Usage", err)
}
