vcl 4.1;

# Varnish in front of Cumulus. Copy this file, set the backend and the
# addresses of the Cumulus nodes, and start Varnish with
#     varnishd -a :6081 -f /etc/varnish/default.vcl -p vcl_path=/path/to/deploy/varnish
# Cumulus purges it when started with CUMULUS_PURGE=varnish:http://<varnish>:6081.

backend cumulus {
    .host = "127.0.0.1";
    .port = "8080";
}

# Only these addresses may send PURGE and BAN: the Cumulus nodes.
acl cumulus_nodes {
    "127.0.0.1";
    "::1";
}

# Purge with the xkey module (package varnish-modules). Without it, remove
# this line: Cumulus then falls back to BAN by itself.
include "purge-xkey.vcl";
include "purge-ban.vcl";
include "cumulus.vcl";
