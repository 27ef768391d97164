// Package cumulus holds the vocabulary of a self-hosted media platform that
// speaks Cloudinary's wire protocol: product environments, assets, their
// versions and derivatives, and the interfaces the storage engines implement.
//
// Implementations live in sub-packages named after their technology
// (store/sqlite, blob/fsblob, ...). They meet only through the types here;
// cmd/cumulus wires them together.
package cumulus

import (
	"context"
	"io"
	"time"
)

// ResourceType is Cloudinary's resource type: image, video or raw.
type ResourceType string

// The resource types an asset can have. Auto is only valid in an upload
// request, where it asks the server to detect the type from the bytes.
const (
	Image ResourceType = "image"
	Video ResourceType = "video"
	Raw   ResourceType = "raw"
	Auto  ResourceType = "auto"
)

// Valid reports whether r names a stored resource type (Auto is not one).
func (r ResourceType) Valid() bool { return r == Image || r == Video || r == Raw }

// DeliveryType is Cloudinary's "type" of an asset: who may deliver it.
type DeliveryType string

// The delivery types an uploaded asset can have.
const (
	Upload        DeliveryType = "upload"        // public
	Private       DeliveryType = "private"       // the original needs a signed URL
	Authenticated DeliveryType = "authenticated" // every URL needs a signature
)

// Valid reports whether t is a delivery type an asset can be stored under.
func (t DeliveryType) Valid() bool { return t == Upload || t == Private || t == Authenticated }

// Environment is a product environment (a "cloud"): its name, credentials and
// settings. Every asset belongs to exactly one.
type Environment struct {
	Cloud     string
	APIKey    string
	APISecret string
	Settings  Settings
	CreatedAt time.Time
}

// Settings are the per-environment knobs. The zero value is Cloudinary's
// default behaviour.
type Settings struct {
	// StrictTransformations refuses to render a derivative that does not
	// exist yet unless the URL is signed or the transformation is allowed.
	StrictTransformations bool `json:"strict_transformations,omitempty"`
	// OpenLists serves client-side tag lists without a signature.
	OpenLists bool `json:"open_lists,omitempty"`
	// CNAMEs are extra host names that deliver this environment's assets.
	CNAMEs []string `json:"cnames,omitempty"`
	// CacheMaxAge, when positive, replaces the server's max-age for URLs
	// without an exact version (Cloudinary's default is a month).
	CacheMaxAge time.Duration `json:"cache_max_age,omitempty"`
	// AdminRateLimit, when positive, replaces the server's hourly Admin API
	// budget for this environment.
	AdminRateLimit int64 `json:"admin_rate_limit,omitempty"`
}

// AssetKey names an asset within its environment: Cloudinary identifies an
// asset by resource type, delivery type and public ID.
type AssetKey struct {
	Cloud        string
	ResourceType ResourceType
	Type         DeliveryType
	PublicID     string
}

// Asset is the current state of one public ID. Its history is in Versions.
type Asset struct {
	AssetKey
	ID        string // asset_id: 32 lower-case hex, stable across renames
	Tags      []string
	Context   map[string]string
	CreatedAt time.Time // first upload
	UpdatedAt time.Time
	Current   Version
}

// Version is one uploaded original of an asset. Version numbers are Unix
// seconds of the upload, strictly increasing per asset.
type Version struct {
	Version          int64
	VersionID        string // 32 lower-case hex
	BlobKey          string // where the original's bytes are in the BlobStore
	Bytes            int64
	Format           string // file extension; empty for raw assets
	Width, Height    int
	Pages            int
	ETag             string // MD5 of the bytes, 32 hex
	OriginalFilename string
	CreatedAt        time.Time
}

// NewVersion is what an upload commits.
type NewVersion struct {
	AssetKey
	Version   Version // Version.Version is chosen by the store
	Tags      []string
	Context   map[string]string
	Overwrite bool // when false, an existing asset is returned unchanged
	// Invalidate asks for the previous version to be purged from CDNs: on
	// an overwrite the store writes the purge to the Outbox in the same
	// transaction.
	Invalidate bool
	Now        time.Time
}

// AddResult says what AddVersion did.
type AddResult struct {
	Asset       Asset
	Created     bool // the public ID did not exist before
	Existing    bool // Overwrite was false and the asset existed: nothing changed
	Overwritten bool // a new version replaced the current one
}

// TagCommand is an operation of the Upload API's tags endpoint.
type TagCommand string

// The tag commands Cloudinary accepts.
const (
	TagAdd       TagCommand = "add"
	TagRemove    TagCommand = "remove"
	TagReplace   TagCommand = "replace"
	TagRemoveAll TagCommand = "remove_all"
)

// AssetStore keeps environments, assets and their versions. Implementations
// must be safe for concurrent use; every method is one transaction.
// Lookups of a missing asset return an *Error of kind NotFound.
type AssetStore interface {
	// PutEnvironment creates or updates an environment.
	PutEnvironment(ctx context.Context, env Environment) error
	// Environment returns the environment named cloud.
	Environment(ctx context.Context, cloud string) (Environment, error)
	// Environments lists every environment.
	Environments(ctx context.Context) ([]Environment, error)

	// AddVersion commits an uploaded original: it creates the asset, or adds
	// a version to it (a number strictly greater than every earlier one, the
	// upload time in Unix seconds when possible). History is kept.
	AddVersion(ctx context.Context, nv NewVersion) (AddResult, error)
	// Asset returns the asset with its current version.
	Asset(ctx context.Context, key AssetKey) (Asset, error)
	// Versions lists an asset's versions, oldest first.
	Versions(ctx context.Context, key AssetKey) ([]Version, error)
	// DeleteAsset removes an asset and its versions and returns what was
	// removed so the caller can release blobs. With invalidate, a purge of
	// the asset is written to the Outbox in the same transaction.
	DeleteAsset(ctx context.Context, key AssetKey, invalidate bool) (Asset, error)
	// RenameAsset moves an asset to another public ID (and delivery type).
	// When the target exists and overwrite is false it fails with Conflict.
	// With invalidate, purges of the moved asset (and of an overwritten
	// target) are written to the Outbox in the same transaction.
	RenameAsset(ctx context.Context, from AssetKey, to AssetKey, overwrite, invalidate bool, now time.Time) (Asset, error)
	// UpdateTags applies a tag command to the named public IDs and returns
	// the public IDs that exist.
	UpdateTags(ctx context.Context, keys []AssetKey, cmd TagCommand, tags []string, now time.Time) ([]string, error)
	// BlobReferenced reports whether any version or derivative still
	// points at blobKey.
	BlobReferenced(ctx context.Context, blobKey string) (bool, error)

	DerivativeStore
	AdminStore
	Outbox
	JobQueue

	Close() error
}

// Blob is an open stored object. The caller must Close it.
type Blob interface {
	io.ReadSeekCloser
	Size() int64
	ModTime() time.Time
}

// BlobStore keeps bytes under keys the server derives (never user strings).
// Keys are lower-case letters, digits, '-', '_', '.' and '/' separators.
type BlobStore interface {
	// Put stores everything r yields under key, atomically and durably: once
	// Put returns nil the whole blob survives a crash, and no reader ever
	// sees part of it. Putting an existing key replaces it.
	Put(ctx context.Context, key string, r io.Reader) (int64, error)
	// Get opens the blob; a missing key is an *Error of kind NotFound.
	Get(ctx context.Context, key string) (Blob, error)
	// Stat returns the size of the blob; a missing key is NotFound.
	Stat(ctx context.Context, key string) (int64, error)
	// Delete removes the blob; deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
}

// CachePutter is an optional BlobStore capability for blobs that can be
// rebuilt (derivatives, proxies): PutCache stores atomically, like Put,
// but may skip the waits that only protect the blob's existence across a
// power cut. A reader still never sees a partial blob.
type CachePutter interface {
	PutCache(ctx context.Context, key string, r io.Reader) (int64, error)
}

// ChangeWatcher is an optional AssetStore capability. WatchChanges
// registers fn to be called after every committed change to an asset's
// delivery state (new version, delete, rename), with the asset's key, so
// that in-memory caches can drop it. Stores shared by several nodes also
// report the other nodes' changes.
//
// The zero AssetKey means "anything may have changed": drop everything
// (a shared store sends it when it may have missed notifications).
type ChangeWatcher interface {
	WatchChanges(fn func(AssetKey))
}

// ChangeSyncer is an optional capability of AssetStores shared by several
// nodes. SyncChanges returns once every change committed before the call
// has been reported to this node's ChangeWatcher callbacks, so caches they
// maintain are current; an error means that could not be established in
// time, and the caller must bypass its caches for this request.
type ChangeSyncer interface {
	SyncChanges(ctx context.Context) error
}
