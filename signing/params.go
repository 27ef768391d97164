package signing

import (
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// excluded are the parameters that are sent but never signed (§C.2 step 1),
// plus Go's "unsigned", which only unsigned requests carry.
var excluded = map[string]bool{
	"file":          true,
	"cloud_name":    true,
	"resource_type": true,
	"api_key":       true,
	"signature":     true,
	"unsigned":      true,
}

// arrayName splits an array spelling of a form key: "tags[]" gives ("tags",
// -1, true), "tags[3]" gives ("tags", 3, true); any other key gives false.
func arrayName(key string) (name string, index int, ok bool) {
	open := strings.LastIndexByte(key, '[')
	if open <= 0 || !strings.HasSuffix(key, "]") {
		return "", 0, false
	}
	inner := key[open+1 : len(key)-1]
	if inner == "" {
		return key[:open], -1, true
	}
	n, err := strconv.Atoi(inner)
	if err != nil || n < 0 || strconv.Itoa(n) != inner {
		return "", 0, false
	}
	return key[:open], n, true
}

// normalize folds the array spellings of params into one comma-joined value
// per name and drops excluded names and empty values.
//
// The order of an array's elements is the order they were signed in: "key[]"
// values in the order received, after any plain "key" values; "key[N]"
// values in the byte order of their keys, because the Go SDK (the only one
// that sends indexed keys) sorts the keys as strings before joining them, so
// key[10] comes before key[2].
func normalize(params url.Values) map[string]string {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	type parts struct{ plain, bracket, indexed []string }
	byName := map[string]*parts{}
	get := func(n string) *parts {
		p := byName[n]
		if p == nil {
			p = &parts{}
			byName[n] = p
		}
		return p
	}
	for _, k := range keys {
		vals := params[k]
		name, idx, isArray := arrayName(k)
		switch {
		case !isArray:
			get(k).plain = append(get(k).plain, vals...)
		case idx < 0:
			get(name).bracket = append(get(name).bracket, vals...)
		default:
			get(name).indexed = append(get(name).indexed, vals...)
		}
	}
	out := make(map[string]string, len(byName))
	for name, p := range byName {
		if excluded[name] {
			continue
		}
		var vals []string
		for _, group := range [][]string{p.plain, p.bracket, p.indexed} {
			for _, v := range group {
				if v != "" {
					vals = append(vals, v)
				}
			}
		}
		if len(vals) > 0 {
			out[name] = strings.Join(vals, ",")
		}
	}
	return out
}

// StringToSign returns the string an SDK signs for params (§C.2): every
// parameter except file, cloud_name, resource_type, api_key, signature and
// unsigned, empty values dropped, arrays (sent as key[], key[N] or repeated
// keys) joined with ',', sorted by name, written name=value and joined with
// '&', without URL encoding. With version 2 (the SDKs' default) each '&'
// inside a value becomes "%26"; version 1 keeps values verbatim.
func StringToSign(params url.Values, version int) string {
	norm := normalize(params)
	names := make([]string, 0, len(norm))
	for n := range norm {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for i, n := range names {
		if i > 0 {
			b.WriteByte('&')
		}
		v := norm[n]
		if version >= 2 {
			v = strings.ReplaceAll(v, "&", "%26")
		}
		b.WriteString(n)
		b.WriteByte('=')
		b.WriteString(v)
	}
	return b.String()
}

// SignParams returns the hex signature of params: the digest of
// StringToSign(params, version) followed by secret, SHA-1 (40 hex digits)
// or SHA-256 (64) as algo says.
func SignParams(params url.Values, secret, algo string, version int) string {
	return SignString(StringToSign(params, version), secret, algo)
}

// SignString returns the hex digest of toSign followed by secret: the last
// step of every API signature, for callers that build the string themselves.
func SignString(toSign, secret, algo string) string {
	return hexDigest(algo, []byte(toSign), []byte(secret))
}

// VerifyParams reports whether signature signs params with secret. It
// accepts the version-2 or the version-1 string to sign, SHA-1 for a
// 40-digit signature and SHA-256 for a 64-digit one (case-insensitive hex),
// and compares in constant time. It always returns the version-2 string, for
// Cloudinary's error text "Invalid Signature <sig>. String to sign - '<s>'.".
func VerifyParams(params url.Values, secret, signature string) (ok bool, stringToSign string) {
	v2 := StringToSign(params, 2)
	var algo string
	switch len(signature) {
	case 40:
		algo = SHA1
	case 64:
		algo = SHA256
	default:
		return false, v2
	}
	sig := strings.ToLower(signature)
	match := subtleEq(sig, hexDigest(algo, []byte(v2), []byte(secret)))
	// Version 1 differs only when a value holds '&'; checking it anyway keeps
	// the time independent of the parameters' content.
	v1 := StringToSign(params, 1)
	match |= subtleEq(sig, hexDigest(algo, []byte(v1), []byte(secret)))
	return match == 1, v2
}

func subtleEq(a, b string) int {
	if equal(a, b) {
		return 1
	}
	return 0
}
