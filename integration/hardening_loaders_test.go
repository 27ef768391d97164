package integration

import (
	"bytes"
	bin "encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// untrustedInputs are minimal files for the libvips loaders Cumulus must
// never reach (ImageMagick, PDF, SVG, MATLAB and the other loaders outside
// the allow-list in vips.c), each written here from its format's magic.
func untrustedInputs() []struct {
	loader, name string
	data         []byte
} {
	vipsNative := make([]byte, 64)
	bin.LittleEndian.PutUint32(vipsNative, 0x08f2a6b6)
	bin.LittleEndian.PutUint32(vipsNative[4:], 8)
	bin.LittleEndian.PutUint32(vipsNative[8:], 8)
	bin.LittleEndian.PutUint32(vipsNative[12:], 1)
	nifti := make([]byte, 352)
	bin.LittleEndian.PutUint32(nifti, 348)
	copy(nifti[344:], "n+1\x00")
	return []struct {
		loader, name string
		data         []byte
	}{
		{"svgload", "a.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8"/></svg>`)},
		{"pdfload", "a.pdf", []byte("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj 3 0 obj<</Type/Page/MediaBox[0 0 8 8]/Parent 2 0 R>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")},
		{"magickload (PPM)", "a.ppm", []byte("P6\n2 2\n255\n" + string(bytes.Repeat([]byte{200}, 12)))},
		{"magickload (XPM)", "a.xpm", []byte("/* XPM */\nstatic char *x[] = {\"1 1 1 1\", \"a c #000000\", \"a\"};\n")},
		{"magickload (PSD)", "a.psd", append([]byte("8BPS\x00\x01\x00\x00\x00\x00\x00\x00\x00\x03\x00\x00\x00\x08\x00\x00\x00\x08\x00\x08\x00\x03"), make([]byte, 64)...)},
		{"magickload (BMP)", "a.bmp", bmp1x1()},
		{"magickload (ICO)", "a.ico", append([]byte{0, 0, 1, 0, 1, 0, 1, 1, 0, 0, 1, 0, 32, 0, 40, 0, 0, 0, 22, 0, 0, 0}, make([]byte, 48)...)},
		{"matload", "a.mat", append([]byte("MATLAB 5.0 MAT-file, Platform: GLNXA64, Created on: Mon Jan  1 00:00:00 2024"), make([]byte, 128)...)},
		{"fitsload", "a.fits", append([]byte(fmt.Sprintf("%-80s%-80s%-80s%-80s%-80s%-80s", "SIMPLE  =                    T", "BITPIX  =                    8", "NAXIS   =                    2", "NAXIS1  =                    2", "NAXIS2  =                    2", "END")), make([]byte, 2880)...)},
		{"vipsload", "a.v", vipsNative},
		{"openexrload", "a.exr", append([]byte{0x76, 0x2f, 0x31, 0x01, 2, 0, 0, 0}, make([]byte, 64)...)},
		{"radload", "a.hdr", []byte("#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 1 +X 1\n\x00\x00\x00\x00")},
		{"jp2kload", "a.jp2", append([]byte{0, 0, 0, 0x0c, 'j', 'P', ' ', ' ', 0x0d, 0x0a, 0x87, 0x0a}, make([]byte, 64)...)},
		{"jxlload", "a.jxl", []byte{0xff, 0x0a, 0xfa, 0x7f, 0x01, 0x90, 0x08, 0x06, 0x01, 0x00, 0x48, 0x00}},
		{"analyzeload / niftiload", "a.nii", nifti},
		{"csvload", "a.csv", []byte("1,2,3\n4,5,6\n")},
		{"matrixload", "a.mat.txt", []byte("2 2\n1 2\n3 4\n")},
	}
}

func bmp1x1() []byte {
	b := []byte("BM")
	b = bin.LittleEndian.AppendUint32(b, 58)
	b = append(b, 0, 0, 0, 0)
	b = bin.LittleEndian.AppendUint32(b, 54)
	b = bin.LittleEndian.AppendUint32(b, 40)
	b = bin.LittleEndian.AppendUint32(b, 1)
	b = bin.LittleEndian.AppendUint32(b, 1)
	b = bin.LittleEndian.AppendUint16(b, 1)
	b = bin.LittleEndian.AppendUint16(b, 24)
	b = append(b, make([]byte, 24)...)
	return append(b, 0, 0, 255, 0)
}

// TestHeavyLoaderHygiene uploads a file for each untrusted libvips loader
// and asks for renditions of it: whatever the upload made of it (an image
// of a format Cumulus knows but does not decode, or a raw file), no
// rendition is ever produced and no request fails with a 5xx. Together with
// vips' TestUntrustedLoadersBlocked (the loaders blocked at Startup), this
// shows the untrusted loaders are unreachable.
func TestHeavyLoaderHygiene(t *testing.T) {
	s := startServer(t)
	client := &http.Client{Timeout: 10 * time.Second}
	for _, in := range untrustedInputs() {
		t.Run(in.loader, func(t *testing.T) {
			id := "loader-" + in.name
			r := s.rawUpload(client, "auto", url.Values{"public_id": {id}}, in.name, in.data)
			if r.err != nil || r.status >= 500 {
				t.Fatalf("upload: %d %v", r.status, r.err)
			}
			var res struct {
				ResourceType string `json:"resource_type"`
				Format       string `json:"format"`
				PublicID     string `json:"public_id"`
			}
			json.Unmarshal(r.body, &res)
			stored := fmt.Sprintf("%d %s/%s", r.status, res.ResourceType, res.Format)
			// As an image, whatever the sniffer said.
			img := s.rawUpload(client, "image", url.Values{"public_id": {id + "-img"}}, in.name, in.data)
			if img.err != nil || img.status >= 500 {
				t.Fatalf("image upload: %d %v", img.status, img.err)
			}
			for _, p := range []string{
				"/demo/image/upload/w_8/" + id + ".png",
				"/demo/image/upload/" + id + ".jpg",
				"/demo/image/upload/w_8/" + id + "-img.png",
				"/demo/image/upload/f_webp/" + id + "-img",
				"/demo/image/upload/pg_1,w_8/" + id + "-img.png",
				"/demo/raw/upload/w_8/" + res.PublicID,
			} {
				resp, err := client.Get(s.URL + p)
				if err != nil {
					t.Fatalf("%s: %v", p, err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK || resp.StatusCode >= 500 {
					t.Errorf("%s: %d %q, want a 4xx", p, resp.StatusCode, resp.Header.Get("X-Cld-Error"))
				}
			}
			t.Logf("%-24s upload auto → %s; as image → %d %s", in.loader, stored, img.status, img.cldErr)
		})
	}
}
