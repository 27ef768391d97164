package integration

import (
	"encoding/json"
	"fmt"
	"image/color"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// heavy skips t unless CUMULUS_HEAVY is set (make test-heavy).
func heavy(t *testing.T) {
	t.Helper()
	if os.Getenv("CUMULUS_HEAVY") == "" {
		t.Skip("heavy suite: run with CUMULUS_HEAVY=1 (make test-heavy)")
	}
}

// ensureChromium installs Debian's chromium with apt when it is missing:
// the browser tests never download a browser of their own.
func ensureChromium(t *testing.T) {
	t.Helper()
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return
	}
	apt := func(args ...string) {
		args = append([]string{"apt-get"}, args...)
		if os.Geteuid() != 0 {
			args = append([]string{"sudo"}, args...)
		}
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	apt("update", "-qq")
	apt("install", "-y", "-qq", "--no-install-recommends", "chromium")
}

// npmInstallDir runs npm ci in dir once (when node_modules/marker is
// missing) and returns dir's absolute path.
func npmInstallDir(t *testing.T, dir, marker string) string {
	t.Helper()
	abs, _ := filepath.Abs(dir)
	if _, err := os.Stat(filepath.Join(abs, "node_modules", marker)); err == nil {
		return abs
	}
	cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund")
	cmd.Dir = abs
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm ci in %s: %v\n%s", dir, err, out)
	}
	return abs
}

type browserStep struct {
	Name string `json:"name"`
	// login
	HTTPOnly     bool   `json:"httpOnly"`
	SameSite     string `json:"sameSite"`
	JSSeesCookie bool   `json:"jsSeesCookie"`
	// upload
	Rows []struct {
		File     string  `json:"file"`
		Done     string  `json:"done"`
		Progress float64 `json:"progress"`
	} `json:"rows"`
	// find
	BySearch []string `json:"bySearch"`
	ByTag    []string `json:"byTag"`
	Thumbs   [][2]int `json:"thumbs"`
	// asset, restore
	PreviewBefore [2]int `json:"previewBefore"`
	PreviewAfter  [2]int `json:"previewAfter"`
	DeliveryURL   string `json:"deliveryURL"`
	Versions      int    `json:"versions"`
	// builder
	Dims           string `json:"dims"`
	URL            string `json:"url"`
	Transformation string `json:"transformation"`
	// errors
	BadStatus int  `json:"badStatus"`
	Available bool `json:"available"`
	Listed    bool `json:"listed"`
	// settings, usage, logout
	Fields        []string `json:"fields"`
	Persisted     bool     `json:"persisted"`
	Assets        string   `json:"assets"`
	SessionStatus int      `json:"sessionStatus"`
}

// The console in Debian's Chromium through Playwright: log in with the
// keyboard, upload two images with progress, find them by search and by
// tag, edit a tag, restore an earlier version, build a transformation and
// see its preview at the expected size, see an error report, change a
// setting, read usage, log out. One screenshot per page is written to
// integration/browser/screenshots.
func TestHeavyConsoleBrowser(t *testing.T) {
	heavy(t)
	ensureChromium(t)
	dir := npmInstallDir(t, "browser", "playwright-core")
	s := startServer(t)

	files := t.TempDir()
	write := func(sub string, w, h int, c color.RGBA) string {
		_, b := pngFile(t, w, h, c)
		p := filepath.Join(files, sub, "a.png")
		if strings.HasSuffix(sub, "b") {
			p = filepath.Join(files, sub, "b.png")
		}
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	fileA := write("v1", 64, 48, color.RGBA{200, 30, 30, 255})
	fileB := write("b", 40, 40, color.RGBA{30, 30, 200, 255})
	fileA2 := write("v2", 100, 50, color.RGBA{30, 160, 30, 255})
	shots := filepath.Join(dir, "screenshots")
	os.RemoveAll(shots)
	os.MkdirAll(shots, 0o755)

	start := time.Now()
	cmd := exec.Command("node", "console.js")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CUMULUS_URL="+s.URL, "CUMULUS_CLOUD="+s.Cloud, "CUMULUS_KEY="+s.Key, "CUMULUS_SECRET="+s.Secret,
		"FILE_A="+fileA, "FILE_B="+fileB, "FILE_A2="+fileA2, "SHOTS="+shots)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	t.Logf("browser scenario took %s; screenshots in %s", time.Since(start).Round(time.Millisecond), shots)
	var res struct {
		Steps      []browserStep `json:"steps"`
		Error      string        `json:"error"`
		PageErrors []string      `json:"pageErrors"`
	}
	if jerr := json.Unmarshal(out, &res); jerr != nil || err != nil || res.Error != "" {
		t.Fatalf("browser scenario failed: %v %v\n%s\nstdout: %s\nstderr: %s\nserver log:\n%s", err, jerr, res.Error, out, stderr.String(), s.log)
	}
	steps := map[string]browserStep{}
	for _, st := range res.Steps {
		steps[st.Name] = st
	}
	if len(res.PageErrors) > 0 {
		t.Errorf("JavaScript errors on the page: %v", res.PageErrors)
	}
	check := func(name string, ok bool, format string, args ...any) {
		t.Helper()
		if !ok {
			t.Errorf(name+": "+format, args...)
		}
	}
	l := steps["login"]
	check("login", l.HTTPOnly && l.SameSite == "Strict" && !l.JSSeesCookie, "session cookie httpOnly=%v sameSite=%q visible to JS=%v", l.HTTPOnly, l.SameSite, l.JSSeesCookie)
	up := steps["upload"]
	check("upload", len(up.Rows) == 2, "rows = %+v", up.Rows)
	for _, r := range up.Rows {
		check("upload", r.Done == "ok" && r.Progress == 100, "row %+v", r)
	}
	f := steps["find"]
	want := []string{"bt/a", "bt/b"}
	check("search", reflect.DeepEqual(f.BySearch, want), "by search = %v, want %v", f.BySearch, want)
	check("tag", reflect.DeepEqual(f.ByTag, want), "by tag = %v, want %v", f.ByTag, want)
	for _, th := range f.Thumbs {
		check("thumbnails", th == [2]int{200, 200}, "thumbnail %v, want 200×200 rendered by Cumulus", th)
	}
	a := steps["asset"]
	check("asset", a.PreviewBefore == [2]int{100, 50} && a.Versions == 2, "preview %v with %d versions, want the second upload (100×50) and 2 versions", a.PreviewBefore, a.Versions)
	check("asset", strings.HasPrefix(a.DeliveryURL, s.URL+"/"+s.Cloud+"/image/upload/v"), "delivery URL %q", a.DeliveryURL)
	r := steps["restore"]
	check("restore", r.PreviewAfter == [2]int{64, 48} && r.Versions == 3, "after restore preview %v with %d versions, want 64×48 and 3", r.PreviewAfter, r.Versions)
	b := steps["builder"]
	check("builder", strings.Contains(b.Dims, "120 × 80") && b.Transformation == "c_fill,h_80,w_120/e_grayscale", "dims %q transformation %q", b.Dims, b.Transformation)
	if code, _, _ := get(t, b.URL); code != 200 {
		t.Errorf("builder URL %s answers %d", b.URL, code)
	}
	e := steps["errors"]
	check("errors", e.BadStatus == 400, "bad URL answered %d, want 400", e.BadStatus)
	if e.Available {
		check("errors", e.Listed, "the bad URL is not in the error reports")
	} else {
		t.Log("error reports: GET /v1_1/<cloud>/error_reports is not served yet; the page shows that it is unavailable")
	}
	st := steps["settings"]
	check("settings", len(st.Fields) >= 3 && st.Persisted, "fields = %v, persisted = %v", st.Fields, st.Persisted)
	// Strict transformations were turned on: delivery applies it at once,
	// refusing a new unsigned transformation.
	if code, _, _ := get(t, s.URL+"/"+s.Cloud+"/image/upload/w_33/bt/b.png"); code == 200 {
		t.Errorf("after turning on strict transformations, a new unsigned transformation still renders")
	}
	check("usage", steps["usage"].Assets == "2", "usage shows %q assets, want 2", steps["usage"].Assets)
	check("logout", steps["logout"].SessionStatus == 401, "session after logout answers %d", steps["logout"].SessionStatus)
	shotsWritten, _ := filepath.Glob(filepath.Join(shots, "*.png"))
	check("screenshots", len(shotsWritten) >= 12, "%d screenshots written", len(shotsWritten))
	fmt.Fprintln(os.Stderr, "console screenshots:", shots)
}
