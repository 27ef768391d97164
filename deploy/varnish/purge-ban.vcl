# Purge by surrogate key with bans, for a Varnish without the xkey module.
# Include before cumulus.vcl (after purge-xkey.vcl when that is used too).
# A Cumulus node sends
#     BAN / HTTP/1.1
#     xkey: demo/0123abcd…
# and gets 200 with "Cumulus-Purge: ban". Without xkey, a PURGE is answered
# 501 with "Cumulus-Purge: no-xkey", which tells Cumulus to use BAN. The
# ban tests only obj.* so the ban lurker removes matching objects in the
# background instead of leaving the bans to every lookup.

import std;

sub vcl_recv {
    if (req.method == "BAN" || req.method == "PURGE") {
        if (client.ip !~ cumulus_nodes) {
            return (synth(403, "Forbidden"));
        }
        if (req.method == "PURGE") {
            return (synth(501, "No xkey module: use BAN"));
        }
        # Keys are [A-Za-z0-9_/-]: nothing in them is special in a regex.
        if (!req.http.xkey || req.http.xkey !~ "^[A-Za-z0-9_/-]+( [A-Za-z0-9_/-]+)*$") {
            return (synth(400, "Missing or malformed xkey header"));
        }
        # The regex has no space, so it needs no quotes (quotes would be
        # taken as part of it).
        if (!std.ban("obj.http.xkey ~ (^|[[:blank:],])(" + regsuball(req.http.xkey, " ", "|") + ")([[:blank:],]|$)")) {
            return (synth(500, "Ban failed: " + std.ban_error()));
        }
        return (synth(200, "Banned"));
    }
}

sub vcl_synth {
    if (req.method == "BAN" && resp.status == 200) {
        set resp.http.Cumulus-Purge = "ban";
    }
    if (req.method == "PURGE" && resp.status == 501) {
        set resp.http.Cumulus-Purge = "no-xkey";
    }
}
