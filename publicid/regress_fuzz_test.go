package publicid

import "testing"

// TestRegressionNormalizeFixedPoint replays FuzzNormalize's finding: a
// space before a trailing slash ("0 /") was trimmed only after the slash
// went, so the result ("0 ") normalised again to "0".
func TestRegressionNormalizeFixedPoint(t *testing.T) {
	for in, want := range map[string]string{
		"0 /":       "0",
		"a / / ":    "a",
		" /x/ /":    "x",
		"f/ b /":    "f/ b",
		"keep me/x": "keep me/x",
	} {
		got, err := Normalize(in)
		if err != nil || got != want {
			t.Errorf("Normalize(%q) = %q, %v; want %q", in, got, err, want)
			continue
		}
		if again, err := Normalize(got); err != nil || again != got {
			t.Errorf("Normalize(%q) = %q, not a fixed point", got, again)
		}
	}
}
