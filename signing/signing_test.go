package signing

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cumulusmedia/cumulus"
)

// The vectors of spec §C.2, as strings to sign.
func TestSignStringVectors(t *testing.T) {
	tests := []struct {
		name, toSign, secret, algo, want string
	}{
		{"go acceptance sha256", "timestamp=123456789", "secret", SHA256,
			"06dbb2b05a8fdce468026e104596e6b8009dee3d08a6a62956ee7fef9aef8c74"},
		{"node sha1", "cloud_name=dn6ot3ged&timestamp=1568810420&username=user@cloudinary.com", "hdcixPpR2iKERPwqvH6sHdK9cyac", SHA1,
			"14c00ba6d0dfdedbc86b316847d95b9e6cd46d94"},
		{"node sha1 default algo", "cloud_name=dn6ot3ged&timestamp=1568810420&username=user@cloudinary.com", "hdcixPpR2iKERPwqvH6sHdK9cyac", "",
			"14c00ba6d0dfdedbc86b316847d95b9e6cd46d94"},
		{"node sha256", "cloud_name=dn6ot3ged&timestamp=1568810420&username=user@cloudinary.com", "hdcixPpR2iKERPwqvH6sHdK9cyac", SHA256,
			"45ddaa4fa01f0c2826f32f669d2e4514faf275fe6df053f1a150e7beae58a3bd"},
		{"node v2 escaped ampersand", "cloud_name=dn6ot3ged&notification_url=https://fake.com/callback?a=1%26tags=hello,world&timestamp=1568810420", "hdcixPpR2iKERPwqvH6sHdK9cyac", SHA1,
			"4fdf465dd89451cc1ed8ec5b3e314e8a51695704"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SignString(tt.toSign, tt.secret, tt.algo); got != tt.want {
				t.Errorf("SignString = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestStringToSign(t *testing.T) {
	tests := []struct {
		name    string
		params  url.Values
		version int
		want    string
	}{
		{"single", url.Values{"timestamp": {"123456789"}}, 2, "timestamp=123456789"},
		{"excluded keys dropped", url.Values{
			"cloud_name": {"dn6ot3ged"}, "timestamp": {"1568810420"}, "username": {"user@cloudinary.com"},
			"file": {"data:..."}, "resource_type": {"image"}, "api_key": {"123"}, "signature": {"abc"}, "unsigned": {"true"},
		}, 2, "timestamp=1568810420&username=user@cloudinary.com"},
		{"v2 escapes ampersand in values", url.Values{
			"notification_url": {"https://fake.com/callback?a=1&tags=hello,world"}, "timestamp": {"1568810420"},
		}, 2, "notification_url=https://fake.com/callback?a=1%26tags=hello,world&timestamp=1568810420"},
		{"v1 keeps ampersand", url.Values{
			"notification_url": {"https://fake.com/callback?a=1&tags=hello,world"}, "timestamp": {"1568810420"},
		}, 1, "notification_url=https://fake.com/callback?a=1&tags=hello,world&timestamp=1568810420"},
		{"empty values dropped", url.Values{"public_id": {""}, "tags": {""}, "timestamp": {"1"}}, 2, "timestamp=1"},
		{"no url encoding", url.Values{"public_id": {"a b/c+d%20"}, "timestamp": {"1"}}, 2, "public_id=a b/c+d%20&timestamp=1"},
		{"bytewise key order", url.Values{"b": {"1"}, "B": {"2"}, "a_b": {"3"}, "a": {"4"}}, 2, "B=2&a=4&a_b=3&b=1"},
		{"node and python key[]", url.Values{"public_ids[]": {"a", "b"}, "timestamp": {"1"}}, 2, "public_ids=a,b&timestamp=1"},
		{"go indexed keys", url.Values{"tags[0]": {"x"}, "tags[1]": {"y"}, "timestamp": {"1"}}, 2, "tags=x,y&timestamp=1"},
		{"go indexed keys sort as strings", url.Values{
			"t[0]": {"0"}, "t[1]": {"1"}, "t[2]": {"2"}, "t[10]": {"10"},
		}, 2, "t=0,10,1,2"}, // "t[10]" < "t[1]" bytewise, as Go orders them
		{"comma joined stays", url.Values{"tags": {"a,b"}, "timestamp": {"1"}}, 2, "tags=a,b&timestamp=1"},
		{"repeated key joined", url.Values{"tags": {"a", "b"}}, 2, "tags=a,b"},
		{"empty array element dropped", url.Values{"tags[]": {"a", "", "b"}}, 2, "tags=a,b"},
		{"excluded array", url.Values{"file[]": {"x"}, "timestamp": {"1"}}, 2, "timestamp=1"},
		{"not an array key", url.Values{"context[alt]": {"x"}, "a[b": {"y"}}, 2, "a[b=y&context[alt]=x"},
		{"booleans as sent", url.Values{"overwrite": {"true"}, "unique_filename": {"0"}}, 2, "overwrite=true&unique_filename=0"},
		{"nothing", url.Values{}, 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := StringToSign(tt.params, tt.version); got != tt.want {
				t.Errorf("StringToSign = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSignAndVerifyParams(t *testing.T) {
	const secret = "hdcixPpR2iKERPwqvH6sHdK9cyac"
	withCloud := url.Values{"cloud_name": {"dn6ot3ged"}, "timestamp": {"1568810420"}, "username": {"user@cloudinary.com"}}
	amp := url.Values{"notification_url": {"https://fake.com/callback?a=1&tags=hello,world"}, "timestamp": {"1568810420"}}
	tests := []struct {
		name      string
		params    url.Values
		signature string
		wantOK    bool
		wantStr   string
	}{
		{"signed with another secret", url.Values{"timestamp": {"123456789"}, "api_key": {"k"}},
			SignString("timestamp=123456789", "secret", SHA256), false, "timestamp=123456789"},
		{"sha1 v2", amp, SignParams(amp, secret, SHA1, 2), true,
			"notification_url=https://fake.com/callback?a=1%26tags=hello,world&timestamp=1568810420"},
		{"sha1 v1 accepted", amp, SignParams(amp, secret, SHA1, 1), true,
			"notification_url=https://fake.com/callback?a=1%26tags=hello,world&timestamp=1568810420"},
		{"sha256 v2", amp, SignParams(amp, secret, SHA256, 2), true,
			"notification_url=https://fake.com/callback?a=1%26tags=hello,world&timestamp=1568810420"},
		{"upper-case hex accepted", amp, strings.ToUpper(SignParams(amp, secret, SHA1, 2)), true,
			"notification_url=https://fake.com/callback?a=1%26tags=hello,world&timestamp=1568810420"},
		{"cloud_name is not signed", withCloud, SignString("timestamp=1568810420&username=user@cloudinary.com", secret, SHA1), true,
			"timestamp=1568810420&username=user@cloudinary.com"},
		{"node helper signing cloud_name is refused", withCloud, "14c00ba6d0dfdedbc86b316847d95b9e6cd46d94", false,
			"timestamp=1568810420&username=user@cloudinary.com"},
		{"tampered value", url.Values{"timestamp": {"1568810421"}, "username": {"user@cloudinary.com"}},
			SignString("timestamp=1568810420&username=user@cloudinary.com", secret, SHA1), false,
			"timestamp=1568810421&username=user@cloudinary.com"},
		{"bad length", amp, "abc", false,
			"notification_url=https://fake.com/callback?a=1%26tags=hello,world&timestamp=1568810420"},
		{"empty", amp, "", false,
			"notification_url=https://fake.com/callback?a=1%26tags=hello,world&timestamp=1568810420"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, s := VerifyParams(tt.params, secret, tt.signature)
			if ok != tt.wantOK || s != tt.wantStr {
				t.Errorf("VerifyParams = %v, %q; want %v, %q", ok, s, tt.wantOK, tt.wantStr)
			}
		})
	}
	// The Go acceptance vector with its own secret.
	if ok, _ := VerifyParams(url.Values{"timestamp": {"123456789"}, "api_key": {"k"}}, "secret",
		"06dbb2b05a8fdce468026e104596e6b8009dee3d08a6a62956ee7fef9aef8c74"); !ok {
		t.Error("Go acceptance vector (sha256) not verified")
	}
}

func TestResponseAndNotificationSignatures(t *testing.T) {
	tests := []struct {
		name, got, want string
	}{
		{"response sha1 v1", ResponseSignature("a&b", 1712345678, "s", SHA1),
			SignString("public_id=a&b&version=1712345678", "s", SHA1)},
		{"response sha256", ResponseSignature("sample", 1, "s", SHA256),
			SignString("public_id=sample&version=1", "s", SHA256)},
		{"notification sha1", NotificationSignature([]byte(`{"a":1}`), 1700000000, "s", ""),
			SignString(`{"a":1}1700000000s`, "", SHA1)},
		{"notification sha256", NotificationSignature([]byte("body"), 5, "k", SHA256),
			SignString("body5k", "", SHA256)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %s, want %s", tt.got, tt.want)
			}
		})
	}
	if n := len(ResponseSignature("x", 1, "s", SHA256)); n != 64 {
		t.Errorf("sha256 response signature has %d hex digits, want 64", n)
	}
}

// The worked examples of spec §C.1.
func TestURLSignature(t *testing.T) {
	tests := []struct {
		name, toSign, secret, algo string
		long                       bool
		want                       string
	}{
		{"seed doc", "w_300,h_250,e_grayscale/sample.png", "abcd", SHA1, false, "INQUGulu"},
		{"go test", "w_100/e_sepia/sample", "secret", "", false, "15JMHXkE"},
		{"node sha1", "sample.jpg", "b", SHA1, false, "v2fTPYTu"},
		{"node sha256 short", "sample.jpg", "b", SHA256, false, "2hbrSMPO"},
		{"long forces sha256", "sample.jpg", "b", SHA1, true, "2hbrSMPOjj5BJ4xV7SgFbRDevFaQNUFf"},
		{"node escaped id", "%25a%20(b).jpg", "b", SHA1, false, "z2Ifn6Vl"},
		{"crop", "c_crop,h_20,w_10/image.jpg", "b", SHA1, false, "Ai4Znfl3"},
		{"layer text keeps escapes", "co_red,l_text:Times_70_bold:Cool%25F0%259F%2598%258D/image.jpg", "b", SHA1, false, "Uqk1a-5W"},
		{"node folder escaped", "c_scale,w_100/folder/my%20image.jpg", "secret", SHA1, false, "RfKy22Ur"},
		{"go folder raw", "c_scale,w_100/folder/my image.jpg", "secret", SHA1, false, "OfQ2q3OP"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := URLSignature(tt.toSign, tt.secret, tt.algo, tt.long); got != tt.want {
				t.Errorf("URLSignature = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestCheckURLSignature(t *testing.T) {
	cands := []string{"w_100/other", "sample.jpg"}
	tests := []struct {
		name, sig, secret string
		cands             []string
		want              bool
	}{
		{"sha1 8", "v2fTPYTu", "b", cands, true},
		{"sha256 8", "2hbrSMPO", "b", cands, true},
		{"sha256 32", "2hbrSMPOjj5BJ4xV7SgFbRDevFaQNUFf", "b", cands, true},
		{"wrong secret", "v2fTPYTu", "c", cands, false},
		{"no candidate matches", "v2fTPYTu", "b", []string{"sample.png"}, false},
		{"no candidates", "v2fTPYTu", "b", nil, false},
		{"sha1 is never 32 long", URLSignature("sample.jpg", "b", SHA1, false) + "xxxxxxxxxxxxxxxxxxxxxxxx", "b", cands, false},
		{"odd length", "v2fTPYT", "b", cands, false},
		{"empty", "", "b", cands, false},
		{"case matters", "V2FTPYTU", "b", cands, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CheckURLSignature(tt.sig, tt.secret, tt.cands); got != tt.want {
				t.Errorf("CheckURLSignature = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCheckTimestamp(t *testing.T) {
	now := time.Date(2024, 4, 11, 14, 23, 40, 0, time.UTC)
	tests := []struct {
		name, ts string
		wantMsg  string // "" means accepted
	}{
		{"now", "1712845420", ""},
		{"one hour old is fine", "1712841820", ""},
		{"one hour ahead is fine", "1712849020", ""},
		{"stale", "1712841818", "Stale request - reported time is 2024-04-11 13:23:38 +0000 which is more than 1 hour ago"},
		{"future", "1712849021", "Stale request - reported time is 2024-04-11 15:23:41 +0000 which is more than 1 hour in the future"},
		{"zero", "0", "Stale request - reported time is 1970-01-01 00:00:00 +0000 which is more than 1 hour ago"},
		{"not a number", "abc", "Invalid timestamp - abc"},
		{"float", "1712845420.5", "Invalid timestamp - 1712845420.5"},
		{"overflow", "99999999999999999999", "Invalid timestamp - 99999999999999999999"},
		{"missing", "", "Missing required parameter - timestamp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckTimestamp(tt.ts, now)
			if tt.wantMsg == "" {
				if err != nil {
					t.Fatalf("CheckTimestamp = %v, want nil", err)
				}
				return
			}
			var ce *cumulus.Error
			if !errors.As(err, &ce) || ce.Kind != cumulus.Invalid || ce.Message != tt.wantMsg {
				t.Fatalf("CheckTimestamp = %#v, want Invalid %q", err, tt.wantMsg)
			}
		})
	}
}
