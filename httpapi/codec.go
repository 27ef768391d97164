package httpapi

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"

	"github.com/cumulusmedia/cumulus"
	"github.com/cumulusmedia/cumulus/upload"
)

// newlineStripper drops CR and LF, which some clients put in base64.
type newlineStripper struct{ r io.Reader }

func (n newlineStripper) Read(p []byte) (int, error) {
	for {
		k, err := n.r.Read(p)
		j := 0
		for _, c := range p[:k] {
			if c != '\n' && c != '\r' {
				p[j] = c
				j++
			}
		}
		if j > 0 || err != nil {
			return j, err
		}
	}
}

// untilAmp reads up to (not including) the next '&', then reports EOF.
type untilAmp struct {
	r    *bufio.Reader
	done bool
}

func (u *untilAmp) Read(p []byte) (int, error) {
	if u.done {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) {
		c, err := u.r.ReadByte()
		if err != nil {
			u.done = true
			if n == 0 {
				return 0, io.EOF
			}
			return n, nil
		}
		if c == '&' {
			u.done = true
			break
		}
		p[n] = c
		n++
	}
	return n, nil
}

// percentDecoder undoes form encoding ('+' and %XX) on a stream.
type percentDecoder struct{ r *bufio.Reader }

func (d *percentDecoder) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c, err := d.r.ReadByte()
		if err != nil {
			if n == 0 {
				return 0, err
			}
			return n, nil
		}
		switch c {
		case '+':
			c = ' '
		case '%':
			var hex [2]byte
			if _, err := io.ReadFull(d.r, hex[:]); err != nil {
				return n, fmt.Errorf("truncated percent-escape")
			}
			var v byte
			if _, err := fmt.Sscanf(string(hex[:]), "%02x", &v); err != nil {
				return n, fmt.Errorf("bad percent-escape %%%s", hex[:])
			}
			c = v
		}
		p[n] = c
		n++
	}
	return n, nil
}

// parseJSON reads a JSON object body (Go's and Python's Admin calls).
// Arrays become repeated values; null values are dropped.
func (s *Server) parseJSON(body io.Reader, params upload.Params) (upload.Params, *upload.Spool, error) {
	var m map[string]any
	dec := json.NewDecoder(io.LimitReader(body, 16<<20))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return params, nil, cumulus.Errorf(cumulus.Invalid, "api.parse", "Malformed JSON body")
	}
	for k, v := range m {
		switch v := v.(type) {
		case nil:
		case []any:
			for _, e := range v {
				params[k+"[]"] = append(params[k+"[]"], jsonString(e))
			}
		default:
			params[k] = append(params[k], jsonString(v))
		}
	}
	return params, nil, nil
}

func jsonString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		return fmt.Sprint(v)
	default:
		b, _ := json.Marshal(v)
		return string(b)
	}
}
