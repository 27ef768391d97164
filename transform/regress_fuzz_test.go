package transform

import (
	"strings"
	"testing"
)

// TestRegressionFuzzFindings replays inputs the fuzz targets found, each
// crafted here so the case reads without the corpus file: every accepted
// transformation's canonical form must parse back to itself.
func TestRegressionFuzzFindings(t *testing.T) {
	tests := []struct {
		name, in, canonical string
	}{
		// FuzzParse, 2025: a text-layer preset whose name looks like
		// "<font>_<size>" once %5F is decoded was printed unescaped and read
		// back as an (invalid) font.
		{"preset shaped like a font", "l_text:_00%5F:0", "l_text:%5F00%5F:0"},
		{"preset font-shaped with a name", "l_text:a%5F12:hi", "l_text:a%5F12:hi"},
		{"ordinary preset keeps its underscores", "l_text:my_style:hi", "l_text:my_style:hi"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			got := c.String()
			if got != tt.canonical {
				t.Errorf("canonical %q, want %q", got, tt.canonical)
			}
			c2, err := Parse(got)
			if err != nil || c2.String() != got {
				t.Errorf("canonical form %q does not read back: %v", got, err)
			}
		})
	}
}

// TestRegressionCanonicalLength replays FuzzParse's second finding: a layer
// public ID written raw within the limits grew past them once its canonical
// form escaped it (each '$' or '"' becomes three bytes), so the canonical
// form did not parse. Now the ID limit applies to the decoded ID and the
// whole limit to the canonical form as well.
func TestRegressionCanonicalLength(t *testing.T) {
	found := "l_]\"" + strings.Repeat("$", 560) + `""""`
	c, err := Parse(found)
	if err != nil {
		t.Fatalf("Parse(fuzz input): %v", err)
	}
	if _, err := Parse(c.String()); err != nil {
		t.Errorf("canonical form of the fuzz input does not parse: %v", err)
	}
	layer := "l_" + strings.Repeat(`"`, 1000)
	long := strings.Join([]string{layer, layer, layer, layer}, "/") // 4011 bytes, 12 000 canonical
	if _, err := Parse(long); err == nil || !strings.Contains(err.Error(), "Transformation too long") {
		t.Errorf("Parse(%d bytes whose canonical form is longer than the limit) = %v, want too long", len(long), err)
	}
}

// FuzzParse, 2026-11-22: a text-layer style preset with a folder
// ("0%2F0", decoded "0/0") was printed with ':' for the folder, which
// reads back as a preset "0" and a text "0:0". A preset is one name now.
func TestRegressionTextPresetWithFolder(t *testing.T) {
	if c, err := Parse("l_text:0%2F0:0"); err == nil {
		t.Fatalf("accepted a text preset with a folder: %q", c.String())
	} else if !strings.Contains(err.Error(), "Invalid overlay") {
		t.Fatalf("error %v, want Invalid overlay", err)
	}
	if _, err := Parse("l_text:my_style:a%252Fb"); err != nil {
		t.Fatalf("a '/' in the text itself is fine: %v", err)
	}
}

// FuzzParse, 2026-11-22: an image layer whose first folder is named like a
// layer prefix, reached through an escaped '/' ("text%2F0"), was printed
// as "text:0…" and read back as a text layer. Such IDs are refused.
func TestRegressionLayerFolderNamedLikePrefix(t *testing.T) {
	for _, in := range []string{`l_text%2F0"0`, "l_fetch%2Fa", "l_video%2Fa", "l_private%2Fa", "l_video:authenticated%2Fa"} {
		if c, err := Parse(in); err == nil {
			t.Errorf("%s: accepted as %q", in, c.String())
		}
	}
	for _, in := range []string{"l_private:text%2Fa", "l_folder:text:a", "l_video:text%2Fa", "l_private:video%2Fa"} {
		c, err := Parse(in)
		if err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if c2, err := Parse(c.String()); err != nil || c2.String() != c.String() {
			t.Errorf("%s: canonical %q reads back as %q (%v)", in, c.String(), c2.String(), err)
		}
	}
}
