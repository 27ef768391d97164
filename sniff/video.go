package sniff

// mp4Dims reads the size of the first video track of an MP4 or QuickTime
// file from its track header (moov/trak/tkhd), and the rotation of its
// display matrix as an EXIF orientation. Audio-only files give zero sizes.
// Pages is 0: frames are not counted from headers.
func mp4Dims(s *src) (Dims, error) {
	_, moov, moovLen, err := topBox(s, "moov")
	if err != nil {
		return Dims{}, err
	}
	d := Dims{Orientation: 1}
	pos, end := moov, moov+moovLen
	for range maxTopBoxes {
		_, trak, trakLen, err := boxIn(s, pos, end, "trak")
		if err != nil {
			break // no more tracks
		}
		pos = trak + trakLen
		_, tkhd, tkhdLen, err := boxIn(s, trak, trak+trakLen, "tkhd")
		if err != nil {
			return Dims{}, err
		}
		// Version 1 has 64-bit times: 12 more bytes before the matrix.
		v, err := s.read(tkhd, 1)
		if err != nil {
			return Dims{}, err
		}
		m := int64(40)
		if v[0] == 1 {
			m = 52
		}
		if tkhdLen < m+44 {
			return Dims{}, malformed(s.f, "short track header")
		}
		b, err := s.read(tkhd+m, 44)
		if err != nil {
			return Dims{}, err
		}
		w, h := be.Uint32(b[36:])>>16, be.Uint32(b[40:])>>16 // 16.16 fixed point
		if w == 0 || h == 0 {
			continue // audio or metadata track
		}
		d.Width, d.Height = int(w), int(h)
		a, bb, c, dd := int32(be.Uint32(b)), int32(be.Uint32(b[4:])), int32(be.Uint32(b[12:])), int32(be.Uint32(b[16:]))
		switch {
		case a == 0 && bb > 0 && c < 0 && dd == 0:
			d.Orientation = 6 // shown turned 90° clockwise
		case a == 0 && bb < 0 && c > 0 && dd == 0:
			d.Orientation = 8
		case a < 0 && bb == 0 && c == 0 && dd < 0:
			d.Orientation = 3
		}
		return d, nil
	}
	return d, nil
}
