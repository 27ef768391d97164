#!/usr/bin/env bash
# Checks Cumulus' dependencies for known vulnerabilities:
#   1. Go modules and the standard library with govulncheck (installed
#      through the Go module proxy when missing). It needs the Go
#      vulnerability database over the network; when that is unreachable
#      the script says so plainly and goes on.
#   2. The C libraries the server decodes untrusted images with (libvips,
#      libwebp, libpng, librsvg, libheif, libtiff): for each CVE below, the
#      installed library is fixed when its upstream version is at least the
#      first fixed release, or when its Debian changelog names the CVE (a
#      backported fix keeps the old upstream version number).
# Exit status: 0 all clear, 1 a known vulnerability is present, 2 something
# could not be checked and VULNCHECK_STRICT=1 was set.
set -uo pipefail
cd "$(dirname "$0")/.."

status=0
unchecked=0

# library (Debian binary package, pkg-config name) | CVE | first fixed upstream release
table='
libvips42   vips       CVE-2023-40032 8.14.5
libvips42   vips       CVE-2025-29769 8.16.1
libwebp7    libwebp    CVE-2023-4863  1.3.2
libwebp7    libwebp    CVE-2023-1999  1.3.1
libpng16-16 libpng16   CVE-2025-64505 1.6.51
libpng16-16 libpng16   CVE-2025-66293 1.6.52
librsvg2-2  librsvg-2.0 CVE-2023-38633 2.56.3
libheif1    libheif    CVE-2023-49462 1.17.6
libheif1    libheif    CVE-2024-41311 1.18.0
libtiff6    libtiff-4  CVE-2023-40745 4.6.0
libtiff6    libtiff-4  CVE-2023-41175 4.6.0
'

echo "== Go modules and standard library (govulncheck)"
gv=$(command -v govulncheck || true)
if [ -z "$gv" ]; then
  gobin="$(go env GOBIN)"
  [ -z "$gobin" ] && gobin="$(go env GOPATH)/bin"
  if [ -x "$gobin/govulncheck" ]; then
    gv="$gobin/govulncheck"
  else
    echo "installing govulncheck through the Go module proxy"
    if go install golang.org/x/vuln/cmd/govulncheck@latest; then
      gv="$gobin/govulncheck"
    fi
  fi
fi
if [ -z "$gv" ] || [ ! -x "$gv" ]; then
  echo "UNCHECKED: govulncheck could not be installed; Go dependencies were NOT checked"
  unchecked=1
else
  out=$(timeout 600 "$gv" ./... 2>&1)
  rc=$?
  if [ $rc -eq 0 ]; then
    echo "$out" | tail -n 3
    echo "ok: no known vulnerability reachable from Cumulus' code"
  elif echo "$out" | grep -qiE 'fetching vulnerabilities|no such host|dial tcp|connection refused|i/o timeout|TLS handshake'; then
    echo "$out" | grep -iE 'fetching|dial|host' | head -n 2
    echo "UNCHECKED: the Go vulnerability database (vuln.go.dev) is unreachable from this machine;"
    echo "           Go modules and the standard library were NOT checked. Run 'make vulncheck' where it is reachable."
    unchecked=1
  elif [ $rc -eq 3 ]; then
    echo "$out"
    echo "VULNERABLE: govulncheck found reachable vulnerabilities (above)"
    status=1
  else
    echo "$out" | tail -n 20
    echo "UNCHECKED: govulncheck failed (exit $rc)"
    unchecked=1
  fi
fi

echo
echo "== Native image libraries"
printf '%-12s %-24s %-15s %-8s %s\n' library installed CVE "fixed in" verdict
while read -r deb pc cve fixed; do
  [ -z "$deb" ] && continue
  installed="" upstream="" changelog=""
  if command -v dpkg-query >/dev/null && dpkg-query -W -f='${Status}' "$deb" 2>/dev/null | grep -q 'install ok installed'; then
    installed=$(dpkg-query -W -f='${Version}' "$deb")
    # Upstream part: drop the epoch, the Debian revision and +dfsg.
    upstream=$(echo "$installed" | sed -E 's/^[0-9]+://; s/-[^-]*$//; s/\+dfsg.*//; s/~.*//')
    for f in /usr/share/doc/"$deb"/changelog.Debian.gz /usr/share/doc/"$deb"/changelog.Debian; do
      [ -e "$f" ] && changelog="$f" && break
    done
  elif command -v pkg-config >/dev/null && pkg-config --exists "$pc"; then
    installed="$(pkg-config --modversion "$pc") (pkg-config)"
    upstream=$(pkg-config --modversion "$pc")
  fi
  if [ -z "$installed" ]; then
    verdict="not installed"
  elif [ "$(printf '%s\n%s\n' "$fixed" "$upstream" | sort -V | head -n1)" = "$fixed" ]; then
    verdict="ok (upstream $upstream ≥ $fixed)"
  elif [ -n "$changelog" ] && zcat -f "$changelog" | grep -q "$cve"; then
    verdict="ok (backported: the Debian changelog names $cve)"
  else
    verdict="VULNERABLE"
    status=1
  fi
  printf '%-12s %-24s %-15s %-8s %s\n' "$pc" "${installed:--}" "$cve" "$fixed" "$verdict"
done <<< "$table"

echo
if [ $status -ne 0 ]; then
  echo "vulncheck: known vulnerabilities present"
  exit 1
fi
if [ $unchecked -ne 0 ]; then
  echo "vulncheck: native libraries clear; Go dependencies UNCHECKED (see above)"
  [ "${VULNCHECK_STRICT:-}" = 1 ] && exit 2
  exit 0
fi
echo "vulncheck: all clear"
