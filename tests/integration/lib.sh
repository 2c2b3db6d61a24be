# Shared helpers for the integration tests (sourced). Loopback only; every
# process started here is killed on exit; every wait is bounded.
set -u
BUILD=${BUILD:-build}
BIN=$(cd "$BUILD" && pwd)
TOP=$(pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/dse-it-XXXXXX")
# the working folders of measured points too: one that a killed worker
# leaves goes with the test's folder
export TMPDIR="$T"
PIDS=""
cleanup() {
    # stop politely first, so that sanitizer builds write their reports;
    # the last started first, so workers go before their coordinator
    rev=""
    for p in $PIDS; do rev="$p $rev"; done
    PIDS=$rev
    for p in $PIDS; do kill -CONT "$p" 2>/dev/null; kill -TERM "$p" 2>/dev/null; done
    n=0
    for p in $PIDS; do
        while kill -0 "$p" 2>/dev/null && [ $n -lt 30 ]; do n=$((n + 1)); sleep 0.1; done
        kill -9 "$p" 2>/dev/null
    done
    wait 2>/dev/null
    # a sanitizer report from any background process fails the test
    if grep -qsE "AddressSanitizer|LeakSanitizer|runtime error" "$T"/*.log; then
        grep -hE -A8 "AddressSanitizer|LeakSanitizer|runtime error" "$T"/*.log | head -40 >&2
        rm -rf "$T"
        exit 1
    fi
    rm -rf "$T"
}
trap cleanup EXIT INT TERM

fail() { echo "FAIL: $*" >&2; exit 1; }
note() { echo "-- $*"; }

# The heartbeat interval of the coordinators and workers started below (a
# test may set IT_HEARTBEAT before it starts them).
IT_HEARTBEAT=${IT_HEARTBEAT:-0.2}

# No test picks a port itself: a coordinator binds a port the system gives it
# (tcp://127.0.0.1:*) and writes the endpoints it got to a file, which
# start_coordinator reads; a coordinator that cannot bind fails the test at
# once. Tests that need the same endpoints across a restart use ipc:// paths
# inside $T (start_coordinator_at).

# start_coordinator [extra args] -> COORD, WEP (workers), CEP (clients)
start_coordinator() {
    start_coordinator_at "tcp://127.0.0.1:*" "tcp://127.0.0.1:*" "$@"
}

# start_coordinator_at WORKER_BIND CLIENT_BIND [extra args] -> COORD, WEP, CEP
start_coordinator_at() {
    wb=$1; cb=$2; shift 2
    N_COORD=$(( ${N_COORD:-0} + 1 ))
    ep="$T/endpoints.$N_COORD"
    "$BIN/dse-coordinator" --bind "$wb" --client-bind "$cb" --endpoints-file "$ep" \
        --heartbeat "$IT_HEARTBEAT" "$@" >>"$T/coordinator.log" 2>&1 &
    COORD=$!
    PIDS="$PIDS $COORD"
    n=0
    while [ ! -s "$ep" ]; do
        if ! kill -0 "$COORD" 2>/dev/null; then
            tail -n 5 "$T/coordinator.log" >&2
            fail "the coordinator exited before binding $wb and $cb"
        fi
        n=$((n + 1)); [ $n -gt 300 ] && fail "the coordinator reported no endpoints in 30 s"
        sleep 0.1
    done
    WEP=$(sed -n 's/^workers //p' "$ep")
    CEP=$(sed -n 's/^clients //p' "$ep")
    [ -n "$WEP" ] && [ -n "$CEP" ] || fail "bad endpoints file: $(cat "$ep")"
}

start_worker() { # ENDPOINT [extra args] -> WORKER
    wep=$1; shift
    "$BIN/dse-worker" --connect "$wep" --threads 1 --heartbeat "$IT_HEARTBEAT" \
        --death-timeout 60 "$@" >>"$T/workers.log" 2>&1 &
    WORKER=$!
    PIDS="$PIDS $WORKER"
}

# wait_pid PID SECONDS: waits for a background process, fails past the limit
wait_pid() {
    n=0
    while kill -0 "$1" 2>/dev/null; do
        n=$((n + 1))
        [ "$n" -gt $(( $2 * 10 )) ] && fail "process $1 still running after $2 s"
        sleep 0.1
    done
    wait "$1"
}

same_outputs() { # DIR_A DIR_B
    for f in pareto_layers.csv pareto_network.csv pareto_network_choices.csv; do
        [ -s "$1/$f" ] || fail "$1/$f missing"
        cmp -s "$1/$f" "$2/$f" || { diff "$1/$f" "$2/$f" | head -5; fail "$f differs: $1 vs $2"; }
    done
}

json_field() { # FILE FIELD -> value of a top-level "field": N
    sed -n "s/^  \"$2\": \\([0-9.]*\\).*/\\1/p" "$1" | head -1
}

# The CPU-bound job the runtime tests use: testfn with a busy loop.
slow_job() { # OUT_TOML [n]
    n=${2:-40}
    cat >"$1" <<TOML
[job]
name = "slow"
[target]
model = "testfn"
cost = 6000
[workload]
[[workload.layer]]
name = "a"
op = "elementwise"
in_shape = [1]
n = $n
[[workload.layer]]
name = "b"
op = "elementwise"
in_shape = [1]
n = $n
problem = "dtlz2"
[[workload.layer]]
name = "c"
op = "elementwise"
in_shape = [1]
n = $n
f1_max = 0.8
[search]
objectives = ["f1", "f2"]
[cluster]
heartbeat = 0.2
unit_seconds = 0.03
TOML
}

# run_on_two_workers CONFIG OUT [coordinator args]: a coordinator on fresh
# ports, two workers (the first is W1), and dse-run submitting CONFIG in the
# background (RUN); the caller disturbs W1, then waits for RUN.
run_on_two_workers() {
    cfg=$1; dir=$2; shift 2
    start_coordinator "$@"
    start_worker "$WEP"; W1=$WORKER
    start_worker "$WEP"
    "$BIN/dse-run" "$cfg" --client-endpoint "$CEP" --output "$dir" -q &
    RUN=$!
    PIDS="$PIDS $RUN"
}

pw_measured_head() { # the body of a two-layer measured job up to [evaluator] kind (t_measured, t_verify)
    cat <<'TOML'
[target]
model = "pulp-cluster"
hardware = "pulp-open"
[workload]
dtype = "fp32"
steps = ["fw"]
[[workload.layer]]
name = "pw1"
op = "pw"
in_shape = [16, 8, 8]
out_channels = 16
[[workload.layer]]
name = "pw2"
op = "pw"
in_shape = [16, 8, 8]
out_channels = 32
[space]
tile_cout = "divisors"
tile_ho = [4, 8]
tile_wo = [8]
buffering = ["single", "double"]
matmul = ["mm", "mm_unroll_2x1"]
[search]
objectives = ["cycles", "l1_bytes"]
[cluster]
heartbeat = 0.2
[evaluator]
kind = "command"
TOML
}

conv_pair_body() { # a pw and a conv layer on pulp-open, [target] to [space] buffering (t_calibrate, t_refine)
    cat <<'TOML'
[target]
model = "pulp-cluster"
hardware = "pulp-open"
[workload]
dtype = "fp32"
steps = ["fw"]
[[workload.layer]]
name = "pw1"
op = "pw"
in_shape = [32, 16, 16]
out_channels = 64
[[workload.layer]]
name = "c2"
op = "conv2d"
in_shape = [16, 16, 16]
chain = false
out_channels = 32
kernel = [3, 3]
padding = [1]
[space]
tile_cout = "divisors"
tile_ho = "divisors"
tile_wo = [16]
buffering = ["single", "double"]
TOML
}
