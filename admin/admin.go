// Package admin implements the semantics of Cloudinary's Admin API:
// credentials, rate limits, listings with stable cursors, resource details
// and updates, deletes, tags, folders, search, named transformations,
// upload presets and restoring earlier versions.
//
// The transport (routing, parsing the SDKs' encodings, statuses, headers)
// is in httpapi; this package takes typed parameters and returns result
// structs whose JSON the official SDKs decode.
package admin

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"time"

	"github.com/cumulusmedia/cumulus"
)

// Config configures the Admin API.
type Config struct {
	// RateLimit is the number of Admin API requests an environment may
	// make per clock hour (Cloudinary's free plan allows 500).
	RateLimit int64
	// MaxImageBytes, MaxVideoBytes, MaxRawBytes and MaxImagePixels are
	// reported by the usage endpoint as media limits.
	MaxImageBytes, MaxVideoBytes, MaxRawBytes, MaxImagePixels int64
}

// DefaultConfig returns Cloudinary's free-plan rate limit.
func DefaultConfig() Config {
	return Config{RateLimit: 500, MaxImageBytes: 100 << 20, MaxVideoBytes: 2 << 30, MaxRawBytes: 2 << 30, MaxImagePixels: 100_000_000}
}

// Validate reports every mistake in c.
func (c Config) Validate() error {
	if c.RateLimit <= 0 {
		return errors.New("admin: RateLimit must be positive")
	}
	return nil
}

// URLFunc builds an asset's delivery URLs (http and https).
type URLFunc func(key cumulus.AssetKey, version int64, format string) (url, secureURL string)

// Service carries out Admin API requests.
type Service struct {
	store cumulus.AssetStore
	cfg   Config
	urls  URLFunc
	now   func() time.Time
	// Changed, when set, is called after every committed change to an
	// asset (so caches and CDNs can be told).
	Changed func(key cumulus.AssetKey, invalidate bool)
}

// New returns a Service. now may be nil for time.Now; urls may be nil.
func New(store cumulus.AssetStore, cfg Config, urls URLFunc, now func() time.Time) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if now == nil {
		now = time.Now
	}
	return &Service{store: store, cfg: cfg, urls: urls, now: now}, nil
}

// Authenticate checks HTTP Basic credentials against env. ok is false when
// the request carried none.
func (s *Service) Authenticate(env cumulus.Environment, key, secret string, ok bool) error {
	const op = "admin.Authenticate"
	if !ok || key == "" {
		return cumulus.Errorf(cumulus.Unauthorized, op, "Must supply api_key")
	}
	if subtle.ConstantTimeCompare([]byte(key), []byte(env.APIKey)) != 1 {
		return cumulus.Errorf(cumulus.Unauthorized, op, "Unknown API key %s", key)
	}
	if subtle.ConstantTimeCompare([]byte(secret), []byte(env.APISecret)) != 1 {
		return cumulus.Errorf(cumulus.Unauthorized, op, "api_secret mismatch")
	}
	return nil
}

// RateLimit is the state of an environment's hourly Admin API budget,
// for the X-FeatureRateLimit-* headers.
type RateLimit struct {
	Limit     int64
	Remaining int64
	Reset     time.Time // start of the next window
}

// Allow counts one request of env in the current hour. It returns the
// budget left and, when the budget is spent, an error of kind RateLimited
// (HTTP 420) with Cloudinary's message.
func (s *Service) Allow(ctx context.Context, env cumulus.Environment) (RateLimit, error) {
	window := s.now().UTC().Truncate(time.Hour)
	rl := RateLimit{Limit: s.cfg.RateLimit, Reset: window.Add(time.Hour)}
	if env.Settings.AdminRateLimit > 0 {
		rl.Limit = env.Settings.AdminRateLimit
	}
	n, err := s.store.CountRequest(ctx, env.Cloud, window)
	if err != nil {
		return rl, cumulus.Wrap("admin.Allow", err)
	}
	rl.Remaining = max(0, rl.Limit-n)
	if n > rl.Limit {
		return rl, cumulus.Errorf(cumulus.RateLimited, "admin.Allow", "Rate Limit Exceeded")
	}
	return rl, nil
}

// Ping answers the ping endpoint.
func (s *Service) Ping() map[string]string { return map[string]string{"status": "ok"} }

// ResourceTypes answers GET resources.
func (s *Service) ResourceTypes() map[string][]string {
	return map[string][]string{"resource_types": {"image", "raw", "video"}}
}

// UsageResult is the usage endpoint's answer (Go SDK admin.UsageResult).
type UsageResult struct {
	Plan             string      `json:"plan"`
	LastUpdated      string      `json:"last_updated"`
	Transformations  usageCount  `json:"transformations"`
	Objects          usageCount  `json:"objects"`
	Bandwidth        usageCount  `json:"bandwidth"`
	Storage          usageCount  `json:"storage"`
	Credits          usageCredit `json:"credits"`
	Requests         int64       `json:"requests"`
	Resources        int64       `json:"resources"`
	DerivedResources int64       `json:"derived_resources"`
	MediaLimits      mediaLimits `json:"media_limits"`
}

type usageCount struct {
	Usage        int64   `json:"usage"`
	CreditsUsage float64 `json:"credits_usage"`
	Limit        int64   `json:"limit"`
	UsedPercent  float64 `json:"used_percent"`
}

type usageCredit struct {
	Usage float64 `json:"usage"`
}

type mediaLimits struct {
	ImageMaxSizeBytes int64 `json:"image_max_size_bytes"`
	VideoMaxSizeBytes int64 `json:"video_max_size_bytes"`
	RawMaxSizeBytes   int64 `json:"raw_max_size_bytes"`
	ImageMaxPx        int64 `json:"image_max_px"`
	AssetMaxTotalPx   int64 `json:"asset_max_total_px"`
}

// Usage answers GET usage: what the environment stores. Limits are 0
// (none); derived counts are 0 until derivatives are recorded.
func (s *Service) Usage(ctx context.Context, env cumulus.Environment) (*UsageResult, error) {
	u, err := s.store.Usage(ctx, env.Cloud)
	if err != nil {
		return nil, cumulus.Wrap("admin.Usage", err)
	}
	now := s.now().UTC()
	r := &UsageResult{Plan: "Cumulus", LastUpdated: now.Format("2006-01-02"), Resources: u.Resources}
	r.Objects.Usage = u.Versions
	r.Storage.Usage = u.StorageBytes
	r.MediaLimits = mediaLimits{s.cfg.MaxImageBytes, s.cfg.MaxVideoBytes, s.cfg.MaxRawBytes, s.cfg.MaxImagePixels, s.cfg.MaxImagePixels}
	return r, nil
}

const nameAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

// randomName returns a preset name like Cloudinary's generated ones.
func randomName() string {
	b := make([]byte, 8)
	rand.Read(b)
	for i := range b {
		b[i] = nameAlphabet[int(b[i])%len(nameAlphabet)]
	}
	return string(b)
}
