#!/usr/bin/env bash
# The benchmark: what the app adds to each request, next to what the
# Passwordless API itself costs. Builds in release mode, starts the local
# Passwordless API (in memory) and the app on loopback, loads each scenario
# with wrk at 64 connections and writes the table to BENCHMARKS.md.
#
#   scripts/bench.sh                   # under 3 minutes after the build
#   BENCH_ROUNDS=5 scripts/bench.sh    # more rounds, steadier ratios
#
# Each proxied path runs in rounds, in turn with its ceiling (the same
# upstream calls made directly), so both see the same moment of a shared
# machine; the ratios are the median of the rounds.
#
# Settings (environment): BENCH_ROUNDS (3), BENCH_SECONDS (3, per round),
# BENCH_CONNECTIONS (64), BENCH_THREADS (2, wrk's), BENCH_PORT (18080; the
# local API, the static server and the bare proxy take the next three),
# BENCH_RUST_LOG (warn: no access log lines), BENCH_MINT_SECONDS (60, the
# most time spent minting sign-in tokens), BENCH_OUT (BENCHMARKS.md),
# BENCH_KEEP (1 keeps the work directory).
set -euo pipefail

cd "$(dirname "$0")/.."
repo=$(pwd)
rounds=${BENCH_ROUNDS:-3}
seconds=${BENCH_SECONDS:-3}
connections=${BENCH_CONNECTIONS:-64}
threads=${BENCH_THREADS:-2}
app_port=${BENCH_PORT:-18080}
api_port=$((app_port + 1))
static_port=$((app_port + 2))
bare_port=$((app_port + 3))
rust_log=${BENCH_RUST_LOG:-warn}
out=${BENCH_OUT:-BENCHMARKS.md}
mint_seconds=${BENCH_MINT_SECONDS:-60}
lua="$repo/bench/wrk/scenario.lua"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

# --- tools and build ---------------------------------------------------------
if ! command -v wrk >/dev/null; then
    say "installing wrk (apt)"
    apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi
command -v curl >/dev/null || die "curl is needed"

say "building (release; the first build takes a few minutes)"
build_log=$(mktemp)
if ! cargo build --release --features bench --bin passkeys-actix --bin local-api \
    --bin bench-mint-tokens --bin bench-static-page --bin bench-bare-proxy 2>"$build_log"; then
    cat "$build_log" >&2
    die "the build failed"
fi
rm -f "$build_log"
release_dir="${CARGO_TARGET_DIR:-$repo/target}/release"
mint="$release_dir/bench-mint-tokens"
static_server="$release_dir/bench-static-page"
bare_proxy="$release_dir/bench-bare-proxy"
app_bin="$release_dir/passkeys-actix"
api_bin="$release_dir/local-api"
for bin in "$mint" "$static_server" "$bare_proxy" "$app_bin" "$api_bin"; do
    [[ -x $bin ]] || die "missing executable $bin"
done

# --- processes ---------------------------------------------------------------
for port in "$app_port" "$api_port" "$static_port" "$bare_port"; do
    if ss -Htln "( sport = :$port )" | grep -q .; then
        die "port $port is taken; set BENCH_PORT to another base port"
    fi
done

work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    if [[ ${BENCH_KEEP:-0} == 1 ]]; then echo "work directory: $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }
api_key="bench:public:$(hex 16)"
api_secret="bench:secret:$(hex 16)"
origin="http://localhost:$app_port"

# Run from the work directory, so no .env of the checkout changes anything.
cd "$work"
load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)

RUST_LOG=$rust_log LOCAL_API_ADDR="127.0.0.1:$api_port" LOCAL_API_STATE=memory \
    LOCAL_API_KEY="$api_key" LOCAL_API_SECRET="$api_secret" \
    "$api_bin" >"$work/local-api.log" 2>&1 &
api_pid=$!
pids+=("$api_pid")

# The same code path as local mode (`cargo run` with no keys), where the app
# starts this very API in-process and calls it over HTTP on loopback: here
# it runs as its own process so the two are measured apart.
RUST_LOG=$rust_log LISTEN_ADDR="127.0.0.1:$app_port" PUBLIC_ORIGIN="$origin" \
    PASSWORDLESS_API_URL="http://127.0.0.1:$api_port" \
    PASSWORDLESS_API_KEY="$api_key" PASSWORDLESS_API_SECRET="$api_secret" \
    SESSION_KEY="$(hex 48)" RATE_LIMIT_PER_MINUTE=0 \
    "$app_bin" >"$work/app.log" 2>&1 &
app_pid=$!
pids+=("$app_pid")

wait_for() {
    for _ in $(seq 1 200); do
        curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
        sleep 0.05
    done
    cat "$work"/*.log >&2
    die "nothing answered at $1"
}
wait_for "http://127.0.0.1:$api_port/"
wait_for "http://127.0.0.1:$app_port/healthz"

# The static yardstick: the very bytes of GET /signin, through actix-files.
mkdir -p "$work/static"
curl -fsS "http://127.0.0.1:$app_port/signin" -o "$work/static/signin.html"
"$static_server" "$work/static" "127.0.0.1:$static_port" >"$work/static.log" 2>&1 &
static_pid=$!
pids+=("$static_pid")
wait_for "http://127.0.0.1:$static_port/signin.html"

# The floor of the proxied paths: the same upstream call through actix-web
# and awc alone.
RUST_LOG=$rust_log "$bare_proxy" "127.0.0.1:$bare_port" "http://127.0.0.1:$api_port" "$api_secret" \
    >"$work/bare-proxy.log" 2>&1 &
bare_pid=$!
pids+=("$bare_pid")
listening() { ss -Htln "( sport = :$1 )" | grep -q .; }
for _ in $(seq 1 200); do
    listening "$bare_port" && break
    sleep 0.05
done
listening "$bare_port" || { cat "$work/bare-proxy.log" >&2; die "the bare proxy did not start"; }

# --- measuring ---------------------------------------------------------------
clock_ticks=$(getconf CLK_TCK)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
rss_peak_kib() { awk '/^VmHWM/ { print $2 }' "/proc/$1/status"; }
# The connections the process under test holds open to the local API, and
# the data segments it has sent on each so far: one per request, so a pool
# that reuses its connections shows thousands and one connection per
# request would show 1.
upstream_connections() {
    ss -Htnpi state established "( dport = :$api_port )" | awk -v pid="pid=$1," '
        index($0, pid) { mine = 1; n++; next }
        mine {
            for (i = 1; i <= NF; i++) if ($i ~ /^data_segs_out:/) { split($i, kv, ":"); segs += kv[2] }
            mine = 0
        }
        END { printf "%d %d\n", n, n ? segs / n : 0 }'
}
results="$work/results"
: >"$results"

# scenario <name> <round> <url> <process under test> <calls per request: 1 or 2>
#          <seconds> <wrk -H args...> -- <lua args...>
# Appends one line to the results; the first round of a scenario that
# spends no tokens gets a 1 s warm-up first.
scenario() {
    local name=$1 round=$2 url=$3 subject=$4 per=$5 duration=$6
    shift 6
    local headers=()
    while [[ $1 != -- ]]; do headers+=("$1"); shift; done
    shift
    local wrk_args=(-t"$threads" -c"$connections" --timeout 5s "${headers[@]}" -s "$lua" "$url")
    if [[ ${BENCH_WARMUP:-1} == 1 && $round == 1 && $1 == - ]]; then
        wrk "${wrk_args[@]}" -d1s -- "$@" >/dev/null
    fi
    local app0 api0 sub0 app1 api1 sub1 conns_file="$work/conns"
    app0=$(cpu_ticks "$app_pid") api0=$(cpu_ticks "$api_pid") sub0=$(cpu_ticks "$subject")
    (sleep "$(awk "BEGIN { print $duration / 2 }")"; upstream_connections "$subject" >"$conns_file") &
    local output
    output=$(wrk "${wrk_args[@]}" -d"${duration}s" -- "$@")
    wait $!
    app1=$(cpu_ticks "$app_pid") api1=$(cpu_ticks "$api_pid") sub1=$(cpu_ticks "$subject")
    local line
    line=$(grep '^RESULT ' <<<"$output") || { echo "$output" >&2; die "wrk gave no result for $name"; }
    echo "$name|$round|$per|$((app1 - app0))|$((api1 - api0))|$((sub1 - sub0))|$(cat "$conns_file")|${line#RESULT }" >>"$results"
    printf '  %-64s round %d: %s\n' "$name" "$round" "$line" >&2
}

json=(-H "Content-Type: application/json")
as_page=(-H "Origin: $origin" -H "Sec-Fetch-Site: same-origin")
secret=(-H "ApiSecret: $api_secret")
app="http://127.0.0.1:$app_port"
api="http://127.0.0.1:$api_port"

static_name="static: GET /signin.html (actix-files)"
say "GET /signin, next to the same bytes as a static file"
for round in $(seq 1 "$rounds"); do
    scenario "$static_name" "$round" "http://127.0.0.1:$static_port" "$static_pid" 1 "$seconds" \
        -- - 1 GET /signin.html -
    scenario "GET /signin" "$round" "$app" "$app_pid" 1 "$seconds" -- - 1 GET /signin -
done

signup_body='{"username":"bench-signup","nickname":"Laptop"}'
# What the app sends upstream for that sign-up (a fixed userId is fine:
# register tokens are not stored).
token_body='{"userId":"0f8fad5b-d9cb-469f-a165-70867728950e","username":"bench-signup","displayName":"bench-signup","discoverable":true,"aliases":["bench-signup"],"aliasHashing":false}'
floor_name="floor: POST /register/token through a bare actix-web + awc proxy"
say "POST /api/signup, next to its upstream call made directly and through the bare proxy"
for round in $(seq 1 "$rounds"); do
    scenario "upstream: POST /register/token" "$round" "$api" "$api_pid" 1 "$seconds" "${json[@]}" "${secret[@]}" \
        -- - 1 POST /register/token "$token_body"
    scenario "POST /api/signup" "$round" "$app" "$app_pid" 1 "$seconds" "${json[@]}" "${as_page[@]}" \
        -- - 1 POST /api/signup "$signup_body"
    scenario "$floor_name" "$round" "http://127.0.0.1:$bare_port" "$bare_pid" 1 "$seconds" "${json[@]}" \
        -- - 1 POST /register/token "$token_body"
done

say "minting sign-in tokens for the session and the ceiling"
"$mint" "$api" "$api_key" "$api_secret" "$origin" localhost 2 0 10 "$work/spare-tokens" "$work/facts"
# shellcheck disable=SC1091
source "$work/facts"

cookie=$(curl -fsS -o /dev/null -D - "$app/api/signin" -H "Content-Type: application/json" \
    -H "Origin: $origin" -d "{\"token\":\"$BENCH_ACCOUNT_TOKEN\"}" |
    sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*\).*/\1/p' | head -1)
[[ -n $cookie ]] || die "signing in with a minted token gave no session cookie"
# wrk counts answers of 400 and up; a lost session would show as a 303 to
# /signin instead, so check the page before and after the load.
account_is_200() {
    [[ $(curl -sS -o /dev/null -w '%{http_code}' -H "Cookie: $cookie" "$app/account") == 200 ]] ||
        die "GET /account with the session cookie did not answer 200"
}
account_is_200
say "GET /account, next to its upstream call made directly"
for round in $(seq 1 "$rounds"); do
    scenario "upstream: POST /credentials/list" "$round" "$api" "$api_pid" 1 "$seconds" "${json[@]}" "${secret[@]}" \
        -- - 1 POST /credentials/list "{\"userId\":\"$BENCH_USER_ID\"}"
    scenario "GET /account" "$round" "$app" "$app_pid" 1 "$seconds" -H "Cookie: $cookie" -- - 1 GET /account -
done
account_is_200

# The API verifies a token as often as it is sent, so one will do for the
# ceiling; the app needs never-used ones, and they live 120 s, so they are
# minted right before the rounds. A first short run of the ceiling (not
# reported) gives its pace: no round of the app can spend more than two
# seconds' worth of it (each app request makes both ceiling calls), and that
# is what each round is given. The app spends far fewer, so each round
# starts where the last one stopped in the tokens file, and one more round
# runs only while the tokens left cover what the last one spent, with a
# quarter to spare (a round that still ran out would count its misses as
# errors). wrk counts whole seconds, and one-second rounds of the app came
# out well below longer ones in trials.
verify_name="upstream: POST /signin/verify + GET /alias/list"
verify_calls=(POST /signin/verify "{\"token\":\"$BENCH_SAMPLE_TOKEN\"}" GET "/alias/list?userId=$BENCH_USER_ID" -)
pace=$(wrk -t"$threads" -c"$connections" --timeout 5s "${json[@]}" "${secret[@]}" -s "$lua" "$api" -d2s \
    -- - 1 "${verify_calls[@]}" | awk '/^RESULT / {
    split($0, f, " "); for (i in f) { split(f[i], kv, "="); v[kv[1]] = kv[2] }
    print int(v["requests"] / 2 / (v["duration_us"] / 1e6)) }')
((pace > 0)) || die "the sign-in ceiling answered nothing"
signin_seconds=2
((signin_seconds > seconds)) && signin_seconds=$seconds
round_tokens=$((pace * signin_seconds))
say "minting up to $((round_tokens * rounds)) sign-in tokens through WebAuthn ceremonies (at most ${mint_seconds}s)"
"$mint" "$api" "$api_key" "$api_secret" "$origin" localhost 16 "$((round_tokens * rounds))" "$mint_seconds" \
    "$work/tokens" "$work/facts-signin"
minted=$(wc -l <"$work/tokens")
if ((minted < round_tokens)); then
    signin_seconds=$((minted / pace))
    ((signin_seconds >= 1)) || die "minted only $minted tokens, less than one second's worth at the ceiling's pace ($pace/s)"
    round_tokens=$((pace * signin_seconds))
fi
say "POST /api/signin, next to its upstream calls made directly"
used=0 spent=0 signin_rounds=0
for round in $(seq 1 "$rounds"); do
    ((round == 1 || minted - used >= spent * 5 / 4)) || break
    sed -n "$((used + 1)),$((used + round_tokens))p; $((used + round_tokens))q" "$work/tokens" >"$work/tokens-$round"
    scenario "$verify_name" "$round" "$api" "$api_pid" 2 "$seconds" "${json[@]}" "${secret[@]}" \
        -- - 1 "${verify_calls[@]}"
    scenario "POST /api/signin" "$round" "$app" "$app_pid" 1 "$signin_seconds" "${json[@]}" "${as_page[@]}" \
        -- "$work/tokens-$round" "$threads" POST /api/signin '{"token":"%TOKEN%"}'
    spent=$(tail -n 1 "$results" | grep -o 'spent=[0-9]*' | cut -d= -f2)
    used=$((used + spent)) signin_rounds=$round
done

app_rss_kib=$(rss_peak_kib "$app_pid")
api_rss_kib=$(rss_peak_kib "$api_pid")

# --- the report --------------------------------------------------------------
cd "$repo"
cpu_model=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git status --porcelain --untracked-files=no 2>/dev/null | grep -q . && echo " (with local changes)" || true)

awk -F'|' -v ticks="$clock_ticks" -v app_rss="$app_rss_kib" -v api_rss="$api_rss_kib" \
    -v cpu="$cpu_model" -v cores="$(nproc)" \
    -v kernel="$(uname -r)" -v load="$load_at_start" -v date="$(date -u '+%Y-%m-%d %H:%M UTC')" \
    -v commit="$commit$dirty" -v seconds="$seconds" -v rounds="$rounds" -v conns="$connections" \
    -v threads="$threads" -v rust_log="$rust_log" -v signin_seconds="$signin_seconds" \
    -v signin_rounds="$signin_rounds" '
function ms(us) { return sprintf("%.2f", us / 1000) }
# The median of list[1..k], sorted in place (k is at most a few rounds).
function median(list, k,    i, j, t) {
    for (i = 2; i <= k; i++)
        for (j = i; j > 1 && list[j - 1] > list[j]; j--) { t = list[j]; list[j] = list[j - 1]; list[j - 1] = t }
    return k % 2 ? list[(k + 1) / 2] : (list[k / 2] + list[k / 2 + 1]) / 2
}
{
    s = $1; r = $2; per = $3
    if (!(s in index_of)) { n++; name[n] = s; index_of[s] = n; proxied[s] = (s ~ /^(GET \/account|POST \/api|floor:)/) }
    split($8, fields, " ")
    delete v
    for (i in fields) { split(fields[i], kv, "="); v[kv[1]] = kv[2] }
    calls[s] += v["requests"] / per
    seconds_run[s] += v["duration_us"] / 1e6
    round_rate[s, r] = v["requests"] / per / (v["duration_us"] / 1e6)
    round_count[s]++
    p50s[s, round_count[s]] = v["p50_us"]
    if (v["p99_us"] > p99[s]) p99[s] = v["p99_us"]
    non2xx[s] += v["non2xx"]; errors[s] += v["errors"] + v["exhausted"]
    api_ticks[s] += $5; own_ticks[s] += $6; split($7, c, " "); conn[s] = c[1]; conn_segs[s] = c[2]
}
# Each round of a scenario ran right next to the same round of the other,
# so the quotient is taken round by round; the median of the rounds is
# reported, with the lowest and highest.
function ratio(a, b,    k, q, i, m) {
    if (!(a in index_of && b in index_of)) return "– | –"
    k = 0
    for (i = 1; i <= rounds; i++)
        if ((a, i) in round_rate && (b, i) in round_rate && round_rate[b, i] > 0) q[++k] = round_rate[a, i] / round_rate[b, i]
    if (k == 0) return "– | –"
    m = median(q, k)
    return sprintf("%.2f | %.2f–%.2f", m, q[1], q[k])
}
END {
    print "# Benchmarks"
    print ""
    print "What the app adds to each request, measured by `scripts/bench.sh`. Do not edit"
    print "the table by hand: run the script, which rewrites this file."
    print ""
    printf "- Machine: %s, %d cores, Linux %s; load average at start %s\n", cpu, cores, kernel, load
    printf "- Run: %s, commit %s; wrk with %d threads and %d connections; %d rounds of %d s per scenario, each proxied path and its ceiling in turn, after a 1 s warm-up (`POST /api/signin`: no warm-up, and %s of %d s, as many as the minted tokens allowed); `RUST_LOG=%s`\n", date, commit, threads, conns, rounds, seconds, signin_rounds == 1 ? "1 round" : signin_rounds " rounds", signin_seconds, rust_log
    print "- Everything shares the same cores: wrk, the app, the local Passwordless API and the static server. Compare the ratios, which come from one run, rather than absolute numbers across machines."
    print ""
    print "| scenario | req/s | p50 ms | p99 ms | non-2xx | errors | CPU µs/req | upstream CPU µs/req | upstream conns | requests per conn |"
    print "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    for (i = 1; i <= n; i++) {
        s = name[i]
        k = 0; delete list
        for (j = 1; j <= round_count[s]; j++) list[++k] = p50s[s, j]
        rate = seconds_run[s] ? calls[s] / seconds_run[s] : 0
        own_us = calls[s] ? own_ticks[s] / ticks * 1e6 / calls[s] : 0
        upstream_cpu = proxied[s] && calls[s] ? sprintf("%.0f", api_ticks[s] / ticks * 1e6 / calls[s]) : "–"
        upstream = proxied[s] ? conn[s] " | " conn_segs[s] : "– | –"
        if (non2xx[s] > 0 || errors[s] > 0) failures++
        printf "| %s | %.0f | %s | %s | %d | %d | %.0f | %s | %s |\n", s, rate, ms(median(list, k)), ms(p99[s]), non2xx[s], errors[s], own_us, upstream_cpu, upstream
    }
    print ""
    print "Each row sums its rounds: req/s over all of them, p50 the median of the rounds'\'', p99 the worst round'\''s. `upstream: POST /signin/verify + GET /alias/list` counts pairs per second (the two calls `POST /api/signin` makes); its latencies are per call. `CPU µs/req` is the user + system time of the process under test (the app, the local API for `upstream:` rows, the static server for `static:`) over the scenario, divided by the requests served; `upstream CPU` is the local API'\''s share of an app request. `upstream conns` is the number of connections the process under test held open to the local API in the middle of the last round, and `requests per conn` the data segments it had sent on each of them by then (one per request: a new connection per request would show 1)."
    print ""
    print "| ratio | median of the rounds | lowest–highest | target |"
    print "|---|---:|---:|---:|"
    printf "| GET /signin ÷ the same bytes as a static file | %s | ≥ 0.8 |\n", ratio("GET /signin", "static: GET /signin.html (actix-files)")
    printf "| POST /api/signup ÷ POST /register/token | %s | ≥ 0.5 |\n", ratio("POST /api/signup", "upstream: POST /register/token")
    printf "| POST /api/signin ÷ (POST /signin/verify + GET /alias/list) | %s | ≥ 0.5 |\n", ratio("POST /api/signin", "upstream: POST /signin/verify + GET /alias/list")
    printf "| GET /account ÷ POST /credentials/list | %s | ≥ 0.5 |\n", ratio("GET /account", "upstream: POST /credentials/list")
    floor_name = "floor: POST /register/token through a bare actix-web + awc proxy"
    printf "| bare actix-web + awc proxy ÷ POST /register/token (the floor) | %s | – |\n", ratio(floor_name, "upstream: POST /register/token")
    printf "| POST /api/signup ÷ the bare proxy | %s | – |\n", ratio("POST /api/signup", floor_name)
    print ""
    printf "- App peak resident memory (VmHWM, whole run): %.1f MiB (target < 25 MiB); local API: %.1f MiB\n", app_rss / 1024, api_rss / 1024
    printf "- Scenarios with a non-2xx answer or an error: %d (target 0)\n", failures
}' "$work/results" >"$work/table.md"

{
    cat "$work/table.md"
    echo
    cat "$repo/bench/method.md"
} >"$out"
cat "$work/table.md"
say "wrote $out"
