package vips_test

import (
	"testing"

	"github.com/cumulusmedia/cumulus/vips"
)

// FuzzLoad feeds arbitrary bytes to each format's loader through the same
// path a request takes: header check, thumbnail, save. libvips may refuse
// the bytes; it must never crash or leak.
func FuzzLoad(f *testing.F) {
	photo := readImage(f, "photo-1920x1280.jpg")
	img, err := vips.Thumbnail(photo, vips.JPEG, 16, 16, vips.ThumbnailOptions{})
	if err != nil {
		f.Fatal(err)
	}
	mem, err := img.Materialize()
	img.Close()
	if err != nil {
		f.Fatal(err)
	}
	for i, format := range vips.Formats {
		buf, err := vips.Save(mem, vips.SaveOptions{Format: format})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(i), buf)
		f.Add(uint8(i), buf[:len(buf)/2])
	}
	mem.Close()
	f.Add(uint8(0), []byte("\xff\xd8\xff\xe0garbage"))
	f.Add(uint8(1), []byte("\x89PNG\r\n\x1a\n"))
	f.Fuzz(func(t *testing.T, which uint8, buf []byte) {
		format := vips.Formats[int(which)%len(vips.Formats)]
		h, err := vips.ReadHeader(buf, format)
		if err != nil {
			return
		}
		if h.Width <= 0 || h.Height <= 0 || h.Bands <= 0 {
			t.Fatalf("header %+v accepted", h)
		}
		img, err := vips.Thumbnail(buf, format, 32, 32, vips.ThumbnailOptions{MaxPixels: 1 << 22})
		if err != nil {
			return
		}
		defer img.Close()
		if _, err := vips.Save(img, vips.SaveOptions{Format: vips.PNG}); err != nil {
			return
		}
		if img.Width() > 32 || img.Height() > 32 {
			t.Fatalf("thumbnail %dx%d exceeds the box", img.Width(), img.Height())
		}
	})
}
