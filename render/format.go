package render

import (
	"strconv"
	"strings"

	"github.com/cumulusmedia/cumulus/transform"
	"github.com/cumulusmedia/cumulus/vips"
)

// contentTypes are the media types of the formats Render writes.
var contentTypes = map[vips.Format]string{
	vips.JPEG: "image/jpeg",
	vips.PNG:  "image/png",
	vips.WebP: "image/webp",
	vips.GIF:  "image/gif",
	vips.AVIF: "image/avif",
	vips.HEIC: "image/heic",
	vips.TIFF: "image/tiff",
}

// ContentType returns the media type of an output format, or "" for a
// format Render does not write.
func ContentType(format string) string {
	f, ok := vips.ParseFormat(format)
	if !ok {
		return ""
	}
	return contentTypes[f]
}

// webFormats are served as they are when nothing asks for another format.
var webFormats = map[vips.Format]bool{vips.JPEG: true, vips.PNG: true, vips.WebP: true, vips.GIF: true, vips.AVIF: true}

// negotiateAVIF says whether f_auto may pick AVIF. It may not: measured on
// two busy cores (BenchmarkEncode), case A takes 38 ms as AVIF against 24 ms
// as WebP and 18 ms as JPEG, and the gap grows with the output size; the
// throughput target matters more than AVIF's smaller bytes. f_avif still
// works.
const negotiateAVIF = false

// alphaFormats can carry transparency.
func alphaFormat(f vips.Format) bool { return f != vips.JPEG }

// OutputFormat decides the format of a rendition before rendering, for the
// cache key: the last f_ of the chain beats the URL extension ext, which
// beats the source format srcFormat (a sniff format). f_auto negotiates from
// the Accept header: WebP when accepted (for animated GIF sources too), else
// GIF for GIF sources, PNG when the source has alpha, JPEG otherwise;
// negotiated is then true and the response must carry Vary: Accept. A
// source in a format browsers do not show (TIFF, HEIC) with no format asked
// for becomes JPEG, or PNG when it has alpha. A format Render cannot write
// is an Invalid error.
func OutputFormat(chain transform.Chain, ext, srcFormat string, srcHasAlpha bool, accept string) (format string, negotiated bool, err error) {
	asked := ""
	for i := range chain {
		if chain[i].Format != "" {
			asked = chain[i].Format
		}
	}
	if asked == "auto" {
		return string(negotiate(srcFormat, srcHasAlpha, accept)), true, nil
	}
	if asked != "" {
		f, ok := savable(asked)
		if !ok {
			return "", false, unsupported("f_" + asked)
		}
		return string(f), false, nil
	}
	if ext != "" {
		f, ok := savable(ext)
		if !ok {
			return "", false, invalidf("Unsupported output format - %s", sanitize(ext))
		}
		return string(f), false, nil
	}
	if f, ok := vips.ParseFormat(srcFormat); ok && webFormats[f] {
		return string(f), false, nil
	}
	if srcHasAlpha {
		return string(vips.PNG), false, nil
	}
	return string(vips.JPEG), false, nil
}

func savable(name string) (vips.Format, bool) {
	f, ok := vips.ParseFormat(name)
	if !ok {
		return "", false
	}
	_, ok = contentTypes[f]
	return f, ok
}

func negotiate(srcFormat string, alpha bool, accept string) vips.Format {
	switch {
	case negotiateAVIF && accepts(accept, "image/avif"):
		return vips.AVIF
	case accepts(accept, "image/webp"):
		return vips.WebP
	case srcFormat == string(vips.GIF):
		return vips.GIF
	case alpha:
		return vips.PNG
	}
	return vips.JPEG
}

// accepts reports whether the Accept header names the media type with a
// non-zero q. Wildcards do not count: browsers that decode WebP or AVIF say
// so explicitly, and image/* is sent by those that do not too.
func accepts(header, mediaType string) bool {
	for part := range strings.SplitSeq(header, ",") {
		typ, params, _ := strings.Cut(part, ";")
		if !strings.EqualFold(strings.TrimSpace(typ), mediaType) {
			continue
		}
		q := 1.0
		for p := range strings.SplitSeq(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					q = f
				}
			}
		}
		if q > 0 {
			return true
		}
	}
	return false
}

// sanitize makes a received value safe and short for an error text.
func sanitize(s string) string {
	if len(s) > 100 {
		s = s[:100]
	}
	b := []byte(s)
	for i, c := range b {
		if c < 0x20 || c >= 0x7f {
			b[i] = '?'
		}
	}
	return string(b)
}
