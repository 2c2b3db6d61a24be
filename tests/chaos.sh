# The chaos run (make chaos): 4 workers on one coordinator, random SIGKILL,
# SIGSTOP and SIGCONT every 1 to 3 s while a job of a few tens of seconds
# runs; killed workers are restarted by a supervisor loop, as a process
# manager would. In each run the coordinator itself is killed with -9 once
# and started again on the same --state journal (a process manager again);
# the client reconnects on its own. Each run must give outputs
# byte-identical to an undisturbed run, with no unit quarantined. Prints,
# per run, the units kept across the coordinator's restart, the units
# re-issued and the wall time against the undisturbed run's on the same 4
# workers.
#
#   CHAOS_RUNS (default 3), CHAOS_N (grid per variable of the job, default 80)
# Loopback only; every process is killed on exit; every wait is bounded.
. tests/integration/lib.sh
RUNS=${CHAOS_RUNS:-3}
N=${CHAOS_N:-80}
slow_job "$T/job.toml" "$N"
"$BIN/dse-run" "$T/job.toml" --workers 1 --output "$T/ref" -q || fail "reference run"
rand() { # rand N -> 0..N-1
    od -An -N2 -tu2 /dev/urandom | awk -v n="$1" '{ print $1 % n }'
}
# start_pool ENDPOINT: 4 supervisor loops, each keeping one worker alive (bounded)
start_pool() {
    SUPS=""
    for k in 1 2 3 4; do
        (
            i=0
            while [ $i -lt 200 ]; do
                "$BIN/dse-worker" --connect "$1" --threads 1 --heartbeat 0.2 \
                    --death-timeout 20 --no-pin >>"$T/workers.log" 2>&1
                i=$((i + 1))
            done
        ) &
        SUPS="$SUPS $!"
    done
    PIDS="$PIDS $SUPS"
}
stop_pool() {
    for s in $SUPS; do kill "$s" 2>/dev/null; done
    for s in $SUPS; do for w in $(pgrep -P "$s"); do kill -CONT "$w"; kill "$w"; done 2>/dev/null; done
    sleep 0.3
}
# one job on a fresh coordinator and pool; CHAOS=1 disturbs it. Fixed ipc
# endpoints and a journal, so that the coordinator can come back on them.
run_job() { # OUT CHAOS
    tag=$(basename "$1")
    W_AT="ipc://$T/w-$tag.ipc"; C_AT="ipc://$T/c-$tag.ipc"
    start_coordinator_at "$W_AT" "$C_AT" --state "$T/state-$tag"
    start_pool "$WEP"
    t0=$(date +%s.%N)
    "$BIN/dse-run" "$T/job.toml" --client-endpoint "$CEP" --output "$1" -q \
        2>"$T/run.err" &
    RUN=$!
    PIDS="$PIDS $RUN"
    kills=0 stops=0 restarted=0 kept=""
    n=0
    while kill -0 $RUN 2>/dev/null && [ "$2" = 1 ]; do
        n=$((n + 1)); [ $n -gt 200 ] && fail "chaos: the job is still running after 200 rounds"
        sleep "$(( 1 + $(rand 3) ))"
        if [ $n -eq 2 ] && kill -0 $RUN 2>/dev/null; then
            # the coordinator, once, in the middle of the job
            kill -9 "$COORD"
            wait "$COORD" 2>/dev/null
            sleep 0.5
            start_coordinator_at "$W_AT" "$C_AT" --state "$T/state-$tag"
            restarted=1
            continue
        fi
        s=$(echo $SUPS | tr ' ' '\n' | sed -n "$(( 1 + $(rand 4) ))p")
        w=$(pgrep -P "$s" | head -1)
        [ -n "$w" ] || continue
        if [ "$(rand 2)" = 0 ]; then
            kill -9 "$w" 2>/dev/null && kills=$((kills + 1))
        else
            kill -STOP "$w" 2>/dev/null && stops=$((stops + 1))
            ( sleep "$(( 1 + $(rand 3) ))"; kill -CONT "$w" 2>/dev/null ) &
        fi
    done
    wait_pid $RUN 600 || { cat "$T/run.err"; fail "the job failed"; }
    if [ "$restarted" = 1 ]; then
        # the units merged before the kill, as the restarted coordinator found them
        kept=$(sed -n 's/.*restored from .*: \([0-9]* of [0-9]*\) units merged.*/\1/p' \
            "$T/coordinator.log" | tail -1)
        [ -n "$kept" ] && [ "$(grep -c 'resumed by its client' "$T/coordinator.log")" -ge "$r" ] || { tail -n 20 "$T/coordinator.log"; cat "$T/run.err";
            fail "the restarted coordinator did not resume the job"; }
    fi
    t1=$(date +%s.%N)
    WALL=$(echo "$t1 $t0" | awk '{ printf "%.1f", $1 - $2 }')
    stop_pool
    kill "$COORD" 2>/dev/null
    wait_pid "$COORD" 10
}
run_job "$T/calm" 0
same_outputs "$T/ref" "$T/calm"
CALM=$WALL
note "undisturbed, 4 workers: $CALM s"
r=1
while [ $r -le "$RUNS" ]; do
    run_job "$T/chaos$r" 1
    same_outputs "$T/ref" "$T/chaos$r"
    grep -q '"complete": true' "$T/chaos$r/summary.json" || fail "run $r: units quarantined"
    re=$(json_field "$T/chaos$r/summary.json" units_reissued)
    [ "$restarted" = 1 ] || fail "run $r: the job ended before the coordinator was restarted"
    lost=$(echo "$WALL $CALM" | awk '{ printf "%.1f", $1 - $2 }')
    note "chaos run $r: $kills SIGKILL, $stops SIGSTOP, 1 coordinator kill -9 and restart" \
        "($kept units kept); identical outputs, nothing quarantined; $re units re-issued" \
        "after the restart; $WALL s against $CALM s undisturbed ($lost s lost)"
    r=$((r + 1))
done
echo "chaos: $RUNS runs, each with a coordinator restart; identical outputs, nothing quarantined"
