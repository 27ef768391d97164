package sniff

import (
	"bytes"
	"encoding/binary"
	"io"
)

// tiffLayout is the shape of a TIFF file: byte order, and the field widths
// that differ between classic TIFF and BigTIFF.
type tiffLayout struct {
	bo                            binary.ByteOrder
	countSize, entrySize, ptrSize int
}

// tiffMaxEntries bounds how much of an IFD is read. Entries are sorted by
// tag and the ones needed here (256, 257, 274) come first.
const tiffMaxEntries = 512

// tiffTags are the IFD0 values read: width, height, orientation.
type tiffTags struct{ width, height, orientation uint64 }

// tiffHeader reads the byte order and the first IFD's offset.
func tiffHeader(s *src) (tiffLayout, int64, error) {
	b, err := s.read(0, 8)
	if err != nil {
		return tiffLayout{}, 0, err
	}
	var l tiffLayout
	switch string(b[:2]) {
	case "II":
		l.bo = binary.LittleEndian
	case "MM":
		l.bo = binary.BigEndian
	default:
		return l, 0, malformed(s.f, "no byte order mark")
	}
	switch l.bo.Uint16(b[2:]) {
	case 42:
		l.countSize, l.entrySize, l.ptrSize = 2, 12, 4
		return l, int64(l.bo.Uint32(b[4:])), nil
	case 43: // BigTIFF: 8-byte offsets
		l.countSize, l.entrySize, l.ptrSize = 8, 20, 8
		if l.bo.Uint16(b[4:]) != 8 {
			return l, 0, malformed(s.f, "BigTIFF offset size %d", l.bo.Uint16(b[4:]))
		}
		p, err := s.read(8, 8)
		if err != nil {
			return l, 0, err
		}
		off := l.bo.Uint64(p)
		if off > uint64(s.size) {
			return l, 0, malformed(s.f, "IFD offset %d past the end", off)
		}
		return l, int64(off), nil
	}
	return l, 0, malformed(s.f, "bad magic number")
}

func (l tiffLayout) uint(b []byte) uint64 {
	if len(b) == 8 {
		return l.bo.Uint64(b)
	}
	if len(b) == 4 {
		return uint64(l.bo.Uint32(b))
	}
	return uint64(l.bo.Uint16(b))
}

// ifdCount reads the number of entries of the IFD at off.
func (l tiffLayout) ifdCount(s *src, off int64) (uint64, error) {
	b, err := s.read(off, l.countSize)
	if err != nil {
		return 0, err
	}
	n := l.uint(b)
	if n > uint64(s.size)/uint64(l.entrySize) {
		return 0, malformed(s.f, "IFD at %d claims %d entries", off, n)
	}
	return n, nil
}

// readTags reads width, height and orientation from the IFD at off.
func (l tiffLayout) readTags(s *src, off int64) (tiffTags, error) {
	n, err := l.ifdCount(s, off)
	if err != nil {
		return tiffTags{}, err
	}
	b, err := s.read(off+int64(l.countSize), int(min(n, tiffMaxEntries))*l.entrySize)
	if err != nil {
		return tiffTags{}, err
	}
	var t tiffTags
	for e := b; len(e) >= l.entrySize; e = e[l.entrySize:] {
		tag, typ := l.bo.Uint16(e), l.bo.Uint16(e[2:])
		count := l.uint(e[4 : 4+l.ptrSize])
		val := e[4+l.ptrSize : l.entrySize]
		if count != 1 {
			continue
		}
		// Values are left-justified in the value field.
		var v uint64
		switch typ {
		case 3: // SHORT
			v = uint64(l.bo.Uint16(val))
		case 4: // LONG
			v = uint64(l.bo.Uint32(val))
		case 16: // LONG8 (BigTIFF)
			if l.ptrSize != 8 {
				continue
			}
			v = l.bo.Uint64(val)
		default:
			continue
		}
		switch tag {
		case 256:
			t.width = v
		case 257:
			t.height = v
		case 274:
			t.orientation = v
		}
	}
	return t, nil
}

func tiffDims(s *src, opt Options) (Dims, error) {
	l, ifd, err := tiffHeader(s)
	if err != nil {
		return Dims{}, err
	}
	t, err := l.readTags(s, ifd)
	if err != nil {
		return Dims{}, err
	}
	if t.width == 0 || t.height == 0 || t.width > 1<<31-1 || t.height > 1<<31-1 {
		return Dims{}, malformed(s.f, "image size %dx%d", t.width, t.height)
	}
	d := Dims{Width: int(t.width), Height: int(t.height), Orientation: int(min(t.orientation, 9))}
	// Every IFD in the chain is a page, as libvips counts them. A chain
	// that loops back is malformed; the visited set is bounded by the cap.
	seen := make(map[int64]bool)
	for off := ifd; off != 0; {
		if seen[off] {
			return Dims{}, malformed(s.f, "IFD chain loops at %d", off)
		}
		seen[off] = true
		d.Pages++
		if d.Pages > opt.MaxPages {
			d.Pages, d.PagesOverLimit = opt.MaxPages, true
			break
		}
		n, err := l.ifdCount(s, off)
		if err != nil {
			return Dims{}, err
		}
		p, err := s.read(off+int64(l.countSize)+int64(n)*int64(l.entrySize), l.ptrSize)
		if err != nil {
			return Dims{}, err
		}
		next := l.uint(p)
		if next > uint64(s.size) {
			return Dims{}, malformed(s.f, "IFD offset %d past the end", next)
		}
		off = int64(next)
	}
	return d, nil
}

// exifOrientation reads the orientation tag from EXIF data (a TIFF
// structure, as in a JPEG APP1 segment after "Exif\0\0"). It returns 1 when
// the data has none or is damaged: a bad EXIF block must not fail an image
// whose pixels are fine.
func exifOrientation(b []byte) int {
	return exifOrientationAt(bytes.NewReader(b), int64(len(b)))
}

// exifOrientationAt is exifOrientation on size bytes read from r.
func exifOrientationAt(r io.ReaderAt, size int64) int {
	s := &src{r: r, size: size, f: TIFF}
	l, ifd, err := tiffHeader(s)
	if err != nil {
		return 1
	}
	t, err := l.readTags(s, ifd)
	if err != nil || t.orientation < 1 || t.orientation > 8 {
		return 1
	}
	return int(t.orientation)
}
