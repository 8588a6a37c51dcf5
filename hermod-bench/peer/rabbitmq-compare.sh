#!/usr/bin/env bash
# Hermod vs RabbitMQ under RabbitMQ's own load tool, PerfTest, in one invocation (hermod-bench/README.md, "AMQP:
# Hermod vs RabbitMQ (PerfTest)").
#
#   hermod-bench/peer/rabbitmq-compare.sh [--quick] [--seconds N] [--workloads a,b,c,d] [--build]
#
# Installs what is missing (Debian's rabbitmq-server through apt-get; PerfTest from Maven Central through the Maven
# wrapper into hermod-bench/target/peer; the server jar), starts RabbitMQ and Hermod on 127.0.0.1 (private node name,
# ports, data and log directories: a system RabbitMQ is left alone), times each broker's first AMQP connection after
# launch, runs every workload against RabbitMQ and then Hermod twice (as fast as PerfTest goes: throughput, and
# latency at saturation; then at a fixed rate below both brokers' maxima: latency without a backlog), samples each
# broker's resident memory, prints a Markdown table with the ratio Hermod / RabbitMQ and stops both brokers. Logs,
# PerfTest output and the table stay in hermod-bench/target/peer/run-<time>/.
#
#   --quick         5 s per workload (smoke run); default 25 s
#   --seconds N     N seconds per workload
#   --workloads L   a subset, e.g. a,d
#   --build         rebuild the server jar first (otherwise only when missing), so that Hermod is the working tree's
#
# Environment: RABBITMQ_PORT (5682), HERMOD_PORT (5692), EPMD_PORT (4389, a private epmd for the RabbitMQ node),
# HERMOD_JAVA_OPTS (JVM options for Hermod, after those ./hermod server adds for the JDK; default
# -Xmx48m -Xmn16m -XX:+UseSerialGC: a heap sized for these workloads), PERF_TEST_VERSION (2.22.1), HERMOD_MVN_LOCK
# (a lock file: Maven runs under flock on it when set).
set -euo pipefail

seconds=25
workloads="a,b,c,d"
build=false
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) seconds=5 ;;
    --seconds) seconds=$2; shift ;;
    --workloads) workloads=$2; shift ;;
    --build) build=true ;;
    -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
  shift
done

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
. build/jdk.sh
hermod_pick_jdk

RABBITMQ_PORT=${RABBITMQ_PORT:-5682}
HERMOD_PORT=${HERMOD_PORT:-5692}
EPMD_PORT=${EPMD_PORT:-4389}
PERF_TEST_VERSION=${PERF_TEST_VERSION:-2.22.1}
# a small-footprint broker: a 48 MiB heap (these workloads leave 10-14 MiB live after a full collection, so the
# memory alarm at 60% has twice that to spare) with the serial collector, whose young collections of 16 MiB are
# short on two cores; ./hermod server's JDK options come in start_hermod
HERMOD_JAVA_OPTS=${HERMOD_JAVA_OPTS:--Xmx48m -Xmn16m -XX:+UseSerialGC}
rabbitmq_server=/usr/lib/rabbitmq/bin/rabbitmq-server
perf_test_dir=$root/hermod-bench/target/peer/perf-test-$PERF_TEST_VERSION
jar=$root/hermod-server/target/hermod-server.jar

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi; }
mvn() {
  if [ -n "${HERMOD_MVN_LOCK:-}" ]; then flock "$HERMOD_MVN_LOCK" ./mvnw "$@"; else ./mvnw "$@"; fi
}
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# --- what the run needs ------------------------------------------------------------------------------------------

if [ ! -x "$rabbitmq_server" ]; then
  log "installing rabbitmq-server (apt-get)"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends rabbitmq-server
fi
if [ ! -f "$perf_test_dir/perf-test-$PERF_TEST_VERSION.jar" ]; then
  log "fetching PerfTest $PERF_TEST_VERSION into $perf_test_dir"
  mvn -q -f hermod-bench/peer/perf-test-pom.xml -Dperf-test.version="$PERF_TEST_VERSION" dependency:copy-dependencies
fi
if [ "$build" = true ] || [ ! -f "$jar" ]; then
  log "building $jar"
  mvn -q -pl hermod-server -am package -DskipTests -Dspotless.check.skip=true -Dcheckstyle.skip=true
fi
for p in "$RABBITMQ_PORT" "$HERMOD_PORT" "$EPMD_PORT" "$((RABBITMQ_PORT + 20000))"; do
  if port_open "$p"; then echo "port $p on 127.0.0.1 is taken; choose others (see --help)" >&2; exit 1; fi
done

run=$root/hermod-bench/target/peer/run-$(date +%Y%m%d-%H%M%S)
mkdir -p "$run/rabbitmq/home" "$run/hermod"
# a copy, so that a rebuild during the run cannot change the jar under the running JVM
cp "$jar" "$run/hermod-server.jar"
perf_test=(java -cp "$perf_test_dir/*" com.rabbitmq.perf.PerfTest)

# --- brokers -----------------------------------------------------------------------------------------------------

rabbit_pid=""
hermod_pid=""
sampler_pid=""

stop_pid() { # $1 pid, $2 name: SIGTERM, up to 30 s, then SIGKILL
  local pid=$1 i
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  log "$2 (pid $pid) did not stop within 30 s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
}

cleanup() {
  set +e
  [ -n "$sampler_pid" ] && kill "$sampler_pid" 2>/dev/null
  stop_pid "$hermod_pid" Hermod
  stop_pid "$rabbit_pid" RabbitMQ
  # the epmd the RabbitMQ node started on its private port
  ERL_EPMD_PORT=$EPMD_PORT epmd -kill >/dev/null 2>&1
  rm -rf "$run/rabbitmq/mnesia" "$run/hermod/data"
  log "logs and PerfTest output in $run"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_rabbitmq() {
  local d=$run/rabbitmq
  echo '[].' > "$d/enabled_plugins"
  : > "$d/rabbitmq-env.conf"
  t0=$(date +%s%N)
  # RUNNING_UNDER_SYSTEMD makes the start script exec the VM, so $! is beam.smp itself
  env HOME="$d/home" \
    RABBITMQ_CONF_ENV_FILE="$d/rabbitmq-env.conf" \
    RABBITMQ_CONFIG_FILE="$d/rabbitmq" \
    RABBITMQ_ADVANCED_CONFIG_FILE="$d/advanced.config" \
    RABBITMQ_ENABLED_PLUGINS_FILE="$d/enabled_plugins" \
    RABBITMQ_PLUGINS_EXPAND_DIR="$d/plugins-expand" \
    RABBITMQ_NODENAME=hermod-bench@localhost \
    RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
    RABBITMQ_NODE_PORT="$RABBITMQ_PORT" \
    RABBITMQ_DIST_PORT="$((RABBITMQ_PORT + 20000))" \
    RABBITMQ_MNESIA_BASE="$d/mnesia" \
    RABBITMQ_LOG_BASE="$d/log" \
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
    ERL_EPMD_PORT="$EPMD_PORT" \
    ERL_EPMD_ADDRESS=127.0.0.1 \
    RUNNING_UNDER_SYSTEMD=1 \
    "$rabbitmq_server" > "$d/console.log" 2>&1 &
  rabbit_pid=$!
  rabbit_start_ms=$(python3 hermod-bench/peer/amqp_ready.py 127.0.0.1 "$RABBITMQ_PORT" "$t0" 120) \
    || { tail -20 "$d/console.log" >&2; exit 1; }
  log "RabbitMQ (pid $rabbit_pid) accepted an AMQP connection $rabbit_start_ms ms after launch"
}

start_hermod() {
  local d=$run/hermod
  t0=$(date +%s%N)
  # the server as `./hermod server` runs it (without its class-data-sharing archive: a first start), on loopback
  # shellcheck disable=SC2086 # HERMOD_JAVA_OPTS is a list of options
  HERMOD_AMQP_HOST=127.0.0.1 HERMOD_HTTP_HOST=127.0.0.1 MALLOC_ARENA_MAX=2 java $(hermod_server_jvm_opts) $HERMOD_JAVA_OPTS \
    -jar "$run/hermod-server.jar" --data "$d/data" --amqp-port "$HERMOD_PORT" --http-port 0 > "$d/console.log" 2>&1 &
  hermod_pid=$!
  hermod_start_ms=$(python3 hermod-bench/peer/amqp_ready.py 127.0.0.1 "$HERMOD_PORT" "$t0" 120) \
    || { tail -20 "$d/console.log" >&2; exit 1; }
  log "Hermod (pid $hermod_pid) accepted an AMQP connection $hermod_start_ms ms after launch"
}

tree_pids() { local c; echo "$1"; for c in $(pgrep -P "$1" || true); do tree_pids "$c"; done; }
# resident memory of a process and its children (RabbitMQ: beam.smp, erl_child_setup, inet_gethost), in KiB
tree_rss_kb() { ps -o rss= -p "$(tree_pids "$1" | paste -sd, -)" 2>/dev/null | awk '{s += $1} END {print s + 0}'; }
# writes the largest RSS seen into $2 every 250 ms until killed
sample_peak_rss() {
  local peak=0 now
  while kill -0 "$1" 2>/dev/null; do
    now=$(tree_rss_kb "$1")
    if [ "$now" -gt "$peak" ]; then peak=$now; echo "$peak" > "$2"; fi
    sleep 0.25
  done
}

# CPU time, in clock ticks, of the whole machine (busy) and of this run (brokers, PerfTest, this script): their
# difference over a workload is what other processes on a shared machine took from it
machine_busy_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }
own_ticks() {
  local t p
  t=$(awk '{print $14 + $15 + $16 + $17}' "/proc/$$/stat")
  for p in $(tree_pids "$rabbit_pid") $(tree_pids "$hermod_pid"); do
    t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)))
  done
  echo "$t"
}

# --- workloads ---------------------------------------------------------------------------------------------------

# identical PerfTest options for both brokers; 1,000-byte messages everywhere
workload_args() {
  case "$1" in
    a) echo "-x 1 -y 1 -s 1000 -a -u perf-a" ;;
    b) echo "-x 1 -y 1 -s 1000 -f persistent -c 1000 -q 100 -u perf-b" ;;
    c) echo "-x 10 -y 10 -s 1000 -a --queue-pattern perf-c-%d --queue-pattern-from 1 --queue-pattern-to 10" ;;
    d) echo "-x 1 -y 10 -s 1000 -a -t fanout -e perf-d" ;;
    *) echo "unknown workload '$1'" >&2; exit 2 ;;
  esac
}
# the fixed publishing rate (per producer) of each workload's second run, which measures latency below saturation:
# well under what either broker sustains here, so that latency is the brokers' and not a backlog's
fixed_rate() {
  case "$1" in
    a) echo 10000 ;;
    b) echo 5000 ;;
    c) echo 1000 ;;
    d) echo 2000 ;;
  esac
}
fixed_rate_title() {
  local r; r=$(fixed_rate "$1")
  case "$1" in
    c) echo "$((r * 10)) msg/s (10 x $r)" ;;
    d) echo "$r msg/s in, $((r * 10)) out" ;;
    *) echo "$r msg/s" ;;
  esac
}
workload_title() {
  case "$1" in
    a) echo "(a) 1 -> 1, transient, auto-ack" ;;
    b) echo "(b) 1 -> 1, persistent, confirms (1000 in flight), manual ack, prefetch 100" ;;
    c) echo "(c) 10 -> 10 over 10 queues, transient, auto-ack" ;;
    d) echo "(d) fan-out: 1 -> fanout exchange -> 10 queues, 10 consumers, auto-ack" ;;
  esac
}

run_workload() { # $1 workload, or workload@rate for its fixed-rate run; $2 broker (rabbitmq|hermod), $3 port, $4 pid
  local out=$run/$1-$2.log rc=0 args
  args=$(workload_args "${1%@rate}")
  # PerfTest starts rate-limited producers after a random delay of up to 1 s unless told otherwise, while their rate
  # limiter banks the permits of that delay: each run would open with a burst of a random size into a cold client
  # JVM, which sets the run's p99 more than either broker does, so fixed-rate producers start at once
  if [ "${1#*@}" = rate ]; then args="$args -r $(fixed_rate "${1%@rate}") --producer-random-start-delay 0"; fi
  echo "$(date +%s) rss=$(tree_rss_kb "$4")" > "$run/$1-$2.rss-before"
  echo 0 > "$run/$1-$2.rss-peak"
  sample_peak_rss "$4" "$run/$1-$2.rss-peak" &
  sampler_pid=$!
  local busy0 own0 t0
  busy0=$(machine_busy_ticks); own0=$(own_ticks); t0=$(date +%s%N)
  log "workload $1 on $2: PerfTest $args -z $seconds"
  # shellcheck disable=SC2086
  # --foreground: PerfTest stays in this process group, so Ctrl-C reaches it
  timeout --foreground --kill-after=10 $((seconds + 60)) "${perf_test[@]}" -h "amqp://guest:guest@127.0.0.1:$3" -z "$seconds" \
    -d "${1/@/-}-$2" $args > "$out" 2>&1 || rc=$?
  kill "$sampler_pid" 2>/dev/null || true
  wait "$sampler_pid" 2>/dev/null || true
  sampler_pid=""
  echo "$rc" > "$run/$1-$2.rc"
  # other processes' share of the machine during the run, in % of all cores
  awk -v b="$(($(machine_busy_ticks) - busy0))" -v o="$(($(own_ticks) - own0))" -v ns="$(($(date +%s%N) - t0))" \
    -v hz="$(getconf CLK_TCK)" -v n="$(nproc)" 'BEGIN { x = (b - o) / hz / (ns / 1e9) / n * 100; printf "%.0f", x < 0 ? 0 : x }' \
    > "$run/$1-$2.foreign-cpu"
  if [ "$rc" -ne 0 ]; then log "PerfTest exited with $rc on $2 (124: timed out); see $out"; fi
  if ! kill -0 "$4" 2>/dev/null; then log "$2 is no longer running; see $run/$2/"; fi
  sleep 2 # let auto-delete queues go and the broker settle before the next run
}

# summary lines PerfTest prints at the end:
#   id: a-hermod, sending rate avg: 44661 msg/s
#   id: a-hermod, consumer latency min/median/75th/95th/99th 35790/1414209/1603818/1697902/1709790 µs
rate() { sed -n "s/.*$2 rate avg: \([0-9.]*\) msg\/s.*/\1/p" "$1" | tail -n 1; }
latency_ms() { # $1 log, $2 field (2 = median, 5 = 99th); prints milliseconds
  sed -n 's/.*consumer latency min\/median\/75th\/95th\/99th[/a-z]* \([-0-9/]*\) \([^ ]*\).*/\1 \2/p' "$1" | tail -n 1 |
    awk -v f="$2" '{ split($1, v, "/"); x = v[f]; if ($2 == "ms") x *= 1000; if (x != "") printf "%.2f", x / 1000 }'
}
# the median over a run's seconds of PerfTest's per-second consumer latency p99 ("time N s, ... consumer latency:
# min/median/75th/95th/99th µs" lines), in ms: PerfTest's end-of-run figures come from a histogram that keeps a
# sample of about 1,000 of the run's latencies (Dropwizard's exponentially decaying reservoir), so their p99 is about
# the tenth-largest of that sample and swings from run to run; this one shows the steady state beside it
second_p99_median_ms() {
  awk '/ time [0-9.]+ s, / && match($0, /consumer latency: [0-9\/]+/) {
         split(substr($0, RSTART + 18, RLENGTH - 18), v, "/"); print v[5] }' "$1" | sort -n |
    awk '{ v[NR] = $1 } END { if (NR > 0) printf "%.2f", (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) / 1000 }'
}
# the seconds of a run in which the consumers took under 1,000 msg/s while the producers sent over 5,000: PerfTest's
# consumer socket stuck with a receive window below loopback's 64 KiB segment, so that the broker sends only when its
# zero-window probe timer fires (about 286 msg/s of 1 KB; the bench README, "A consumer that trickles")
stalled_seconds() {
  awk '/ time [0-9.]+ s, sent: / {
         s = $0; sub(/.* sent: /, "", s); r = $0; sub(/.* received: /, "", r)
         if (s + 0 > 5000 && r + 0 < 1000) n++ }
       END { print n + 0 }' "$1"
}
ratio() { awk -v h="$1" -v r="$2" 'BEGIN { if (h == "" || r == "" || r == 0) print "-"; else printf "%.2f", h / r }'; }
# $1 Hermod, $2 RabbitMQ, $3 "higher" (Hermod must be >= 2x) or "lower" (Hermod must be below RabbitMQ)
verdict() {
  awk -v h="$1" -v r="$2" -v d="$3" 'BEGIN {
    if (h == "") print "no (no figure)"; else if (r == "" || r == 0) print "-";
    else if (d == "higher") print (h / r >= 2 ? "yes" : "no"); else print (h / r < 1 ? "yes" : "no") }'
}
# one table row: $1 workload title, $2 metric, $3 RabbitMQ, $4 Hermod, $5 higher|lower (the target), "" (no target)
# or none (no ratio either)
row() {
  local r="" v=""
  if [ "$5" != none ]; then r=$(ratio "$4" "$3"); fi
  if [ "$5" = higher ] || [ "$5" = lower ]; then v=$(verdict "$4" "$3" "$5"); fi
  echo "| $1 | $2 | $(fmt "$3") | $(fmt "$4") | $r | $v |"
}
fmt() { if [ -z "$1" ]; then echo "-"; else echo "$1"; fi; }
is_zero() { awk -v x="${1:-0}" 'BEGIN { exit !(x + 0 == 0) }'; }
kib_to_mib() { if [ -s "$1" ]; then echo $(($(cat "$1") / 1024)); fi; }

# --- the run -----------------------------------------------------------------------------------------------------

load_before=$(cut -d ' ' -f 1-3 /proc/loadavg)
log "run directory $run; $seconds s per workload; workloads $workloads; load average $load_before"
start_rabbitmq
start_hermod
sleep 2
rabbit_idle_kb=$(tree_rss_kb "$rabbit_pid")
hermod_idle_kb=$(tree_rss_kb "$hermod_pid")

IFS=, read -ra chosen <<< "$workloads"
for w in "${chosen[@]}"; do
  workload_args "$w" > /dev/null
  if kill -0 "$rabbit_pid" 2>/dev/null; then run_workload "$w" rabbitmq "$RABBITMQ_PORT" "$rabbit_pid"; fi
  if kill -0 "$hermod_pid" 2>/dev/null; then run_workload "$w" hermod "$HERMOD_PORT" "$hermod_pid"; fi
  if kill -0 "$rabbit_pid" 2>/dev/null; then run_workload "$w@rate" rabbitmq "$RABBITMQ_PORT" "$rabbit_pid"; fi
  if kill -0 "$hermod_pid" 2>/dev/null; then run_workload "$w@rate" hermod "$HERMOD_PORT" "$hermod_pid"; fi
done

# --- the table ---------------------------------------------------------------------------------------------------

versions() {
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- machine: $(nproc) vCPU ($(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)), $(awk '/^MemTotal/ {printf "%.0f", $2 / 1048576}' /proc/meminfo) GiB RAM, $(uname -sr); load average before / after the run: $load_before / $(cut -d ' ' -f 1-3 /proc/loadavg)"
  echo "- Hermod: hermod-server.jar built $(date -u -r "$jar" '+%H:%M UTC'), HEAD $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . 2>/dev/null || echo ' (with uncommitted changes)'), $(java -version 2>&1 | head -n 1), options '${HERMOD_JAVA_OPTS}', transport: $(sed -n 's/.*AMQP 0-9-1 listening on .*(\(.*\)).*/\1/p' "$run/hermod/console.log" | head -n 1)"
  echo "- RabbitMQ: $(dpkg-query -W -f '${Version}' rabbitmq-server 2>/dev/null) (Debian), Erlang/OTP $(dpkg-query -W -f '${Version}' erlang-base 2>/dev/null), default configuration, no plugins"
  echo "- PerfTest $PERF_TEST_VERSION, $seconds s per workload, RabbitMQ then Hermod, both brokers running throughout"
}
table() {
  local w lr lh
  echo "| workload | metric | RabbitMQ | Hermod | Hermod / RabbitMQ | target met |"
  echo "|---|---|---|---|---|---|"
  for w in "${chosen[@]}"; do
    lr=$run/$w-rabbitmq.log
    lh=$run/$w-hermod.log
    local sr sh rr rh pr ph qr qh
    sr=$(rate "$lr" sending 2>/dev/null || true); sh=$(rate "$lh" sending 2>/dev/null || true)
    rr=$(rate "$lr" receiving 2>/dev/null || true); rh=$(rate "$lh" receiving 2>/dev/null || true)
    pr=$(latency_ms "$lr" 2 2>/dev/null || true); ph=$(latency_ms "$lh" 2 2>/dev/null || true)
    qr=$(latency_ms "$lr" 5 2>/dev/null || true); qh=$(latency_ms "$lh" 5 2>/dev/null || true)
    # nothing received: no latency to speak of (PerfTest prints zeros)
    if is_zero "$rr"; then pr=""; qr=""; fi
    if is_zero "$rh"; then ph=""; qh=""; fi
    local t; t=$(workload_title "$w")
    row "$t" "sent msg/s" "$sr" "$sh" higher
    row "" "received msg/s" "$rr" "$rh" higher
    row "" "seconds the consumer trickled (under 1,000 msg/s received, over 5,000 sent)" \
      "$(stalled_seconds "$lr" 2>/dev/null || true)" "$(stalled_seconds "$lh" 2>/dev/null || true)" none
    row "" "consumer latency p50 ms" "$pr" "$ph" lower
    row "" "consumer latency p99 ms" "$qr" "$qh" lower
    lr=$run/$w@rate-rabbitmq.log
    lh=$run/$w@rate-hermod.log
    pr=$(latency_ms "$lr" 2 2>/dev/null || true); ph=$(latency_ms "$lh" 2 2>/dev/null || true)
    qr=$(latency_ms "$lr" 5 2>/dev/null || true); qh=$(latency_ms "$lh" 5 2>/dev/null || true)
    row "" "at $(fixed_rate_title "$w"): latency p50 ms" "$pr" "$ph" lower
    row "" "at $(fixed_rate_title "$w"): latency p99 ms" "$qr" "$qh" lower
    row "" "at $(fixed_rate_title "$w"): median of the per-second p99s, ms" \
      "$(second_p99_median_ms "$lr" 2>/dev/null || true)" "$(second_p99_median_ms "$lh" 2>/dev/null || true)" ""
    row "" "other processes' CPU during the run, % of machine" \
      "$(cat "$run/$w-rabbitmq.foreign-cpu" 2>/dev/null)" "$(cat "$run/$w-hermod.foreign-cpu" 2>/dev/null)" none
    row "" "peak RSS MiB" "$(kib_to_mib "$run/$w-rabbitmq.rss-peak")" "$(kib_to_mib "$run/$w-hermod.rss-peak")" ""
  done
  local peak_r=0 peak_h=0 v
  for w in "${chosen[@]}"; do
    v=$(cat "$run/$w-rabbitmq.rss-peak" 2>/dev/null || echo 0)
    if [ "$v" -gt "$peak_r" ]; then peak_r=$v; fi
    v=$(cat "$run/$w-hermod.rss-peak" 2>/dev/null || echo 0)
    if [ "$v" -gt "$peak_h" ]; then peak_h=$v; fi
  done
  row broker "RSS after start, idle, MiB" "$((rabbit_idle_kb / 1024))" "$((hermod_idle_kb / 1024))" lower
  row "" "peak RSS over all workloads, MiB" "$((peak_r / 1024))" "$((peak_h / 1024))" lower
  row "" "launch to first AMQP connection, ms" "$rabbit_start_ms" "$hermod_start_ms" lower
  for w in "${chosen[@]}" "${chosen[@]/%/@rate}"; do
    for b in rabbitmq hermod; do
      local rc; rc=$(cat "$run/$w-$b.rc" 2>/dev/null || echo "not run")
      if [ "$rc" != 0 ]; then echo; echo "PerfTest for $w on $b: exit $rc (124 = timed out), output in $run/$w-$b.log"; fi
    done
  done
}

{
  versions
  echo
  table
} | tee "$run/results.md"
