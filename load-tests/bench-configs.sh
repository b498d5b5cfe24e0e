# The benchmark's backend and gateway configurations, shared by bench.sh and profile.sh. Source it from the
# repository root after setting root (the repository), work (a scratch directory) and, before gateway_config,
# backend_url.

# start_nginx_backend PORT: write_nginx_backend, then start it, add its pid to pids, set backend_url and wait until it
# answers (needs lib.sh's wait_for).
start_nginx_backend() {
  write_nginx_backend "$1"
  nginx -c "$work/nginx-backend/nginx.conf" -p "$work/nginx-backend" &
  pids+=($!)
  backend_url="http://127.0.0.1:$1/"
  wait_for "$backend_url" "$work"
}

# write_nginx_backend PORT: the backend's nginx.conf in $work/nginx-backend: one worker, a fixed 128-byte JSON body
# from memory. Start it with: nginx -c "$work/nginx-backend/nginx.conf" -p "$work/nginx-backend"
write_nginx_backend() {
  local backend_port="$1"
  mkdir -p "$work/nginx-backend"
  cat > "$work/nginx-backend/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $work/nginx-backend/nginx.pid;
error_log $work/nginx-backend/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$backend_port reuseport backlog=4096;
    location / { default_type application/json; return 200 '{"instance":"bench","region":"local","note":"a small fixed body served from memory by the benchmark backend......."}'; }
  }
}
EOF
}

# A 2048-bit RSA key, its JWKS (for the gateway-jwt proxies) and one token signed with it (RS256), valid for a day.
b64url() { python3 -c 'import sys, base64; print(base64.urlsafe_b64encode(sys.stdin.buffer.read()).decode().rstrip("="))'; }
jwt_setup() {
  openssl genrsa -out "$work/jwt.key" 2048 2>/dev/null
  local n now header payload signature
  n=$(openssl rsa -in "$work/jwt.key" -noout -modulus | cut -d= -f2 | python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.stdin.read().strip()))' | b64url)
  printf '{"keys":[{"kty":"RSA","use":"sig","alg":"RS256","kid":"bench","n":"%s","e":"AQAB"}]}' "$n" > "$work/jwks.json"
  now=$(date +%s)
  header=$(printf '{"alg":"RS256","typ":"JWT","kid":"bench"}' | b64url)
  payload=$(printf '{"iss":"https://bench.local","aud":"bench","sub":"bench-client","nbf":%d,"exp":%d}' $((now - 60)) $((now + 86400)) | b64url)
  signature=$(printf '%s.%s' "$header" "$payload" | openssl dgst -sha256 -sign "$work/jwt.key" -binary | b64url)
  jwt_token="$header.$payload.$signature"
  # The flood: the same header and claims, a random 256-byte signature per request, 20 ms between a connection's
  # requests. The signature's last character carries 2 bits and 4 zero bits (A, Q, g or w), so every signature is
  # canonical base64url and reaches the RSA check, the worst case (with any last character 15 in 16 were refused as
  # bad base64url before it). FLOOD_PATH is /forged/x (a JWT route of its own) or /limited/x (a route whose rate limit
  # refuses everything).
  cat > "$work/flood.lua" <<EOF
local prefix = "Bearer $header.$payload."
local alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
local last = "AQgw"
local path = os.getenv("FLOOD_PATH") or "/forged/x"
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
}

gateway_config() { # $1: full|none|noshed (full with shedding off)|norl (full without the rate limit)|nores (full without the cluster's ResiliencePolicy)|nofail (full without its FailoverPolicy)|noprio (full without the route's Priority)|accesslog (full with the access log to a file)|jwt|jwt-flood|jwt-ratelimit-flood
  local cluster_meta="" route_extra="" extra_routes="" gateway_section='{}'
  case "$1" in jwt*)
    route_extra='"AuthorizationPolicy": "bench-jwt",'
    # Each flood has a route of its own beside the valid clients' route "all", so the two floods differ only in what
    # refuses them (and neither touches the per-route state of the valid clients' route):
    # /forged: the same JWT policy as "all", so the forged-token flood sent there is refused by the identity step (401);
    # /limited: no identity, a local fixed window of one request an hour per client, so the flood sent there is
    # refused by the rate limiter (429).
    extra_routes=', "forged": { "ClusterId": "backend", "AuthorizationPolicy": "bench-jwt", "Match": { "Path": "/forged/{**rest}" } }'
    extra_routes+=', "limited": { "ClusterId": "backend", "RateLimiterPolicy": "refuse", "Match": { "Path": "/limited/{**rest}" } }'
    gateway_section="{ \"Identity\": {
      \"Jwt\": { \"Issuer\": \"https://bench.local\", \"Audiences\": [ \"bench\" ], \"JwksFile\": \"$work/jwks.json\", \"Algorithms\": [ \"RS256\" ] },
      \"Policies\": { \"bench-jwt\": { \"Scheme\": \"Jwt\" } } },
      \"RateLimiting\": { \"Policies\": { \"refuse\": { \"Algorithm\": \"FixedWindow\", \"Scope\": \"Local\", \"PartitionBy\": \"ClientIp\", \"PermitLimit\": 1, \"Window\": \"01:00:00\" } } } }"
  esac
  case "$1" in full|noshed|norl|nores|nofail|noprio|accesslog)
    cluster_meta='"Metadata": { "FailoverPolicy": "local-first", "ResiliencePolicy": "standard" },'
    route_extra='"Metadata": { "Priority": "default" },'
    gateway_section='{
      "Failover": { "Policies": { "local-first": { "Regions": [ "local", "remote" ] } } },
      "Resilience": { "Policies": { "standard": { "Timeout": "00:00:10" } } }
    }'
    if [ -d "$root/src/Gateway/RateLimiting" ] && [ "$1" != norl ]; then
      route_extra='"RateLimiterPolicy": "never-trips", "Metadata": { "Priority": "default" },'
      gateway_section='{
        "Failover": { "Policies": { "local-first": { "Regions": [ "local", "remote" ] } } },
        "Resilience": { "Policies": { "standard": { "Timeout": "00:00:10" } } },
        "RateLimiting": { "Policies": { "never-trips": { "Algorithm": "TokenBucket", "Scope": "Local", "PartitionBy": "ClientIp", "TokenLimit": 1000000, "TokensPerPeriod": 1000000, "ReplenishmentPeriod": "00:00:01" } } }
      }'
    fi
    # "Full minus one feature" (issue 16, round 8): the policy stays defined in the Gateway section, only its use is
    # dropped, so each differs from full by the per-request work of that one feature.
    case "$1" in
      nores) cluster_meta='"Metadata": { "FailoverPolicy": "local-first" },' ;;
      nofail) cluster_meta='"Metadata": { "ResiliencePolicy": "standard" },' ;;
      noprio) route_extra="${route_extra%%\"Metadata\"*}" ;;
    esac
  esac
  if [ "$1" = noshed ]; then
    gateway_section="{ \"Shedding\": { \"Enabled\": false },${gateway_section#\{}"
  fi
  if [ "$1" = accesslog ]; then
    # Relative to the proxy's work directory, where it runs.
    gateway_section="{ \"AccessLog\": { \"Enabled\": true, \"Path\": \"access.log\" },${gateway_section#\{}"
  fi
  cat <<EOF
{
  "Logging": { "LogLevel": { "Default": "Warning" } },
  "ReverseProxy": {
    "Routes": { "all": { "ClusterId": "backend", $route_extra "Match": { "Path": "/{**rest}" } }$extra_routes },
    "Clusters": { "backend": { $cluster_meta
      "Destinations": { "b1": { "Address": "$backend_url", "Metadata": { "Region": "local" } } } } }
  },
  "Gateway": $gateway_section
}
EOF
}
