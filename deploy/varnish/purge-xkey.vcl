# Purge by surrogate key with the xkey module (Debian: varnish-modules).
# Include before cumulus.vcl. A Cumulus node sends
#     PURGE / HTTP/1.1
#     xkey: demo/0123abcd…
# and gets 200 with "Cumulus-Purge: xkey <objects purged>". BAN requests
# still work when purge-ban.vcl is included after this file.

import xkey;

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ cumulus_nodes) {
            return (synth(403, "Forbidden"));
        }
        if (!req.http.xkey || req.http.xkey !~ "^[A-Za-z0-9_/-]+( [A-Za-z0-9_/-]+)*$") {
            return (synth(400, "Missing or malformed xkey header"));
        }
        set req.http.X-Cumulus-Purged = xkey.purge(req.http.xkey);
        return (synth(200, "Purged"));
    }
}

sub vcl_synth {
    if (req.method == "PURGE" && resp.status == 200) {
        set resp.http.Cumulus-Purge = "xkey " + req.http.X-Cumulus-Purged;
    }
}
