package render

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/cumulusmedia/cumulus"
	"github.com/cumulusmedia/cumulus/transform"
	"github.com/cumulusmedia/cumulus/vips"
)

// Renderer runs transformation chains on libvips under the limits of its
// Config, one render per worker slot of its pool. It is safe for concurrent
// use.
type Renderer struct {
	cfg  Config
	pool *vips.Pool
}

// New returns a Renderer. pool bounds how many renders run at once; a full
// pool makes Render fail with kind cumulus.Unavailable. vips.Startup must
// have run.
func New(cfg Config, pool *vips.Pool) (*Renderer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if pool == nil {
		return nil, errors.New("render: nil pool")
	}
	return &Renderer{cfg: cfg, pool: pool}, nil
}

// Overloaded reports whether a Render started now would be refused for a
// full pool (kind Unavailable), so callers can refuse before reading the
// source.
func (r *Renderer) Overloaded() bool { return r.pool.Full() }

// Source is an image to render: its bytes and the format package sniff
// detected in them. Width and Height are informative; the header is read
// again before decoding.
type Source struct {
	Data          []byte
	Format        string // a sniff format: "jpg", "png", "webp", "gif", "avif", "heic", "tiff"
	Width, Height int
	// FullWidth × FullHeight, when set, says Data is a reduced copy (a
	// proxy from MakeProxies) of an original of that displayed size: the
	// chain's geometry is planned in the original's coordinates, and the
	// pixels come from the copy, which is already upright and sRGB.
	FullWidth, FullHeight int
}

// Input is one render request.
type Input struct {
	Src Source
	// Chain is the transformation with named transformations already
	// expanded (transform.Chain.Expand).
	Chain transform.Chain
	// Format is the output format OutputFormat chose; "" asks Render to
	// choose it the same way without an extension or Accept header.
	Format string
	// Quality overrides the chain's q_ when not 0.
	Quality int
	// Layer loads the asset of an l_ or u_ image layer by delivery type
	// ("" for upload, or "private") and public ID (folders separated by
	// '/'). Its errors are returned as they are.
	Layer func(ctx context.Context, typ, publicID string) (Source, error)
	// Name is the file name (without extension) fl_attachment uses when it
	// names none; "" is "image".
	Name string
}

// Output is a rendered image.
type Output struct {
	Data          []byte
	Format        string
	Width, Height int // of one frame for an animation
	ContentType   string
	// Attachment is the file name to download as (Content-Disposition:
	// attachment) when the chain has fl_attachment, else "".
	Attachment string
}

// Render runs in.Chain on in.Src and encodes the result. Errors are
// *cumulus.Error: Invalid for unsupported parameters, impossible requests
// and unreadable sources ("Invalid image file"), TooLarge for limits,
// Unavailable when the pool is full, Internal for libvips failures.
func (r *Renderer) Render(ctx context.Context, in Input) (Output, error) {
	if err := checkChain(in.Chain); err != nil {
		return Output{}, err
	}
	src, ok := vips.ParseFormat(in.Src.Format)
	if !ok || !slices.Contains(vips.Formats, src) {
		return Output{}, invalidf("Image format %s cannot be transformed", sanitize(in.Src.Format))
	}
	name := in.Format
	if name == "" {
		var err error
		if name, _, err = OutputFormat(in.Chain, "", in.Src.Format, false, ""); err != nil {
			return Output{}, err
		}
	}
	out, ok := savable(name)
	if !ok {
		return Output{}, invalidf("Unsupported output format - %s", sanitize(name))
	}
	// Layer assets are fetched before taking a worker slot: I/O must not
	// hold one.
	layers, err := r.fetchLayers(ctx, in)
	if err != nil {
		return Output{}, err
	}
	j := &job{r: r, ctx: ctx, in: &in, src: src, out: out, layers: layers}
	var res Output
	err = r.pool.Do(ctx, func() error {
		var err error
		res, err = j.run()
		return err
	})
	if err != nil {
		return Output{}, classify(err)
	}
	return res, nil
}

// job is the state of one Render.
type job struct {
	r        *Renderer
	ctx      context.Context
	in       *Input
	src, out vips.Format
	layers   map[string]Source
	animated bool // frames are rendered one by one
}

// state holds the image a pipeline works on. It owns img.
type state struct {
	img *vips.Image
	// mem says pixels may be read in any order: the image is in memory or
	// made from one. Sequentially loaded images must be materialized before
	// an operation that reads out of order (rotations, vertical flips).
	mem bool
}

// set replaces the image by out, the result of an operation on it.
func (s *state) set(out *vips.Image, err error) error {
	if err != nil {
		return err
	}
	s.img.Close()
	s.img = out
	return nil
}

// random makes the image readable in any order.
func (s *state) random() error {
	if s.mem {
		return nil
	}
	if err := s.set(s.img.Materialize()); err != nil {
		return err
	}
	s.mem = true
	return nil
}

func (s *state) close() {
	s.img.Close()
	s.img = nil
}

func (j *job) run() (Output, error) {
	cfg := j.r.cfg
	data := j.in.Src.Data
	h, err := vips.ReadHeader(data, j.src)
	if err != nil {
		return Output{}, errBadImage(err)
	}
	pages, err := selectPages(j.in.Chain, h.Pages, cfg.MaxFrames)
	if err != nil {
		return Output{}, err
	}
	j.animated = j.out.Animated() && j.src.Animated() && len(pages) > 1
	if !j.animated {
		pages = pages[:1]
	}
	span := pages[len(pages)-1] - pages[0] + 1
	if px := int64(h.Width) * int64(h.Height) * int64(span); px > cfg.MaxInputPixels {
		return Output{}, cumulus.Errorf(cumulus.TooLarge, op, "Image too large to transform - %dx%d, %d frame(s) (maximum %d pixels)", h.Width, h.Height, span, cfg.MaxInputPixels)
	}
	steps := j.in.Chain.Steps()
	var s *state
	if j.animated {
		s, err = j.renderFrames(h, pages, steps)
	} else {
		s, err = j.renderOne(h, pages[0], steps)
	}
	if err != nil {
		return Output{}, err
	}
	defer s.close()
	return j.save(s)
}

// renderOne loads one page, shrinking on load when the first component
// makes the image smaller, and runs the steps.
func (j *job) renderOne(h vips.Header, page int, steps []transform.Step) (*state, error) {
	orient := 1
	if !ignoresOrientation(j.in.Chain) {
		orient = h.Orientation
	}
	dw, dh := h.Width, h.Height
	if orient >= 5 {
		dw, dh = dh, dw
	}
	proxy := j.in.Src.FullWidth > 0 && j.in.Src.FullHeight > 0
	if proxy {
		orient, dw, dh = 1, j.in.Src.FullWidth, j.in.Src.FullHeight
	}
	var pre *plan
	var tw, th int // the size to load and scale to, before orientation
	if len(steps) > 0 && steps[0].Component != nil && !changesInput(steps[0].Component) {
		p, err := planComponent(steps[0].Component, dw, dh, dw, dh, false)
		if err != nil {
			return nil, err
		}
		if err := j.checkPlan(p, dw, dh); err != nil {
			return nil, err
		}
		pre = &p
		if p.resizeW > 0 && p.resizeW < dw && p.resizeH < dh {
			tw, th = p.resizeW, p.resizeH
			if orient >= 5 {
				tw, th = th, tw
			}
		}
	}
	if proxy && (tw == 0 || tw > h.Width || th > h.Height) {
		return nil, cumulus.Errorf(cumulus.Internal, op, "a %dx%d proxy cannot render a %dx%d step", h.Width, h.Height, tw, th)
	}
	o := vips.LoadOptions{Format: j.src, Page: page, MaxPixels: j.r.cfg.MaxInputPixels}
	if tw > 0 {
		switch j.src {
		case vips.JPEG:
			o.Shrink = float64(vips.JPEGShrink(h.Width, h.Height, tw, th))
		case vips.WebP:
			o.Shrink = min(float64(h.Width)/float64(tw), float64(h.Height)/float64(th))
		}
	}
	img, err := vips.Load(j.in.Src.Data, o)
	if err != nil {
		return nil, err
	}
	s := &state{img: img}
	if err := j.prepare(s, tw, th, orient); err != nil {
		s.close()
		return nil, err
	}
	if err := j.runSteps(s, steps, pre, 0, 0); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

// prepare scales a freshly loaded image to tw × th (when tw > 0),
// converts it to sRGB and applies the EXIF orientation.
func (j *job) prepare(s *state, tw, th, orient int) error {
	if tw > 0 {
		if err := resizeTo(s, tw, th); err != nil {
			return err
		}
	}
	if err := s.set(s.img.ToSRGB()); err != nil {
		return err
	}
	if orient > 1 && orient <= 8 {
		if err := s.random(); err != nil {
			return err
		}
		return s.set(s.img.Autorot())
	}
	return nil
}

// resizeTo scales the image to exactly w × h with a scale per axis.
func resizeTo(s *state, w, h int) error {
	W, H := s.img.Width(), s.img.Height()
	if W == w && H == h {
		return nil
	}
	if err := s.set(s.img.Resize(float64(w)/float64(W), float64(h)/float64(H))); err != nil {
		return err
	}
	if s.img.Width() != w || s.img.Height() != h {
		// Rounding in libvips left a pixel over or under: copy the edge.
		return s.set(s.img.Embed(0, 0, w, h, vips.ExtendCopy, nil))
	}
	return nil
}

// renderFrames renders each selected frame of an animation through the
// steps and stacks the results into one animated strip.
func (j *job) renderFrames(h vips.Header, pages []int, steps []transform.Step) (*state, error) {
	first, last := pages[0], pages[len(pages)-1]
	strip, err := vips.Load(j.in.Src.Data, vips.LoadOptions{Format: j.src, Page: first, Pages: last - first + 1,
		RandomAccess: true, MaxPixels: j.r.cfg.MaxInputPixels})
	if err != nil {
		return nil, err
	}
	defer strip.Close()
	ph := strip.PageHeight()
	frames := make([]*vips.Image, 0, len(pages))
	defer func() {
		for _, f := range frames {
			f.Close()
		}
	}()
	for _, p := range pages {
		if (p-first+1)*ph > strip.Height() {
			break
		}
		f, err := strip.ExtractArea(0, (p-first)*ph, strip.Width(), ph)
		if err != nil {
			return nil, err
		}
		s := &state{img: f, mem: true}
		if err := s.set(s.img.ToSRGB()); err != nil {
			s.close()
			return nil, err
		}
		if err := j.runSteps(s, steps, nil, 0, 0); err != nil {
			s.close()
			return nil, err
		}
		frames = append(frames, s.img)
	}
	out, err := stack(frames)
	frames = nil // stack consumed them
	if err != nil {
		return nil, err
	}
	return &state{img: out, mem: true}, nil
}

// stack joins frames of equal size top to bottom and tags the strip as an
// animation. It closes every frame. Pairs are joined in a balanced tree so
// that computing the strip costs O(pixels × log frames).
func stack(frames []*vips.Image) (out *vips.Image, err error) {
	var next []*vips.Image
	defer func() {
		for _, f := range append(frames, next...) {
			f.Close()
		}
	}()
	if len(frames) == 0 {
		return nil, errors.New("render: no frames")
	}
	fw, fh := frames[0].Width(), frames[0].Height()
	for i, f := range frames {
		s := &state{img: f, mem: true}
		if f.Width() != fw || f.Height() != fh {
			if err := s.set(f.Embed(0, 0, fw, fh, vips.ExtendBackground, []float64{0, 0, 0, 0})); err != nil {
				return nil, err
			}
		}
		if !s.img.HasAlpha() {
			if err := s.set(s.img.AddAlpha()); err != nil {
				return nil, err
			}
		}
		frames[i] = s.img
	}
	for len(frames) > 1 {
		next = make([]*vips.Image, 0, (len(frames)+1)/2)
		for i := 0; i < len(frames); i += 2 {
			if i+1 == len(frames) {
				next = append(next, frames[i])
				frames[i] = nil
				continue
			}
			a, b := frames[i], frames[i+1]
			canvas, err := a.Embed(0, 0, fw, a.Height()+b.Height(), vips.ExtendBackground, []float64{0, 0, 0, 0})
			if err != nil {
				return nil, err
			}
			joined, err := canvas.Composite(b, 0, a.Height(), vips.BlendOver)
			canvas.Close()
			if err != nil {
				return nil, err
			}
			a.Close()
			b.Close()
			frames[i], frames[i+1] = nil, nil
			next = append(next, joined)
		}
		for _, f := range frames {
			f.Close()
		}
		frames, next = next, nil
	}
	strip := frames[0]
	frames = nil
	defer strip.Close()
	return strip.SetPageHeight(fh)
}

// runSteps applies steps to s. pre, when not nil, is the plan of the first
// step already computed (and its scaling already done on load). refW × refH,
// when not 0, is the size the first component's fractions refer to.
func (j *job) runSteps(s *state, steps []transform.Step, pre *plan, refW, refH int) error {
	for i, st := range steps {
		if err := j.ctx.Err(); err != nil {
			return err
		}
		var err error
		if st.Component != nil {
			if i == 0 {
				err = j.component(s, st.Component, pre, refW, refH)
			} else {
				err = j.component(s, st.Component, nil, 0, 0)
			}
		} else {
			err = j.layer(s, st.Layer)
		}
		if err != nil {
			return err
		}
		if px := int64(s.img.Width()) * int64(s.img.Height()); px > j.r.cfg.MaxOutputPixels {
			return j.tooLarge(s.img.Width(), s.img.Height())
		}
	}
	return nil
}

func (j *job) tooLarge(w, h int) error {
	return cumulus.Errorf(cumulus.TooLarge, op, "Requested image too large - %dx%d (maximum %d pixels)", w, h, j.r.cfg.MaxOutputPixels)
}

func (j *job) checkPlan(p plan, w, h int) error {
	if p.maxPixels(w, h) > j.r.cfg.MaxOutputPixels {
		ow, oh := p.size(w, h)
		return j.tooLarge(ow, oh)
	}
	return nil
}

// changesInput reports whether a component alters its input before its
// geometry applies (e_trim, a_auto*), so its plan cannot be made from the
// header.
func changesInput(c *transform.Component) bool {
	for _, e := range c.Effects {
		if e.Name == "trim" {
			return true
		}
	}
	for _, a := range c.Angle {
		if a.Mode == transform.AngleAuto || a.Mode == transform.AngleAutoLeft || a.Mode == transform.AngleAutoRight {
			return true
		}
	}
	return false
}

// ignoresOrientation reports whether the chain has a_ignore.
func ignoresOrientation(ch transform.Chain) bool {
	for i := range ch {
		for _, a := range ch[i].Angle {
			if a.Mode == transform.AngleIgnore {
				return true
			}
		}
	}
	return false
}

// selectPages returns the 0-based pages pg_ selects (every page when absent),
// at most maxFrames of them, in increasing order.
func selectPages(ch transform.Chain, total, maxFrames int) ([]int, error) {
	total = max(total, 1)
	var pg *transform.Page
	for i := range ch {
		if !ch[i].Page.IsZero() {
			pg = &ch[i].Page
			break
		}
	}
	var pages []int
	if pg == nil {
		for p := 0; p < total && len(pages) < maxFrames; p++ {
			pages = append(pages, p)
		}
		return pages, nil
	}
	seen := map[int]bool{}
	for _, r := range pg.Ranges {
		if r.From > total {
			return nil, invalidf("Invalid page - %d (the image has %d)", r.From, total)
		}
		to := r.To
		switch {
		case to == 0:
			to = r.From
		case to < 0 || to > total:
			to = total
		}
		for p := r.From; p <= to; p++ {
			if !seen[p-1] {
				seen[p-1] = true
				pages = append(pages, p-1)
			}
		}
	}
	slices.Sort(pages)
	if len(pages) > maxFrames {
		pages = pages[:maxFrames]
	}
	return pages, nil
}

// fetchLayers loads the asset of every image layer of the chain once.
func (r *Renderer) fetchLayers(ctx context.Context, in Input) (map[string]Source, error) {
	n := 0
	var ids []string
	var srcs []*transform.LayerSource
	for i := range in.Chain {
		for _, src := range []*transform.LayerSource{in.Chain[i].Overlay, in.Chain[i].Underlay} {
			if src == nil {
				continue
			}
			n++
			if src.Kind == transform.LayerImage && !slices.Contains(ids, layerKey(src)) {
				ids = append(ids, layerKey(src))
				srcs = append(srcs, src)
			}
		}
	}
	if n > r.cfg.MaxLayers {
		return nil, invalidf("Too many layers - %d (maximum %d)", n, r.cfg.MaxLayers)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	if in.Layer == nil {
		return nil, cumulus.Wrap(op, fmt.Errorf("render: image layer %q but no Layer loader", srcs[0].PublicID))
	}
	out := make(map[string]Source, len(ids))
	for i, src := range srcs {
		ls, err := in.Layer(ctx, src.Type, src.PublicID)
		if err != nil {
			return nil, err
		}
		out[ids[i]] = ls
	}
	return out, nil
}

// layerKey names an image layer's asset among a render's layers.
func layerKey(src *transform.LayerSource) string { return src.Type + ":" + src.PublicID }
