package admin

import (
	"context"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cumulusmedia/cumulus"
	"github.com/cumulusmedia/cumulus/publicid"
	"github.com/cumulusmedia/cumulus/transform"
)

// SearchParams is a search request (POST resources/search).
type SearchParams struct {
	Expression string
	SortBy     []SortBy // only the first is used; default created_at desc
	MaxResults int      // default 50, at most 500
	NextCursor string
	Aggregate  []string // "format", "resource_type", "type"
	WithField  []string // "tags", "context", "metadata"
}

// SortBy is one sort_by entry.
type SortBy struct {
	Field string
	Desc  bool
}

// SearchAsset is one search hit (Go SDK admin.SearchAsset): its context is
// a flat object, not {"custom": ...}.
type SearchAsset struct {
	AssetID      string            `json:"asset_id"`
	PublicID     string            `json:"public_id"`
	Folder       string            `json:"folder"`
	AssetFolder  string            `json:"asset_folder"`
	Filename     string            `json:"filename"`
	DisplayName  string            `json:"display_name"`
	Format       string            `json:"format"`
	Version      int64             `json:"version"`
	ResourceType string            `json:"resource_type"`
	Type         string            `json:"type"`
	CreatedAt    string            `json:"created_at"`
	UploadedAt   string            `json:"uploaded_at"`
	Bytes        int64             `json:"bytes"`
	BackupBytes  int64             `json:"backup_bytes"`
	Width        int               `json:"width"`
	Height       int               `json:"height"`
	AspectRatio  float64           `json:"aspect_ratio"`
	Pixels       int64             `json:"pixels"`
	URL          string            `json:"url"`
	SecureURL    string            `json:"secure_url"`
	Status       string            `json:"status"`
	AccessMode   string            `json:"access_mode"`
	Etag         string            `json:"etag"`
	Tags         []string          `json:"tags,omitempty"`
	Context      map[string]string `json:"context,omitempty"`
	Metadata     map[string]string `json:"metadata,omitempty"`
}

// SearchResult answers a search.
type SearchResult struct {
	TotalCount   int64                       `json:"total_count"`
	Time         int64                       `json:"time"`
	Resources    []SearchAsset               `json:"resources"`
	NextCursor   string                      `json:"next_cursor,omitempty"`
	Aggregations map[string]map[string]int64 `json:"aggregations,omitempty"`
}

var searchSorts = map[string]cumulus.SortField{
	"created_at": cumulus.SortCreatedAt, "uploaded_at": cumulus.SortCreatedAt, "updated_at": cumulus.SortUpdatedAt,
	"public_id": cumulus.SortPublicID, "bytes": cumulus.SortBytes, "width": cumulus.SortWidth, "height": cumulus.SortHeight,
}

// Search runs a search expression.
func (s *Service) Search(ctx context.Context, env cumulus.Environment, p SearchParams) (*SearchResult, error) {
	const op = "admin.Search"
	start := s.now()
	e, err := ParseExpression(p.Expression)
	if err != nil {
		return nil, err
	}
	f, err := CompileExpression(e, start)
	if err != nil {
		return nil, err
	}
	q := cumulus.AssetQuery{Cloud: env.Cloud, Filter: f, Sort: cumulus.SortCreatedAt, Desc: true,
		Limit: clampResults(p.MaxResults, 50), After: p.NextCursor, Count: true}
	if len(p.SortBy) > 0 {
		field, ok := searchSorts[p.SortBy[0].Field]
		if !ok {
			return nil, cumulus.Errorf(cumulus.Invalid, op, "Invalid sort_by field - %s", p.SortBy[0].Field)
		}
		q.Sort, q.Desc = field, p.SortBy[0].Desc
	}
	page, err := s.store.ListAssets(ctx, q)
	if err != nil {
		return nil, cumulus.Wrap(op, err)
	}
	with := map[string]bool{}
	for _, w := range p.WithField {
		with[w] = true
	}
	res := &SearchResult{TotalCount: page.Total, Resources: []SearchAsset{}, NextCursor: page.Next}
	for _, a := range page.Assets {
		res.Resources = append(res.Resources, s.searchAsset(a, with))
	}
	for _, field := range p.Aggregate {
		counts, err := s.store.CountAssetsBy(ctx, cumulus.AssetQuery{Cloud: env.Cloud, Filter: f}, field)
		if err != nil {
			return nil, cumulus.Wrap(op, err)
		}
		if res.Aggregations == nil {
			res.Aggregations = map[string]map[string]int64{}
		}
		res.Aggregations[field] = counts
	}
	res.Time = s.now().Sub(start).Milliseconds()
	return res, nil
}

func (s *Service) searchAsset(a cumulus.ListedAsset, with map[string]bool) SearchAsset {
	folder, name := publicid.Split(a.PublicID)
	v := a.Current
	r := SearchAsset{AssetID: a.ID, PublicID: a.PublicID, Folder: folder, AssetFolder: folder, Filename: name, DisplayName: name,
		Format: v.Format, Version: v.Version, ResourceType: string(a.ResourceType), Type: string(a.Type),
		CreatedAt: a.CreatedAt.UTC().Format(time.RFC3339), UploadedAt: v.CreatedAt.UTC().Format(time.RFC3339),
		Bytes: v.Bytes, Width: v.Width, Height: v.Height, Pixels: int64(v.Width) * int64(v.Height),
		Status: "active", AccessMode: "public", Etag: v.ETag}
	if v.Height > 0 {
		r.AspectRatio = math.Round(float64(v.Width)/float64(v.Height)*1e5) / 1e5
	}
	r.URL, r.SecureURL = s.url(a.Asset)
	if with["tags"] {
		r.Tags = nonNilSlice(a.Tags)
	}
	if with["context"] && len(a.Context) > 0 {
		r.Context = a.Context
	}
	if with["metadata"] && len(a.Metadata) > 0 {
		r.Metadata = a.Metadata
	}
	return r
}

// TransformationItem is one entry of GET transformations.
type TransformationItem struct {
	Name             string `json:"name"`
	AllowedForStrict bool   `json:"allowed_for_strict"`
	Used             bool   `json:"used"`
	Named            bool   `json:"named"`
}

// TransformationsResult answers GET transformations.
type TransformationsResult struct {
	Transformations []TransformationItem `json:"transformations"`
	NextCursor      string               `json:"next_cursor,omitempty"`
}

// TransformationResult answers GET transformations?transformation=<name>.
type TransformationResult struct {
	TransformationItem
	Info    []map[string]any `json:"info"`
	Derived []any            `json:"derived"`
}

// Message is the {"message": ...} answer of create, update and delete.
type Message struct {
	Message string `json:"message"`
	Name    string `json:"name,omitempty"`
}

var transformationName = regexp.MustCompile(`^[A-Za-z0-9_\-]{1,100}$`)

// namedName strips the t_ that URLs put before a transformation's name.
func namedName(s string) string { return strings.TrimPrefix(s, "t_") }

// Transformations lists the named transformations. Unnamed ones are not
// recorded, so named=false lists nothing.
func (s *Service) Transformations(ctx context.Context, env cumulus.Environment, named *bool, maxResults int, cursor string) (*TransformationsResult, error) {
	res := &TransformationsResult{Transformations: []TransformationItem{}}
	if named != nil && !*named {
		return res, nil
	}
	after, err := decodeNameCursor(cursor)
	if err != nil {
		return nil, err
	}
	limit := clampResults(maxResults, 10)
	list, err := s.store.Transformations(ctx, env.Cloud, after, limit+1)
	if err != nil {
		return nil, cumulus.Wrap("admin.Transformations", err)
	}
	if len(list) > limit {
		list = list[:limit]
		res.NextCursor = encodeNameCursor(list[limit-1].Name)
	}
	for _, t := range list {
		res.Transformations = append(res.Transformations, TransformationItem{Name: "t_" + t.Name, AllowedForStrict: t.AllowedForStrict, Named: true})
	}
	return res, nil
}

// Transformation returns one named transformation with its definition in
// Cloudinary's long parameter names.
func (s *Service) Transformation(ctx context.Context, env cumulus.Environment, name string) (*TransformationResult, error) {
	def, strict, err := s.store.NamedTransformation(ctx, env.Cloud, namedName(name))
	if err != nil {
		return nil, cumulus.Wrap("admin.Transformation", err)
	}
	return &TransformationResult{
		TransformationItem: TransformationItem{Name: "t_" + namedName(name), AllowedForStrict: strict, Named: true},
		Info:               longNames(def), Derived: []any{},
	}, nil
}

// checkDefinition refuses a definition the renderer could not run.
func checkDefinition(def string) error {
	if def == "" {
		return cumulus.Errorf(cumulus.Invalid, "admin.transformation", "Missing required parameter - transformation")
	}
	_, err := transform.Parse(def)
	return err
}

// CreateTransformation stores a named transformation; it is allowed under
// strict transformations, as on Cloudinary.
func (s *Service) CreateTransformation(ctx context.Context, env cumulus.Environment, name, def string) (*Message, error) {
	const op = "admin.CreateTransformation"
	name = namedName(name)
	if !transformationName.MatchString(name) {
		return nil, cumulus.Errorf(cumulus.Invalid, op, "Invalid transformation name - %s", name)
	}
	if err := checkDefinition(def); err != nil {
		return nil, err
	}
	now := s.now()
	t := cumulus.NamedTransformation{Name: name, Transformation: def, AllowedForStrict: true, CreatedAt: now, UpdatedAt: now}
	if err := s.store.PutTransformation(ctx, env.Cloud, t, false); err != nil {
		return nil, cumulus.Wrap(op, err)
	}
	return &Message{Message: "created"}, nil
}

// UpdateTransformation changes allowed_for_strict and, with unsafe_update,
// the definition of a named transformation.
func (s *Service) UpdateTransformation(ctx context.Context, env cumulus.Environment, name string, allowedForStrict *bool, unsafeUpdate string) (*Message, error) {
	const op = "admin.UpdateTransformation"
	name = namedName(name)
	def, strict, err := s.store.NamedTransformation(ctx, env.Cloud, name)
	if err != nil {
		return nil, cumulus.Wrap(op, err)
	}
	if allowedForStrict != nil {
		strict = *allowedForStrict
	}
	if unsafeUpdate != "" {
		if err := checkDefinition(unsafeUpdate); err != nil {
			return nil, err
		}
		def = unsafeUpdate
	}
	t := cumulus.NamedTransformation{Name: name, Transformation: def, AllowedForStrict: strict, UpdatedAt: s.now()}
	if err := s.store.PutTransformation(ctx, env.Cloud, t, true); err != nil {
		return nil, cumulus.Wrap(op, err)
	}
	return &Message{Message: "updated"}, nil
}

// DeleteTransformation removes a named transformation.
func (s *Service) DeleteTransformation(ctx context.Context, env cumulus.Environment, name string) (*Message, error) {
	if err := s.store.DeleteTransformation(ctx, env.Cloud, namedName(name)); err != nil {
		return nil, cumulus.Wrap("admin.DeleteTransformation", err)
	}
	return &Message{Message: "deleted"}, nil
}

// longKeys are Cloudinary's long names of the short URL keys, as the
// Admin API's "info" shows them.
var longKeys = map[string]string{
	"w": "width", "h": "height", "c": "crop", "g": "gravity", "ar": "aspect_ratio", "x": "x", "y": "y",
	"z": "zoom", "q": "quality", "f": "fetch_format", "e": "effect", "a": "angle", "r": "radius",
	"bo": "border", "b": "background", "co": "color", "o": "opacity", "dpr": "dpr", "fl": "flags",
	"d": "default_image", "t": "transformation", "l": "overlay", "u": "underlay", "pg": "page",
	"dn": "density", "dl": "delay", "cs": "color_space", "p": "prefix", "if": "if",
}

// longNames turns "c_fill,w_100/e_sepia" into
// [{"crop":"fill","width":100},{"effect":"sepia"}].
func longNames(def string) []map[string]any {
	out := []map[string]any{}
	for _, comp := range strings.Split(def, "/") {
		m := map[string]any{}
		for _, param := range strings.Split(comp, ",") {
			k, v, ok := strings.Cut(param, "_")
			if !ok {
				continue
			}
			name := longKeys[k]
			if name == "" {
				name = k
			}
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				m[name] = n
			} else if f, err := strconv.ParseFloat(v, 64); err == nil && !strings.ContainsAny(v, "eE") {
				m[name] = f
			} else {
				m[name] = v
			}
		}
		if len(m) > 0 {
			out = append(out, m)
		}
	}
	return out
}

// PresetResult is one upload preset as the API shows it.
type PresetResult struct {
	Name     string         `json:"name"`
	Unsigned bool           `json:"unsigned"`
	Settings map[string]any `json:"settings"`
}

// PresetsResult answers GET upload_presets.
type PresetsResult struct {
	Presets    []PresetResult `json:"presets"`
	NextCursor string         `json:"next_cursor,omitempty"`
}

// PresetSettings are the upload parameters a preset keeps; anything else
// a client sends is ignored. Boolean ones are shown as JSON booleans.
var PresetSettings = map[string]bool{
	"folder": false, "tags": false, "context": false, "type": false, "overwrite": true,
	"unique_filename": true, "use_filename": true, "invalidate": true, "allowed_formats": false,
	"disallow_public_id": true, "public_id_prefix": false, "resource_type": false,
}

func presetResult(p cumulus.UploadPreset) PresetResult {
	r := PresetResult{Name: p.Name, Unsigned: p.Unsigned, Settings: map[string]any{}}
	for k, v := range p.Settings {
		if PresetSettings[k] {
			r.Settings[k] = v == "true" || v == "1"
		} else {
			r.Settings[k] = v
		}
	}
	return r
}

// PresetParams create or update a preset. Settings hold upload
// parameters; keys outside PresetSettings are dropped.
type PresetParams struct {
	Name     string
	Unsigned *bool
	Settings map[string]string
}

// SavePreset creates (replace=false) or updates a preset. A preset
// created without a name gets a random one.
func (s *Service) SavePreset(ctx context.Context, env cumulus.Environment, p PresetParams, replace bool) (*Message, error) {
	const op = "admin.SavePreset"
	if p.Name == "" && !replace {
		p.Name = randomName()
	}
	if !transformationName.MatchString(p.Name) {
		return nil, cumulus.Errorf(cumulus.Invalid, op, "Invalid upload preset name - %s", p.Name)
	}
	preset := cumulus.UploadPreset{Name: p.Name, Settings: map[string]string{}}
	if replace {
		old, err := s.store.UploadPreset(ctx, env.Cloud, p.Name)
		if err != nil {
			return nil, cumulus.Wrap(op, err)
		}
		preset = old
	}
	if p.Unsigned != nil {
		preset.Unsigned = *p.Unsigned
	}
	for k, v := range p.Settings {
		if _, ok := PresetSettings[k]; !ok {
			continue
		}
		if isBool := PresetSettings[k]; isBool {
			switch strings.ToLower(v) {
			case "true", "1":
				v = "true"
			case "false", "0":
				v = "false"
			default:
				return nil, cumulus.Errorf(cumulus.Invalid, op, "Invalid boolean parameter %s - %s", k, v)
			}
		}
		preset.Settings[k] = v
	}
	if err := s.store.PutUploadPreset(ctx, env.Cloud, preset, replace); err != nil {
		return nil, cumulus.Wrap(op, err)
	}
	if replace {
		return &Message{Message: "updated"}, nil
	}
	return &Message{Message: "created", Name: p.Name}, nil
}

// Preset returns one preset.
func (s *Service) Preset(ctx context.Context, env cumulus.Environment, name string) (*PresetResult, error) {
	p, err := s.store.UploadPreset(ctx, env.Cloud, name)
	if err != nil {
		return nil, cumulus.Wrap("admin.Preset", err)
	}
	r := presetResult(p)
	return &r, nil
}

// Presets lists presets by name.
func (s *Service) Presets(ctx context.Context, env cumulus.Environment, maxResults int, cursor string) (*PresetsResult, error) {
	after, err := decodeNameCursor(cursor)
	if err != nil {
		return nil, err
	}
	limit := clampResults(maxResults, 10)
	list, err := s.store.UploadPresets(ctx, env.Cloud, after, limit+1)
	if err != nil {
		return nil, cumulus.Wrap("admin.Presets", err)
	}
	res := &PresetsResult{Presets: []PresetResult{}}
	if len(list) > limit {
		list = list[:limit]
		res.NextCursor = encodeNameCursor(list[limit-1].Name)
	}
	for _, p := range list {
		res.Presets = append(res.Presets, presetResult(p))
	}
	sort.Slice(res.Presets, func(i, j int) bool { return res.Presets[i].Name < res.Presets[j].Name })
	return res, nil
}

// DeletePreset removes a preset.
func (s *Service) DeletePreset(ctx context.Context, env cumulus.Environment, name string) (*Message, error) {
	if err := s.store.DeleteUploadPreset(ctx, env.Cloud, name); err != nil {
		return nil, cumulus.Wrap("admin.DeletePreset", err)
	}
	return &Message{Message: "deleted"}, nil
}
