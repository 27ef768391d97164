package integration

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/cumulusmedia/cumulus/hardening"
)

// corpora are hostile and unusual files shipped by Debian packages (the
// test suites of image libraries, fuzzers' seeds), plus Go's own.
var corpora = []struct {
	pkg string // Debian package that installs it; "" for the Go tree
	dir string
	max int // files taken, evenly spread, to bound the run
}{
	{"gdk-pixbuf-tests", "/usr/libexec/installed-tests/gdk-pixbuf/test-images", 2000},
	{"librsvg2-tests", "/usr/libexec/installed-tests/RSVG/fixtures", 2000},
	{"libjxl-testdata", "/usr/share/libjxl-testdata", 2000},
	{"golang-golang-x-image-dev", "/usr/share/gocode/src/golang.org/x/image", 2000},
	{"afl++-doc", "/usr/share/doc/afl++-doc/afl/testcases", 2000},
	{"", filepath.Join(runtime.GOROOT(), "src", "image"), 2000},
}

// installCorpora installs the Debian packages that are missing.
func installCorpora(t *testing.T) {
	var missing []string
	for _, c := range corpora {
		if c.pkg == "" {
			continue
		}
		if _, err := os.Stat(c.dir); err != nil {
			missing = append(missing, c.pkg)
		}
	}
	if len(missing) == 0 {
		return
	}
	t.Logf("installing %v", missing)
	sudo := []string{}
	if os.Geteuid() != 0 {
		sudo = []string{"sudo", "-n"}
	}
	run := func(args ...string) error {
		full := append(append([]string{}, sudo...), args...)
		c := exec.Command(full[0], full[1:]...)
		c.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		out, err := c.CombinedOutput()
		if err != nil {
			return fmt.Errorf("%v: %v\n%s", args, err, out)
		}
		return nil
	}
	install := append([]string{"apt-get", "install", "-y", "-qq", "--no-install-recommends"}, missing...)
	if err := run(install...); err != nil {
		if err := run("apt-get", "update", "-qq"); err != nil {
			t.Fatal(err)
		}
		if err := run(install...); err != nil {
			t.Fatal(err)
		}
	}
}

// corpusFiles lists the regular files under dir, skipping source code and
// text that is not a test input, and keeps at most max evenly spread.
func corpusFiles(dir string, max int) []string {
	var files []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".go", ".c", ".h", ".rs", ".md", ".txt", ".dict", ".sh", ".py", ".test", ".build", ".mod", ".sum":
			return nil
		}
		if fi, err := d.Info(); err != nil || fi.Size() == 0 || fi.Size() > 20<<20 {
			return nil
		}
		files = append(files, p)
		return nil
	})
	sort.Strings(files)
	if len(files) <= max {
		return files
	}
	out := make([]string, 0, max)
	for i := range max {
		out = append(out, files[i*len(files)/max])
	}
	return out
}

// TestHeavyCorpora uploads every corpus file (resource type auto) to the
// real server and asks for a rendition of each image (and the sanitised
// original of each SVG), each request with a 10 s deadline. It counts
// ok / 4xx / timeout / crash; a crash restarts the server. Target: no
// crash, no timeout, no 5xx.
func TestHeavyCorpora(t *testing.T) {
	heavyOnly(t)
	installCorpora(t)
	data := t.TempDir()
	s := startServer(t, serverOpts{data: data})
	client := &http.Client{Timeout: 10 * time.Second}
	type tally struct{ files, images, rendered, ok, c4xx, c5xx, timeout, crash int }
	var total tally
	start := time.Now()
	var failures []string
	for _, c := range corpora {
		files := corpusFiles(c.dir, c.max)
		if len(files) == 0 {
			t.Errorf("corpus %s is empty", c.dir)
			continue
		}
		var n tally
		for i, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				continue
			}
			n.files++
			id := fmt.Sprintf("corpus/%s/%d", strings.ReplaceAll(filepath.Base(c.dir), ".", "_"), i)
			outcome := func(status int, err error) string {
				var ne net.Error
				switch {
				case err != nil && errors.As(err, &ne) && ne.Timeout():
					return "timeout"
				case err != nil && !s.alive():
					return "crash"
				case err != nil:
					if time.Sleep(100 * time.Millisecond); !s.alive() {
						return "crash"
					}
					return "5xx" // a transport error from a live server
				case status >= 500:
					return "5xx"
				case status >= 400:
					return "4xx"
				}
				return "ok"
			}
			results := []string{}
			r := s.rawUpload(client, "auto", url.Values{"public_id": {id}}, filepath.Base(f), b)
			results = append(results, outcome(r.status, r.err))
			var res struct {
				ResourceType string `json:"resource_type"`
				Format       string `json:"format"`
			}
			if r.err == nil && r.status == 200 && json.Unmarshal(r.body, &res) == nil && res.ResourceType == "image" {
				n.images++
				paths := []string{fmt.Sprintf("/demo/image/upload/w_64,h_64,c_limit/%s.png", id)}
				if res.Format == "svg" {
					paths = append(paths, fmt.Sprintf("/demo/image/upload/%s.svg", id))
				}
				for _, p := range paths {
					resp, err := client.Get(s.URL + p)
					status := 0
					if err == nil {
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						status = resp.StatusCode
					}
					results = append(results, outcome(status, err))
					if status == 200 && strings.HasSuffix(p, ".png") {
						n.rendered++
					}
				}
			}
			worst := "ok"
			for _, o := range results {
				if rank(o) > rank(worst) {
					worst = o
				}
			}
			switch worst {
			case "ok":
				n.ok++
			case "4xx":
				n.c4xx++
			case "5xx":
				n.c5xx++
				failures = append(failures, "5xx: "+f)
			case "timeout":
				n.timeout++
				failures = append(failures, "timeout: "+f)
			case "crash":
				n.crash++
				failures = append(failures, "crash: "+f+"\n"+tail(s.log.String(), 2000))
				s.kill()
				s = startServer(t, serverOpts{data: data})
			}
		}
		name := c.pkg
		if name == "" {
			name = "go src/image"
		}
		t.Logf("%-26s %4d files (%4d images, %4d rendered): %4d ok, %4d 4xx, %d 5xx, %d timeout, %d crash",
			name, n.files, n.images, n.rendered, n.ok, n.c4xx, n.c5xx, n.timeout, n.crash)
		total.images += n.images
		total.rendered += n.rendered
		total.files += n.files
		total.ok += n.ok
		total.c4xx += n.c4xx
		total.c5xx += n.c5xx
		total.timeout += n.timeout
		total.crash += n.crash
	}
	// The generated bombs go through the same path.
	for name, b := range map[string][]byte{"png": hardening.PNGHeaderBomb(65535, 65535), "gif": hardening.ManyFrameGIF(5000), "solid": hardening.SolidPNG(12000, 12000)} {
		if r := s.rawUpload(client, "auto", url.Values{"public_id": {"bomb-" + name}}, name, b); r.err != nil || r.status != 400 {
			t.Errorf("bomb %s: %d %v", name, r.status, r.err)
		}
	}
	t.Logf("all corpora: %d files (%d images, %d rendered) in %s: %d ok, %d 4xx, %d 5xx, %d timeout, %d crash",
		total.files, total.images, total.rendered, time.Since(start).Round(time.Second), total.ok, total.c4xx, total.c5xx, total.timeout, total.crash)
	for _, f := range failures {
		t.Error(f)
	}
}

func rank(o string) int {
	return map[string]int{"ok": 0, "4xx": 1, "5xx": 2, "timeout": 3, "crash": 4}[o]
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
