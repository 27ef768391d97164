package sniff

// Builders for tiny but well-formed files, used by the tables and as fuzz
// seeds. Real encoders from the standard library where there is one.

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"strings"
)

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func u16be(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }
func u32be(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
func u16le(v uint16) []byte { return binary.LittleEndian.AppendUint16(nil, v) }
func u32le(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }

func gray(w, h int) *image.Gray {
	m := image.NewGray(image.Rect(0, 0, w, h))
	for i := range m.Pix {
		m.Pix[i] = uint8(i * 7)
	}
	return m
}

func encPNG(w, h int) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, gray(w, h)); err != nil {
		panic(err)
	}
	return b.Bytes()
}

func pngChunk(typ string, data []byte) []byte {
	c := cat([]byte(typ), data)
	return cat(u32be(uint32(len(data))), c, u32be(crc32.ChecksumIEEE(c)))
}

// withPNGChunks inserts chunks right after IHDR (8 + 25 bytes).
func withPNGChunks(p []byte, chunks ...[]byte) []byte {
	return cat(p[:33], cat(chunks...), p[33:])
}

func encJPEG(w, h int) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, gray(w, h), nil); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// withJPEGSegment inserts a marker segment right after SOI.
func withJPEGSegment(j []byte, marker byte, payload []byte) []byte {
	seg := cat([]byte{0xFF, marker}, u16be(uint16(len(payload)+2)), payload)
	return cat(j[:2], seg, j[2:])
}

func encGIF(w, h, frames int) []byte {
	pal := color.Palette{color.Black, color.White}
	g := &gif.GIF{}
	for i := range frames {
		m := image.NewPaletted(image.Rect(0, 0, w, h), pal)
		m.Pix[i%len(m.Pix)] = 1
		g.Image = append(g.Image, m)
		g.Delay = append(g.Delay, 10)
	}
	var b bytes.Buffer
	if err := gif.EncodeAll(&b, g); err != nil {
		panic(err)
	}
	return b.Bytes()
}

type tiffEntry struct {
	tag, typ uint16
	val      uint32
}

// tiffFile builds a classic TIFF whose IFDs hold the given entries and are
// chained in order.
func tiffFile(bo binary.AppendByteOrder, ifds ...[]tiffEntry) []byte {
	var b []byte
	if bo == binary.AppendByteOrder(binary.LittleEndian) {
		b = []byte("II*\x00")
	} else {
		b = []byte("MM\x00*")
	}
	b = bo.AppendUint32(b, 8)
	for i, ifd := range ifds {
		b = bo.AppendUint16(b, uint16(len(ifd)))
		for _, e := range ifd {
			b = bo.AppendUint16(b, e.tag)
			b = bo.AppendUint16(b, e.typ)
			b = bo.AppendUint32(b, 1)
			if e.typ == 3 {
				b = bo.AppendUint16(b, uint16(e.val))
				b = append(b, 0, 0)
			} else {
				b = bo.AppendUint32(b, e.val)
			}
		}
		next := uint32(0)
		if i < len(ifds)-1 {
			next = uint32(len(b) + 4)
		}
		b = bo.AppendUint32(b, next)
	}
	return b
}

func tiffSize(w, h uint32) []tiffEntry {
	return []tiffEntry{{256, 4, w}, {257, 3, h}, {274, 3, 1}}
}

// bigTIFF builds a little-endian BigTIFF with one IFD.
func bigTIFF(w, h uint64, orientation uint16) []byte {
	le := binary.LittleEndian
	b := []byte("II+\x00\x08\x00\x00\x00")
	b = le.AppendUint64(b, 16)
	b = le.AppendUint64(b, 3)
	entry := func(tag, typ uint16, v uint64) {
		b = le.AppendUint16(b, tag)
		b = le.AppendUint16(b, typ)
		b = le.AppendUint64(b, 1)
		b = le.AppendUint64(b, v)
	}
	entry(256, 16, w)
	entry(257, 16, h)
	entry(274, 3, uint64(orientation))
	return le.AppendUint64(b, 0)
}

// exifAPP1 is a JPEG APP1 payload holding only an orientation.
func exifAPP1(orientation uint16) []byte {
	return cat([]byte("Exif\x00\x00"), tiffFile(binary.BigEndian, []tiffEntry{{274, 3, uint32(orientation)}}))
}

func riff(form string, chunks ...[]byte) []byte {
	body := cat([]byte(form), cat(chunks...))
	return cat([]byte("RIFF"), u32le(uint32(len(body))), body)
}

func riffChunk(typ string, data []byte) []byte {
	c := cat([]byte(typ), u32le(uint32(len(data))), data)
	if len(data)%2 == 1 {
		c = append(c, 0)
	}
	return c
}

func webpLossy(w, h uint16) []byte {
	vp8 := cat([]byte{0x10, 0x02, 0x00, 0x9D, 0x01, 0x2A}, u16le(w), u16le(h), make([]byte, 8))
	return riff("WEBP", riffChunk("VP8 ", vp8))
}

func webpLossless(w, h uint32) []byte {
	v := (w - 1) | (h-1)<<14
	return riff("WEBP", riffChunk("VP8L", cat([]byte{0x2F}, u32le(v), make([]byte, 6))))
}

func webpAnimated(w, h uint32, frames int, orientation uint16) []byte {
	x := []byte{0x02 | 0x08, 0, 0, 0, byte(w - 1), byte((w - 1) >> 8), byte((w - 1) >> 16), byte(h - 1), byte((h - 1) >> 8), byte((h - 1) >> 16)}
	chunks := [][]byte{riffChunk("VP8X", x), riffChunk("ANIM", make([]byte, 6))}
	for range frames {
		chunks = append(chunks, riffChunk("ANMF", make([]byte, 17)))
	}
	chunks = append(chunks, riffChunk("EXIF", tiffFile(binary.LittleEndian, []tiffEntry{{274, 3, uint32(orientation)}})))
	return riff("WEBP", chunks...)
}

func bmpFile(w, h int32) []byte {
	dib := cat(u32le(40), u32le(uint32(w)), u32le(uint32(h)), u16le(1), u16le(24), make([]byte, 24))
	return cat([]byte("BM"), u32le(uint32(14+len(dib)+4)), make([]byte, 4), u32le(54), dib, make([]byte, 4))
}

func icoFile(sizes ...[2]byte) []byte {
	b := cat([]byte{0, 0, 1, 0}, u16le(uint16(len(sizes))))
	for i, s := range sizes {
		b = cat(b, []byte{s[0], s[1], 0, 0}, u16le(1), u16le(32), u32le(40), u32le(uint32(6+16*len(sizes)+40*i)))
	}
	return cat(b, make([]byte, 40*len(sizes)))
}

func psdFile(w, h uint32, layers int16) []byte {
	hdr := cat([]byte("8BPS"), u16be(1), make([]byte, 6), u16be(3), u32be(h), u32be(w), u16be(8), u16be(3))
	res := cat(u32be(0), u32be(4), []byte("8BIM"))
	layerInfo := cat(u32be(2+20), u16be(uint16(layers)), make([]byte, 20))
	return cat(hdr, res, u32be(uint32(len(layerInfo))), layerInfo, make([]byte, 8))
}

func box(typ string, parts ...[]byte) []byte {
	body := cat(parts...)
	return cat(u32be(uint32(8+len(body))), []byte(typ), body)
}

func fullBox(typ string, version byte, flags uint32, parts ...[]byte) []byte {
	return box(typ, cat([]byte{version, byte(flags >> 16), byte(flags >> 8), byte(flags)}, cat(parts...)))
}

func ispe(w, h uint32) []byte { return fullBox("ispe", 0, 0, u32be(w), u32be(h)) }

// heif builds an AVIF or HEIC file whose primary item 1 has the size w×h and
// the rotation rot, next to a 160×120 thumbnail item 2 listed first.
func heif(brand string, w, h uint32, rot byte) []byte {
	ftyp := box("ftyp", []byte(brand), u32be(0), []byte("mif1miaf"+brand))
	ipco := box("ipco", ispe(160, 120), ispe(w, h), box("irot", []byte{rot}))
	ipma := fullBox("ipma", 0, 0, u32be(2),
		u16be(2), []byte{1, 1},
		u16be(1), []byte{2, 0x80 | 2, 3})
	meta := fullBox("meta", 0, 0,
		fullBox("hdlr", 0, 0, u32be(0), []byte("pict"), make([]byte, 13)),
		fullBox("pitm", 0, 0, u16be(1)),
		box("iprp", ipco, ipma))
	return cat(ftyp, meta, box("mdat", make([]byte, 16)))
}

// bitWriter writes JPEG XL's least-significant-bit-first fields.
type bitWriter struct {
	b []byte
	n int
}

func (w *bitWriter) put(v uint64, bits int) *bitWriter {
	for i := range bits {
		if w.n%8 == 0 {
			w.b = append(w.b, 0)
		}
		w.b[w.n/8] |= byte(v>>i&1) << (w.n % 8)
		w.n++
	}
	return w
}

// jxlCodestream builds a codestream header. For small images (multiples of
// 8 up to 256) it uses the short form; ratio 0 codes the width separately.
func jxlCodestream(w, h uint64, ratio uint64, orientation uint64) []byte {
	bw := &bitWriter{}
	small := h%8 == 0 && h <= 256 && (ratio != 0 || w%8 == 0 && w <= 256)
	u32 := func(v uint64) {
		for sel, n := range []int{9, 13, 18, 30} {
			if v-1 < 1<<n {
				bw.put(uint64(sel), 2).put(v-1, n)
				return
			}
		}
	}
	if small {
		bw.put(1, 1).put(h/8-1, 5)
	} else {
		bw.put(0, 1)
		u32(h)
	}
	bw.put(ratio, 3)
	if ratio == 0 {
		if small {
			bw.put(w/8-1, 5)
		} else {
			u32(w)
		}
	}
	if orientation <= 1 {
		bw.put(1, 1) // all_default
	} else {
		bw.put(0, 1).put(1, 1).put(orientation-1, 3)
	}
	return cat([]byte{0xFF, 0x0A}, bw.b, make([]byte, 8))
}

func jxlContainer(codestream []byte) []byte {
	return cat(jxlBoxSig, box("ftyp", []byte("jxl "), u32be(0), []byte("jxl ")), box("jxlp", u32be(0x80000000), codestream))
}

func ftyp(major string, compat ...string) []byte {
	return cat(box("ftyp", []byte(major), u32be(0x200), []byte(strings.Join(compat, ""))), box("mdat", make([]byte, 8)))
}

// tkhd builds a track header (version 0 or 1) with the given display matrix
// entries a, b, c, d and size.
func tkhd(version byte, a, b, c, d int32, w, h uint32) []byte {
	times := make([]byte, 20)
	if version == 1 {
		times = make([]byte, 32)
	}
	matrix := cat(u32be(uint32(a)), u32be(uint32(b)), u32be(0), u32be(uint32(c)), u32be(uint32(d)), u32be(0), u32be(0), u32be(0), u32be(0x40000000))
	return fullBox("tkhd", version, 3, times, make([]byte, 16), matrix, u32be(w<<16), u32be(h<<16))
}

// mp4File builds an MP4 or QuickTime file with an audio track and, when w
// is not 0, a video track after it; the moov box follows mdat, as in files
// that were not made "fast start".
func mp4File(major string, w, h uint32, a, b, c, d int32) []byte {
	moov := []byte(nil)
	moov = cat(moov, box("trak", tkhd(0, 1<<16, 0, 0, 1<<16, 0, 0), box("mdia")))
	if w != 0 {
		moov = cat(moov, box("trak", tkhd(1, a, b, c, d, w, h), box("mdia")))
	}
	return cat(box("ftyp", []byte(major), u32be(0x200), []byte(major+"isom")), box("mdat", make([]byte, 8)), box("moov", fullBox("mvhd", 0, 0, make([]byte, 96)), moov))
}

func ebml(docType string) []byte {
	body := cat([]byte{0x42, 0x86, 0x81, 0x01}, []byte{0x42, 0x82, 0x80 | byte(len(docType))}, []byte(docType), []byte{0x42, 0x87, 0x81, 0x04})
	return cat([]byte{0x1A, 0x45, 0xDF, 0xA3, 0x80 | byte(len(body))}, body, []byte{0x18, 0x53, 0x80, 0x67, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF})
}

func oggPage(packet string) []byte {
	return cat([]byte("OggS\x00\x02"), make([]byte, 20), []byte{1, byte(len(packet))}, []byte(packet))
}

func tsStream() []byte {
	b := make([]byte, 188*4)
	for i := 0; i < len(b); i += 188 {
		b[i] = 0x47
	}
	return b
}

func pdfFile(pages int, linearized bool) []byte {
	var b strings.Builder
	b.WriteString("%PDF-1.7\n%\xE2\xE3\xCF\xD3\n")
	if linearized {
		b.WriteString("1 0 obj\n<< /Linearized 1 /L 5000 /H [ 100 200 ] /O 4 /E 900 /N 7 /T 4000 >>\nendobj\n")
	}
	b.WriteString("2 0 obj\n<< /Type /Catalog /Pages 3 0 R >>\nendobj\n")
	b.WriteString("3 0 obj\n<</Type/Pages/Kids[] /Count 0>>\nendobj\n")
	for i := range pages {
		// Alternate the spellings writers use.
		if i%2 == 0 {
			b.WriteString("4 0 obj\n<< /Type /Page /Parent 3 0 R /MediaBox [0 0 612 792] >>\nendobj\n")
		} else {
			b.WriteString("5 0 obj\n<</Type/Page/Parent 3 0 R>>\nendobj\n")
		}
	}
	b.WriteString("<< /Type /PageLabel >>\ntrailer\n<< /Root 2 0 R >>\n%%EOF\n")
	return []byte(b.String())
}
