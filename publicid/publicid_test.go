package publicid

import (
	"strings"
	"testing"

	"github.com/cumulusmedia/cumulus"
)

func TestNormalize(t *testing.T) {
	cases := []struct {
		in, want string
		bad      bool
	}{
		{in: "sample", want: "sample"},
		{in: "shop/shoe", want: "shop/shoe"},
		{in: "/shop//shoes///red/", want: "shop/shoes/red"},
		{in: "my image", want: "my image"},
		{in: "a+b", want: "a+b"},
		{in: "photo.jpg", want: "photo.jpg"},
		{in: "v2folder/x", want: "v2folder/x"},
		{in: "folder/v1", want: "folder/v1"}, // a name may look like a version, a folder may not
		{in: "", bad: true},
		{in: "///", bad: true},
		{in: "v1/x", bad: true},
		{in: "a/v12345/x", bad: true},
		{in: "../etc/passwd", bad: true},
		{in: "a/./b", bad: true},
		{in: "a?b", bad: true},
		{in: "a#b", bad: true},
		{in: `a\b`, bad: true},
		{in: "100%", want: "100%"},
		{in: "%a (b)", want: "%a (b)"},
		{in: "a\x00b", bad: true},
		{in: "a\nb", bad: true},
		{in: strings.Repeat("x", MaxLen+1), bad: true},
		{in: "\xff\xfe", bad: true},
	}
	for _, c := range cases {
		got, err := Normalize(c.in)
		if c.bad {
			if err == nil || cumulus.KindOf(err) != cumulus.Invalid {
				t.Errorf("Normalize(%q) = %q, %v; want an Invalid error", c.in, got, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("Normalize(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

func TestChoose(t *testing.T) {
	random := func(n int) string { return strings.Repeat("r", n) }
	cases := []struct {
		name string
		p    Params
		want string
		bad  bool
	}{
		{"explicit", Params{PublicID: "logo", Filename: "x.png"}, "logo", false},
		{"explicit in folder", Params{PublicID: "logo", Folder: "/brand/"}, "brand/logo", false},
		{"random", Params{Filename: "x.png"}, strings.Repeat("r", 20), false},
		{"random raw keeps extension", Params{Filename: "doc.pdf", KeepExtension: true}, strings.Repeat("r", 20) + ".pdf", false},
		{"use_filename unique", Params{UseFilename: true, UniqueFilename: true, Filename: "summer photo.jpg"}, "summer photo_rrrrrr", false},
		{"use_filename exact", Params{UseFilename: true, Filename: "dir/summer.jpg"}, "summer", false},
		{"use_filename raw", Params{UseFilename: true, Filename: "report.docx", KeepExtension: true}, "report.docx", false},
		{"use_filename odd chars", Params{UseFilename: true, Filename: "a?b#c.png"}, "a_b_c", false},
		{"use_filename without a name falls back to random", Params{UseFilename: true, Filename: ".png"}, strings.Repeat("r", 20), false},
		{"version folder refused", Params{PublicID: "x", Folder: "v123"}, "", true},
		{"traversal refused", Params{PublicID: "../x"}, "", true},
	}
	for _, c := range cases {
		got, err := Choose(c.p, random)
		if c.bad != (err != nil) || got != c.want {
			t.Errorf("%s: Choose = %q, %v; want %q (error: %v)", c.name, got, err, c.want, c.bad)
		}
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"a/b", "../x", "v1/x", "a//b", "x%2F", "é/ü"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := Normalize(s)
		if err != nil {
			return
		}
		// An accepted id is stable, and no segment can climb out of a folder.
		if again, err := Normalize(id); err != nil || again != id {
			t.Fatalf("Normalize not idempotent: %q -> %q -> %q, %v", s, id, again, err)
		}
		for _, seg := range strings.Split(id, "/") {
			if seg == "" || seg == "." || seg == ".." {
				t.Fatalf("accepted %q with segment %q", id, seg)
			}
		}
	})
}
