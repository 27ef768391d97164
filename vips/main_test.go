package vips_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/cumulusmedia/cumulus/vips"
)

func TestMain(m *testing.M) {
	if err := vips.Startup(vips.DefaultConfig()); err != nil {
		panic(err)
	}
	code := m.Run()
	vips.Shutdown()
	os.Exit(code)
}

const imagesDir = "../../shared/images"

// readImage returns the bytes of a shared test image.
func readImage(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(imagesDir, name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// must returns a function that fails tb on err and registers img to be
// closed when the test ends: must(t)(vips.Load(...)).
func must(tb testing.TB) func(*vips.Image, error) *vips.Image {
	return func(img *vips.Image, err error) *vips.Image {
		tb.Helper()
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(img.Close)
		return img
	}
}

func near(a, b, tol float64) bool { return a-b <= tol && b-a <= tol }
