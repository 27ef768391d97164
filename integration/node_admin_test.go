package integration

import (
	"encoding/json"
	"fmt"
	"image/color"
	"strings"
	"testing"
	"time"
)

// The Admin API through the npm cloudinary package (node/admin.js).
func TestNodeAdminSDK(t *testing.T) {
	s := startServer(t)
	file, _ := pngFile(t, 6, 4, color.RGBA{10, 200, 10, 255})
	out := runNode(t, s, "admin.js", file)
	var r map[string]any
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("node output %q: %v", out, err)
	}
	// get walks r by keys and indexes: get("list", "resources", 0, "public_id").
	get := func(path ...any) any {
		var cur any = r
		for _, p := range path {
			switch k := p.(type) {
			case string:
				m, _ := cur.(map[string]any)
				cur = m[k]
			case int:
				l, _ := cur.([]any)
				if k >= len(l) {
					return nil
				}
				cur = l[k]
			}
		}
		return cur
	}
	ids := func(path ...any) string {
		var out []string
		l, _ := get(path...).([]any)
		for _, x := range l {
			out = append(out, x.(map[string]any)["public_id"].(string))
		}
		return strings.Join(out, ",")
	}
	versions := get("versions").([]any)
	reset, _ := time.Parse(time.RFC3339, fmt.Sprint(get("ping", "rate_limit_reset_at")))
	checks := []struct {
		name string
		ok   bool
	}{
		{"ping and rate-limit fields", get("ping", "status") == "ok" && get("ping", "rate_limit_allowed") == float64(500) &&
			get("ping", "rate_limit_remaining").(float64) < 500 && reset.After(time.Now())},
		{"usage", get("usage", "resources") == float64(2)},
		{"resource types", len(get("types", "resource_types").([]any)) == 3},
		{"paged listing", ids("list", "resources") == "other" && ids("list2", "resources") == "node/a b" && get("list", "resources", 0, "tags", 0) == "blue"},
		{"prefix", ids("prefix", "resources") == "node/a b"},
		{"by ids", ids("byIds", "resources") == "other,node/a b"},
		{"by tag", ids("byTag", "resources") == "other"},
		{"by context", ids("byContext", "resources") == "node/a b"},
		{"by asset ids", ids("byAssetIds", "resources") == "node/a b"},
		{"details with versions", get("details", "public_id") == "node/a b" && get("details", "versions", 0, "version_id") == versions[0] &&
			get("details", "versions", 1, "version_id") == versions[1] && len(get("details", "derived").([]any)) == 0},
		{"by asset id", get("byAssetId", "public_id") == "node/a b"},
		{"update", get("update", "context", "custom", "caption") == "c|d" && get("update", "tags", 1) == "new"},
		{"tags", fmt.Sprint(get("tags", "tags")) == "[blue new red sale]"},
		{"search", ids("search", "resources") == "node/a b,other" && get("search", "resources", 0, "context", "alt") == "x=y" &&
			get("search", "aggregations", "format", "png") == float64(2)},
		{"folders", get("createFolder", "path") == "node/empty" && get("root", "folders", 0, "name") == "node" &&
			get("sub", "folders", 0, "path") == "node/empty" && get("deleteFolder", "deleted", 0) == "node/empty"},
		{"transformations", get("createT", "message") == "created" && get("getT", "info", 0, "width") == float64(50) &&
			get("updateT", "message") == "updated" && get("listT", "transformations", 0, "allowed_for_strict") == false &&
			get("deleteT", "message") == "deleted"},
		{"presets", get("createP", "name") == "web" && get("getP", "settings", "folder") == "web" && get("getP", "unsigned") == true &&
			get("listP", "presets", 0, "name") == "web" && get("updateP", "message") == "updated" && get("deleteP", "message") == "deleted"},
		{"unsigned upload", get("unsigned", "public_id") == "web/u1" && fmt.Sprint(get("unsigned", "tags")) == "[w1 w2]" &&
			get("unsignedRefused", "http_code") == float64(400)},
		{"restore", get("restore", "node/a b", "version").(float64) > get("details", "versions", 1, "version").(float64)},
		{"derived deletes", get("deleteDerived", "deleted", "abc") == "not_found" && get("deleteByTx", "deleted", "other") == "deleted"},
		{"deletes", get("deleteIds", "deleted", "other") == "deleted" && get("deleteIds", "deleted", "missing") == "not_found" &&
			get("deletePrefix", "deleted", "web/u1") == "deleted" && get("deleteTag", "deleted", "node/a b") == "deleted" &&
			get("deleteAll", "deleted", "last") == "deleted"},
		{"missing resource", get("missing", "http_code") == float64(404) && get("missing", "message") == "Resource not found - gone"},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: wrong result", c.name)
		}
	}
	if t.Failed() {
		t.Logf("node output: %s", out)
	}
}
