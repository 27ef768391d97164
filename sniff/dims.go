package sniff

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/cumulusmedia/cumulus"
)

// Dims is what a header says about an image.
type Dims struct {
	// Width and Height are the pixel size as stored, before any
	// orientation is applied; 0 when the header does not say (SVG without
	// usable attributes, PDF, most video, audio and raw files).
	Width, Height int
	// Pages counts pages (PDF, TIFF), frames (GIF, APNG, animated WebP) or
	// layers (PSD); 1 for single images, 0 when unknown and for video.
	Pages int
	// PagesOverLimit is set when counting stopped at Options.MaxPages; Pages
	// then equals that limit and the file has more.
	PagesOverLimit bool
	// Orientation is the EXIF orientation (1–8; 1 when absent or invalid),
	// or its equivalent from HEIF's irot, JPEG XL's header or an MP4 track's
	// display matrix. 5–8 mean the picture is shown turned by 90°: see
	// Display. (Cloudinary reports a video's stored size and its rotation
	// separately, so for video the caller may want Width and Height as is.)
	Orientation int
}

// Display returns the size the image has once its orientation is applied.
// Cloudinary rotates images by their EXIF orientation on upload (unless told
// angle "ignore"), so its upload response reports this size, not the stored
// one; the stored one is what pixel limits and decoders care about.
func (d Dims) Display() (width, height int) {
	if d.Orientation >= 5 && d.Orientation <= 8 {
		return d.Height, d.Width
	}
	return d.Width, d.Height
}

// Options bound the work Dimensions does. The zero value means defaults.
type Options struct {
	// MaxPages stops counting pages, frames and layers after this many
	// (default DefaultMaxPages); the caller can refuse the file or accept
	// the lower bound.
	MaxPages int
	// MaxScan bounds the bytes read by formats that must be searched rather
	// than walked: PDF and SVG (default DefaultMaxScan).
	MaxScan int64
}

// Defaults for Options.
const (
	DefaultMaxPages = 10000
	DefaultMaxScan  = 4 << 20
)

func (o Options) withDefaults() Options {
	if o.MaxPages <= 0 {
		o.MaxPages = DefaultMaxPages
	}
	if o.MaxScan <= 0 {
		o.MaxScan = DefaultMaxScan
	}
	return o
}

// ErrMalformed is wrapped by every error Dimensions returns for a header that
// is truncated or inconsistent (as opposed to a failing reader).
var ErrMalformed = errors.New("malformed header")

const op = "sniff.Dimensions"

// malformed returns the error for a bad header: Invalid, with Cloudinary's
// public text, and the detail kept internal.
func malformed(f Format, format string, args ...any) error {
	msg := "Invalid image file"
	if f.ResourceType() == cumulus.Video {
		msg = "Invalid video file"
	}
	return &cumulus.Error{Kind: cumulus.Invalid, Op: op, Message: msg,
		Err: fmt.Errorf("%s: %w: %s", f, ErrMalformed, fmt.Sprintf(format, args...))}
}

// Dimensions reads the size, orientation and page count of a file of format
// f (as detected by Detect) from its header, through r, which holds size
// bytes. It reads only headers and segment or chunk headers, each read
// bounded by size and by small constants, and never decodes pixels.
//
// A truncated or inconsistent header is an *cumulus.Error of kind Invalid
// wrapping ErrMalformed; a failing reader is an internal error. Of the video
// formats only MP4 and QuickTime (and M4A, which has no picture) are read;
// the others, audio and raw files give zero sizes and pages, orientation 1,
// and no error.
func Dimensions(r io.ReaderAt, size int64, f Format, opt Options) (Dims, error) {
	s := &src{r: r, size: size, f: f}
	opt = opt.withDefaults()
	var d Dims
	var err error
	switch f {
	case JPEG:
		d, err = jpegDims(s)
	case PNG:
		d, err = pngDims(s, opt)
	case GIF:
		d, err = gifDims(s, opt)
	case WebP:
		d, err = webpDims(s, opt)
	case BMP:
		d, err = bmpDims(s)
	case ICO:
		d, err = icoDims(s, opt)
	case TIFF:
		d, err = tiffDims(s, opt)
	case PSD:
		d, err = psdDims(s, opt)
	case AVIF, HEIC:
		d, err = heifDims(s)
	case JXL:
		d, err = jxlDims(s)
	case SVG:
		d, err = svgFileDims(s, opt)
	case PDF:
		d, err = pdfDims(s, opt)
	case MP4, MOV, M4A:
		d, err = mp4Dims(s)
	default:
		return Dims{Orientation: 1}, nil
	}
	if err != nil {
		return Dims{}, err
	}
	if d.Orientation < 1 || d.Orientation > 8 {
		d.Orientation = 1
	}
	return d, nil
}

// src reads bounded pieces of the file.
type src struct {
	r    io.ReaderAt
	size int64
	f    Format
}

// maxRead caps any single read; the largest thing read in one piece is a
// HEIF meta box.
const maxRead = 1 << 20

// read returns n bytes at off, or an error when they are not all in the file.
func (s *src) read(off int64, n int) ([]byte, error) {
	if n < 0 || n > maxRead {
		return nil, malformed(s.f, "read of %d bytes refused", n)
	}
	b := make([]byte, n)
	return b, s.readInto(off, b)
}

func (s *src) readInto(off int64, b []byte) error {
	if off < 0 || off > s.size || int64(len(b)) > s.size-off {
		return malformed(s.f, "truncated at offset %d (need %d of %d bytes)", off, len(b), s.size)
	}
	n, err := s.r.ReadAt(b, off)
	if n == len(b) {
		return nil
	}
	if err == nil || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return malformed(s.f, "short read at offset %d", off)
	}
	return cumulus.Wrap(op, err)
}

func isMalformed(err error) bool { return errors.Is(err, ErrMalformed) }

var (
	be = binary.BigEndian
	le = binary.LittleEndian
)

// jpegMaxSegments bounds the marker walk before SOF: real files have a few
// dozen segments, a crafted one could have millions of empty ones.
const jpegMaxSegments = 4096

func jpegDims(s *src) (Dims, error) {
	d := Dims{Pages: 1}
	off := int64(2)
	var hdr [4]byte
	for range jpegMaxSegments {
		if err := s.readInto(off, hdr[:2]); err != nil {
			return d, err
		}
		if hdr[0] != 0xFF {
			return d, malformed(s.f, "no marker at offset %d", off)
		}
		m := hdr[1]
		switch {
		case m == 0xFF: // fill byte
			off++
			continue
		case m == 0x01 || m >= 0xD0 && m <= 0xD8: // TEM, RSTn, SOI: no length
			off += 2
			continue
		case m == 0xD9 || m == 0xDA:
			return d, malformed(s.f, "no frame header before marker %#x", m)
		}
		if err := s.readInto(off+2, hdr[2:4]); err != nil {
			return d, err
		}
		n := int64(be.Uint16(hdr[2:]))
		if n < 2 {
			return d, malformed(s.f, "segment length %d", n)
		}
		switch {
		case m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC:
			b, err := s.read(off+4, 5)
			if err != nil {
				return d, err
			}
			d.Height, d.Width = int(be.Uint16(b[1:])), int(be.Uint16(b[3:]))
			if d.Width == 0 || d.Height == 0 {
				// A zero height is legal (set later by DNL) but no
				// decoder we use accepts it.
				return d, malformed(s.f, "zero frame size")
			}
			return d, nil
		case m == 0xE1 && d.Orientation == 0 && n >= 8:
			// Only the first Exif APP1 counts; XMP also lives in APP1.
			b, err := s.read(off+4, 6)
			if err != nil {
				return d, err
			}
			if string(b) == "Exif\x00\x00" {
				// Read in place: the segment may be 64 KB of thumbnail.
				if off+2+n > s.size {
					return d, malformed(s.f, "truncated APP1 segment")
				}
				d.Orientation = exifOrientationAt(io.NewSectionReader(s.r, off+10, n-8), n-8)
			}
		}
		off += 2 + n
	}
	return d, malformed(s.f, "more than %d segments before the frame header", jpegMaxSegments)
}

// pngMaxChunks bounds the walk for acTL and eXIf, which come before IDAT.
const pngMaxChunks = 1024

func pngDims(s *src, opt Options) (Dims, error) {
	b, err := s.read(8, 8+13)
	if err != nil {
		return Dims{}, err
	}
	if string(b[4:8]) != "IHDR" || be.Uint32(b) != 13 {
		return Dims{}, malformed(s.f, "first chunk is not IHDR")
	}
	w, h := be.Uint32(b[8:]), be.Uint32(b[12:])
	if w == 0 || h == 0 || w > 1<<31-1 || h > 1<<31-1 {
		return Dims{}, malformed(s.f, "image size %dx%d", w, h)
	}
	d := Dims{Width: int(w), Height: int(h), Pages: 1}
	// The optional chunks are read leniently: a file cut short after IHDR
	// still has a known size, and the decoder will judge the rest.
	off := int64(8 + 12 + 13)
	var hdr [8]byte
	for range pngMaxChunks {
		if s.readInto(off, hdr[:]) != nil {
			break
		}
		n := int64(be.Uint32(hdr[:]))
		switch string(hdr[4:]) {
		case "IDAT", "IEND":
			return d, nil
		case "acTL":
			if c, err := s.read(off+8, 4); err == nil && be.Uint32(c) > 0 {
				d.Pages, d.PagesOverLimit = capPages(int64(be.Uint32(c)), opt)
			}
		case "eXIf":
			if c, err := s.read(off+8, int(min(n, 1<<16))); err == nil {
				d.Orientation = exifOrientation(c)
			}
		}
		off += 12 + n
	}
	return d, nil
}

func capPages(n int64, opt Options) (int, bool) {
	if n > int64(opt.MaxPages) {
		return opt.MaxPages, true
	}
	return int(n), false
}

func gifDims(s *src, opt Options) (Dims, error) {
	b, err := s.read(6, 7)
	if err != nil {
		return Dims{}, err
	}
	d := Dims{Width: int(le.Uint16(b)), Height: int(le.Uint16(b[2:]))}
	// Frames are counted by walking the blocks through a buffer: the image
	// data is a chain of sub-blocks of at most 255 bytes each.
	br := bufio.NewReaderSize(io.NewSectionReader(s.r, 0, s.size), 16<<10)
	if _, err := br.Discard(13); err != nil {
		return Dims{}, malformed(s.f, "truncated screen descriptor")
	}
	if b[4]&0x80 != 0 {
		if _, err := br.Discard(3 << (b[4]&7 + 1)); err != nil {
			return Dims{}, malformed(s.f, "truncated colour table")
		}
	}
	frames, walkErr := gifWalk(br, opt.MaxPages)
	if frames == 0 {
		if walkErr == nil {
			walkErr = fmt.Errorf("%w: no image", ErrMalformed)
		}
		return Dims{}, gifErr(s.f, walkErr)
	}
	if frames > opt.MaxPages {
		d.Pages, d.PagesOverLimit = opt.MaxPages, true
	} else {
		d.Pages = frames
	}
	// A walk that fails after the first frame still counted what is there:
	// browsers show truncated GIFs, so the file is not rejected here.
	if walkErr != nil && !isMalformed(walkErr) && !errors.Is(walkErr, io.EOF) && !errors.Is(walkErr, io.ErrUnexpectedEOF) {
		return Dims{}, cumulus.Wrap(op, walkErr)
	}
	return d, nil
}

func gifErr(f Format, err error) error {
	if isMalformed(err) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return malformed(f, "%v", err)
	}
	return cumulus.Wrap(op, err)
}

// gifWalk counts image descriptors up to limit+1 and returns at the trailer,
// the limit, or the first error.
func gifWalk(br *bufio.Reader, limit int) (int, error) {
	frames := 0
	for frames <= limit {
		intro, err := br.ReadByte()
		if err != nil {
			return frames, err
		}
		switch intro {
		case 0x3B: // trailer
			return frames, nil
		case 0x21: // extension: label, then sub-blocks
			if _, err := br.ReadByte(); err != nil {
				return frames, err
			}
		case 0x2C: // image descriptor, optional local colour table, LZW code size
			desc := make([]byte, 9)
			if _, err := io.ReadFull(br, desc); err != nil {
				return frames, err
			}
			skip := 1
			if desc[8]&0x80 != 0 {
				skip += 3 << (desc[8]&7 + 1)
			}
			if _, err := br.Discard(skip); err != nil {
				return frames, err
			}
			frames++
		default:
			return frames, fmt.Errorf("%w: block introducer %#x", ErrMalformed, intro)
		}
		for {
			n, err := br.ReadByte()
			if err != nil {
				return frames, err
			}
			if n == 0 {
				break
			}
			if _, err := br.Discard(int(n)); err != nil {
				return frames, err
			}
		}
	}
	return frames, nil
}

// webpMaxChunks bounds the chunk walk beyond the frames counted.
const webpMaxChunks = 64

func webpDims(s *src, opt Options) (Dims, error) {
	b, err := s.read(12, 18)
	if err != nil {
		return Dims{}, err
	}
	d := Dims{Pages: 1}
	switch string(b[:4]) {
	case "VP8 ":
		if b[11] != 0x9D || b[12] != 0x01 || b[13] != 0x2A {
			return Dims{}, malformed(s.f, "no VP8 start code")
		}
		d.Width, d.Height = int(le.Uint16(b[14:])&0x3FFF), int(le.Uint16(b[16:])&0x3FFF)
	case "VP8L":
		if b[8] != 0x2F {
			return Dims{}, malformed(s.f, "no VP8L signature")
		}
		v := le.Uint32(b[9:])
		d.Width, d.Height = int(v&0x3FFF)+1, int(v>>14&0x3FFF)+1
	case "VP8X":
		flags := b[8]
		d.Width = int(uint32(b[12])|uint32(b[13])<<8|uint32(b[14])<<16) + 1
		d.Height = int(uint32(b[15])|uint32(b[16])<<8|uint32(b[17])<<16) + 1
		if flags&(0x02|0x08) != 0 { // animation or EXIF
			if err := webpChunks(s, &d, flags&0x02 != 0, opt); err != nil {
				return Dims{}, err
			}
		}
	default:
		return Dims{}, malformed(s.f, "unknown first chunk %q", b[:4])
	}
	if d.Width == 0 || d.Height == 0 {
		return Dims{}, malformed(s.f, "zero image size")
	}
	return d, nil
}

// webpChunks walks an extended WebP's chunks to count ANMF frames and read
// the EXIF orientation.
func webpChunks(s *src, d *Dims, animated bool, opt Options) error {
	end := s.size
	if hdr, err := s.read(4, 4); err == nil && int64(le.Uint32(hdr))+8 < end {
		end = int64(le.Uint32(hdr)) + 8
	}
	frames := 0
	var hdr [8]byte
	for off, i := int64(12), 0; off+8 <= end && i < opt.MaxPages+webpMaxChunks; i++ {
		if err := s.readInto(off, hdr[:]); err != nil {
			return err
		}
		n := int64(le.Uint32(hdr[4:]))
		switch string(hdr[:4]) {
		case "ANMF":
			frames++
			if frames > opt.MaxPages {
				d.Pages, d.PagesOverLimit = opt.MaxPages, true
				return nil
			}
		case "EXIF":
			if b, err := s.read(off+8, int(min(n, 1<<16))); err == nil {
				// Some writers keep JPEG's "Exif\0\0" prefix.
				if len(b) >= 6 && string(b[:6]) == "Exif\x00\x00" {
					b = b[6:]
				}
				d.Orientation = exifOrientation(b)
			}
		}
		off += 8 + n + n&1
	}
	if animated {
		if frames == 0 {
			return malformed(s.f, "animation without frames")
		}
		d.Pages = frames
	}
	return nil
}

func bmpDims(s *src) (Dims, error) {
	b, err := s.read(14, 12)
	if err != nil {
		return Dims{}, err
	}
	var w, h int64
	if le.Uint32(b) == 12 { // OS/2 BITMAPCOREHEADER: 16-bit sizes
		w, h = int64(le.Uint16(b[4:])), int64(le.Uint16(b[6:]))
	} else {
		// Height is negative for top-down bitmaps.
		w, h = int64(int32(le.Uint32(b[4:]))), int64(int32(le.Uint32(b[8:])))
		if h < 0 {
			h = -h
		}
	}
	if w <= 0 || h == 0 {
		return Dims{}, malformed(s.f, "image size %dx%d", w, h)
	}
	return Dims{Width: int(w), Height: int(h), Pages: 1}, nil
}

// icoDims reports the largest entry of an icon directory; Pages is the
// number of entries, capped at opt.MaxPages like every other count.
func icoDims(s *src, opt Options) (Dims, error) {
	b, err := s.read(4, 2)
	if err != nil {
		return Dims{}, err
	}
	n := int(le.Uint16(b))
	if n == 0 {
		return Dims{}, malformed(s.f, "empty icon directory")
	}
	dir, err := s.read(6, 16*n)
	if err != nil {
		return Dims{}, err
	}
	var d Dims
	d.Pages, d.PagesOverLimit = capPages(int64(n), opt)
	for i := range n {
		// A size byte of 0 means 256.
		w, h := int(dir[16*i]), int(dir[16*i+1])
		if w == 0 {
			w = 256
		}
		if h == 0 {
			h = 256
		}
		if w*h > d.Width*d.Height {
			d.Width, d.Height = w, h
		}
	}
	return d, nil
}

// psdDims reads a Photoshop (PSD or PSB) header; Pages is the number of
// layers, or 1 for a flat file.
func psdDims(s *src, opt Options) (Dims, error) {
	b, err := s.read(4, 22)
	if err != nil {
		return Dims{}, err
	}
	version := be.Uint16(b)
	h, w := be.Uint32(b[10:]), be.Uint32(b[14:])
	if (version != 1 && version != 2) || w == 0 || h == 0 || w > 300000 || h > 300000 {
		return Dims{}, malformed(s.f, "version %d, size %dx%d", version, w, h)
	}
	d := Dims{Width: int(w), Height: int(h), Pages: 1}
	// Colour mode data and image resources have 4-byte lengths; the layer
	// and mask section and the layer info inside it have 8-byte ones in PSB.
	off := int64(26)
	for range 2 {
		n, err := s.read(off, 4)
		if err != nil {
			return Dims{}, err
		}
		off += 4 + int64(be.Uint32(n))
	}
	lw := 4
	if version == 2 {
		lw = 8
	}
	// The layer count is optional information: a file cut short after the
	// header still has a known size. It follows the section's length and
	// the layer info's length, and is present only when the latter is not 0.
	if c, err := s.read(off, 2*lw+2); err == nil {
		info := uint64(be.Uint32(c[lw:]))
		if lw == 8 {
			info = be.Uint64(c[lw:])
		}
		// A negative count means the first alpha channel holds the merged
		// transparency; the magnitude is the count.
		n := int64(int16(be.Uint16(c[2*lw:])))
		if n < 0 {
			n = -n
		}
		if info > 0 && n > 0 {
			d.Pages, d.PagesOverLimit = capPages(n, opt)
		}
	}
	return d, nil
}

func svgFileDims(s *src, opt Options) (Dims, error) {
	b, err := s.read(0, int(min(s.size, opt.MaxScan, maxRead)))
	if err != nil {
		return Dims{}, err
	}
	if !isSVG(b) {
		return Dims{}, malformed(s.f, "no svg root element")
	}
	w, h := svgDims(b)
	return Dims{Width: w, Height: h, Pages: 1}, nil
}
