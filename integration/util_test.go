package integration

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/color"
	"image/gif"
	_ "image/jpeg"
	_ "image/png"
	"os"
	"path/filepath"
	"testing"

	_ "golang.org/x/image/webp"
)

func encodeBase64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func imageSize(t testing.TB, b []byte) (int, int) {
	t.Helper()
	cfg, _, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("decode %d bytes: %v", len(b), err)
	}
	return cfg.Width, cfg.Height
}

// gifFile writes an animated GIF of n 64×48 frames to a temp file.
func gifFile(t testing.TB, n int) string {
	t.Helper()
	anim := &gif.GIF{}
	for i := 0; i < n; i++ {
		img := image.NewPaletted(image.Rect(0, 0, 64, 48), color.Palette{color.Black, color.White, color.RGBA{200, 0, 0, 255}})
		for p := range img.Pix {
			img.Pix[p] = uint8(i % 3)
		}
		anim.Image = append(anim.Image, img)
		anim.Delay = append(anim.Delay, 10)
	}
	p := filepath.Join(t.TempDir(), "anim.gif")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := gif.EncodeAll(f, anim); err != nil {
		t.Fatal(err)
	}
	return p
}
