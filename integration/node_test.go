package integration

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// npmInstall installs the npm cloudinary package once per test run.
func npmInstall(t *testing.T) string {
	t.Helper()
	dir, _ := filepath.Abs("node")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "cloudinary")); err == nil {
		return dir
	}
	cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm ci: %v\n%s", err, out)
	}
	return dir
}

// runNode runs a scenario of integration/node with the npm cloudinary
// package configured for s (CLOUDINARY_URL set before the require, as the
// Node SDK needs) and returns what it printed.
func runNode(t *testing.T, s *server, script string, args ...string) []byte {
	t.Helper()
	dir := npmInstall(t)
	cmd := exec.Command("node", append([]string{script}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		fmt.Sprintf("CLOUDINARY_URL=cloudinary://%s:%s@%s?upload_prefix=%s&analytics=false", s.Key, s.Secret, s.Cloud, s.URL),
		"CUMULUS_HOST="+s.Host)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node %s: %v\n%s\nserver log:\n%s", script, err, stderr.String(), s.log)
	}
	return out
}

func TestNodeSDK(t *testing.T) {
	s := startServer(t)
	photo, photoBytes := sharedImage(t, "photo-1920x1280.jpg")
	photo, _ = filepath.Abs(photo)
	out := runNode(t, s, "upload_large.js", photo)
	var r struct {
		Big struct {
			PublicID     string `json:"public_id"`
			Bytes        int    `json:"bytes"`
			ResourceType string `json:"resource_type"`
			URL          string `json:"url"`
		}
		SHA string
		Img struct {
			PublicID string                       `json:"public_id"`
			Width    int                          `json:"width"`
			Tags     []string                     `json:"tags"`
			Context  map[string]map[string]string `json:"context"`
		}
		URL       string
		Tagged    map[string][]string
		Destroyed map[string]string
		Wrong     *struct {
			HTTPCode int    `json:"http_code"`
			Message  string `json:"message"`
		}
	}
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("node output %q: %v", out, err)
	}
	if r.Big.PublicID != "node/big.bin" || r.Big.ResourceType != "raw" || r.Big.Bytes != 3*1024*1024+12345 {
		t.Fatalf("upload_large result = %+v", r.Big)
	}
	status, _, body := get(t, r.Big.URL)
	sum := sha256.Sum256(body)
	if status != 200 || hex.EncodeToString(sum[:]) != r.SHA {
		t.Fatalf("upload_large asset: %d, %d bytes, sha256 differs from the file's", status, len(body))
	}
	if r.Img.Width != 1920 || strings.Join(r.Img.Tags, ",") != "n1,n2" || r.Img.Context["custom"]["alt"] != "a=b" || r.Img.Context["custom"]["caption"] != "hi" {
		t.Fatalf("upload result = %+v", r.Img)
	}
	if status, _, body := get(t, r.URL); status != 200 || !bytes.Equal(body, photoBytes) {
		t.Fatalf("Node URL %s = %d, want the uploaded bytes", r.URL, status)
	}
	if strings.Join(r.Tagged["public_ids"], ",") != "node/photo" || r.Destroyed["result"] != "ok" {
		t.Fatalf("add_tag = %v, destroy = %v", r.Tagged, r.Destroyed)
	}
	if r.Wrong == nil || r.Wrong.HTTPCode != 401 || !strings.HasPrefix(r.Wrong.Message, "Invalid Signature") {
		t.Fatalf("wrong secret = %+v, want 401 Invalid Signature", r.Wrong)
	}
}

// Signed URLs as the Node SDK builds them: every signature form is served,
// a changed character is refused, a signed tag list lists the tagged assets.
func TestNodeSDKSignedURLs(t *testing.T) {
	s := startServer(t)
	photo, _ := sharedImage(t, "photo-1920x1280.jpg")
	photo, _ = filepath.Abs(photo)
	out := runNode(t, s, "signed.js", photo)
	var urls map[string]string
	if err := json.Unmarshal(out, &urls); err != nil {
		t.Fatalf("node output %q: %v", out, err)
	}
	for _, k := range []string{"sha1", "sha256", "long"} {
		u := urls[k]
		status, hdr, body := get(t, u)
		if status != 200 {
			t.Fatalf("%s %s: %d %q", k, u, status, hdr.Get("X-Cld-Error"))
		}
		if w, _ := imageSize(t, body); w != 50 {
			t.Errorf("%s: width %d, want 50", k, w)
		}
		i := strings.Index(u, "s--") + 3
		tampered := u[:i] + string(rune('A'+(u[i]-'A'+1)%26)) + u[i+1:]
		if status, hdr, _ := get(t, tampered); status != 401 || hdr.Get("X-Cld-Error") == "" {
			t.Errorf("%s tampered: %d %q, want 401", k, status, hdr.Get("X-Cld-Error"))
		}
	}
	if status, _, _ := get(t, urls["unsigned"]); status != 401 {
		t.Errorf("unsigned authenticated URL: %d, want 401", status)
	}
	status, hdr, body := get(t, urls["list"])
	if status != 200 || !strings.Contains(string(body), `"public_id":"node/listed"`) || strings.Contains(string(body), "node/contract") {
		t.Fatalf("signed list %s: %d %q %s", urls["list"], status, hdr.Get("X-Cld-Error"), body)
	}
}
