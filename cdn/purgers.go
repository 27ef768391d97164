package cdn

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/cumulusmedia/cumulus"
)

// DefaultTimeout bounds one purge request when the target sets none.
const DefaultTimeout = 10 * time.Second

// NewPurger builds the purger of t. getenv resolves {env:NAME}
// placeholders; a variable that is unset or empty is an error. client may
// be nil for a client of its own.
func NewPurger(t Target, getenv func(string) string, client *http.Client) (cumulus.Purger, error) {
	if client == nil {
		client = &http.Client{}
	}
	timeout := t.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	switch t.Kind {
	case KindVarnish:
		return &Varnish{name: t.Name(), url: t.URL, mode: t.Mode, client: client, timeout: timeout}, nil
	case KindHTTP:
		// Resolve the environment now: a missing secret is a start-up error,
		// not a purge that fails forever.
		var missing []string
		resolve := func(s string) string {
			return expandEnv(s, func(name string) string {
				v := getenv(name)
				if v == "" {
					missing = append(missing, name)
				}
				return v
			})
		}
		h := &HTTP{name: t.Name(), method: t.Method, url: resolve(t.URL), body: resolve(t.Body), client: client, timeout: timeout}
		for _, hd := range t.Headers {
			h.headers = append(h.headers, Header{Name: hd.Name, Value: resolve(hd.Value)})
		}
		if len(missing) > 0 {
			return nil, fmt.Errorf("purge target %s: environment variable %s is not set", t.Name(), strings.Join(missing, ", "))
		}
		h.perKey = strings.Contains(t.URL+t.Body, "{key}")
		for _, hd := range t.Headers {
			h.perKey = h.perKey || strings.Contains(hd.Value, "{key}")
		}
		return h, nil
	}
	return nil, fmt.Errorf("purge target: unknown kind %q", t.Kind)
}

// NewPurgers builds the purgers of every target.
func NewPurgers(ts []Target, getenv func(string) string, client *http.Client) ([]cumulus.Purger, error) {
	var out []cumulus.Purger
	for _, t := range ts {
		p, err := NewPurger(t, getenv, client)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func expandEnv(s string, getenv func(string) string) string {
	return placeholderRE.ReplaceAllStringFunc(s, func(m string) string {
		if sub := placeholderRE.FindStringSubmatch(m); sub[1] == "env" {
			return getenv(sub[2])
		}
		return m
	})
}

// varnishKeyRE is what a Varnish purge accepts as a key: the VCL builds a
// ban regular expression from the keys, so nothing in them may be special.
var varnishKeyRE = regexp.MustCompile(`^[A-Za-z0-9_/-]{1,200}$`)

// Varnish purges a Varnish that runs the VCL of deploy/varnish: a PURGE
// request with an xkey header (the xkey module drops every object tagged
// with one of the keys), or a BAN with the same header when the module is
// missing. The VCL answers 200 with a Cumulus-Purge header; any other
// answer is a failure, so a Varnish without our VCL is never taken for
// purged.
type Varnish struct {
	name    string
	url     string
	mode    VarnishMode
	client  *http.Client
	timeout time.Duration

	mu       sync.Mutex
	banUntil time.Time // auto mode: use BAN until then (the VCL said it has no xkey)
}

// xkeyRecheck is how long auto mode keeps using BAN before trying xkey again
// (the VCL may have been reloaded with the module since).
const xkeyRecheck = 10 * time.Minute

// Name implements cumulus.Purger.
func (v *Varnish) Name() string { return v.name }

// Purge implements cumulus.Purger.
func (v *Varnish) Purge(ctx context.Context, keys []string) error {
	for _, k := range keys {
		if !varnishKeyRE.MatchString(k) {
			return fmt.Errorf("%s: key %q has characters a Varnish purge cannot carry", v.name, k)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	method := "PURGE"
	v.mu.Lock()
	if v.mode == ModeBan || (v.mode == ModeAuto && time.Now().Before(v.banUntil)) {
		method = "BAN"
	}
	v.mu.Unlock()
	status, ack, err := v.send(ctx, method, keys)
	if err != nil {
		return err
	}
	if method == "PURGE" && status == http.StatusNotImplemented && ack == "no-xkey" && v.mode == ModeAuto {
		v.mu.Lock()
		v.banUntil = time.Now().Add(xkeyRecheck)
		v.mu.Unlock()
		method = "BAN"
		if status, ack, err = v.send(ctx, method, keys); err != nil {
			return err
		}
	}
	if status != http.StatusOK || ack == "" {
		return fmt.Errorf("%s: %s answered %d without a Cumulus-Purge header: is the Cumulus VCL loaded and this node in its cumulus_nodes ACL?", v.name, method, status)
	}
	return nil
}

func (v *Varnish) send(ctx context.Context, method string, keys []string) (int, string, error) {
	ctx, cancel := context.WithTimeout(ctx, v.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, v.url, nil)
	if err != nil {
		return 0, "", fmt.Errorf("%s: %w", v.name, err)
	}
	req.Header.Set("xkey", strings.Join(keys, " "))
	resp, err := v.client.Do(req)
	if err != nil {
		return 0, "", fmt.Errorf("%s: %s: %w", v.name, method, err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, resp.Header.Get("Cumulus-Purge"), nil
}

// HTTP purges through a CDN's HTTP API: one request per key when a
// template has {key}, else one request for all keys. Any 2xx answer is an
// acknowledgement.
type HTTP struct {
	name    string
	method  string
	url     string // templates, environment already resolved
	headers []Header
	body    string
	perKey  bool
	client  *http.Client
	timeout time.Duration
}

// Name implements cumulus.Purger.
func (h *HTTP) Name() string { return h.name }

// Purge implements cumulus.Purger.
func (h *HTTP) Purge(ctx context.Context, keys []string) error {
	for _, k := range keys {
		if k == "" || strings.IndexFunc(k, func(r rune) bool { return r <= ' ' || r >= 0x7f }) >= 0 {
			return fmt.Errorf("%s: key %q is not printable ASCII without spaces", h.name, k)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	batches := [][]string{keys}
	if h.perKey {
		batches = batches[:0]
		for _, k := range keys {
			batches = append(batches, []string{k})
		}
	}
	for _, b := range batches {
		if err := h.send(ctx, b); err != nil {
			return err
		}
	}
	return nil
}

func (h *HTTP) send(ctx context.Context, keys []string) error {
	ctx, cancel := context.WithTimeout(ctx, h.timeout)
	defer cancel()
	raw := func(s string) string { return s }
	u := expand(h.url, keys, nil, url.PathEscape)
	var body io.Reader
	if h.body != "" {
		body = strings.NewReader(expand(h.body, keys, nil, raw))
	}
	req, err := http.NewRequestWithContext(ctx, h.method, u, body)
	if err != nil {
		return fmt.Errorf("%s: %w", h.name, err)
	}
	for _, hd := range h.headers {
		req.Header.Set(hd.Name, expand(hd.Value, keys, nil, raw))
	}
	resp, err := h.client.Do(req)
	if err != nil {
		// The URL may carry a resolved secret: name the target, not the URL.
		if uerr := (*url.Error)(nil); errors.As(err, &uerr) {
			err = uerr.Err
		}
		return fmt.Errorf("%s: %w", h.name, err)
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s: answered %d: %s", h.name, resp.StatusCode, printable(snippet))
	}
	return nil
}

func printable(b []byte) string {
	b = bytes.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, b)
	return strings.TrimSpace(string(b))
}

var (
	_ cumulus.Purger = (*Varnish)(nil)
	_ cumulus.Purger = (*HTTP)(nil)
)
