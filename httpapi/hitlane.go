package httpapi

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// The hit lane answers the commonest request of a busy server — a GET for
// a response already in the hit cache — straight from the connection,
// without net/http's per-request work (request object, header maps,
// context, response writer), which costs more than the answer itself.
// Anything else, and any request the lane is not sure about, goes to
// net/http on the same connection with none of its bytes consumed, and
// the connection stays with net/http from then on. The lane only ever
// answers what serveDelivery would answer from the hit cache, with the
// same bytes and headers.

// HitLaneConfig carries the http.Server's timeouts into the lane.
type HitLaneConfig struct {
	IdleTimeout       time.Duration // between requests on a connection
	ReadHeaderTimeout time.Duration // to receive a request's header
}

// laneBufferSize bounds the request header the lane reads; a larger one
// goes to net/http.
const laneBufferSize = 8 << 10

// HitLane returns a listener for http.Server.Serve that answers cache hits
// itself and passes every other connection on. Without a hit cache it
// returns ln unchanged.
func (s *Server) HitLane(ln net.Listener, cfg HitLaneConfig) net.Listener {
	if s.hits == nil {
		return ln
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = 2 * time.Minute
	}
	if cfg.ReadHeaderTimeout <= 0 {
		cfg.ReadHeaderTimeout = 10 * time.Second
	}
	l := &hitLane{Listener: ln, s: s, cfg: cfg, handoff: make(chan net.Conn), done: make(chan struct{}), conns: map[net.Conn]struct{}{}}
	go l.acceptLoop()
	return l
}

type hitLane struct {
	net.Listener
	s       *Server
	cfg     HitLaneConfig
	handoff chan net.Conn // connections for net/http
	done    chan struct{} // closed by Close
	once    sync.Once
	wg      sync.WaitGroup // connections the lane is serving
	mu      sync.Mutex
	conns   map[net.Conn]struct{}
}

// Accept hands a connection to net/http.
func (l *hitLane) Accept() (net.Conn, error) {
	select {
	case c := <-l.handoff:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

// Close stops accepting, ends the lane's idle connections at once and
// waits for the ones answering a request (at most a few seconds: a client
// that does not read its answer is cut off).
func (l *hitLane) Close() error {
	var err error
	l.once.Do(func() {
		close(l.done)
		err = l.Listener.Close()
		now := time.Now()
		l.mu.Lock()
		for c := range l.conns {
			c.SetReadDeadline(now)
			c.SetWriteDeadline(now.Add(5 * time.Second))
		}
		l.mu.Unlock()
		l.wg.Wait()
	})
	return err
}

func (l *hitLane) closing() bool {
	select {
	case <-l.done:
		return true
	default:
		return false
	}
}

func (l *hitLane) acceptLoop() {
	var delay time.Duration
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			if l.closing() {
				return
			}
			// Out of file descriptors and the like: wait, as net/http does.
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			l.s.log.Warn("hit lane: accept", "err", err, "retry_in", delay)
			select {
			case <-time.After(delay):
			case <-l.done:
				return
			}
			continue
		}
		delay = 0
		l.mu.Lock()
		if l.closing() {
			l.mu.Unlock()
			c.Close()
			return
		}
		l.conns[c] = struct{}{}
		l.wg.Add(1)
		l.mu.Unlock()
		go l.serve(c)
	}
}

// serve answers hits on c until a request needs net/http, the client
// closes or asks to close, or the lane closes.
func (l *hitLane) serve(c net.Conn) {
	br := bufio.NewReaderSize(c, laneBufferSize)
	handed := false
	defer func() {
		l.mu.Lock()
		delete(l.conns, c)
		l.mu.Unlock()
		if !handed {
			c.Close()
		}
		l.wg.Done()
	}()
	var bufs [3][]byte
	timeout := l.cfg.ReadHeaderTimeout // the first request comes at once
	for !l.closing() {
		c.SetReadDeadline(time.Now().Add(timeout))
		timeout = l.cfg.IdleTimeout
		if _, err := br.Peek(1); err != nil {
			return
		}
		head, ok := l.readHead(c, br)
		if !ok {
			return
		}
		var req laneRequest
		var e *hitEntry
		if head != nil && req.parse(head) {
			e = l.s.cachedHit(context.Background(), req.host, req.path, req.accept)
		}
		if e == nil {
			c.SetReadDeadline(time.Time{})
			select {
			case l.handoff <- &handoffConn{Conn: c, r: br}:
				handed = true
			case <-l.done:
			}
			return
		}
		br.Discard(len(head))
		status, body := e.head200, e.body
		if req.inm != "" && etagMatch(req.inm, e.etag) {
			status, body = e.head304, nil
		}
		if req.head {
			body = nil
		}
		tail := httpDate()
		if req.close {
			tail = connectionClose(tail)
		}
		out := net.Buffers(append(bufs[:0], status, tail, body))
		if _, err := out.WriteTo(c); err != nil || req.close {
			return
		}
	}
}

// readHead returns the request's header block, up to and including the
// blank line, without consuming it; nil when it does not fit the buffer
// (net/http will answer). ok is false when the connection failed.
func (l *hitLane) readHead(c net.Conn, br *bufio.Reader) (head []byte, ok bool) {
	extended := false
	for {
		buf, _ := br.Peek(br.Buffered())
		if n := headerEnd(buf); n > 0 {
			return buf[:n], true
		}
		if br.Buffered() == br.Size() {
			return nil, true
		}
		if !extended {
			c.SetReadDeadline(time.Now().Add(l.cfg.ReadHeaderTimeout))
			extended = true
		}
		if _, err := br.Peek(br.Buffered() + 1); err != nil {
			return nil, false
		}
	}
}

// headerEnd is the length of the header block at the start of b, up to
// and including its first empty line (with or without CR), or 0 when it
// is incomplete.
func headerEnd(b []byte) int {
	for i := 0; i < len(b); {
		j := bytes.IndexByte(b[i:], '\n')
		if j < 0 {
			return 0
		}
		empty := j == 0 || j == 1 && b[i] == '\r'
		i += j + 1
		if empty {
			return i
		}
	}
	return 0
}

// laneRequest is what the lane needs of a request.
type laneRequest struct {
	head, close             bool // HEAD; Connection: close
	host, path, accept, inm string
}

// parse reads a request header block and reports whether the lane may
// answer it: an HTTP/1.1 GET or HEAD with an origin-form target of plain
// characters, a Host, no body, and no header asking for what only
// net/http does (ranges, conditional dates, upgrades).
func (r *laneRequest) parse(head []byte) bool {
	line, rest, ok := cutLine(head)
	if !ok {
		return false
	}
	method, line, _ := bytes.Cut(line, []byte(" "))
	target, version, _ := bytes.Cut(line, []byte(" "))
	switch string(method) {
	case "GET":
	case "HEAD":
		r.head = true
	default:
		return false
	}
	if string(version) != "HTTP/1.1" || !plainTarget(target) {
		return false
	}
	path, _, _ := bytes.Cut(target, []byte("?"))
	if !deliveryPath(path) {
		return false
	}
	hostSeen := false
	for {
		line, rest, ok = cutLine(rest)
		if !ok {
			return false
		}
		if len(line) == 0 {
			break
		}
		name, value, found := bytes.Cut(line, []byte(":"))
		if !found || !token(name) {
			return false
		}
		value = bytes.Trim(value, " \t")
		for _, b := range value {
			if b < ' ' && b != '\t' || b == 0x7f {
				return false
			}
		}
		switch {
		case fold(name, "Host"):
			if hostSeen || len(value) == 0 || bytes.ContainsAny(value, " \t") {
				return false
			}
			hostSeen, r.host = true, string(value)
		case fold(name, "Accept"):
			if r.accept == "" {
				r.accept = string(value)
			}
		case fold(name, "If-None-Match"):
			if r.inm != "" {
				return false
			}
			r.inm = string(value)
		case fold(name, "Connection"):
			for t := range bytes.SplitSeq(value, []byte(",")) {
				if fold(bytes.Trim(t, " \t"), "close") {
					r.close = true
				}
			}
		case fold(name, "Content-Length"):
			if string(value) != "0" {
				return false
			}
		case fold(name, "Transfer-Encoding"), fold(name, "Expect"), fold(name, "Upgrade"),
			fold(name, "Range"), fold(name, "If-Range"), fold(name, "If-Modified-Since"):
			return false
		}
	}
	if !hostSeen || len(rest) != 0 {
		return false
	}
	r.path = string(path)
	return true
}

// cutLine splits off a CRLF-terminated line; a bare LF is left to net/http.
func cutLine(b []byte) (line, rest []byte, ok bool) {
	i := bytes.IndexByte(b, '\n')
	if i < 1 || b[i-1] != '\r' {
		return nil, nil, false
	}
	return b[:i-1], b[i+1:], true
}

// plainTarget accepts an origin-form target whose path has no
// percent-escapes (so that it is its own escaped form) and whose query is
// printable.
func plainTarget(t []byte) bool {
	if len(t) == 0 || t[0] != '/' || len(t) > 1 && t[1] == '/' {
		return false
	}
	inQuery := false
	for _, b := range t {
		switch {
		case b == '?':
			inQuery = true
		case inQuery:
			if b <= ' ' || b >= 0x7f {
				return false
			}
		case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9':
		case bytes.IndexByte([]byte("-._~!$&'()*+,;=:@/"), b) >= 0:
		default:
			return false
		}
	}
	return true
}

// deliveryPath reports whether ServeHTTP routes path to delivery.
func deliveryPath(path []byte) bool {
	return !bytes.HasPrefix(path, []byte("/v1_1/")) && !bytes.HasPrefix(path, []byte("/console/")) &&
		string(path) != "/console" && string(path) != "/favicon.ico"
}

func token(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c <= ' ' || c >= 0x7f || bytes.IndexByte([]byte(`"(),/:;<=>?@[\]{}`), c) >= 0 {
			return false
		}
	}
	return true
}

func fold(b []byte, s string) bool { return len(b) == len(s) && bytes.EqualFold(b, []byte(s)) }

// httpDate is the Date header line and the blank line that ends a head,
// formatted once a second.
func httpDate() []byte {
	now := time.Now().Unix()
	if d := lastDate.Load(); d != nil && d.unix == now {
		return d.line
	}
	d := &dateLine{unix: now, line: []byte("Date: " + time.Unix(now, 0).UTC().Format(timeFormat) + "\r\n\r\n")}
	lastDate.Store(d)
	return d.line
}

const timeFormat = "Mon, 02 Jan 2006 15:04:05 GMT"

type dateLine struct {
	unix int64
	line []byte
}

var lastDate atomic.Pointer[dateLine]

func connectionClose(tail []byte) []byte {
	return append([]byte("Connection: close\r\n"), tail...)
}

// handoffConn is a connection passed to net/http with the bytes the lane
// has buffered still to be read. It keeps the TCP connection's ReadFrom
// (sendfile) and CloseWrite, which net/http looks for.
type handoffConn struct {
	net.Conn
	r *bufio.Reader
}

func (h *handoffConn) Read(p []byte) (int, error) { return h.r.Read(p) }

func (h *handoffConn) ReadFrom(r io.Reader) (int64, error) {
	if rf, ok := h.Conn.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(struct{ io.Writer }{h.Conn}, r)
}

func (h *handoffConn) CloseWrite() error {
	if cw, ok := h.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}
