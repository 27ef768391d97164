package svgsafe_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/cumulusmedia/cumulus/svgsafe"
)

const head = `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10">`

func TestSanitize(t *testing.T) {
	tests := []struct {
		name string
		in   string
		// keep must all survive; gone must all disappear.
		keep []string
		gone []string
	}{
		{"plain shapes stay", head + `<rect width="5" height="5" fill="url(#g)"/><linearGradient id="g"/></svg>`,
			[]string{`<rect width="5" height="5" fill="url(#g)">`, `id="g"`}, nil},
		{"script element", head + `<script>alert(1)</script><circle r="1"/></svg>`, []string{"<circle"}, []string{"script", "alert"}},
		{"prefixed script", `<svg:svg xmlns:svg="http://www.w3.org/2000/svg"><svg:script>alert(1)</svg:script></svg:svg>`, []string{"<svg:svg"}, []string{"alert"}},
		{"event handler", head + `<rect onload="alert(1)" OnClick="x()" width="1"/></svg>`, []string{`width="1"`}, []string{"alert", "onload", "OnClick"}},
		{"javascript href", head + `<a href="javascript:alert(1)"><text>x</text></a></svg>`, []string{"<a>"}, []string{"javascript"}},
		{"javascript with tab and case", head + `<a xlink:href="JaVa&#x09;ScRipt:alert(1)">x</a></svg>`, nil, []string{"alert"}},
		{"external image", head + `<image href="http://127.0.0.1:9/x.png" width="1"/></svg>`, []string{"<image"}, []string{"127.0.0.1"}},
		{"raster data image stays", head + `<image href="data:image/png;base64,iVBORw0KGgo="/></svg>`, []string{"data:image/png;base64"}, nil},
		{"svg data image", head + `<image href="data:image/svg+xml;base64,PHN2Zz4="/></svg>`, nil, []string{"data:image/svg"}},
		{"external use", head + `<use xlink:href="http://evil.test/a.svg#x"/><use href="#local"/></svg>`, []string{`href="#local"`}, []string{"evil.test"}},
		{"foreignObject", head + `<foreignObject><iframe xmlns="http://www.w3.org/1999/xhtml" src="http://evil.test/"/></foreignObject></svg>`, nil, []string{"iframe", "evil.test", "foreignObject"}},
		{"xinclude", head + `<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd" parse="text"/></svg>`, nil, []string{"include", "passwd"}},
		{"entity expansion", `<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>` + head + `<text>&b;</text></svg>`,
			[]string{"&amp;b;"}, []string{"aaaaaaaaaa", "ENTITY", "DOCTYPE"}},
		{"external entity", `<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>` + head + `<text>&x;</text></svg>`, nil, []string{"passwd", "SYSTEM"}},
		{"stylesheet PI", `<?xml version="1.0"?><?xml-stylesheet href="http://evil.test/a.css"?>` + head + `</svg>`, []string{`<?xml version="1.0" encoding="UTF-8"?>`}, []string{"evil.test"}},
		{"style import", head + `<style>@import url(http://evil.test/a.css); rect{fill:red}</style></svg>`, []string{"<style></style>"}, []string{"evil.test"}},
		{"style escape", head + `<style>rect{background:\75rl(http://evil.test/)}</style></svg>`, nil, []string{"evil.test"}},
		{"local style stays", head + `<style>rect { fill: url(#g) } a > b { stroke: red }</style></svg>`, []string{"fill: url(#g)", "a &gt; b"}, nil},
		{"style attribute", head + `<rect style="fill:url(http://evil.test/x)"/><rect style="fill:red"/></svg>`, []string{`style="fill:red"`}, []string{"evil.test"}},
		{"external filter url", head + `<rect filter="url( 'http://evil.test/f.svg#f' )"/></svg>`, nil, []string{"evil.test"}},
		{"animate to javascript", head + `<a><set attributeName="href" to="javascript:alert(1)"/><animate attributeName="xlink:href" values="http://evil.test"/></a></svg>`, nil, []string{"alert", "evil.test", "<set"}},
		{"harmless animation stays", head + `<rect><animate attributeName="x" from="0" to="5" dur="1s"/></rect></svg>`, []string{`<animate attributeName="x"`}, nil},
		{"comment", head + `<!-- <script>alert(1)</script> --></svg>`, nil, []string{"alert"}},
		{"xml base", head + `<g xml:base="http://evil.test/"><use href="#a"/></g></svg>`, []string{`href="#a"`}, []string{"evil.test"}},
		{"html srcset", head + `<foo:img xmlns:foo="http://www.w3.org/1999/xhtml" srcset="http://evil.test/a.png 1x"/></svg>`, nil, []string{"evil.test"}},
		{"cdata script text", head + `<script><![CDATA[alert(1)]]></script></svg>`, nil, []string{"alert"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := svgsafe.Sanitize([]byte(tt.in))
			if err != nil {
				t.Fatalf("Sanitize: %v", err)
			}
			for _, k := range tt.keep {
				if !bytes.Contains(out, []byte(k)) {
					t.Errorf("lost %q:\n%s", k, out)
				}
			}
			for _, g := range tt.gone {
				if bytes.Contains(bytes.ToLower(out), []byte(strings.ToLower(g))) {
					t.Errorf("kept %q:\n%s", g, out)
				}
			}
			again, err := svgsafe.Sanitize(out)
			if err != nil || !bytes.Equal(again, out) {
				t.Errorf("not idempotent: %v\n%s\n%s", err, out, again)
			}
		})
	}
}

func TestSanitizeRefuses(t *testing.T) {
	deep := strings.Repeat("<g>", svgsafe.MaxDepth+1) + strings.Repeat("</g>", svgsafe.MaxDepth+1)
	for name, in := range map[string]string{
		"empty":            "",
		"not svg":          `<html><body/></html>`,
		"unclosed":         head + `<rect>`,
		"mismatched":       head + `<g></rect></svg>`,
		"two roots":        head + `</svg><svg></svg>`,
		"too deep":         head + deep + `</svg>`,
		"latin1 encoding":  `<?xml version="1.0" encoding="ISO-8859-1"?>` + head + `</svg>`,
		"text only":        "hello",
		"billion laughs 2": `<!DOCTYPE lolz [<!ENTITY lol "lol">]><lolz>&lol;</lolz>`,
	} {
		t.Run(name, func(t *testing.T) {
			if out, err := svgsafe.Sanitize([]byte(in)); !errors.Is(err, svgsafe.ErrInvalid) {
				t.Errorf("Sanitize = %q, %v; want ErrInvalid", out, err)
			}
		})
	}
}
