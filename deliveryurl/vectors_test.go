package deliveryurl

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/cumulusmedia/cumulus/signing"
)

// vectorsPath is spec §H's vector file, beside the repository checkout.
const vectorsPath = "../../shared/spec/url-vectors.json"

type vector struct {
	SDK         string         `json:"sdk"`
	Source      string         `json:"source"`
	PublicID    any            `json:"public_id"`
	Options     map[string]any `json:"options"`
	Config      map[string]any `json:"config"`
	ExpectedURL string         `json:"expected_url"`
}

// vectorOptions turns a vector's config and options into Options.
func vectorOptions(v vector) (Options, error) {
	d := Node
	switch v.SDK {
	case "python":
		d = Python
	case "go":
		d = Go
	}
	return OptionsFromSDK(v.Config, v.Options, d)
}

func loadVectors(t *testing.T) []vector {
	t.Helper()
	data, err := os.ReadFile(vectorsPath)
	if err != nil {
		t.Fatalf("read vectors: %v", err)
	}
	var vs []vector
	if err := json.Unmarshal(data, &vs); err != nil {
		t.Fatalf("decode vectors: %v", err)
	}
	return vs
}

// TestVectors builds every vector whose options Build supports and checks
// the URL byte for byte; then parses the URL's path back and checks the
// asset, transformation and signature it names.
func TestVectors(t *testing.T) {
	vs := loadVectors(t)
	skipped := map[string]int{}
	built, parsed := 0, 0
	for i, v := range vs {
		name := fmt.Sprintf("%03d-%s", i, v.SDK)
		pid, ok := v.PublicID.(string)
		if !ok {
			skipped["non-string public_id"]++
			continue
		}
		o, err := vectorOptions(v)
		var un *Unsupported
		if errors.As(err, &un) {
			skipped[un.Option]++
			continue
		}
		got, err := Build(pid, o)
		if errors.As(err, &un) {
			skipped["option "+un.Option]++
			continue
		}
		if err != nil {
			t.Errorf("%s: Build error %v (%s)", name, err, v.Source)
			continue
		}
		if got != v.ExpectedURL {
			t.Errorf("%s: Build\n got  %s\n want %s\n (%s)", name, got, v.ExpectedURL, v.Source)
			continue
		}
		built++
		if why := roundTrip(t, name, pid, o, got); why != "" {
			skipped["round trip: "+why]++
			continue
		}
		parsed++
	}
	var reasons []string
	for r, n := range skipped {
		reasons = append(reasons, fmt.Sprintf("%3d %s", n, r))
	}
	sort.Strings(reasons)
	t.Logf("%d vectors: %d built exactly, %d also parsed back; skipped:\n%s", len(vs), built, parsed, strings.Join(reasons, "\n"))
}

// roundTrip parses the path of a built URL and checks it against what was
// built. It returns a reason when the vector cannot be read back.
func roundTrip(t *testing.T, name, pid string, o Options, u string) string {
	t.Helper()
	if o.Dialect == Node && preloaded.MatchString(pid) {
		return "node preloaded public id"
	}
	if o.Type == "" && remoteURL.MatchString(pid) {
		return "remote url passed through"
	}
	_, rest, _ := strings.Cut(u, "://")
	host, p, _ := strings.Cut(rest, "/")
	p, _, _ = strings.Cut(p, "?")
	if ParseHost(host).Cloud == "" && strings.HasPrefix(p, o.Cloud+"/") {
		p = strings.TrimPrefix(p, o.Cloud+"/")
	}
	r, err := ParsePath(p)
	if err != nil {
		t.Errorf("%s: ParsePath(%q): %v", name, p, err)
		return ""
	}
	if o.UseRootPath && o.URLSuffix != "" {
		alt, ok := r.SuffixAlternative()
		if !ok {
			t.Errorf("%s: no suffix reading of %q", name, p)
			return ""
		}
		r = alt
	}
	wantRT, wantType := o.ResourceType, o.Type
	if wantRT == "" {
		wantRT = "image"
	}
	if wantType == "" {
		wantType = "upload"
	}
	format := o.Format
	params := o.Params
	if wantType == "fetch" && format != "" && o.Dialect != Go {
		params = cloneParams(params)
		params["fetch_format"] = format
		format = ""
	}
	wantTrans, _ := buildTransformation(params, o.Transformation, o.Dialect)
	wantTrans = collapseDoubleSlash(wantTrans)
	if o.Dialect != Go {
		wantTrans = strings.ReplaceAll(wantTrans, " ", "%20")
	}
	dec, err := url.PathUnescape(pid)
	if err != nil {
		dec = pid
	}
	wantSource := collapseDoubleSlash(dec)
	if m := leadingVersion.FindString(wantSource); m != "" && strings.HasPrefix(wantSource, m+"/") && o.Version == 0 {
		// "v1234/test": the SDKs take the version from the public ID.
		wantSource = strings.TrimPrefix(wantSource, m+"/")
		if n, _ := strconv.ParseInt(m[1:], 10, 64); !r.HasVersion || r.Version != n {
			t.Errorf("%s: ParsePath(%q) version %d, want %d", name, p, r.Version, n)
		}
	}
	if format != "" {
		wantSource += "." + format
	}
	gotSource := r.PublicID
	if r.Format != "" {
		gotSource += "." + r.Format
	}
	if string(r.ResourceType) != wantRT || string(r.Type) != wantType || r.Transformation != wantTrans || gotSource != wantSource {
		t.Errorf("%s: ParsePath(%q) = %s/%s trans %q source %q; want %s/%s trans %q source %q",
			name, p, r.ResourceType, r.Type, r.Transformation, gotSource, wantRT, wantType, wantTrans, wantSource)
	}
	if o.SignURL {
		if !signing.CheckURLSignature(r.Signature, o.APISecret, r.SigningCandidates()) {
			t.Errorf("%s: signature %q of %q not verified; candidates %q", name, r.Signature, p, r.SigningCandidates())
		}
	}
	return ""
}
