package httpapi

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cumulusmedia/cumulus"
)

func TestHitCacheEvictsAndDrops(t *testing.T) {
	c := newHitCache(10, 6)
	a := cumulus.AssetKey{Cloud: "demo", ResourceType: "image", Type: "upload", PublicID: "a"}
	b := cumulus.AssetKey{Cloud: "demo", ResourceType: "image", Type: "upload", PublicID: "b"}
	put := func(key string, asset cumulus.AssetKey, n int) {
		c.put(&hitEntry{key: key, asset: asset, body: []byte(strings.Repeat("x", n)), header: http.Header{}})
	}
	put("a1", a, 4)
	put("a2", a, 4)
	put("too-big", b, 7) // over the per-entry limit: not kept
	if c.get("too-big") != nil {
		t.Fatal("an entry over the size limit was cached")
	}
	c.get("a1")     // a1 is now the most recent
	put("b1", b, 4) // 12 bytes > 10: the least recent (a2) goes
	if c.get("a2") != nil || c.get("a1") == nil || c.get("b1") == nil {
		t.Fatalf("LRU eviction kept the wrong entries (bytes %d)", c.bytes)
	}
	c.dropAsset(a)
	if c.get("a1") != nil || c.get("b1") == nil {
		t.Fatal("dropAsset did not drop exactly the asset's responses")
	}
	if c.bytes != 4 || len(c.byAsset) != 1 {
		t.Fatalf("accounting after drop: %d bytes, %d assets", c.bytes, len(c.byAsset))
	}
}

func TestWriteHitConditionalAndRange(t *testing.T) {
	e := &hitEntry{header: http.Header{"Content-Type": {"image/png"}, "Etag": {`"abc"`}}, body: []byte("0123456789"), etag: `"abc"`, mod: time.Unix(1000, 0)}
	cases := []struct {
		hdr    [2]string
		status int
		body   string
	}{
		{[2]string{}, 200, "0123456789"},
		{[2]string{"If-None-Match", `"abc"`}, 304, ""},
		{[2]string{"If-None-Match", `"zzz", W/"abc"`}, 304, ""},
		{[2]string{"If-None-Match", `"zzz"`}, 200, "0123456789"},
		{[2]string{"Range", "bytes=2-4"}, 206, "234"},
	}
	for _, c := range cases {
		r := httptest.NewRequest(http.MethodGet, "/x", nil)
		if c.hdr[0] != "" {
			r.Header.Set(c.hdr[0], c.hdr[1])
		}
		w := httptest.NewRecorder()
		writeHit(w, r, e)
		if w.Code != c.status || w.Body.String() != c.body {
			t.Errorf("%v: %d %q, want %d %q", c.hdr, w.Code, w.Body.String(), c.status, c.body)
		}
	}
}
