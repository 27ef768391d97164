package upload_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/png"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cumulusmedia/cumulus"
	"github.com/cumulusmedia/cumulus/blob/fsblob"
	"github.com/cumulusmedia/cumulus/fetch"
	"github.com/cumulusmedia/cumulus/notify"
	"github.com/cumulusmedia/cumulus/signing"
	"github.com/cumulusmedia/cumulus/store/sqlite"
	"github.com/cumulusmedia/cumulus/upload"
)

var env = cumulus.Environment{Cloud: "demo", APIKey: "k", APISecret: "s"}

// fakeDeriver records eager calls and answers a fixed rendition.
type fakeDeriver struct {
	mu    sync.Mutex
	calls []string
}

func (f *fakeDeriver) Eager(ctx context.Context, env cumulus.Environment, a cumulus.Asset, tr, format string) (cumulus.Derivative, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, a.PublicID+":"+tr+"/"+format)
	if format == "" {
		format = a.Current.Format
	}
	return cumulus.Derivative{AssetID: a.ID, Transformation: tr, Format: format, Width: 10, Height: 5, Bytes: 99}, nil
}

type fixture struct {
	svc     *upload.Service
	store   *sqlite.Store
	deriver *fakeDeriver
}

func newFixture(t *testing.T, allow string) fixture {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	store, err := sqlite.Open(filepath.Join(dir, "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	blobs, _ := fsblob.Open(filepath.Join(dir, "blobs"))
	t.Cleanup(func() { blobs.Close() })
	store.PutEnvironment(ctx, env)
	cfg := upload.DefaultConfig()
	cfg.TempDir = filepath.Join(dir, "tmp")
	urls := func(k cumulus.AssetKey, v int64, f string) (string, string) {
		p := "/" + k.Cloud + "/" + string(k.ResourceType) + "/" + string(k.Type) + "/v" + strconv.FormatInt(v, 10) + "/" + k.PublicID + "." + f
		return "http://h" + p, "https://h" + p
	}
	svc, err := upload.New(store, blobs, cfg, urls, nil)
	if err != nil {
		t.Fatal(err)
	}
	fcfg := fetch.DefaultConfig()
	fcfg.Allow, _ = fetch.ParseAllow(allow)
	fcfg.Timeout = 3 * time.Second
	svc.Fetch, _ = fetch.New(fcfg)
	d := &fakeDeriver{}
	svc.Deriver = d
	return fixture{svc: svc, store: store, deriver: d}
}

// signed returns params with api_key, timestamp and signature added.
func signed(kv ...string) upload.Params {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	v.Set("timestamp", strconv.FormatInt(time.Now().Unix(), 10))
	v.Set("signature", signing.SignParams(v, env.APISecret, "sha1", 2))
	v.Set("api_key", env.APIKey)
	return upload.Params(v)
}

func pngBytes(w, h int) []byte {
	var b bytes.Buffer
	png.Encode(&b, image.NewRGBA(image.Rect(0, 0, w, h)))
	return b.Bytes()
}

func TestRemoteUpload(t *testing.T) {
	var hits atomic.Int64
	img := pngBytes(30, 20)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.URL.Path != "/pics/sunset.png" {
			http.NotFound(w, r)
			return
		}
		w.Write(img)
	}))
	defer srv.Close()
	ctx := context.Background()

	t.Run("allowed", func(t *testing.T) {
		f := newFixture(t, "127.0.0.1/32")
		got, err := f.svc.Upload(ctx, upload.Request{Env: env, ResourceType: cumulus.Image,
			Params: signed("file", srv.URL+"/pics/sunset.png?size=big", "public_id", "remote/one")})
		if err != nil {
			t.Fatal(err)
		}
		r := got.(*upload.Result)
		if r.PublicID != "remote/one" || r.OriginalFilename != "sunset" || r.Format != "png" || r.Width != 30 || r.Height != 20 || r.Bytes != int64(len(img)) {
			t.Fatalf("result = %+v", r)
		}
	})
	f := newFixture(t, "127.0.0.1/32")
	deny := newFixture(t, "")
	before := hits.Load()
	cases := []struct {
		name string
		f    fixture
		file string
		want string
	}{
		{"default config refuses loopback", deny, srv.URL + "/pics/sunset.png", "Error in loading " + srv.URL + "/pics/sunset.png - the address is not allowed"},
		{"localhost", deny, strings.Replace(srv.URL, "127.0.0.1", "localhost", 1) + "/pics/sunset.png", "the address is not allowed"},
		{"metadata", deny, "http://169.254.169.254/latest/meta-data/", "the address is not allowed"},
		{"file scheme", deny, "file:///etc/passwd", "Remote file URLs are not supported - file:///etc/passwd"},
		{"missing", f, srv.URL + "/nope.png", "- 404 Not Found"},
		{"not an image", f, srv.URL + "/nope", "404"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.f.svc.Upload(ctx, upload.Request{Env: env, ResourceType: cumulus.Image, Params: signed("file", tc.file)})
			if err == nil || cumulus.KindOf(err) != cumulus.Invalid || !strings.Contains(cumulus.PublicMessage(err), tc.want) {
				t.Fatalf("Upload(%s) = %v, want Invalid containing %q", tc.file, err, tc.want)
			}
		})
	}
	if n := hits.Load() - before; n != 2 {
		t.Fatalf("the server received %d requests, want only the 2 allowed ones", n)
	}
}

func TestParseEager(t *testing.T) {
	cases := []struct {
		in   string
		want []upload.EagerItem
		bad  bool
	}{
		{"", nil, false},
		{"c_fill,w_100,h_100|w_200/webp", []upload.EagerItem{{"c_fill,w_100,h_100", ""}, {"w_200", "webp"}}, false},
		{"c_crop,w_50/e_sepia/jpg", []upload.EagerItem{{"c_crop,w_50/e_sepia", "jpg"}}, false},
		{"c_crop,w_50/e_sepia", []upload.EagerItem{{"c_crop,w_50/e_sepia", ""}}, false},
		{"webp", []upload.EagerItem{{"", "webp"}}, false},
		{" w_10 || h_20/ ", []upload.EagerItem{{"w_10", ""}, {"h_20", ""}}, false},
		{"w_abc", nil, true},
		{"zz_1", nil, true},
	}
	for _, tc := range cases {
		got, err := upload.ParseEager(tc.in)
		if (err != nil) != tc.bad {
			t.Errorf("ParseEager(%q) error = %v, want error %v", tc.in, err, tc.bad)
			continue
		}
		if !tc.bad && !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseEager(%q) = %#v, want %#v", tc.in, got, tc.want)
		}
	}
}

func FuzzParseEager(f *testing.F) {
	for _, s := range []string{"c_fill,w_100,h_100|w_200/webp", "w_10/e_sepia/jpg", "webp", "|||", "t_named/png"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		items, err := upload.ParseEager(s)
		if err != nil {
			return
		}
		// Re-joining the items parses to the same items.
		parts := make([]string, len(items))
		for i, it := range items {
			parts[i] = it.String()
		}
		again, err := upload.ParseEager(strings.Join(parts, "|"))
		if err != nil || !reflect.DeepEqual(again, items) {
			t.Fatalf("ParseEager(%q) = %v; re-parsed %v, %v", s, items, again, err)
		}
	})
}

// upload commits a small PNG under id with extra params.
func (f fixture) upload(t *testing.T, id string, kv ...string) *upload.Result {
	t.Helper()
	sp, err := upload.NewSpool(t.TempDir(), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	sp.Write(pngBytes(40, 30))
	got, err := f.svc.Upload(context.Background(), upload.Request{Env: env, ResourceType: cumulus.Image, File: sp,
		Params: signed(append([]string{"public_id", id}, kv...)...)})
	if err != nil {
		t.Fatal(err)
	}
	return got.(*upload.Result)
}

// claim takes every due job of kind from the queue.
func claim(t *testing.T, s *sqlite.Store, kind string) []cumulus.Job {
	t.Helper()
	jobs, err := s.ClaimJobs(context.Background(), "test", 100, time.Now().Add(time.Second), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	var out []cumulus.Job
	for _, j := range jobs {
		if j.Kind == kind {
			out = append(out, j)
		}
		s.AckJob(context.Background(), "test", j.ID)
	}
	return out
}

func TestEagerOnUpload(t *testing.T) {
	f := newFixture(t, "")
	r := f.upload(t, "e/sync", "eager", "c_fill,w_100,h_100|w_200/webp")
	want := []upload.EagerResult{
		{Transformation: "c_fill,w_100,h_100", Width: 10, Height: 5, Bytes: 99, Format: "png",
			URL:       "http://h/demo/image/upload/c_fill,w_100,h_100/v" + strconv.FormatInt(r.Version, 10) + "/e/sync.png",
			SecureURL: "https://h/demo/image/upload/c_fill,w_100,h_100/v" + strconv.FormatInt(r.Version, 10) + "/e/sync.png"},
		{Transformation: "w_200/webp", Width: 10, Height: 5, Bytes: 99, Format: "webp",
			URL:       "http://h/demo/image/upload/w_200/v" + strconv.FormatInt(r.Version, 10) + "/e/sync.webp",
			SecureURL: "https://h/demo/image/upload/w_200/v" + strconv.FormatInt(r.Version, 10) + "/e/sync.webp"},
	}
	if !reflect.DeepEqual(r.Eager, want) {
		t.Fatalf("eager = %+v\nwant %+v", r.Eager, want)
	}

	// eager_async answers at once, renders from the queue, then notifies.
	f.deriver.calls = nil
	r = f.upload(t, "e/async", "eager", "w_50/jpg", "eager_async", "true", "eager_notification_url", "https://example.com/hook")
	if len(r.Eager) != 1 || r.Eager[0].Status != "processing" || r.Eager[0].BatchID == "" || !strings.Contains(r.Eager[0].URL, "/w_50/v") {
		t.Fatalf("async eager = %+v", r.Eager)
	}
	if len(f.deriver.calls) != 0 {
		t.Fatalf("eager_async rendered during the request: %v", f.deriver.calls)
	}
	jobs := claim(t, f.store, upload.KindEager)
	if len(jobs) != 1 {
		t.Fatalf("%d eager jobs queued, want 1", len(jobs))
	}
	if err := f.svc.HandleEagerJob(context.Background(), jobs[0]); err != nil {
		t.Fatal(err)
	}
	if strings.Join(f.deriver.calls, " ") != "e/async:w_50/jpg" {
		t.Fatalf("job rendered %v", f.deriver.calls)
	}
	hooks := claim(t, f.store, notify.KindWebhook)
	if len(hooks) != 1 {
		t.Fatalf("%d webhooks queued, want 1", len(hooks))
	}
	var wh notify.Webhook
	json.Unmarshal(hooks[0].Payload, &wh)
	var body upload.EagerNotification
	json.Unmarshal(wh.Body, &body)
	if wh.URL != "https://example.com/hook" || body.NotificationType != "eager" || body.PublicID != "e/async" || body.BatchID != r.Eager[0].BatchID ||
		len(body.Eager) != 1 || body.Eager[0].Width != 10 || body.Eager[0].Status != "" {
		t.Fatalf("webhook %s: %+v", wh.URL, body)
	}

	// A job for a deleted asset is dropped, not retried.
	f.upload(t, "e/gone", "eager", "w_50", "eager_async", "1")
	f.store.DeleteAsset(context.Background(), cumulus.AssetKey{Cloud: "demo", ResourceType: cumulus.Image, Type: cumulus.Upload, PublicID: "e/gone"}, false)
	jobs = claim(t, f.store, upload.KindEager)
	if err := f.svc.HandleEagerJob(context.Background(), jobs[0]); !notify.IsPermanent(err) {
		t.Fatalf("job of a deleted asset = %v, want a permanent failure", err)
	}
}

func TestUploadNotification(t *testing.T) {
	f := newFixture(t, "")
	r := f.upload(t, "n/one", "notification_url", "https://example.com/n?a=1&b=2", "tags", "x")
	hooks := claim(t, f.store, notify.KindWebhook)
	if len(hooks) != 1 {
		t.Fatalf("%d webhooks queued, want 1", len(hooks))
	}
	var wh notify.Webhook
	json.Unmarshal(hooks[0].Payload, &wh)
	var body map[string]any
	json.Unmarshal(wh.Body, &body)
	if wh.URL != "https://example.com/n?a=1&b=2" || wh.Cloud != "demo" || body["notification_type"] != "upload" ||
		body["public_id"] != "n/one" || body["asset_id"] != r.AssetID || body["signature"] != r.Signature {
		t.Fatalf("webhook to %s: %v", wh.URL, body)
	}
	_, err := f.svc.Upload(context.Background(), upload.Request{Env: env, ResourceType: cumulus.Image, Params: signed("file", "x", "notification_url", "ftp://x/")})
	if err == nil || !strings.Contains(cumulus.PublicMessage(err), "Invalid notification_url") {
		t.Fatalf("ftp notification_url: %v", err)
	}
}

func TestExplicit(t *testing.T) {
	f := newFixture(t, "")
	ctx := context.Background()
	orig := f.upload(t, "x/one", "tags", "a,b", "context", "k=v")
	cases := []struct {
		name    string
		params  upload.Params
		wantErr string
		check   func(t *testing.T, r *upload.Result)
	}{
		{"unknown", signed("public_id", "x/nope"), "Resource not found - x/nope", nil},
		{"no public_id", signed("type", "upload"), "Missing required parameter - public_id", nil},
		{"bad signature", upload.Params{"public_id": {"x/one"}, "api_key": {"k"}, "timestamp": {strconv.FormatInt(time.Now().Unix(), 10)}, "signature": {"00"}}, "Invalid Signature", nil},
		{"eager only keeps tags", signed("public_id", "x/one", "type", "upload", "eager", "w_10/webp"), "", func(t *testing.T, r *upload.Result) {
			if r.AssetID != orig.AssetID || r.Version != orig.Version || strings.Join(r.Tags, ",") != "a,b" || len(r.Eager) != 1 || r.Eager[0].Format != "webp" {
				t.Fatalf("result = %+v", r)
			}
		}},
		{"tags and context replaced", signed("public_id", "x/one", "tags", "c", "context", "z=1"), "", func(t *testing.T, r *upload.Result) {
			if strings.Join(r.Tags, ",") != "c" || r.Context == nil || !reflect.DeepEqual(r.Context.Custom, map[string]string{"z": "1"}) {
				t.Fatalf("result = %+v", r)
			}
		}},
		{"invalidate queues a purge", signed("public_id", "x/one", "invalidate", "true"), "", func(t *testing.T, r *upload.Result) {
			tasks, _ := f.store.ClaimPurges(ctx, "t", 10, time.Now().Add(time.Second), time.Minute)
			if len(tasks) != 1 || tasks[0].Keys[0] != cumulus.SurrogateKey("demo", orig.AssetID) {
				t.Fatalf("purges = %+v", tasks)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := f.svc.Explicit(ctx, env, cumulus.Image, tc.params)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(cumulus.PublicMessage(err), tc.wantErr) {
					t.Fatalf("Explicit = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, r)
		})
	}
	if _, err := f.svc.Explicit(ctx, env, cumulus.Image, signed("public_id", "x/nope")); cumulus.KindOf(err) != cumulus.NotFound {
		t.Fatalf("unknown public ID: kind %v, want NotFound", cumulus.KindOf(err))
	}
}

func TestContextEndpoint(t *testing.T) {
	f := newFixture(t, "")
	ctx := context.Background()
	f.upload(t, "c/one", "context", "keep=1|alt=old")
	f.upload(t, "c/two")
	contextOf := func(id string) map[string]string {
		a, err := f.store.Asset(ctx, cumulus.AssetKey{Cloud: "demo", ResourceType: cumulus.Image, Type: cumulus.Upload, PublicID: id})
		if err != nil {
			t.Fatal(err)
		}
		return a.Context
	}
	cases := []struct {
		name    string
		params  upload.Params
		wantIDs string
		wantErr string
		want    map[string]map[string]string
	}{
		{"add merges", signed("command", "add", "context", `alt=new\|x|n=2`, "public_ids[]", "c/one", "public_ids[]", "c/two", "public_ids[]", "c/missing"),
			"c/one,c/two", "", map[string]map[string]string{"c/one": {"keep": "1", "alt": "new|x", "n": "2"}, "c/two": {"alt": "new|x", "n": "2"}}},
		{"remove_all clears", signed("command", "remove_all", "public_ids", "c/two"),
			"c/two", "", map[string]map[string]string{"c/one": {"keep": "1", "alt": "new|x", "n": "2"}, "c/two": {}}},
		{"no command", signed("public_ids", "c/two"), "", "Missing required parameter - command", nil},
		{"bad command", signed("command", "replace", "public_ids", "c/two"), "", "Invalid command - replace", nil},
		{"add without context", signed("command", "add", "public_ids", "c/two"), "", "Missing required parameter - context", nil},
		{"no ids", signed("command", "remove_all"), "", "Missing required parameter - public_ids", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := f.svc.Context(ctx, env, cumulus.Image, tc.params)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(cumulus.PublicMessage(err), tc.wantErr) {
					t.Fatalf("Context = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || strings.Join(got["public_ids"], ",") != tc.wantIDs {
				t.Fatalf("Context = %v, %v; want %s", got, err, tc.wantIDs)
			}
			for id, want := range tc.want {
				if c := contextOf(id); !reflect.DeepEqual(c, want) && !(len(c) == 0 && len(want) == 0) {
					t.Fatalf("context of %s = %v, want %v", id, c, want)
				}
			}
		})
	}
}
