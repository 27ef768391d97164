// Package sniff recognises uploaded files by their content and reads image
// dimensions, orientation and page or frame counts from their headers only.
//
// Nothing here trusts a file name or a Content-Type, and nothing decodes
// pixels: Detect looks at the first HeadSize bytes, Dimensions walks the
// header through an io.ReaderAt with every read bounded by the file size and
// by small constants, so the caller can enforce pixel and frame limits before
// any decoder sees the bytes. Declared sizes are reported as declared
// (65535×65535 stays 65535×65535): limits are the caller's business.
package sniff

import (
	"bytes"
	"encoding/binary"
	"unicode/utf8"

	"github.com/cumulusmedia/cumulus"
)

// HeadSize is how many leading bytes Detect needs to reach its verdict. It
// is generous because an SVG may start with an XML prolog, comments and a
// DOCTYPE before its root element; fewer bytes still work for every binary
// format, which is recognised within its first 64 bytes.
const HeadSize = 8192

// Format is the name Cloudinary gives a file format: the extension it
// reports in the upload response's "format" field.
type Format string

// Image formats (resource type image). Cloudinary treats PDF as an image.
const (
	JPEG Format = "jpg"
	PNG  Format = "png"
	GIF  Format = "gif"
	WebP Format = "webp"
	AVIF Format = "avif"
	HEIC Format = "heic"
	TIFF Format = "tiff"
	BMP  Format = "bmp"
	ICO  Format = "ico"
	SVG  Format = "svg"
	PDF  Format = "pdf"
	PSD  Format = "psd"
	JXL  Format = "jxl"
)

// Video and audio formats (resource type video: Cloudinary stores audio as
// video resources).
const (
	MP4  Format = "mp4"
	MOV  Format = "mov"
	WebM Format = "webm"
	MKV  Format = "mkv"
	AVI  Format = "avi"
	FLV  Format = "flv"
	OGV  Format = "ogv"
	TS   Format = "ts"
	MP3  Format = "mp3"
	WAV  Format = "wav"
	OGG  Format = "ogg"
	FLAC Format = "flac"
	M4A  Format = "m4a"
	AAC  Format = "aac"
)

// Unknown is the format of every raw file. Cloudinary's upload response for
// a raw asset carries no "format" (the extension stays in the public ID), so
// raw files get no format here either, whatever Detect recognised; their
// MIME type still says what they are when Detect knows it.
const Unknown Format = ""

// Info is Detect's verdict on a file.
type Info struct {
	Format       Format
	ResourceType cumulus.ResourceType // Image, Video or Raw; never Auto
	MIME         string               // the type to serve the original with
}

var formats = map[Format]Info{
	JPEG: {JPEG, cumulus.Image, "image/jpeg"},
	PNG:  {PNG, cumulus.Image, "image/png"},
	GIF:  {GIF, cumulus.Image, "image/gif"},
	WebP: {WebP, cumulus.Image, "image/webp"},
	AVIF: {AVIF, cumulus.Image, "image/avif"},
	HEIC: {HEIC, cumulus.Image, "image/heic"},
	TIFF: {TIFF, cumulus.Image, "image/tiff"},
	BMP:  {BMP, cumulus.Image, "image/bmp"},
	ICO:  {ICO, cumulus.Image, "image/x-icon"},
	SVG:  {SVG, cumulus.Image, "image/svg+xml"},
	PDF:  {PDF, cumulus.Image, "application/pdf"},
	PSD:  {PSD, cumulus.Image, "image/vnd.adobe.photoshop"},
	JXL:  {JXL, cumulus.Image, "image/jxl"},
	MP4:  {MP4, cumulus.Video, "video/mp4"},
	MOV:  {MOV, cumulus.Video, "video/quicktime"},
	WebM: {WebM, cumulus.Video, "video/webm"},
	MKV:  {MKV, cumulus.Video, "video/x-matroska"},
	AVI:  {AVI, cumulus.Video, "video/x-msvideo"},
	FLV:  {FLV, cumulus.Video, "video/x-flv"},
	OGV:  {OGV, cumulus.Video, "video/ogg"},
	TS:   {TS, cumulus.Video, "video/mp2t"},
	MP3:  {MP3, cumulus.Video, "audio/mpeg"},
	WAV:  {WAV, cumulus.Video, "audio/wav"},
	OGG:  {OGG, cumulus.Video, "audio/ogg"},
	FLAC: {FLAC, cumulus.Video, "audio/flac"},
	M4A:  {M4A, cumulus.Video, "audio/mp4"},
	AAC:  {AAC, cumulus.Video, "audio/aac"},
}

// ResourceType returns the resource type files of format f are stored as:
// Raw for Unknown and for names this package does not know.
func (f Format) ResourceType() cumulus.ResourceType {
	if i, ok := formats[f]; ok {
		return i.ResourceType
	}
	return cumulus.Raw
}

// MIME returns the media type of format f, or application/octet-stream.
func (f Format) MIME() string {
	if i, ok := formats[f]; ok {
		return i.MIME
	}
	return octet
}

const octet = "application/octet-stream"

func raw(mime string) Info { return Info{Unknown, cumulus.Raw, mime} }

// Detect identifies a file from its first bytes (pass at least HeadSize of
// them, or the whole file when it is shorter). It never fails: a file it does
// not recognise is raw. Detection is by content only, so a PNG named x.jpg
// is a PNG and a text file named x.png is raw.
func Detect(head []byte) Info {
	if f := detect(head); f != Unknown {
		return formats[f]
	}
	return raw(rawMIME(head))
}

func detect(b []byte) Format {
	switch {
	case len(b) >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF:
		return JPEG
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return PNG
	case bytes.HasPrefix(b, []byte("GIF87a")), bytes.HasPrefix(b, []byte("GIF89a")):
		return GIF
	case len(b) >= 12 && string(b[:4]) == "RIFF":
		switch string(b[8:12]) {
		case "WEBP":
			return WebP
		case "WAVE":
			return WAV
		case "AVI ":
			return AVI
		}
	case len(b) >= 12 && string(b[4:8]) == "ftyp":
		return detectFtyp(b)
	case bytes.HasPrefix(b, []byte("II*\x00")), bytes.HasPrefix(b, []byte("MM\x00*")),
		bytes.HasPrefix(b, []byte("II+\x00")), bytes.HasPrefix(b, []byte("MM\x00+")):
		return TIFF
	case bytes.HasPrefix(b, []byte("8BPS")) && len(b) >= 6 && b[4] == 0 && (b[5] == 1 || b[5] == 2):
		return PSD
	case bytes.HasPrefix(b, []byte("%PDF-")):
		return PDF
	case bytes.HasPrefix(b, []byte{0xFF, 0x0A}), bytes.HasPrefix(b, jxlBoxSig):
		return JXL
	case isBMP(b):
		return BMP
	case isICO(b):
		return ICO
	case bytes.HasPrefix(b, []byte{0x1A, 0x45, 0xDF, 0xA3}):
		return detectEBML(b)
	case bytes.HasPrefix(b, []byte("FLV\x01")):
		return FLV
	case bytes.HasPrefix(b, []byte("OggS")):
		return detectOgg(b)
	case bytes.HasPrefix(b, []byte("fLaC")):
		return FLAC
	case bytes.HasPrefix(b, []byte("ID3")):
		return detectID3(b)
	case isMPEGAudio(b):
		return MP3
	case isADTS(b):
		return AAC
	case isTS(b):
		return TS
	}
	if isSVG(b) {
		return SVG
	}
	return Unknown
}

// jxlBoxSig is the signature box that opens a JPEG XL file in the ISOBMFF
// container.
var jxlBoxSig = []byte{0, 0, 0, 0x0C, 'J', 'X', 'L', ' ', 0x0D, 0x0A, 0x87, 0x0A}

// detectFtyp tells the ISO base media family apart by the ftyp box's major
// and compatible brands. Image brands win over video ones because HEIF and
// AVIF files also list generic brands such as mif1 or iso8.
func detectFtyp(b []byte) Format {
	n := int(binary.BigEndian.Uint32(b))
	if n < 16 || n > len(b) {
		n = min(len(b), 256)
	}
	brands := [][]byte{b[8:12]}
	for i := 16; i+4 <= n; i += 4 {
		brands = append(brands, b[i:i+4])
	}
	has := func(names ...string) bool {
		for _, br := range brands {
			for _, name := range names {
				if string(br) == name {
					return true
				}
			}
		}
		return false
	}
	major := string(b[8:12])
	switch {
	case has("avif", "avis"):
		return AVIF
	case has("heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1"):
		return HEIC
	case major == "qt  ":
		return MOV
	case major == "M4A " || major == "M4B " || major == "M4P ":
		return M4A
	case has("isom", "iso2", "iso3", "iso4", "iso5", "iso6", "iso8", "mp41", "mp42",
		"avc1", "dash", "mmp4", "M4V ", "M4VH", "M4VP", "f4v ", "MSNV", "3gp4", "3gp5", "3gp6", "3g2a"):
		return MP4
	case has("qt  "):
		return MOV
	}
	return Unknown
}

func isBMP(b []byte) bool {
	if len(b) < 18 || b[0] != 'B' || b[1] != 'M' {
		return false
	}
	// The DIB header size is one of a few fixed values; checking it keeps
	// text that happens to start with "BM" raw.
	switch binary.LittleEndian.Uint32(b[14:]) {
	case 12, 16, 40, 52, 56, 64, 108, 124:
		return true
	}
	return false
}

func isICO(b []byte) bool {
	if len(b) < 22 || b[0] != 0 || b[1] != 0 || b[2] != 1 || b[3] != 0 {
		return false
	}
	n := binary.LittleEndian.Uint16(b[4:])
	// First directory entry: reserved byte zero, colour planes 0 or 1.
	return n > 0 && b[9] == 0 && b[10] <= 1 && b[11] == 0
}

// detectEBML reads the DocType of a Matroska EBML header: "webm" or
// "matroska". Anything else in an EBML wrapper is not a video we know.
func detectEBML(b []byte) Format {
	p := 4
	size, n := ebmlVint(b[p:], true)
	if n == 0 {
		return Unknown
	}
	p += n
	end := len(b)
	if size >= 0 && int64(p)+size < int64(end) {
		end = p + int(size)
	}
	for p < end {
		id, n := ebmlVint(b[p:end], false)
		if n == 0 {
			break
		}
		p += n
		sz, n := ebmlVint(b[p:end], true)
		if n == 0 || sz < 0 || sz > int64(end-p-n) {
			break
		}
		p += n
		if id == 0x4282 {
			switch string(bytes.TrimRight(b[p:p+int(sz)], "\x00")) {
			case "webm":
				return WebM
			case "matroska":
				return MKV
			}
			return Unknown
		}
		p += int(sz)
	}
	return Unknown
}

// ebmlVint decodes an EBML variable-length integer and returns it with its
// length, or n == 0 when b does not hold one. With mask the length marker is
// removed (sizes); without it the marker stays (element IDs). An all-ones
// size means "unknown" and yields -1.
func ebmlVint(b []byte, mask bool) (v int64, n int) {
	if len(b) == 0 || b[0] == 0 {
		return 0, 0
	}
	n = 1
	for b[0]&(0x80>>(n-1)) == 0 {
		n++
	}
	if n > len(b) || (!mask && n > 4) {
		return 0, 0
	}
	first := int64(b[0])
	if mask {
		first &= 0xFF >> n
	}
	v, ones := first, first == int64(0xFF>>n)
	for _, c := range b[1:n] {
		v = v<<8 | int64(c)
		ones = ones && c == 0xFF
	}
	if mask && ones {
		return -1, n
	}
	return v, n
}

// detectOgg looks at the codec header in the first Ogg page: Theora is
// video, everything else (Vorbis, Opus, FLAC, Speex) audio.
func detectOgg(b []byte) Format {
	if len(b) < 27 {
		return OGG
	}
	p := 27 + int(b[26]) // after the segment table
	if p < len(b) && bytes.HasPrefix(b[p:], []byte("\x80theora")) {
		return OGV
	}
	return OGG
}

// detectID3 skips an ID3v2 tag and looks at what follows; a tag longer than
// the head is taken to precede MP3, which is what nearly always carries one.
func detectID3(b []byte) Format {
	if len(b) < 10 {
		return MP3
	}
	size := int(b[6]&0x7F)<<21 | int(b[7]&0x7F)<<14 | int(b[8]&0x7F)<<7 | int(b[9]&0x7F)
	p := 10 + size
	if b[5]&0x10 != 0 { // footer present
		p += 10
	}
	if p >= len(b) {
		return MP3
	}
	switch rest := b[p:]; {
	case bytes.HasPrefix(rest, []byte("fLaC")):
		return FLAC
	case isADTS(rest):
		return AAC
	}
	return MP3
}

// isMPEGAudio reports an MPEG-1/2/2.5 Layer III frame header with a valid
// bitrate and sample rate, so random bytes rarely pass.
func isMPEGAudio(b []byte) bool {
	if len(b) < 4 || b[0] != 0xFF || b[1]&0xE0 != 0xE0 {
		return false
	}
	version, layer := (b[1]>>3)&3, (b[1]>>1)&3
	bitrate, rate := b[2]>>4, (b[2]>>2)&3
	return version != 1 && layer == 1 && bitrate != 0 && bitrate != 15 && rate != 3
}

// isADTS reports an AAC ADTS frame header (sync word, layer 0).
func isADTS(b []byte) bool {
	if len(b) < 7 || b[0] != 0xFF || b[1]&0xF6 != 0xF0 {
		return false
	}
	return (b[2]>>2)&0xF < 13 // sampling frequency index
}

// isTS reports an MPEG transport stream: sync bytes every 188 bytes.
func isTS(b []byte) bool {
	if len(b) < 3*188 {
		return false
	}
	return b[0] == 0x47 && b[188] == 0x47 && b[376] == 0x47
}

// rawMIME names the common raw files so that they are served with a useful
// type; it never makes a file an image or a video.
func rawMIME(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte("PK\x03\x04")), bytes.HasPrefix(b, []byte("PK\x05\x06")):
		return "application/zip"
	case bytes.HasPrefix(b, []byte{0x1F, 0x8B}):
		return "application/gzip"
	case bytes.HasPrefix(b, []byte("7z\xBC\xAF\x27\x1C")):
		return "application/x-7z-compressed"
	case len(b) == 0:
		return octet
	}
	if !isText(b) {
		return octet
	}
	t := bytes.TrimLeft(bytes.TrimPrefix(b, utf8BOM), " \t\r\n")
	switch {
	case len(t) > 0 && (t[0] == '{' || t[0] == '['):
		return "application/json"
	case bytes.HasPrefix(t, []byte("<?xml")):
		return "application/xml"
	}
	return "text/plain; charset=utf-8"
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// isText reports whether b is UTF-8 without control characters other than
// whitespace. A rune cut by the end of the head is allowed.
func isText(b []byte) bool {
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' || c == 0x7F {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return len(b)-i < utf8.UTFMax && !utf8.FullRune(b[i:])
		}
		i += n
	}
	return true
}
