package transform

import (
	"strings"
	"testing"
)

// describe prints the shape of Steps: plain components by their string,
// layers as [open | body... | apply].
func describe(steps []Step) string {
	var parts []string
	for _, s := range steps {
		if s.Component != nil {
			parts = append(parts, s.Component.String())
			continue
		}
		l := s.Layer
		d := "[" + l.Open.String()
		if len(l.Body) > 0 {
			d += " | " + describe(l.Body)
		}
		if l.Apply != nil {
			d += " | " + l.Apply.String()
		}
		parts = append(parts, d+"]")
	}
	return strings.Join(parts, " ")
}

func TestSteps(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"plain", "w_100/e_sepia", "w_100 e_sepia"},
		{"layer applied by its own component", "w_100/l_logo,g_north,x_10", "w_100 [g_north,l_logo,x_10]"},
		{"layer with body and apply", "l_logo/c_scale,w_100/fl_layer_apply,g_north_west,x_10,y_10/q_auto",
			"[l_logo | c_scale,w_100 | fl_layer_apply,g_north_west,x_10,y_10] q_auto"},
		{"text layer apply", "co_yellow,l_text:Arial_40:Hello%20World/fl_layer_apply,g_south",
			"[co_yellow,l_text:Arial_40:Hello%20World | fl_layer_apply,g_south]"},
		{"nested layers", "l_a/w_5/u_b/fl_layer_apply/fl_layer_apply,g_east",
			"[l_a | w_5 [u_b | fl_layer_apply] | fl_layer_apply,g_east]"},
		{"unclosed outer layer", "l_a/l_b/w_10/fl_layer_apply", "[l_a] [l_b | w_10 | fl_layer_apply]"},
		{"stray apply is plain", "w_10/fl_layer_apply", "w_10 fl_layer_apply"},
		{"open and apply in one component", "l_a,fl_layer_apply,g_west/w_5", "[fl_layer_apply,g_west,l_a] w_5"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := describe(c.Steps()); got != tc.want {
				t.Errorf("Steps() = %s\nwant        %s", got, tc.want)
			}
		})
	}
	c, _ := Parse("w_1/u_logo/fl_layer_apply")
	src, under := c.Steps()[1].Layer.Source()
	if !under || src.PublicID != "logo" {
		t.Errorf("Source() = %+v, %v; want underlay logo", src, under)
	}
}

func TestExpand(t *testing.T) {
	stored := map[string]string{
		"thumb":  "c_thumb,g_face,w_100,h_100",
		"sepia":  "e_sepia",
		"both":   "t_thumb/t_sepia",
		"loop_a": "t_loop_b",
		"loop_b": "w_10/t_loop_a",
		"self":   "t_self",
		"broken": "w_abc",
		"d1":     "t_d2", "d2": "t_d3", "d3": "t_d4", "d4": "t_d5", "d5": "t_d6", "d6": "w_1",
		"many": strings.TrimSuffix(strings.Repeat("w_1/", 20), "/"),
	}
	lookup := func(name string) (string, bool) { s, ok := stored[name]; return s, ok }
	ok := []struct{ name, in, want string }{
		{"single", "t_thumb", "c_thumb,g_face,h_100,w_100"},
		{"dotted list in order", "t_thumb.sepia/q_80", "c_thumb,g_face,h_100,w_100/e_sepia/q_80"},
		{"recursive", "w_500/t_both", "w_500/c_thumb,g_face,h_100,w_100/e_sepia"},
		{"with other params", "t_sepia,w_50", "e_sepia/w_50"},
		{"nothing to expand", "w_1/h_2", "w_1/h_2"},
		{"within depth", "t_d2", "w_1"},
	}
	for _, tc := range ok {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.Expand(lookup)
			if err != nil {
				t.Fatalf("Expand: %v", err)
			}
			if got.String() != tc.want {
				t.Errorf("Expand(%q) = %q, want %q", tc.in, got.String(), tc.want)
			}
		})
	}
	bad := []struct{ name, in, want string }{
		{"unknown", "t_nope", "Unknown transformation nope"},
		{"unknown nested", "t_thumb.nope", "Unknown transformation nope"},
		{"cycle", "t_loop_a", "Named transformation loop - loop_a"},
		{"self", "t_self", "Named transformation loop - self"},
		{"stored one is invalid", "t_broken", "Invalid width - abc"},
		{"too deep", "t_d1", "Named transformations nested too deeply - d6"},
		{"too many after expansion", "t_many/t_many/t_many/t_many/t_many/t_many", "Too many transformation components after expansion - 101 (maximum 100)"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Expand(lookup)
			assertInvalid(t, err, tc.want)
		})
	}
}
