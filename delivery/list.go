package delivery

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/cumulusmedia/cumulus"
	"github.com/cumulusmedia/cumulus/deliveryurl"
)

// MaxListResources is the most resources a client-side list returns.
const MaxListResources = 1000

// listResource is one entry of a client-side list (spec §F).
type listResource struct {
	PublicID     string            `json:"public_id"`
	Version      int64             `json:"version"`
	Format       string            `json:"format,omitempty"`
	Width        int               `json:"width,omitempty"`
	Height       int               `json:"height,omitempty"`
	Type         string            `json:"type"`
	ResourceType string            `json:"resource_type"`
	CreatedAt    string            `json:"created_at"`
	Bytes        int64             `json:"bytes"`
	Context      *listContext      `json:"context,omitempty"`
	Metadata     map[string]string `json:"metadata,omitempty"`
}

type listContext struct {
	Custom map[string]string `json:"custom"`
}

// list answers /<cloud>/<resource_type>/list/<tag>.json: the public assets
// carrying the tag, at most MaxListResources. Lists are restricted unless
// the environment opens them; a valid signature (already checked by
// Deliver) always passes.
func (s *Service) list(ctx context.Context, env cumulus.Environment, req deliveryurl.Request) (*Response, error) {
	const op = "deliver.list"
	if req.Format != "json" {
		return nil, cumulus.Errorf(cumulus.NotFound, op, "Resource not found - %s", req.PublicID)
	}
	if !env.Settings.OpenLists && req.Signature == "" {
		return nil, cumulus.Errorf(cumulus.Unauthorized, op, "Resource list is restricted - sign the URL or open lists in the settings")
	}
	q := cumulus.AssetQuery{Cloud: env.Cloud, Type: cumulus.Upload, Tag: req.PublicID, Sort: cumulus.SortPublicID, Limit: MaxListResources}
	if req.ResourceType != deliveryurl.AnyResourceType {
		q.ResourceType = req.ResourceType
	}
	out := struct {
		Resources []listResource `json:"resources"`
		UpdatedAt string         `json:"updated_at"`
	}{Resources: []listResource{}}
	var newest time.Time
	for len(out.Resources) < MaxListResources {
		page, err := s.store.ListAssets(ctx, q)
		if err != nil {
			return nil, cumulus.Wrap(op, err)
		}
		for _, a := range page.Assets {
			if len(out.Resources) == MaxListResources {
				break
			}
			r := listResource{PublicID: a.PublicID, Version: a.Current.Version, Format: a.Current.Format,
				Width: a.Current.Width, Height: a.Current.Height, Type: string(a.Type), ResourceType: string(a.ResourceType),
				CreatedAt: a.CreatedAt.UTC().Format(time.RFC3339), Bytes: a.Current.Bytes, Metadata: a.Metadata}
			if len(a.Context) > 0 {
				r.Context = &listContext{Custom: a.Context}
			}
			if len(r.Metadata) == 0 {
				r.Metadata = nil
			}
			if a.UpdatedAt.After(newest) {
				newest = a.UpdatedAt
			}
			out.Resources = append(out.Resources, r)
		}
		if page.Next == "" {
			break
		}
		q.After = page.Next
	}
	if len(out.Resources) == 0 {
		return nil, cumulus.Errorf(cumulus.NotFound, op, "Resource not found - %s", req.PublicID)
	}
	out.UpdatedAt = newest.UTC().Format(time.RFC3339)
	body, err := json.Marshal(out)
	if err != nil {
		return nil, cumulus.Wrap(op, err)
	}
	sum := sha256.Sum256(body)
	return &Response{
		Body:          &memBlob{Reader: bytes.NewReader(body), mod: newest},
		ContentType:   "application/json",
		ETag:          `"` + hex.EncodeToString(sum[:16]) + `"`,
		LastModified:  newest,
		CacheControl:  "public, max-age=60",
		SurrogateKeys: []string{env.Cloud, env.Cloud + "/list/" + req.PublicID},
	}, nil
}
