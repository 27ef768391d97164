package integration

import (
	"bytes"
	"context"
	"fmt"
	"image/color"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cloudinary/cloudinary-go/v2"
	"github.com/cloudinary/cloudinary-go/v2/api"
	"github.com/cloudinary/cloudinary-go/v2/api/uploader"
)

func deliveryURL(t *testing.T, cld *cloudinary.Cloudinary, publicID string, version int64) string {
	t.Helper()
	img, err := cld.Image(publicID)
	if err != nil {
		t.Fatal(err)
	}
	if version != 0 {
		img.Version = int(version)
	}
	u, err := img.String()
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func mustUpload(t *testing.T, cld *cloudinary.Cloudinary, file string, p uploader.UploadParams) *uploader.UploadResult {
	t.Helper()
	res, err := cld.Upload.Upload(context.Background(), file, p)
	if err != nil {
		t.Fatalf("upload: %v", err)
	}
	if res.Error.Message != "" {
		t.Fatalf("upload refused: %s", res.Error.Message)
	}
	return res
}

// The first thing every user does, and the whole FAQ thread: upload under
// a public ID, deliver it, overwrite it, and see each version by its URL.
func TestUploadOverwriteAndVersions(t *testing.T) { checkUploadOverwriteAndVersions(t, startServer(t)) }

// checkUploadOverwriteAndVersions runs the test against s (one node, or the two-node setup
// of scaleout_test.go).
func checkUploadOverwriteAndVersions(t *testing.T, s *server) {
	cld := s.sdk(t)
	ctx := context.Background()
	oldPath, oldBytes := sharedImage(t, "photo-1920x1280.jpg")

	first := mustUpload(t, cld, oldPath, uploader.UploadParams{PublicID: "company/1/logo"})
	if first.PublicID != "company/1/logo" || first.Width != 1920 || first.Height != 1280 || first.Format != "jpg" || first.Bytes != int(len(oldBytes)) {
		t.Fatalf("upload result = %+v", first)
	}
	if first.Version < int(time.Now().Add(-time.Minute).Unix()) {
		t.Fatalf("version %d is not the upload time in Unix seconds", first.Version)
	}
	// The SDK adds v1 for a foldered ID: that serves the current bytes.
	u := deliveryURL(t, cld, "company/1/logo", 0)
	if !strings.Contains(u, "/v1/company/1/logo") {
		t.Fatalf("SDK URL %s has no v1", u)
	}
	status, hdr, body := get(t, u)
	if status != 200 || !bytes.Equal(body, oldBytes) || hdr.Get("Content-Type") != "image/jpeg" {
		t.Fatalf("GET %s = %d %s, %d bytes; want the uploaded bytes", u, status, hdr.Get("Content-Type"), len(body))
	}
	// The url in the response is the versioned one, and it serves too.
	if status, _, body := get(t, first.URL); status != 200 || !bytes.Equal(body, oldBytes) {
		t.Fatalf("response url %s = %d", first.URL, status)
	}

	newPath, newBytes := pngFile(t, 64, 48, color.RGBA{200, 10, 10, 255})
	second := mustUpload(t, cld, newPath, uploader.UploadParams{PublicID: "company/1/logo"})
	if second.Version <= first.Version {
		t.Fatalf("overwrite got version %d, not greater than %d", second.Version, first.Version)
	}
	if !second.Overwritten || second.AssetID != first.AssetID || second.Format != "png" || second.Width != 64 {
		t.Fatalf("overwrite result = %+v", second)
	}
	for name, c := range map[string]struct {
		url  string
		want []byte
	}{
		"new version":                            {deliveryURL(t, cld, "company/1/logo", int64(second.Version)), newBytes},
		"v1":                                     {deliveryURL(t, cld, "company/1/logo", 0), newBytes},
		"no version":                             {s.URL + "/demo/image/upload/company/1/logo", newBytes},
		"old version":                            {deliveryURL(t, cld, "company/1/logo", int64(first.Version)), oldBytes},
		"unknown version serves the current one": {deliveryURL(t, cld, "company/1/logo", 12345), newBytes},
	} {
		status, hdr, body := get(t, c.url)
		if status != 200 || !bytes.Equal(body, c.want) {
			t.Errorf("%s: GET %s = %d, %d bytes (%s); want %d bytes", name, c.url, status, len(body), hdr.Get("X-Cld-Error"), len(c.want))
		}
	}
	// Exact versions are immutable; the others are cached for the configured period.
	_, hdr, _ = get(t, deliveryURL(t, cld, "company/1/logo", int64(first.Version)))
	if hdr.Get("Cache-Control") != "public, max-age=31536000, immutable" {
		t.Errorf("exact version Cache-Control = %q", hdr.Get("Cache-Control"))
	}
	_, hdr, _ = get(t, deliveryURL(t, cld, "company/1/logo", 0))
	if hdr.Get("Cache-Control") != "public, max-age=2592000" {
		t.Errorf("v1 Cache-Control = %q", hdr.Get("Cache-Control"))
	}

	// overwrite=false keeps the asset and says so.
	third, err := cld.Upload.Upload(ctx, oldPath, uploader.UploadParams{PublicID: "company/1/logo", Overwrite: api.Bool(false)})
	if err != nil {
		t.Fatal(err)
	}
	if third.Version != second.Version || third.Format != "png" {
		t.Fatalf("overwrite=false changed the asset: %+v", third)
	}
	status, respBody := postSigned(t, s, s.Secret, url.Values{"public_id": {"company/1/logo"}, "overwrite": {"false"}}, time.Now())
	if status != 200 || !strings.Contains(respBody, `"existing":true`) {
		t.Fatalf(`overwrite=false: %d %s, want "existing": true`, status, respBody)
	}
}

// postSigned signs params with the Go SDK's own signing function, adds a
// small PNG as a data URI and posts them to the upload endpoint.
func postSigned(t *testing.T, s *server, secret string, params url.Values, at time.Time) (int, string) {
	t.Helper()
	params.Set("timestamp", strconv.FormatInt(at.Unix(), 10))
	sig, err := api.SignParametersUsingAlgoAndVersion(params, secret, "sha1", 2)
	if err != nil {
		t.Fatal(err)
	}
	_, dataURI := pngDataURI(t)
	params.Set("file", dataURI)
	params.Set("signature", sig)
	params.Set("api_key", s.Key)
	resp, err := http.PostForm(s.URL+"/v1_1/demo/image/upload", params)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	return resp.StatusCode, buf.String()
}

func pngDataURI(t *testing.T) ([]byte, string) {
	_, b := pngFile(t, 3, 3, color.RGBA{1, 2, 3, 255})
	return b, "data:image/png;base64," + encodeBase64(b)
}

func TestSignatureFailures(t *testing.T) {
	s := startServer(t)
	path, _ := pngFile(t, 8, 8, color.RGBA{0, 0, 255, 255})
	ctx := context.Background()

	wrong := startServerless(s, "wrong-secret")
	res, err := wrong.Upload.Upload(ctx, path, uploader.UploadParams{PublicID: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(res.Error.Message, "Invalid Signature") {
		t.Fatalf("wrong secret through the SDK: %q, want Invalid Signature", res.Error.Message)
	}
	if status, body := postSigned(t, s, "wrong-secret", url.Values{"public_id": {"x"}}, time.Now()); status != 401 {
		t.Fatalf("wrong secret: %d %s, want 401", status, body)
	}

	cld := s.sdk(t)
	stale := time.Now().Add(-2 * time.Hour).Unix()
	res, err = cld.Upload.Upload(ctx, path, uploader.UploadParams{PublicID: "x", Timestamp: stale})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(res.Error.Message, "Stale request - reported time is") {
		t.Fatalf("stale timestamp through the SDK: %q, want Stale request", res.Error.Message)
	}
	if status, body := postSigned(t, s, s.Secret, url.Values{"public_id": {"x"}}, time.Now().Add(-2*time.Hour)); status != 400 {
		t.Fatalf("stale timestamp: %d %s, want 400", status, body)
	}

	// Missing api_key: an unsigned request with no preset.
	resp, err := http.PostForm(s.URL+"/v1_1/demo/image/upload", url.Values{"file": {"data:image/png;base64,AAAA"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Fatalf("no api_key: %d, want 400", resp.StatusCode)
	}
}

// startServerless returns an SDK for s with another secret.
func startServerless(s *server, secret string) *cloudinary.Cloudinary {
	c, _ := cloudinary.NewFromURL(fmt.Sprintf("cloudinary://%s:%s@%s?upload_prefix=%s", s.Key, secret, s.Cloud, s.URL))
	return c
}

func TestDestroyRenameTags(t *testing.T) { checkDestroyRenameTags(t, startServer(t)) }

// checkDestroyRenameTags runs the test against s (one node, or the two-node setup
// of scaleout_test.go).
func checkDestroyRenameTags(t *testing.T, s *server) {
	cld := s.sdk(t)
	ctx := context.Background()
	path, data := pngFile(t, 10, 10, color.RGBA{0, 255, 0, 255})
	mustUpload(t, cld, path, uploader.UploadParams{PublicID: "a", Tags: api.CldAPIArray{"one"}})
	mustUpload(t, cld, path, uploader.UploadParams{PublicID: "b"})

	// Tags: add, remove, replace.
	added, err := cld.Upload.AddTag(ctx, uploader.AddTagParams{Tag: "sale", PublicIDs: api.CldAPIArray{"a", "b", "missing"}})
	if err != nil || len(added.PublicIDs) != 2 {
		t.Fatalf("AddTag = %+v, %v; want a and b", added, err)
	}
	if _, err := cld.Upload.RemoveTag(ctx, uploader.RemoveTagParams{Tag: "one", PublicIDs: api.CldAPIArray{"a"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := cld.Upload.ReplaceTag(ctx, uploader.ReplaceTagParams{Tag: "new", PublicIDs: api.CldAPIArray{"b"}}); err != nil {
		t.Fatal(err)
	}
	// The tags are visible on the next upload's response (overwrite without tags keeps them).
	if r := mustUpload(t, cld, path, uploader.UploadParams{PublicID: "a"}); strings.Join(r.Tags, ",") != "sale" {
		t.Errorf("a has tags %v, want [sale]", r.Tags)
	}
	if r := mustUpload(t, cld, path, uploader.UploadParams{PublicID: "b"}); strings.Join(r.Tags, ",") != "new" {
		t.Errorf("b has tags %v, want [new]", r.Tags)
	}

	// Rename: the old URL is gone, the new one serves.
	renamed, err := cld.Upload.Rename(ctx, uploader.RenameParams{FromPublicID: "a", ToPublicID: "folder/renamed"})
	if err != nil || renamed.PublicID != "folder/renamed" {
		t.Fatalf("Rename = %+v, %v", renamed, err)
	}
	if status, _, body := get(t, deliveryURL(t, cld, "folder/renamed", 0)); status != 200 || !bytes.Equal(body, data) {
		t.Fatalf("renamed asset: %d", status)
	}
	if status, hdr, _ := get(t, deliveryURL(t, cld, "a", 0)); status != 404 || hdr.Get("X-Cld-Error") != "Resource not found - a" {
		t.Fatalf("old name after rename: %d %q", status, hdr.Get("X-Cld-Error"))
	}

	// Destroy: ok, then 404 with X-Cld-Error, then "not found".
	d, err := cld.Upload.Destroy(ctx, uploader.DestroyParams{PublicID: "b"})
	if err != nil || d.Result != "ok" {
		t.Fatalf("Destroy = %+v, %v", d, err)
	}
	status, hdr, _ := get(t, deliveryURL(t, cld, "b", 0))
	if status != 404 || hdr.Get("X-Cld-Error") != "Resource not found - b" {
		t.Fatalf("after destroy: %d %q, want 404 with X-Cld-Error", status, hdr.Get("X-Cld-Error"))
	}
	if d, _ := cld.Upload.Destroy(ctx, uploader.DestroyParams{PublicID: "b"}); d.Result != "not found" {
		t.Fatalf("second destroy = %+v, want not found", d)
	}
}

func TestChunkedUploadGo(t *testing.T) { checkChunkedUploadGo(t, startServer(t)) }

// checkChunkedUploadGo runs the test against s (one node, or the two-node setup
// of scaleout_test.go).
func checkChunkedUploadGo(t *testing.T, s *server) {
	cld := s.sdk(t)
	cld.Config.API.ChunkSize = 100_000 // 680 KB in 7 chunks
	path, data := sharedImage(t, "photo-1920x1280.jpg")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := cld.Upload.Upload(context.Background(), f, uploader.UploadParams{PublicID: "big/chunked"})
	if err != nil || res.Error.Message != "" {
		t.Fatalf("chunked upload: %v %s", err, res.Error.Message)
	}
	if res.Bytes != len(data) || res.Width != 1920 {
		t.Fatalf("chunked result = %+v", res)
	}
	if status, _, body := get(t, deliveryURL(t, cld, "big/chunked", 0)); status != 200 || !bytes.Equal(body, data) {
		t.Fatalf("chunked asset served %d, %d bytes, want the file", status, len(body))
	}
}

func TestRawAndDataURIAndGeneratedIDs(t *testing.T) {
	s := startServer(t)
	cld := s.sdk(t)
	ctx := context.Background()
	doc := filepath.Join(t.TempDir(), "report.txt")
	os.WriteFile(doc, []byte("quarterly numbers\n"), 0o644)
	raw, err := cld.Upload.Upload(ctx, doc, uploader.UploadParams{ResourceType: "auto", UseFilename: api.Bool(true), UniqueFilename: api.Bool(false)})
	if err != nil || raw.ResourceType != "raw" || raw.PublicID != "report.txt" || raw.Format != "" {
		t.Fatalf("raw upload = %+v, %v; want raw report.txt without format", raw, err)
	}
	status, hdr, body := get(t, s.URL+"/demo/raw/upload/report.txt")
	if status != 200 || string(body) != "quarterly numbers\n" || !strings.HasPrefix(hdr.Get("Content-Type"), "text/plain") {
		t.Fatalf("raw delivery = %d %s %q", status, hdr.Get("Content-Type"), body)
	}

	b, dataURI := pngDataURI(t)
	img, err := cld.Upload.Upload(ctx, dataURI, uploader.UploadParams{})
	if err != nil || img.Error.Message != "" || len(img.PublicID) != 20 || img.Width != 3 {
		t.Fatalf("data URI upload = %+v, %v", img, err)
	}
	if status, _, body := get(t, img.URL); status != 200 || !bytes.Equal(body, b) {
		t.Fatalf("data URI asset served %d", status)
	}

	// An image upload of bytes that are not an image is refused.
	res, _ := cld.Upload.Upload(ctx, doc, uploader.UploadParams{ResourceType: "image"})
	if res.Error.Message != "Invalid image file" {
		t.Fatalf("text as image: %q, want Invalid image file", res.Error.Message)
	}
}

func TestConditionalRangeHead(t *testing.T) {
	s := startServer(t)
	cld := s.sdk(t)
	path, data := sharedImage(t, "photo-1920x1280.jpg")
	r := mustUpload(t, cld, path, uploader.UploadParams{PublicID: "cond"})
	u := r.URL
	status, hdr, _ := get(t, u)
	etag := hdr.Get("ETag")
	if status != 200 || etag != `"`+r.Etag+`"` || hdr.Get("Last-Modified") == "" {
		t.Fatalf("GET = %d, ETag %q, want the md5 etag %q", status, etag, r.Etag)
	}
	if status, _, body := get(t, u, "If-None-Match", etag); status != 304 || len(body) != 0 {
		t.Fatalf("If-None-Match = %d, want 304", status)
	}
	status, hdr, body := get(t, u, "Range", "bytes=100-199")
	if status != 206 || !bytes.Equal(body, data[100:200]) || hdr.Get("Content-Range") != fmt.Sprintf("bytes 100-199/%d", len(data)) {
		t.Fatalf("Range = %d %q, %d bytes", status, hdr.Get("Content-Range"), len(body))
	}
	resp, err := http.Head(u + "?_a=AQC1Sop")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.ContentLength != int64(len(data)) {
		t.Fatalf("HEAD = %d, length %d", resp.StatusCode, resp.ContentLength)
	}
}

func TestPrivateOriginalsNeedSignature(t *testing.T) {
	s := startServer(t)
	cld := s.sdk(t)
	path, data := pngFile(t, 5, 5, color.RGBA{9, 9, 9, 255})
	mustUpload(t, cld, path, uploader.UploadParams{PublicID: "secret-doc", Type: "private"})
	status, hdr, _ := get(t, s.URL+"/demo/image/private/secret-doc.png")
	if status != 401 || hdr.Get("X-Cld-Error") == "" {
		t.Fatalf("unsigned private original: %d %q, want 401 with X-Cld-Error", status, hdr.Get("X-Cld-Error"))
	}
	img, _ := cld.Image("secret-doc.png")
	img.DeliveryType = "private"
	img.Config.URL.SignURL = true
	u, _ := img.String()
	if status, hdr, body := get(t, u); status != 200 || !bytes.Equal(body, data) {
		t.Fatalf("signed private URL %s: %d %q", u, status, hdr.Get("X-Cld-Error"))
	}
	bad := strings.Replace(u, "s--", "s--X", 1)
	if status, _, _ := get(t, bad); status != 401 {
		t.Fatalf("tampered signature: %d, want 401", status)
	}
}
