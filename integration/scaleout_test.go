package integration

// Scale-out: two Cumulus processes share one PostgreSQL database and one
// MinIO bucket, as docs/operations.md's reference topology has N nodes do,
// with a load balancer in front. Heavy (make test-heavy): in that run an
// engine that cannot be provided fails the test instead of skipping it.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudinary/cloudinary-go/v2"
	"github.com/cloudinary/cloudinary-go/v2/api"
	"github.com/cloudinary/cloudinary-go/v2/api/admin"
	"github.com/cloudinary/cloudinary-go/v2/api/uploader"
	"github.com/cumulusmedia/cumulus/internal/testenv"
)

// cluster is two nodes on shared backends behind a balancer. lb is a
// server value for the balancer's address (it has no process of its own).
type cluster struct {
	a, b *server
	lb   *server
	bal  *balancer
}

// balancer spreads requests over the nodes in turn, except that every
// chunk of one chunked upload (one X-Unique-Upload-Id) goes to the same
// node: chunks are assembled on the node that receives them, so a real
// balancer must be configured the same way (docs/operations.md).
type balancer struct {
	next    atomic.Uint64
	proxies []*httputil.ReverseProxy
	hits    []atomic.Int64
}

func (b *balancer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	i := int(b.next.Add(1) % uint64(len(b.proxies)))
	if id := r.Header.Get("X-Unique-Upload-Id"); id != "" {
		i = int(crc32.ChecksumIEEE([]byte(id)) % uint32(len(b.proxies)))
	}
	b.hits[i].Add(1)
	b.proxies[i].ServeHTTP(w, r)
}

// startCluster starts PostgreSQL and MinIO (through testenv), then two
// nodes configured through CUMULUS_STORE and CUMULUS_BLOBS, and the
// balancer, whose address is every node's public URL.
func startCluster(t *testing.T) *cluster {
	t.Helper()
	if !testenv.Heavy() {
		t.Skipf("two-node test: run with %s=1 (make test-heavy)", testenv.HeavyEnv)
	}
	dsn, blobs := sharedBackends(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	lbURL := "http://" + ln.Addr().String()
	opts := serverOpts{args: []string{"--public-url", lbURL}, env: []string{"CUMULUS_STORE=" + dsn, "CUMULUS_BLOBS=" + blobs}}
	c := &cluster{a: startServer(t, opts), b: startServer(t, opts)}
	c.bal = &balancer{hits: make([]atomic.Int64, 2)}
	for _, s := range []*server{c.a, c.b} {
		u, _ := url.Parse(s.URL)
		c.bal.proxies = append(c.bal.proxies, httputil.NewSingleHostReverseProxy(u))
	}
	srv := &http.Server{Handler: c.bal}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	c.lb = &server{URL: lbURL, Host: ln.Addr().String(), Cloud: c.a.Cloud, Key: c.a.Key, Secret: c.a.Secret}
	return c
}

// staleLimit bounds how long a node may serve an asset another node has
// changed: the time its change listener takes to read the notification.
const staleLimit = time.Second

// sharedBackends returns the CUMULUS_STORE and CUMULUS_BLOBS of a new
// PostgreSQL database and a new bucket on MinIO, both started through
// testenv.
func sharedBackends(t *testing.T) (dsn, blobs string) {
	t.Helper()
	dsn = testenv.Postgres(t)
	endpoint, access, secret := testenv.MinIO(t)
	var rnd [4]byte
	for i := range rnd {
		rnd[i] = byte(time.Now().UnixNano() >> (8 * i))
	}
	blobs = (&url.URL{Scheme: "s3", User: url.UserPassword(access, secret), Host: endpoint,
		Path: "/cumulus-it-" + hex.EncodeToString(rnd[:]) + "/nodes", RawQuery: "tls=false"}).String()
	return dsn, blobs
}

// pngBytes encodes a 4×4 PNG of one colour.
func pngBytes(c color.RGBA) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, c.A
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	return buf.Bytes()
}

// centre decodes a PNG body and returns its middle pixel.
func centre(t *testing.T, body []byte) color.RGBA {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("not a PNG (%d bytes): %v", len(body), err)
	}
	b := img.Bounds()
	r, g, bl, a := img.At((b.Min.X+b.Max.X)/2, (b.Min.Y+b.Max.Y)/2).RGBA()
	return color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(bl >> 8), uint8(a >> 8)}
}

func upload(t *testing.T, s *server, publicID string, body []byte) *uploader.UploadResult {
	t.Helper()
	res, err := s.sdk(t).Upload.Upload(context.Background(), bytes.NewReader(body), uploader.UploadParams{PublicID: publicID, Overwrite: api.Bool(true)})
	if err != nil {
		t.Fatalf("upload of %s through %s: %v", publicID, s.URL, err)
	}
	if res.Error.Message != "" {
		t.Fatalf("upload of %s through %s: %s", publicID, s.URL, res.Error.Message)
	}
	return res
}

// listing pages through every image through the given nodes in turn, so
// a cursor one node made is used on the other.
func listing(t *testing.T, nodes ...*server) []string {
	t.Helper()
	var out []string
	cursor := ""
	for page := 0; ; page++ {
		s := nodes[page%len(nodes)]
		res, err := s.sdk(t).Admin.Assets(context.Background(), admin.AssetsParams{AssetType: api.Image, DeliveryType: "upload", MaxResults: 50, NextCursor: cursor})
		checkErr(t, "assets", err, res.Error)
		for _, a := range res.Assets {
			out = append(out, fmt.Sprintf("%s@%d", a.PublicID, a.Version))
		}
		if cursor = res.NextCursor; cursor == "" || page > 1000 {
			return out
		}
	}
}

func TestHeavyTwoNodesShareState(t *testing.T) {
	c := startCluster(t)
	red, blue := color.RGBA{255, 0, 0, 255}, color.RGBA{0, 0, 255, 255}
	original := func(s *server, id string) string { return s.URL + "/demo/image/upload/" + id }
	derived := func(s *server, id string) string { return s.URL + "/demo/image/upload/w_2/" + id + ".png" }

	t.Run("UploadThroughADeliveredByB", func(t *testing.T) {
		body := pngBytes(red)
		res := upload(t, c.a, "two/shared", body)
		for name, u := range map[string]string{
			"unversioned":  original(c.b, "two/shared"),
			"versioned":    fmt.Sprintf("%s/demo/image/upload/v%d/two/shared.png", c.b.URL, res.Version),
			"response url": res.URL, // the balancer's address, as configured
		} {
			if status, hdr, got := get(t, u); status != 200 || !bytes.Equal(got, body) {
				t.Fatalf("%s: GET %s = %d (%s), %d bytes; want the upload's %d", name, u, status, hdr.Get("X-Cld-Error"), len(got), len(body))
			}
		}
		// A derivative rendered by B is served by A as well.
		for _, s := range []*server{c.b, c.a} {
			status, hdr, got := get(t, derived(s, "two/shared"))
			if status != 200 || centre(t, got) != red {
				t.Fatalf("derivative on %s: %d (%s)", s.URL, status, hdr.Get("X-Cld-Error"))
			}
		}
	})

	t.Run("OverwriteThroughBSeenByAOnItsNextRequest", func(t *testing.T) {
		// A has the asset in its cache now, original and derivative.
		for _, u := range []string{original(c.a, "two/shared"), derived(c.a, "two/shared")} {
			if status, _, _ := get(t, u); status != 200 {
				t.Fatalf("GET %s = %d", u, status)
			}
		}
		body := pngBytes(blue)
		upload(t, c.b, "two/shared", body)
		// A's next request: before using its caches A makes sure every
		// change committed so far has reached them (store.SyncChanges).
		if status, _, got := get(t, original(c.a, "two/shared")); status != 200 || !bytes.Equal(got, body) {
			t.Fatalf("A right after B's overwrite: %d, %d bytes; want the new %d bytes (stale cache)", status, len(got), len(body))
		}
		if status, _, got := get(t, derived(c.a, "two/shared")); status != 200 || centre(t, got) != blue {
			t.Fatalf("A's derivative after B's overwrite: %d, centre %v; want blue", status, centre(t, got))
		}
		// Destroyed through A: B answers 404 on its next request.
		d, err := c.a.sdk(t).Upload.Destroy(context.Background(), uploader.DestroyParams{PublicID: "two/shared"})
		if err != nil || d.Result != "ok" {
			t.Fatalf("destroy: %+v, %v", d, err)
		}
		if status, hdr, _ := get(t, original(c.b, "two/shared")); status != 404 || hdr.Get("X-Cld-Error") != "Resource not found - two/shared" {
			t.Fatalf("B right after A's destroy: %d %q, want 404", status, hdr.Get("X-Cld-Error"))
		}
	})

	t.Run("GoSDKThroughTheBalancer", func(t *testing.T) {
		before := [2]int64{c.bal.hits[0].Load(), c.bal.hits[1].Load()}
		t.Run("UploadOverwriteAndVersions", func(t *testing.T) { checkUploadOverwriteAndVersions(t, c.lb) })
		t.Run("DestroyRenameTags", func(t *testing.T) { checkDestroyRenameTags(t, c.lb) })
		t.Run("ChunkedUpload", func(t *testing.T) { checkChunkedUploadGo(t, c.lb) })
		for i := range before {
			if c.bal.hits[i].Load() == before[i] {
				t.Fatalf("node %d received none of the SDK's requests", i)
			}
		}
	})

	t.Run("EightUploadersForThirtySeconds", func(t *testing.T) {
		concurrentUploads(t, c, 8, 30*time.Second)
	})

	t.Run("AdminListingsAgree", func(t *testing.T) {
		onA, onB, alternating := listing(t, c.a), listing(t, c.b), listing(t, c.a, c.b)
		if len(onA) == 0 || !reflect.DeepEqual(onA, onB) || !reflect.DeepEqual(onA, alternating) {
			t.Fatalf("listings differ:\nA: %d %v\nB: %d %v\nalternating: %d", len(onA), head(onA), len(onB), head(onB), len(alternating))
		}
		ua, err := c.a.sdk(t).Admin.Usage(context.Background(), admin.UsageParams{})
		checkErr(t, "usage on A", err, ua.Error)
		ub, err := c.b.sdk(t).Admin.Usage(context.Background(), admin.UsageParams{})
		checkErr(t, "usage on B", err, ub.Error)
		if ua.Resources != ub.Resources || ua.Objects.Usage != ub.Objects.Usage || ua.Storage.Usage != ub.Storage.Usage {
			t.Fatalf("usage on A %+v, on B %+v", ua, ub)
		}
	})
}

func head(s []string) []string {
	if len(s) > 5 {
		return s[:5]
	}
	return s
}

// ack is an acknowledged upload.
type ack struct {
	publicID string
	version  int
	sum      [32]byte
}

// concurrentUploads runs n uploaders for d, each sending its uploads to
// the nodes in turn, all of them overwriting the same few public IDs.
// Then every acknowledged version must be there with its bytes (through
// either node), and each public ID's versions strictly increasing.
func concurrentUploads(t *testing.T, c *cluster, n int, d time.Duration) {
	const ids = 4
	nodes := []*server{c.a, c.b}
	sdks := []*cloudinary.Cloudinary{c.a.sdk(t), c.b.sdk(t)}
	var mu sync.Mutex
	var acks []ack
	var failures []string
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for u := 0; u < n; u++ {
		wg.Add(1)
		go func(u int) {
			defer wg.Done()
			last := map[string]int{}
			for k := 0; time.Now().Before(deadline); k++ {
				node := (u + k) % 2
				s := nodes[node]
				id := fmt.Sprintf("load/p%d", (u+k)%ids)
				body := pngBytes(color.RGBA{uint8(u), uint8(k >> 8), uint8(k), 255})
				res, err := sdks[node].Upload.Upload(context.Background(), bytes.NewReader(body), uploader.UploadParams{PublicID: id, Overwrite: api.Bool(true)})
				mu.Lock()
				switch {
				case err != nil:
					failures = append(failures, fmt.Sprintf("uploader %d, upload %d to %s: %v", u, k, s.URL, err))
				case res.Error.Message != "":
					failures = append(failures, fmt.Sprintf("uploader %d, upload %d to %s: %s", u, k, s.URL, res.Error.Message))
				case res.Version <= last[id]:
					// This uploader's previous upload of id was acknowledged
					// before this one began: its version must be lower.
					failures = append(failures, fmt.Sprintf("uploader %d: %s got version %d after %d", u, id, res.Version, last[id]))
				default:
					last[id] = res.Version
					acks = append(acks, ack{id, res.Version, sha256.Sum256(body)})
				}
				mu.Unlock()
			}
		}(u)
	}
	wg.Wait()
	if len(failures) > 0 {
		t.Fatalf("%d failed uploads, first: %s", len(failures), failures[0])
	}
	t.Logf("%d uploads acknowledged by %d uploaders over %s (%.1f/s)", len(acks), n, d, float64(len(acks))/d.Seconds())

	byID := map[string][]int{}
	for i, a := range acks {
		byID[a.publicID] = append(byID[a.publicID], a.version)
		// Every acknowledged version is delivered, byte for byte, by both
		// nodes (one of them chosen per version, alternating).
		s := nodes[i%2]
		u := fmt.Sprintf("%s/demo/image/upload/v%d/%s.png", s.URL, a.version, a.publicID)
		if status, hdr, body := get(t, u); status != 200 || sha256.Sum256(body) != a.sum {
			t.Fatalf("acknowledged %s v%d: GET %s = %d (%s); lost or wrong bytes", a.publicID, a.version, u, status, hdr.Get("X-Cld-Error"))
		}
	}
	for id, want := range byID {
		sort.Ints(want)
		var seen [][]int
		for _, s := range nodes {
			det, err := s.sdk(t).Admin.Asset(context.Background(), admin.AssetParams{AssetType: api.Image, DeliveryType: "upload", PublicID: id, Versions: api.Bool(true)})
			checkErr(t, "asset "+id, err, det.Error)
			var versions []int
			for _, v := range rawMap(det.Response)["versions"].([]any) {
				versions = append(versions, int(v.(map[string]any)["version"].(float64)))
			}
			for i := 1; i < len(versions); i++ {
				if versions[i] <= versions[i-1] {
					t.Fatalf("%s on %s: versions %d then %d, not strictly increasing", id, s.URL, versions[i-1], versions[i])
				}
			}
			if !reflect.DeepEqual(versions, want) {
				t.Fatalf("%s on %s: %d stored versions, %d acknowledged; want the same set", id, s.URL, len(versions), len(want))
			}
			seen = append(seen, versions)
		}
		if !reflect.DeepEqual(seen[0], seen[1]) {
			t.Fatalf("%s: the nodes list different versions", id)
		}
	}
}

// A purge is not tied to the node that committed it: node A overwrites
// with invalidate on the shared PostgreSQL outbox, claims the purge, hangs
// on its CDN and dies; node B, which never saw the request, carries the
// purge out once A's lease expires.
func TestHeavyTwoNodesPurgeSurvivesANode(t *testing.T) {
	if !testenv.Heavy() {
		t.Skipf("two-node test: run with %s=1 (make test-heavy)", testenv.HeavyEnv)
	}
	dsn, blobs := sharedBackends(t)
	vport, mport := freePort(t), freePort(t)
	g := newGate(t, fmt.Sprintf("127.0.0.1:%d", vport)) // closed: A's purges hang
	node := func(purge string, extra ...string) *server {
		return startServer(t, serverOpts{env: append([]string{"CUMULUS_STORE=" + dsn, "CUMULUS_BLOBS=" + blobs,
			"CUMULUS_PURGE=varnish:http://" + purge, "CUMULUS_PURGE_LEASE=2s"}, extra...)})
	}
	a := node(g.addr)
	// Varnish reaches whichever node is alive through front.
	var target atomic.Pointer[httputil.ReverseProxy]
	proxyTo := func(s *server) {
		u, _ := url.Parse(s.URL)
		target.Store(httputil.NewSingleHostReverseProxy(u))
	}
	proxyTo(a)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	front := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { target.Load().ServeHTTP(w, r) })}
	go front.Serve(ln)
	t.Cleanup(func() { front.Close() })
	v := startVarnish(t, ln.Addr().String(), vport, true)

	cld := a.sdk(t)
	red, redBytes := pngFile(t, 40, 30, color.RGBA{220, 20, 20, 255})
	blue, blueBytes := pngFile(t, 50, 20, color.RGBA{20, 20, 220, 255})
	const path = "/demo/image/upload/shared/logo.png"
	mustUpload(t, cld, red, uploader.UploadParams{PublicID: "shared/logo"})
	cacheAll(t, v, "shared/logo", shapes("demo")[1:2])
	mustUpload(t, cld, blue, uploader.UploadParams{PublicID: "shared/logo", Invalidate: api.Bool(true)})
	deadline := time.Now().Add(5 * time.Second)
	for g.seen.Load() == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("node A never tried its purge: %s", a.log)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if r := fetch(t, "GET", v.URL, path, ""); !r.hit() || !bytes.Equal(r.body, redBytes) {
		t.Fatalf("the purge went through the closed gate: %s", r.hdr.Get("X-Cache"))
	}
	a.kill()

	start := time.Now()
	b := node(fmt.Sprintf("127.0.0.1:%d", vport), fmt.Sprintf("CUMULUS_METRICS_ADDR=127.0.0.1:%d", mport))
	proxyTo(b)
	for {
		r := fetch(t, "GET", v.URL, path, "")
		if bytes.Equal(r.body, blueBytes) {
			break
		}
		if time.Since(start) > 15*time.Second {
			t.Fatalf("node B did not carry out node A's purge: still %s; log of B: %s", r.hdr.Get("X-Cache"), b.log)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("node B purged %s after node A died", time.Since(start).Round(time.Millisecond))
	deadline = time.Now().Add(5 * time.Second)
	for m := metrics(t, mport); !strings.Contains(m, "cumulus_purge_pending 0\n"); m = metrics(t, mport) {
		if time.Now().After(deadline) {
			t.Fatalf("shared outbox not emptied:\n%s", m)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
