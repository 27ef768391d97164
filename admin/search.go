package admin

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cumulusmedia/cumulus"
)

// Limits of a search expression, so that parsing and the SQL it becomes
// stay small whatever a client sends.
const (
	maxExpressionBytes = 4096
	maxExpressionDepth = 32
	maxExpressionTerms = 64
)

// Expr is a parsed search expression.
type Expr interface{ expr() }

// And, Or and Not combine expressions; Term is one condition. Text is a
// bare word (Field empty) matched against public IDs and tags.
type (
	And  struct{ L, R Expr }
	Or   struct{ L, R Expr }
	Not  struct{ X Expr }
	Term struct {
		Field string // lower case; "" for bare text
		Op    string // ":", "=", "!=", "<", "<=", ">", ">="
		Value string
		Pos   int // 1-based byte position of the term, for errors
	}
)

func (And) expr()  {}
func (Or) expr()   {}
func (Not) expr()  {}
func (Term) expr() {}

type parser struct {
	s     string
	i     int
	depth int
	terms int
}

// queryError is Cloudinary's text for a malformed expression.
func queryError(pos int, detail string) error {
	return &cumulus.Error{Kind: cumulus.Invalid, Op: "admin.search", Message: fmt.Sprintf("Query Error (at position %d)", pos), Err: fmt.Errorf("%s", detail)}
}

// ParseExpression parses the subset of Cloudinary's search language that
// users write: field terms (tags=x, folder=a/b, resource_type:image,
// format=jpg, public_id:abc*, bytes>1mb, width>=100, created_at>1d,
// context.key=value), bare words, AND (also implied between terms), OR,
// NOT (or a leading '-') and parentheses. An empty expression is nil
// (everything). A bare '*' or a leading wildcard is refused, as Cloudinary
// does.
func ParseExpression(s string) (Expr, error) {
	if len(s) > maxExpressionBytes {
		return nil, queryError(maxExpressionBytes, "expression too long")
	}
	p := &parser{s: s}
	p.space()
	if p.i == len(s) {
		return nil, nil
	}
	e, err := p.or()
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i < len(s) {
		return nil, queryError(p.i+1, "unexpected "+strconv.Quote(s[p.i:p.i+1]))
	}
	return e, nil
}

func (p *parser) space() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n' || p.s[p.i] == '\r') {
		p.i++
	}
}

// keyword reports whether the keyword kw stands at the cursor.
func (p *parser) keyword(kw string) bool {
	if !strings.HasPrefix(p.s[p.i:], kw) {
		return false
	}
	j := p.i + len(kw)
	return j == len(p.s) || strings.ContainsRune(" \t\r\n(", rune(p.s[j]))
}

func (p *parser) or() (Expr, error) {
	l, err := p.and()
	if err != nil {
		return nil, err
	}
	for {
		p.space()
		if !p.keyword("OR") {
			return l, nil
		}
		p.i += 2
		r, err := p.and()
		if err != nil {
			return nil, err
		}
		l = Or{l, r}
	}
}

func (p *parser) and() (Expr, error) {
	l, err := p.unary()
	if err != nil {
		return nil, err
	}
	for {
		p.space()
		if p.i == len(p.s) || p.s[p.i] == ')' || p.keyword("OR") {
			return l, nil
		}
		if p.keyword("AND") {
			p.i += 3
		}
		r, err := p.unary()
		if err != nil {
			return nil, err
		}
		l = And{l, r}
	}
}

func (p *parser) unary() (Expr, error) {
	p.space()
	if p.depth++; p.depth > maxExpressionDepth {
		return nil, queryError(p.i+1, "expression nested too deeply")
	}
	defer func() { p.depth-- }()
	switch {
	case p.i == len(p.s):
		return nil, queryError(p.i+1, "expression ends early")
	case p.keyword("NOT"):
		p.i += 3
		x, err := p.unary()
		return Not{x}, err
	case p.s[p.i] == '-' && p.i+1 < len(p.s) && p.s[p.i+1] != ' ':
		p.i++
		x, err := p.unary()
		return Not{x}, err
	case p.s[p.i] == '(':
		start := p.i
		p.i++
		e, err := p.or()
		if err != nil {
			return nil, err
		}
		p.space()
		if p.i == len(p.s) || p.s[p.i] != ')' {
			return nil, queryError(start+1, "unclosed parenthesis")
		}
		p.i++
		return e, nil
	}
	return p.term()
}

func isOpByte(c byte) bool { return c == ':' || c == '=' || c == '<' || c == '>' || c == '!' }

func (p *parser) term() (Expr, error) {
	if p.terms++; p.terms > maxExpressionTerms {
		return nil, queryError(p.i+1, "too many terms")
	}
	start := p.i
	if p.s[p.i] == '"' {
		v, err := p.quoted()
		if err != nil {
			return nil, err
		}
		return Term{Value: v, Pos: start + 1}, nil
	}
	j := p.i
	for j < len(p.s) && !isOpByte(p.s[j]) && !strings.ContainsRune(" \t\r\n()\"", rune(p.s[j])) {
		j++
	}
	word := p.s[p.i:j]
	p.i = j
	if p.i < len(p.s) && isOpByte(p.s[p.i]) && word != "" {
		op := p.op()
		if op == "" {
			return nil, queryError(p.i+1, "unknown operator")
		}
		vpos := p.i
		var v string
		if p.i < len(p.s) && p.s[p.i] == '"' {
			var err error
			if v, err = p.quoted(); err != nil {
				return nil, err
			}
		} else {
			k := p.i
			for k < len(p.s) && !strings.ContainsRune(" \t\r\n()", rune(p.s[k])) {
				k++
			}
			v, p.i = p.s[p.i:k], k
			// "context.key:*" asks whether the key exists; elsewhere a
			// leading wildcard is refused.
			if strings.HasPrefix(v, "*") && !(v == "*" && strings.HasPrefix(strings.ToLower(word), "context.")) {
				return nil, queryError(vpos+1, "leading wildcard")
			}
		}
		return Term{Field: strings.ToLower(word), Op: op, Value: v, Pos: start + 1}, nil
	}
	if word == "" {
		return nil, queryError(p.i+1, "expected a term")
	}
	if strings.HasPrefix(word, "*") {
		return nil, queryError(start+1, "leading wildcard")
	}
	return Term{Value: word, Pos: start + 1}, nil
}

func (p *parser) op() string {
	for _, op := range []string{"<=", ">=", "!=", ":", "=", "<", ">"} {
		if strings.HasPrefix(p.s[p.i:], op) {
			p.i += len(op)
			return op
		}
	}
	return ""
}

// quoted reads a double-quoted string in which a backslash escapes the
// next byte.
func (p *parser) quoted() (string, error) {
	start := p.i
	p.i++
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '\\' && p.i+1 < len(p.s):
			b.WriteByte(p.s[p.i+1])
			p.i += 2
		case c == '"':
			p.i++
			return b.String(), nil
		default:
			b.WriteByte(c)
			p.i++
		}
	}
	return "", queryError(start+1, "unclosed quote")
}

// compiler turns an Expr into a cumulus.Filter over the columns the store
// documents (cumulus.AssetQuery.Filter).
type compiler struct {
	now  time.Time
	args []any
}

// CompileExpression returns the SQL condition for e, with every value
// bound as a parameter. now anchors relative dates ("created_at>1d").
func CompileExpression(e Expr, now time.Time) (*cumulus.Filter, error) {
	if e == nil {
		return nil, nil
	}
	c := &compiler{now: now}
	where, err := c.compile(e)
	if err != nil {
		return nil, err
	}
	return &cumulus.Filter{Where: where, Args: c.args}, nil
}

func (c *compiler) compile(e Expr) (string, error) {
	switch e := e.(type) {
	case And:
		return c.binary(e.L, e.R, " AND ")
	case Or:
		return c.binary(e.L, e.R, " OR ")
	case Not:
		x, err := c.compile(e.X)
		return "NOT (" + x + ")", err
	case Term:
		return c.term(e)
	}
	return "", fmt.Errorf("admin: unknown expression %T", e)
}

func (c *compiler) binary(l, r Expr, op string) (string, error) {
	a, err := c.compile(l)
	if err != nil {
		return "", err
	}
	b, err := c.compile(r)
	if err != nil {
		return "", err
	}
	return "(" + a + op + b + ")", nil
}

func (c *compiler) bind(v ...any) { c.args = append(c.args, v...) }

// stringColumns are exact-or-prefix fields; numberColumns compare.
var stringColumns = map[string]string{
	"resource_type": "a.resource_type",
	"type":          "a.type",
	"public_id":     "a.public_id",
	"asset_id":      "a.id",
	"format":        "v.format",
	"filename":      "v.original_filename",
}

var numberColumns = map[string]string{
	"bytes":  "v.bytes",
	"width":  "v.width",
	"height": "v.height",
	"pixels": "(v.width * v.height)",
	"pages":  "v.pages",
}

var timeColumns = map[string]string{
	"created_at":  "a.created_at",
	"uploaded_at": "v.created_at",
	"updated_at":  "a.updated_at",
}

func (c *compiler) term(t Term) (string, error) {
	bad := func(detail string) error { return queryError(t.Pos, detail) }
	eq := t.Op == ":" || t.Op == "="
	neg := t.Op == "!="
	wrap := func(cond string) string {
		if neg {
			return "NOT (" + cond + ")"
		}
		return cond
	}
	prefix, isPrefix := strings.CutSuffix(t.Value, "*")
	if strings.Contains(prefix, "*") {
		return "", bad("wildcards are only allowed at the end")
	}
	switch field := t.Field; {
	case field == "":
		c.bind(t.Value, t.Value)
		return "(instr(a.public_id, ?) > 0 OR EXISTS (SELECT 1 FROM tags t WHERE t.asset_id = a.id AND t.tag = ?))", nil
	case stringColumns[field] != "":
		if !eq && !neg {
			return "", bad(field + " cannot be compared with " + t.Op)
		}
		col := stringColumns[field]
		if isPrefix {
			c.bind(utf8.RuneCountInString(prefix), prefix)
			return wrap("substr(" + col + ", 1, ?) = ?"), nil
		}
		c.bind(t.Value)
		return wrap(col + " = ?"), nil
	case field == "tags" || field == "tag":
		if !eq && !neg {
			return "", bad("tags cannot be compared with " + t.Op)
		}
		if isPrefix {
			c.bind(utf8.RuneCountInString(prefix), prefix)
			return wrap("EXISTS (SELECT 1 FROM tags t WHERE t.asset_id = a.id AND substr(t.tag, 1, ?) = ?)"), nil
		}
		c.bind(t.Value)
		return wrap("EXISTS (SELECT 1 FROM tags t WHERE t.asset_id = a.id AND t.tag = ?)"), nil
	case field == "folder" || field == "asset_folder":
		if !eq && !neg {
			return "", bad("folder cannot be compared with " + t.Op)
		}
		folder := strings.Trim(prefix, "/")
		if isPrefix {
			if folder == "" {
				return wrap("1 = 1"), nil
			}
			c.bind(utf8.RuneCountInString(folder)+1, folder+"/")
			return wrap("substr(a.public_id, 1, ?) = ?"), nil
		}
		if folder == "" {
			return wrap("instr(a.public_id, '/') = 0"), nil
		}
		n := utf8.RuneCountInString(folder) + 1
		c.bind(n, folder+"/", n+1)
		return wrap("(substr(a.public_id, 1, ?) = ? AND instr(substr(a.public_id, ?), '/') = 0)"), nil
	case strings.HasPrefix(field, "context."):
		key := strings.TrimPrefix(field, "context.")
		if key == "" || (!eq && !neg) {
			return "", bad("context needs a key and ':' or '='")
		}
		k, _ := json.Marshal(key)
		pat := string(k) + ":"
		if !(isPrefix && prefix == "") {
			if isPrefix {
				return "", bad("context values cannot be matched by prefix")
			}
			v, _ := json.Marshal(t.Value)
			pat += string(v)
		}
		c.bind(pat)
		return wrap("instr(a.context, ?) > 0"), nil
	case numberColumns[field] != "":
		n, err := parseSize(t.Value)
		if err != nil {
			return "", bad(err.Error())
		}
		return c.compare(numberColumns[field], t.Op, n), nil
	case timeColumns[field] != "":
		from, to, err := parseTime(t.Value, c.now)
		if err != nil {
			return "", bad(err.Error())
		}
		col := timeColumns[field]
		if eq || neg {
			c.bind(from, to)
			return wrap("(" + col + " >= ? AND " + col + " < ?)"), nil
		}
		return c.compare(col, t.Op, from), nil
	}
	return "", bad("unknown field " + t.Field)
}

func (c *compiler) compare(col, op string, n int64) string {
	if op == ":" {
		op = "="
	}
	c.bind(n)
	return col + " " + op + " ?"
}

// parseSize reads an integer with an optional kb, mb or gb suffix.
func parseSize(s string) (int64, error) {
	mult := int64(1)
	lower := strings.ToLower(s)
	for suffix, m := range map[string]int64{"kb": 1 << 10, "mb": 1 << 20, "gb": 1 << 30} {
		if strings.HasSuffix(lower, suffix) {
			lower, mult = strings.TrimSuffix(lower, suffix), m
			break
		}
	}
	f, err := strconv.ParseFloat(lower, 64)
	if err != nil || f < 0 || f*float64(mult) > 1<<62 {
		return 0, fmt.Errorf("not a number: %q", s)
	}
	return int64(f * float64(mult)), nil
}

// parseTime reads a date (the whole day), an RFC 3339 time, or an age
// such as 2h, 3d or 1w counted back from now. It returns [from, to) in
// Unix seconds.
func parseTime(s string, now time.Time) (int64, int64, error) {
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t.Unix(), t.AddDate(0, 0, 1).Unix(), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.Unix(), t.Unix() + 1, nil
	}
	if len(s) >= 2 {
		n, err := strconv.Atoi(s[:len(s)-1])
		unit := map[byte]time.Duration{'s': time.Second, 'm': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour, 'w': 7 * 24 * time.Hour}[s[len(s)-1]]
		if err == nil && unit != 0 && n >= 0 && n < 100000 {
			t := now.Add(-time.Duration(n) * unit)
			return t.Unix(), t.Unix() + 1, nil
		}
	}
	return 0, 0, fmt.Errorf("not a date: %q", s)
}
