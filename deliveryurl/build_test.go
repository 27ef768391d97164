package deliveryurl

import (
	"errors"
	"testing"

	"github.com/cumulusmedia/cumulus"
)

// Cases beyond the vector file: the documented differences between the
// SDKs (spec §A.2, §A.6, §A.8, §C.1, §H) and the errors.
func TestBuildDialects(t *testing.T) {
	f := false
	tests := []struct {
		name, id string
		o        Options
		want     string
	}{
		{"node keeps parentheses", "a (b)", Options{Cloud: "c"}, "https://res.cloudinary.com/c/image/upload/a%20(b)"},
		{"go escapes parentheses", "a (b)", Options{Cloud: "c", Dialect: Go}, "https://res.cloudinary.com/c/image/upload/a%20%28b%29"},
		{"python escapes tilde", "a~b", Options{Cloud: "c", Dialect: Python}, "https://res.cloudinary.com/c/image/upload/a%7Eb"},
		{"node signs escaped", "folder/my image.jpg", Options{Cloud: "c", Transformation: "c_scale,w_100", SignURL: true, APISecret: "secret"},
			"https://res.cloudinary.com/c/image/upload/s--RfKy22Ur--/c_scale,w_100/v1/folder/my%20image.jpg"},
		{"go signs raw", "folder/my image.jpg", Options{Cloud: "c", Transformation: "c_scale,w_100", SignURL: true, APISecret: "secret", Dialect: Go},
			"https://res.cloudinary.com/c/image/upload/s--OfQ2q3OP--/c_scale,w_100/v1/folder/my%20image.jpg"},
		{"go moves extension after suffix", "go_test_image.png", Options{Cloud: "c", URLSuffix: "fav", Dialect: Go},
			"https://res.cloudinary.com/c/images/go_test_image/fav.png"},
		{"node keeps extension on id", "sample.jpg", Options{Cloud: "c", URLSuffix: "fav"},
			"https://res.cloudinary.com/c/images/sample.jpg/fav"},
		{"go shorten with suffix", "x", Options{Cloud: "c", Shorten: true, URLSuffix: "s", Dialect: Go}, "https://res.cloudinary.com/c/iu/x/s"},
		{"node suffix wins over shorten", "x", Options{Cloud: "c", Shorten: true, URLSuffix: "s"}, "https://res.cloudinary.com/c/images/x/s"},
		{"go root path ignored for video", "x", Options{Cloud: "c", ResourceType: "video", UseRootPath: true, Dialect: Go},
			"https://res.cloudinary.com/c/video/upload/x"},
		{"node explicit secure_cdn_subdomain false", "test", Options{Cloud: "c", CDNSubdomain: true, SecureCDNSubdomain: &f},
			"https://res.cloudinary.com/c/image/upload/test"},
		{"go cannot say false", "test", Options{Cloud: "c", CDNSubdomain: true, SecureCDNSubdomain: &f, Dialect: Go},
			"https://res-2.cloudinary.com/c/image/upload/test"},
		{"node shard from escaped source with format", "sample", Options{Cloud: "c", CDNSubdomain: true, Format: "jpg"},
			"https://res-4.cloudinary.com/c/image/upload/sample.jpg"},
		{"go shard from raw id", "sample", Options{Cloud: "c", CDNSubdomain: true, Format: "jpg", Dialect: Go},
			"https://res-4.cloudinary.com/c/image/upload/sample.jpg"},
		{"http cname shard", "test", Options{Cloud: "c", Insecure: true, CNAME: "hello.com", CDNSubdomain: true},
			"http://a2.hello.com/c/image/upload/test"},
		{"cname ignored on https", "test", Options{Cloud: "c", CNAME: "hello.com"}, "https://res.cloudinary.com/c/image/upload/test"},
		{"secure distribution private", "test", Options{Cloud: "c", PrivateCDN: true, SecureDistribution: "cdn.example.com"},
			"https://cdn.example.com/image/upload/test"},
		{"old akamai host is unset", "test", Options{Cloud: "c", SecureDistribution: "cloudinary-a.akamaihd.net"},
			"https://res.cloudinary.com/c/image/upload/test"},
		{"python shared host even private", "test", Options{Cloud: "c", PrivateCDN: true, SecureDistribution: "res.cloudinary.com", Dialect: Python},
			"https://res.cloudinary.com/c/image/upload/test"},
		{"force version off", "folder/test", Options{Cloud: "c", DisableForceVersion: true}, "https://res.cloudinary.com/c/image/upload/folder/test"},
		{"no v1 for v-digits folder", "v2folder/x", Options{Cloud: "c"}, "https://res.cloudinary.com/c/image/upload/v2folder/x"},
		{"go collapses double slash", "folder//img", Options{Cloud: "c", Dialect: Go}, "https://res.cloudinary.com/c/image/upload/v1/folder/img"},
		{"long signature", "sample.jpg", Options{Cloud: "c", SignURL: true, APISecret: "b", LongURLSignature: true},
			"https://res.cloudinary.com/c/image/upload/s--2hbrSMPOjj5BJ4xV7SgFbRDevFaQNUFf--/sample.jpg"},
		{"params and raw transformation share a component", "x", Options{Cloud: "c", Params: Params{"width": 100}, Transformation: "e_sepia"},
			"https://res.cloudinary.com/c/image/upload/w_100,e_sepia/x"},
		{"structured chain", "x", Options{Cloud: "c", Params: Params{"transformation": []any{Params{"crop": "fill", "width": 10}, map[string]any{"effect": "sepia"}}, "angle": 90}},
			"https://res.cloudinary.com/c/image/upload/c_fill,w_10/e_sepia/a_90/x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Build(tt.id, tt.o)
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			if got != tt.want {
				t.Errorf("Build\n got  %s\n want %s", got, tt.want)
			}
		})
	}
}

func TestBuildErrors(t *testing.T) {
	tests := []struct {
		name string
		o    Options
		msg  string
	}{
		{"no cloud", Options{}, "Unknown cloud_name"},
		{"node suffix on fetch", Options{Cloud: "c", Type: "fetch", URLSuffix: "s"},
			"URL Suffix only supported for image/upload, image/private, image/authenticated, video/upload and raw/upload"},
		{"go suffix on video private", Options{Cloud: "c", ResourceType: "video", Type: "private", URLSuffix: "s", Dialect: Go},
			"URL Suffix is not supported for video/private"},
		{"suffix with dot", Options{Cloud: "c", URLSuffix: "a.b"}, "url_suffix should not include . or /"},
		{"root path for raw", Options{Cloud: "c", ResourceType: "raw", UseRootPath: true}, "Root path only supported for image/upload"},
		{"radius too long", Options{Cloud: "c", Params: Params{"radius": []any{1, 2, 3, 4, 5}}}, "Radius array should contain between 1 and 4 values"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Build("x", tt.o)
			var ce *cumulus.Error
			if !errors.As(err, &ce) || ce.Kind != cumulus.Invalid || ce.Message != tt.msg {
				t.Errorf("Build error = %v, want Invalid %q", err, tt.msg)
			}
		})
	}
	_, err := Build("x", Options{Cloud: "c", Params: Params{"widht": 1}})
	var un *Unsupported
	if !errors.As(err, &un) || un.Option != "widht" {
		t.Errorf("Build with unknown option: %v, want *Unsupported{widht}", err)
	}
}
