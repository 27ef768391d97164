package sniff

import (
	"bytes"
	"errors"
	"testing"

	"github.com/cumulusmedia/cumulus"
)

func FuzzDetect(f *testing.F) {
	for _, c := range cases() {
		f.Add(c.data[:min(len(c.data), HeadSize)])
	}
	f.Fuzz(func(t *testing.T, head []byte) {
		i := Detect(head)
		if !i.ResourceType.Valid() || i.MIME == "" {
			t.Fatalf("Detect = %+v", i)
		}
		if i.Format != Unknown && formats[i.Format] != i {
			t.Fatalf("Detect = %+v, table says %+v", i, formats[i.Format])
		}
		if (i.Format == Unknown) != (i.ResourceType == cumulus.Raw) {
			t.Fatalf("Detect = %+v: raw files have no format and only they", i)
		}
	})
}

// allFormats lets the fuzzer aim any input at any parser, magic or not.
var allFormats = []Format{JPEG, PNG, GIF, WebP, AVIF, HEIC, TIFF, BMP, ICO, SVG, PDF, PSD, JXL}

func FuzzDimensions(f *testing.F) {
	for i, c := range cases() {
		f.Add(c.data, uint8(i))
	}
	f.Fuzz(func(t *testing.T, data []byte, pick uint8) {
		opt := Options{MaxPages: 50, MaxScan: 1 << 16}
		for _, fm := range []Format{Detect(data).Format, allFormats[int(pick)%len(allFormats)]} {
			d, err := Dimensions(bytes.NewReader(data), int64(len(data)), fm, opt)
			if err != nil {
				if !errors.Is(err, ErrMalformed) || cumulus.KindOf(err) != cumulus.Invalid {
					t.Fatalf("%s: error %v is not a malformed-header error", fm, err)
				}
				continue
			}
			if d.Width < 0 || d.Height < 0 || d.Pages < 0 || d.Pages > opt.MaxPages ||
				d.PagesOverLimit && d.Pages != opt.MaxPages {
				t.Fatalf("%s: Dimensions = %+v", fm, d)
			}
			if d.Orientation < 1 || d.Orientation > 8 {
				t.Fatalf("%s: orientation %d", fm, d.Orientation)
			}
		}
	})
}
