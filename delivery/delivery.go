// Package delivery implements the semantics of delivery URLs: authorize the
// request (delivery type and signature), resolve the asset and the version
// the URL names, and describe the response (bytes and caching headers).
// The transport that writes it is httpapi.
package delivery

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"path"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/cumulusmedia/cumulus"
	"github.com/cumulusmedia/cumulus/deliveryurl"
	"github.com/cumulusmedia/cumulus/signing"
	"github.com/cumulusmedia/cumulus/sniff"
	"github.com/cumulusmedia/cumulus/svgsafe"
	"github.com/cumulusmedia/cumulus/transform"
	"golang.org/x/sync/semaphore"
	"golang.org/x/sync/singleflight"
)

// Config holds the caching policy.
type Config struct {
	// MaxAge is how long a URL without an exact version may be cached
	// (Cloudinary's CDN keeps derived assets for a month).
	MaxAge time.Duration
	// ErrorMaxAge is how long an error may be cached; 0 means no-store.
	ErrorMaxAge time.Duration
	// CacheTTL bounds how long an asset lookup is kept in memory when no
	// change notification drops it; 0 turns the cache off.
	CacheTTL time.Duration
	// CacheEntries bounds the number of cached lookups.
	CacheEntries int
	// Limits bound transformations.
	Limits transform.Limits
	// RenderTimeout bounds one rendition.
	RenderTimeout time.Duration
	// Proxies keeps reduced copies of large originals and renders from
	// them when they suffice (see render.MakeProxies).
	Proxies bool
	// SourceBytes bounds the bytes of originals that renders in flight
	// hold in memory (read, waiting for a worker, or rendering); a render
	// reserves its original's size (at most SourceBytes) before reading.
	// 0 means no bound.
	SourceBytes int64
	// SourceWaiters bounds the renders waiting for that budget; more are
	// refused at once with 503, as a full render queue is.
	SourceWaiters int
}

// DefaultConfig returns Cloudinary's caching behaviour.
func DefaultConfig() Config {
	return Config{MaxAge: 30 * 24 * time.Hour, CacheTTL: time.Minute, CacheEntries: 100_000,
		Limits: transform.DefaultLimits(), RenderTimeout: 60 * time.Second, Proxies: true,
		SourceBytes: 64 << 20, SourceWaiters: 256}
}

// Validate reports every mistake in c.
func (c Config) Validate() error {
	var errs []error
	if c.MaxAge < 0 {
		errs = append(errs, errors.New("delivery: MaxAge must not be negative"))
	}
	if c.RenderTimeout <= 0 {
		errs = append(errs, errors.New("delivery: RenderTimeout must be positive"))
	}
	if c.CacheTTL > 0 && c.CacheEntries <= 0 {
		errs = append(errs, errors.New("delivery: CacheEntries must be positive when the cache is on"))
	}
	if c.ErrorMaxAge < 0 {
		errs = append(errs, errors.New("delivery: ErrorMaxAge must not be negative"))
	}
	if c.SourceBytes < 0 || c.SourceBytes > 0 && c.SourceWaiters <= 0 {
		errs = append(errs, errors.New("delivery: SourceBytes must not be negative, and SourceWaiters must be positive with it"))
	}
	return errors.Join(errs...)
}

// Service resolves delivery requests.
type Service struct {
	store   cumulus.AssetStore
	blobs   cumulus.BlobStore
	render  Renderer
	cfg     Config
	cache   *assetCache
	renders singleflight.Group
	// sources is the budget of Config.SourceBytes; waiting counts the
	// renders queued for it.
	sources *semaphore.Weighted
	waiting atomic.Int64
}

// New returns a Service that renders derivatives with r.
func New(store cumulus.AssetStore, blobs cumulus.BlobStore, r Renderer, cfg Config) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &Service{store: store, blobs: blobs, render: r, cfg: cfg, cache: newAssetCache(cfg.CacheTTL, cfg.CacheEntries)}
	if cfg.SourceBytes > 0 {
		s.sources = semaphore.NewWeighted(cfg.SourceBytes)
	}
	if w, ok := store.(cumulus.ChangeWatcher); ok {
		w.WatchChanges(s.cache.drop)
	} else {
		// Without change notifications a cached answer could outlive a write.
		s.cache.ttl = 0
	}
	return s, nil
}

// Response is what to send. The caller must Close Body.
type Response struct {
	Body         cumulus.Blob
	ContentType  string
	ETag         string // quoted
	LastModified time.Time
	CacheControl string
	Vary         string // "Accept" when the format was negotiated
	Attachment   string // a file name: send as Content-Disposition: attachment
	Warning      string // X-Cld-Error of a successful response (a default image)
	// Asset is the asset the response shows (empty for lists): a cached
	// copy of the response is valid until that asset changes.
	Asset cumulus.AssetKey
	// SurrogateKeys name the environment and the asset, so a CDN can purge
	// every URL of an asset at once.
	SurrogateKeys []string
	// Rendered is set when the body was rendered for this request (or one
	// it waited for) rather than read from the derivative cache.
	Rendered bool
}

// Client is what a request says about its client that a rendition may
// depend on.
type Client struct {
	Accept string // the Accept header, for f_auto
	Width  string // the Sec-CH-Width (or Width) client hint, for w_auto
}

// Deliver resolves a parsed delivery path in env.
func (s *Service) Deliver(ctx context.Context, env cumulus.Environment, req deliveryurl.Request, client Client) (*Response, error) {
	const op = "deliver"
	if req.Signature != "" && !signing.CheckURLSignature(req.Signature, env.APISecret, req.SigningCandidates()) {
		return nil, cumulus.Errorf(cumulus.Unauthorized, op, "Invalid signature %s", req.Signature)
	}
	switch req.Type {
	case cumulus.Upload, cumulus.Private, cumulus.Authenticated:
	case deliveryurl.ListType:
		return s.list(ctx, env, req)
	default:
		return nil, cumulus.Errorf(cumulus.NotFound, op, "Delivery type %s is not supported", req.Type)
	}
	if req.Type == cumulus.Authenticated && req.Signature == "" {
		return nil, cumulus.Errorf(cumulus.Unauthorized, op, "Authenticated resources need a signed URL - %s", req.PublicID)
	}
	a, req, err := s.find(ctx, env, req)
	if cumulus.IsNotFound(err) && req.Transformation != "" {
		return s.deliverDefault(ctx, env, req, client, err)
	}
	if err != nil {
		return nil, err
	}
	v, exact := s.resolveVersion(ctx, a, req)
	original := req.Transformation == "" && (req.Format == "" || sameFormat(req.Format, v.Format))
	if req.Type == cumulus.Private && req.Signature == "" && original {
		return nil, cumulus.Errorf(cumulus.Unauthorized, op, "Private resources need a signed URL - %s", req.PublicID)
	}
	var resp *Response
	if original {
		body, err := s.blobs.Get(ctx, v.BlobKey)
		if cumulus.IsNotFound(err) {
			// A version whose bytes are gone (removed behind the server's
			// back): say what the client asked for, not what is missing inside.
			return nil, &cumulus.Error{Kind: cumulus.NotFound, Op: op, Message: "Resource not found - " + req.PublicID, Err: err}
		}
		if err != nil {
			return nil, cumulus.Wrap(op, err)
		}
		resp = &Response{Body: body, ContentType: contentType(a, v), ETag: `"` + v.ETag + `"`, LastModified: v.CreatedAt}
		if resp.ContentType == "image/svg+xml" {
			if resp.Body, err = sanitizedSVG(body, v.CreatedAt); err != nil {
				return nil, err
			}
		}
	} else {
		if a.ResourceType != cumulus.Image {
			return nil, cumulus.Errorf(cumulus.Invalid, op, "Transformations of %s resources are not supported", a.ResourceType)
		}
		p, err := s.makePlan(ctx, env, a, v, req.Transformation, req.Format, client)
		if err != nil {
			return nil, err
		}
		p.strictOK = p.strictOK || req.Signature != ""
		if resp, err = s.derive(ctx, env, a, v, p); err != nil {
			return nil, err
		}
	}
	resp.CacheControl = s.cacheControl(env, exact)
	resp.SurrogateKeys = []string{env.Cloud, env.Cloud + "/" + a.ID}
	resp.Asset = a.AssetKey
	return resp, nil
}

// deliverDefault answers a missing asset whose URL names a default image
// (d_): the default image with the same transformations, status 200, and
// X-Cld-Error saying what was missing.
func (s *Service) deliverDefault(ctx context.Context, env cumulus.Environment, req deliveryurl.Request, client Client, notFound error) (*Response, error) {
	chain, err := transform.ParseWithLimits(req.Transformation, s.cfg.Limits)
	if err != nil {
		return nil, err
	}
	id := defaultImage(chain)
	if id == "" {
		return nil, notFound
	}
	key := cumulus.AssetKey{Cloud: env.Cloud, ResourceType: cumulus.Image, Type: cumulus.Upload, PublicID: id}
	d, err := s.asset(ctx, key)
	if cumulus.IsNotFound(err) {
		// d_avatar.png names the public ID "avatar" in png.
		if ext := path.Ext(id); ext != "" {
			key.PublicID = strings.TrimSuffix(id, ext)
			d, err = s.asset(ctx, key)
		}
	}
	if err != nil {
		if cumulus.IsNotFound(err) {
			return nil, cumulus.Errorf(cumulus.NotFound, "deliver", "Resource not found - %s (and its default image %s)", req.PublicID, id)
		}
		return nil, err
	}
	p, err := s.makePlan(ctx, env, d, d.Current, req.Transformation, req.Format, client)
	if err != nil {
		return nil, err
	}
	p.strictOK = p.strictOK || req.Signature != ""
	resp, err := s.derive(ctx, env, d, d.Current, p)
	if err != nil {
		return nil, err
	}
	resp.Warning = cumulus.PublicMessage(notFound) + " - the default image " + id + " was delivered instead"
	// Short: the asset may be uploaded soon under this very URL.
	resp.CacheControl = "public, max-age=60"
	resp.SurrogateKeys = []string{env.Cloud, env.Cloud + "/" + d.ID}
	return resp, nil
}

// resolveVersion picks the version a URL names: an exact stored version
// (our extension, served forever), else the current one.
func (s *Service) resolveVersion(ctx context.Context, a cumulus.Asset, req deliveryurl.Request) (cumulus.Version, bool) {
	if !req.HasVersion {
		return a.Current, false
	}
	if req.Version == a.Current.Version {
		return a.Current, true
	}
	if old, ok := s.version(ctx, a.AssetKey, req.Version); ok {
		return old, true
	}
	return a.Current, false
}

func (s *Service) cacheControl(env cumulus.Environment, exact bool) string {
	if exact {
		return "public, max-age=31536000, immutable"
	}
	age := s.cfg.MaxAge
	if env.Settings.CacheMaxAge > 0 {
		age = env.Settings.CacheMaxAge
	}
	return "public, max-age=" + strconv.Itoa(int(age/time.Second))
}

// find looks the asset up, trying the other readings of an ambiguous path:
// a public ID that contains a dot ("my.file.jpg"), and a root path whose
// last segment is an SEO suffix.
func (s *Service) find(ctx context.Context, env cumulus.Environment, req deliveryurl.Request) (cumulus.Asset, deliveryurl.Request, error) {
	key := cumulus.AssetKey{Cloud: env.Cloud, ResourceType: req.ResourceType, Type: req.Type, PublicID: req.PublicID}
	a, err := s.asset(ctx, key)
	if err == nil || !cumulus.IsNotFound(err) {
		return a, req, err
	}
	if req.Format != "" {
		k := key
		k.PublicID += "." + req.Format
		if a, err2 := s.asset(ctx, k); err2 == nil {
			req.PublicID, req.Format = k.PublicID, ""
			return a, req, nil
		}
	}
	if alt, ok := req.SuffixAlternative(); ok {
		k := key
		k.PublicID = alt.PublicID
		if a, err2 := s.asset(ctx, k); err2 == nil {
			return a, alt, nil
		}
	}
	return a, req, cumulus.Errorf(cumulus.NotFound, "deliver", "Resource not found - %s", req.PublicID)
}

// asset looks an asset up through the cache.
func (s *Service) asset(ctx context.Context, key cumulus.AssetKey) (cumulus.Asset, error) {
	if e, ok := s.cache.get(ctx, key); ok {
		return e.asset, e.err
	}
	a, err := s.store.Asset(ctx, key)
	if err == nil || cumulus.IsNotFound(err) {
		s.cache.put(key, cacheEntry{asset: a, err: err})
	}
	return a, err
}

// version returns version n of an asset, through the cache.
func (s *Service) version(ctx context.Context, key cumulus.AssetKey, n int64) (cumulus.Version, bool) {
	e, ok := s.cache.get(ctx, key)
	vs := e.versions
	if !ok || vs == nil {
		var err error
		if vs, err = s.store.Versions(ctx, key); err != nil {
			return cumulus.Version{}, false
		}
		if ok {
			e.versions = vs
			s.cache.put(key, e)
		}
	}
	for _, v := range vs {
		if v.Version == n {
			return v, true
		}
	}
	return cumulus.Version{}, false
}

func sameFormat(a, b string) bool {
	norm := func(f string) string {
		f = strings.ToLower(f)
		switch f {
		case "jpeg", "jpe":
			return "jpg"
		case "tif":
			return "tiff"
		}
		return f
	}
	return norm(a) == norm(b)
}

func contentType(a cumulus.Asset, v cumulus.Version) string {
	if v.Format != "" {
		return sniff.Format(v.Format).MIME()
	}
	if t := mime.TypeByExtension(path.Ext(a.PublicID)); t != "" {
		return t
	}
	return "application/octet-stream"
}

// maxSVGBytes bounds the SVG originals sanitized in memory on delivery.
const maxSVGBytes = 16 << 20

// sanitizedSVG reads an SVG original and returns it without scripts,
// handlers or external references (package svgsafe), closing b. A file
// that is not well-formed SVG, or too large, is refused rather than served.
func sanitizedSVG(b cumulus.Blob, mod time.Time) (cumulus.Blob, error) {
	defer b.Close()
	if b.Size() > maxSVGBytes {
		return nil, cumulus.Errorf(cumulus.Invalid, "deliver", "SVG file too large to deliver - %d bytes (maximum %d)", b.Size(), maxSVGBytes)
	}
	raw, err := io.ReadAll(io.LimitReader(b, maxSVGBytes))
	if err != nil {
		return nil, cumulus.Wrap("deliver", err)
	}
	clean, err := svgsafe.Sanitize(raw)
	if err != nil {
		return nil, &cumulus.Error{Kind: cumulus.Invalid, Op: "deliver", Message: "Invalid SVG file", Err: err}
	}
	return &memBlob{Reader: bytes.NewReader(clean), mod: mod}, nil
}
