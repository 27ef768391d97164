package postgres

import (
	"strconv"
	"strings"
)

// rebind rewrites the '?' placeholders of query, the form SQLite and the
// admin package's compiled filters use, into PostgreSQL's $1, $2, … in
// order. A '?' inside a quoted literal ('…', a doubled quote escaping one)
// or a quoted identifier ("…") is text, not a placeholder, and is left
// alone; so are PostgreSQL's own placeholders, should query already hold
// some. It returns the new query and the number of placeholders.
func rebind(query string) (string, int) {
	if !strings.Contains(query, "?") {
		return query, 0
	}
	var b strings.Builder
	b.Grow(len(query) + 8)
	n := 0
	var quote byte // the quote we are inside, or 0
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case quote != 0:
			// A doubled quote is an escaped one and keeps us inside; the
			// next byte then toggles us back in after the first closes.
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String(), n
}
