package upload

import (
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/cumulusmedia/cumulus"
)

// Params are the text fields of an API request exactly as received: array
// fields may be spelled key[], key[0], key[1]… or be comma-joined.
type Params url.Values

var indexed = regexp.MustCompile(`^(.+)\[(\d*)\]$`)

// Get returns the first value of key, or of its array spellings joined by
// commas.
func (p Params) Get(key string) string {
	if v, ok := p[key]; ok && len(v) > 0 {
		return v[0]
	}
	return strings.Join(p.List(key), ",")
}

// Has reports whether key was sent in any spelling.
func (p Params) Has(key string) bool {
	if _, ok := p[key]; ok {
		return true
	}
	return len(p.List(key)) > 0
}

// List returns the values of an array parameter in order, whatever the
// SDK's spelling: key (comma-separated), key[] or key[N].
func (p Params) List(key string) []string {
	type item struct {
		idx int
		v   string
	}
	var items []item
	for k, vs := range p {
		if k == key {
			for _, v := range vs {
				for _, part := range strings.Split(v, ",") {
					if part = strings.TrimSpace(part); part != "" {
						items = append(items, item{-1, part})
					}
				}
			}
			continue
		}
		m := indexed.FindStringSubmatch(k)
		if m == nil || m[1] != key {
			continue
		}
		idx := -1
		if m[2] != "" {
			idx, _ = strconv.Atoi(m[2])
		}
		for _, v := range vs {
			items = append(items, item{idx, v})
		}
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].idx < items[j].idx })
	out := make([]string, 0, len(items))
	for _, it := range items {
		out = append(out, it.v)
	}
	return out
}

// Bool parses a boolean as the SDKs send it (true/false, 1/0), with def
// when absent or empty.
func (p Params) Bool(key string, def bool) (bool, error) {
	switch strings.ToLower(p.Get(key)) {
	case "":
		return def, nil
	case "true", "1":
		return true, nil
	case "false", "0":
		return false, nil
	}
	return false, cumulus.Errorf(cumulus.Invalid, "upload", "Invalid boolean parameter %s - %s", key, p.Get(key))
}

// Tags returns the tags parameter as a list; nil when it was not sent.
func (p Params) Tags() []string {
	if !p.Has("tags") {
		return nil
	}
	return dedupe(p.List("tags"))
}

func dedupe(list []string) []string {
	seen := map[string]bool{}
	out := []string{}
	for _, s := range list {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// ParseContext decodes Cloudinary's "k=v|k2=v2" context encoding, where a
// backslash escapes '=' and '|' inside keys and values.
func ParseContext(s string) map[string]string {
	out := map[string]string{}
	var pairs []string
	var cur strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && i+1 < len(s):
			cur.WriteByte('\\')
			cur.WriteByte(s[i+1])
			i++
		case c == '|':
			pairs = append(pairs, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	pairs = append(pairs, cur.String())
	for _, pair := range pairs {
		k, v := splitUnescaped(pair)
		if k = unescape(k); k != "" {
			out[k] = unescape(v)
		}
	}
	return out
}

func splitUnescaped(s string) (string, string) {
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			i++
			continue
		}
		if s[i] == '=' {
			return s[:i], s[i+1:]
		}
	}
	return s, ""
}

func unescape(s string) string {
	r := strings.NewReplacer(`\=`, "=", `\|`, "|", `\\`, `\`)
	return strings.TrimSpace(r.Replace(s))
}
