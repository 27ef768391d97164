package integration

import (
	"encoding/json"
	"image/color"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cloudinary/cloudinary-go/v2/api/uploader"
)

// call makes one raw Admin API request with Basic credentials.
func (s *server) call(t *testing.T, method, path, contentType, body string) (int, http.Header, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, s.URL+"/v1_1/"+s.Cloud+"/"+path, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.SetBasicAuth(s.Key, s.Secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%s %s: body %q is not JSON", method, path, raw)
	}
	return resp.StatusCode, resp.Header, m
}

func resourceIDs(m map[string]any) string {
	var ids []string
	list, _ := m["resources"].([]any)
	for _, r := range list {
		ids = append(ids, r.(map[string]any)["public_id"].(string))
	}
	return strings.Join(ids, ",")
}

// The request encodings of the three SDKs (spec §E.1), on the wire.
func TestAdminWireEncodings(t *testing.T) {
	s := startServer(t)
	cld := s.sdk(t)
	file, _ := pngFile(t, 4, 4, color.RGBA{9, 9, 9, 255})
	for _, id := range []string{"folder/p q", "a", "b"} {
		mustUpload(t, cld, file, uploader.UploadParams{PublicID: id, Tags: []string{"t"}})
	}
	cases := []struct {
		name, method, path, ctype, body string
		status                          int
		check                           func(m map[string]any) bool
	}{
		{"Node encodes the public id's slash", "GET", "resources/image/upload/folder%2Fp%20q", "", "", 200,
			func(m map[string]any) bool { return m["public_id"] == "folder/p q" }},
		{"Go sends the slash as is", "GET", "resources/image/upload/folder/p%20q", "application/json; charset=utf-8", "", 200,
			func(m map[string]any) bool { return m["public_id"] == "folder/p q" }},
		{"Node encodes the endpoint itself", "POST", "resources%2Fsearch", "application/json", `{"expression":"public_id=a"}`, 200,
			func(m map[string]any) bool { return resourceIDs(m) == "a" && m["total_count"] == float64(1) }},
		{"Node arrays as key[]", "GET", "resources/image/upload?public_ids%5B%5D=a&public_ids%5B%5D=b", "", "", 200,
			func(m map[string]any) bool { return resourceIDs(m) == "b,a" }},
		{"Go arrays as a comma list", "GET", "resources/image/upload?public_ids=a,b&tags=true", "", "", 200,
			func(m map[string]any) bool {
				return resourceIDs(m) == "b,a" && len(m["resources"].([]any)[0].(map[string]any)["tags"].([]any)) == 1
			}},
		{"Go indexed arrays", "GET", "resources/image/upload?public_ids%5B0%5D=a", "", "", 200,
			func(m map[string]any) bool { return resourceIDs(m) == "a" }},
		{"Python JSON with nulls", "POST", "resources/image/upload/a", "application/json", `{"tags":["x","y"],"context":null}`, 200,
			func(m map[string]any) bool { return len(m["tags"].([]any)) == 2 }},
		{"Node urlencoded update", "POST", "resources/image/upload/b", "application/x-www-form-urlencoded", "tags=p%2Cq&context=alt%3DB%5C%3Dx", 200,
			func(m map[string]any) bool {
				return len(m["tags"].([]any)) == 2 && m["context"].(map[string]any)["custom"].(map[string]any)["alt"] == "B=x"
			}},
		{"Go JSON delete with a comma string", "DELETE", "resources/image/upload", "application/json", `{"public_ids":"nope1,nope2"}`, 200,
			func(m map[string]any) bool { return m["deleted"].(map[string]any)["nope2"] == "not_found" }},
		{"Node urlencoded delete body", "DELETE", "resources/image/upload", "application/x-www-form-urlencoded", "public_ids%5B%5D=a", 200,
			func(m map[string]any) bool {
				return m["deleted"].(map[string]any)["a"] == "deleted" && m["partial"] == false
			}},
		{"unknown resource", "GET", "resources/image/upload/zzz", "", "", 404,
			func(m map[string]any) bool {
				return m["error"].(map[string]any)["message"] == "Resource not found - zzz"
			}},
		{"unknown endpoint", "GET", "nothing/here", "", "", 404,
			func(m map[string]any) bool { return m["error"] != nil }},
		{"bad expression", "POST", "resources/search", "application/json", `{"expression":"tags=(x"}`, 400,
			func(m map[string]any) bool {
				return strings.HasPrefix(m["error"].(map[string]any)["message"].(string), "Query Error")
			}},
		{"bad cursor", "GET", "resources/image?next_cursor=%25%25", "", "", 400,
			func(m map[string]any) bool { return m["error"] != nil }},
	}
	for _, c := range cases {
		status, hdr, m := s.call(t, c.method, c.path, c.ctype, c.body)
		if status != c.status || !c.check(m) {
			t.Errorf("%s: %d %v", c.name, status, m)
		}
		if status != 404 || c.name != "unknown endpoint" {
			if _, err := strconv.Atoi(hdr.Get("X-FeatureRateLimit-Remaining")); err != nil {
				t.Errorf("%s: no X-FeatureRateLimit-Remaining", c.name)
			}
		}
	}

	// Credentials.
	req, _ := http.NewRequest("GET", s.URL+"/v1_1/"+s.Cloud+"/ping", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("no credentials: %d, want 401", resp.StatusCode)
	}
}

// Rate-limit headers in the spec's formats, 420 over the limit, and
// counters that survive a restart.
func TestAdminRateLimit(t *testing.T) {
	env := []string{"CUMULUS_ADMIN_RATE_LIMIT=3"}
	s := startServer(t, serverOpts{env: env})
	var reset string
	for i := 1; i <= 3; i++ {
		status, hdr, _ := s.call(t, "GET", "ping", "", "")
		if status != 200 || hdr.Get("X-FeatureRateLimit-Limit") != "3" || hdr.Get("X-FeatureRateLimit-Remaining") != strconv.Itoa(3-i) {
			t.Fatalf("request %d: %d, limit %q, remaining %q", i, status, hdr.Get("X-FeatureRateLimit-Limit"), hdr.Get("X-FeatureRateLimit-Remaining"))
		}
		reset = hdr.Get("X-FeatureRateLimit-Reset")
		at, err := http.ParseTime(reset)
		if err != nil || !strings.HasSuffix(reset, " GMT") || at.Minute() != 0 || at.Before(time.Now()) || at.After(time.Now().Add(time.Hour)) {
			t.Fatalf("X-FeatureRateLimit-Reset %q is not the next hour as an HTTP date", reset)
		}
	}
	status, hdr, m := s.call(t, "GET", "ping", "", "")
	if status != 420 || m["error"].(map[string]any)["message"] != "Rate Limit Exceeded" || hdr.Get("X-FeatureRateLimit-Remaining") != "0" {
		t.Fatalf("over the limit: %d %v", status, m)
	}
	s.stop(t)
	s2 := startServer(t, serverOpts{data: s.Data, env: env})
	status, hdr, _ = s2.call(t, "GET", "ping", "", "")
	if hdr.Get("X-FeatureRateLimit-Reset") == reset && status != 420 {
		t.Fatalf("after a restart in the same hour: %d, want 420 (the counter was lost)", status)
	}
}
