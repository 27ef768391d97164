// Package cdn purges CDN caches by surrogate key: a Varnish purger (xkey
// purge, BAN when the xkey module is missing), a generic HTTP purger for
// CDN APIs (Fastly, Cloudflare and the like), and the Worker that carries
// out the purges the store wrote to its outbox, fanning each out to every
// configured target and retrying until all of them acknowledged it.
//
// # Target syntax
//
// Targets are configured as text (CUMULUS_PURGE, comma-separated, or the
// "purge" list of the configuration file):
//
//	target  = "varnish:" url *( ";" voption )
//	        | "http:" method " " template *( ";" hoption )
//	voption = "mode=" ( "auto" | "xkey" | "ban" ) | "timeout=" duration
//	hoption = header-name ":" template | "body=" template | "timeout=" duration
//
// A Varnish url is the base URL of a Varnish listener that runs the VCL of
// deploy/varnish. An HTTP template may contain the placeholders {key}
// (one request per surrogate key), {keys} (the keys space-separated, one
// request) or {keys_json} (a JSON array of the keys, one request), never
// {key} together with the other two, and at least one of them somewhere;
// {env:NAME} is replaced by that environment variable when the purger is
// built (so secrets stay out of the target text and out of logs). In the
// URL, placeholders are percent-encoded. Any other {word} is an error;
// other braces (JSON) are literal. In header values and bodies "%XX" is
// decoded, so "%2C" writes a comma and "%3B" a semicolon.
package cdn

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// Kind is the type of a purge target.
type Kind string

// The kinds of target.
const (
	KindVarnish Kind = "varnish"
	KindHTTP    Kind = "http"
)

// VarnishMode is how a Varnish target is purged.
type VarnishMode string

// The Varnish modes. Auto sends an xkey PURGE and falls back to BAN when
// the VCL reports that the xkey module is missing.
const (
	ModeAuto VarnishMode = "auto"
	ModeXkey VarnishMode = "xkey"
	ModeBan  VarnishMode = "ban"
)

// Header is one header of an HTTP target; Value is a template.
type Header struct{ Name, Value string }

// Target is one parsed purge target. Build a cumulus.Purger from it with
// NewPurger.
type Target struct {
	Kind    Kind
	URL     string      // Varnish: base URL; HTTP: URL template
	Mode    VarnishMode // Varnish only
	Method  string      // HTTP only
	Headers []Header    // HTTP only
	Body    string      // HTTP only; a template
	Timeout time.Duration
}

// MaxTimeout bounds a target's timeout option.
const MaxTimeout = 5 * time.Minute

// Name identifies the target without its secrets: the kind and the URL
// (for HTTP the method and the template, with {env:…} unresolved).
func (t Target) Name() string {
	if t.Kind == KindHTTP {
		return "http:" + t.Method + " " + t.URL
	}
	return "varnish:" + t.URL
}

// ParseTargets parses a comma-separated list of targets. Blank entries are
// ignored, so "" is no target. Every mistake is reported.
func ParseTargets(list string) ([]Target, error) {
	return ParseTargetList(strings.Split(list, ","))
}

// ParseTargetList parses targets given one per item (the configuration
// file's list, where a target may contain commas). Blank items are
// ignored; a target listed twice is an error.
func ParseTargetList(items []string) ([]Target, error) {
	var out []Target
	var errs []error
	for _, s := range items {
		if strings.TrimSpace(s) == "" {
			continue
		}
		t, err := ParseTarget(s)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, t)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if err := uniqueNames(out); err != nil {
		return nil, err
	}
	return out, nil
}

func uniqueNames(ts []Target) error {
	seen := map[string]bool{}
	for _, t := range ts {
		if seen[t.Name()] {
			return fmt.Errorf("purge target %s is listed twice", t.Name())
		}
		seen[t.Name()] = true
	}
	return nil
}

var (
	methodRE      = regexp.MustCompile(`^[A-Z]{1,16}$`)
	headerNameRE  = regexp.MustCompile("^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$")
	placeholderRE = regexp.MustCompile(`\{([a-z_]+)(?::([^{}]*))?\}`)
	envNameRE     = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,127}$`)
)

// ParseTarget parses one target (see the package documentation).
func ParseTarget(s string) (Target, error) {
	s = strings.TrimSpace(s)
	fail := func(format string, args ...any) (Target, error) {
		return Target{}, fmt.Errorf("purge target %q: %s", short(s), fmt.Sprintf(format, args...))
	}
	kind, rest, ok := strings.Cut(s, ":")
	if !ok || strings.HasPrefix(rest, "//") {
		return fail(`no kind: want "varnish:URL" or "http:METHOD URL"`)
	}
	parts := strings.Split(rest, ";")
	t := Target{Kind: Kind(kind)}
	switch t.Kind {
	case KindVarnish:
		t.URL, t.Mode = strings.TrimSpace(parts[0]), ModeAuto
		u, err := url.Parse(t.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			return fail("%q is not an http(s) URL without query or credentials", t.URL)
		}
		for _, p := range parts[1:] {
			k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			switch {
			case ok && k == "mode" && (v == string(ModeAuto) || v == string(ModeXkey) || v == string(ModeBan)):
				t.Mode = VarnishMode(v)
			case ok && k == "timeout":
				if t.Timeout, err = parseTimeout(v); err != nil {
					return fail("%v", err)
				}
			default:
				return fail("unknown option %q (want mode=auto|xkey|ban or timeout=DURATION)", p)
			}
		}
	case KindHTTP:
		method, tmpl, ok := strings.Cut(strings.TrimSpace(parts[0]), " ")
		t.Method, t.URL = method, strings.TrimSpace(tmpl)
		if !ok || !methodRE.MatchString(t.Method) {
			return fail(`want "http:METHOD URL" with an upper-case method`)
		}
		for _, p := range parts[1:] {
			p = strings.TrimSpace(p)
			switch {
			case strings.HasPrefix(p, "body="):
				if t.Body != "" {
					return fail("body is given twice")
				}
				body, err := url.PathUnescape(strings.TrimPrefix(p, "body="))
				if err != nil {
					return fail("body: %v", err)
				}
				t.Body = body
			case strings.HasPrefix(p, "timeout="):
				var err error
				if t.Timeout, err = parseTimeout(strings.TrimPrefix(p, "timeout=")); err != nil {
					return fail("%v", err)
				}
			default:
				name, value, ok := strings.Cut(p, ":")
				if !ok || !headerNameRE.MatchString(strings.TrimSpace(name)) {
					return fail("option %q is neither \"Header: value\", body= nor timeout=", p)
				}
				value, err := url.PathUnescape(strings.TrimSpace(value))
				if err != nil {
					return fail("header %s: %v", name, err)
				}
				if strings.ContainsAny(value, "\r\n\x00") {
					return fail("header %s contains a line break", name)
				}
				t.Headers = append(t.Headers, Header{Name: strings.TrimSpace(name), Value: value})
			}
		}
		if err := t.checkTemplates(); err != nil {
			return fail("%v", err)
		}
	default:
		return fail("unknown kind %q (want varnish or http)", kind)
	}
	return t, nil
}

func parseTimeout(v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 || d > MaxTimeout {
		return 0, fmt.Errorf("timeout %q is not a duration between 0 and %s", v, MaxTimeout)
	}
	return d, nil
}

// checkTemplates validates the placeholders of an HTTP target and that its
// URL is an absolute http(s) URL once they are filled in.
func (t Target) checkTemplates() error {
	perKey, joined := false, false
	all := []string{t.URL, t.Body}
	for _, h := range t.Headers {
		all = append(all, h.Value)
	}
	for _, s := range all {
		for _, m := range placeholderRE.FindAllStringSubmatch(s, -1) {
			switch {
			case m[1] == "key" && !strings.Contains(m[0], ":"):
				perKey = true
			case (m[1] == "keys" || m[1] == "keys_json") && !strings.Contains(m[0], ":"):
				joined = true
			case m[1] == "env" && envNameRE.MatchString(m[2]):
			default:
				return fmt.Errorf("unknown placeholder %s (want {key}, {keys}, {keys_json} or {env:NAME})", m[0])
			}
		}
	}
	if perKey && joined {
		return errors.New("{key} (one request per key) cannot be mixed with {keys} or {keys_json} (one request)")
	}
	if !perKey && !joined {
		return errors.New("no {key}, {keys} or {keys_json} placeholder: the purge would not name what to purge")
	}
	probe := expand(t.URL, []string{"k"}, func(string) string { return "x" }, url.PathEscape)
	u, err := url.Parse(probe)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an absolute http(s) URL", t.URL)
	}
	return nil
}

// expand fills the placeholders of a template with keys (for {key}, the
// single key) and environment values; enc encodes each inserted value.
func expand(tmpl string, keys []string, getenv func(string) string, enc func(string) string) string {
	return placeholderRE.ReplaceAllStringFunc(tmpl, func(m string) string {
		sub := placeholderRE.FindStringSubmatch(m)
		switch {
		case m == "{key}" || m == "{keys}":
			return enc(strings.Join(keys, " "))
		case m == "{keys_json}":
			return jsonStrings(keys)
		case sub[1] == "env":
			return getenv(sub[2])
		}
		return m
	})
}

func jsonStrings(keys []string) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%q", k) // keys are printable ASCII: %q is valid JSON
	}
	b.WriteByte(']')
	return b.String()
}

func short(s string) string {
	if len(s) > 120 {
		return s[:120] + "…"
	}
	return s
}
