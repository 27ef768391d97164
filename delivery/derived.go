package delivery

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"math"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/cumulusmedia/cumulus"
	"github.com/cumulusmedia/cumulus/render"
	"github.com/cumulusmedia/cumulus/sniff"
	"github.com/cumulusmedia/cumulus/transform"
)

// Renderer produces renditions and proxies; render.Renderer is the
// implementation.
type Renderer interface {
	Render(ctx context.Context, in render.Input) (render.Output, error)
	MakeProxies(ctx context.Context, src render.Source) ([]render.Proxy, error)
}

// NamedTransformations is the optional store capability that resolves t_
// names.
type NamedTransformations interface {
	NamedTransformation(ctx context.Context, cloud, name string) (transformation string, allowedForStrict bool, err error)
}

// plan is a parsed, expanded transformation with its output format: what
// a derivative is keyed by.
type plan struct {
	chain     transform.Chain
	canonical string
	format    string
	vary      []string // request headers the rendition depends on
	// strictOK: the rendition may be created even under strict
	// transformations (the URL is signed, or it names only named
	// transformations marked allowed_for_strict).
	strictOK bool
}

// makePlan parses and expands the transformation of a request and picks
// the output format.
func (s *Service) makePlan(ctx context.Context, env cumulus.Environment, a cumulus.Asset, v cumulus.Version, rawTransformation, ext string, client Client) (plan, error) {
	srcFormat := v.Format
	chain, err := transform.ParseWithLimits(rawTransformation, s.cfg.Limits)
	if err != nil {
		return plan{}, err
	}
	strictOK := onlyNamed(chain)
	if nt, ok := s.store.(NamedTransformations); ok && hasNamed(chain) {
		chain, err = chain.ExpandWithLimits(func(name string) (string, bool) {
			t, allowed, err := nt.NamedTransformation(ctx, env.Cloud, name)
			strictOK = strictOK && allowed && err == nil
			return t, err == nil
		}, s.cfg.Limits)
	} else if hasNamed(chain) {
		chain, err = chain.Expand(func(string) (string, bool) { return "", false })
	}
	if err != nil {
		return plan{}, err
	}
	hinted := resolveAutoWidth(chain, client.Width)
	// Conditions are decided here, on what is known of the original; the
	// derivative stays keyed (and listed) by the transformation as asked,
	// as on Cloudinary.
	canonical := chain.String()
	chain, err = chain.Resolve(transform.Facts{Width: v.Width, Height: v.Height, Pages: v.Pages, Tags: a.Tags, Context: a.Context})
	if err != nil {
		return plan{}, err
	}
	if err := chain.CheckSupported(); err != nil {
		return plan{}, err
	}
	format, negotiated, err := render.OutputFormat(chain, ext, srcFormat, mayHaveAlpha(srcFormat), client.Accept)
	if err != nil {
		return plan{}, err
	}
	p := plan{chain: chain, canonical: canonical, format: format, strictOK: strictOK}
	if negotiated {
		p.vary = append(p.vary, "Accept")
	}
	if hinted {
		p.vary = append(p.vary, "Sec-CH-Width", "Width")
	}
	return p, nil
}

// resolveAutoWidth turns w_auto[:step[:fallback]] into pixels before
// rendering (Cloudinary's automatic width): the client's width hint rounded
// up to the step (default 100), else the fallback width, else no width
// constraint. It reports whether the chain had w_auto, which makes the
// rendition depend on the hint headers.
func resolveAutoWidth(c transform.Chain, hint string) bool {
	found := false
	for i := range c {
		d := &c[i].Width
		if d.Kind != transform.DimAuto {
			continue
		}
		found = true
		step, fallback := 100, 0
		parts := strings.Split(d.Auto, ":")
		if n, err := strconv.Atoi(parts[0]); err == nil && n > 0 {
			step = n
		}
		if len(parts) > 1 {
			fallback, _ = strconv.Atoi(parts[1])
		}
		w := 0
		if h, err := strconv.ParseFloat(strings.TrimSpace(hint), 64); err == nil && h >= 1 && h <= 16384 {
			w = (int(math.Ceil(h)) + step - 1) / step * step
		} else if fallback > 0 {
			w = fallback
		}
		if w > 0 {
			*d = transform.Dim{Kind: transform.DimPixels, Pixels: w}
		} else {
			*d = transform.Dim{}
		}
	}
	return found
}

// onlyNamed reports whether every component is just t_ names.
func onlyNamed(c transform.Chain) bool {
	for _, comp := range c {
		if len(comp.Named) == 0 || comp.String() != "t_"+strings.Join(comp.Named, ".") {
			return false
		}
	}
	return len(c) > 0
}

func hasNamed(c transform.Chain) bool {
	for _, comp := range c {
		if len(comp.Named) > 0 {
			return true
		}
	}
	return false
}

func mayHaveAlpha(format string) bool {
	switch format {
	case "png", "webp", "gif", "avif", "heic", "tiff", "ico", "svg":
		return true
	}
	return false
}

// derivedKey names a derivative's blob: the hash of the original's bytes
// (its content address), the canonical transformation and the format.
func derivedKey(originalKey, canonical, format string) string {
	sum := sha256.Sum256([]byte(originalKey + "\n" + canonical + "\n" + format))
	h := hex.EncodeToString(sum[:])
	return "derived/" + h[:2] + "/" + h
}

// derive serves a derivative of version v: from the blob store when it
// was rendered before, else rendered once per key (concurrent requests for
// the same key wait for the same render), stored and recorded.
func (s *Service) derive(ctx context.Context, env cumulus.Environment, a cumulus.Asset, v cumulus.Version, p plan) (*Response, error) {
	key := derivedKey(v.BlobKey, p.canonical, p.format)
	resp := &Response{
		ContentType:  sniff.Format(p.format).MIME(),
		ETag:         `"` + key[len(key)-32:] + `"`,
		LastModified: v.CreatedAt,
	}
	resp.Vary = strings.Join(p.vary, ", ")
	if name := attachment(p.chain); name != "" {
		resp.Attachment = attachmentName(name, a.PublicID, p.format)
	}
	if b, err := s.blobs.Get(ctx, key); err == nil {
		resp.Body = b
		return resp, nil
	} else if !cumulus.IsNotFound(err) {
		return nil, cumulus.Wrap("deliver", err)
	}
	if env.Settings.StrictTransformations && !p.strictOK {
		return nil, cumulus.Errorf(cumulus.Unauthorized, "deliver", "Transformation %s is not allowed", p.canonical)
	}
	if s.overloaded() {
		// Refuse before reading the original: under overload the answer
		// must be immediate and cost no memory.
		return nil, errOverloaded()
	}
	v1, err, _ := s.renders.Do(key, func() (any, error) {
		// Detached from one client's cancellation: others may wait on it.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.RenderTimeout)
		defer cancel()
		release, err := s.reserveSource(rctx, v.Bytes)
		if err != nil {
			return nil, err
		}
		defer release()
		src, ok := render.Source{}, false
		if tw, th, fits := render.NeededSize(p.chain, v.Width, v.Height); fits && s.cfg.Proxies {
			src, ok = s.proxySource(rctx, v, tw, th)
		}
		if !ok {
			var err error
			if src, err = s.readSource(rctx, v.BlobKey, v.Format, v.Width, v.Height); err != nil {
				return nil, err
			}
		}
		out, err := s.render.Render(rctx, render.Input{
			Src: src, Chain: p.chain, Format: p.format,
			Layer: func(ctx context.Context, typ, publicID string) (render.Source, error) {
				return s.layerSource(ctx, env, typ, publicID)
			},
		})
		if err != nil {
			return nil, err
		}
		if _, err := s.putCache(rctx, key, out.Data); err != nil {
			return nil, cumulus.Wrap("deliver.store", err)
		}
		err = s.store.AddDerivative(rctx, cumulus.Derivative{
			AssetID: a.ID, Version: v.Version, Transformation: p.canonical, Format: out.Format,
			BlobKey: key, Bytes: int64(len(out.Data)), Width: out.Width, Height: out.Height,
		})
		if err != nil {
			return nil, cumulus.Wrap("deliver.record", err)
		}
		return out, nil
	})
	if err != nil {
		return nil, err
	}
	out := v1.(render.Output)
	resp.Body = &memBlob{Reader: bytes.NewReader(out.Data), mod: v.CreatedAt}
	resp.Rendered = true
	return resp, nil
}

func errOverloaded() error {
	return cumulus.Errorf(cumulus.Unavailable, "deliver", "Server overloaded, try again later")
}

// overloaded reports whether a render started now would wait too long:
// the render queue is full, or too many renders wait for source memory.
func (s *Service) overloaded() bool {
	if o, ok := s.render.(interface{ Overloaded() bool }); ok && o.Overloaded() {
		return true
	}
	return s.sources != nil && s.waiting.Load() >= int64(s.cfg.SourceWaiters)
}

// reserveSource waits until an original of n bytes may be held in memory
// (see Config.SourceBytes) and returns what gives the reservation back.
func (s *Service) reserveSource(ctx context.Context, n int64) (func(), error) {
	if s.sources == nil {
		return func() {}, nil
	}
	n = min(max(n, 1), s.cfg.SourceBytes)
	if !s.sources.TryAcquire(n) {
		if s.waiting.Add(1) > int64(s.cfg.SourceWaiters) {
			s.waiting.Add(-1)
			return nil, errOverloaded()
		}
		err := s.sources.Acquire(ctx, n)
		s.waiting.Add(-1)
		if err != nil {
			return nil, errOverloaded()
		}
	}
	return func() { s.sources.Release(n) }, nil
}

// readSource loads an original's bytes for rendering.
func (s *Service) readSource(ctx context.Context, blobKey, format string, w, h int) (render.Source, error) {
	data, err := s.readBlob(ctx, blobKey)
	if err != nil {
		return render.Source{}, cumulus.Wrap("deliver.source", err)
	}
	return render.Source{Data: data, Format: format, Width: w, Height: h}, nil
}

// readBlob reads a whole blob into memory.
func (s *Service) readBlob(ctx context.Context, key string) ([]byte, error) {
	b, err := s.blobs.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	data := make([]byte, b.Size())
	if _, err := io.ReadFull(b, data); err != nil {
		return nil, err
	}
	return data, nil
}

// layerSource loads the image an l_ or u_ overlay names: an upload, or
// with "private:" a private asset (whose derivatives are public anyway).
func (s *Service) layerSource(ctx context.Context, env cumulus.Environment, typ, publicID string) (render.Source, error) {
	t := cumulus.Upload
	if typ == "private" {
		t = cumulus.Private
	}
	a, err := s.asset(ctx, cumulus.AssetKey{Cloud: env.Cloud, ResourceType: cumulus.Image, Type: t, PublicID: publicID})
	if err != nil {
		if cumulus.IsNotFound(err) {
			return render.Source{}, cumulus.Errorf(cumulus.Invalid, "deliver", "Overlay resource not found - %s", publicID)
		}
		return render.Source{}, err
	}
	return s.readSource(ctx, a.Current.BlobKey, a.Current.Format, a.Current.Width, a.Current.Height)
}

// defaultImage returns the d_ public ID of a chain, or "".
func defaultImage(c transform.Chain) string {
	for _, comp := range c {
		if comp.DefaultImage != "" {
			return comp.DefaultImage
		}
	}
	return ""
}

func attachment(c transform.Chain) string {
	for _, comp := range c {
		if f, ok := comp.Flags.Get("attachment"); ok {
			if f.Param == "" {
				return "-"
			}
			return f.Param
		}
	}
	return ""
}

// attachmentName is the file name of fl_attachment[:name].
func attachmentName(flag, publicID, format string) string {
	name := flag
	if name == "-" {
		name = path.Base(publicID)
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == '"' || r == '\\' || r == '/' {
			return '_'
		}
		return r
	}, name)
	return name + "." + format
}

// memBlob serves a freshly rendered derivative from memory.
type memBlob struct {
	*bytes.Reader
	mod time.Time
}

func (m *memBlob) Close() error       { return nil }
func (m *memBlob) ModTime() time.Time { return m.mod }
