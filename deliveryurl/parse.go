package deliveryurl

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/cumulusmedia/cumulus"
)

// Form says how the asset part of a delivery path was written.
type Form uint8

// The forms of §A.1.
const (
	FormNormal Form = iota // <resource_type>/<type>/…
	FormSEO                // images/, videos/, files/, private_images/, authenticated_images/ with a suffix
	FormShort              // iu/ (image/upload)
	FormRoot               // nothing: image/upload at the root
)

func (f Form) String() string {
	switch f {
	case FormNormal:
		return "normal"
	case FormSEO:
		return "seo"
	case FormShort:
		return "short"
	case FormRoot:
		return "root"
	}
	return "form(" + strconv.Itoa(int(f)) + ")"
}

// MaxPathLen bounds the escaped path ParsePath reads. Cloudinary public IDs
// are at most 255 characters, but text overlays make transformations long;
// 8 KiB is also what common servers and CDNs allow for a request line.
const MaxPathLen = 8192

// Request is a parsed delivery path.
type Request struct {
	ResourceType cumulus.ResourceType
	Type         cumulus.DeliveryType
	Form         Form
	// Signature is the text between "s--" and "--", or "" without one.
	Signature string
	// Transformation is the components joined by '/', exactly as received
	// (percent-escapes kept), "" when there is none.
	Transformation string
	Version        int64
	HasVersion     bool
	// PublicID is percent-decoded and has no extension, except for raw
	// assets, whose extension is part of the public ID. For remote types
	// (fetch) it is the decoded remote URL.
	PublicID string
	// Format is the requested extension without the dot; "" means the
	// original format (and is always "" for raw assets).
	Format string
	// Suffix is the SEO suffix without its extension, "" outside FormSEO.
	Suffix string

	// signedRaw and signedDecoded are the public ID with its extension as
	// an SDK signs it: escaped as received, and decoded.
	signedRaw, signedDecoded string
	// tail keeps what is needed to re-read a root-path request as
	// carrying an SEO suffix (see SuffixAlternative).
	tailRaw []string
}

// AnyResourceType is the resource type of /any/list/<tag>.json, a
// client-side list of every resource type.
const AnyResourceType cumulus.ResourceType = "any"

// ListType is the delivery type of client-side lists.
const ListType cumulus.DeliveryType = "list"

var resourceTypes = map[string]cumulus.ResourceType{
	"image": cumulus.Image, "video": cumulus.Video, "raw": cumulus.Raw,
}

// deliveryTypes are the delivery types of §A.1 (cloudinary-go api.go plus
// "asset"). Only these make "<resource_type>/<type>" the normal form.
var deliveryTypes = map[string]bool{
	"upload": true, "private": true, "authenticated": true, "fetch": true, "list": true,
	"public": true, "facebook": true, "twitter": true, "twitter_name": true, "gravatar": true,
	"youtube": true, "hulu": true, "vimeo": true, "animoto": true, "worldstarhiphop": true,
	"dailymotion": true, "sprite": true, "text": true, "multi": true, "asset": true,
}

type seoForm struct {
	rt cumulus.ResourceType
	dt cumulus.DeliveryType
}

var seoForms = map[string]seoForm{
	"images":               {cumulus.Image, cumulus.Upload},
	"videos":               {cumulus.Video, cumulus.Upload},
	"files":                {cumulus.Raw, cumulus.Upload},
	"private_images":       {cumulus.Image, cumulus.Private},
	"authenticated_images": {cumulus.Image, cumulus.Authenticated},
}

// seoWord returns the first segment of the SEO form of rt/dt, "" if the
// pair has none.
func seoWord(rt, dt string) string {
	for w, f := range seoForms {
		if string(f.rt) == rt && string(f.dt) == dt {
			return w
		}
	}
	return ""
}

// ParsePath parses the escaped path of a delivery URL after the cloud name
// (the caller strips "/<cloud>" or takes the cloud from the host), for
// example "image/upload/s--abcdefgh--/c_fill,w_100/v12/folder/my%20id.jpg".
// A leading '/' is ignored; the query string must not be included. The
// grammar is in the package documentation.
//
// Errors are *cumulus.Error: kind Invalid for a path that cannot be read
// (too long, a bad percent-escape, a version that overflows, a suffix form
// without a suffix) and NotFound for a path that names no asset.
func ParsePath(rawPath string) (Request, error) {
	const op = "deliveryurl.ParsePath"
	if len(rawPath) > MaxPathLen {
		return Request{}, cumulus.Errorf(cumulus.Invalid, op, "URL too long")
	}
	segs := strings.Split(strings.TrimPrefix(rawPath, "/"), "/")
	head := nonEmpty(segs, 3)

	var r Request
	used := 0 // non-empty head segments consumed
	switch {
	case len(head) >= 2 && resourceTypes[head[0]] != "" && deliveryTypes[head[1]]:
		r.ResourceType, r.Type, r.Form, used = resourceTypes[head[0]], cumulus.DeliveryType(head[1]), FormNormal, 2
	case len(head) >= 2 && head[0] == "any" && head[1] == "list":
		// Client-side lists of every resource type (spec §F).
		r.ResourceType, r.Type, r.Form, used = AnyResourceType, ListType, FormNormal, 2
	case len(head) >= 1 && seoForms[head[0]] != (seoForm{}):
		f := seoForms[head[0]]
		r.ResourceType, r.Type, r.Form, used = f.rt, f.dt, FormSEO, 1
	case len(head) >= 1 && head[0] == "iu":
		r.ResourceType, r.Type, r.Form, used = cumulus.Image, cumulus.Upload, FormShort, 1
	default:
		r.ResourceType, r.Type, r.Form = cumulus.Image, cumulus.Upload, FormRoot
	}
	segs = skipNonEmpty(segs, used)
	if len(segs) > 0 && isSignature(segs[0]) {
		r.Signature = segs[0][3 : len(segs[0])-2]
		segs = segs[1:]
	}

	// A remote source (fetch and the social types) is a whole URL whose
	// "//" must survive; everything before it is read segment by segment.
	var remote string
	hasRemote := false
	for i := 0; i+1 < len(segs); i++ {
		if isScheme(segs[i]) && segs[i+1] == "" {
			remote, hasRemote = strings.Join(segs[i:], "/"), true
			segs = segs[:i]
			break
		}
	}
	segs = nonEmpty(segs, -1)

	var trans []string
	if k := versionIndex(segs); k >= 0 {
		v, err := strconv.ParseInt(segs[k][1:], 10, 64)
		if err != nil {
			return Request{}, cumulus.Errorf(cumulus.Invalid, op, "Invalid version - %s", segs[k])
		}
		r.Version, r.HasVersion = v, true
		trans, segs = segs[:k], segs[k+1:]
	} else {
		n := 0
		keep := 1 // the public ID needs a segment unless it is a remote URL
		if hasRemote {
			keep = 0
		}
		for n < len(segs)-keep && LooksLikeTransformation(segs[n]) {
			n++
		}
		trans, segs = segs[:n], segs[n:]
	}
	r.Transformation = strings.Join(trans, "/")

	if hasRemote {
		if len(segs) > 0 {
			// Segments between the version and the URL: not a form any SDK
			// emits; keep them as part of the source.
			remote = strings.Join(segs, "/") + "/" + remote
		}
		dec, err := url.PathUnescape(remote)
		if err != nil {
			return Request{}, cumulus.Errorf(cumulus.Invalid, op, "Invalid URL escape in %s", remote)
		}
		r.PublicID, r.signedRaw, r.signedDecoded = dec, remote, dec
		return r, nil
	}
	if len(segs) == 0 {
		return Request{}, cumulus.Errorf(cumulus.NotFound, op, "Resource not found - missing public ID")
	}
	r.tailRaw = segs
	return r.finishTail(op, r.Form == FormSEO)
}

// finishTail reads the public-ID segments in r.tailRaw, the last of them
// being an SEO suffix when withSuffix is set.
func (r Request) finishTail(op string, withSuffix bool) (Request, error) {
	segs := r.tailRaw
	if withSuffix && len(segs) < 2 {
		return Request{}, cumulus.Errorf(cumulus.Invalid, op, "Missing SEO suffix")
	}
	dec := make([]string, len(segs))
	for i, s := range segs {
		d, err := url.PathUnescape(s)
		if err != nil {
			return Request{}, cumulus.Errorf(cumulus.Invalid, op, "Invalid URL escape in %s", s)
		}
		dec[i] = d
	}
	raw := segs
	suffixExt := ""
	if withSuffix {
		last := dec[len(dec)-1]
		r.Suffix = last
		if base, ext, ok := splitExt(last); ok {
			r.Suffix, suffixExt = base, ext
		}
		raw, dec = raw[:len(raw)-1], dec[:len(dec)-1]
	} else {
		r.Suffix = ""
	}
	// Public IDs neither start nor end with '/'; "%2F" must not make one.
	id := strings.Trim(collapseSlashes(strings.Join(dec, "/")), "/")
	rawID := strings.Join(raw, "/")
	r.signedRaw, r.signedDecoded = rawID, id
	switch {
	case suffixExt != "":
		// The extension travelled on the suffix (Go's SEO URLs, and
		// Node's when given a format): it belongs to the signed source.
		r.signedRaw += "." + suffixExt
		r.signedDecoded += "." + suffixExt
		if r.ResourceType == cumulus.Raw {
			r.PublicID, r.Format = id+"."+suffixExt, ""
		} else {
			r.PublicID, r.Format = id, suffixExt
		}
	case r.ResourceType == cumulus.Raw:
		r.PublicID, r.Format = id, ""
	default:
		r.PublicID, r.Format = id, ""
		if base, ext, ok := splitExt(id); ok {
			r.PublicID, r.Format = base, ext
		}
	}
	if r.PublicID == "" {
		return Request{}, cumulus.Errorf(cumulus.NotFound, op, "Resource not found - missing public ID")
	}
	return r, nil
}

// SuffixAlternative returns the other reading of a root-path request whose
// last segment may be an SEO suffix: "/test/hello" is public ID "test/hello"
// as parsed, or public ID "test" with suffix "hello" (the SDKs emit the
// latter for use_root_path with url_suffix). The second result is false when
// no such reading exists.
func (r Request) SuffixAlternative() (Request, bool) {
	if r.Form != FormRoot || len(r.tailRaw) < 2 {
		return Request{}, false
	}
	alt, err := r.finishTail("deliveryurl.SuffixAlternative", true)
	if err != nil {
		return Request{}, false
	}
	return alt, true
}

// SigningCandidates returns the strings an SDK may have signed for this
// URL (§C.1): the transformation and the public ID with its extension
// (taken from the suffix for SEO URLs), joined by '/', with the public ID
// as received (escaped) and percent-decoded, each with and without
// "v<N>/" before it. Node and Python sign the escaped form, Go the decoded
// one; Cloudinary's documentation adds the version. Go also signs spaces in
// a transformation unescaped, which a client sends as %20, so that variant
// is included too. The SEO suffix is never signed.
func (r Request) SigningCandidates() []string {
	trans := []string{r.Transformation}
	if strings.Contains(r.Transformation, "%20") {
		trans = append(trans, strings.ReplaceAll(r.Transformation, "%20", " "))
	}
	sources := []string{r.signedRaw}
	if r.signedDecoded != r.signedRaw {
		sources = append(sources, r.signedDecoded)
	}
	var out []string
	seen := map[string]bool{}
	add := func(parts ...string) {
		var nz []string
		for _, p := range parts {
			if p != "" {
				nz = append(nz, p)
			}
		}
		s := strings.Join(nz, "/")
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, t := range trans {
		for _, s := range sources {
			add(t, s)
		}
	}
	if r.HasVersion {
		v := "v" + strconv.FormatInt(r.Version, 10)
		for _, t := range trans {
			for _, s := range sources {
				add(t, v, s)
			}
		}
	}
	return out
}

// nonEmpty returns the non-empty segments of segs, at most max of them
// (all when max < 0).
func nonEmpty(segs []string, max int) []string {
	var out []string
	for _, s := range segs {
		if s == "" {
			continue
		}
		if max >= 0 && len(out) == max {
			break
		}
		out = append(out, s)
	}
	return out
}

// skipNonEmpty drops leading segments until n non-empty ones are gone.
func skipNonEmpty(segs []string, n int) []string {
	for len(segs) > 0 && n > 0 {
		if segs[0] != "" {
			n--
		}
		segs = segs[1:]
	}
	return segs
}

// isSignature reports whether seg is an s--SIG-- component: the signature
// alphabet is URL-safe base64, which includes '-', so "s----SjmNDA--"
// carries "--SjmNDA".
func isSignature(seg string) bool {
	if len(seg) < 6 || !strings.HasPrefix(seg, "s--") || !strings.HasSuffix(seg, "--") {
		return false
	}
	for _, c := range []byte(seg[3 : len(seg)-2]) {
		if !isAlnum(c) && c != '-' && c != '_' {
			return false
		}
	}
	return true
}

// isScheme reports whether seg is a URL scheme with its colon ("https:").
func isScheme(seg string) bool {
	if len(seg) < 2 || seg[len(seg)-1] != ':' || !isLetter(seg[0]) {
		return false
	}
	for _, c := range []byte(seg[1 : len(seg)-1]) {
		if !isAlnum(c) && c != '+' && c != '-' && c != '.' {
			return false
		}
	}
	return true
}

// versionIndex returns the index of the first "v<digits>" segment, or -1.
func versionIndex(segs []string) int {
	for i, s := range segs {
		if isVersion(s) {
			return i
		}
	}
	return -1
}

func isVersion(s string) bool {
	if len(s) < 2 || s[0] != 'v' {
		return false
	}
	for _, c := range []byte(s[1:]) {
		if !isDigit(c) {
			return false
		}
	}
	return true
}

// splitExt splits "name.ext" where ext is 1–5 lower-case letters or digits
// and name is not empty.
func splitExt(s string) (base, ext string, ok bool) {
	dot := strings.LastIndexByte(s, '.')
	if dot <= 0 || strings.LastIndexByte(s, '/') > dot || dot == len(s)-1 || len(s)-dot-1 > 5 {
		return s, "", false
	}
	if s[dot-1] == '/' {
		return s, "", false
	}
	for _, c := range []byte(s[dot+1:]) {
		if !isDigit(c) && (c < 'a' || c > 'z') {
			return s, "", false
		}
	}
	return s[:dot], s[dot+1:], true
}

// collapseSlashes turns every run of '/' into one, as the SDKs do before
// building a URL, so "%2F%2F" inside a segment cannot create an empty folder.
func collapseSlashes(s string) string {
	for strings.Contains(s, "//") {
		s = strings.ReplaceAll(s, "//", "/")
	}
	return s
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isAlnum(c byte) bool  { return isDigit(c) || isLetter(c) }
