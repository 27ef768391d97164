package transform

import (
	"encoding/json"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
)

var (
	versionSeg   = regexp.MustCompile(`^v\d+$`)
	signatureSeg = regexp.MustCompile(`^s--[A-Za-z0-9_-]+--$`)
)

// vectorTransformation extracts the transformation part of an SDK-generated
// URL: the segments after "<resource_type>/<type>/" and an optional
// signature, up to a version segment, or else all but the public ID's own
// segments. ok is false for URL forms without resource and delivery type.
func vectorTransformation(rawURL, publicID string) (string, bool) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", false
	}
	segs := strings.Split(strings.TrimPrefix(u.EscapedPath(), "/"), "/")
	start := -1
	for i := 0; i+1 < len(segs); i++ {
		if (segs[i] == "image" || segs[i] == "video" || segs[i] == "raw") &&
			(segs[i+1] == "upload" || segs[i+1] == "private" || segs[i+1] == "authenticated" || segs[i+1] == "fetch") {
			start = i + 2
			break
		}
	}
	if start < 0 {
		return "", false
	}
	segs = segs[start:]
	if len(segs) > 0 && signatureSeg.MatchString(segs[0]) {
		segs = segs[1:]
	}
	for i, s := range segs {
		if versionSeg.MatchString(s) {
			return strings.Join(segs[:i], "/"), true
		}
	}
	n := len(segs) - len(strings.Split(publicID, "/"))
	if n < 0 {
		return "", false
	}
	return strings.Join(segs[:n], "/"), true
}

// TestURLVectors parses the transformation of every URL in the harvested SDK
// vectors: each must parse, possibly with parameters reported as
// unsupported (variables, conditions, arithmetic).
func TestURLVectors(t *testing.T) {
	data, err := os.ReadFile("../../shared/spec/url-vectors.json")
	if err != nil {
		t.Skipf("vectors not available: %v", err)
	}
	var vectors []struct {
		PublicID    string `json:"public_id"`
		ExpectedURL string `json:"expected_url"`
	}
	if err := json.Unmarshal(data, &vectors); err != nil {
		t.Fatal(err)
	}
	var total, supported, unsupported, failed int
	for _, v := range vectors {
		tr, ok := vectorTransformation(v.ExpectedURL, v.PublicID)
		if !ok || tr == "" {
			continue
		}
		total++
		c, err := Parse(tr)
		switch {
		case err != nil:
			failed++
			t.Errorf("%s: Parse(%q): %v", v.ExpectedURL, tr, err)
		case len(c.Unsupported()) > 0:
			unsupported++
		default:
			supported++
		}
		if err == nil {
			if again := mustString(t, c.String()); again != c.String() {
				t.Errorf("%q: canonical form %q not stable (%q)", tr, c.String(), again)
			}
		}
	}
	t.Logf("url-vectors: %d transformations; %d parsed and supported, %d parsed with unsupported parameters, %d failed",
		total, supported, unsupported, failed)
	if total < 100 {
		t.Errorf("only %d transformations extracted; the extraction rule is broken", total)
	}
}
