// Package fetch downloads user-named http(s) URLs without letting them
// reach the server's own network: remote uploads, webhooks and (later)
// fetched overlays go through it.
//
// The address check runs in the dialer, on the IP the connection is about
// to use, after DNS resolution: a host name that resolves (or re-resolves,
// as in DNS rebinding) to a blocked address is refused, and so is every
// redirect hop, since each hop dials anew. Loopback, private, link-local,
// CGNAT, multicast, unspecified and reserved ranges are blocked, as are
// IPv6 forms that embed an IPv4 address (mapped, compatible, NAT64, 6to4,
// Teredo); Config.Allow re-opens chosen ranges.
package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"path"
	"strings"
	"syscall"
	"time"
)

// Config bounds what a Client fetches.
type Config struct {
	// Allow lists ranges that may be reached although the block list
	// covers them (a local test server, an internal image host).
	Allow []netip.Prefix
	// MaxBytes bounds a response body; a larger one fails with ErrTooLarge.
	MaxBytes int64
	// Timeout bounds a whole request: connecting, redirects, headers and
	// reading the body.
	Timeout time.Duration
	// MaxRedirects is how many redirects Get follows; 0 follows none.
	MaxRedirects int
	// UserAgent is sent with every request.
	UserAgent string
}

// DefaultConfig returns limits for remote uploads: 100 MiB, one minute,
// five redirects, and no allowed private range.
func DefaultConfig() Config {
	return Config{MaxBytes: 100 << 20, Timeout: time.Minute, MaxRedirects: 5, UserAgent: "Cumulus/1.0 (remote fetch)"}
}

// Validate reports every mistake in c.
func (c Config) Validate() error {
	var errs []error
	if c.MaxBytes <= 0 {
		errs = append(errs, errors.New("fetch: MaxBytes must be positive"))
	}
	if c.Timeout <= 0 {
		errs = append(errs, errors.New("fetch: Timeout must be positive"))
	}
	if c.MaxRedirects < 0 || c.MaxRedirects > 20 {
		errs = append(errs, errors.New("fetch: MaxRedirects must be between 0 and 20"))
	}
	for _, p := range c.Allow {
		if !p.IsValid() {
			errs = append(errs, fmt.Errorf("fetch: invalid allowed range %v", p))
		}
	}
	return errors.Join(errs...)
}

// ParseAllow parses a comma-separated list of CIDRs or single addresses
// ("127.0.0.1/32,10.0.0.0/8,::1"), as CUMULUS_FETCH_ALLOW spells it.
// Empty items are skipped; the first malformed one is an error.
func ParseAllow(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if !strings.Contains(item, "/") {
			a, err := netip.ParseAddr(item)
			if err != nil {
				return nil, fmt.Errorf("fetch: allowed range %q is not a CIDR or an address", item)
			}
			a = a.Unmap()
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(item)
		if err != nil {
			return nil, fmt.Errorf("fetch: allowed range %q is not a CIDR or an address", item)
		}
		if p.Addr().Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// The errors a fetch can fail with, to be tested with errors.Is.
var (
	ErrBlocked   = errors.New("address not allowed")
	ErrScheme    = errors.New("only http and https URLs can be fetched")
	ErrTooLarge  = errors.New("response too large")
	ErrRedirects = errors.New("too many redirects")
)

// StatusError is a response with a status other than 2xx.
type StatusError struct {
	Code   int
	Status string // e.g. "404 Not Found"
}

func (e *StatusError) Error() string { return e.Status }

// blockedError names the refused address; it unwraps to ErrBlocked.
type blockedError struct{ what string }

func (e *blockedError) Error() string { return "address " + e.what + " is not allowed" }
func (e *blockedError) Unwrap() error { return ErrBlocked }

// Client fetches URLs within its Config. It is safe for concurrent use.
type Client struct {
	cfg    Config
	get    *http.Client // follows up to MaxRedirects
	noFoll *http.Client // Post: a webhook is never redirected
}

// New returns a Client, or the mistakes in cfg.
func New(cfg Config) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c := &Client{cfg: cfg}
	dialer := &net.Dialer{
		Timeout:   min(cfg.Timeout, 10*time.Second),
		KeepAlive: 30 * time.Second,
		// Control sees the resolved address of every connection attempt
		// (each IP of a name, each redirect hop), so the check cannot be
		// raced by a second DNS answer.
		Control: func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return &blockedError{what: address}
			}
			if !Allowed(ap.Addr(), cfg.Allow) {
				return &blockedError{what: ap.Addr().String()}
			}
			return nil
		},
	}
	tr := &http.Transport{
		// Never a proxy from the environment: the dialer would then check
		// the proxy's address instead of the target's.
		Proxy:                  nil,
		DialContext:            dialer.DialContext,
		ForceAttemptHTTP2:      true,
		TLSHandshakeTimeout:    10 * time.Second,
		ResponseHeaderTimeout:  cfg.Timeout,
		MaxResponseHeaderBytes: 64 << 10,
		MaxIdleConns:           32,
		IdleConnTimeout:        30 * time.Second,
	}
	c.get = &http.Client{Transport: tr, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) > cfg.MaxRedirects {
			return ErrRedirects
		}
		return checkURL(req.URL)
	}}
	c.noFoll = &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return c, nil
}

// Get fetches rawURL and returns its body, its size (-1 when the server
// did not say) and its Content-Type. The body is bounded by MaxBytes (a
// read past it fails with ErrTooLarge) and by Timeout; the caller must
// Close it. A status other than 2xx is a *StatusError.
func (c *Client) Get(ctx context.Context, rawURL string) (io.ReadCloser, int64, string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, 0, "", fmt.Errorf("fetch: invalid URL: %w", err)
	}
	if err := checkURL(u); err != nil {
		return nil, 0, "", err
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		cancel()
		return nil, 0, "", fmt.Errorf("fetch: %w", err)
	}
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	resp, err := c.get.Do(req)
	if err != nil {
		cancel()
		return nil, 0, "", unwrapURLError(err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		resp.Body.Close()
		cancel()
		return nil, 0, "", &StatusError{Code: resp.StatusCode, Status: resp.Status}
	}
	if resp.ContentLength > c.cfg.MaxBytes {
		resp.Body.Close()
		cancel()
		return nil, 0, "", fmt.Errorf("%w: %d bytes, at most %d", ErrTooLarge, resp.ContentLength, c.cfg.MaxBytes)
	}
	body := &limitedBody{rc: resp.Body, left: c.cfg.MaxBytes, cancel: cancel}
	return body, resp.ContentLength, resp.Header.Get("Content-Type"), nil
}

// Post sends body to rawURL with header and returns the response status;
// redirects are not followed (a 3xx is returned as it is). The response
// body is read (up to 64 KiB) and discarded.
func (c *Client) Post(ctx context.Context, rawURL string, header http.Header, body []byte) (int, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return 0, fmt.Errorf("fetch: invalid URL: %w", err)
	}
	if err := checkURL(u); err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(string(body)))
	if err != nil {
		return 0, fmt.Errorf("fetch: %w", err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	resp, err := c.noFoll.Do(req)
	if err != nil {
		return 0, unwrapURLError(err)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return resp.StatusCode, nil
}

// FileName returns the last path segment of rawURL without its
// extension, as Cloudinary's original_filename of a remote upload; "file"
// when there is none.
func FileName(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "file"
	}
	base := path.Base(u.Path)
	if base == "/" || base == "." || base == "" {
		return "file"
	}
	return base
}

// checkURL refuses schemes other than http(s) and hosts whose spelling is
// ambiguous: numeric forms such as 127.1, 0x7f.1 or 2130706433 are read
// as addresses by some resolvers and as names by others.
func checkURL(u *url.URL) error {
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%w (got %q)", ErrScheme, u.Scheme)
	}
	host := u.Hostname()
	if host == "" {
		return fmt.Errorf("fetch: URL has no host")
	}
	if _, err := netip.ParseAddr(host); err != nil && numericHost(host) {
		return &blockedError{what: host + " (ambiguous numeric host)"}
	}
	return nil
}

// numericHost reports whether every label of host is a decimal, octal or
// hexadecimal number (the inet_aton spellings of an IPv4 address).
func numericHost(host string) bool {
	host = strings.TrimSuffix(host, ".")
	if host == "" {
		return false
	}
	for _, label := range strings.Split(host, ".") {
		l := strings.ToLower(label)
		digits := l
		hex := strings.HasPrefix(l, "0x")
		if hex {
			digits = l[2:]
		}
		if digits == "" && !hex {
			return false
		}
		for _, r := range digits {
			if !(r >= '0' && r <= '9') && !(hex && r >= 'a' && r <= 'f') {
				return false
			}
		}
	}
	return true
}

// unwrapURLError drops net/http's url.Error layer, which repeats the URL.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var be *blockedError
	if errors.As(err, &be) {
		return be
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("fetch: timed out: %w", err)
	}
	return fmt.Errorf("fetch: %w", err)
}

// limitedBody ends a response body at the byte limit, with an error
// rather than a silent truncation, and releases the request's timer.
type limitedBody struct {
	rc     io.ReadCloser
	left   int64
	cancel context.CancelFunc
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One more byte would exceed the limit: look for it.
		var one [1]byte
		n, err := b.rc.Read(one[:])
		if n > 0 {
			return 0, ErrTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *limitedBody) Close() error {
	err := b.rc.Close()
	b.cancel()
	return err
}
