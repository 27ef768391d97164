package hardening

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/cumulusmedia/cumulus"
	"github.com/cumulusmedia/cumulus/blob/fsblob"
	"github.com/cumulusmedia/cumulus/delivery"
	"github.com/cumulusmedia/cumulus/httpapi"
	"github.com/cumulusmedia/cumulus/render"
	"github.com/cumulusmedia/cumulus/signing"
	"github.com/cumulusmedia/cumulus/store/sqlite"
	"github.com/cumulusmedia/cumulus/upload"
	"github.com/cumulusmedia/cumulus/vips"
)

func TestMain(m *testing.M) {
	if err := vips.Startup(vips.DefaultConfig()); err != nil {
		panic(err)
	}
	code := m.Run()
	vips.Shutdown()
	os.Exit(code)
}

// Tests named TestHeavy… run in `make test-heavy` (-run Heavy); those
// that call heavy skip unless CUMULUS_HEAVY is set, the cheap ones run in
// `make test` too.
func heavy(t testing.TB) {
	t.Helper()
	if os.Getenv("CUMULUS_HEAVY") == "" {
		t.Skip("heavy suite: set CUMULUS_HEAVY=1 (make test-heavy)")
	}
}

const (
	cloud  = "demo"
	apiKey = "123456789012345"
	secret = "s3cr3t-for-tests"
)

// stack is the server wired from the real packages as cmd/cumulus wires it
// (SQLite in a temp folder, fsblob, render on a vips pool), in process.
type stack struct {
	Handler *httpapi.Server
	Pool    *vips.Pool
	Dir     string // Data folder: cumulus.db, blobs/, tmp/
	Blobs   string // the blob root
	Tmp     string // where uploads are spooled
	store   *sqlite.Store
}

type stackOpts struct {
	workers, queue int
	upload         func(*upload.Config)
	render         func(*render.Config)
	delivery       func(*delivery.Config)
}

func newStack(t testing.TB, o stackOpts) *stack {
	t.Helper()
	dir := t.TempDir()
	st, err := sqlite.Open(filepath.Join(dir, "cumulus.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	blobs, err := fsblob.Open(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { blobs.Close() })
	ctx := context.Background()
	if err := st.PutEnvironment(ctx, cumulus.Environment{Cloud: cloud, APIKey: apiKey, APISecret: secret}); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(dir, "tmp")
	upCfg := upload.DefaultConfig()
	upCfg.TempDir = tmp
	if o.upload != nil {
		o.upload(&upCfg)
	}
	urls := func(k cumulus.AssetKey, v int64, f string) (string, string) {
		u := "http://cumulus.test/" + k.Cloud + "/" + string(k.ResourceType) + "/" + string(k.Type) + "/v" + strconv.FormatInt(v, 10) + "/" + k.PublicID
		return u, u
	}
	up, err := upload.New(st, blobs, upCfg, urls, nil)
	if err != nil {
		t.Fatal(err)
	}
	if o.workers == 0 {
		o.workers = 2
	}
	if o.queue == 0 {
		o.queue = 64 * o.workers
	}
	pool := vips.NewPool(o.workers, o.queue)
	rcfg := render.DefaultConfig()
	rcfg.MaxInputPixels = upCfg.MaxImagePixels
	if o.render != nil {
		o.render(&rcfg)
	}
	rnd, err := render.New(rcfg, pool)
	if err != nil {
		t.Fatal(err)
	}
	dcfg := delivery.DefaultConfig()
	if o.delivery != nil {
		o.delivery(&dcfg)
	}
	del, err := delivery.New(st, blobs, rnd, dcfg)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	h := httpapi.New(st, up, del, upCfg, httpapi.Config{TempDir: tmp}, log)
	return &stack{Handler: h, Pool: pool, Dir: dir, Blobs: filepath.Join(dir, "blobs"), Tmp: tmp, store: st}
}

// signed returns params with api_key, timestamp and signature added.
func signed(p url.Values) url.Values {
	q := url.Values{}
	for k, v := range p {
		q[k] = v
	}
	q.Set("timestamp", strconv.FormatInt(time.Now().Unix(), 10))
	q.Set("signature", signing.SignParams(q, secret, signing.SHA1, 1))
	q.Set("api_key", apiKey)
	return q
}

// multipartUpload builds a signed multipart upload request body.
func multipartUpload(params url.Values, filename string, data []byte) (body []byte, contentType string) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, vs := range signed(params) {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	fw, _ := mw.CreateFormFile("file", filename)
	fw.Write(data)
	mw.Close()
	return b.Bytes(), mw.FormDataContentType()
}

// upload sends a signed upload through the handler and returns the status,
// the X-Cld-Error header and the body.
func (s *stack) upload(t testing.TB, rt string, params url.Values, data []byte) (int, string, []byte) {
	t.Helper()
	body, ct := multipartUpload(params, "file.bin", data)
	req := httptest.NewRequest(http.MethodPost, "/v1_1/"+cloud+"/"+rt+"/upload", bytes.NewReader(body))
	req.Header.Set("Content-Type", ct)
	rec := httptest.NewRecorder()
	s.Handler.ServeHTTP(rec, req)
	return rec.Code, rec.Header().Get("X-Cld-Error"), rec.Body.Bytes()
}

// mustUpload uploads data as an image under id or fails the test.
func (s *stack) mustUpload(t testing.TB, id string, data []byte) {
	t.Helper()
	if code, msg, body := s.upload(t, "image", url.Values{"public_id": {id}}, data); code != 200 {
		t.Fatalf("upload %s: %d %s %s", id, code, msg, body)
	}
}

// get runs a GET through the handler.
func (s *stack) get(path string, hdr ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, "http://cumulus.test/", nil)
	req.URL = &url.URL{Path: path, RawPath: path}
	if u, err := url.Parse(path); err == nil {
		req.URL = u
		req.RequestURI = path
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	s.Handler.ServeHTTP(rec, req)
	return rec
}

// gradientPNG is a w×h PNG with some detail, so resizes do real work.
func gradientPNG(w, h int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.SetNRGBA(x, y, color.NRGBA{uint8(x * 255 / w), uint8(y * 255 / h), uint8((x ^ y) & 0xff), 255})
		}
	}
	var b bytes.Buffer
	(&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&b, img)
	return b.Bytes()
}

// rssKB returns this process's resident set size in kB.
func rssKB() int64 { return procStatus("VmRSS:") }

// hwmKB returns this process's peak resident set size in kB.
func hwmKB() int64 { return procStatus("VmHWM:") }

func procStatus(field string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range bytes.Split(b, []byte("\n")) {
		if rest, ok := bytes.CutPrefix(line, []byte(field)); ok {
			var n int64
			fmt.Sscan(string(bytes.TrimSpace(bytes.TrimSuffix(bytes.TrimSpace(rest), []byte("kB")))), &n)
			return n
		}
	}
	return 0
}
