package postgres

import (
	"strconv"
	"strings"
	"testing"
)

func TestRebind(t *testing.T) {
	cases := []struct {
		name, in, want string
		n              int
	}{
		{"None", "SELECT 1", "SELECT 1", 0},
		{"InOrder", "a = ? AND b IN (?,?)", "a = $1 AND b IN ($2,$3)", 3},
		{"TenAndMore", strings.Repeat("?,", 10) + "?", "$1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11", 11},
		{"QuotedLiteral", "x = '?' AND y = ?", "x = '?' AND y = $1", 1},
		{"EscapedQuote", "x = 'it''s ?' AND y = ?", "x = 'it''s ?' AND y = $1", 1},
		{"QuotedIdentifier", `"odd?col" = ?`, `"odd?col" = $1`, 1},
		{"CompiledFolderFilter", "(substr(a.public_id, 1, ?) = ? AND instr(substr(a.public_id, ?), '/') = 0)",
			"(substr(a.public_id, 1, $1) = $2 AND instr(substr(a.public_id, $3), '/') = 0)", 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, n := rebind(c.in)
			if got != c.want || n != c.n {
				t.Fatalf("rebind(%q) = %q, %d; want %q, %d", c.in, got, n, c.want, c.n)
			}
		})
	}
}

// FuzzRebind checks that rebind replaces exactly the unquoted '?' with
// $1, $2, … in order and leaves every other byte as it was.
func FuzzRebind(f *testing.F) {
	for _, s := range []string{"a = ?", "'?' ?", `"?" ?`, "'it''s' ?", "'unclosed ?", "??", "x?y?z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if strings.Contains(in, "$") {
			return // then a $n in the output could be the input's own
		}
		out, n := rebind(in)
		// Map back: each $k must be the next number, and becomes '?'.
		var b strings.Builder
		k := 0
		for i := 0; i < len(out); i++ {
			if out[i] != '$' {
				b.WriteByte(out[i])
				continue
			}
			k++
			num := strconv.Itoa(k)
			if !strings.HasPrefix(out[i+1:], num) {
				t.Fatalf("rebind(%q) = %q: placeholder %d is out of order", in, out, k)
			}
			b.WriteByte('?')
			i += len(num)
		}
		if k != n || b.String() != in {
			t.Fatalf("rebind(%q) = %q, %d: does not map back (%d placeholders)", in, out, n, k)
		}
	})
}
