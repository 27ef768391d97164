package render_test

import (
	"testing"

	"github.com/cumulusmedia/cumulus"
	"github.com/cumulusmedia/cumulus/render"
	"github.com/cumulusmedia/cumulus/transform"
)

const chrome = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"

func TestOutputFormat(t *testing.T) {
	tests := []struct {
		name, chain, ext, src string
		alpha                 bool
		accept                string
		want                  string
		negotiated            bool
		wantErr               string
	}{
		{"source format", "w_100", "", "jpg", false, "", "jpg", false, ""},
		{"png source", "", "", "png", true, "", "png", false, ""},
		{"extension beats source", "w_100", "webp", "jpg", false, "", "webp", false, ""},
		{"jpeg extension", "", "jpeg", "png", false, "", "jpg", false, ""},
		{"f_ beats extension", "f_png", "jpg", "jpg", false, "", "png", false, ""},
		{"last f_ wins", "f_png/f_gif", "", "jpg", false, "", "gif", false, ""},
		{"f_avif", "f_avif", "", "jpg", false, "", "avif", false, ""},
		{"f_auto webp", "f_auto", "jpg", "jpg", false, chrome, "webp", true, ""},
		{"f_auto no webp jpg", "f_auto", "", "jpg", false, "image/*,*/*", "jpg", true, ""},
		{"f_auto no webp alpha", "f_auto", "", "png", true, "*/*", "png", true, ""},
		{"f_auto gif stays gif", "f_auto", "", "gif", false, "", "gif", true, ""},
		{"f_auto webp q=0 refused", "f_auto", "", "jpg", false, "image/webp;q=0, */*", "jpg", true, ""},
		{"f_auto case and spaces", "f_auto", "", "jpg", false, " Image/WebP ; q=0.5", "webp", true, ""},
		{"tiff source becomes jpg", "", "", "tiff", false, "", "jpg", false, ""},
		{"heic with alpha becomes png", "w_10", "", "heic", true, "", "png", false, ""},
		{"unsupported f_", "f_bmp", "", "jpg", false, "", "", false, "Unsupported transformation parameter - f_bmp"},
		{"unsupported extension", "", "mp4", "jpg", false, "", "", false, "Unsupported output format - mp4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch, err := transform.Parse(tt.chain)
			if err != nil {
				t.Fatal(err)
			}
			f, neg, err := render.OutputFormat(ch, tt.ext, tt.src, tt.alpha, tt.accept)
			if tt.wantErr != "" {
				if err == nil || cumulus.KindOf(err) != cumulus.Invalid || cumulus.PublicMessage(err) != tt.wantErr {
					t.Errorf("err = %v, want Invalid %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || f != tt.want || neg != tt.negotiated {
				t.Errorf("= %q, %v, %v; want %q, %v", f, neg, err, tt.want, tt.negotiated)
			}
			if render.ContentType(f) == "" {
				t.Errorf("no content type for %q", f)
			}
		})
	}
}

func FuzzOutputFormat(f *testing.F) {
	f.Add("f_auto", "jpg", "png", true, chrome)
	f.Add("w_10", "webp", "gif", false, "image/webp;q=0.0")
	f.Add("f_png", "", "tiff", false, ";;,,q=;")
	f.Fuzz(func(t *testing.T, chain, ext, src string, alpha bool, accept string) {
		ch, err := transform.Parse(chain)
		if err != nil {
			return
		}
		format, _, err := render.OutputFormat(ch, ext, src, alpha, accept)
		if err != nil {
			if cumulus.KindOf(err) != cumulus.Invalid {
				t.Fatalf("error of kind %v: %v", cumulus.KindOf(err), err)
			}
			return
		}
		if format == "auto" || render.ContentType(format) == "" {
			t.Fatalf("format %q has no content type", format)
		}
	})
}
