package integration

// Cumulus behind a real Varnish running deploy/varnish: caching, exact
// invalidation of every URL shape of an asset, the outbox across a
// restart, the BAN fallback, the purge ACL and cache poisoning. Varnish and
// varnish-modules are installed from Debian when missing; these tests fail
// (never skip) when that is impossible.

import (
	"bytes"
	"context"
	"fmt"
	"image/color"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cloudinary/cloudinary-go/v2/api"
	"github.com/cloudinary/cloudinary-go/v2/api/uploader"
)

var (
	varnishOnce sync.Once
	varnishErr  error
	varnishd    string
)

// ensureVarnish installs varnish and varnish-modules (for xkey) through apt
// when either is missing, once per test binary.
func ensureVarnish(t testing.TB) string {
	t.Helper()
	varnishOnce.Do(func() {
		find := func() string {
			for _, p := range []string{"varnishd", "/usr/sbin/varnishd"} {
				if path, err := exec.LookPath(p); err == nil {
					return path
				}
			}
			return ""
		}
		xkey, _ := filepath.Glob("/usr/lib/*/varnish/vmods/libvmod_xkey.so")
		if varnishd = find(); varnishd != "" && len(xkey) > 0 {
			return
		}
		sudo := []string{}
		if os.Geteuid() != 0 {
			sudo = []string{"sudo", "-n"}
		}
		run := func(args ...string) error {
			cmd := exec.Command(append(sudo, args...)[0], append(sudo, args...)[1:]...)
			cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
			out, err := cmd.CombinedOutput()
			if err != nil {
				return fmt.Errorf("%s: %v\n%s", strings.Join(args, " "), err, out)
			}
			return nil
		}
		if varnishErr = run("apt-get", "update", "-qq"); varnishErr != nil {
			return
		}
		if varnishErr = run("apt-get", "install", "-y", "-qq", "--no-install-recommends", "varnish", "varnish-modules"); varnishErr != nil {
			return
		}
		if varnishd = find(); varnishd == "" {
			varnishErr = fmt.Errorf("varnishd not found after installing varnish")
		}
	})
	if varnishErr != nil {
		t.Fatalf("Varnish is required and could not be installed: %v", varnishErr)
	}
	return varnishd
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// varnishProc is a varnishd on loopback in a temporary working directory.
type varnishProc struct {
	Addr string // 127.0.0.1:PORT
	URL  string
	cmd  *exec.Cmd
	log  *bytes.Buffer
}

// startVarnish starts varnishd in front of backend (host:port) with the
// shipped VCL; withXkey false leaves purge-xkey.vcl out (a Varnish without
// the module). It is killed when t ends.
func startVarnish(t testing.TB, backend string, port int, withXkey bool) *varnishProc {
	t.Helper()
	bin := ensureVarnish(t)
	deploy, err := filepath.Abs("../deploy/varnish")
	if err != nil {
		t.Fatal(err)
	}
	// varnishd's working directory must be short (a socket path lives in
	// it) and on a file system that allows mmap: a fresh /tmp directory.
	dir, err := os.MkdirTemp("", "cumulus-varnish-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	host, bport, _ := net.SplitHostPort(backend)
	includes := `include "purge-xkey.vcl";` + "\n" + `include "purge-ban.vcl";` + "\n" + `include "cumulus.vcl";`
	if !withXkey {
		includes = `include "purge-ban.vcl";` + "\n" + `include "cumulus.vcl";`
	}
	vcl := fmt.Sprintf(`vcl 4.1;
backend cumulus { .host = "%s"; .port = "%s"; .connect_timeout = 2s; .first_byte_timeout = 30s; }
acl cumulus_nodes { "127.0.0.1"; }
%s
`, host, bport, includes)
	top := filepath.Join(dir, "top.vcl")
	if err := os.WriteFile(top, []byte(vcl), 0o644); err != nil {
		t.Fatal(err)
	}
	v := &varnishProc{Addr: fmt.Sprintf("127.0.0.1:%d", port), log: &bytes.Buffer{}}
	v.URL = "http://" + v.Addr
	args := []string{"-F", "-n", filepath.Join(dir, "n"), "-a", v.Addr, "-T", "none", "-f", top,
		"-p", "vcl_path=" + deploy + ":" + dir, "-s", "malloc,64m", "-p", "ban_lurker_sleep=0.05"}
	if os.Geteuid() == 0 {
		args = append(args, "-j", "none")
	}
	v.cmd = exec.Command(bin, args...)
	v.cmd.Stdout, v.cmd.Stderr = v.log, v.log
	v.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := v.cmd.Start(); err != nil {
		t.Fatalf("starting varnishd: %v", err)
	}
	exited := make(chan struct{})
	go func() { v.cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		v.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			// The manager did not stop its child: end the group we started.
			syscall.Kill(-v.cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-exited:
			t.Fatalf("varnishd exited at start: %s", v.log)
		default:
		}
		if c, err := net.DialTimeout("tcp", v.Addr, 100*time.Millisecond); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("varnishd did not listen on %s within 30 s: %s", v.Addr, v.log)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return v
}

// reply is one response.
type reply struct {
	status int
	hdr    http.Header
	body   []byte
}

func (r reply) hit() bool { return r.hdr.Get("X-Cache") == "HIT" }

var noRedirect = &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// fetch sends method to base+path with host as the Host header (empty: the
// base's) and extra headers as pairs.
func fetch(t testing.TB, method, base, path, host string, hdr ...string) reply {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatalf("%s %s%s: %v", method, base, path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return reply{resp.StatusCode, resp.Header, body}
}

// shape is one way to ask for an asset: a path (with %s for its public
// ID), a Host header and request headers.
type shape struct {
	name string
	path string
	host string
	hdr  []string
}

// shapes are the URL shapes of one foldered image asset: all of them must
// be purged by one invalidation.
func shapes(cloud string) []shape {
	return []shape{
		{"versioned (v1)", "/" + cloud + "/image/upload/v1/%s.png", "", nil},
		{"unversioned", "/" + cloud + "/image/upload/%s.png", "", nil},
		{"foldered without extension", "/" + cloud + "/image/upload/%s", "", nil},
		{"transformed", "/" + cloud + "/image/upload/c_scale,w_20/v1/%s.png", "", nil},
		{"SEO suffix", "/" + cloud + "/images/%s/red-running-shoe.png", "", nil},
		{"root path", "/" + cloud + "/%s.png", "", nil},
		{"private-CDN host", "/image/upload/%s.png", cloud + "-res.example.com", nil},
		{"other host", "/" + cloud + "/image/upload/%s.png", "img.example.com", nil},
		{"f_auto", "/" + cloud + "/image/upload/f_auto/v1/%s", "", []string{"Accept", "image/avif,image/webp,image/apng,image/*,*/*;q=0.8"}},
		{"analytics query", "/" + cloud + "/image/upload/v1/%s.png?_a=BAMAK+ZW0", "", nil},
	}
}

// cacheAll requests every shape twice through Varnish and checks that the
// second answer is a hit of the first. It returns the cached bodies.
func cacheAll(t *testing.T, v *varnishProc, id string, ss []shape) map[string][]byte {
	t.Helper()
	cached := map[string][]byte{}
	for _, sh := range ss {
		p := fmt.Sprintf(sh.path, id)
		first := fetch(t, "GET", v.URL, p, sh.host, sh.hdr...)
		second := fetch(t, "GET", v.URL, p, sh.host, sh.hdr...)
		if first.status != 200 || second.status != 200 || !second.hit() || !bytes.Equal(first.body, second.body) {
			t.Errorf("%s %s: %d then %d (X-Cache %s, X-Cld-Error %q): want 200 and a hit of the same bytes",
				sh.name, p, first.status, second.status, second.hdr.Get("X-Cache"), second.hdr.Get("X-Cld-Error"))
			continue
		}
		cached[sh.name] = second.body
	}
	return cached
}

// waitAll polls every shape through Varnish until ok accepts its answer,
// and fails for the shapes that are not accepted within limit. It returns
// how long the slowest took.
func waitAll(t *testing.T, v *varnishProc, id string, ss []shape, since time.Time, limit time.Duration, ok func(sh shape, r reply) bool) time.Duration {
	t.Helper()
	pending := map[string]shape{}
	for _, sh := range ss {
		pending[sh.name] = sh
	}
	var slowest time.Duration
	for len(pending) > 0 {
		for name, sh := range pending {
			r := fetch(t, "GET", v.URL, fmt.Sprintf(sh.path, id), sh.host, sh.hdr...)
			if ok(sh, r) {
				slowest = max(slowest, time.Since(since))
				delete(pending, name)
			}
		}
		if time.Since(since) > limit {
			for name, sh := range pending {
				r := fetch(t, "GET", v.URL, fmt.Sprintf(sh.path, id), sh.host, sh.hdr...)
				t.Errorf("%s (%s): still %d, X-Cache %s, X-Cld-Error %q after %s", name, fmt.Sprintf(sh.path, id), r.status, r.hdr.Get("X-Cache"), r.hdr.Get("X-Cld-Error"), limit)
			}
			return slowest
		}
		time.Sleep(10 * time.Millisecond)
	}
	return slowest
}

// cumulusBehindVarnish starts Cumulus purging a Varnish that it then
// starts in front of it.
func cumulusBehindVarnish(t *testing.T, withXkey bool, env ...string) (*server, *varnishProc) {
	vport := freePort(t)
	s := startServer(t, serverOpts{env: append([]string{fmt.Sprintf("CUMULUS_PURGE=varnish:http://127.0.0.1:%d", vport)}, env...)})
	return s, startVarnish(t, s.Host, vport, withXkey)
}

func TestHeavyVarnishCachingAndInvalidation(t *testing.T) {
	s, v := cumulusBehindVarnish(t, true)
	cld := s.sdk(t)
	red, redBytes := pngFile(t, 40, 30, color.RGBA{220, 20, 20, 255})
	blue, blueBytes := pngFile(t, 50, 20, color.RGBA{20, 20, 220, 255})
	green, _ := pngFile(t, 30, 30, color.RGBA{20, 200, 20, 255})

	t.Run("SecondRequestIsAHit", func(t *testing.T) {
		mustUpload(t, cld, red, uploader.UploadParams{PublicID: "hit/logo"})
		first := fetch(t, "GET", v.URL, "/demo/image/upload/hit/logo.png", "")
		second := fetch(t, "GET", v.URL, "/demo/image/upload/hit/logo.png", "")
		if first.status != 200 || first.hit() || !second.hit() || !bytes.Equal(second.body, redBytes) {
			t.Fatalf("first %d %s, second %d %s: want a miss then a hit of the uploaded bytes", first.status, first.hdr.Get("X-Cache"), second.status, second.hdr.Get("X-Cache"))
		}
		if cc := second.hdr.Get("Cache-Control"); !strings.HasPrefix(cc, "public, max-age=") {
			t.Fatalf("Cache-Control through Varnish = %q", cc)
		}
		if second.hdr.Get("xkey") != "" {
			t.Fatal("the xkey header leaks to clients")
		}
	})

	t.Run("OverwriteWithoutInvalidate", func(t *testing.T) {
		// The seed's behaviour: the new version's URL serves the new image at
		// once; the unversioned URL keeps the cached old one.
		mustUpload(t, cld, red, uploader.UploadParams{PublicID: "seed/logo"})
		cacheAll(t, v, "seed/logo", shapes("demo")[1:2])
		res := mustUpload(t, cld, blue, uploader.UploadParams{PublicID: "seed/logo"})
		fresh := fetch(t, "GET", v.URL, fmt.Sprintf("/demo/image/upload/v%d/seed/logo.png", res.Version), "")
		if fresh.status != 200 || !bytes.Equal(fresh.body, blueBytes) {
			t.Fatalf("new-version URL: %d, %d bytes; want the new image at once", fresh.status, len(fresh.body))
		}
		old := fetch(t, "GET", v.URL, "/demo/image/upload/seed/logo.png", "")
		if !old.hit() || !bytes.Equal(old.body, redBytes) {
			t.Fatalf("unversioned URL: %s, want the cached old image (no invalidate was asked)", old.hdr.Get("X-Cache"))
		}
	})

	t.Run("InvalidateReachesEveryShape", func(t *testing.T) {
		const id = "shop/shoe"
		ss := shapes("demo")
		first := mustUpload(t, cld, red, uploader.UploadParams{PublicID: id})
		exact := fmt.Sprintf("/demo/image/upload/v%d/%s.png", first.Version, id)
		cached := cacheAll(t, v, id, ss)
		fetch(t, "GET", v.URL, exact, "")
		mustUpload(t, cld, blue, uploader.UploadParams{PublicID: id, Invalidate: api.Bool(true)})
		committed := time.Now()
		took := waitAll(t, v, id, ss, committed, time.Second, func(sh shape, r reply) bool {
			origin := fetch(t, "GET", s.URL, fmt.Sprintf(sh.path, id), sh.host, sh.hdr...)
			return r.status == 200 && origin.status == 200 && bytes.Equal(r.body, origin.body) && !bytes.Equal(r.body, cached[sh.name])
		})
		t.Logf("invalidate=true: %d shapes fresh through Varnish %s after the upload answered", len(ss), took)
		// Our extension: an exact version is immutable, and stays served.
		if r := fetch(t, "GET", v.URL, exact, ""); r.status != 200 || !bytes.Equal(r.body, redBytes) {
			t.Errorf("exact old version %s: %d, want the old bytes", exact, r.status)
		}

		if _, err := cld.Upload.Destroy(context.Background(), uploader.DestroyParams{PublicID: id, Invalidate: api.Bool(true)}); err != nil {
			t.Fatal(err)
		}
		destroyed := time.Now()
		took = waitAll(t, v, id, append(ss, shape{"exact version", fmt.Sprintf("/demo/image/upload/v%d/", first.Version) + "%s.png", "", nil}), destroyed, time.Second, func(_ shape, r reply) bool {
			return r.status == 404
		})
		t.Logf("destroy with invalidate: 404 everywhere %s after", took)
	})

	t.Run("RenameWithInvalidate", func(t *testing.T) {
		mustUpload(t, cld, green, uploader.UploadParams{PublicID: "old/name"})
		ss := shapes("demo")[:3]
		cacheAll(t, v, "old/name", ss)
		if _, err := cld.Upload.Rename(context.Background(), uploader.RenameParams{FromPublicID: "old/name", ToPublicID: "new/name", Invalidate: api.Bool(true)}); err != nil {
			t.Fatal(err)
		}
		waitAll(t, v, "old/name", ss, time.Now(), time.Second, func(_ shape, r reply) bool { return r.status == 404 })
		if r := fetch(t, "GET", v.URL, "/demo/image/upload/new/name.png", ""); r.status != 200 {
			t.Fatalf("renamed asset: %d", r.status)
		}
	})

	t.Run("PurgeOnlyFromCumulusNodes", func(t *testing.T) {
		mustUpload(t, cld, red, uploader.UploadParams{PublicID: "acl/logo"})
		res := mustUpload(t, cld, red, uploader.UploadParams{PublicID: "acl/logo"})
		_ = res
		cacheAll(t, v, "acl/logo", shapes("demo")[1:2])
		key := "demo" // purging the whole environment would be the worst a stranger could do
		// 127.0.0.2 is loopback too, but not in the VCL's cumulus_nodes ACL.
		stranger := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
			DialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}).DialContext}}
		for _, method := range []string{"PURGE", "BAN"} {
			req, _ := http.NewRequest(method, v.URL+"/", nil)
			req.Header.Set("xkey", key)
			resp, err := stranger.Do(req)
			if err != nil {
				t.Fatalf("%s from 127.0.0.2: %v", method, err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s from a stranger: %d, want 403", method, resp.StatusCode)
			}
		}
		if r := fetch(t, "GET", v.URL, "/demo/image/upload/acl/logo.png", ""); !r.hit() {
			t.Fatal("a stranger's purge dropped the object")
		}
		if r := fetch(t, "PURGE", v.URL, "/", "", "xkey", "demo/x y|z"); r.status != 400 {
			t.Errorf("PURGE with a malformed key from a node: %d, want 400", r.status)
		}
	})
}

// gate is a TCP proxy to a target that can hold connections unanswered,
// as a purge target that hangs would.
type gate struct {
	addr   string
	target string
	mu     sync.Mutex
	open   bool
	seen   atomic.Int64 // connections that arrived, held or forwarded
}

func newGate(t *testing.T, target string) *gate {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := &gate{addr: ln.Addr().String(), target: target}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go g.serve(c)
		}
	}()
	return g
}

func (g *gate) set(open bool) {
	g.mu.Lock()
	g.open = open
	g.mu.Unlock()
}

// serve forwards c when the gate is open. A connection that arrives while
// it is closed is held unanswered and then dropped, never forwarded: its
// request must not reach the target after the node that sent it died.
func (g *gate) serve(c net.Conn) {
	defer c.Close()
	g.seen.Add(1)
	g.mu.Lock()
	open := g.open
	g.mu.Unlock()
	for !open {
		time.Sleep(20 * time.Millisecond)
		g.mu.Lock()
		reopened := g.open
		g.mu.Unlock()
		if reopened {
			return
		}
	}
	up, err := net.Dial("tcp", g.target)
	if err != nil {
		return
	}
	defer up.Close()
	go io.Copy(up, c)
	io.Copy(c, up)
}

// A purge committed with the overwrite survives a crash of the node
// before the CDN acknowledged it: the next start carries it out.
func TestHeavyVarnishOutboxSurvivesRestart(t *testing.T) {
	vport, cport := freePort(t), freePort(t)
	g := newGate(t, fmt.Sprintf("127.0.0.1:%d", vport))
	data := t.TempDir()
	mport := freePort(t)
	opts := serverOpts{data: data, args: []string{"--addr", fmt.Sprintf("127.0.0.1:%d", cport)}, env: []string{
		"CUMULUS_PURGE=varnish:http://" + g.addr, "CUMULUS_PURGE_LEASE=2s", fmt.Sprintf("CUMULUS_METRICS_ADDR=127.0.0.1:%d", mport)}}
	s := startServer(t, opts)
	v := startVarnish(t, s.Host, vport, true)
	cld := s.sdk(t)
	red, redBytes := pngFile(t, 40, 30, color.RGBA{220, 20, 20, 255})
	blue, blueBytes := pngFile(t, 50, 20, color.RGBA{20, 20, 220, 255})
	const path = "/demo/image/upload/crash/logo.png"

	mustUpload(t, cld, red, uploader.UploadParams{PublicID: "crash/logo"})
	cacheAll(t, v, "crash/logo", shapes("demo")[1:2])
	// The purge target hangs: the overwrite commits, its purge cannot be
	// acknowledged, and the node dies.
	mustUpload(t, cld, blue, uploader.UploadParams{PublicID: "crash/logo", Invalidate: api.Bool(true)})
	time.Sleep(300 * time.Millisecond)
	if r := fetch(t, "GET", v.URL, path, ""); !r.hit() || !bytes.Equal(r.body, redBytes) {
		t.Fatalf("the purge went through the closed gate: %s", r.hdr.Get("X-Cache"))
	}
	if m := metrics(t, mport); !strings.Contains(m, "cumulus_purge_pending 1\n") {
		t.Fatalf("metrics before the crash:\n%s", m)
	}
	s.kill()
	g.set(true)
	start := time.Now()
	s = startServer(t, opts)
	for {
		r := fetch(t, "GET", v.URL, path, "")
		if bytes.Equal(r.body, blueBytes) {
			break
		}
		if time.Since(start) > 15*time.Second {
			t.Fatalf("the purge committed before the crash was not carried out after the restart: %s", s.log)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("purge carried out %s after the restart", time.Since(start).Round(time.Millisecond))
	deadline := time.Now().Add(5 * time.Second)
	for m := metrics(t, mport); !strings.Contains(m, "cumulus_purge_pending 0\n"); m = metrics(t, mport) {
		if time.Now().After(deadline) {
			t.Fatalf("outbox not emptied:\n%s", m)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func metrics(t *testing.T, port int) string {
	t.Helper()
	status, _, body := get(t, fmt.Sprintf("http://127.0.0.1:%d/metrics", port))
	if status != 200 {
		t.Fatalf("/metrics: %d", status)
	}
	return string(body)
}

// Without the xkey module Cumulus falls back to BAN and invalidation still
// reaches every cached shape.
func TestHeavyVarnishBanFallback(t *testing.T) {
	s, v := cumulusBehindVarnish(t, false)
	cld := s.sdk(t)
	red, _ := pngFile(t, 40, 30, color.RGBA{220, 20, 20, 255})
	blue, blueBytes := pngFile(t, 50, 20, color.RGBA{20, 20, 220, 255})
	ss := shapes("demo")[:3]
	mustUpload(t, cld, red, uploader.UploadParams{PublicID: "ban/logo"})
	cacheAll(t, v, "ban/logo", ss)
	mustUpload(t, cld, blue, uploader.UploadParams{PublicID: "ban/logo", Invalidate: api.Bool(true)})
	took := waitAll(t, v, "ban/logo", ss, time.Now(), time.Second, func(sh shape, r reply) bool {
		return r.status == 200 && (bytes.Equal(r.body, blueBytes) || sh.name == "foldered without extension" && len(r.body) == len(blueBytes))
	})
	t.Logf("BAN fallback: fresh %s after the upload", took)
	if t.Failed() {
		t.Logf("cumulus log: %s\nvarnish log: %s", s.log, v.log)
	}
	if !regexp.MustCompile(`purge target`).MatchString(s.log.String()) {
		t.Errorf("the purge target is not logged at start: %s", s.log)
	}
}

// Headers outside the cache key never change what Varnish stores: a
// request carrying them is answered and stored exactly like a clean one.
func TestHeavyVarnishCachePoisoning(t *testing.T) {
	s, v := cumulusBehindVarnish(t, true)
	cld := s.sdk(t)
	a, aBytes := pngFile(t, 40, 30, color.RGBA{220, 20, 20, 255})
	b, _ := pngFile(t, 10, 10, color.RGBA{0, 0, 0, 255})
	mustUpload(t, cld, a, uploader.UploadParams{PublicID: "poison/a"})
	mustUpload(t, cld, b, uploader.UploadParams{PublicID: "poison/b"})
	attacks := []struct {
		name string
		hdr  []string
	}{
		{"X-Forwarded-Host", []string{"X-Forwarded-Host", "evil.example"}},
		{"X-Original-URL", []string{"X-Original-URL", "/demo/image/upload/poison/b.png"}},
		{"X-Rewrite-URL", []string{"X-Rewrite-URL", "/demo/image/upload/poison/b.png"}},
		{"X-Forwarded-Scheme", []string{"X-Forwarded-Scheme", "nothttp"}},
		{"X-Forwarded-Proto", []string{"X-Forwarded-Proto", "gopher"}},
		{"Forwarded", []string{"Forwarded", "host=evil.example;proto=https"}},
		{"X-HTTP-Method-Override", []string{"X-HTTP-Method-Override", "DELETE"}},
		{"all at once", []string{"X-Forwarded-Host", "evil.example", "X-Original-URL", "/demo/image/upload/poison/b.png", "X-Forwarded-Scheme", "nothttp"}},
		{"Cookie and Authorization", []string{"Cookie", "session=1", "Authorization", "Basic Zm9vOmJhcg=="}},
	}
	compared := []string{"Content-Type", "ETag", "Cache-Control", "Surrogate-Key", "X-Cld-Error", "Location", "Vary", "Content-Length"}
	for i, at := range attacks {
		t.Run(at.name, func(t *testing.T) {
			// A URL no one asked for yet (Cumulus ignores the query).
			p := fmt.Sprintf("/demo/image/upload/poison/a.png?fresh=%d", i)
			poisoned := fetch(t, "GET", v.URL, p, "", at.hdr...)
			clean := fetch(t, "GET", v.URL, p, "")
			origin := fetch(t, "GET", s.URL, p, "")
			if poisoned.hit() || !clean.hit() {
				t.Fatalf("X-Cache %s then %s: want the attacker's miss to be stored and the clean request to hit it", poisoned.hdr.Get("X-Cache"), clean.hdr.Get("X-Cache"))
			}
			if clean.status != origin.status || !bytes.Equal(clean.body, origin.body) || !bytes.Equal(clean.body, aBytes) {
				t.Fatalf("stored %d (%d bytes), origin %d (%d bytes): the unkeyed header changed what is stored", clean.status, len(clean.body), origin.status, len(origin.body))
			}
			for _, h := range compared {
				if clean.hdr.Get(h) != origin.hdr.Get(h) {
					t.Errorf("stored %s = %q, clean origin answer %q", h, clean.hdr.Get(h), origin.hdr.Get(h))
				}
			}
		})
	}
	t.Run("Host is keyed, case and port do not split it", func(t *testing.T) {
		first := fetch(t, "GET", v.URL, "/demo/image/upload/poison/a.png?host=1", "IMG.Example.com:443")
		second := fetch(t, "GET", v.URL, "/demo/image/upload/poison/a.png?host=1", "img.example.com")
		other := fetch(t, "GET", v.URL, "/demo/image/upload/poison/a.png?host=1", "other.example.com")
		if first.hit() || !second.hit() || other.hit() {
			t.Fatalf("X-Cache %s, %s, %s: want miss, hit (same host), miss (another host)", first.hdr.Get("X-Cache"), second.hdr.Get("X-Cache"), other.hdr.Get("X-Cache"))
		}
	})
}
