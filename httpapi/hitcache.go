package httpapi

import (
	"bytes"
	"container/list"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cumulusmedia/cumulus"
)

// hitCache keeps small delivery responses (derivatives above all) in
// memory, whole: headers and bytes, keyed by environment and request path.
// A hit skips parsing, authorization, planning and the blob store, which
// is most of a small response's cost. Entries are dropped when the store
// reports a change to their asset, and the least recently used go first
// when the byte budget is spent.
type hitCache struct {
	maxBytes, maxEntry int64
	mu                 sync.Mutex
	bytes              int64
	lru                *list.List // of *hitEntry, most recent first
	byKey              map[string]*list.Element
	byAsset            map[cumulus.AssetKey]map[string]bool
}

type hitEntry struct {
	key    string
	asset  cumulus.AssetKey
	header http.Header // complete, shared read-only by every hit
	body   []byte
	etag   string
	mod    time.Time
	// The status line and headers of a 200 and of a 304, without Date and
	// the blank line: what the hit lane writes.
	head200, head304 []byte
}

func newHitCache(maxBytes, maxEntry int64) *hitCache {
	return &hitCache{maxBytes: maxBytes, maxEntry: maxEntry, lru: list.New(),
		byKey: map[string]*list.Element{}, byAsset: map[cumulus.AssetKey]map[string]bool{}}
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }

func (c *hitCache) get(key string) *hitEntry {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el := c.byKey[key]
	if el == nil {
		return nil
	}
	c.lru.MoveToFront(el)
	return el.Value.(*hitEntry)
}

func (c *hitCache) put(e *hitEntry) {
	if c == nil || int64(len(e.body)) > c.maxEntry {
		return
	}
	// Everything a plain hit sends is computed once, here.
	e.header["Content-Length"] = []string{strconv.Itoa(len(e.body))}
	e.header["Last-Modified"] = []string{e.mod.UTC().Format(http.TimeFormat)}
	e.header["Accept-Ranges"] = []string{"bytes"}
	e.head200 = rawHead("200 OK", e.header)
	e.head304 = rawHead("304 Not Modified", e.header, notModifiedDrops...)
	c.mu.Lock()
	defer c.mu.Unlock()
	if el := c.byKey[e.key]; el != nil {
		c.removeLocked(el)
	}
	c.byKey[e.key] = c.lru.PushFront(e)
	if c.byAsset[e.asset] == nil {
		c.byAsset[e.asset] = map[string]bool{}
	}
	c.byAsset[e.asset][e.key] = true
	c.bytes += int64(len(e.body))
	for c.bytes > c.maxBytes {
		c.removeLocked(c.lru.Back())
	}
}

// dropAsset forgets every response of an asset (a ChangeWatcher callback).
func (c *hitCache) dropAsset(k cumulus.AssetKey) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if k == (cumulus.AssetKey{}) {
		c.lru.Init()
		clear(c.byKey)
		clear(c.byAsset)
		c.bytes = 0
		return
	}
	for key := range c.byAsset[k] {
		if el := c.byKey[key]; el != nil {
			c.removeLocked(el)
		}
	}
}

func (c *hitCache) removeLocked(el *list.Element) {
	e := el.Value.(*hitEntry)
	c.lru.Remove(el)
	delete(c.byKey, e.key)
	if set := c.byAsset[e.asset]; set != nil {
		delete(set, e.key)
		if len(set) == 0 {
			delete(c.byAsset, e.asset)
		}
	}
	c.bytes -= int64(len(e.body))
}

// notModifiedDrops are the headers a 304 leaves out, on either path.
var notModifiedDrops = []string{"Content-Type", "Content-Length"}

// headerBreaks turns line breaks in a header value into spaces, as
// net/http does: a line break cannot split a header.
var headerBreaks = strings.NewReplacer("\r", " ", "\n", " ")

// rawHead prints an HTTP/1.1 status line and h, less the skipped headers,
// in a stable order.
func rawHead(status string, h http.Header, skip ...string) []byte {
	b := []byte("HTTP/1.1 " + status + "\r\n")
	for _, k := range slices.Sorted(maps.Keys(h)) {
		if slices.Contains(skip, k) {
			continue
		}
		for _, v := range h[k] {
			b = append(b, k+": "+headerBreaks.Replace(v)+"\r\n"...)
		}
	}
	return b
}

// writeHit answers from a cached response, with conditional requests,
// ranges and HEAD handled as for any other response.
func writeHit(w http.ResponseWriter, r *http.Request, e *hitEntry) {
	h := w.Header()
	for k, v := range e.header {
		h[k] = v
	}
	if r.Header.Get("Range") != "" || r.Header.Get("If-Modified-Since") != "" || r.Header.Get("If-Range") != "" {
		delete(h, "Content-Length")
		http.ServeContent(w, r, "", e.mod, bytesReader(e.body))
		return
	}
	if inm := r.Header.Get("If-None-Match"); inm != "" && etagMatch(inm, e.etag) {
		for _, k := range notModifiedDrops {
			delete(h, k)
		}
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(e.body)
	}
}

// etagMatch implements If-None-Match's weak comparison for a list.
func etagMatch(header, etag string) bool {
	for header != "" {
		var tag string
		tag, header, _ = cutComma(header)
		if tag == "*" || tag == etag || tag == "W/"+etag {
			return true
		}
	}
	return false
}

func cutComma(s string) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == ',' {
			return trimSpace(s[:i]), s[i+1:], true
		}
	}
	return trimSpace(s), "", false
}

func trimSpace(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}
