package hardening

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// traversalSpellings are the ways of writing "go up a folder" that path
// handling bugs have historically let through somewhere.
var traversalSpellings = []string{
	"../../secret",
	"../secret",
	"folder/../../secret",
	"..%2f..%2fsecret",
	"%2e%2e/%2e%2e/secret",
	"%2e%2e%2f%2e%2e%2fsecret",
	"%252e%252e%252fsecret",
	`..\..\secret`,
	"..%5c..%5csecret",
	"....//....//secret",
	"..;/secret",
	"/etc/passwd",
	"//etc/passwd",
	"%c0%ae%c0%ae/secret",
	"\uff0e\uff0e\uff0fsecret",
	"a/./b/../../../secret",
	"secret\x00.png",
	"~/secret",
	"file:///etc/passwd",
	".",
	"..",
	"./",
}

// An upload under any traversal spelling is refused or stored under a
// public ID without "." or ".." segments; delivery under the same spelling
// never serves a file outside the blob root; nothing is written outside it.
func TestHeavyPathTraversalSpellings(t *testing.T) {
	s := newStack(t, stackOpts{})
	plantSecrets(t, s)
	img := gradientPNG(4, 4)
	for _, id := range traversalSpellings {
		t.Run(id, func(t *testing.T) {
			code, msg, body := s.upload(t, "image", url.Values{"public_id": {id}}, img)
			t.Logf("upload: %d %s %.80s", code, msg, body)
			switch code {
			case http.StatusOK:
				var res struct {
					PublicID string `json:"public_id"`
				}
				json.Unmarshal(body, &res)
				for _, seg := range strings.Split(res.PublicID, "/") {
					if seg == ".." || seg == "." || seg == "" {
						t.Errorf("stored under public ID %q", res.PublicID)
					}
				}
			case http.StatusBadRequest:
				if msg == "" {
					t.Errorf("400 without X-Cld-Error")
				}
			default:
				t.Errorf("upload: %d %q", code, msg)
			}
			for _, rt := range []string{"image", "raw", "video"} {
				for _, p := range []string{"/demo/" + rt + "/upload/" + id, "/demo/" + rt + "/upload/v1/" + id, "/demo/" + rt + "/upload/w_10/" + id + ".png"} {
					u, err := url.ParseRequestURI(p)
					if err != nil {
						continue
					}
					rec := s.get(u.RequestURI())
					checkResponse(t, p, rec)
				}
			}
		})
	}
	checkConfined(t, s)
}
