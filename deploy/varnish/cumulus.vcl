# Cumulus caching rules for Varnish 6.0 or later (tested with 7.1).
#
# Include it from a top-level VCL that declares the backend (a Cumulus
# node or a director over several) and the "cumulus_nodes" ACL, after one
# of the purge files: see default.vcl. The rules:
#
#   * The cache key is the URL and the normalised Host, nothing else: a
#     response differs by host (private-CDN and CNAME hosts select the
#     environment), never by any other request header except Accept, which
#     Cumulus names in Vary on f_auto responses and which is normalised
#     below to the few values that change the answer.
#   * Request headers that a proxy or framework might read but that are not
#     in the key (X-Forwarded-Host, X-Original-URL, X-Forwarded-Scheme, …)
#     are removed before the request reaches Cumulus, so no unkeyed input
#     can change what is stored (cache poisoning).
#   * Lifetimes come from Cumulus's Cache-Control: a year (immutable) for
#     an exact version, the configured max-age otherwise; errors are
#     no-store and so never cached (Varnish's built-in rules).
#   * Every object keeps the asset's surrogate keys in obj.http.xkey, from
#     Cumulus's xkey header or, from an older Cumulus, its Surrogate-Key.
#     A purge of "<cloud>/<asset_id>" drops every URL shape of the asset.

import std;

sub vcl_recv {
    # Purges that the purge file did not answer (method not allowed there).
    if (req.method == "PURGE" || req.method == "BAN") {
        return (synth(405, "Method not allowed"));
    }

    # Unkeyed headers: never forwarded.
    unset req.http.X-Forwarded-Host;
    unset req.http.X-Forwarded-Server;
    unset req.http.X-Forwarded-Scheme;
    unset req.http.X-Forwarded-Proto;
    unset req.http.X-Forwarded-Port;
    unset req.http.X-Forwarded-Prefix;
    unset req.http.Forwarded;
    unset req.http.X-Host;
    unset req.http.X-Original-URL;
    unset req.http.X-Original-Host;
    unset req.http.X-Rewrite-URL;
    unset req.http.X-HTTP-Method-Override;
    unset req.http.X-HTTP-Method;
    unset req.http.X-Method-Override;
    unset req.http.xkey;

    # The Host is part of the key: lower-case, without port or final dot.
    if (req.http.Host) {
        set req.http.Host = std.tolower(regsub(req.http.Host, "\.?(:[0-9]+)?$", ""));
    } else {
        set req.http.Host = "";
    }

    # The APIs and the console are never cached.
    if (req.url ~ "^/v1_1/" || req.url ~ "^/console(/|$)") {
        return (pass);
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }

    # Delivery ignores credentials and cookies: drop them so that they
    # neither reach Cumulus nor make Varnish bypass its cache.
    unset req.http.Authorization;
    unset req.http.Cookie;

    # The SDKs' analytics parameter (_a=) does not change the response.
    if (req.url ~ "[?&]_a=") {
        set req.url = regsuball(req.url, "([?&])_a=[^&]*&?", "\1");
        set req.url = regsub(req.url, "[?&]$", "");
    }

    # f_auto picks WebP (or AVIF) from Accept: keep only what decides it,
    # so that Vary: Accept makes at most four variants per URL.
    if (req.http.Accept) {
        set req.http.X-Cumulus-Accept = "";
        if (req.http.Accept ~ "(?i)image/avif\s*(,|$|;\s*q=(1|0\.[0-9]*[1-9]))") {
            set req.http.X-Cumulus-Accept = "image/avif,";
        }
        if (req.http.Accept ~ "(?i)image/webp\s*(,|$|;\s*q=(1|0\.[0-9]*[1-9]))") {
            set req.http.X-Cumulus-Accept = req.http.X-Cumulus-Accept + "image/webp,";
        }
        set req.http.Accept = req.http.X-Cumulus-Accept + "*/*";
        unset req.http.X-Cumulus-Accept;
    }
    return (hash);
}

sub vcl_hash {
    hash_data(req.url);
    hash_data(req.http.Host);
    return (lookup);
}

sub vcl_backend_response {
    if (!beresp.http.xkey && beresp.http.Surrogate-Key) {
        set beresp.http.xkey = beresp.http.Surrogate-Key;
    }
    # Anything else Cumulus varies on would be a key we did not choose.
    if (beresp.http.Vary && beresp.http.Vary !~ "^\s*(?i:accept)\s*$") {
        set beresp.uncacheable = true;
        set beresp.ttl = 120s;
        return (deliver);
    }
}

sub vcl_deliver {
    if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
    unset resp.http.xkey;
}
