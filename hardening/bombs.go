// Package hardening makes hostile inputs and holds the tests that aim them
// at the real packages: decompression and header bombs generated in Go (no
// stored binaries), fuzz targets over the whole delivery handler and the
// upload parser, path-safety properties, and the heavy overload and soak
// tests run by `make test-heavy` (CUMULUS_HEAVY=1).
//
// Every generator returns a complete file that a browser or libvips would
// recognise; what makes it hostile is what its header declares.
package hardening

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
)

// PNGHeaderBomb returns a small, well-formed PNG whose header declares a
// w×h 8-bit greyscale image; its only IDAT holds one compressed row, so a
// decoder that trusts the header allocates w×h bytes before failing.
func PNGHeaderBomb(w, h uint32) []byte {
	var idat bytes.Buffer
	z := zlib.NewWriter(&idat)
	z.Write(make([]byte, 1+min(w, 1<<16)))
	z.Close()
	return pngFile(w, h, 0, idat.Bytes())
}

// SolidPNG returns a valid w×h greyscale PNG of one colour. A solid image
// compresses about a thousandfold, so 12 000×12 000 (144 MB of pixels) is a
// file of a few hundred kilobytes: the classic decompression bomb. Rows are
// streamed through zlib, never held whole.
func SolidPNG(w, h uint32) []byte {
	var idat bytes.Buffer
	z, _ := zlib.NewWriterLevel(&idat, zlib.BestCompression)
	row := make([]byte, 1+w) // filter byte 0, then black pixels
	for y := uint32(0); y < h; y++ {
		z.Write(row)
	}
	z.Close()
	return pngFile(w, h, 0, idat.Bytes())
}

// pngFile assembles signature, IHDR (bit depth 8, colour type ct), one IDAT
// and IEND.
func pngFile(w, h uint32, ct byte, idat []byte) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, ct
	pngChunk(&b, "IHDR", ihdr)
	pngChunk(&b, "IDAT", idat)
	pngChunk(&b, "IEND", nil)
	return b.Bytes()
}

func pngChunk(b *bytes.Buffer, typ string, data []byte) {
	binary.Write(b, binary.BigEndian, uint32(len(data)))
	crc := crc32.NewIEEE()
	crc.Write([]byte(typ))
	crc.Write(data)
	b.WriteString(typ)
	b.Write(data)
	binary.Write(b, binary.BigEndian, crc.Sum32())
}

// GIFHeaderBomb returns a GIF whose logical screen and only frame declare
// w×h, with a few bytes of image data.
func GIFHeaderBomb(w, h uint16) []byte {
	var b bytes.Buffer
	gifHeader(&b, w, h)
	gifFrame(&b, w, h)
	b.WriteByte(0x3B)
	return b.Bytes()
}

// ManyFrameGIF returns a valid animated 1×1 GIF of n frames: a few bytes
// each, so 5 000 frames fit in about 100 KB.
func ManyFrameGIF(n int) []byte {
	var b bytes.Buffer
	gifHeader(&b, 1, 1)
	// NETSCAPE2.0 looping extension: what makes browsers animate it.
	b.Write([]byte{0x21, 0xFF, 0x0B})
	b.WriteString("NETSCAPE2.0")
	b.Write([]byte{0x03, 0x01, 0x00, 0x00, 0x00})
	for i := 0; i < n; i++ {
		// Graphic control extension: 10 ms per frame.
		b.Write([]byte{0x21, 0xF9, 0x04, 0x00, 0x01, 0x00, 0x00, 0x00})
		gifFrame(&b, 1, 1)
	}
	b.WriteByte(0x3B)
	return b.Bytes()
}

func gifHeader(b *bytes.Buffer, w, h uint16) {
	b.WriteString("GIF89a")
	binary.Write(b, binary.LittleEndian, w)
	binary.Write(b, binary.LittleEndian, h)
	// Global colour table of 2 entries: black and white.
	b.Write([]byte{0x80, 0x00, 0x00, 0, 0, 0, 255, 255, 255})
}

// gifFrame writes an image descriptor for a w×h frame at 0,0 and LZW data
// (minimum code size 2) for one black pixel: clear, 0, end.
func gifFrame(b *bytes.Buffer, w, h uint16) {
	b.WriteByte(0x2C)
	binary.Write(b, binary.LittleEndian, uint16(0))
	binary.Write(b, binary.LittleEndian, uint16(0))
	binary.Write(b, binary.LittleEndian, w)
	binary.Write(b, binary.LittleEndian, h)
	b.WriteByte(0x00)
	b.Write([]byte{0x02, 0x02, 0x44, 0x01, 0x00})
}

// JPEGHeaderBomb returns a baseline JPEG whose frame header declares w×h
// (three components) followed by a scan of a few bytes.
func JPEGHeaderBomb(w, h uint16) []byte {
	var b bytes.Buffer
	b.Write([]byte{0xFF, 0xD8})
	// APP0 JFIF.
	b.Write([]byte{0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0})
	// One quantisation table of ones.
	b.Write([]byte{0xFF, 0xDB, 0x00, 0x43, 0x00})
	b.Write(bytes.Repeat([]byte{1}, 64))
	// SOF0: precision 8, h, w, 3 components sharing table 0.
	b.Write([]byte{0xFF, 0xC0, 0x00, 0x11, 0x08})
	binary.Write(&b, binary.BigEndian, h)
	binary.Write(&b, binary.BigEndian, w)
	b.Write([]byte{0x03, 0x01, 0x11, 0x00, 0x02, 0x11, 0x00, 0x03, 0x11, 0x00})
	// A Huffman table with one code, a scan header and a few bytes.
	b.Write([]byte{0xFF, 0xC4, 0x00, 0x14, 0x00, 0x01})
	b.Write(make([]byte, 15))
	b.WriteByte(0x00)
	b.Write([]byte{0xFF, 0xDA, 0x00, 0x0C, 0x03, 0x01, 0x00, 0x02, 0x00, 0x03, 0x00, 0x00, 0x3F, 0x00})
	b.Write([]byte{0x00, 0x00, 0x00, 0x00})
	b.Write([]byte{0xFF, 0xD9})
	return b.Bytes()
}

// WebPHeaderBomb returns an extended WebP (VP8X) whose canvas is w×h (up to
// 2²⁴ each) around a tiny lossless 1×1 image.
func WebPHeaderBomb(w, h uint32) []byte {
	var body bytes.Buffer
	body.WriteString("WEBP")
	vp8x := make([]byte, 10)
	put24 := func(b []byte, v uint32) { b[0], b[1], b[2] = byte(v), byte(v>>8), byte(v>>16) }
	put24(vp8x[4:], w-1)
	put24(vp8x[7:], h-1)
	riffChunk(&body, "VP8X", vp8x)
	// VP8L: signature, 14-bit width-1 and height-1 (0 = 1 pixel), then
	// a handful of bits a decoder will find wanting.
	riffChunk(&body, "VP8L", []byte{0x2F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00})
	var b bytes.Buffer
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, uint32(body.Len()))
	b.Write(body.Bytes())
	return b.Bytes()
}

func riffChunk(b *bytes.Buffer, typ string, data []byte) {
	b.WriteString(typ)
	binary.Write(b, binary.LittleEndian, uint32(len(data)))
	b.Write(data)
	if len(data)%2 == 1 {
		b.WriteByte(0)
	}
}
