package httpapi

import (
	"bufio"
	"bytes"
	"net/http"
	"strings"
	"testing"
)

// FuzzLaneParse checks the hit lane's request parser against net/http's:
// whatever the lane accepts, net/http reads as the same request, so the
// lane never answers something net/http would refuse or read otherwise.
func FuzzLaneParse(f *testing.F) {
	for _, s := range []string{
		"GET /demo/image/upload/w_20/a.png HTTP/1.1\r\nHost: h\r\n\r\n",
		"HEAD /a.jpg?_a=x HTTP/1.1\r\nHost: cdn.example\r\nAccept: image/webp,*/*\r\nIf-None-Match: \"x\"\r\nConnection: keep-alive, close\r\n\r\n",
		"GET /demo/image/upload/l_text:Arial_40:Hi,g_north/s--abc--/a.jpg HTTP/1.1\r\nhost: h:80\r\ncontent-length: 0\r\n\r\n",
		"GET /a HTTP/1.1\r\nHost: h\r\nHost: i\r\n\r\n",
		"GET /a%20b HTTP/1.1\r\nHost: h\r\n\r\n",
		"GET http://h/a HTTP/1.1\r\nHost: h\r\n\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		n := headerEnd(raw)
		if n == 0 {
			return
		}
		var lr laneRequest
		if !lr.parse(raw[:n]) {
			return
		}
		req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw[:n])))
		if err != nil {
			t.Fatalf("the lane accepts a request net/http refuses: %v\n%q", err, raw[:n])
		}
		method := "GET"
		if lr.head {
			method = "HEAD"
		}
		if req.Method != method || req.Host != lr.host || req.URL.EscapedPath() != lr.path ||
			req.Header.Get("Accept") != lr.accept || req.Header.Get("If-None-Match") != lr.inm ||
			req.Close != lr.close || req.ContentLength > 0 || len(req.TransferEncoding) > 0 {
			t.Fatalf("lane %+v, net/http %s %q host %q accept %q inm %q close %v\n%q", lr, req.Method,
				req.URL.EscapedPath(), req.Host, req.Header.Get("Accept"), req.Header.Get("If-None-Match"), req.Close, raw[:n])
		}
		if !deliveryPath([]byte(req.URL.Path)) || strings.HasPrefix(req.URL.Path, "/v1_1/") {
			t.Fatalf("the lane answers a path ServeHTTP routes elsewhere: %q", req.URL.Path)
		}
	})
}
