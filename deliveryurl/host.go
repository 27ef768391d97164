package deliveryurl

import (
	"net"
	"strconv"
	"strings"
)

// HostInfo is what a Host header says about where a delivery request goes
// (spec §A.2, DESIGN.md §1 host rules).
type HostInfo struct {
	// Host is the lower-cased host name without port.
	Host string
	// Cloud is the cloud named by a private-CDN host "{cloud}-res.<domain>"
	// or "{cloud}-res-N.<domain>"; such URLs carry no cloud in the path.
	Cloud string
	// Shared is set for "res.<domain>" and "res-N.<domain>": the cloud is
	// the first path segment.
	Shared bool
	// Shard is N of res-N, {cloud}-res-N or aN., 0 without a shard.
	Shard int
	// CNAME is Host without an "aN." shard prefix (equal to Host when there
	// is none): the name to look up among the environments' CNAMEs.
	CNAME string
}

// ParseHost reads a Host header value. It never fails: a host it does not
// recognise comes back with only Host and CNAME set. The port, a trailing
// dot and IPv6 brackets are removed.
//
// The shapes are tried in this order: "res[-N].<domain>", then
// "{cloud}-res[-N].<domain>", then "a<N>.<rest>". The server should look
// Host up among configured CNAMEs before trusting Cloud, because a CNAME
// such as "media-res.example.com" also has the private-CDN shape.
func ParseHost(host string) HostInfo {
	h := strings.ToLower(strings.TrimSpace(host))
	if hp, _, err := net.SplitHostPort(h); err == nil {
		h = hp
	}
	h = strings.TrimSuffix(strings.TrimSuffix(strings.TrimPrefix(h, "["), "]"), ".")
	info := HostInfo{Host: h, CNAME: h}
	if net.ParseIP(h) != nil {
		return info
	}
	label, rest, ok := strings.Cut(h, ".")
	if !ok || rest == "" {
		return info // "localhost": nothing to read
	}
	name, shard := label, 0
	if i := strings.LastIndexByte(label, '-'); i > 0 {
		if n, err := strconv.Atoi(label[i+1:]); err == nil && n > 0 && isDigits(label[i+1:]) {
			name, shard = label[:i], n
		}
	}
	switch {
	case name == "res":
		info.Shared, info.Shard = true, shard
		return info
	case strings.HasSuffix(name, "-res") && len(name) > len("-res"):
		info.Cloud, info.Shard = name[:len(name)-len("-res")], shard
		return info
	}
	if len(label) >= 2 && label[0] == 'a' && isDigits(label[1:]) && strings.Contains(rest, ".") {
		if n, err := strconv.Atoi(label[1:]); err == nil && n > 0 {
			info.Shard, info.CNAME = n, rest
		}
	}
	return info
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if !isDigit(c) {
			return false
		}
	}
	return true
}
