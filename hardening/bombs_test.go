package hardening

import (
	"bytes"
	"image/gif"
	"image/png"
	"testing"

	"github.com/cumulusmedia/cumulus/sniff"
)

// The generators make files the sniffer recognises with the declared size:
// a bomb that sniff could not read would test nothing.
func TestBombsDeclareTheirSize(t *testing.T) {
	tests := []struct {
		name   string
		data   []byte
		format sniff.Format
		w, h   int
		pages  int
	}{
		{"png 65535²", PNGHeaderBomb(65535, 65535), sniff.PNG, 65535, 65535, 1},
		{"gif 65535²", GIFHeaderBomb(65535, 65535), sniff.GIF, 65535, 65535, 1},
		{"jpeg 65535²", JPEGHeaderBomb(65535, 65535), sniff.JPEG, 65535, 65535, 1},
		{"webp 65535²", WebPHeaderBomb(65535, 65535), sniff.WebP, 65535, 65535, 1},
		{"solid png", SolidPNG(300, 200), sniff.PNG, 300, 200, 1},
		{"gif of 5000 frames", ManyFrameGIF(5000), sniff.GIF, 1, 1, 5000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info := sniff.Detect(tt.data[:min(len(tt.data), sniff.HeadSize)])
			if info.Format != tt.format {
				t.Fatalf("Detect = %s, want %s", info.Format, tt.format)
			}
			d, err := sniff.Dimensions(bytes.NewReader(tt.data), int64(len(tt.data)), tt.format, sniff.Options{MaxPages: 10000})
			if err != nil {
				t.Fatal(err)
			}
			if d.Width != tt.w || d.Height != tt.h || max(d.Pages, 1) != tt.pages {
				t.Errorf("Dimensions = %dx%d×%d, want %dx%d×%d", d.Width, d.Height, d.Pages, tt.w, tt.h, tt.pages)
			}
		})
	}
}

// The valid generators decode with Go's own decoders.
func TestValidBombsDecode(t *testing.T) {
	img, err := png.Decode(bytes.NewReader(SolidPNG(300, 200)))
	if err != nil || img.Bounds().Dx() != 300 {
		t.Fatalf("SolidPNG: %v", err)
	}
	g, err := gif.DecodeAll(bytes.NewReader(ManyFrameGIF(50)))
	if err != nil || len(g.Image) != 50 {
		t.Fatalf("ManyFrameGIF: %v", err)
	}
	if n := len(SolidPNG(12000, 12000)); n > 1<<20 {
		t.Errorf("12000² solid PNG is %d bytes, want a few hundred KB", n)
	} else {
		t.Logf("12000² solid PNG: %d bytes", n)
	}
}
