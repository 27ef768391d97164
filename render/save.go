package render

import (
	"github.com/cumulusmedia/cumulus/transform"
	"github.com/cumulusmedia/cumulus/vips"
)

// save encodes the final image: alpha flattened onto the background for
// formats without it, metadata stripped unless fl_keep_iptc.
func (j *job) save(s *state) (Output, error) {
	ch := j.in.Chain
	if !alphaFormat(j.out) && s.img.HasAlpha() {
		bg := white
		for i := range ch {
			if ch[i].Background.Color != "" {
				bg = rgba(ch[i].Background.Color, white)
			}
		}
		if err := s.set(s.img.Flatten(bg[:3])); err != nil {
			return Output{}, err
		}
	}
	o := vips.SaveOptions{
		Format:      j.out,
		Quality:     j.quality(),
		Progressive: hasFlag(ch, "progressive"),
		Strip:       !hasFlag(ch, "keep_iptc"),
		Palette:     j.out == vips.PNG && hasFlag(ch, "lossy"),
	}
	if j.out == vips.PNG && !o.Palette {
		o.Quality = 0
	}
	data, err := vips.Save(s.img, o)
	if err != nil {
		return Output{}, err
	}
	out := Output{
		Data:        data,
		Format:      string(j.out),
		Width:       s.img.Width(),
		Height:      s.img.PageHeight(),
		ContentType: contentTypes[j.out],
	}
	for i := range ch {
		if f, ok := ch[i].Flags.Get("attachment"); ok {
			name := f.Param
			if name == "" {
				name = j.in.Name
			}
			if name == "" {
				name = "image"
			}
			out.Attachment = name + "." + string(j.out)
		}
	}
	return out, nil
}

// quality is the caller's, else the chain's last q_, else the default.
// q_auto picks by level: best 90, good (the default) 80, eco 70, low 60.
func (j *job) quality() int {
	if j.in.Quality > 0 {
		return min(j.in.Quality, 100)
	}
	q := j.r.cfg.DefaultQuality
	for i := range j.in.Chain {
		cq := j.in.Chain[i].Quality
		switch {
		case cq.Value > 0:
			q = cq.Value
		case cq.Auto || cq.JPEGMini:
			q = map[string]int{"best": 90, "good": 80, "": 80, "eco": 70, "low": 60}[cq.Level]
		}
	}
	return q
}

// hasFlag reports whether any component of the chain has the flag.
func hasFlag(ch transform.Chain, name string) bool {
	for i := range ch {
		if ch[i].Flags.Has(name) {
			return true
		}
	}
	return false
}
