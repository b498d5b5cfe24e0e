#!/usr/bin/env bash
# Experiment: valid clients at C connections under no flood / forged flood / 429 flood, alternating, with GC and
# exception counts from /metrics. Usage: exp.sh ROUNDS DURATION "conds" C [extra gateway args...]
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"  # the repository
mkdir -p /tmp/idexp
rounds=$1; duration=$2; conds=$3; c=$4; shift 4
work=$(mktemp -d /tmp/idexp/run.XXXX)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
bp=$(free_port); pp=$(free_port); ap=$(free_port)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM
mkdir -p $work/ng
cat > $work/ng/nginx.conf <<EOF
worker_processes 1;
daemon off;
pid $work/ng/nginx.pid;
error_log $work/ng/error.log warn;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000;
  server { listen 127.0.0.1:$bp reuseport backlog=4096;
    location / { default_type application/json; return 200 '{"instance":"bench","region":"local","note":"a small fixed body served from memory by the benchmark backend......."}'; } } }
EOF
nginx -c $work/ng/nginx.conf -p $work/ng & pids+=($!)
b64url() { python3 -c 'import sys, base64; print(base64.urlsafe_b64encode(sys.stdin.buffer.read()).decode().rstrip("="))'; }
openssl genrsa -out "$work/jwt.key" 2048 2>/dev/null
n=$(openssl rsa -in "$work/jwt.key" -noout -modulus | cut -d= -f2 | python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.stdin.read().strip()))' | b64url)
printf '{"keys":[{"kty":"RSA","use":"sig","alg":"RS256","kid":"bench","n":"%s","e":"AQAB"}]}' "$n" > "$work/jwks.json"
now=$(date +%s)
header=$(printf '{"alg":"RS256","typ":"JWT","kid":"bench"}' | b64url)
payload=$(printf '{"iss":"https://bench.local","aud":"bench","sub":"bench-client","nbf":%d,"exp":%d}' $((now - 60)) $((now + 86400)) | b64url)
signature=$(printf '%s.%s' "$header" "$payload" | openssl dgst -sha256 -sign "$work/jwt.key" -binary | b64url)
tok="$header.$payload.$signature"
cat > "$work/flood.lua" <<EOF
local prefix = "Bearer $header.$payload."
local alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
local last = "AQgw"
local path = os.getenv("FLOOD_PATH") or "/bench"
math.randomseed(os.time())
request = function()
  local t = {}
  for i = 1, 341 do local k = math.random(64); t[i] = alphabet:sub(k, k) end
  local k = math.random(4); t[342] = last:sub(k, k)
  return wrk.format(nil, path, { ["Authorization"] = prefix .. table.concat(t) })
end
local pause = tonumber(os.getenv("FLOOD_DELAY_MS") or "20")
delay = function() return pause end
done = function(summary, latency, requests)
  io.write(string.format("FLOOD %d\n", summary.requests))
end
EOF
cat > "$work/report.lua" <<'EOF'
done = function(summary, latency, requests)
  io.write(string.format("WRK %d %.1f %.1f %.1f\n", summary.requests, latency:percentile(50), latency:percentile(99), latency:percentile(99.9)))
end
EOF
mkdir -p $work/gw
cat > $work/gw/appsettings.json <<EOF
{ "Logging": { "LogLevel": { "Default": "Warning" } },
  "ReverseProxy": {
    "Routes": { "all": { "ClusterId": "backend", "AuthorizationPolicy": "bench-jwt", "Match": { "Path": "/{**rest}" } },
      "limited": { "ClusterId": "backend", "RateLimiterPolicy": "refuse", "Match": { "Path": "/limited/{**rest}" } } },
    "Clusters": { "backend": { "Destinations": { "b1": { "Address": "http://127.0.0.1:$bp/", "Metadata": { "Region": "local" } } } } } },
  "Gateway": { "Identity": {
      "Jwt": { "Issuer": "https://bench.local", "Audiences": [ "bench" ], "JwksFile": "$work/jwks.json", "Algorithms": [ "RS256" ] },
      "Policies": { "bench-jwt": { "Scheme": "Jwt" } } },
      "RateLimiting": { "Policies": { "refuse": { "Algorithm": "FixedWindow", "Scope": "Local", "PartitionBy": "ClientIp", "PermitLimit": 1, "Window": "01:00:00" } } } } }
EOF
gpid=""
start_gw() { (cd $work/gw && exec dotnet $root/src/Gateway/bin/Release/net10.0/Gateway.dll --urls http://127.0.0.1:$pp --Gateway:Admin:Urls=http://127.0.0.1:$ap "${gwargs[@]}" > out.log 2>&1) & gpid=$!
  for i in $(seq 100); do curl -fs -o /dev/null -H "Authorization: Bearer $tok" http://127.0.0.1:$pp/bench && break; sleep 0.2; done
  wrk -t2 -c64 -d5s -H "Authorization: Bearer $tok" http://127.0.0.1:$pp/bench >/dev/null; }
stop_gw() { kill $gpid; wait $gpid 2>/dev/null || true; }
gwargs=("$@")
flood() { FLOOD_PATH="$1" FLOOD_DELAY_MS="$2" wrk -t1 -c32 -d"$3s" -s "$work/flood.lua" "http://127.0.0.1:$pp$1" 2>/dev/null | sed -n 's/^FLOOD //p'; }
metric() { curl -s http://127.0.0.1:$ap/metrics | awk -v m="$1" '$1 ~ "^"m {s+=$2} END {printf "%.4f", s}'; }
ticks() { awk '{print $14+$15}' /proc/$gpid/stat; }
echo "cond round req p50 p99 p999 flood cpu_ms gc0 gc1 gc2 gcpause_ms exc jit_methods jit_ms"
for r in $(seq $rounds); do for cond in $conds; do
  start_gw; j0=$(metric dotnet_jit_compiled_methods_total); jt=$(metric dotnet_jit_compilation_time_seconds_total)
  g0=$(metric 'dotnet_gc_collections_total.*gen0'); g1=$(metric 'dotnet_gc_collections_total.*gen1'); g2=$(metric 'dotnet_gc_collections_total.*gen2')
  gp=$(metric 'dotnet_gc_pause_time_seconds_total'); ex=$(metric 'dotnet_exceptions_total'); t0=$(ticks)
  fpid=""
  case $cond in forged) flood /bench 20 $((duration+1)) > $work/f.out & fpid=$!;; limited) flood /limited/x 20 $((duration+1)) > $work/f.out & fpid=$!;; esac
  line=$(wrk -t2 -c$c -d${duration}s -H "Authorization: Bearer $tok" -s $work/report.lua http://127.0.0.1:$pp/bench | grep '^WRK')
  fr=0; if [ -n "$fpid" ]; then wait $fpid; fr=$(cat $work/f.out); fi
  t1=$(ticks)
  G0=$(metric 'dotnet_gc_collections_total.*gen0'); G1=$(metric 'dotnet_gc_collections_total.*gen1'); G2=$(metric 'dotnet_gc_collections_total.*gen2')
  GP=$(metric 'dotnet_gc_pause_time_seconds_total'); EX=$(metric 'dotnet_exceptions_total')
  read -r _ req p50 p99 p999 <<<"$line"
  echo "$cond $r $req $p50 $p99 $p999 $fr $(( (t1-t0)*10 )) $(echo "$G0-$g0"|bc) $(echo "$G1-$g1"|bc) $(echo "$G2-$g2"|bc) $(echo "($GP-$gp)*1000"|bc) $(echo "$EX-$ex"|bc) $(echo "$(metric dotnet_jit_compiled_methods_total)-$j0"|bc) $(echo "($(metric dotnet_jit_compilation_time_seconds_total)-$jt)*1000"|bc)"
  curl -s http://127.0.0.1:$ap/metrics | grep -E "^dotnet_(exceptions|jit)" > $work/metrics-$cond-$r.txt
  stop_gw
done; done
