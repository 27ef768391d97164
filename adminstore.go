package cumulus

import (
	"context"
	"time"
)

// AssetQuery selects assets of one environment for the Admin API's
// listings and search. Zero fields select everything; all set fields must
// match. Paging is keyset-based: After is the cursor of the last row of the
// previous page, so rows inserted or deleted meanwhile never cause a
// duplicate or a miss among rows that existed when the listing began.
type AssetQuery struct {
	Cloud        string
	ResourceType ResourceType // "" for every resource type
	Type         DeliveryType // "" for every delivery type
	Prefix       string       // public IDs that start with this text
	PublicIDs    []string     // only these public IDs
	AssetIDs     []string     // only these asset IDs
	Tag          string       // assets carrying this tag
	// ContextKey, when set, selects assets whose context has this key, and
	// when HasContextValue also this ContextValue.
	ContextKey      string
	ContextValue    string
	HasContextValue bool
	// Filter is an extra SQL condition with '?' placeholders (compiled by
	// the admin package from a search expression). It may name the columns
	// a.id, a.resource_type, a.type, a.public_id, a.context (JSON text of a
	// string map, keys sorted, as encoding/json writes it), a.created_at
	// and a.updated_at (Unix seconds) of table assets, v.format, v.bytes,
	// v.width, v.height, v.created_at and v.original_filename of the
	// current version, and the table tags (asset_id, tag).
	Filter *Filter
	Sort   SortField // "" sorts by insertion order
	Desc   bool
	After  string // cursor from a previous page; "" starts at the beginning
	Limit  int    // rows wanted; the store caps it at 1000
	Count  bool   // also count every row that matches (ignoring After and Limit)
}

// Filter is a parameterised SQL condition: Where uses '?' for each of Args.
type Filter struct {
	Where string
	Args  []any
}

// SortField is a column listings and search may be ordered by.
type SortField string

// The sort orders stores support. Ties are broken by insertion order.
const (
	SortInserted  SortField = ""
	SortPublicID  SortField = "public_id"
	SortCreatedAt SortField = "created_at"
	SortUpdatedAt SortField = "updated_at"
	SortBytes     SortField = "bytes"
	SortWidth     SortField = "width"
	SortHeight    SortField = "height"
)

// ListedAsset is an asset as listings return it, with its structured
// metadata.
type ListedAsset struct {
	Asset
	Metadata map[string]string
}

// AssetPage is one page of a listing. Next is the cursor of the following
// page, empty on the last one. Total is set when AssetQuery.Count was.
type AssetPage struct {
	Assets []ListedAsset
	Next   string
	Total  int64
}

// AssetUpdate changes an asset's descriptive fields. Nil fields are left as
// they are; a non-nil empty value clears the field.
type AssetUpdate struct {
	Tags     []string
	Context  map[string]string
	Metadata map[string]string
}

// NamedTransformation is a transformation stored under a name, used in
// URLs as t_<name>.
type NamedTransformation struct {
	Name             string
	Transformation   string // the definition, e.g. "c_fill,w_100,h_100"
	AllowedForStrict bool
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// UploadPreset is a stored set of upload parameters, applied to uploads
// that name it; an unsigned one lets unauthenticated clients upload.
type UploadPreset struct {
	Name     string
	Unsigned bool
	Settings map[string]string // upload parameters as sent on the wire
}

// Usage is what an environment holds and how many Admin API requests it
// made in the current hour.
type Usage struct {
	Resources    int64 // assets
	Versions     int64 // stored originals, every version counted
	StorageBytes int64 // bytes of every stored version
}

// AdminStore is what the Admin API needs beyond the upload path. Every
// method is one transaction; missing objects are *Error of kind NotFound.
type AdminStore interface {
	// ListAssets returns one page of the assets q selects.
	ListAssets(ctx context.Context, q AssetQuery) (AssetPage, error)
	// CountAssetsBy counts the assets q selects (ignoring paging) grouped
	// by "format", "resource_type" or "type".
	CountAssetsBy(ctx context.Context, q AssetQuery, field string) (map[string]int64, error)
	// UpdateAsset changes tags, context and metadata of an asset.
	UpdateAsset(ctx context.Context, key AssetKey, u AssetUpdate, now time.Time) (ListedAsset, error)
	// DeleteAssets removes the assets with these asset IDs and returns what
	// was removed; unknown IDs are skipped.
	DeleteAssets(ctx context.Context, cloud string, assetIDs []string) ([]Asset, error)
	// RestoreVersion makes the version with versionID current again as a
	// new version (number strictly greater than every earlier one). History
	// is kept.
	RestoreVersion(ctx context.Context, key AssetKey, versionID string, now time.Time) (Asset, error)

	// Tags lists distinct tags of a resource type in order, those greater
	// than after and starting with prefix, at most limit.
	Tags(ctx context.Context, cloud string, rt ResourceType, prefix, after string, limit int) ([]string, error)

	// Folders lists the sub-folders directly under parent ("" for the
	// root), sorted: those implied by public IDs and those created
	// explicitly. A missing parent is NotFound.
	Folders(ctx context.Context, cloud, parent string) ([]string, error)
	// CreateFolder records an (empty) folder and its ancestors.
	CreateFolder(ctx context.Context, cloud, path string, now time.Time) error
	// DeleteFolder removes an empty folder; one that holds assets or
	// sub-folders is a Conflict, a missing one NotFound.
	DeleteFolder(ctx context.Context, cloud, path string) error

	// PutTransformation creates (or with replace, updates) a named
	// transformation. Creating an existing name is a Conflict.
	PutTransformation(ctx context.Context, cloud string, t NamedTransformation, replace bool) error
	// Transformations lists named transformations by name after after.
	Transformations(ctx context.Context, cloud, after string, limit int) ([]NamedTransformation, error)
	// NamedTransformation returns the definition of the transformation
	// called name and whether it may be rendered under strict
	// transformations. The renderer calls it for t_<name>.
	NamedTransformation(ctx context.Context, cloud, name string) (definition string, allowedForStrict bool, err error)
	// DeleteTransformation removes a named transformation.
	DeleteTransformation(ctx context.Context, cloud, name string) error

	// PutUploadPreset creates (or with replace, updates) an upload preset.
	PutUploadPreset(ctx context.Context, cloud string, p UploadPreset, replace bool) error
	// UploadPreset returns the preset called name.
	UploadPreset(ctx context.Context, cloud, name string) (UploadPreset, error)
	// UploadPresets lists presets by name after after.
	UploadPresets(ctx context.Context, cloud, after string, limit int) ([]UploadPreset, error)
	// DeleteUploadPreset removes a preset.
	DeleteUploadPreset(ctx context.Context, cloud, name string) error

	// CountRequest adds one to the Admin API request counter of cloud for
	// the window that starts at window and returns the new count. Counters
	// are durable, so limits survive a restart.
	CountRequest(ctx context.Context, cloud string, window time.Time) (int64, error)
	// Usage sums what cloud stores.
	Usage(ctx context.Context, cloud string) (Usage, error)
}
