package upload

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"strings"

	"github.com/cumulusmedia/cumulus"
	"github.com/cumulusmedia/cumulus/notify"
	"github.com/cumulusmedia/cumulus/transform"
)

// KindEager is the job kind of an eager_async rendition batch.
const KindEager = "eager"

// Deriver renders eager transformations; delivery.Service is one.
type Deriver interface {
	Eager(ctx context.Context, env cumulus.Environment, a cumulus.Asset, transformation, format string) (cumulus.Derivative, error)
}

// EagerItem is one entry of the eager parameter: a transformation and,
// optionally, the extension of the rendition.
type EagerItem struct {
	Transformation string
	Format         string
}

// String is the item as the wire spells it: "<transformation>[/<ext>]".
func (e EagerItem) String() string {
	switch {
	case e.Format == "":
		return e.Transformation
	case e.Transformation == "":
		return e.Format
	}
	return e.Transformation + "/" + e.Format
}

// ParseEager splits the eager parameter: items separated by '|', each a
// transformation optionally followed by "/<ext>". The last segment is an
// extension when it is a plain lower-case word (transformation components
// always hold an underscore). Every transformation must parse.
func ParseEager(s string) ([]EagerItem, error) {
	var out []EagerItem
	for _, raw := range strings.Split(s, "|") {
		raw = strings.Trim(strings.TrimSpace(raw), "/")
		if raw == "" {
			continue
		}
		item := EagerItem{Transformation: raw}
		last := raw[strings.LastIndexByte(raw, '/')+1:]
		if isExtension(last) {
			item.Format = last
			item.Transformation = strings.TrimSuffix(strings.TrimSuffix(raw, last), "/")
		}
		if item.Transformation != "" {
			if _, err := transform.Parse(item.Transformation); err != nil {
				return nil, err
			}
		}
		out = append(out, item)
	}
	if len(out) > 50 {
		return nil, cumulus.Errorf(cumulus.Invalid, "upload", "Too many eager transformations - %d. Maximum is 50.", len(out))
	}
	return out, nil
}

func isExtension(s string) bool {
	if s == "" || len(s) > 8 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z') && !(r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// EagerResult is one rendition in the eager array of a response or an
// eager notification. Status and BatchID are set only on the immediate
// answer of an eager_async request.
type EagerResult struct {
	Transformation string `json:"transformation"`
	Width          int    `json:"width,omitempty"`
	Height         int    `json:"height,omitempty"`
	Bytes          int64  `json:"bytes,omitempty"`
	Format         string `json:"format,omitempty"`
	URL            string `json:"url"`
	SecureURL      string `json:"secure_url"`
	Status         string `json:"status,omitempty"`
	BatchID        string `json:"batch_id,omitempty"`
}

// eagerURLs builds the delivery URLs of a rendition: the asset's URL with
// the transformation before the version and the rendition's extension.
func (s *Service) eagerURLs(a cumulus.Asset, item EagerItem) (string, string) {
	if s.urls == nil {
		return "", ""
	}
	format := item.Format
	if format == "" {
		format = a.Current.Format
	}
	u, su := s.urls(a.AssetKey, a.Current.Version, format)
	if item.Transformation == "" {
		return u, su
	}
	marker := "/" + string(a.Type) + "/v"
	ins := func(u string) string {
		if i := strings.Index(u, marker); i >= 0 {
			return u[:i+len(marker)-1] + item.Transformation + "/" + u[i+len(marker)-1:]
		}
		return u
	}
	return ins(u), ins(su)
}

// renderEager renders every item now.
func (s *Service) renderEager(ctx context.Context, env cumulus.Environment, a cumulus.Asset, items []EagerItem) ([]EagerResult, error) {
	if s.Deriver == nil {
		return nil, cumulus.Errorf(cumulus.Invalid, "upload", "Eager transformations are not available on this server")
	}
	out := make([]EagerResult, 0, len(items))
	for _, item := range items {
		d, err := s.Deriver.Eager(ctx, env, a, item.Transformation, item.Format)
		if err != nil {
			return nil, err
		}
		r := EagerResult{Transformation: item.String(), Width: d.Width, Height: d.Height, Bytes: d.Bytes, Format: d.Format}
		r.URL, r.SecureURL = s.eagerURLs(a, item)
		out = append(out, r)
	}
	return out, nil
}

// eagerJob is the payload of an eager_async job.
type eagerJob struct {
	Key       cumulus.AssetKey `json:"key"`
	Items     []string         `json:"items"`
	NotifyURL string           `json:"notify_url,omitempty"`
	BatchID   string           `json:"batch_id"`
}

// enqueueEager records an eager_async batch and returns the immediate
// answer's eager array (status "processing").
func (s *Service) enqueueEager(ctx context.Context, a cumulus.Asset, items []EagerItem, notifyURL string) ([]EagerResult, error) {
	var b [16]byte
	rand.Read(b[:])
	job := eagerJob{Key: a.AssetKey, NotifyURL: notifyURL, BatchID: hex.EncodeToString(b[:])}
	out := make([]EagerResult, 0, len(items))
	for _, item := range items {
		job.Items = append(job.Items, item.String())
		r := EagerResult{Transformation: item.String(), Status: "processing", BatchID: job.BatchID}
		r.URL, r.SecureURL = s.eagerURLs(a, item)
		out = append(out, r)
	}
	payload, _ := json.Marshal(job)
	if _, err := s.store.EnqueueJob(ctx, KindEager, payload, s.now()); err != nil {
		return nil, cumulus.Wrap("upload.eager", err)
	}
	s.wake()
	return out, nil
}

// EagerNotification is the body of the webhook sent when an eager_async
// batch is done (notification_type "eager").
type EagerNotification struct {
	NotificationType string        `json:"notification_type"`
	Eager            []EagerResult `json:"eager"`
	BatchID          string        `json:"batch_id"`
	AssetID          string        `json:"asset_id"`
	PublicID         string        `json:"public_id"`
	Version          int64         `json:"version"`
	ResourceType     string        `json:"resource_type"`
	Type             string        `json:"type"`
}

// HandleEagerJob renders an eager_async batch for the asset's current
// version and, when a URL was given, queues the eager notification. It is
// a notify.Handler; rendering is idempotent, so a repeated job only finds
// its renditions already stored.
func (s *Service) HandleEagerJob(ctx context.Context, job cumulus.Job) error {
	var j eagerJob
	if err := json.Unmarshal(job.Payload, &j); err != nil {
		return notify.Permanent(err)
	}
	env, err := s.store.Environment(ctx, j.Key.Cloud)
	if err != nil {
		if cumulus.IsNotFound(err) {
			return notify.Permanent(err)
		}
		return err
	}
	a, err := s.store.Asset(ctx, j.Key)
	if err != nil {
		if cumulus.IsNotFound(err) {
			return notify.Permanent(err) // deleted meanwhile: nothing to render
		}
		return err
	}
	items, err := ParseEager(strings.Join(j.Items, "|"))
	if err != nil {
		return notify.Permanent(err)
	}
	results, err := s.renderEager(ctx, env, a, items)
	if err != nil {
		if cumulus.KindOf(err) == cumulus.Invalid {
			return notify.Permanent(err)
		}
		return err
	}
	if j.NotifyURL == "" {
		return nil
	}
	body := EagerNotification{NotificationType: "eager", Eager: results, BatchID: j.BatchID, AssetID: a.ID,
		PublicID: a.PublicID, Version: a.Current.Version, ResourceType: string(a.ResourceType), Type: string(a.Type)}
	if err := notify.Enqueue(ctx, s.store, env.Cloud, j.NotifyURL, body, s.now()); err != nil {
		return err
	}
	s.wake()
	return nil
}

func (s *Service) wake() {
	if s.JobsChanged != nil {
		s.JobsChanged()
	}
}
