package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"image/color"
	"net/url"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/cloudinary/cloudinary-go/v2/api"
	"github.com/cloudinary/cloudinary-go/v2/api/admin"
	"github.com/cloudinary/cloudinary-go/v2/api/uploader"
	"github.com/cumulusmedia/cumulus/deliveryurl"
	"github.com/cumulusmedia/cumulus/transform"
)

// TestURLVectorsServed requests every URL of the spec's vector file whose
// delivery type this server serves (image and raw: upload, private,
// authenticated), re-targeted to a real server holding test images under
// the vectors' public IDs. Each must be served, or refused with 400 and an
// X-Cld-Error naming a parameter we deliberately do not support
// (docs/compatibility.md).
func TestURLVectorsServed(t *testing.T) {
	raw, err := os.ReadFile("../../shared/spec/url-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var vs []struct {
		SDK         string         `json:"sdk"`
		Config      map[string]any `json:"config"`
		ExpectedURL string         `json:"expected_url"`
	}
	if err := json.Unmarshal(raw, &vs); err != nil {
		t.Fatal(err)
	}
	type job struct {
		u    *url.URL
		req  deliveryurl.Request
		name string
	}
	bySecret := map[string][]job{}
	skipped := map[string]int{}
	for i, v := range vs {
		u, err := url.Parse(v.ExpectedURL)
		if err != nil {
			t.Fatalf("vector %d: %v", i, err)
		}
		if u.Query().Get("__cld_token__") != "" {
			skipped["token authentication"]++
			continue
		}
		p := u.EscapedPath()
		if !strings.HasPrefix(u.Host, "test123-res") && !strings.HasPrefix(strings.TrimPrefix(p, "/"), "test123/") {
			// cname hosts: the cloud is in the path unless private_cdn.
			if pc, _ := v.Config["private_cdn"].(bool); !pc {
				skipped["no cloud in path"]++
				continue
			}
		}
		p = strings.TrimPrefix(strings.TrimPrefix(p, "/"), "test123/")
		req, err := deliveryurl.ParsePath(p)
		if err != nil {
			skipped["unparsable"]++
			continue
		}
		switch {
		case req.ResourceType == "video":
			skipped["video (not served by the image pipeline)"]++
			continue
		case req.Type != "upload" && req.Type != "private" && req.Type != "authenticated":
			skipped["delivery type "+string(req.Type)]++
			continue
		}
		secret, _ := v.Config["api_secret"].(string)
		bySecret[secret] = append(bySecret[secret], job{u, req, fmt.Sprintf("%03d-%s", i, v.SDK)})
	}

	served, refused, total, guarded := 0, map[string]int{}, 0, 0
	path, _ := pngFile(t, 640, 480, color.RGBA{30, 140, 200, 255})
	pages := gifFile(t, 6) // for pg_ vectors
	for secret, jobs := range bySecret {
		if secret == "" {
			secret = "unused-secret"
		}
		s := startServer(t, serverOpts{env: []string{"CLOUDINARY_URL=cloudinary://key:" + secret + "@test123"}})
		s.Cloud, s.Key, s.Secret = "test123", "key", secret
		cld := s.sdk(t)
		ctx := context.Background()
		uploaded := map[string]string{}
		put := func(id, rt, typ, file string) {
			k := rt + "/" + typ + "/" + id
			// A multi-page file, once needed, replaces a single-page one.
			if id == "" || uploaded[k] == file || uploaded[k] == pages {
				return
			}
			uploaded[k] = file
			res, err := cld.Upload.Upload(ctx, file, uploader.UploadParams{PublicID: id, ResourceType: rt, Type: api.DeliveryType(typ)})
			if err != nil || res.Error.Message != "" {
				t.Logf("upload %s: %v %s", k, err, res.Error.Message)
			}
		}
		named := map[string]bool{}
		for _, j := range jobs {
			chain, err := transform.Parse(j.req.Transformation)
			file := path
			for _, c := range chain {
				if !c.Page.IsZero() {
					file = pages
				}
			}
			put(j.req.PublicID, string(j.req.ResourceType), string(j.req.Type), file)
			if err != nil {
				continue
			}
			for _, c := range chain {
				for _, l := range []*transform.LayerSource{c.Overlay, c.Underlay} {
					if l != nil && l.PublicID != "" {
						typ := "upload"
						if l.Type != "" {
							typ = l.Type
						}
						put(l.PublicID, "image", typ, path)
					}
				}
				for _, n := range c.Named {
					if !named[n] {
						named[n] = true
						cld.Admin.CreateTransformation(ctx, admin.CreateTransformationParams{Name: n, Transformation: "w_100"})
					}
				}
			}
		}
		for _, j := range jobs {
			total++
			status, hdr, _ := getVia(t, s, j.u.String())
			msg := hdr.Get("X-Cld-Error")
			switch {
			case status == 200:
				served++
			case status == 400 && (strings.Contains(msg, "Unsupported") || strings.Contains(msg, "not supported")):
				refused[msg]++
			case status == 401 && j.req.Signature == "" && j.req.Type != "upload":
				guarded++ // an unsigned URL of a private original or an authenticated asset: refused, as on Cloudinary
			default:
				t.Errorf("%s %s: %d %q", j.name, j.u, status, msg)
			}
		}
	}
	var reasons []string
	for m, n := range refused {
		reasons = append(reasons, fmt.Sprintf("%d× %s", n, m))
	}
	sort.Strings(reasons)
	total -= guarded
	t.Logf("served %d of %d applicable vectors (%.0f%%); unsigned private/authenticated refused with 401: %d; refused as unsupported: %v; not applicable: %v",
		served, total, 100*float64(served)/float64(max(total, 1)), guarded, reasons, skipped)
	if served*10 < total*9 {
		t.Errorf("served %d of %d, want at least 90%%", served, total)
	}
}
