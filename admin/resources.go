package admin

import (
	"context"
	"encoding/base64"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cumulusmedia/cumulus"
	"github.com/cumulusmedia/cumulus/publicid"
)

// Resource is an asset in listings (Go SDK api.BriefAssetResult). Tags,
// Context and Metadata are present only when asked for.
type Resource struct {
	AssetID      string            `json:"asset_id"`
	PublicID     string            `json:"public_id"`
	Folder       string            `json:"folder"`
	AssetFolder  string            `json:"asset_folder"`
	DisplayName  string            `json:"display_name"`
	Format       string            `json:"format"`
	Version      int64             `json:"version"`
	ResourceType string            `json:"resource_type"`
	Type         string            `json:"type"`
	CreatedAt    string            `json:"created_at"`
	Bytes        int64             `json:"bytes"`
	Width        int               `json:"width"`
	Height       int               `json:"height"`
	Backup       bool              `json:"backup"`
	AccessMode   string            `json:"access_mode"`
	URL          string            `json:"url"`
	SecureURL    string            `json:"secure_url"`
	Tags         []string          `json:"tags,omitempty"`
	Context      *Context          `json:"context,omitempty"`
	Metadata     map[string]string `json:"metadata,omitempty"`
	Error        string            `json:"error,omitempty"`
}

// Context is Cloudinary's {"custom": {...}} context shape.
type Context struct {
	Custom map[string]string `json:"custom"`
}

// ListResult answers every listing endpoint.
type ListResult struct {
	Resources  []Resource `json:"resources"`
	NextCursor string     `json:"next_cursor,omitempty"`
}

// Include selects the optional fields of listed resources.
type Include struct {
	Tags, Context, Metadata bool
}

// ListParams selects assets for GET resources/... endpoints.
type ListParams struct {
	ResourceType cumulus.ResourceType // "" = image
	Type         cumulus.DeliveryType // "" = every type
	Prefix       string
	PublicIDs    []string // by IDs: only these (up to 100)
	AssetIDs     []string // by asset IDs
	Tag          string
	ContextKey   string
	ContextValue *string
	MaxResults   int    // default 10, at most 500
	NextCursor   string // from the previous page
	Direction    string // "asc", "1", "desc" (default) or "-1"
	Include      Include
}

// List answers the listing endpoints: by type, prefix, public IDs, tag,
// context or asset IDs. Pages come in creation order (newest first unless
// direction=asc), or by public ID when a prefix is given, and are stable
// under concurrent uploads.
func (s *Service) List(ctx context.Context, env cumulus.Environment, p ListParams) (*ListResult, error) {
	const op = "admin.List"
	q := cumulus.AssetQuery{Cloud: env.Cloud, ResourceType: p.ResourceType, Type: p.Type, Prefix: p.Prefix,
		Tag: p.Tag, ContextKey: p.ContextKey, After: p.NextCursor}
	if q.ResourceType == "" {
		q.ResourceType = cumulus.Image
	}
	if p.AssetIDs != nil {
		q.ResourceType, q.AssetIDs = "", p.AssetIDs
	}
	if p.ContextValue != nil {
		q.ContextValue, q.HasContextValue = *p.ContextValue, true
	}
	if !q.ResourceType.Valid() && q.ResourceType != "" {
		return nil, cumulus.Errorf(cumulus.Invalid, op, "Invalid resource type - %s", q.ResourceType)
	}
	if q.Type != "" && !q.Type.Valid() {
		return nil, cumulus.Errorf(cumulus.Invalid, op, "Invalid type - %s", q.Type)
	}
	switch p.Direction {
	case "", "desc", "-1":
		q.Desc = true
	case "asc", "1":
	default:
		return nil, cumulus.Errorf(cumulus.Invalid, op, "Invalid direction - %s", p.Direction)
	}
	if q.Prefix != "" {
		q.Sort, q.Desc = cumulus.SortPublicID, false
	}
	q.Limit = clampResults(p.MaxResults, 10)
	if p.PublicIDs != nil {
		if len(p.PublicIDs) > 100 {
			return nil, cumulus.Errorf(cumulus.Invalid, op, "Too many public_ids - at most 100 are allowed")
		}
		q.PublicIDs, q.Limit, q.After = p.PublicIDs, 100, ""
	}
	if len(p.AssetIDs) > 100 {
		return nil, cumulus.Errorf(cumulus.Invalid, op, "Too many asset_ids - at most 100 are allowed")
	}
	page, err := s.store.ListAssets(ctx, q)
	if err != nil {
		return nil, cumulus.Wrap(op, err)
	}
	out := &ListResult{Resources: []Resource{}, NextCursor: page.Next}
	for _, a := range page.Assets {
		out.Resources = append(out.Resources, s.resource(a, p.Include))
	}
	return out, nil
}

// clampResults applies Cloudinary's default and its maximum of 500.
func clampResults(n, def int) int {
	if n <= 0 {
		return def
	}
	return min(n, 500)
}

func (s *Service) resource(a cumulus.ListedAsset, inc Include) Resource {
	folder, name := publicid.Split(a.PublicID)
	v := a.Current
	r := Resource{AssetID: a.ID, PublicID: a.PublicID, Folder: folder, AssetFolder: folder, DisplayName: name,
		Format: v.Format, Version: v.Version, ResourceType: string(a.ResourceType), Type: string(a.Type),
		CreatedAt: a.CreatedAt.UTC().Format(time.RFC3339), Bytes: v.Bytes, Width: v.Width, Height: v.Height,
		Backup: true, AccessMode: "public"}
	r.URL, r.SecureURL = s.url(a.Asset)
	if inc.Tags {
		r.Tags = nonNilSlice(a.Tags)
	}
	if inc.Context && len(a.Context) > 0 {
		r.Context = &Context{Custom: a.Context}
	}
	if inc.Metadata && len(a.Metadata) > 0 {
		r.Metadata = a.Metadata
	}
	return r
}

func (s *Service) url(a cumulus.Asset) (string, string) {
	if s.urls == nil {
		return "", ""
	}
	return s.urls(a.AssetKey, a.Current.Version, a.Current.Format)
}

func nonNilSlice(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Details is one resource in full (Go SDK admin.AssetResult).
type Details struct {
	AssetID          string            `json:"asset_id"`
	PublicID         string            `json:"public_id"`
	Folder           string            `json:"folder"`
	AssetFolder      string            `json:"asset_folder"`
	DisplayName      string            `json:"display_name"`
	Format           string            `json:"format"`
	Version          int64             `json:"version"`
	VersionID        string            `json:"version_id"`
	ResourceType     string            `json:"resource_type"`
	Type             string            `json:"type"`
	CreatedAt        string            `json:"created_at"`
	Bytes            int64             `json:"bytes"`
	Width            int               `json:"width"`
	Height           int               `json:"height"`
	Pages            int               `json:"pages"`
	Backup           bool              `json:"backup"`
	AccessMode       string            `json:"access_mode"`
	URL              string            `json:"url"`
	SecureURL        string            `json:"secure_url"`
	Tags             []string          `json:"tags"`
	Context          *Context          `json:"context,omitempty"`
	Metadata         map[string]string `json:"metadata,omitempty"`
	Etag             string            `json:"etag"`
	OriginalFilename string            `json:"original_filename"`
	LastUpdated      LastUpdated       `json:"last_updated"`
	Placeholder      bool              `json:"placeholder"`
	// Derived lists the renditions made so far, newest first.
	Derived  []Derived     `json:"derived"`
	Versions []VersionInfo `json:"versions,omitempty"`
}

// Derived is one rendition in a resource's details.
type Derived struct {
	Transformation string `json:"transformation"`
	Format         string `json:"format"`
	Bytes          int64  `json:"bytes"`
	ID             string `json:"id"`
	URL            string `json:"url"`
	SecureURL      string `json:"secure_url"`
}

// LastUpdated says when the asset last changed.
type LastUpdated struct {
	UpdatedAt string `json:"updated_at"`
}

// VersionInfo is one entry of the version history (versions=true).
type VersionInfo struct {
	VersionID  string `json:"version_id"`
	Version    int64  `json:"version"`
	Format     string `json:"format"`
	Size       int64  `json:"size"`
	Time       string `json:"time"`
	Restorable bool   `json:"restorable"`
}

// derivedURLs are the delivery URLs of a derivative: the asset's URLs with
// the transformation before the version and the derivative's format.
func (s *Service) derivedURLs(key cumulus.AssetKey, d cumulus.Derivative) (string, string) {
	if s.urls == nil {
		return "", ""
	}
	u, su := s.urls(key, d.Version, d.Format)
	v := "/v" + strconv.FormatInt(d.Version, 10) + "/"
	return strings.Replace(u, v, "/"+d.Transformation+v, 1), strings.Replace(su, v, "/"+d.Transformation+v, 1)
}

// DetailsParams names one resource.
type DetailsParams struct {
	Key      cumulus.AssetKey // or AssetID
	AssetID  string
	Versions bool // list the version history, oldest first
}

// Details answers GET resources/<rt>/<type>/<public_id> and
// GET resources/<asset_id>.
func (s *Service) Details(ctx context.Context, env cumulus.Environment, p DetailsParams) (*Details, error) {
	const op = "admin.Details"
	q := cumulus.AssetQuery{Cloud: env.Cloud, Limit: 1}
	missing := p.AssetID
	if p.AssetID != "" {
		q.AssetIDs = []string{p.AssetID}
	} else {
		q.ResourceType, q.Type, q.PublicIDs = p.Key.ResourceType, p.Key.Type, []string{p.Key.PublicID}
		missing = p.Key.PublicID
	}
	page, err := s.store.ListAssets(ctx, q)
	if err != nil {
		return nil, cumulus.Wrap(op, err)
	}
	if len(page.Assets) == 0 {
		return nil, cumulus.Errorf(cumulus.NotFound, op, "Resource not found - %s", missing)
	}
	a := page.Assets[0]
	r := s.resource(a, Include{Tags: true, Context: true, Metadata: true})
	d := &Details{AssetID: r.AssetID, PublicID: r.PublicID, Folder: r.Folder, AssetFolder: r.AssetFolder, DisplayName: r.DisplayName,
		Format: r.Format, Version: r.Version, VersionID: a.Current.VersionID, ResourceType: r.ResourceType, Type: r.Type,
		CreatedAt: r.CreatedAt, Bytes: r.Bytes, Width: r.Width, Height: r.Height, Pages: a.Current.Pages, Backup: true,
		AccessMode: r.AccessMode, URL: r.URL, SecureURL: r.SecureURL, Tags: r.Tags, Context: r.Context, Metadata: r.Metadata,
		Etag: a.Current.ETag, OriginalFilename: a.Current.OriginalFilename,
		LastUpdated: LastUpdated{UpdatedAt: a.UpdatedAt.UTC().Format(time.RFC3339)}, Derived: []Derived{}}
	ds, err := s.store.Derivatives(ctx, a.AssetKey)
	if err != nil {
		return nil, cumulus.Wrap(op, err)
	}
	for _, dv := range ds {
		u, su := s.derivedURLs(a.AssetKey, dv)
		d.Derived = append(d.Derived, Derived{Transformation: dv.Transformation, Format: dv.Format, Bytes: dv.Bytes,
			ID: dv.BlobKey[len(dv.BlobKey)-32:], URL: u, SecureURL: su})
	}
	if p.Versions {
		vs, err := s.store.Versions(ctx, a.AssetKey)
		if err != nil {
			return nil, cumulus.Wrap(op, err)
		}
		d.Versions = []VersionInfo{}
		for _, v := range vs {
			d.Versions = append(d.Versions, VersionInfo{VersionID: v.VersionID, Version: v.Version, Format: v.Format,
				Size: v.Bytes, Time: v.CreatedAt.UTC().Format(time.RFC3339), Restorable: true})
		}
	}
	return d, nil
}

// UpdateParams changes a resource; nil fields are left alone.
type UpdateParams struct {
	Key      cumulus.AssetKey
	Tags     []string          // replaces every tag
	Context  map[string]string // replaces the context
	Metadata map[string]string // replaces the structured metadata
}

// Update answers POST resources/<rt>/<type>/<public_id>.
func (s *Service) Update(ctx context.Context, env cumulus.Environment, p UpdateParams) (*Details, error) {
	p.Key.Cloud = env.Cloud
	if _, err := s.store.UpdateAsset(ctx, p.Key, cumulus.AssetUpdate{Tags: p.Tags, Context: p.Context, Metadata: p.Metadata}, s.now()); err != nil {
		return nil, cumulus.Wrap("admin.Update", err)
	}
	if s.Changed != nil {
		s.Changed(p.Key, false)
	}
	return s.Details(ctx, env, DetailsParams{Key: p.Key})
}

// DeleteParams selects what DELETE resources/... removes: exactly one of
// PublicIDs, AssetIDs, Prefix, Tag or All.
type DeleteParams struct {
	ResourceType cumulus.ResourceType
	Type         cumulus.DeliveryType
	PublicIDs    []string
	AssetIDs     []string
	Prefix       string
	Tag          string
	All          bool
	// KeepOriginal or Transformations ask to delete derivatives only.
	KeepOriginal    bool
	Transformations string
	Invalidate      bool
	NextCursor      string
}

// DeleteResult answers every delete endpoint.
type DeleteResult struct {
	Deleted       map[string]string         `json:"deleted"`
	DeletedCounts map[string]map[string]int `json:"deleted_counts"`
	Partial       bool                      `json:"partial"`
	NextCursor    string                    `json:"next_cursor,omitempty"`
}

// deleteBatch is how many assets one prefix, tag or "all" delete removes;
// the rest is left for the next call with next_cursor, as Cloudinary does.
const deleteBatch = 1000

// Delete removes assets and answers with what happened to each. A
// derivative-only delete (keep_original or transformations) removes
// nothing yet: derivatives are not recorded.
func (s *Service) Delete(ctx context.Context, env cumulus.Environment, p DeleteParams) (*DeleteResult, error) {
	const op = "admin.Delete"
	q := cumulus.AssetQuery{Cloud: env.Cloud, ResourceType: p.ResourceType, Type: p.Type, After: p.NextCursor, Limit: deleteBatch}
	if q.ResourceType == "" {
		q.ResourceType = cumulus.Image
	}
	if q.Type == "" && p.Tag == "" && p.AssetIDs == nil {
		q.Type = cumulus.Upload
	}
	byAssetID := false
	switch {
	case len(p.PublicIDs) > 0:
		if len(p.PublicIDs) > 100 {
			return nil, cumulus.Errorf(cumulus.Invalid, op, "Too many public_ids - at most 100 are allowed")
		}
		q.PublicIDs, q.After = p.PublicIDs, ""
	case len(p.AssetIDs) > 0:
		if len(p.AssetIDs) > 100 {
			return nil, cumulus.Errorf(cumulus.Invalid, op, "Too many asset_ids - at most 100 are allowed")
		}
		q.ResourceType, q.AssetIDs, q.After, byAssetID = "", p.AssetIDs, "", true
	case p.Prefix != "":
		q.Prefix = p.Prefix
	case p.Tag != "":
		q.Tag = p.Tag
	case p.All:
	default:
		return nil, cumulus.Errorf(cumulus.Invalid, op, "Missing required parameter - public_ids, prefix or all")
	}
	page, err := s.store.ListAssets(ctx, q)
	if err != nil {
		return nil, cumulus.Wrap(op, err)
	}
	res := &DeleteResult{Deleted: map[string]string{}, DeletedCounts: map[string]map[string]int{}, Partial: page.Next != "", NextCursor: page.Next}
	name := func(a cumulus.Asset) string {
		if byAssetID {
			return a.ID
		}
		return a.PublicID
	}
	derivedOnly := p.KeepOriginal || p.Transformations != ""
	var ids []string
	for _, a := range page.Assets {
		ids = append(ids, a.ID)
		res.Deleted[name(a.Asset)] = "deleted"
		res.DeletedCounts[name(a.Asset)] = map[string]int{"original": 1, "derived": 0}
		if derivedOnly {
			res.DeletedCounts[name(a.Asset)]["original"] = 0
		}
	}
	if !derivedOnly && len(ids) > 0 {
		gone, err := s.store.DeleteAssets(ctx, env.Cloud, ids)
		if err != nil {
			return nil, cumulus.Wrap(op, err)
		}
		removed := map[string]bool{}
		for _, a := range gone {
			removed[a.ID] = true
			if s.Changed != nil {
				s.Changed(a.AssetKey, p.Invalidate)
			}
		}
		// Deleted by a concurrent request between listing and deleting.
		for _, a := range page.Assets {
			if !removed[a.ID] {
				res.Deleted[name(a.Asset)] = "not_found"
				delete(res.DeletedCounts, name(a.Asset))
			}
		}
	}
	for _, id := range append(append([]string{}, p.PublicIDs...), p.AssetIDs...) {
		if _, ok := res.Deleted[id]; !ok {
			res.Deleted[id] = "not_found"
		}
	}
	return res, nil
}

// DeleteDerived answers DELETE derived_resources: derivatives are not
// recorded yet, so every ID is reported not found.
func (s *Service) DeleteDerived(ids []string) *DeleteResult {
	res := &DeleteResult{Deleted: map[string]string{}, DeletedCounts: map[string]map[string]int{}}
	for _, id := range ids {
		res.Deleted[id] = "not_found"
	}
	return res
}

// RestoreParams names versions to make current again. Versions[i] is the
// version_id for PublicIDs[i]; a missing one means the version before the
// current one.
type RestoreParams struct {
	ResourceType cumulus.ResourceType
	Type         cumulus.DeliveryType
	PublicIDs    []string
	Versions     []string
}

// Restore answers POST resources/<rt>/<type>/restore. Cumulus never loses
// the history of a live asset, so restoring makes the chosen old version
// current again as a new version number; the history keeps every version.
// The answer maps each public ID to its resource or to an error.
func (s *Service) Restore(ctx context.Context, env cumulus.Environment, p RestoreParams) (map[string]Resource, error) {
	const op = "admin.Restore"
	if len(p.PublicIDs) == 0 {
		return nil, cumulus.Errorf(cumulus.Invalid, op, "Missing required parameter - public_ids")
	}
	out := map[string]Resource{}
	for i, id := range p.PublicIDs {
		key := cumulus.AssetKey{Cloud: env.Cloud, ResourceType: p.ResourceType, Type: p.Type, PublicID: id}
		vid := ""
		if i < len(p.Versions) {
			vid = p.Versions[i]
		}
		if vid == "" {
			vs, err := s.store.Versions(ctx, key)
			if err != nil {
				out[id] = Resource{Error: cumulus.PublicMessage(err)}
				continue
			}
			if len(vs) < 2 {
				out[id] = Resource{Error: "No previous version to restore - " + id}
				continue
			}
			vid = vs[len(vs)-2].VersionID
		}
		a, err := s.store.RestoreVersion(ctx, key, vid, s.now())
		if err != nil {
			if cumulus.KindOf(err) == cumulus.Internal {
				return nil, cumulus.Wrap(op, err)
			}
			out[id] = Resource{Error: cumulus.PublicMessage(err)}
			continue
		}
		if s.Changed != nil {
			s.Changed(key, true)
		}
		out[id] = s.resource(cumulus.ListedAsset{Asset: a}, Include{Tags: true, Context: true})
	}
	return out, nil
}

// TagsResult answers GET tags/<rt>.
type TagsResult struct {
	Tags       []string `json:"tags"`
	NextCursor string   `json:"next_cursor,omitempty"`
}

// Tags lists the distinct tags of a resource type.
func (s *Service) Tags(ctx context.Context, env cumulus.Environment, rt cumulus.ResourceType, prefix string, maxResults int, cursor string) (*TagsResult, error) {
	const op = "admin.Tags"
	if rt == "" {
		rt = cumulus.Image
	}
	after, err := decodeNameCursor(cursor)
	if err != nil {
		return nil, err
	}
	limit := clampResults(maxResults, 10)
	tags, err := s.store.Tags(ctx, env.Cloud, rt, prefix, after, limit+1)
	if err != nil {
		return nil, cumulus.Wrap(op, err)
	}
	res := &TagsResult{Tags: tags}
	if len(tags) > limit {
		res.Tags = tags[:limit]
		res.NextCursor = encodeNameCursor(tags[limit-1])
	}
	return res, nil
}

// Name cursors page through lists ordered by a name: the last name seen.
func encodeNameCursor(name string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(name))
}

func decodeNameCursor(c string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return "", cumulus.Errorf(cumulus.Invalid, "admin", "Invalid next_cursor - %s", c)
	}
	return string(b), nil
}

// Folder is one entry of a folder listing.
type Folder struct {
	Name string `json:"name"`
	Path string `json:"path"`
}

// FoldersResult answers GET folders[/<path>].
type FoldersResult struct {
	Folders    []Folder `json:"folders"`
	NextCursor *string  `json:"next_cursor"`
	TotalCount int      `json:"total_count"`
}

// Folders lists the folders directly under parent ("" for the root).
func (s *Service) Folders(ctx context.Context, env cumulus.Environment, parent string, maxResults int, cursor string) (*FoldersResult, error) {
	const op = "admin.Folders"
	parent = strings.Trim(parent, "/")
	after, err := decodeNameCursor(cursor)
	if err != nil {
		return nil, err
	}
	names, err := s.store.Folders(ctx, env.Cloud, parent)
	if err != nil {
		return nil, cumulus.Wrap(op, err)
	}
	res := &FoldersResult{Folders: []Folder{}, TotalCount: len(names)}
	start := sort.SearchStrings(names, after)
	if after != "" && start < len(names) && names[start] == after {
		start++
	}
	limit := clampResults(maxResults, 500)
	for _, n := range names[start:] {
		if len(res.Folders) == limit {
			c := encodeNameCursor(res.Folders[limit-1].Name)
			res.NextCursor = &c
			break
		}
		path := n
		if parent != "" {
			path = parent + "/" + n
		}
		res.Folders = append(res.Folders, Folder{Name: n, Path: path})
	}
	return res, nil
}

// CreateFolderResult answers POST folders/<path>.
type CreateFolderResult struct {
	Success bool   `json:"success"`
	Path    string `json:"path"`
	Name    string `json:"name"`
}

// CreateFolder records an empty folder (and its ancestors).
func (s *Service) CreateFolder(ctx context.Context, env cumulus.Environment, path string) (*CreateFolderResult, error) {
	path, err := publicid.Folder(path)
	if err != nil {
		return nil, err
	}
	if path == "" {
		return nil, cumulus.Errorf(cumulus.Invalid, "admin.CreateFolder", "Missing required parameter - folder")
	}
	if err := s.store.CreateFolder(ctx, env.Cloud, path, s.now()); err != nil {
		return nil, cumulus.Wrap("admin.CreateFolder", err)
	}
	_, name := publicid.Split(path)
	return &CreateFolderResult{Success: true, Path: path, Name: name}, nil
}

// DeleteFolder removes an empty folder and answers {"deleted":[path]}.
func (s *Service) DeleteFolder(ctx context.Context, env cumulus.Environment, path string) (map[string][]string, error) {
	path = strings.Trim(path, "/")
	if err := s.store.DeleteFolder(ctx, env.Cloud, path); err != nil {
		return nil, cumulus.Wrap("admin.DeleteFolder", err)
	}
	return map[string][]string{"deleted": {path}}, nil
}
