package integration

import (
	"context"
	"encoding/json"
	"image/color"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/cloudinary/cloudinary-go/v2/api"
	"github.com/cloudinary/cloudinary-go/v2/api/admin"
	"github.com/cloudinary/cloudinary-go/v2/api/uploader"
)

// A tag list is refused unsigned by default, served signed, lists exactly
// the public assets carrying the tag, and is cached for a minute.
func TestClientSideLists(t *testing.T) {
	s := startServer(t)
	cld := s.sdk(t)
	path, _ := pngFile(t, 30, 20, color.RGBA{5, 5, 5, 255})
	mustUpload(t, cld, path, uploader.UploadParams{PublicID: "shop/a", Tags: api.CldAPIArray{"sale", "red"}, Context: api.CldAPIMap{"alt": "A"}})
	mustUpload(t, cld, path, uploader.UploadParams{PublicID: "shop/b", Tags: api.CldAPIArray{"sale"}})
	mustUpload(t, cld, path, uploader.UploadParams{PublicID: "shop/c", Tags: api.CldAPIArray{"red"}})
	mustUpload(t, cld, path, uploader.UploadParams{PublicID: "hidden", Tags: api.CldAPIArray{"sale"}, Type: "private"})

	unsigned := s.URL + "/demo/image/list/sale.json"
	if status, hdr, _ := get(t, unsigned); status != 401 || hdr.Get("X-Cld-Error") == "" {
		t.Fatalf("unsigned list: %d %q, want 401 with X-Cld-Error", status, hdr.Get("X-Cld-Error"))
	}
	signed := sdkURL(t, s.sdk(t, "sign_url=true"), "sale.json", func(a *assetOpts) { a.typ = "list" })
	status, hdr, body := get(t, signed)
	if status != 200 || hdr.Get("Cache-Control") != "public, max-age=60" || !strings.HasPrefix(hdr.Get("Content-Type"), "application/json") {
		t.Fatalf("signed list %s: %d %q %q", signed, status, hdr.Get("Cache-Control"), hdr.Get("X-Cld-Error"))
	}
	var list struct {
		Resources []struct {
			PublicID string `json:"public_id"`
			Version  int64  `json:"version"`
			Format   string `json:"format"`
			Width    int    `json:"width"`
			Context  struct {
				Custom map[string]string `json:"custom"`
			} `json:"context"`
		} `json:"resources"`
		UpdatedAt string `json:"updated_at"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range list.Resources {
		ids = append(ids, r.PublicID)
		if r.Version == 0 || r.Format != "png" || r.Width != 30 {
			t.Errorf("list entry %+v lacks version, format or size", r)
		}
	}
	sort.Strings(ids)
	if strings.Join(ids, ",") != "shop/a,shop/b" || list.UpdatedAt == "" {
		t.Fatalf("list = %v (updated %q), want exactly the public assets tagged sale", ids, list.UpdatedAt)
	}
	if list.Resources[0].Context.Custom["alt"] != "A" {
		t.Errorf("context not listed: %+v", list.Resources[0])
	}

	// An environment that opens its lists serves them unsigned.
	open := startServer(t, serverOpts{env: []string{"CUMULUS_OPEN_LISTS=true"}})
	mustUpload(t, open.sdk(t), path, uploader.UploadParams{PublicID: "x", Tags: api.CldAPIArray{"t"}})
	if status, _, _ := get(t, open.URL+"/demo/any/list/t.json"); status != 200 {
		t.Fatalf("open any-list: %d", status)
	}
}

// Delivery failures are listed by the error_reports extension; rendered
// derivatives appear in the Admin API's resource details.
func TestErrorReportsAndDerived(t *testing.T) {
	s := startServer(t)
	cld := s.sdk(t)
	path, _ := pngFile(t, 64, 64, color.RGBA{90, 90, 200, 255})
	mustUpload(t, cld, path, uploader.UploadParams{PublicID: "pic"})
	get(t, s.URL+"/demo/image/upload/w_abc/pic.png")
	get(t, s.URL+"/demo/image/upload/nope.png")
	if status, _, _ := get(t, s.URL+"/demo/image/upload/c_fill,w_32,h_16/pic.webp"); status != 200 {
		t.Fatalf("derivative: %d", status)
	}

	req, _ := http.NewRequest(http.MethodGet, s.URL+"/v1_1/demo/error_reports", nil)
	req.SetBasicAuth(s.Key, s.Secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var reports struct {
		ErrorReports []struct {
			Time, URL, Message string
			Status             int
		} `json:"error_reports"`
	}
	json.NewDecoder(resp.Body).Decode(&reports)
	if resp.StatusCode != 200 || len(reports.ErrorReports) != 2 {
		t.Fatalf("error_reports: %d %+v, want the two failures", resp.StatusCode, reports)
	}
	newest := reports.ErrorReports[0]
	if newest.URL != "/demo/image/upload/nope.png" || newest.Status != 404 || newest.Message != "Resource not found - nope" || newest.Time == "" {
		t.Fatalf("newest report = %+v", newest)
	}
	if r := reports.ErrorReports[1]; r.Status != 400 || !strings.Contains(r.Message, "width") {
		t.Fatalf("older report = %+v", r)
	}

	d, err := cld.Admin.Asset(context.Background(), admin.AssetParams{PublicID: "pic"})
	if err != nil || len(d.Derived) != 1 {
		t.Fatalf("details derived = %v, %v; want the one rendition", d.Derived, err)
	}
	der := d.Derived[0].(map[string]any)
	if der["transformation"] != "c_fill,h_16,w_32" || der["format"] != "webp" {
		t.Fatalf("derived = %v", der)
	}
	if status, _, body := get(t, der["url"].(string)); status != 200 || len(body) == 0 {
		t.Fatalf("derived url %v: %d", der["url"], status)
	}
}
