package sniff

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/cumulusmedia/cumulus"
)

type fileCase struct {
	name string
	data []byte
	want Info
	dims *Dims // nil: Dimensions must succeed with zero sizes
	opt  Options
}

func info(f Format) Info { return formats[f] }

// cases are the files every test below runs over: Detect's verdict, then
// what Dimensions reads, then robustness against truncation.
func cases() []fileCase {
	jpegPlain := encJPEG(5, 3)
	jpegExif := withJPEGSegment(withJPEGSegment(jpegPlain, 0xE1, exifAPP1(6)), 0xE2, bytes.Repeat([]byte{0xAB}, 60000))
	pngPlain := encPNG(7, 4)
	return []fileCase{
		{"jpeg", jpegPlain, info(JPEG), &Dims{Width: 5, Height: 3, Pages: 1, Orientation: 1}, Options{}},
		{"jpeg exif 6 after a 60000-byte APP2", jpegExif, info(JPEG), &Dims{Width: 5, Height: 3, Pages: 1, Orientation: 6}, Options{}},
		{"jpeg fill bytes before SOF", withJPEGSegment(cat(jpegPlain[:2], []byte{0xFF, 0xFF}, jpegPlain[2:]), 0xFE, []byte("comment")), info(JPEG), &Dims{Width: 5, Height: 3, Pages: 1, Orientation: 1}, Options{}},
		{"png", pngPlain, info(PNG), &Dims{Width: 7, Height: 4, Pages: 1, Orientation: 1}, Options{}},
		{"apng 5 frames, exif 8", withPNGChunks(pngPlain, pngChunk("acTL", cat(u32be(5), u32be(0))), pngChunk("eXIf", tiffFile(binary.LittleEndian, []tiffEntry{{274, 3, 8}}))), info(PNG), &Dims{Width: 7, Height: 4, Pages: 5, Orientation: 8}, Options{}},
		{"apng over frame limit", withPNGChunks(pngPlain, pngChunk("acTL", cat(u32be(1<<31), u32be(0)))), info(PNG), &Dims{Width: 7, Height: 4, Pages: 100, PagesOverLimit: true, Orientation: 1}, Options{MaxPages: 100}},
		{"gif one frame", encGIF(9, 6, 1), info(GIF), &Dims{Width: 9, Height: 6, Pages: 1, Orientation: 1}, Options{}},
		{"gif 4 frames", encGIF(9, 6, 4), info(GIF), &Dims{Width: 9, Height: 6, Pages: 4, Orientation: 1}, Options{}},
		{"gif frames over limit", encGIF(9, 6, 4), info(GIF), &Dims{Width: 9, Height: 6, Pages: 3, PagesOverLimit: true, Orientation: 1}, Options{MaxPages: 3}},
		{"webp lossy", webpLossy(300, 200), info(WebP), &Dims{Width: 300, Height: 200, Pages: 1, Orientation: 1}, Options{}},
		{"webp lossless", webpLossless(16383, 1), info(WebP), &Dims{Width: 16383, Height: 1, Pages: 1, Orientation: 1}, Options{}},
		{"webp animated, exif 6", webpAnimated(640, 480, 3, 6), info(WebP), &Dims{Width: 640, Height: 480, Pages: 3, Orientation: 6}, Options{}},
		{"webp animated over limit", webpAnimated(1<<24, 1, 3, 1), info(WebP), &Dims{Width: 1 << 24, Height: 1, Pages: 2, PagesOverLimit: true, Orientation: 1}, Options{MaxPages: 2}},
		{"avif grid primary with thumbnail, irot 270", heif("avif", 4032, 3024, 3), info(AVIF), &Dims{Width: 4032, Height: 3024, Pages: 1, Orientation: 6}, Options{}},
		{"heic", heif("heic", 65535, 65535, 0), info(HEIC), &Dims{Width: 65535, Height: 65535, Pages: 1, Orientation: 1}, Options{}},
		{"heic irot 90", heif("heic", 10, 20, 1), info(HEIC), &Dims{Width: 10, Height: 20, Pages: 1, Orientation: 8}, Options{}},
		{"tiff little-endian 3 pages", tiffFile(binary.LittleEndian, tiffSize(800, 600), tiffSize(400, 300), tiffSize(200, 150)), info(TIFF), &Dims{Width: 800, Height: 600, Pages: 3, Orientation: 1}, Options{}},
		{"tiff big-endian, orientation 5", tiffFile(binary.BigEndian, []tiffEntry{{256, 3, 65535}, {257, 4, 70000}, {274, 3, 5}}), info(TIFF), &Dims{Width: 65535, Height: 70000, Pages: 1, Orientation: 5}, Options{}},
		{"tiff pages over limit", tiffFile(binary.LittleEndian, tiffSize(8, 6), tiffSize(8, 6), tiffSize(8, 6)), info(TIFF), &Dims{Width: 8, Height: 6, Pages: 2, PagesOverLimit: true, Orientation: 1}, Options{MaxPages: 2}},
		{"bigtiff", bigTIFF(100000, 3, 7), info(TIFF), &Dims{Width: 100000, Height: 3, Pages: 1, Orientation: 7}, Options{}},
		{"bmp top-down", bmpFile(640, -480), info(BMP), &Dims{Width: 640, Height: 480, Pages: 1, Orientation: 1}, Options{}},
		{"ico largest of 3", icoFile([2]byte{16, 16}, [2]byte{0, 0}, [2]byte{48, 48}), info(ICO), &Dims{Width: 256, Height: 256, Pages: 3, Orientation: 1}, Options{}},
		{"ico entries over limit", icoFile([2]byte{16, 16}, [2]byte{0, 0}, [2]byte{48, 48}), info(ICO), &Dims{Width: 256, Height: 256, Pages: 2, PagesOverLimit: true, Orientation: 1}, Options{MaxPages: 2}},
		{"psd 3 layers", psdFile(1200, 900, -3), info(PSD), &Dims{Width: 1200, Height: 900, Pages: 3, Orientation: 1}, Options{}},
		{"jxl small", jxlCodestream(64, 64, 1, 1), info(JXL), &Dims{Width: 64, Height: 64, Pages: 1, Orientation: 1}, Options{}},
		{"jxl 4:3, orientation 6", jxlCodestream(1000, 750, 3, 6), info(JXL), &Dims{Width: 1000, Height: 750, Pages: 1, Orientation: 6}, Options{}},
		{"jxl separate width", jxlCodestream(200000, 100, 0, 1), info(JXL), &Dims{Width: 200000, Height: 100, Pages: 1, Orientation: 1}, Options{}},
		{"jxl container", jxlContainer(jxlCodestream(24, 16, 0, 1)), info(JXL), &Dims{Width: 24, Height: 16, Pages: 1, Orientation: 1}, Options{}},
		{"svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="120" height="80"><rect/></svg>`), info(SVG), &Dims{Width: 120, Height: 80, Pages: 1, Orientation: 1}, Options{}},
		{"svg prolog, units and viewBox", []byte("\xEF\xBB\xBF <?xml version=\"1.0\"?>\n<!-- Generator: x -->\n<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" \"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\" [ <!ENTITY a \"b\"> ]>\n<svg\n viewBox='0 0 300 150' width='1in'>"), info(SVG), &Dims{Width: 96, Height: 48, Pages: 1, Orientation: 1}, Options{}},
		{"svg percentage size", []byte(`<SVG width="100%" height="50%" viewBox="0,0,40.4,20.6"/>`), info(SVG), &Dims{Width: 40, Height: 21, Pages: 1, Orientation: 1}, Options{}},
		{"svg no size", []byte(`<svg xmlns="http://www.w3.org/2000/svg"></svg>`), info(SVG), &Dims{Pages: 1, Orientation: 1}, Options{}},
		{"pdf 3 pages", pdfFile(3, false), info(PDF), &Dims{Pages: 3, Orientation: 1}, Options{}},
		{"pdf linearized", pdfFile(1, true), info(PDF), &Dims{Pages: 7, Orientation: 1}, Options{}},
		{"pdf pages over limit", pdfFile(5, false), info(PDF), &Dims{Pages: 4, PagesOverLimit: true, Orientation: 1}, Options{MaxPages: 4}},
		{"mp4", mp4File("isom", 1920, 1080, 1<<16, 0, 0, 1<<16), info(MP4), &Dims{Width: 1920, Height: 1080, Orientation: 1}, Options{}},
		{"mp4 from a phone held upright", mp4File("mp42", 1920, 1080, 0, 1<<16, -1<<16, 0), info(MP4), &Dims{Width: 1920, Height: 1080, Orientation: 6}, Options{}},
		{"mov upside down", mp4File("qt  ", 640, 480, -1<<16, 0, 0, -1<<16), info(MOV), &Dims{Width: 640, Height: 480, Orientation: 3}, Options{}},
		{"m4a", mp4File("M4A ", 0, 0, 0, 0, 0, 0), info(M4A), &Dims{Orientation: 1}, Options{}},
		{"3gp", mp4File("3gp4", 176, 144, 1<<16, 0, 0, 1<<16), info(MP4), &Dims{Width: 176, Height: 144, Orientation: 1}, Options{}},
		{"webm", ebml("webm"), info(WebM), nil, Options{}},
		{"mkv", ebml("matroska"), info(MKV), nil, Options{}},
		{"avi", riff("AVI ", riffChunk("LIST", make([]byte, 12))), info(AVI), nil, Options{}},
		{"wav", riff("WAVE", riffChunk("fmt ", make([]byte, 16))), info(WAV), nil, Options{}},
		{"flv", []byte("FLV\x01\x05\x00\x00\x00\x09"), info(FLV), nil, Options{}},
		{"ogv", oggPage("\x80theora\x03\x02"), info(OGV), nil, Options{}},
		{"ogg vorbis", oggPage("\x01vorbis\x00\x00"), info(OGG), nil, Options{}},
		{"ogg opus", oggPage("OpusHead\x01\x02"), info(OGG), nil, Options{}},
		{"flac", []byte("fLaC\x00\x00\x00\x22"), info(FLAC), nil, Options{}},
		{"mp3 with id3", cat([]byte("ID3\x04\x00\x00\x00\x00\x00\x02\x00\x00"), []byte{0xFF, 0xFB, 0x90, 0x64}), info(MP3), nil, Options{}},
		{"mp3 frame sync", []byte{0xFF, 0xFB, 0x90, 0x64, 0, 0, 0, 0}, info(MP3), nil, Options{}},
		{"aac adts", []byte{0xFF, 0xF1, 0x50, 0x80, 0x02, 0x1F, 0xFC}, info(AAC), nil, Options{}},
		{"mpeg-ts", tsStream(), info(TS), nil, Options{}},
		{"zip", []byte("PK\x03\x04\x14\x00\x00\x00"), raw("application/zip"), nil, Options{}},
		{"json", []byte(" {\"a\": [1, 2]}\n"), raw("application/json"), nil, Options{}},
		{"text", []byte("hello, wörld\n"), raw("text/plain; charset=utf-8"), nil, Options{}},
		{"xml that is not svg", []byte(`<?xml version="1.0"?><feed><svg/></feed>`), raw("application/xml"), nil, Options{}},
		{"html with inline svg", []byte(`<!DOCTYPE html><html><svg width="1" height="1"/></html>`), raw("text/plain; charset=utf-8"), nil, Options{}},
		{"binary junk", []byte{0, 1, 2, 3, 0xFE, 0xFF}, raw(octet), nil, Options{}},
		{"text starting BM", []byte("BMW and friends go for a drive"), raw("text/plain; charset=utf-8"), nil, Options{}},
		{"empty", nil, raw(octet), nil, Options{}},
	}
}

func TestDetect(t *testing.T) {
	for _, c := range cases() {
		t.Run(c.name, func(t *testing.T) {
			head := c.data[:min(len(c.data), HeadSize)]
			if got := Detect(head); got != c.want {
				t.Errorf("Detect = %+v, want %+v", got, c.want)
			}
		})
	}
}

func TestDimensions(t *testing.T) {
	for _, c := range cases() {
		t.Run(c.name, func(t *testing.T) {
			d, err := Dimensions(bytes.NewReader(c.data), int64(len(c.data)), c.want.Format, c.opt)
			if err != nil {
				t.Fatalf("Dimensions: %v", err)
			}
			want := Dims{Orientation: 1} // video, audio and raw: no size read
			if c.dims != nil {
				want = *c.dims
			}
			if d != want {
				t.Errorf("Dimensions = %+v, want %+v", d, want)
			}
		})
	}
}

// TestTruncated cuts every file at every length: Dimensions must return an
// error, or the full file's size with no more pages than it has; Detect must
// not panic. Neither may read past the cut.
func TestTruncated(t *testing.T) {
	for _, c := range cases() {
		if c.dims == nil {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			for n := range len(c.data) {
				cut := c.data[:n]
				Detect(cut)
				d, err := Dimensions(bytes.NewReader(cut), int64(n), c.want.Format, c.opt)
				if err != nil {
					if cumulus.KindOf(err) != cumulus.Invalid || !errors.Is(err, ErrMalformed) {
						t.Fatalf("cut at %d: error %v is not a malformed-header error", n, err)
					}
					continue
				}
				checkPartial(t, n, d, *c.dims)
			}
		})
	}
}

func checkPartial(t *testing.T, n int, got, full Dims) {
	t.Helper()
	sizeOK := got.Width == full.Width && got.Height == full.Height ||
		got.Width == 0 && got.Height == 0 && full.Pages == 1 && full.Width > 0 && got.Pages == 1 // an SVG cut inside its root tag
	if !sizeOK || got.Pages > full.Pages || got.Orientation < 1 || got.Orientation > 8 {
		t.Fatalf("cut at %d: got %+v, full file %+v", n, got, full)
	}
}

// TestRealFiles reads the shared test images from disk: a baseline and a
// progressive JPEG from cameras' worth of metadata, and an RGBA PNG.
func TestRealFiles(t *testing.T) {
	for _, c := range []struct {
		file string
		f    Format
		w, h int
	}{
		{"photo-1920x1280.jpg", JPEG, 1920, 1280},
		{"large-5640x3172.jpg", JPEG, 5640, 3172},
		{"alpha-1920x1440.png", PNG, 1920, 1440},
	} {
		t.Run(c.file, func(t *testing.T) {
			fh, err := os.Open("../../shared/images/" + c.file)
			if err != nil {
				t.Skip(err)
			}
			defer fh.Close()
			st, err := fh.Stat()
			if err != nil {
				t.Fatal(err)
			}
			head := make([]byte, HeadSize)
			n, _ := io.ReadFull(fh, head)
			if got := Detect(head[:n]); got != info(c.f) {
				t.Errorf("Detect = %+v, want %+v", got, info(c.f))
			}
			cr := &countingReader{r: fh}
			d, err := Dimensions(cr, st.Size(), c.f, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if d.Width != c.w || d.Height != c.h || d.Pages != 1 {
				t.Errorf("Dimensions = %+v, want %dx%d, 1 page", d, c.w, c.h)
			}
			if cr.n > 128<<10 {
				t.Errorf("read %d bytes to find the size of a %d-byte file", cr.n, st.Size())
			}
			// Truncate the header region at every length.
			limit := min(int(cr.max)+16, 1<<16)
			data := make([]byte, limit)
			if _, err := fh.ReadAt(data, 0); err != nil {
				t.Fatal(err)
			}
			for i := range limit {
				got, err := Dimensions(bytes.NewReader(data[:i]), int64(i), c.f, Options{})
				if err == nil {
					checkPartial(t, i, got, d)
				}
			}
		})
	}
}

type countingReader struct {
	r      io.ReaderAt
	n, max int64
}

func (c *countingReader) ReadAt(p []byte, off int64) (int, error) {
	c.n += int64(len(p))
	c.max = max(c.max, off+int64(len(p)))
	return c.r.ReadAt(p, off)
}

func TestDimensionsErrors(t *testing.T) {
	pngPlain := encPNG(2, 2)
	zeroSOF := encJPEG(4, 4)
	for i := 2; i+9 < len(zeroSOF); i++ {
		if zeroSOF[i] == 0xFF && zeroSOF[i+1] == 0xC0 {
			zeroSOF[i+5], zeroSOF[i+6] = 0, 0 // height
			break
		}
	}
	loop := tiffFile(binary.LittleEndian, tiffSize(8, 8), tiffSize(8, 8))
	binary.LittleEndian.PutUint32(loop[len(loop)-4:], 8) // second IFD points back at the first
	for _, c := range []struct {
		name string
		f    Format
		data []byte
	}{
		{"jpeg without SOF", JPEG, []byte{0xFF, 0xD8, 0xFF, 0xDA, 0, 2, 0xFF, 0xD9}},
		{"jpeg zero height", JPEG, zeroSOF},
		{"jpeg garbage after SOI", JPEG, []byte{0xFF, 0xD8, 0x00, 0x00}},
		{"png with IHDR renamed", PNG, bytes.Replace(pngPlain, []byte("IHDR"), []byte("IHDX"), 1)},
		{"png zero width", PNG, cat(pngPlain[:16], u32be(0), pngPlain[20:])},
		{"gif without frames", GIF, cat([]byte("GIF89a"), u16le(1), u16le(1), []byte{0, 0, 0, 0x3B})},
		{"webp unknown chunk", WebP, riff("WEBP", riffChunk("VP9 ", make([]byte, 20)))},
		{"tiff IFD loop", TIFF, loop},
		{"tiff without size", TIFF, tiffFile(binary.BigEndian, []tiffEntry{{274, 3, 1}})},
		{"bmp zero height", BMP, bmpFile(5, 0)},
		{"ico empty", ICO, []byte{0, 0, 1, 0, 0, 0}},
		{"heif without meta", HEIC, ftyp("heic", "mif1", "heic")},
		{"mp4 without moov", MP4, ftyp("isom", "isom")},
		{"heif box past the end", AVIF, cat(box("ftyp", []byte("avif")), u32be(1000), []byte("meta"))},
		{"psd version 3", PSD, cat([]byte("8BPS"), u16be(3), make([]byte, 30))},
		{"svg that is html", SVG, []byte("<html><svg/></html>")},
		{"pdf without header", PDF, []byte("hello")},
		{"jxl container without codestream", JXL, cat(jxlBoxSig, box("ftyp", []byte("jxl ")))},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Dimensions(bytes.NewReader(c.data), int64(len(c.data)), c.f, Options{})
			want := "Invalid image file"
			if c.f.ResourceType() == cumulus.Video {
				want = "Invalid video file"
			}
			if !errors.Is(err, ErrMalformed) || cumulus.PublicMessage(err) != want {
				t.Fatalf("err = %v, want a malformed-header error saying %s", err, want)
			}
		})
	}
}

// A reader that fails is an internal error, not the client's fault.
func TestDimensionsReaderError(t *testing.T) {
	_, err := Dimensions(failingReader{}, 1000, PNG, Options{})
	if err == nil || errors.Is(err, ErrMalformed) || cumulus.KindOf(err) != cumulus.Internal {
		t.Fatalf("err = %v, want an internal error", err)
	}
}

type failingReader struct{}

func (failingReader) ReadAt([]byte, int64) (int, error) { return 0, errors.New("disk on fire") }

func TestDisplay(t *testing.T) {
	for o, want := range map[int][2]int{1: {30, 20}, 3: {30, 20}, 4: {30, 20}, 5: {20, 30}, 6: {20, 30}, 8: {20, 30}} {
		w, h := Dims{Width: 30, Height: 20, Orientation: o}.Display()
		if [2]int{w, h} != want {
			t.Errorf("orientation %d: Display = %dx%d, want %dx%d", o, w, h, want[0], want[1])
		}
	}
}

func TestFormatMethods(t *testing.T) {
	for _, c := range []struct {
		f    Format
		rt   cumulus.ResourceType
		mime string
	}{
		{PDF, cumulus.Image, "application/pdf"},
		{MP3, cumulus.Video, "audio/mpeg"},
		{Unknown, cumulus.Raw, octet},
		{Format("zip"), cumulus.Raw, octet},
	} {
		if c.f.ResourceType() != c.rt || c.f.MIME() != c.mime {
			t.Errorf("%q: %s %s, want %s %s", c.f, c.f.ResourceType(), c.f.MIME(), c.rt, c.mime)
		}
	}
}

// An SVG whose DOCTYPE outruns the head is still recognised by its name.
func TestDetectLongDoctype(t *testing.T) {
	b := []byte("<!DOCTYPE svg [" + strings.Repeat("<!ENTITY x 'y'>", 1000) + "]><svg/>")
	if got := Detect(b[:HeadSize]).Format; got != SVG {
		t.Errorf("Detect = %q, want svg", got)
	}
}

// Detect and Dimensions run on every upload; these keep an eye on their cost.
func BenchmarkDetect(b *testing.B) {
	head, _ := os.ReadFile("../../shared/images/photo-1920x1280.jpg")
	head = head[:min(len(head), HeadSize)]
	svg := []byte(`<?xml version="1.0"?><!-- x --><svg width="1" height="1"/>`)
	b.ReportAllocs()
	for b.Loop() {
		Detect(head)
		Detect(svg)
	}
}

func BenchmarkDimensionsJPEG(b *testing.B) {
	data, err := os.ReadFile("../../shared/images/large-5640x3172.jpg")
	if err != nil {
		b.Skip(err)
	}
	r := bytes.NewReader(data)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Dimensions(r, int64(len(data)), JPEG, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
