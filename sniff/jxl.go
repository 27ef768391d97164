package sniff

import "bytes"

// jxlDims reads the SizeHeader and the orientation at the start of a JPEG XL
// codestream, bare or inside the ISOBMFF container (jxlc or the first jxlp
// box). The size is the stored one; decoders apply the orientation.
func jxlDims(s *src) (Dims, error) {
	start, end := int64(2), s.size
	if head, err := s.read(0, 2); err != nil {
		return Dims{}, err
	} else if !bytes.Equal(head, []byte{0xFF, 0x0A}) {
		typ, off, n, err := topBox(s, "jxlc", "jxlp")
		if err != nil {
			return Dims{}, err
		}
		start, end = off, off+n
		if typ == "jxlp" { // a 4-byte part index precedes the data
			start += 4
		}
		sig, err := s.read(start, 2)
		if err != nil {
			return Dims{}, err
		}
		if !bytes.Equal(sig, []byte{0xFF, 0x0A}) {
			return Dims{}, malformed(s.f, "codestream signature missing")
		}
		start += 2
	}
	// The SizeHeader and the orientation take at most 12 bytes; a short
	// read past the end shows up as missing bits.
	b, err := s.read(start, int(max(0, min(16, end-start))))
	if err != nil {
		return Dims{}, err
	}
	br := &bitReader{b: b}
	small := br.bits(1) == 1
	var w, h uint64
	if small {
		h = (br.bits(5) + 1) * 8
	} else {
		h = br.u32size()
	}
	ratio := br.bits(3)
	switch {
	case ratio != 0:
		num := [8]uint64{0, 1, 12, 4, 3, 16, 5, 2}[ratio]
		den := [8]uint64{1, 1, 10, 3, 2, 9, 4, 1}[ratio]
		w = h * num / den
	case small:
		w = (br.bits(5) + 1) * 8
	default:
		w = br.u32size()
	}
	d := Dims{Width: int(w), Height: int(h), Pages: 1, Orientation: 1}
	// ImageMetadata: all_default, then extra_fields, then the orientation.
	if br.bits(1) == 0 && br.bits(1) == 1 {
		d.Orientation = int(br.bits(3)) + 1
	}
	if br.short {
		return Dims{}, malformed(s.f, "truncated size header")
	}
	return d, nil
}

// bitReader reads JPEG XL's least-significant-bit-first fields. Reading past
// the end yields zeros and sets short.
type bitReader struct {
	b     []byte
	pos   int // in bits
	short bool
}

func (r *bitReader) bits(n int) uint64 {
	var v uint64
	for i := range n {
		if r.pos/8 >= len(r.b) {
			r.short = true
			return 0
		}
		v |= uint64(r.b[r.pos/8]>>(r.pos%8)&1) << i
		r.pos++
	}
	return v
}

// u32size reads a dimension coded as U32(1+u(9), 1+u(13), 1+u(18), 1+u(30)).
func (r *bitReader) u32size() uint64 {
	return r.bits([4]int{9, 13, 18, 30}[r.bits(2)]) + 1
}
