// Package upload implements the semantics of Cloudinary's Upload API:
// authenticating signed requests, choosing public IDs, detecting formats,
// storing originals content-addressed and committing a new version, plus
// destroy, rename, tags and chunked uploads.
//
// The transport (multipart and form parsing, JSON encoding, statuses) is in
// httpapi; this package takes parsed parameters and a spooled file.
package upload

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net/url"
	"os"
	"path"
	"strings"
	"time"

	"github.com/cumulusmedia/cumulus"
	"github.com/cumulusmedia/cumulus/fetch"
	"github.com/cumulusmedia/cumulus/publicid"
	"github.com/cumulusmedia/cumulus/signing"
	"github.com/cumulusmedia/cumulus/sniff"
)

// Config bounds uploads.
type Config struct {
	TempDir        string        // where uploads are spooled and chunks assembled
	MaxImageBytes  int64         // Cloudinary's per-resource-type file size limits
	MaxVideoBytes  int64         //
	MaxRawBytes    int64         //
	MaxImagePixels int64         // width × height × frames, checked from the header
	MaxFrames      int           // frames of an animated image
	ChunkTTL       time.Duration // an unfinished chunked upload is forgotten after this
}

// DefaultConfig returns generous limits for a self-hosted server.
func DefaultConfig() Config {
	return Config{
		TempDir:        os.TempDir(),
		MaxImageBytes:  100 << 20,
		MaxVideoBytes:  2 << 30,
		MaxRawBytes:    2 << 30,
		MaxImagePixels: 100_000_000,
		MaxFrames:      1000,
		ChunkTTL:       24 * time.Hour,
	}
}

// MaxBodyBytes is the largest file any resource type accepts.
func (c Config) MaxBodyBytes() int64 { return max(c.MaxImageBytes, c.MaxVideoBytes, c.MaxRawBytes) }

// Validate reports every mistake in c.
func (c Config) Validate() error {
	var errs []error
	if c.TempDir == "" {
		errs = append(errs, errors.New("upload: TempDir is empty"))
	}
	if c.MaxImageBytes <= 0 || c.MaxVideoBytes <= 0 || c.MaxRawBytes <= 0 {
		errs = append(errs, errors.New("upload: byte limits must be positive"))
	}
	if c.MaxImagePixels <= 0 || c.MaxFrames <= 0 {
		errs = append(errs, errors.New("upload: pixel and frame limits must be positive"))
	}
	return errors.Join(errs...)
}

// URLFunc builds an asset's delivery URLs (http and https) for responses.
type URLFunc func(key cumulus.AssetKey, version int64, format string) (url, secureURL string)

// Service carries out Upload API requests.
type Service struct {
	store  cumulus.AssetStore
	blobs  cumulus.BlobStore
	cfg    Config
	urls   URLFunc
	now    func() time.Time
	chunks *chunks
	// Changed, when set, is called after every committed change to an
	// asset (so caches and CDNs can be told).
	Changed func(key cumulus.AssetKey, invalidate bool)
	// Fetch, when set, downloads remote http(s) files (file=<URL>);
	// without it remote uploads are refused.
	Fetch *fetch.Client
	// Deriver, when set, renders eager transformations.
	Deriver Deriver
	// JobsChanged, when set, is called after a job (eager_async batch,
	// webhook) was queued, so that a worker can start on it at once.
	JobsChanged func()
}

// New returns a Service. now may be nil for time.Now.
func New(store cumulus.AssetStore, blobs cumulus.BlobStore, cfg Config, urls URLFunc, now func() time.Time) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if now == nil {
		now = time.Now
	}
	if err := os.MkdirAll(cfg.TempDir, 0o755); err != nil {
		return nil, err
	}
	return &Service{store: store, blobs: blobs, cfg: cfg, urls: urls, now: now, chunks: newChunks(cfg.TempDir, cfg.ChunkTTL)}, nil
}

// Request is one Upload API call.
type Request struct {
	Env          cumulus.Environment
	ResourceType cumulus.ResourceType // from the path: image, video, raw or auto
	Params       Params
	File         *Spool // the uploaded bytes, nil when none were sent
	// Chunked uploads (upload_large): the X-Unique-Upload-Id and
	// Content-Range headers, empty for a plain upload.
	UploadID     string
	ContentRange string
}

// Authenticate checks a signed request: api_key, a fresh timestamp and the
// signature over the parameters.
func (s *Service) Authenticate(env cumulus.Environment, p Params) error {
	const op = "upload.Authenticate"
	key := p.Get("api_key")
	if key == "" {
		return cumulus.Errorf(cumulus.Invalid, op, "Must supply api_key")
	}
	if key != env.APIKey {
		return cumulus.Errorf(cumulus.Unauthorized, op, "Unknown API key %s", key)
	}
	if p.Get("timestamp") == "" {
		return cumulus.Errorf(cumulus.Invalid, op, "Missing required parameter - timestamp")
	}
	sig := p.Get("signature")
	if sig == "" {
		return cumulus.Errorf(cumulus.Invalid, op, "Missing required parameter - signature")
	}
	if err := signing.CheckTimestamp(p.Get("timestamp"), s.now()); err != nil {
		return err
	}
	if ok, toSign := signing.VerifyParams(toValues(p), env.APISecret, sig); !ok {
		return cumulus.Errorf(cumulus.Unauthorized, op, "Invalid Signature %s. String to sign - '%s'.", sig, toSign)
	}
	return nil
}

// authenticateUpload checks a signed upload, or an unsigned one (no
// signature) through an unsigned upload preset, and applies the settings
// of the preset the request names. For a signed upload the settings fill
// in what the request left out; for an unsigned one they win, the upload
// never overwrites unless the preset says so, and a preset with
// disallow_public_id drops the public_id.
func (s *Service) authenticateUpload(ctx context.Context, env cumulus.Environment, p Params) (Params, error) {
	const op = "upload"
	name := p.Get("upload_preset")
	unsigned := p.Get("signature") == "" && name != ""
	if !unsigned {
		if err := s.Authenticate(env, p); err != nil {
			return nil, err
		}
		if name == "" {
			return p, nil
		}
	}
	preset, err := s.store.UploadPreset(ctx, env.Cloud, name)
	if cumulus.IsNotFound(err) {
		return nil, cumulus.Errorf(cumulus.Invalid, op, "Upload preset %s not found", name)
	}
	if err != nil {
		return nil, cumulus.Wrap(op, err)
	}
	if unsigned && !preset.Unsigned {
		return nil, cumulus.Errorf(cumulus.Invalid, op, "Upload preset must be whitelisted for unsigned uploads")
	}
	out := Params{}
	for k, v := range p {
		out[k] = v
	}
	if unsigned {
		out["overwrite"] = []string{"false"}
		if preset.Settings["disallow_public_id"] == "true" {
			delete(out, "public_id")
		}
	}
	for k, v := range preset.Settings {
		if k == "disallow_public_id" || (!unsigned && out.Has(k)) {
			continue
		}
		for key := range out {
			if strings.HasPrefix(key, k+"[") {
				delete(out, key)
			}
		}
		out[k] = []string{v}
	}
	return out, nil
}

// Upload stores a file under a public ID and returns Cloudinary's response.
// For a chunk of a chunked upload that is not the last one it returns a
// ChunkResult instead.
func (s *Service) Upload(ctx context.Context, req Request) (any, error) {
	const op = "upload"
	params, err := s.authenticateUpload(ctx, req.Env, req.Params)
	if err != nil {
		return nil, err
	}
	req.Params = params
	x, err := parseExtras(req.Params)
	if err != nil {
		return nil, err
	}
	if req.File == nil {
		remote := req.Params.Get("file")
		if remote == "" || req.UploadID != "" || req.ContentRange != "" {
			return nil, cumulus.Errorf(cumulus.Invalid, op, "Missing required parameter - file")
		}
		sp, err := s.fetchRemote(ctx, remote)
		if err != nil {
			return nil, err
		}
		defer sp.Close()
		req.File = sp
	}
	file := req.File
	if req.UploadID != "" || req.ContentRange != "" {
		assembled, progress, err := s.chunks.add(req.Env.Cloud, req.UploadID, req.ContentRange, file)
		if err != nil {
			return nil, err
		}
		if assembled == nil {
			return progress, nil
		}
		defer assembled.Close()
		file = assembled
	}
	r, a, err := s.store1(ctx, req, file)
	if err != nil {
		return nil, err
	}
	if err := s.finish(ctx, req.Env, a, r, x); err != nil {
		return nil, err
	}
	return r, nil
}

// store1 commits one complete file and returns the response and the
// committed asset.
func (s *Service) store1(ctx context.Context, req Request, file *Spool) (*Result, cumulus.Asset, error) {
	const op = "upload"
	p := req.Params
	rt := req.ResourceType
	if rt == cumulus.Auto {
		if explicit := cumulus.ResourceType(p.Get("resource_type")); explicit != "" && explicit != cumulus.Auto {
			rt = explicit
		}
	}
	if rt != cumulus.Auto && !rt.Valid() {
		return nil, cumulus.Asset{}, cumulus.Errorf(cumulus.Invalid, op, "Invalid resource type - %s", rt)
	}
	typ := cumulus.DeliveryType(p.Get("type"))
	if typ == "" {
		typ = cumulus.Upload
	}
	if !typ.Valid() {
		return nil, cumulus.Asset{}, cumulus.Errorf(cumulus.Invalid, op, "Invalid type - %s", typ)
	}
	info := sniff.Detect(file.Head())
	if rt == cumulus.Auto {
		rt = info.ResourceType
	}
	if file.Size() == 0 {
		return nil, cumulus.Asset{}, cumulus.Errorf(cumulus.Invalid, op, "Empty file")
	}
	if err := s.checkSize(rt, file.Size()); err != nil {
		return nil, cumulus.Asset{}, err
	}
	v := cumulus.Version{Bytes: file.Size(), ETag: file.MD5(), BlobKey: "originals/" + file.SHA256()[:2] + "/" + file.SHA256()}
	switch rt {
	case cumulus.Image:
		if info.ResourceType != cumulus.Image {
			return nil, cumulus.Asset{}, cumulus.Errorf(cumulus.Invalid, op, "Invalid image file")
		}
		d, err := sniff.Dimensions(file.File(), file.Size(), info.Format, sniff.Options{MaxPages: s.cfg.MaxFrames})
		if err != nil {
			return nil, cumulus.Asset{}, cumulus.Errorf(cumulus.Invalid, op, "Invalid image file")
		}
		if d.PagesOverLimit {
			return nil, cumulus.Asset{}, cumulus.Errorf(cumulus.Invalid, op, "Too many frames - more than %d", s.cfg.MaxFrames)
		}
		if px := int64(d.Width) * int64(d.Height) * int64(max(d.Pages, 1)); px > s.cfg.MaxImagePixels {
			return nil, cumulus.Asset{}, cumulus.Errorf(cumulus.Invalid, op, "Image is too large - %dx%d with %d frames is %d pixels. Maximum is %d.", d.Width, d.Height, max(d.Pages, 1), px, s.cfg.MaxImagePixels)
		}
		v.Format = string(info.Format)
		v.Width, v.Height = d.Display()
		v.Pages = d.Pages
	case cumulus.Video:
		if info.ResourceType != cumulus.Video {
			return nil, cumulus.Asset{}, cumulus.Errorf(cumulus.Invalid, op, "Invalid video file")
		}
		v.Format = string(info.Format)
	}
	filename := p.Get("filename_override")
	if filename == "" {
		filename = file.Filename
	}
	v.OriginalFilename = strings.TrimSuffix(path.Base(filename), path.Ext(filename))
	if filename == "" {
		v.OriginalFilename = "file"
	}
	useFilename, err := p.Bool("use_filename", false)
	if err != nil {
		return nil, cumulus.Asset{}, err
	}
	unique, err := p.Bool("unique_filename", true)
	if err != nil {
		return nil, cumulus.Asset{}, err
	}
	overwrite, err := p.Bool("overwrite", true)
	if err != nil {
		return nil, cumulus.Asset{}, err
	}
	invalidate, err := p.Bool("invalidate", false)
	if err != nil {
		return nil, cumulus.Asset{}, err
	}
	id, err := publicid.Choose(publicid.Params{
		PublicID: p.Get("public_id"), Folder: p.Get("folder"),
		UseFilename: useFilename, UniqueFilename: unique, Filename: filename,
		KeepExtension: rt == cumulus.Raw,
	}, randomID)
	if err != nil {
		return nil, cumulus.Asset{}, err
	}
	key := cumulus.AssetKey{Cloud: req.Env.Cloud, ResourceType: rt, Type: typ, PublicID: id}

	// Bytes first, durably; then the one metadata transaction. A crash in
	// between leaves an orphan blob for the collector, never a row without
	// bytes.
	if _, err := file.File().Seek(0, io.SeekStart); err != nil {
		return nil, cumulus.Asset{}, cumulus.Wrap(op, err)
	}
	if _, err := s.blobs.Put(ctx, v.BlobKey, file.File()); err != nil {
		return nil, cumulus.Asset{}, cumulus.Wrap(op, err)
	}
	var ctxMap map[string]string
	if p.Has("context") {
		ctxMap = ParseContext(p.Get("context"))
	}
	res, err := s.store.AddVersion(ctx, cumulus.NewVersion{
		AssetKey: key, Version: v, Tags: p.Tags(), Context: ctxMap,
		Overwrite: overwrite, Invalidate: invalidate, Now: s.now(),
	})
	if err != nil {
		return nil, cumulus.Asset{}, cumulus.Wrap(op, err)
	}
	if !res.Existing {
		// The orphan collector may have judged this content unreferenced
		// (an identical file, deleted earlier) between our Put and the
		// commit, and removed it: put it back before answering.
		if _, err := s.blobs.Stat(ctx, v.BlobKey); cumulus.IsNotFound(err) {
			if _, err := file.File().Seek(0, io.SeekStart); err != nil {
				return nil, cumulus.Asset{}, cumulus.Wrap(op, err)
			}
			if _, err := s.blobs.Put(ctx, v.BlobKey, file.File()); err != nil {
				return nil, cumulus.Asset{}, cumulus.Wrap(op, err)
			}
		}
	}
	if !res.Existing && s.Changed != nil {
		s.Changed(key, invalidate)
	}
	out := s.result(req.Env, res.Asset)
	out.Overwritten, out.Existing = res.Overwritten, res.Existing
	return out, res.Asset, nil
}

func (s *Service) checkSize(rt cumulus.ResourceType, n int64) error {
	limit := s.cfg.MaxRawBytes
	switch rt {
	case cumulus.Image:
		limit = s.cfg.MaxImageBytes
	case cumulus.Video:
		limit = s.cfg.MaxVideoBytes
	}
	if n > limit {
		return cumulus.Errorf(cumulus.Invalid, "upload", "File size too large. Got %d. Maximum is %d.", n, limit)
	}
	return nil
}

// Destroy deletes an asset and its versions. The bytes stay until the
// garbage collector finds them unreferenced.
func (s *Service) Destroy(ctx context.Context, env cumulus.Environment, rt cumulus.ResourceType, p Params) (map[string]string, error) {
	if err := s.Authenticate(env, p); err != nil {
		return nil, err
	}
	id := p.Get("public_id")
	if id == "" {
		return nil, cumulus.Errorf(cumulus.Invalid, "destroy", "Missing required parameter - public_id")
	}
	key, err := assetKey(env, rt, p.Get("type"), id)
	if err != nil {
		return nil, err
	}
	invalidate, _ := p.Bool("invalidate", false)
	if _, err := s.store.DeleteAsset(ctx, key, invalidate); cumulus.IsNotFound(err) {
		return map[string]string{"result": "not found"}, nil
	} else if err != nil {
		return nil, cumulus.Wrap("destroy", err)
	}
	if s.Changed != nil {
		s.Changed(key, invalidate)
	}
	return map[string]string{"result": "ok"}, nil
}

// Rename moves an asset to another public ID and, optionally, type.
func (s *Service) Rename(ctx context.Context, env cumulus.Environment, rt cumulus.ResourceType, p Params) (*Result, error) {
	const op = "rename"
	if err := s.Authenticate(env, p); err != nil {
		return nil, err
	}
	fromID, toID := p.Get("from_public_id"), p.Get("to_public_id")
	if fromID == "" {
		return nil, cumulus.Errorf(cumulus.Invalid, op, "Missing required parameter - from_public_id")
	}
	if toID == "" {
		return nil, cumulus.Errorf(cumulus.Invalid, op, "Missing required parameter - to_public_id")
	}
	from, err := assetKey(env, rt, p.Get("type"), fromID)
	if err != nil {
		return nil, err
	}
	toType := p.Get("to_type")
	if toType == "" {
		toType = string(from.Type)
	}
	to, err := assetKey(env, rt, toType, toID)
	if err != nil {
		return nil, err
	}
	overwrite, err := p.Bool("overwrite", false)
	if err != nil {
		return nil, err
	}
	invalidate, _ := p.Bool("invalidate", false)
	a, err := s.store.RenameAsset(ctx, from, to, overwrite, invalidate, s.now())
	if err != nil {
		return nil, cumulus.Wrap(op, err)
	}
	if s.Changed != nil {
		s.Changed(from, invalidate)
		s.Changed(to, invalidate)
	}
	return s.result(env, a), nil
}

// Tags runs the tags endpoint: add, remove, replace or remove_all.
func (s *Service) Tags(ctx context.Context, env cumulus.Environment, rt cumulus.ResourceType, p Params) (map[string][]string, error) {
	const op = "tags"
	if err := s.Authenticate(env, p); err != nil {
		return nil, err
	}
	cmd := cumulus.TagCommand(p.Get("command"))
	var tags []string
	switch cmd {
	case cumulus.TagAdd, cumulus.TagRemove, cumulus.TagReplace:
		tags = dedupe(p.List("tag"))
		if len(tags) == 0 && cmd != cumulus.TagReplace {
			return nil, cumulus.Errorf(cumulus.Invalid, op, "Missing required parameter - tag")
		}
	case cumulus.TagRemoveAll:
	case "set_exclusive":
		return nil, cumulus.Errorf(cumulus.Invalid, op, "Exclusive tags are not supported")
	case "":
		return nil, cumulus.Errorf(cumulus.Invalid, op, "Missing required parameter - command")
	default:
		return nil, cumulus.Errorf(cumulus.Invalid, op, "Invalid command - %s", cmd)
	}
	ids := p.List("public_ids")
	if len(ids) == 0 {
		return nil, cumulus.Errorf(cumulus.Invalid, op, "Missing required parameter - public_ids")
	}
	keys := make([]cumulus.AssetKey, 0, len(ids))
	for _, id := range ids {
		k, err := assetKey(env, rt, p.Get("type"), id)
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	found, err := s.store.UpdateTags(ctx, keys, cmd, tags, s.now())
	if err != nil {
		return nil, cumulus.Wrap(op, err)
	}
	return map[string][]string{"public_ids": found}, nil
}

func assetKey(env cumulus.Environment, rt cumulus.ResourceType, typ, id string) (cumulus.AssetKey, error) {
	if rt == cumulus.Auto || rt == "" {
		rt = cumulus.Image
	}
	if !rt.Valid() {
		return cumulus.AssetKey{}, cumulus.Errorf(cumulus.Invalid, "upload", "Invalid resource type - %s", rt)
	}
	t := cumulus.DeliveryType(typ)
	if t == "" {
		t = cumulus.Upload
	}
	if !t.Valid() {
		return cumulus.AssetKey{}, cumulus.Errorf(cumulus.Invalid, "upload", "Invalid type - %s", typ)
	}
	id, err := publicid.Normalize(id)
	if err != nil {
		return cumulus.AssetKey{}, err
	}
	return cumulus.AssetKey{Cloud: env.Cloud, ResourceType: rt, Type: t, PublicID: id}, nil
}

const idAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

// randomID returns n random characters of [a-z0-9], like Cloudinary's
// generated public IDs.
func randomID(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = idAlphabet[int(b[i])%len(idAlphabet)]
	}
	return string(b)
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

func toValues(p Params) url.Values { return url.Values(p) }
