package integration

import (
	"bytes"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cloudinary/cloudinary-go/v2"
	"github.com/cloudinary/cloudinary-go/v2/api"
	"github.com/cloudinary/cloudinary-go/v2/api/uploader"
)

// getVia requests an SDK-built URL from the test server, keeping the URL's
// host in the Host header (so host forms can be tested on 127.0.0.1).
func getVia(t *testing.T, s *server, sdkURL string, hdr ...string) (int, http.Header, []byte) {
	t.Helper()
	u, err := url.Parse(sdkURL)
	if err != nil {
		t.Fatal(err)
	}
	host := u.Host
	u.Scheme, u.Host = "http", s.Host
	req, _ := http.NewRequest(http.MethodGet, u.String(), nil)
	req.Host = host
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, body
}

func sdkURL(t *testing.T, cld *cloudinary.Cloudinary, publicID string, set func(a *assetOpts)) string {
	t.Helper()
	img, err := cld.Image(publicID)
	if err != nil {
		t.Fatal(err)
	}
	o := &assetOpts{}
	if set != nil {
		set(o)
	}
	if o.typ != "" {
		img.DeliveryType = api.DeliveryType(o.typ)
	}
	img.Transformation = o.transformation
	img.Suffix = o.suffix
	u, err := img.String()
	if err != nil {
		t.Fatal(err)
	}
	return u
}

type assetOpts struct{ typ, transformation, suffix string }

// Signed URLs in every form the Go SDK makes: SHA-1 and SHA-256 (8
// characters) and the long 32-character SHA-256; a one-character change in
// the signature is refused with X-Cld-Error.
func TestSignedURLs(t *testing.T) {
	s := startServer(t)
	cld := s.sdk(t)
	path, data := pngFile(t, 20, 10, color.RGBA{250, 0, 0, 255})
	mustUpload(t, cld, path, uploader.UploadParams{PublicID: "docs/contract", Type: "authenticated"})
	for _, extra := range [][]string{{"sign_url=true"}, {"sign_url=true", "signature_algorithm=sha256"}, {"sign_url=true", "long_url_signature=true"}} {
		c := s.sdk(t, extra...)
		u := sdkURL(t, c, "docs/contract.png", func(a *assetOpts) { a.typ = "authenticated" })
		status, hdr, body := get(t, u)
		if status != 200 || !bytes.Equal(body, data) {
			t.Fatalf("%v: %s = %d %q", extra, u, status, hdr.Get("X-Cld-Error"))
		}
		i := strings.Index(u, "s--") + 3
		j := strings.Index(u[i:], "--") + i
		// First, middle and last character: more would trip the
		// bad-signature throttle (its own unit test covers it).
		for _, k := range []int{i, (i + j) / 2, j - 1} {
			b := []byte(u)
			if b[k] == 'A' {
				b[k] = 'B'
			} else {
				b[k] = 'A'
			}
			status, hdr, _ := get(t, string(b))
			if status != 401 || hdr.Get("X-Cld-Error") == "" {
				t.Fatalf("%v: signature changed at %d: %d %q, want 401 with X-Cld-Error", extra, k-i, status, hdr.Get("X-Cld-Error"))
			}
		}
	}
}

// The delivery-type × signed × strict matrix, as Cloudinary answers it.
func TestDeliveryMatrix(t *testing.T) {
	type row struct {
		typ        string
		signed     bool
		strict     bool
		derivative bool
		want       int
	}
	rows := []row{
		{"upload", false, false, false, 200}, {"upload", false, false, true, 200},
		{"upload", false, true, false, 200}, {"upload", false, true, true, 401},
		{"upload", true, true, true, 200},
		{"private", false, false, false, 401}, {"private", false, false, true, 200},
		{"private", false, true, true, 401}, {"private", true, false, false, 200},
		{"private", true, true, true, 200},
		{"authenticated", false, false, false, 401}, {"authenticated", false, false, true, 401},
		{"authenticated", true, false, false, 200}, {"authenticated", true, true, true, 200},
	}
	servers := map[bool]*server{
		false: startServer(t),
		true:  startServer(t, serverOpts{env: []string{"CUMULUS_STRICT_TRANSFORMATIONS=true"}}),
	}
	path, _ := pngFile(t, 40, 30, color.RGBA{0, 128, 0, 255})
	for strict, s := range servers {
		for _, typ := range []string{"upload", "private", "authenticated"} {
			mustUpload(t, s.sdk(t), path, uploader.UploadParams{PublicID: "m-" + typ, Type: api.DeliveryType(typ)})
		}
		_ = strict
	}
	for i, r := range rows {
		s := servers[r.strict]
		var extra []string
		if r.signed {
			extra = append(extra, "sign_url=true")
		}
		tr := ""
		if r.derivative {
			tr = "w_" + string(rune('1'+i%9)) + "0" // a rendition not made before
		}
		u := sdkURL(t, s.sdk(t, extra...), "m-"+r.typ+".png", func(a *assetOpts) { a.typ, a.transformation = r.typ, tr })
		status, hdr, _ := get(t, u)
		if status != r.want {
			t.Errorf("%+v: %s = %d %q, want %d", r, u, status, hdr.Get("X-Cld-Error"), r.want)
		}
	}
}

// URL forms and hosts: SEO suffix, root path, shortened, private-CDN host,
// CNAME with a1–a5 sub-domains, shared res-N hosts; an unknown host is a
// clear 404 once there are two environments.
func TestURLFormsAndHosts(t *testing.T) {
	data := t.TempDir()
	first := startServer(t, serverOpts{data: data})
	first.stop(t) // leaves environment "demo" in the data folder
	s := startServer(t, serverOpts{data: data, env: []string{"CUMULUS_CNAMES=media.example.com"}})
	s.Cloud = "demo"
	path, want := pngFile(t, 12, 12, color.RGBA{1, 200, 3, 255})
	mustUpload(t, s.sdk(t), path, uploader.UploadParams{PublicID: "sample"})
	mustUpload(t, s.sdk(t), path, uploader.UploadParams{PublicID: "folder/photo"})

	urls := map[string]string{
		"plain":           s.URL + "/demo/image/upload/sample.png",
		"SEO suffix":      s.URL + "/demo/images/sample/my-nice-name.png",
		"SEO folder":      s.URL + "/demo/images/v1/folder/photo/summer-sale.png",
		"root path":       s.URL + "/demo/sample.png",
		"shortened":       s.URL + "/demo/iu/sample.png",
		"private CDN":     "http://demo-res.example.com/image/upload/sample.png",
		"private CDN N":   "http://demo-res-3.example.com/image/upload/v1/folder/photo.png",
		"CNAME":           "http://media.example.com/image/upload/sample.png",
		"CNAME shard":     "http://a4.media.example.com/image/upload/sample.png",
		"shared shard":    "http://res-2.example.com/demo/image/upload/sample.png",
		"query ignored":   s.URL + "/demo/image/upload/sample.png?_a=BAMAROfk0&x=1",
		"root + SEO Node": s.URL + "/demo/sample/nice-name.png",
	}
	for name, u := range urls {
		status, hdr, body := getVia(t, s, u)
		if status != 200 || !bytes.Equal(body, want) {
			t.Errorf("%s: %s = %d %q", name, u, status, hdr.Get("X-Cld-Error"))
		}
	}
	// With two environments, a host that names none of them is refused.
	s.stop(t)
	other := startServer(t, serverOpts{data: data, env: []string{"CLOUDINARY_URL=cloudinary://k2:s2@other"}})
	status, hdr, _ := getVia(t, other, "http://unknown.example.org/image/upload/sample.png")
	if status != 404 || !strings.Contains(hdr.Get("X-Cld-Error"), "Unknown") {
		t.Errorf("unknown host: %d %q, want 404 naming the unknown host", status, hdr.Get("X-Cld-Error"))
	}
	status, _, body := getVia(t, other, "http://demo-res.example.com/image/upload/sample.png")
	if status != 200 || !bytes.Equal(body, want) {
		t.Errorf("private-CDN host among two environments: %d", status)
	}
}

func TestFavicon(t *testing.T) {
	s := startServer(t)
	status, hdr, body := get(t, s.URL+"/favicon.ico")
	if status != 200 || hdr.Get("Content-Type") != "image/x-icon" || !bytes.HasPrefix(body, []byte{0, 0, 1, 0}) {
		t.Fatalf("built-in favicon: %d %s", status, hdr.Get("Content-Type"))
	}
	path, data := pngFile(t, 16, 16, color.RGBA{9, 8, 7, 255})
	mustUpload(t, s.sdk(t), path, uploader.UploadParams{PublicID: "favicon"})
	if status, _, body := get(t, s.URL+"/favicon.ico"); status != 200 || !bytes.Equal(body, data) {
		t.Fatalf("uploaded favicon: %d, %d bytes", status, len(body))
	}
}

// A missing image with d_ (folders written with colons) delivers the
// default image with the same transformations, 200, and an X-Cld-Error.
func TestDefaultImage(t *testing.T) {
	s := startServer(t)
	cld := s.sdk(t)
	path, _ := pngFile(t, 200, 100, color.RGBA{10, 20, 30, 255})
	mustUpload(t, cld, path, uploader.UploadParams{PublicID: "docs/placeholders/avatar"})
	u := s.URL + "/demo/image/upload/d_docs:placeholders:avatar.png,w_50/users/nobody.png"
	status, hdr, body := get(t, u)
	if status != 200 || !strings.Contains(hdr.Get("X-Cld-Error"), "users/nobody") {
		t.Fatalf("default image: %d %q", status, hdr.Get("X-Cld-Error"))
	}
	w, h := imageSize(t, body)
	if w != 50 || h != 25 {
		t.Fatalf("default image is %dx%d, want the transformation applied: 50x25", w, h)
	}
}

// The first rendition of a large original makes its reduced copies; later
// renditions come from them with the sizes the URL asks for.
func TestProxiesMadeOnFirstRender(t *testing.T) {
	s := startServer(t)
	path, _ := sharedImage(t, "photo-1920x1280.jpg")
	mustUpload(t, s.sdk(t), path, uploader.UploadParams{PublicID: "big"})
	for _, c := range []struct {
		tr   string
		w, h int
	}{{"c_fill,w_300,h_200", 300, 200}, {"c_scale,w_700", 700, 467}, {"c_fit,w_100,h_100", 100, 67}} {
		status, hdr, body := get(t, s.URL+"/demo/image/upload/"+c.tr+"/big.png")
		if status != 200 {
			t.Fatalf("%s: %d %q", c.tr, status, hdr.Get("X-Cld-Error"))
		}
		if w, h := imageSize(t, body); w != c.w || h != c.h {
			t.Errorf("%s: %dx%d, want %dx%d", c.tr, w, h, c.w, c.h)
		}
	}
	matches, _ := filepath.Glob(filepath.Join(s.Data, "blobs", "prepared", "*", "*"))
	if len(matches) != 2 {
		t.Fatalf("prepared copies: %v, want the 512 and 1024 ones", matches)
	}
}

// An overlay may name a private asset ("l_private:<id>"): its original
// stays guarded, but like every derivative of a private asset the
// rendition is public. An authenticated one would show through an
// unsigned URL, so it is refused, naming the parameter.
func TestPrivateOverlay(t *testing.T) {
	s := startServer(t)
	cld := s.sdk(t)
	base, _ := pngFile(t, 64, 48, color.RGBA{255, 255, 255, 255})
	logo, _ := pngFile(t, 16, 16, color.RGBA{0, 0, 255, 255})
	mustUpload(t, cld, base, uploader.UploadParams{PublicID: "card"})
	mustUpload(t, cld, logo, uploader.UploadParams{PublicID: "brand/logo", Type: "private"})
	mustUpload(t, cld, logo, uploader.UploadParams{PublicID: "brand/secret", Type: "authenticated"})

	if status, _, _ := get(t, s.URL+"/demo/image/private/brand/logo.png"); status != http.StatusUnauthorized {
		t.Fatalf("the private original without a signature: %d, want 401", status)
	}
	status, hdr, body := get(t, s.URL+"/demo/image/upload/l_private:brand:logo,g_center/card.png")
	if status != 200 {
		t.Fatalf("private overlay: %d %q", status, hdr.Get("X-Cld-Error"))
	}
	img, err := png.Decode(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if r, g, b, _ := img.At(32, 24).RGBA(); r>>8 > 10 || g>>8 > 10 || b>>8 < 245 {
		t.Errorf("the centre of the card is %d,%d,%d; want the blue logo", r>>8, g>>8, b>>8)
	}
	if r, g, b, _ := img.At(2, 2).RGBA(); r>>8 < 245 || g>>8 < 245 || b>>8 < 245 {
		t.Errorf("the corner of the card is %d,%d,%d; want white", r>>8, g>>8, b>>8)
	}
	if status, _, _ := get(t, s.URL+"/demo/image/upload/l_brand:logo/card.png"); status != http.StatusBadRequest {
		t.Errorf("the same ID as an upload overlay: %d, want 400 (no such upload)", status)
	}
	status, hdr, _ = get(t, s.URL+"/demo/image/upload/l_authenticated:brand:secret/card.png")
	if status != http.StatusBadRequest || !strings.Contains(hdr.Get("X-Cld-Error"), "l_authenticated:brand:secret") {
		t.Errorf("authenticated overlay: %d %q, want 400 naming it", status, hdr.Get("X-Cld-Error"))
	}
}

// Conditional transformations are decided on the original: its size, and
// its tags as uploaded.
func TestConditionalTransformations(t *testing.T) {
	s := startServer(t)
	cld := s.sdk(t)
	small, _ := pngFile(t, 100, 80, color.RGBA{200, 0, 0, 255})
	big, _ := pngFile(t, 300, 240, color.RGBA{0, 200, 0, 255})
	mustUpload(t, cld, small, uploader.UploadParams{PublicID: "cond/small", Tags: []string{"sale", "new"}})
	mustUpload(t, cld, big, uploader.UploadParams{PublicID: "cond/big"})
	for _, c := range []struct {
		path string
		w    int
	}{
		{"if_w_lt_200,w_50/if_else,w_150/cond/small.png", 50},
		{"if_w_lt_200,w_50/if_else,w_150/cond/big.png", 150},
		{"if_ar_gt_1/w_60/if_else/w_70/if_end/cond/big.png", 60},
		{"if_!sale!_in_tags,w_40/cond/small.png", 40},
		{"if_!sale!_in_tags,w_40/cond/big.png", 300},
	} {
		status, hdr, body := get(t, s.URL+"/demo/image/upload/"+c.path)
		if status != 200 {
			t.Errorf("%s: %d %q", c.path, status, hdr.Get("X-Cld-Error"))
			continue
		}
		if w, _ := imageSize(t, body); w != c.w {
			t.Errorf("%s: width %d, want %d", c.path, w, c.w)
		}
	}
	status, hdr, _ := get(t, s.URL+"/demo/image/upload/if_foo_lt_1,w_40/cond/big.png")
	if status != 400 || !strings.Contains(hdr.Get("X-Cld-Error"), "Invalid condition - foo_lt_1") {
		t.Errorf("a bad condition: %d %q", status, hdr.Get("X-Cld-Error"))
	}
}
