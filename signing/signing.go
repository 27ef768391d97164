// Package signing computes and checks the signatures of Cloudinary's wire
// protocol: API request signatures (spec §C.2), the upload-response
// signature (§C.3), webhook notification signatures (§C.4) and the
// s--SIG-- component of delivery URLs (§C.1).
//
// Everything here is pure: no I/O and no clock. Callers pass the current
// time, so expiry and staleness can be tested. Every comparison of a
// secret-derived value is constant time.
package signing

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"strconv"
	"strings"
	"time"

	"github.com/cumulusmedia/cumulus"
)

// The hash algorithms the SDKs use, spelled as in their signature_algorithm
// setting. An empty algorithm means SHA1, the SDKs' default.
const (
	SHA1   = "sha1"
	SHA256 = "sha256"
)

// newHash returns the hash named by algo; anything but "sha256" is SHA-1,
// which is what the SDKs do with an unknown setting too.
func newHash(algo string) hash.Hash {
	if strings.EqualFold(algo, SHA256) {
		return sha256.New()
	}
	return sha1.New()
}

func digest(algo string, parts ...[]byte) []byte {
	h := newHash(algo)
	for _, p := range parts {
		h.Write(p)
	}
	return h.Sum(nil)
}

func hexDigest(algo string, parts ...[]byte) string {
	return hex.EncodeToString(digest(algo, parts...))
}

// equal compares two strings in time that depends only on their lengths.
func equal(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// ResponseSignature returns the signature field of an upload response: the
// hex digest of "public_id=<id>&version=<version>" followed by the secret,
// with no escaping of '&' (signature version 1, as every SDK's
// verify_api_response_signature expects).
func ResponseSignature(publicID string, version int64, secret, algo string) string {
	s := "public_id=" + publicID + "&version=" + strconv.FormatInt(version, 10)
	return hexDigest(algo, []byte(s), []byte(secret))
}

// NotificationSignature returns the X-Cld-Signature of a webhook: the hex
// digest of the raw body, the decimal timestamp and the secret, in that
// order. The timestamp goes in X-Cld-Timestamp.
func NotificationSignature(body []byte, timestamp int64, secret, algo string) string {
	return hexDigest(algo, body, []byte(strconv.FormatInt(timestamp, 10)), []byte(secret))
}

// MaxRequestAge is how far a signed API request's timestamp may be from the
// server's clock, in either direction.
const MaxRequestAge = time.Hour

// CheckTimestamp checks the timestamp parameter of a signed API request
// against now. It returns nil when ts is a decimal Unix time no more than
// MaxRequestAge from now, and otherwise an *cumulus.Error of kind Invalid:
//
//   - empty: "Missing required parameter - timestamp" (Cloudinary's wording
//     for any missing parameter);
//   - not an integer: "Invalid timestamp - <ts>";
//   - too old: Cloudinary's "Stale request - reported time is 2024-04-11
//     13:23:38 +0000 which is more than 1 hour ago";
//   - too far in the future: the same sentence ending "which is more than 1
//     hour in the future". Cloudinary's text for this case is not known; we
//     keep the "Stale request" prefix so clients that match on it treat both
//     clock-skew failures alike.
func CheckTimestamp(ts string, now time.Time) error {
	const op = "signing.CheckTimestamp"
	if ts == "" {
		return cumulus.Errorf(cumulus.Invalid, op, "Missing required parameter - timestamp")
	}
	sec, err := strconv.ParseInt(strings.TrimSpace(ts), 10, 64)
	if err != nil {
		return cumulus.Errorf(cumulus.Invalid, op, "Invalid timestamp - %s", ts)
	}
	// Compare in seconds so that absurd values cannot overflow time.Duration.
	age := now.Unix() - sec
	limit := int64(MaxRequestAge / time.Second)
	reported := func() string { return time.Unix(sec, 0).UTC().Format("2006-01-02 15:04:05 -0700") }
	switch {
	case age > limit:
		return cumulus.Errorf(cumulus.Invalid, op, "Stale request - reported time is %s which is more than 1 hour ago", reported())
	case age < -limit:
		return cumulus.Errorf(cumulus.Invalid, op, "Stale request - reported time is %s which is more than 1 hour in the future", reported())
	}
	return nil
}

// urlSafe is the alphabet of delivery-URL signatures: standard base64 with
// '+' and '/' replaced by '-' and '_', padding kept (it never reaches the
// 8 or 32 characters that are used).
var urlSafe = base64.URLEncoding

// URLSignature returns the text between "s--" and "--" of a delivery URL
// that signs toSign (transformation and public ID joined by '/', §C.1): the
// URL-safe base64 of HASH(toSign + secret), cut to 8 characters, or to 32
// characters of a SHA-256 digest when long is set (long_url_signature, which
// forces SHA-256 whatever algo says).
func URLSignature(toSign, secret, algo string, long bool) string {
	if long {
		return urlSafe.EncodeToString(digest(SHA256, []byte(toSign), []byte(secret)))[:32]
	}
	return urlSafe.EncodeToString(digest(algo, []byte(toSign), []byte(secret)))[:8]
}

// CheckURLSignature reports whether sig, the text between "s--" and "--",
// signs one of the candidate strings with secret. The signature's length
// picks the algorithms: 8 characters are tried as SHA-1 and as SHA-256, 32
// as SHA-256; any other length is false. Every candidate is checked, in
// constant time, so the timing does not tell which one matched.
func CheckURLSignature(sig, secret string, candidates []string) bool {
	var algos []string
	long := false
	switch len(sig) {
	case 8:
		algos = []string{SHA1, SHA256}
	case 32:
		algos, long = []string{SHA256}, true
	default:
		return false
	}
	ok := 0
	for _, c := range candidates {
		for _, a := range algos {
			ok |= subtle.ConstantTimeCompare([]byte(sig), []byte(URLSignature(c, secret, a, long)))
		}
	}
	return ok == 1
}
