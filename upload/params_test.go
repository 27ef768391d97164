package upload

import (
	"reflect"
	"testing"
)

func TestParamsListSpellings(t *testing.T) {
	cases := []struct {
		name string
		p    Params
		want []string
	}{
		{"comma-joined (Go CldAPIArray)", Params{"public_ids": {"a,b"}}, []string{"a", "b"}},
		{"brackets (Node, Python)", Params{"public_ids[]": {"a", "b"}}, []string{"a", "b"}},
		{"indexed (Go []string)", Params{"public_ids[1]": {"b"}, "public_ids[0]": {"a"}, "public_ids[10]": {"k"}}, []string{"a", "b", "k"}},
		{"absent", Params{"other": {"x"}}, []string{}},
	}
	for _, c := range cases {
		if got := c.p.List("public_ids"); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: List = %v, want %v", c.name, got, c.want)
		}
	}
	if got := (Params{"tags": {"a, b,,a"}}).Tags(); !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Errorf("Tags = %v, want [a b]", got)
	}
	if got := (Params{}).Tags(); got != nil {
		t.Errorf("Tags of a request without tags = %v, want nil (keep the asset's)", got)
	}
}

func TestParamsBool(t *testing.T) {
	for _, c := range []struct {
		v    string
		def  bool
		want bool
		bad  bool
	}{{"true", false, true, false}, {"1", false, true, false}, {"false", true, false, false}, {"0", true, false, false}, {"", true, true, false}, {"yes", false, false, true}} {
		got, err := (Params{"overwrite": {c.v}}).Bool("overwrite", c.def)
		if got != c.want || (err != nil) != c.bad {
			t.Errorf("Bool(%q) = %v, %v", c.v, got, err)
		}
	}
}

func TestParseContext(t *testing.T) {
	cases := map[string]map[string]string{
		"alt=A shoe|caption=Red":  {"alt": "A shoe", "caption": "Red"},
		`alt=a\=b\|c|k=v`:         {"alt": "a=b|c", "k": "v"}, // Node escapes = and |
		"flag":                    {"flag": ""},
		"a=1=2":                   {"a": "1=2"}, // Go does not escape
		"":                        {},
		"  spaced = value  |x=y ": {"spaced": "value", "x": "y"},
	}
	for in, want := range cases {
		if got := ParseContext(in); !reflect.DeepEqual(got, want) {
			t.Errorf("ParseContext(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestMergeRange(t *testing.T) {
	var rs [][2]int64
	for _, r := range [][2]int64{{10, 20}, {0, 5}, {5, 10}, {30, 40}, {15, 35}} {
		rs = mergeRange(rs, r[0], r[1])
	}
	if !reflect.DeepEqual(rs, [][2]int64{{0, 40}}) {
		t.Fatalf("merged = %v, want [[0 40]]", rs)
	}
}
