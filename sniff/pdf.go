package sniff

import (
	"bytes"
	"strconv"
)

// pdfDims counts a PDF's pages, best effort: a linearized file states the
// count in its first object; otherwise page objects ("/Type /Page", not
// "/Pages") are counted in the first Options.MaxScan bytes. Pages stored in
// compressed object streams are invisible to that count, so Pages may be 0
// (unknown). Width and Height are always 0: a page size is not an image size
// until a renderer picks a density.
func pdfDims(s *src, opt Options) (Dims, error) {
	head, err := s.read(0, int(min(s.size, 1024)))
	if err != nil {
		return Dims{}, err
	}
	if !bytes.HasPrefix(head, []byte("%PDF-")) {
		return Dims{}, malformed(s.f, "no %%PDF- header")
	}
	if n := linearizedPages(head); n > 0 {
		p, over := capPages(n, opt)
		return Dims{Pages: p, PagesOverLimit: over}, nil
	}
	const chunk, overlap = 64 << 10, 64
	limit := min(s.size, opt.MaxScan)
	buf := make([]byte, chunk+overlap)
	pages := 0
	for pos := int64(0); pos < limit; pos += chunk {
		b := buf[:min(int64(len(buf)), limit-pos)]
		if err := s.readInto(pos, b); err != nil {
			return Dims{}, err
		}
		// A match starting in the overlap is counted by the next chunk.
		last := pos+int64(len(b)) >= limit
		for i := 0; ; {
			j := bytes.Index(b[i:], []byte("/Type"))
			if j < 0 {
				break
			}
			i += j + 5
			if !last && i-5 >= chunk {
				break
			}
			if isPageType(b[i:]) {
				pages++
				if pages > opt.MaxPages {
					return Dims{Pages: opt.MaxPages, PagesOverLimit: true}, nil
				}
			}
		}
		if last {
			break
		}
	}
	return Dims{Pages: pages}, nil
}

// isPageType reports whether b, which follows a "/Type" key, names the
// value /Page exactly (whitespace allowed in between).
func isPageType(b []byte) bool {
	b = bytes.TrimLeft(b, " \t\r\n\f\x00")
	if !bytes.HasPrefix(b, []byte("/Page")) {
		return false
	}
	if len(b) == 5 {
		return false // the file ends inside the name: no object follows
	}
	switch b[5] {
	case ' ', '\t', '\r', '\n', '\f', '\x00', '/', '>', '<', '[', ']', '(', ')', '{', '}', '%':
		return true
	}
	return false
}

// linearizedPages returns the /N entry of a linearization dictionary in the
// head of a PDF, or 0.
func linearizedPages(head []byte) int64 {
	i := bytes.Index(head, []byte("/Linearized"))
	if i < 0 {
		return 0
	}
	d := head[i:]
	if e := bytes.Index(d, []byte(">>")); e >= 0 {
		d = d[:e]
	}
	for {
		j := bytes.Index(d, []byte("/N"))
		if j < 0 {
			return 0
		}
		d = d[j+2:]
		t := bytes.TrimLeft(d, " \t\r\n")
		if len(t) == len(d) {
			continue // "/NameOfSomethingElse"
		}
		k := 0
		for k < len(t) && k < 10 && t[k] >= '0' && t[k] <= '9' {
			k++
		}
		n, err := strconv.ParseInt(string(t[:k]), 10, 64)
		if err != nil {
			return 0
		}
		return n
	}
}
