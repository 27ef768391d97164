package transform

import (
	"strings"
	"testing"
)

func TestResolveConditions(t *testing.T) {
	tags := func(t ...string) Facts { return Facts{Width: 400, Height: 300, Tags: t} }
	size := func(w, h int) Facts { return Facts{Width: w, Height: h} }
	cases := []struct {
		chain string
		facts Facts
		want  string // "" is the empty chain; "ERR:<text>" an error containing text
	}{
		// Inline if and inline else (the spec's vectors).
		{"if_w_lt_200,c_fill,h_120,w_80/if_else,c_fill,h_90,w_100", size(100, 100), "c_fill,h_120,w_80"},
		{"if_w_lt_200,c_fill,h_120,w_80/if_else,c_fill,h_90,w_100", size(300, 100), "c_fill,h_90,w_100"},
		{"if_!tag1:tag2!_in_tags,c_fill,h_120,w_80/if_else,c_fit,h_150,w_150/e_sepia", tags("x", "tag2", "tag1"), "c_fill,h_120,w_80/e_sepia"},
		{"if_!tag1:tag2!_in_tags,c_fill,h_120,w_80/if_else,c_fit,h_150,w_150/e_sepia", tags("tag1"), "c_fit,h_150,w_150/e_sepia"},
		{"if_!tag1!_nin_tags,e_sepia", tags("tag1"), ""},
		{"if_!tag1!_nin_tags,e_sepia", tags(), "e_sepia"},
		// Blocks, with and without if_end, and nested.
		{"if_ar_lt_0.7/c_fill,h_120,w_80/if_else/c_fill,h_90,w_100", size(100, 200), "c_fill,h_120,w_80"},
		{"if_ar_lt_0.7/c_fill,h_120,w_80/if_else/c_fill,h_90,w_100", size(200, 100), "c_fill,h_90,w_100"},
		{"if_w_lt_200/c_fill,h_120,w_80/e_brightness:50/if_end/e_grayscale", size(100, 100), "c_fill,h_120,w_80/e_brightness:50/e_grayscale"},
		{"if_w_lt_200/c_fill,h_120,w_80/e_brightness:50/if_end/e_grayscale", size(300, 100), "e_grayscale"},
		{"if_w_gt_100/if_h_gt_100/w_50/if_else/w_60/if_end/if_end/e_sepia", size(200, 50), "w_60/e_sepia"},
		{"if_w_gt_100/if_h_gt_100/w_50/if_else/w_60/if_end/if_end/e_sepia", size(200, 200), "w_50/e_sepia"},
		{"if_w_gt_100/if_h_gt_100/w_50/if_else/w_60/if_end/if_end/e_sepia", size(50, 50), "e_sepia"},
		{"if_w_gt_100/if_h_gt_100,w_50/if_else,w_60/if_end", size(50, 500), ""},
		// Operands and operators.
		{"if_ar_gt_3:4,e_sepia", size(400, 300), "e_sepia"},
		{"if_w_ne_h,e_sepia", size(100, 100), ""},
		{"if_w_eq_h,e_sepia", size(100, 100), "e_sepia"},
		{"if_iw_gte_100_and_ih_lte_50_or_pc_gt_1,e_sepia", size(100, 50), "e_sepia"},
		{"if_iw_gte_100_and_ih_lte_49_or_pc_gt_1,e_sepia", size(100, 50), ""},
		{"if_fc_gt_0,e_sepia", size(10, 10), ""},
		{"if_ctx:!kind!_eq_!shoe_box!,e_sepia", Facts{Context: map[string]string{"kind": "shoe_box"}}, "e_sepia"},
		{"if_ctx:!kind!_ne_!shoe!,e_sepia", Facts{}, "e_sepia"},
		// The original's size is known only until something is applied.
		{"w_500/if_iw_gt_100,e_sepia", size(200, 200), "w_500/e_sepia"},
		{"w_500/if_w_gt_100,e_sepia", size(200, 200), "ERR:Unsupported transformation parameter - if_w_gt_100"},
		{"if_w_lt_10,w_5/if_w_gt_100,e_sepia", size(200, 200), "e_sepia"},
		// Mistakes.
		{"if_foo_lt_1,e_sepia", size(1, 1), "ERR:Invalid condition - foo_lt_1"},
		{"if_w_lt,e_sepia", size(1, 1), "ERR:Invalid condition"},
		{"if_w_lt_1_and,e_sepia", size(1, 1), "ERR:Invalid condition"},
		{"if_w_lt_!a!,e_sepia", size(1, 1), "ERR:Invalid condition"},
		{"if_w_lt_1:0,e_sepia", size(1, 1), "ERR:Invalid condition"},
		{"if_else/e_sepia", size(1, 1), "ERR:if_else without if"},
		// No condition: the chain as it is.
		{"w_100/e_sepia", size(1, 1), "w_100/e_sepia"},
	}
	for _, c := range cases {
		ch, err := Parse(c.chain)
		if err != nil {
			t.Fatalf("%s: %v", c.chain, err)
		}
		got, err := ch.Resolve(c.facts)
		if want, isErr := strings.CutPrefix(c.want, "ERR:"); isErr {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%s: %v, %q; want an error with %q", c.chain, err, got.String(), want)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.chain, err)
			continue
		}
		want := ""
		if c.want != "" {
			w, err := Parse(c.want)
			if err != nil {
				t.Fatal(err)
			}
			want = w.String()
		}
		if got.String() != want {
			t.Errorf("%s with %+v: %q, want %q", c.chain, c.facts, got.String(), want)
		}
		if len(got.Unsupported()) > 0 && !strings.Contains(c.chain, "$") {
			t.Errorf("%s: resolved chain still has %v", c.chain, got.Unsupported())
		}
	}
}

// FuzzResolve: any parsed chain resolves without a panic, and what it
// resolves to has no conditions left.
func FuzzResolve(f *testing.F) {
	for _, s := range []string{"if_w_lt_200,c_fill,h_120,w_80/if_else,c_fill,h_90,w_100", "if_ar_lt_0.7/w_1/if_else/w_2/if_end",
		"if_!a:b!_in_tags_or_ctx:!k!_eq_!v!,e_sepia", "if_w_gt_1/if_h_gt_1/w_5/if_else/if_end/if_end/if_end"} {
		f.Add(s, 300, 200)
	}
	f.Fuzz(func(t *testing.T, s string, w, h int) {
		ch, err := Parse(s)
		if err != nil {
			return
		}
		got, err := ch.Resolve(Facts{Width: w, Height: h, Pages: 1, Tags: []string{"a"}, Context: map[string]string{"k": "v"}})
		if err != nil {
			return
		}
		for _, c := range got {
			if c.If != "" {
				t.Fatalf("%q resolved to %q, with a condition left", s, got.String())
			}
		}
	})
}
