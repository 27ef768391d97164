package deliveryurl

import (
	"strings"
	"testing"

	"github.com/cumulusmedia/cumulus/publicid"
)

// FuzzParsePath checks that no path panics, that results respect the
// documented invariants, and that a parsed public ID built back by the
// Node dialect parses to the same asset.
func FuzzParsePath(f *testing.F) {
	for _, s := range []string{
		"image/upload/sample.jpg", "/image/authenticated/s--15JMHXkE--/w_100/e_sepia/sample",
		"images/s--s2G9O_wT--/test/hello.jpg", "files/go_test_image/my_favorite_sample.bin",
		"iu/test", "a_0/test", "image/fetch/f_jpg/https://cloudinary.com/images/logo.png",
		"image/upload/v1/folder/my%20image.jpg", "raw/private/v123456/document.docx",
		"image/upload//v1//a%2F%2Fb", "s----SjmNDA--/v1234/image.jpg", "image/upload/%zz",
		"image/list/tag.json", "image/upload/v99999999999999999999/x", "images/x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		r, err := ParsePath(p)
		if err != nil {
			return
		}
		if r.PublicID == "" {
			t.Fatalf("ParsePath(%q): empty public ID without error", p)
		}
		if !r.ResourceType.Valid() {
			t.Fatalf("ParsePath(%q): resource type %q", p, r.ResourceType)
		}
		if r.ResourceType == "raw" && r.Format != "" {
			t.Fatalf("ParsePath(%q): raw with format %q", p, r.Format)
		}
		if len(r.SigningCandidates()) == 0 {
			t.Fatalf("ParsePath(%q): no signing candidates", p)
		}
		if r.Form != FormNormal || r.Type != "upload" || strings.Contains(r.PublicID, "//") ||
			strings.ContainsAny(r.PublicID, "\x00") || (r.HasVersion && r.Version == 0) || isVersion(strings.SplitN(r.PublicID, "/", 2)[0]) {
			return
		}
		if strings.Contains(r.PublicID, "%") {
			return // the SDK dialect unescapes IDs before escaping them ("%00" → NUL)
		}
		if id, err := publicid.Normalize(r.PublicID); err != nil || id != r.PublicID {
			return // no upload can create this ID ("0/v0/", "a/v1/b")
		}

		// Rebuild with the transformation and version that were read.
		u, err := Build(r.PublicID, Options{Cloud: "c", ResourceType: string(r.ResourceType), Type: "upload",
			Transformation: r.Transformation, Version: r.Version, Format: r.Format, DisableForceVersion: !r.HasVersion})
		if err != nil {
			return
		}
		rebuilt := strings.TrimPrefix(u, "https://res.cloudinary.com/c/")
		if len(rebuilt) > MaxPathLen {
			return // escaping can triple the length
		}
		esc := strings.TrimPrefix(rebuilt, string(r.ResourceType)+"/upload/")
		if r.Transformation != "" {
			esc = strings.TrimPrefix(esc, r.Transformation+"/")
		}
		if first, _, folder := strings.Cut(esc, "/"); folder && !r.HasVersion && LooksLikeTransformation(first) {
			// "a%5F0%2F0" is the ID "a_0/0"; built without a version it
			// reads as a_0 applied to "0", on Cloudinary too: that is what
			// the SDKs' force_version is for.
			return
		}
		back, err := ParsePath(rebuilt)
		if err != nil {
			t.Fatalf("rebuilt %q from %q does not parse: %v", u, p, err)
		}
		if back.PublicID != r.PublicID || back.Format != r.Format || back.Version != r.Version {
			t.Fatalf("%q → %q → %+v, want %+v", p, u, visible(back), visible(r))
		}
	})
}

// FuzzParseHost checks that no Host header panics and that the results
// keep their documented shape.
func FuzzParseHost(f *testing.F) {
	for _, s := range []string{"res.cloudinary.com", "test123-res-3.cloudinary.com:443", "a2.hello.com", "[::1]:80", "-res-.x", "a0.b.c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, host string) {
		h := ParseHost(host)
		if h.Shard < 0 || (h.Cloud != "" && h.Shared) || !strings.HasSuffix(h.Host, h.CNAME) {
			t.Fatalf("ParseHost(%q) = %+v", host, h)
		}
	})
}
