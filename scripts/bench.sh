#!/usr/bin/env bash
# make bench: throughput figures against a real server, each beside its
# anchor measured in the same run on the same machine (docs/performance.md).
#   1. uploads/s of the 680 KB JPEG at concurrency 8 (cumulus-bench)
#   2. delivery of that stored original at concurrency 32 (wrk), beside
#      nginx serving the same file statically
# Environment: BENCH_DURATION (default 10s).
set -euo pipefail
cd "$(dirname "$0")/.."
dur=${BENCH_DURATION:-10s}
img=../shared/images/photo-1920x1280.jpg
[ -f "$img" ] || { echo "bench: $img is missing" >&2; exit 1; }

work=$(mktemp -d)
chmod 755 "$work" # nginx workers run as another user
cleanup() {
  # Keep the server's log for a post-mortem.
  [ -f "$work/serve.log" ] && cp "$work/serve.log" "${TMPDIR:-/tmp}/cumulus-bench-serve.log"
  [ -n "${srv:-}" ] && kill "$srv" 2>/dev/null || true
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/cumulus-bench" ./cmd/cumulus-bench
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cport=$(port); nport=$(port)

echo "== machine: $(nproc) cores, $(uname -r), $(date -u +%Y-%m-%dT%H:%MZ)"
CLOUDINARY_URL=cloudinary://111:benchsecret@demo bin/cumulus serve --addr 127.0.0.1:$cport --data "$work/data" --log-level warn >"$work/serve.log" 2>&1 &
srv=$!
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$cport/" && break; sleep 0.1; done

rss() { awk '/VmRSS/ {r=$2} /VmHWM/ {h=$2} END {printf "rss %.0f MB, peak %.0f MB", r/1024, h/1024}' /proc/$srv/status; }

echo "== 1. upload: 680 KB JPEG, concurrency 8, $dur"
"$work/cumulus-bench" upload -url "http://127.0.0.1:$cport" -cloud demo -key 111 -secret benchsecret -concurrency 8 -duration "$dur" "$img"

# One asset to deliver, and the same bytes for nginx.
"$work/cumulus-bench" upload -url "http://127.0.0.1:$cport" -cloud demo -key 111 -secret benchsecret -concurrency 1 -duration 1ms "$img" >/dev/null
mkdir -p "$work/www"; cp "$img" "$work/www/photo.jpg"; chmod -R a+rX "$work/www"
cat >"$work/nginx.conf" <<NGINX
worker_processes auto;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on; tcp_nopush on; keepalive_requests 100000;
  types { image/jpeg jpg; }
  server { listen 127.0.0.1:$nport; root $work/www; }
}
NGINX
nginx -c "$work/nginx.conf" -e "$work/nginx-error.log"

wrkrun() { # name url [expected-bytes]
  local out code size
  read -r code size < <(curl -s -o /dev/null -w '%{http_code} %{size_download}\n' "$2")
  if [ "$code" != 200 ] || { [ -n "${3:-}" ] && [ "$size" != "$3" ]; }; then
    echo "bench: $1 answered $code with $size bytes; not measuring it" >&2
    return 1
  fi
  out=$(wrk -t2 -c32 -d"$dur" --latency "$2")
  if grep -q "Non-2xx\|Socket errors" <<<"$out"; then
    echo "bench: $1 had errors during the run:" >&2
    grep "Non-2xx\|Socket errors" <<<"$out" >&2
  fi
  printf '%-34s %10s req/s   p99 %8s   %s/s\n' "$1" "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" \
    "$(awk '$1=="99%" {print $2}' <<<"$out")" "$(awk '/Transfer\/sec/ {print $2}' <<<"$out")"
}
echo "   server after uploads: $(rss)"
echo "== 2. delivery of the stored original, wrk -t2 -c32, $dur"
size=$(stat -c %s "$img")
wrkrun "nginx static" "http://127.0.0.1:$nport/photo.jpg" "$size"
wrkrun "cumulus /demo/image/upload/v1/..." "http://127.0.0.1:$cport/demo/image/upload/v1/bench/w0-0.jpg" "$size"

# 3. Renditions: cache misses (every request a new transformation of the
#    same original) and hits, cases A–C of shared/images/README.txt.
echo "   server after originals: $(rss)"
echo "== 3. renditions, wrk -t2, $dur per run; every miss is a transformation never requested before"
for f in photo-1920x1280.jpg:a large-5640x3172.jpg:b alpha-1920x1440.png:c; do
  "$work/cumulus-bench" upload -url "http://127.0.0.1:$cport" -cloud demo -key 111 -secret benchsecret -concurrency 1 -duration 1ms \
    -public-id "case/${f#*:}" "../shared/images/${f%%:*}" >/dev/null
done
cat >"$work/miss.lua" <<'LUA'
-- Each thread numbers its requests; n is unique across threads and runs.
local counter, tid, base, case, threads = 0, 0, 0, "a", 0
function setup(thread) thread:set("tid", threads); threads = threads + 1 end
function init(args)
  base, case = tonumber(args[1]), args[2]
  tid = tonumber(wrk.thread:get("tid")) or 0
end
function request()
  counter = counter + 1
  local n = base + counter * 4 + tid
  local f = math.floor
  local path
  if case == "a" then     -- 300x200 fill, JPEG q80-ish
    path = string.format("c_fill,w_%d,h_%d,q_%d/case/a.jpg", 280 + n % 40, 180 + f(n / 40) % 40, 60 + f(n / 1600) % 40)
  elseif case == "b" then -- 800 wide, WebP
    path = string.format("c_scale,w_%d,q_%d/case/b.webp", 700 + n % 200, 60 + f(n / 200) % 40)
  else                    -- 200-1199 wide, PNG
    path = string.format("c_scale,w_%d,q_%d/case/c.png", 200 + n % 1000, 60 + f(n / 1000) % 40)
  end
  return wrk.format("GET", "/demo/image/upload/" .. path)
end
LUA
run=0
missrun() { # case concurrency
  run=$((run + 1))
  local out
  out=$(wrk -t2 -c"$2" -d"$dur" --latency -s "$work/miss.lua" "http://127.0.0.1:$cport" -- $((run * 1000000)) "$1")
  printf '  %s c=%-3s %8s req/s   p50 %8s   p99 %8s   %s%s\n' "$1" "$2" "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" \
    "$(awk '$1=="50%" {print $2}' <<<"$out")" "$(awk '$1=="99%" {print $2}' <<<"$out")" "$(rss)" \
    "$(grep -o 'Non-2xx or 3xx responses: [0-9]*' <<<"$out" | sed 's/^/   /')"
}
for c in a b c; do
  for conc in 2 8 32; do missrun "$c" "$conc"; done
done
echo "  peak RSS of the server over all renditions: $(awk '/VmHWM/ {printf "%.0f MB", $2/1024}' /proc/$srv/status)"

echo "== 4. hits: cached renditions of A, B and C served again, beside nginx serving the same bytes"
for h in a:c_fill,w_300,h_200,q_80/case/a.jpg b:c_scale,w_800,q_80/case/b.webp c:c_scale,w_300/case/c.png; do
  name=${h%%:*}; hit="http://127.0.0.1:$cport/demo/image/upload/${h#*:}"
  curl -s -o "$work/www/h-$name" "$hit"; chmod a+r "$work/www/h-$name"
  size=$(stat -c %s "$work/www/h-$name")
  wrkrun "nginx static, $name ($size bytes)" "http://127.0.0.1:$nport/h-$name" "$size"
  wrkrun "cumulus cache hit, $name" "$hit" "$size"
done

# 5. Varnish (deploy/varnish) in front of a Cumulus that purges it:
#    hit throughput through Varnish beside the same URL from Cumulus, and the
#    time from an answered invalidate=true upload to fresh content through
#    Varnish (median of 20). Installs varnish and varnish-modules if missing.
if ! command -v varnishd >/dev/null 2>&1 && [ ! -x /usr/sbin/varnishd ] || ! ls /usr/lib/*/varnish/vmods/libvmod_xkey.so >/dev/null 2>&1; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends varnish varnish-modules >/dev/null
fi
varnishd_bin=$(command -v varnishd || echo /usr/sbin/varnishd)
vport=$(port); vcport=$(port)
cleanup_varnish() {
  [ -n "${vsrv:-}" ] && kill "$vsrv" 2>/dev/null || true
  if [ -f "$work/varnish.pid" ]; then
    local vp; vp=$(cat "$work/varnish.pid")
    kill "$vp" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$vp" 2>/dev/null || break; sleep 0.1; done
  fi
}
trap 'cleanup_varnish; cleanup' EXIT
CLOUDINARY_URL=cloudinary://111:benchsecret@demo CUMULUS_PURGE=varnish:http://127.0.0.1:$vport \
  bin/cumulus serve --addr 127.0.0.1:$vcport --data "$work/vdata" --log-level warn >"$work/vserve.log" 2>&1 &
vsrv=$!
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$vcport/" && break; sleep 0.1; done
cat >"$work/top.vcl" <<VCL
vcl 4.1;
backend cumulus { .host = "127.0.0.1"; .port = "$vcport"; }
acl cumulus_nodes { "127.0.0.1"; }
include "purge-xkey.vcl";
include "purge-ban.vcl";
include "cumulus.vcl";
VCL
jail=(); [ "$(id -u)" -eq 0 ] && jail=(-j none)
"$varnishd_bin" -n "$work/varnish" -a 127.0.0.1:$vport -T none -f "$work/top.vcl" -p vcl_path="$PWD/deploy/varnish:$work" \
  -s malloc,256m -P "$work/varnish.pid" "${jail[@]}" >"$work/varnish.log" 2>&1
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$vport/" && break; sleep 0.1; done
"$work/cumulus-bench" upload -url "http://127.0.0.1:$vcport" -cloud demo -key 111 -secret benchsecret -concurrency 1 -duration 1ms "$img" >/dev/null
echo "== 5. Varnish in front of Cumulus, wrk -t2 -c32, $dur"
curl -s -o /dev/null "http://127.0.0.1:$vport/demo/image/upload/v1/bench/w0-0.jpg"
wrkrun "varnish hit /demo/image/upload/v1/..." "http://127.0.0.1:$vport/demo/image/upload/v1/bench/w0-0.jpg"
wrkrun "cumulus (same server, no Varnish)" "http://127.0.0.1:$vcport/demo/image/upload/v1/bench/w0-0.jpg"

# invalidate=true: upload one of two images in turn over a cached URL and
# poll through Varnish until the new image's ETag is served.
files=("$img" ../shared/images/alpha-1920x1440.png)
uploadinv() { # file
  local ts sig
  ts=$(date +%s)
  sig=$(printf 'invalidate=true&overwrite=true&public_id=bench/inv&timestamp=%sbenchsecret' "$ts" | sha1sum | cut -d' ' -f1)
  curl -s -o /dev/null -f -F "file=@$1" -F api_key=111 -F timestamp="$ts" -F public_id=bench/inv \
    -F overwrite=true -F invalidate=true -F signature="$sig" "http://127.0.0.1:$vcport/v1_1/demo/image/upload"
}
uploadinv "${files[1]}"
# A 1x1 PNG shows the per-request cost, which the 680 KB copy hides.
base64 -d >"$work/tiny.png" <<<'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=='
tts=$(date +%s)
tsig=$(printf 'public_id=bench/tiny&timestamp=%sbenchsecret' "$tts" | sha1sum | cut -d' ' -f1)
curl -s -o /dev/null -f -F "file=@$work/tiny.png" -F api_key=111 -F timestamp="$tts" -F public_id=bench/tiny -F signature="$tsig" "http://127.0.0.1:$vcport/v1_1/demo/image/upload"
curl -s -o /dev/null "http://127.0.0.1:$vport/demo/image/upload/v1/bench/tiny.png"
wrkrun "varnish hit, 1x1 PNG" "http://127.0.0.1:$vport/demo/image/upload/v1/bench/tiny.png"
wrkrun "cumulus, 1x1 PNG" "http://127.0.0.1:$vcport/demo/image/upload/v1/bench/tiny.png"
u="http://127.0.0.1:$vport/demo/image/upload/bench/inv"
for i in $(seq 20); do
  f=${files[$((i % 2))]}
  want="\"$(md5sum "$f" | cut -d' ' -f1)\""
  curl -s -o /dev/null "$u"; curl -s -o /dev/null "$u" # cached
  uploadinv "$f"
  t0=$(date +%s%N)
  until [ "$(curl -s -o /dev/null -w '%header{etag}' "$u")" = "$want" ]; do
    [ $(( ($(date +%s%N) - t0) / 1000000 )) -gt 10000 ] && { echo "bench: no fresh content 10 s after invalidate" >&2; exit 1; }
  done
  echo $(( ($(date +%s%N) - t0) / 1000 ))
done | sort -n | awk '{v[NR]=$1} END {printf "%-34s %10.1f ms median of %d (min %.1f, max %.1f; curl polling)\n", "invalidate=true to fresh (Varnish)", (v[10]+v[11])/2000, NR, v[1]/1000, v[NR]/1000}'
