package transform

import (
	"errors"
	"testing"

	"github.com/cumulusmedia/cumulus"
)

// FuzzParse checks that Parse never panics, that every error is an Invalid
// *cumulus.Error, and that the canonical form is a fixed point: for every
// accepted input, Parse(c.String()) succeeds and prints the same string.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"c_fill,w_200,x_100,y_100/r_10/c_crop,w_100",
		"w_0.50,h_100.0,dpr_2,q_0.4:444",
		"w_auto:100:1000,c_limit/f_auto/q_auto:good",
		"l_text:Arial_18_bold_letter_spacing_4:Hello%20World%252C/fl_layer_apply,g_south,y_20",
		"co_red,l_text:Times_70_bold:Cool%25F0%259F%2598%258D",
		"l_text:Arial_18:$(start)Hello%20$(name)%252C$(end)",
		"l_fetch:aHR0cDovL2Nsb3VkaW5hcnkuY29tL2ltYWdlcy9vbGRfbG9nby5wbmc=",
		"u_private:folder:logo.png,w_0.5,fl_relative",
		"l_video:dog/c_scale,w_100/fl_layer_apply",
		"if_w_lt_200/c_fill,e_sharpen,h_120,w_80/if_end",
		"$v_10,r_10:20:$v,w_iw_mul_0.5",
		"e_sepia:80,a_-90.hflip,r_10:10,b_rgb:F00,bo_5px_solid_rgb:ffaabbdd",
		"d_docs:placeholders:avatar.png,t_blip.blop%20x",
		"pg_2-4;7,dn_150,cs_icc:profiles:srgb,o_0,dl_0",
		"g_auto:adv_faces:10,c_thumb,z_1.2,ar_16:9",
		"fps_24-29.97,vc_h265:auto:auto:bframes_no,so_35p,br_1m",
		"fl_attachment:my_file.progressive,e_tint:50:red:blue",
		"w_abc", "ab_cd", "w_0", ",", "a_", "$_1", "l_text:", "%", "w_100/////h_1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Parse(s)
		if err != nil {
			var e *cumulus.Error
			if !errors.As(err, &e) || e.Kind != cumulus.Invalid || e.Message == "" {
				t.Fatalf("Parse(%q): error %v is not an Invalid *cumulus.Error with a message", s, err)
			}
			return
		}
		_ = c.Steps()
		_ = c.Unsupported()
		first := c.String()
		c2, err := Parse(first)
		if err != nil {
			t.Fatalf("Parse(%q) ok, but its canonical form %q fails: %v", s, first, err)
		}
		if second := c2.String(); second != first {
			t.Fatalf("canonical form not stable for %q:\n first  %q\n second %q", s, first, second)
		}
	})
}
