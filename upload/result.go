package upload

import (
	"time"

	"github.com/cumulusmedia/cumulus"
	"github.com/cumulusmedia/cumulus/publicid"
	"github.com/cumulusmedia/cumulus/signing"
)

// Result is the Upload API's answer for an uploaded or renamed asset, with
// the JSON names and types the official SDKs decode (spec §D.3).
type Result struct {
	AssetID          string         `json:"asset_id"`
	PublicID         string         `json:"public_id"`
	Version          int64          `json:"version"`
	VersionID        string         `json:"version_id"`
	Signature        string         `json:"signature"`
	Width            int            `json:"width,omitempty"`
	Height           int            `json:"height,omitempty"`
	Format           string         `json:"format,omitempty"`
	ResourceType     string         `json:"resource_type"`
	CreatedAt        string         `json:"created_at"`
	Tags             []string       `json:"tags"`
	Pages            int            `json:"pages,omitempty"`
	Bytes            int64          `json:"bytes"`
	Type             string         `json:"type"`
	ETag             string         `json:"etag"`
	Placeholder      bool           `json:"placeholder"`
	URL              string         `json:"url"`
	SecureURL        string         `json:"secure_url"`
	Folder           string         `json:"folder"`
	AssetFolder      string         `json:"asset_folder"`
	DisplayName      string         `json:"display_name"`
	OriginalFilename string         `json:"original_filename,omitempty"`
	Overwritten      bool           `json:"overwritten,omitempty"`
	Existing         bool           `json:"existing,omitempty"`
	AccessMode       string         `json:"access_mode"`
	Context          *ContextObject `json:"context,omitempty"`
	Eager            []EagerResult  `json:"eager,omitempty"`
	APIKey           string         `json:"api_key"`
}

// ContextObject is Cloudinary's {"custom": {...}} context shape.
type ContextObject struct {
	Custom map[string]string `json:"custom"`
}

// ChunkResult answers a chunk of a chunked upload that is not the last.
type ChunkResult struct {
	Done  bool  `json:"done"`
	Bytes int64 `json:"bytes"`
}

func (s *Service) result(env cumulus.Environment, a cumulus.Asset) *Result {
	v := a.Current
	folder, name := publicid.Split(a.PublicID)
	r := &Result{
		AssetID: a.ID, PublicID: a.PublicID, Version: v.Version, VersionID: v.VersionID,
		Signature: signing.ResponseSignature(a.PublicID, v.Version, env.APISecret, "sha1"),
		Width:     v.Width, Height: v.Height, Format: v.Format, ResourceType: string(a.ResourceType),
		CreatedAt: v.CreatedAt.UTC().Format(time.RFC3339), Tags: a.Tags, Pages: v.Pages,
		Bytes: v.Bytes, Type: string(a.Type), ETag: v.ETag,
		Folder: folder, AssetFolder: folder, DisplayName: name,
		OriginalFilename: v.OriginalFilename, AccessMode: "public", APIKey: env.APIKey,
	}
	if r.Pages == 1 {
		r.Pages = 0
	}
	if r.Tags == nil {
		r.Tags = []string{}
	}
	if len(a.Context) > 0 {
		r.Context = &ContextObject{Custom: a.Context}
	}
	if s.urls != nil {
		r.URL, r.SecureURL = s.urls(a.AssetKey, v.Version, v.Format)
	}
	return r
}
