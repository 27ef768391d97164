package deliveryurl

import (
	"reflect"
	"strconv"
)

// OptionsFromSDK turns an SDK's global configuration and per-call options,
// written with the SDKs' own key names (Node's and Python's, and Go's
// spellings cdn_sub_domain, secure_cdn_sub_domain and secure_cname), into
// Options, the way the SDK merges them: per-call options win. Keys that do
// not shape a URL (api_key, analytics, upload_prefix, …) are ignored in
// config; in options, anything that is not a URL key is a transformation
// parameter. It fails with *Unsupported for token authentication
// (auth_token with sign_url) and ssl_detected.
func OptionsFromSDK(config, options map[string]any, d Dialect) (Options, error) {
	o := Options{Dialect: d}
	m := map[string]any{}
	for k, x := range config {
		m[k] = x
	}
	for k, x := range options {
		m[k] = x
	}
	// Go spells a few keys its own way (spec §G.2).
	for goKey, key := range map[string]string{"cdn_sub_domain": "cdn_subdomain", "secure_cdn_sub_domain": "secure_cdn_subdomain", "secure_cname": "secure_distribution"} {
		if x, ok := m[goKey]; ok {
			m[key] = x
			delete(m, goKey)
		}
	}
	str := func(k string) string {
		if x, ok := m[k]; ok && x != nil {
			return jsString(x, o.Dialect)
		}
		return ""
	}
	truthy := func(k string) bool {
		switch x := m[k].(type) {
		case bool:
			return x
		case string:
			return x != ""
		case nil:
			return false
		}
		return true
	}
	if truthy("sign_url") {
		if tok, ok := m["auth_token"]; ok && tok != false && tok != nil {
			return o, &Unsupported{Option: "auth_token"}
		}
	}
	if _, ok := m["ssl_detected"]; ok {
		return o, &Unsupported{Option: "ssl_detected"}
	}
	if rw, ok := options["responsive_width"]; ok && rw == true {
		if rwt, ok := config["responsive_width_transformation"]; ok &&
			!reflect.DeepEqual(rwt, map[string]any{"width": "auto", "crop": "limit"}) {
			return o, &Unsupported{Option: "responsive_width_transformation"}
		}
	}
	o.Cloud = str("cloud_name")
	o.ResourceType = str("resource_type")
	o.Type = str("type")
	if s := str("version"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return o, &Unsupported{Option: "version " + s}
		}
		o.Version = n
	}
	if x, ok := m["force_version"].(bool); ok && !x {
		o.DisableForceVersion = true
	}
	o.Format = str("format")
	o.URLSuffix = str("url_suffix")
	o.UseRootPath = truthy("use_root_path")
	o.Shorten = truthy("shorten")
	switch d {
	case Python: // Python's default is http
		o.Insecure = !truthy("secure")
	default: // Node and Go default to https
		o.Insecure = m["secure"] == false
	}
	o.PrivateCDN = truthy("private_cdn")
	o.SecureDistribution = str("secure_distribution")
	o.CNAME = str("cname")
	o.CDNSubdomain = truthy("cdn_subdomain")
	if x, ok := m["secure_cdn_subdomain"].(bool); ok {
		o.SecureCDNSubdomain = &x
	}
	o.SignURL = truthy("sign_url")
	o.APISecret = str("api_secret")
	o.SignatureAlgorithm = str("signature_algorithm")
	o.LongURLSignature = truthy("long_url_signature")
	o.Transformation = str("raw_transformation")

	urlKeys := map[string]bool{
		"cloud_name": true, "resource_type": true, "type": true, "version": true, "force_version": true,
		"format": true, "url_suffix": true, "use_root_path": true, "shorten": true, "secure": true,
		"private_cdn": true, "secure_distribution": true, "cname": true, "cdn_subdomain": true,
		"secure_cdn_subdomain": true, "sign_url": true, "api_secret": true, "signature_algorithm": true,
		"long_url_signature": true, "raw_transformation": true, "auth_token": true,
	}
	for k, x := range options {
		if urlKeys[k] {
			continue
		}
		if o.Params == nil {
			o.Params = Params{}
		}
		o.Params[k] = x
	}
	return o, nil
}
