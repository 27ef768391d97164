package transform

import "testing"

func TestLiteralVariables(t *testing.T) {
	cases := map[string]string{
		"$v_10,r_$v":                   "r_10",
		"$v_20,r_10:$v:30":             "r_10:20:30",
		"$efname_!blur!,e_$efname:100": "e_blur", // 100 is the default strength
		"$w_300/c_fill,w_$w,h_$w":      "c_fill,h_300,w_300",
	}
	for in, want := range cases {
		c, err := Parse(in)
		if err != nil {
			t.Errorf("Parse(%q): %v", in, err)
			continue
		}
		if got := c.String(); got != want {
			t.Errorf("Parse(%q) = %q, want %q", in, got, want)
		}
	}
	// A definition whose name contains a reference is left alone, so the
	// canonical form reads back the same (a FuzzParse finding).
	for _, in := range []string{"$A_0,$A0$A_0", "$v_1,$w$v_2,w_$v"} {
		c, err := Parse(in)
		if err != nil {
			continue
		}
		again, err := Parse(c.String())
		if err != nil || again.String() != c.String() {
			t.Errorf("Parse(%q) prints %q, which reads back as %q (%v)", in, c.String(), again.String(), err)
		}
	}
	// A variable computed from an expression stays unsupported.
	c, err := Parse("$w_iw_mul_2,w_$w")
	if err == nil && len(c.Unsupported()) == 0 {
		t.Errorf("an expression variable was accepted as supported: %q", c.String())
	}
}
