package integration

import (
	"bufio"
	"bytes"
	"image/color"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cloudinary/cloudinary-go/v2/api"
	"github.com/cloudinary/cloudinary-go/v2/api/uploader"
)

// rawConn speaks HTTP/1.1 on one kept-alive connection, so that a test
// can tell which requests the hit lane answers and which it hands to
// net/http, and that both keep working on the same connection.
type rawConn struct {
	t  *testing.T
	c  net.Conn
	br *bufio.Reader
}

func dialRaw(t *testing.T, s *server) *rawConn {
	t.Helper()
	c, err := net.Dial("tcp", s.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(30 * time.Second))
	return &rawConn{t: t, c: c, br: bufio.NewReader(c)}
}

func (r *rawConn) send(raw string) {
	r.t.Helper()
	if _, err := io.WriteString(r.c, raw); err != nil {
		r.t.Fatal(err)
	}
}

// read reads one response to a request of method.
func (r *rawConn) read(method string) (*http.Response, []byte) {
	r.t.Helper()
	resp, err := http.ReadResponse(r.br, &http.Request{Method: method})
	if err != nil {
		r.t.Fatalf("reading the response: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		r.t.Fatalf("reading the body: %v", err)
	}
	return resp, body
}

func get11(path string, extra ...string) string {
	return "GET " + path + " HTTP/1.1\r\nHost: h\r\n" + strings.Join(extra, "") + "\r\n"
}

func headerNames(h http.Header) []string {
	var names []string
	for k := range h {
		if k != "Date" {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	return names
}

func TestHitLaneAnswersLikeNetHTTP(t *testing.T) {
	s := startServer(t)
	cld := s.sdk(t)
	red, _ := pngFile(t, 64, 48, color.RGBA{200, 0, 0, 255})
	mustUpload(t, cld, red, uploader.UploadParams{PublicID: "lane/red"})
	big, bigBytes := sharedImage(t, "photo-1920x1280.jpg") // too large for the hit cache: sendfile
	mustUpload(t, cld, big, uploader.UploadParams{PublicID: "lane/big"})
	path := "/demo/image/upload/w_20,h_10,c_fill/lane/red.png"

	// The first request renders (net/http); it fills the hit cache.
	status, first, firstBody := get(t, s.URL+path)
	if status != 200 || len(firstBody) == 0 {
		t.Fatalf("first request: %d", status)
	}

	c := dialRaw(t, s)
	t.Run("HitsOnOneConnection", func(t *testing.T) {
		for range 3 {
			c.send(get11(path))
			resp, body := c.read("GET")
			if resp.StatusCode != 200 || !bytes.Equal(body, firstBody) {
				t.Fatalf("hit: %d, %d bytes; want the %d bytes of the first answer", resp.StatusCode, len(body), len(firstBody))
			}
			if got, want := headerNames(resp.Header), headerNames(first); !slices.Equal(got, want) {
				t.Fatalf("hit headers %v, first answer's %v", got, want)
			}
			for _, k := range headerNames(first) {
				if resp.Header.Get(k) != first.Get(k) {
					t.Errorf("%s: hit %q, first answer %q", k, resp.Header.Get(k), first.Get(k))
				}
			}
			if _, err := http.ParseTime(resp.Header.Get("Date")); err != nil {
				t.Errorf("Date %q: %v", resp.Header.Get("Date"), err)
			}
		}
	})
	t.Run("HeadAndConditional", func(t *testing.T) {
		c.send("HEAD " + path + " HTTP/1.1\r\nHost: h\r\n\r\n")
		resp, body := c.read("HEAD")
		if resp.StatusCode != 200 || len(body) != 0 || resp.ContentLength != int64(len(firstBody)) {
			t.Fatalf("HEAD: %d, %d bytes, Content-Length %d", resp.StatusCode, len(body), resp.ContentLength)
		}
		c.send(get11(path, "If-None-Match: W/\"nope\", "+first.Get("ETag")+"\r\n"))
		resp, body = c.read("GET")
		if resp.StatusCode != 304 || len(body) != 0 || resp.Header.Get("ETag") != first.Get("ETag") || resp.Header.Get("Content-Type") != "" {
			t.Fatalf("If-None-Match: %d, %d bytes, ETag %q, Content-Type %q", resp.StatusCode, len(body), resp.Header.Get("ETag"), resp.Header.Get("Content-Type"))
		}
		c.send(get11(path, "If-None-Match: \"other\"\r\n"))
		if resp, body = c.read("GET"); resp.StatusCode != 200 || !bytes.Equal(body, firstBody) {
			t.Fatalf("a different ETag: %d", resp.StatusCode)
		}
	})
	t.Run("Pipelined", func(t *testing.T) {
		c.send(get11(path) + "HEAD " + path + " HTTP/1.1\r\nHost: h\r\n\r\n" + get11(path))
		for _, m := range []string{"GET", "HEAD", "GET"} {
			if resp, _ := c.read(m); resp.StatusCode != 200 {
				t.Fatalf("pipelined %s: %d", m, resp.StatusCode)
			}
		}
	})
	t.Run("HandedToNetHTTPOnTheSameConnection", func(t *testing.T) {
		// A range is net/http's; the connection stays usable after.
		c.send(get11(path, "Range: bytes=0-9\r\n"))
		resp, body := c.read("GET")
		if resp.StatusCode != 206 || !bytes.Equal(body, firstBody[:10]) {
			t.Fatalf("range: %d %d bytes", resp.StatusCode, len(body))
		}
		// A large original goes out with sendfile from net/http.
		c.send(get11("/demo/image/upload/lane/big.jpg"))
		if resp, body = c.read("GET"); resp.StatusCode != 200 || !bytes.Equal(body, bigBytes) {
			t.Fatalf("original: %d, %d of %d bytes", resp.StatusCode, len(body), len(bigBytes))
		}
		c.send(get11(path))
		if resp, body = c.read("GET"); resp.StatusCode != 200 || !bytes.Equal(body, firstBody) {
			t.Fatalf("hit after the handoff: %d", resp.StatusCode)
		}
		// An API call on a fresh connection after a hit.
		c2 := dialRaw(t, s)
		c2.send(get11(path))
		c2.read("GET")
		c2.send("POST /v1_1/demo/image/upload HTTP/1.1\r\nHost: h\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 7\r\n\r\nfile=x&")
		resp, body = c2.read("POST")
		if resp.StatusCode != 400 && resp.StatusCode != 401 || !strings.Contains(string(body), "error") {
			t.Fatalf("unsigned upload after a hit: %d %s", resp.StatusCode, body)
		}
	})
	t.Run("ConnectionClose", func(t *testing.T) {
		c3 := dialRaw(t, s)
		c3.send(get11(path, "Connection: close\r\n"))
		resp, _ := c3.read("GET")
		if resp.StatusCode != 200 || !resp.Close {
			t.Fatalf("Connection: close: %d, close %v", resp.StatusCode, resp.Close)
		}
		if _, err := c3.br.ReadByte(); err != io.EOF {
			t.Fatalf("the server kept the connection open: %v", err)
		}
	})
	t.Run("OddRequestsGetNetHTTPAnswers", func(t *testing.T) {
		c4 := dialRaw(t, s)
		c4.send("GET " + path + " HTTP/1.1\nHost: h\n\n") // bare LF
		if resp, body := c4.read("GET"); resp.StatusCode != 200 || !bytes.Equal(body, firstBody) {
			t.Fatalf("bare LF: %d", resp.StatusCode)
		}
		c4.send("GET " + path + " HTTP/1.1\r\n\r\n") // no Host
		if resp, _ := c4.read("GET"); resp.StatusCode != 400 {
			t.Fatalf("no Host: %d, want net/http's 400", resp.StatusCode)
		}
		c5 := dialRaw(t, s)
		c5.send(get11(path, "X-Long: "+strings.Repeat("x", 16<<10)+"\r\n")) // over the lane's buffer
		if resp, body := c5.read("GET"); resp.StatusCode != 200 || !bytes.Equal(body, firstBody) {
			t.Fatalf("long header: %d", resp.StatusCode)
		}
	})
	t.Run("NewVersionReplacesTheHit", func(t *testing.T) {
		blue, _ := pngFile(t, 64, 48, color.RGBA{0, 0, 200, 255})
		mustUpload(t, cld, blue, uploader.UploadParams{PublicID: "lane/red", Overwrite: api.Bool(true), Invalidate: api.Bool(true)})
		c.send(get11(path))
		resp, body := c.read("GET")
		if resp.StatusCode != 200 || bytes.Equal(body, firstBody) || resp.Header.Get("ETag") == first.Get("ETag") {
			t.Fatalf("after the overwrite the lane still served the old rendition (%d)", resp.StatusCode)
		}
	})
}
