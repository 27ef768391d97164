package deliveryurl

import (
	"hash/crc32"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/cumulusmedia/cumulus"
	"github.com/cumulusmedia/cumulus/signing"
)

// Dialect selects whose URL-building quirks Build reproduces.
type Dialect uint8

// The SDKs whose URLs Build can reproduce.
const (
	// Node is npm cloudinary 2.11: escapes with encodeURIComponent (keeps
	// "!'()*~"), signs the escaped public ID, shards on the escaped source
	// with suffix and format, passes a bare http(s) public ID through when
	// no type is given, reads "image/private/v1/id.jpg" as preloaded.
	Node Dialect = iota
	// Go is cloudinary-go 2.16: the extension is part of the public ID and
	// moves after an SEO suffix, '(' and ')' (and "!*'") are escaped, the
	// raw public ID is signed and sharded, an explicitly false
	// secure_cdn_subdomain cannot be expressed, use_root_path is silently
	// ignored for anything but image/upload and wins over url_suffix, and
	// spaces inside the transformation stay unescaped.
	Go
	// Python is pycloudinary 1.46: like Node, but escapes every byte
	// outside [A-Za-z0-9_.-/:], writes integer keyframe intervals as
	// "10.0", adds ":bframes_no", base64-encodes fetch layers as URL-safe
	// with padding, and treats secure_distribution "res.cloudinary.com" as
	// the shared host even with private_cdn.
	Python
)

// Options are the per-URL options of the SDKs, under their Node/Python
// names. The zero value builds an https image/upload URL on
// res.cloudinary.com with force_version on, like the SDKs' defaults.
type Options struct {
	Cloud        string
	ResourceType string // image (default), video, raw
	Type         string // upload (default), private, authenticated, fetch, list, …
	// Transformation is a raw transformation, components joined by '/'
	// (Node's raw_transformation, Go's Asset.Transformation). When Params
	// is set too, it is appended to Params' last component after a comma,
	// as Node does.
	Transformation string
	// Params are structured transformation options with Node's names
	// (width, crop, overlay, transformation: [...], …), converted by
	// TransformationString.
	Params Params
	// Version is emitted as v<Version>; 0 means none.
	Version int64
	// DisableForceVersion turns off the SDKs' force_version, which adds v1
	// to foldered public IDs without a version.
	DisableForceVersion bool
	Format              string // extension to append (Node/Python "format")
	URLSuffix           string // SEO suffix
	UseRootPath         bool
	Shorten             bool
	// Insecure builds http URLs (secure=false; Python's default).
	Insecure           bool
	PrivateCDN         bool
	SecureDistribution string // Go: secure_cname
	CNAME              string // used only for http URLs
	CDNSubdomain       bool
	// SecureCDNSubdomain is Node's tri-state secure_cdn_subdomain: nil
	// follows CDNSubdomain on the shared host.
	SecureCDNSubdomain *bool
	SignURL            bool
	APISecret          string
	SignatureAlgorithm string // sha1 (default) or sha256
	LongURLSignature   bool
	Dialect            Dialect
}

const (
	sharedHost    = "res.cloudinary.com"
	oldAkamaiHost = "cloudinary-a.akamaihd.net"
)

var (
	leadingVersion = regexp.MustCompile(`^v[0-9]+`)
	remoteURL      = regexp.MustCompile(`(?i)^https?:/`)
	preloaded      = regexp.MustCompile(`^(image|raw)/([a-z0-9_]+)/v(\d+)/([^#]+)$`)
)

// Build returns the delivery URL the chosen SDK builds for publicID with
// options o. It fails, like the SDKs, when url_suffix is used with a type
// that has no SEO form or contains '.' or '/', when use_root_path is used
// with anything but image/upload (Node and Python), and when the structured
// Params use an option this package does not convert (the error says which).
func Build(publicID string, o Options) (string, error) {
	const op = "deliveryurl.Build"
	if o.Cloud == "" {
		return "", cumulus.Errorf(cumulus.Invalid, op, "Unknown cloud_name")
	}
	rt, typ := o.ResourceType, o.Type
	if rt == "" {
		rt = "image"
	}
	typeGiven := typ != ""
	if typ == "" {
		typ = "upload"
	}
	version := o.Version
	format := o.Format

	params := o.Params
	if typ == "fetch" && format != "" && o.Dialect != Go {
		// Node/Python: a fetch URL's format becomes f_<format>.
		if params == nil || params["fetch_format"] == nil {
			params = cloneParams(params)
			params["fetch_format"] = format
			format = ""
		}
	}
	trans, err := buildTransformation(params, o.Transformation, o.Dialect)
	if err != nil {
		return "", err
	}
	trans = collapseDoubleSlash(trans)

	if o.Dialect == Node {
		if m := preloaded.FindStringSubmatch(publicID); m != nil {
			rt, typ, publicID = m[1], m[2], m[4]
			version, _ = strconv.ParseInt(m[3], 10, 64)
		}
		if !typeGiven && remoteURL.MatchString(publicID) {
			return publicID, nil
		}
	}

	assetPart, err := assetPath(rt, typ, o)
	if err != nil {
		return "", err
	}

	publicID = collapseDoubleSlash(publicID)
	var source, toSign, shardSource string
	if o.Dialect == Go {
		source, toSign = goSource(publicID, o.URLSuffix, format)
		shardSource = toSign // Go's Asset.PublicID: the ID as given, with its extension
	} else {
		if strings.ContainsAny(o.URLSuffix, "./") {
			return "", cumulus.Errorf(cumulus.Invalid, op, "url_suffix should not include . or /")
		}
		source, toSign = sdkSource(publicID, o.URLSuffix, format, o.Dialect)
		shardSource = source
	}

	if version == 0 && !o.DisableForceVersion {
		id := toSign
		if o.Dialect == Go {
			id = publicID
		}
		if strings.Contains(id, "/") && !leadingVersion.MatchString(id) && !remoteURL.MatchString(id) {
			version = 1
		}
	}

	sig := ""
	if o.SignURL {
		s := joinNonEmpty(trans, toSign)
		if o.LongURLSignature {
			sig = "s--" + signing.URLSignature(s, o.APISecret, signing.SHA256, true) + "--"
		} else {
			sig = "s--" + signing.URLSignature(s, o.APISecret, o.SignatureAlgorithm, false) + "--"
		}
	}
	ver := ""
	if version != 0 {
		ver = "v" + strconv.FormatInt(version, 10)
	}
	u := joinNonEmpty(prefix(shardSource, o), assetPart, sig, trans, ver, source)
	if o.Dialect != Go {
		u = strings.ReplaceAll(u, " ", "%20")
	}
	return u, nil
}

// assetPath returns the asset-and-delivery part of the path (§A.1).
func assetPath(rt, typ string, o Options) (string, error) {
	const op = "deliveryurl.Build"
	if o.Dialect == Go {
		if rt == "image" && typ == "upload" {
			if o.UseRootPath {
				return "", nil
			}
			if o.Shorten {
				return "iu", nil
			}
		}
		if o.URLSuffix == "" {
			return rt + "/" + typ, nil
		}
		if w := seoWord(rt, typ); w != "" {
			return w, nil
		}
		return "", cumulus.Errorf(cumulus.Invalid, op, "URL Suffix is not supported for %s/%s", rt, typ)
	}
	part := rt + "/" + typ
	isImageUpload := rt == "image" && typ == "upload"
	if o.URLSuffix != "" {
		w := seoWord(rt, typ)
		if w == "" {
			return "", cumulus.Errorf(cumulus.Invalid, op, "URL Suffix only supported for image/upload, image/private, image/authenticated, video/upload and raw/upload")
		}
		part = w
	}
	if o.UseRootPath {
		if !isImageUpload {
			return "", cumulus.Errorf(cumulus.Invalid, op, "Root path only supported for image/upload")
		}
		return "", nil
	}
	if o.Shorten && part == "image/upload" {
		return "iu", nil
	}
	return part, nil
}

// sdkSource escapes the public ID as Node or Python do and returns it with
// suffix and format (the path) and without the suffix (what is signed).
func sdkSource(id, suffix, format string, d Dialect) (source, toSign string) {
	if remoteURL.MatchString(id) {
		source = smartEscape(id)
		return source, source
	}
	dec, err := url.PathUnescape(id)
	if err != nil {
		dec = id // decodeURIComponent would throw; keep the text as given
	}
	if d == Python {
		source = smartEscape(dec)
	} else {
		source = strings.NewReplacer("%3A", ":", "%2F", "/").Replace(encodeURIComponent(dec))
	}
	toSign = source
	if suffix != "" {
		source += "/" + suffix
	}
	if format != "" {
		source += "." + format
		toSign += "." + format
	}
	return source, toSign
}

// goSource escapes like cloudinary-go: the extension is cut off, the rest
// unescaped when it is valid and query-escaped, then suffix and extension
// are appended. Go signs the public ID exactly as given.
func goSource(id, suffix, format string) (source, toSign string) {
	if format != "" {
		id += "." + format
	}
	ext := path.Ext(id)
	base := id[:len(id)-len(ext)]
	if !remoteURL.MatchString(base) {
		if dec, err := url.PathUnescape(base); err == nil {
			base = dec
		}
	}
	source = strings.NewReplacer("%3A", ":", "%2F", "/", "+", "%20").Replace(url.QueryEscape(base))
	if suffix != "" {
		source += "/" + suffix
	}
	return source + ext, id
}

// prefix returns scheme, host and, on a shared host, the cloud (§A.2).
func prefix(source string, o Options) string {
	shard := strconv.FormatUint(uint64(crc32.ChecksumIEEE([]byte(source))%5+1), 10)
	shared := !o.PrivateCDN
	var p string
	if !o.Insecure {
		host := o.SecureDistribution
		if host == "" || (host == oldAkamaiHost && o.Dialect != Go) {
			if o.PrivateCDN {
				host = o.Cloud + "-res.cloudinary.com"
			} else {
				host = sharedHost
			}
		}
		if o.Dialect == Python && host == sharedHost {
			shared = true
		}
		secureShard := o.SecureCDNSubdomain != nil && *o.SecureCDNSubdomain
		if shared && (o.SecureCDNSubdomain == nil || (o.Dialect == Go && !secureShard)) {
			secureShard = o.CDNSubdomain
		}
		if secureShard {
			host = strings.Replace(host, sharedHost, "res-"+shard+".cloudinary.com", 1)
		}
		p = "https://" + host
	} else if o.CNAME != "" {
		sub := ""
		if o.CDNSubdomain {
			sub = "a" + shard + "."
		}
		p = "http://" + sub + o.CNAME
	} else {
		host := "res"
		if o.PrivateCDN {
			host = o.Cloud + "-res"
		}
		if o.CDNSubdomain {
			host += "-" + shard
		}
		p = "http://" + host + ".cloudinary.com"
	}
	if shared {
		p += "/" + o.Cloud
	}
	return p
}

// encodeURIComponent escapes like JavaScript's: UTF-8 bytes outside
// [A-Za-z0-9-_.!~*'()] become upper-case %XX.
func encodeURIComponent(s string) string {
	return escapeExcept(s, "-_.!~*'()")
}

// smartEscape escapes like the SDKs' smart_escape: bytes outside
// [A-Za-z0-9_.-/:] become upper-case %XX.
func smartEscape(s string) string {
	return escapeExcept(s, "_.-/:")
}

func escapeExcept(s, keep string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isAlnum(c) || strings.IndexByte(keep, c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

// collapseDoubleSlash turns "//" into "/" except after ':', so that
// "https://" inside a fetch URL or a layer survives (the SDKs' rule).
func collapseDoubleSlash(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '/' && i > 0 && s[i-1] == '/' && !(i > 1 && s[i-2] == ':') {
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func joinNonEmpty(parts ...string) string {
	var nz []string
	for _, p := range parts {
		if p != "" {
			nz = append(nz, p)
		}
	}
	return strings.Join(nz, "/")
}
