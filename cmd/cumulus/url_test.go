package main

import (
	"encoding/json"
	"errors"
	"os"
	"testing"

	"github.com/cumulusmedia/cumulus/deliveryurl"
)

// TestURLVectors runs `cumulus url` over every vector of the spec's URL
// vector file: each one whose options the builder supports must come out
// exactly as the SDK built it. The unsupported options are listed in
// docs/compatibility.md.
func TestURLVectors(t *testing.T) {
	raw, err := os.ReadFile("../../../shared/spec/url-vectors.json")
	if err != nil {
		t.Fatalf("vector file: %v", err)
	}
	var vs []struct {
		SDK         string         `json:"sdk"`
		PublicID    any            `json:"public_id"`
		Options     map[string]any `json:"options"`
		Config      map[string]any `json:"config"`
		ExpectedURL string         `json:"expected_url"`
	}
	if err := json.Unmarshal(raw, &vs); err != nil {
		t.Fatal(err)
	}
	ok, skipped := 0, map[string]int{}
	for i, v := range vs {
		id, isString := v.PublicID.(string)
		if !isString {
			skipped["non-string public_id"]++
			continue
		}
		cfg, _ := json.Marshal(v.Config)
		opts, _ := json.Marshal(v.Options)
		got, err := urlCmd([]string{id, "--sdk", v.SDK, "--config", string(cfg), "--options", string(opts)}, func(string) string { return "" })
		var un *deliveryurl.Unsupported
		if errors.As(err, &un) {
			skipped[un.Option]++
			continue
		}
		if err != nil || got != v.ExpectedURL {
			t.Errorf("vector %d (%s %q): got %q, %v\n want %q", i, v.SDK, id, got, err, v.ExpectedURL)
			continue
		}
		ok++
	}
	t.Logf("%d of %d vectors reproduced exactly; skipped %v", ok, len(vs), skipped)
	if ok < len(vs)*9/10 {
		t.Errorf("only %d of %d vectors reproduced", ok, len(vs))
	}
}

func TestURLFlags(t *testing.T) {
	env := func(k string) string {
		if k == "CLOUDINARY_URL" {
			return "cloudinary://key:abcd@demo?secure=false&cname=media.example.com"
		}
		return ""
	}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"sample.png", "-t", "w_300,h_250,e_grayscale", "--sign"}, "http://media.example.com/demo/image/upload/s--INQUGulu--/w_300,h_250,e_grayscale/sample.png"},
		{[]string{"shop/shoe", "--version", "1712345678", "--format", "webp"}, "http://media.example.com/demo/image/upload/v1712345678/shop/shoe.webp"},
		{[]string{"shop/shoe"}, "http://media.example.com/demo/image/upload/v1/shop/shoe"},
		{[]string{"shop/shoe", "--no-force-version", "--insecure=false", "--private-cdn"}, "https://demo-res.cloudinary.com/image/upload/shop/shoe"},
	}
	// The example of docs/urls.md.
	doc := func(k string) string {
		if k == "CLOUDINARY_URL" {
			return "cloudinary://key:abcd@demo"
		}
		return ""
	}
	if got, _ := urlCmd([]string{"sample.png", "-t", "w_300,h_250,e_grayscale", "--sign"}, doc); got != "https://res.cloudinary.com/demo/image/upload/s--INQUGulu--/w_300,h_250,e_grayscale/sample.png" {
		t.Errorf("docs/urls.md example: %q", got)
	}
	for _, c := range cases {
		got, err := urlCmd(c.args, env)
		if err != nil || got != c.want {
			t.Errorf("cumulus url %v = %q, %v; want %q", c.args, got, err, c.want)
		}
	}
}
