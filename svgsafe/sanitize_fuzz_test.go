package svgsafe_test

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"testing"

	"github.com/cumulusmedia/cumulus/svgsafe"
)

// FuzzSanitize checks that whatever Sanitize accepts comes out well-formed,
// idempotent and free of the constructs it promises to remove.
func FuzzSanitize(f *testing.F) {
	for _, s := range []string{
		head + `<rect width="5" fill="url(#g)"/></svg>`,
		head + `<script>alert(1)</script></svg>`,
		head + `<a xlink:href="javascript:x">t</a></svg>`,
		`<!DOCTYPE svg [<!ENTITY a "b">]>` + head + `&a;</svg>`,
		head + `<style>@import url(http://x/);</style></svg>`,
		head + `<foreignObject><p xmlns="http://www.w3.org/1999/xhtml">x</p></foreignObject></svg>`,
		`<?xml version="1.0"?><?xml-stylesheet href="a.css"?>` + head + `</svg>`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := svgsafe.Sanitize(in)
		if err != nil {
			return
		}
		again, err := svgsafe.Sanitize(out)
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("not idempotent: %v\n%q\n%q", err, out, again)
		}
		d := xml.NewDecoder(bytes.NewReader(out))
		for {
			tok, err := d.RawToken()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("output not XML: %v\n%q", err, out)
			}
			switch tk := tok.(type) {
			case xml.StartElement:
				if l := strings.ToLower(tk.Name.Local); l == "script" || l == "foreignobject" || l == "include" {
					t.Fatalf("kept <%s>: %q", tk.Name.Local, out)
				}
				for _, a := range tk.Attr {
					if strings.HasPrefix(strings.ToLower(a.Name.Local), "on") {
						t.Fatalf("kept handler %s: %q", a.Name.Local, out)
					}
				}
			case xml.Directive:
				t.Fatalf("kept a directive: %q", out)
			}
		}
	})
}
