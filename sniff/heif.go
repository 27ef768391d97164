package sniff

// ISO base media file format boxes, as used by AVIF, HEIC and the JPEG XL
// container.

// maxTopBoxes bounds the walk over a file's top-level boxes: the boxes
// wanted here come within the first few.
const maxTopBoxes = 64

// topBox finds the first top-level box of one of the given types and returns
// its type, the offset of its payload and the payload's length.
func topBox(s *src, types ...string) (typ string, off, n int64, err error) {
	return boxIn(s, 0, s.size, types...)
}

// boxIn is topBox within the bytes [start, end) of the file: the payload of
// a container box.
func boxIn(s *src, start, end int64, types ...string) (typ string, off, n int64, err error) {
	var hdr [16]byte
	for pos, i := start, 0; pos < end && i < maxTopBoxes; i++ {
		if err := s.readInto(pos, hdr[:8]); err != nil {
			return "", 0, 0, err
		}
		size, h := int64(be.Uint32(hdr[:])), int64(8)
		switch size {
		case 0: // to the end of the container
			size = end - pos
		case 1: // 64-bit size follows the type
			if err := s.readInto(pos+8, hdr[8:16]); err != nil {
				return "", 0, 0, err
			}
			u := be.Uint64(hdr[8:])
			if u > uint64(end-pos) {
				return "", 0, 0, malformed(s.f, "box of %d bytes past the end", u)
			}
			size, h = int64(u), 16
		}
		if size < h || size > end-pos {
			return "", 0, 0, malformed(s.f, "box %q of %d bytes at %d", hdr[4:8], size, pos)
		}
		t := string(hdr[4:8])
		for _, want := range types {
			if t == want {
				return t, pos + h, size - h, nil
			}
		}
		pos += size
	}
	return "", 0, 0, malformed(s.f, "no %v box", types)
}

// nextBox splits the first box off b: its type, its payload and what
// follows. ok is false when b does not start with a whole box.
func nextBox(b []byte) (typ string, body, rest []byte, ok bool) {
	if len(b) < 8 {
		return "", nil, nil, false
	}
	size, h := uint64(be.Uint32(b)), uint64(8)
	switch size {
	case 0:
		size = uint64(len(b))
	case 1:
		if len(b) < 16 {
			return "", nil, nil, false
		}
		size, h = be.Uint64(b[8:]), 16
	}
	if size < h || size > uint64(len(b)) {
		return "", nil, nil, false
	}
	return string(b[4:8]), b[h:size], b[size:], true
}

// heifDims reads the primary image's size (ispe) and rotation (irot) from
// the meta box of an AVIF or HEIC file. The ispe of a grid image is the
// whole picture, not a tile, so iPhone photos get their full size.
func heifDims(s *src) (Dims, error) {
	_, off, n, err := topBox(s, "meta")
	if err != nil {
		return Dims{}, err
	}
	if n > maxRead {
		return Dims{}, malformed(s.f, "meta box of %d bytes", n)
	}
	meta, err := s.read(off, int(n))
	if err != nil {
		return Dims{}, err
	}
	if len(meta) < 4 {
		return Dims{}, malformed(s.f, "short meta box")
	}
	var (
		primary    uint32
		hasPitm    bool
		props      []heifProp
		ipmaBodies [][]byte
	)
	for b := meta[4:]; ; { // meta is a full box: skip version and flags
		typ, body, rest, ok := nextBox(b)
		if !ok {
			break
		}
		b = rest
		switch typ {
		case "pitm":
			if len(body) >= 6 && body[0] == 0 {
				primary, hasPitm = uint32(be.Uint16(body[4:])), true
			} else if len(body) >= 8 {
				primary, hasPitm = be.Uint32(body[4:]), true
			}
		case "iprp":
			for c := body; ; {
				typ, body, rest, ok := nextBox(c)
				if !ok {
					break
				}
				c = rest
				switch typ {
				case "ipco":
					props = heifProps(body)
				case "ipma":
					ipmaBodies = append(ipmaBodies, body)
				}
			}
		}
	}
	d := Dims{Pages: 1}
	if hasPitm {
		for _, body := range ipmaBodies {
			for _, idx := range ipmaIndices(body, primary) {
				if idx < 1 || idx > len(props) {
					continue
				}
				p := props[idx-1]
				switch p.typ {
				case "ispe":
					d.Width, d.Height = p.w, p.h
				case "irot":
					d.Orientation = p.orientation
				}
			}
		}
	}
	if d.Width == 0 || d.Height == 0 {
		// No usable association: take the largest declared size, which
		// is the main image rather than a thumbnail or a tile.
		for _, p := range props {
			if p.typ == "ispe" && p.w*p.h > d.Width*d.Height {
				d.Width, d.Height = p.w, p.h
			}
		}
	}
	if d.Width == 0 || d.Height == 0 {
		return Dims{}, malformed(s.f, "no image size")
	}
	return d, nil
}

// heifProp is one item property from ipco; only ispe and irot are read.
type heifProp struct {
	typ         string
	w, h        int
	orientation int
}

// heifProps lists the properties in an ipco box, in order (ipma indexes
// them from 1).
func heifProps(b []byte) []heifProp {
	var props []heifProp
	for len(props) < 4096 {
		typ, body, rest, ok := nextBox(b)
		if !ok {
			break
		}
		b = rest
		p := heifProp{typ: typ}
		switch typ {
		case "ispe": // full box, then 32-bit width and height
			if len(body) >= 12 {
				w, h := be.Uint32(body[4:]), be.Uint32(body[8:])
				if w <= 1<<31-1 && h <= 1<<31-1 {
					p.w, p.h = int(w), int(h)
				}
			}
		case "irot": // anticlockwise quarter turns, as EXIF orientations
			if len(body) >= 1 {
				p.orientation = [4]int{1, 8, 3, 6}[body[0]&3]
			}
		}
		props = append(props, p)
	}
	return props
}

// ipmaIndices returns the property indices an ipma box associates with item.
func ipmaIndices(b []byte, item uint32) []int {
	if len(b) < 8 {
		return nil
	}
	version, wide := b[0], b[3]&1 != 0
	count := be.Uint32(b[4:])
	p := 8
	for range count {
		var id uint32
		if version < 1 {
			if p+2 > len(b) {
				return nil
			}
			id, p = uint32(be.Uint16(b[p:])), p+2
		} else {
			if p+4 > len(b) {
				return nil
			}
			id, p = be.Uint32(b[p:]), p+4
		}
		if p >= len(b) {
			return nil
		}
		n := int(b[p])
		p++
		w := 1
		if wide {
			w = 2
		}
		if p+n*w > len(b) {
			return nil
		}
		if id == item {
			idx := make([]int, n)
			for i := range n {
				if wide {
					idx[i] = int(be.Uint16(b[p+2*i:]) & 0x7FFF)
				} else {
					idx[i] = int(b[p+i] & 0x7F)
				}
			}
			return idx
		}
		p += n * w
	}
	return nil
}
