package deliveryurl

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/cumulusmedia/cumulus"
	"github.com/cumulusmedia/cumulus/signing"
)

// want is the visible part of a Request.
type want struct {
	rt, typ  string
	form     Form
	sig      string
	trans    string
	version  int64
	hasVer   bool
	publicID string
	format   string
	suffix   string
}

func visible(r Request) want {
	return want{string(r.ResourceType), string(r.Type), r.Form, r.Signature, r.Transformation,
		r.Version, r.HasVersion, r.PublicID, r.Format, r.Suffix}
}

func TestParsePath(t *testing.T) {
	tests := []struct {
		name, path string
		want       want
	}{
		{"plain", "/image/upload/sample", want{rt: "image", typ: "upload", publicID: "sample"}},
		{"no leading slash", "image/upload/sample.jpg", want{rt: "image", typ: "upload", publicID: "sample", format: "jpg"}},
		{"chained transformation", "image/upload/c_fill,w_200,x_100,y_100/r_10/c_crop,w_100/test",
			want{rt: "image", typ: "upload", trans: "c_fill,w_200,x_100,y_100/r_10/c_crop,w_100", publicID: "test"}},
		{"folder with v1", "image/upload/v1/folder/test", want{rt: "image", typ: "upload", version: 1, hasVer: true, publicID: "folder/test"}},
		{"folder without version", "image/upload/folder/test", want{rt: "image", typ: "upload", publicID: "folder/test"}},
		{"unknown key is a folder", "image/upload/ab_cd/test", want{rt: "image", typ: "upload", publicID: "ab_cd/test"}},
		{"transformation-like folder without version", "image/upload/e_sepia/test", want{rt: "image", typ: "upload", trans: "e_sepia", publicID: "test"}},
		{"last segment always the public id", "image/upload/w_100", want{rt: "image", typ: "upload", publicID: "w_100"}},
		{"signed authenticated", "image/authenticated/s--15JMHXkE--/w_100/e_sepia/sample",
			want{rt: "image", typ: "authenticated", sig: "15JMHXkE", trans: "w_100/e_sepia", publicID: "sample"}},
		{"signature with dashes", "image/upload/s----SjmNDA--/v1234/image.jpg",
			want{rt: "image", typ: "upload", sig: "--SjmNDA", version: 1234, hasVer: true, publicID: "image", format: "jpg"}},
		{"long signature", "image/upload/s--2hbrSMPOjj5BJ4xV7SgFbRDevFaQNUFf--/sample.jpg",
			want{rt: "image", typ: "upload", sig: "2hbrSMPOjj5BJ4xV7SgFbRDevFaQNUFf", publicID: "sample", format: "jpg"}},
		{"version then folder named like a transformation", "image/upload/w_10/v5/e_sepia/x.png",
			want{rt: "image", typ: "upload", trans: "w_10", version: 5, hasVer: true, publicID: "e_sepia/x", format: "png"}},
		{"folder v-digits-letters is no version", "image/upload/v2folder/x", want{rt: "image", typ: "upload", publicID: "v2folder/x"}},
		{"escapes decoded plus kept", "image/upload/a%2Bb+c%20d", want{rt: "image", typ: "upload", publicID: "a+b+c d"}},
		{"escaped slash is a folder", "image/upload/v1/a%2Fb", want{rt: "image", typ: "upload", version: 1, hasVer: true, publicID: "a/b"}},
		{"double slashes collapsed", "image/upload//v1//folder//img.jpg", want{rt: "image", typ: "upload", version: 1, hasVer: true, publicID: "folder/img", format: "jpg"}},
		{"unicode", "image/authenticated/v1486020273/%C3%B1and%C3%BA.jpg",
			want{rt: "image", typ: "authenticated", version: 1486020273, hasVer: true, publicID: "ñandú", format: "jpg"}},
		{"node parentheses", "image/upload/s--z2Ifn6Vl--/%25a%20(b).jpg", want{rt: "image", typ: "upload", sig: "z2Ifn6Vl", publicID: "%a (b)", format: "jpg"}},
		{"long extension is part of the id", "image/upload/my.file.backup", want{rt: "image", typ: "upload", publicID: "my.file.backup"}},
		{"upper-case extension is part of the id", "image/upload/a.JPG", want{rt: "image", typ: "upload", publicID: "a.JPG"}},
		{"dot file", "image/upload/.hidden", want{rt: "image", typ: "upload", publicID: ".hidden"}},
		{"raw keeps extension", "raw/private/v123456/document.docx", want{rt: "raw", typ: "private", version: 123456, hasVer: true, publicID: "document.docx"}},
		{"video with format", "video/upload/w_100/movie.jpg", want{rt: "video", typ: "upload", trans: "w_100", publicID: "movie", format: "jpg"}},
		{"list json", "image/list/my_tag.json", want{rt: "image", typ: "list", publicID: "my_tag", format: "json"}},
		{"any list", "any/list/s--abcdefgh--/my_tag.json", want{rt: "any", typ: "list", sig: "abcdefgh", publicID: "my_tag", format: "json"}},
		{"seo with format on suffix", "images/s--s2G9O_wT--/test/hello.jpg",
			want{rt: "image", typ: "upload", form: FormSEO, sig: "s2G9O_wT", publicID: "test", format: "jpg", suffix: "hello"}},
		{"seo node extension on id", "images/sample.jpg/basketball-game",
			want{rt: "image", typ: "upload", form: FormSEO, publicID: "sample", format: "jpg", suffix: "basketball-game"}},
		{"seo transformation", "images/a_0/test/hello", want{rt: "image", typ: "upload", form: FormSEO, trans: "a_0", publicID: "test", suffix: "hello"}},
		{"seo raw go", "files/go_test_image/my_favorite_sample.bin",
			want{rt: "raw", typ: "upload", form: FormSEO, publicID: "go_test_image.bin", suffix: "my_favorite_sample"}},
		{"seo raw node", "files/doc.bin/name", want{rt: "raw", typ: "upload", form: FormSEO, publicID: "doc.bin", suffix: "name"}},
		{"seo videos", "videos/v3/clip/trailer.mp4", want{rt: "video", typ: "upload", form: FormSEO, version: 3, hasVer: true, publicID: "clip", format: "mp4", suffix: "trailer"}},
		{"seo private", "private_images/x/y", want{rt: "image", typ: "private", form: FormSEO, publicID: "x", suffix: "y"}},
		{"seo authenticated", "authenticated_images/x/y", want{rt: "image", typ: "authenticated", form: FormSEO, publicID: "x", suffix: "y"}},
		{"short", "iu/test", want{rt: "image", typ: "upload", form: FormShort, publicID: "test"}},
		{"root", "test", want{rt: "image", typ: "upload", form: FormRoot, publicID: "test"}},
		{"root with transformation", "/a_0/test.png", want{rt: "image", typ: "upload", form: FormRoot, trans: "a_0", publicID: "test", format: "png"}},
		{"root folder named image", "image/foo/bar", want{rt: "image", typ: "upload", form: FormRoot, publicID: "image/foo/bar"}},
		{"root signed", "s--abcdefgh--/x", want{rt: "image", typ: "upload", form: FormRoot, sig: "abcdefgh", publicID: "x"}},
		{"fetch", "image/fetch/f_jpg/https://cloudinary.com/images/logo.png",
			want{rt: "image", typ: "fetch", trans: "f_jpg", publicID: "https://cloudinary.com/images/logo.png"}},
		{"fetch escaped query", "image/fetch/http://blah.com/hello%3Fa%3Db", want{rt: "image", typ: "fetch", publicID: "http://blah.com/hello?a=b"}},
		{"fetch versioned", "image/fetch/s--hH_YcbiS--/v1234/http://google.com/path/to/image.png",
			want{rt: "image", typ: "fetch", sig: "hH_YcbiS", version: 1234, hasVer: true, publicID: "http://google.com/path/to/image.png"}},
		{"fetch with v-segment inside url", "image/fetch/https://x.com/v2/a.png", want{rt: "image", typ: "fetch", publicID: "https://x.com/v2/a.png"}},
		{"fn with colon is not a url", "image/upload/fn_wasm:/test", want{rt: "image", typ: "upload", trans: "fn_wasm:", publicID: "test"}},
		{"variables and conditions", "image/upload/if_w_lt_200,$v_10,r_$v/if_end/sample",
			want{rt: "image", typ: "upload", trans: "if_w_lt_200,$v_10,r_$v/if_end", publicID: "sample"}},
		{"layer text escapes kept", "image/upload/c_scale,l_text:Arial_18:Hello%20%252C/sample",
			want{rt: "image", typ: "upload", trans: "c_scale,l_text:Arial_18:Hello%20%252C", publicID: "sample"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ParsePath(tt.path)
			if err != nil {
				t.Fatalf("ParsePath(%q): %v", tt.path, err)
			}
			if got := visible(r); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParsePath(%q)\n got  %+v\n want %+v", tt.path, got, tt.want)
			}
		})
	}
}

func TestParsePathErrors(t *testing.T) {
	tests := []struct {
		name, path string
		kind       cumulus.Kind
		msg        string
	}{
		{"empty", "", cumulus.NotFound, "Resource not found - missing public ID"},
		{"slash", "/", cumulus.NotFound, "Resource not found - missing public ID"},
		{"asset part only", "image/upload/", cumulus.NotFound, "Resource not found - missing public ID"},
		{"version only", "image/upload/w_100/v12", cumulus.NotFound, "Resource not found - missing public ID"},
		{"bad escape", "image/upload/a%zz", cumulus.Invalid, "Invalid URL escape in a%zz"},
		{"version overflow", "image/upload/v99999999999999999999/x", cumulus.Invalid, "Invalid version - v99999999999999999999"},
		{"seo without suffix", "images/test", cumulus.Invalid, "Missing SEO suffix"},
		{"too long", "image/upload/" + strings.Repeat("a", MaxPathLen), cumulus.Invalid, "URL too long"},
		{"bad escape in remote", "image/fetch/https://x/%zz", cumulus.Invalid, "Invalid URL escape in https://x/%zz"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePath(tt.path)
			var ce *cumulus.Error
			if !errors.As(err, &ce) || ce.Kind != tt.kind || ce.Message != tt.msg {
				t.Errorf("ParsePath(%q) = %v, want %v %q", tt.path, err, tt.kind, tt.msg)
			}
		})
	}
}

func TestSuffixAlternative(t *testing.T) {
	r, err := ParsePath("test/hello.jpg")
	if err != nil {
		t.Fatal(err)
	}
	alt, ok := r.SuffixAlternative()
	if !ok || alt.PublicID != "test" || alt.Suffix != "hello" || alt.Format != "jpg" {
		t.Errorf("SuffixAlternative = %+v, %v", visible(alt), ok)
	}
	for _, p := range []string{"test", "image/upload/a/b", "images/a/b"} {
		r, err := ParsePath(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := r.SuffixAlternative(); ok {
			t.Errorf("%q has a suffix alternative", p)
		}
	}
}

func TestSigningCandidates(t *testing.T) {
	tests := []struct {
		name, path string
		want       []string
	}{
		{"unsigned plain", "image/upload/sample.jpg", []string{"sample.jpg"}},
		{"escaped and decoded", "image/upload/c_scale,w_100/v1/folder/my%20image.jpg", []string{
			"c_scale,w_100/folder/my%20image.jpg", "c_scale,w_100/folder/my image.jpg",
			"c_scale,w_100/v1/folder/my%20image.jpg", "c_scale,w_100/v1/folder/my image.jpg"}},
		{"seo signs id with suffix extension", "images/s--s2G9O_wT--/test/hello.jpg", []string{"test.jpg"}},
		{"go spaces in transformation", "image/upload/t_blip%20blop/x", []string{"t_blip%20blop/x", "t_blip blop/x"}},
		{"fetch", "image/fetch/http://blah.com/hello%3Fa%3Db", []string{"http://blah.com/hello%3Fa%3Db", "http://blah.com/hello?a=b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ParsePath(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			if got := r.SigningCandidates(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("SigningCandidates = %q, want %q", got, tt.want)
			}
		})
	}
}

// The URLs of spec §C.1 whose signatures come from SDK tests verify, and
// a tampered transformation does not.
func TestSignedPathsVerify(t *testing.T) {
	tests := []struct {
		name, path, secret string
		ok                 bool
	}{
		{"go authenticated", "image/authenticated/s--15JMHXkE--/w_100/e_sepia/sample", "secret", true},
		{"node version not signed", "image/upload/s--Ai4Znfl3--/c_crop,h_20,w_10/v1234/image.jpg", "b", true},
		{"node escaped", "image/upload/s--RfKy22Ur--/c_scale,w_100/v1/folder/my%20image.jpg", "secret", true},
		{"go raw", "image/upload/s--OfQ2q3OP--/c_scale,w_100/v1/folder/my%20image.jpg", "secret", true},
		{"seo", "images/s--nUBbCeTr--/a_0/test/hello.jpg", "b", true},
		{"sha256 short", "image/upload/s--2hbrSMPO--/sample.jpg", "b", true},
		{"long", "image/upload/s--2hbrSMPOjj5BJ4xV7SgFbRDevFaQNUFf--/sample.jpg", "b", true},
		{"tampered transformation", "image/authenticated/s--15JMHXkE--/w_200/e_sepia/sample", "secret", false},
		{"tampered id", "image/authenticated/s--15JMHXkE--/w_100/e_sepia/sample2", "secret", false},
		{"wrong secret", "image/authenticated/s--15JMHXkE--/w_100/e_sepia/sample", "other", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ParsePath(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			if got := signing.CheckURLSignature(r.Signature, tt.secret, r.SigningCandidates()); got != tt.ok {
				t.Errorf("verified = %v, want %v (candidates %q)", got, tt.ok, r.SigningCandidates())
			}
		})
	}
}

func TestLooksLikeTransformation(t *testing.T) {
	tests := []struct {
		seg  string
		want bool
	}{
		{"c_fill,w_100", true}, {"w_100", true}, {"$v_10,r_$v", true}, {"if_else", true},
		{"fl_layer_apply", true}, {"l_text:Arial_18:Hi%20there", true}, {"fn_wasm:", true},
		{"folder", false}, {"ab_cd", false}, {"w_", false}, {"c_fill,", false}, {"_x", false},
		{"$_1", false}, {"", false}, {"w_100,folder", false}, {"v1", false},
	}
	for _, tt := range tests {
		if got := LooksLikeTransformation(tt.seg); got != tt.want {
			t.Errorf("LooksLikeTransformation(%q) = %v, want %v", tt.seg, got, tt.want)
		}
	}
}

func TestParseHost(t *testing.T) {
	tests := []struct {
		host string
		want HostInfo
	}{
		{"res.cloudinary.com", HostInfo{Host: "res.cloudinary.com", CNAME: "res.cloudinary.com", Shared: true}},
		{"res-4.cloudinary.com", HostInfo{Host: "res-4.cloudinary.com", CNAME: "res-4.cloudinary.com", Shared: true, Shard: 4}},
		{"test123-res.cloudinary.com", HostInfo{Host: "test123-res.cloudinary.com", CNAME: "test123-res.cloudinary.com", Cloud: "test123"}},
		{"My-Cloud-res-3.media.example.org:8443", HostInfo{Host: "my-cloud-res-3.media.example.org", CNAME: "my-cloud-res-3.media.example.org", Cloud: "my-cloud", Shard: 3}},
		{"a3.hello.com", HostInfo{Host: "a3.hello.com", CNAME: "hello.com", Shard: 3}},
		{"a2.hello.com:8080", HostInfo{Host: "a2.hello.com", CNAME: "hello.com", Shard: 2}},
		{"a1.com", HostInfo{Host: "a1.com", CNAME: "a1.com"}},
		{"hello.com.", HostInfo{Host: "hello.com", CNAME: "hello.com"}},
		{"localhost:8080", HostInfo{Host: "localhost", CNAME: "localhost"}},
		{"127.0.0.1:8080", HostInfo{Host: "127.0.0.1", CNAME: "127.0.0.1"}},
		{"[::1]:8080", HostInfo{Host: "::1", CNAME: "::1"}},
		{"-res.example.com", HostInfo{Host: "-res.example.com", CNAME: "-res.example.com"}},
		{"res-x.example.com", HostInfo{Host: "res-x.example.com", CNAME: "res-x.example.com"}},
		{"media.example.com", HostInfo{Host: "media.example.com", CNAME: "media.example.com"}},
		{"", HostInfo{}},
	}
	for _, tt := range tests {
		if got := ParseHost(tt.host); got != tt.want {
			t.Errorf("ParseHost(%q) = %+v, want %+v", tt.host, got, tt.want)
		}
	}
}
