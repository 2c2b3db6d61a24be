# Worker options: a synthetic topology sets the thread count; --death-timeout
# ends a worker that never sees a coordinator; --dump-all writes every point.
. tests/integration/lib.sh
start_coordinator --verbose
"$BIN/dse-worker" --connect "$WEP" --topology "pack:1 core:3 pu:2" \
    --heartbeat 0.2 --death-timeout 30 >>"$T/workers.log" 2>&1 &
PIDS="$PIDS $!"
n=0
until grep -q "joined: 3 threads, credit 6" "$T/coordinator.log"; do
    n=$((n + 1)); [ $n -gt 100 ] && { cat "$T/coordinator.log"; fail "synthetic 3-core topology: no 3-thread worker"; }
    sleep 0.05
done
note "death timeout"
t0=$(date +%s)
"$BIN/dse-worker" --connect "ipc://$T/nobody" --threads 1 --heartbeat 0.2 \
    --death-timeout 1 2>"$T/death.err" &
D=$!
PIDS="$PIDS $D"
wait_pid $D 10; rc=$?
[ $rc -eq 3 ] || fail "death timeout: exit $rc, expected 3"
grep -q "no coordinator for 1 s" "$T/death.err" || fail "death timeout: message"
note "dump-all"
slow_job "$T/job.toml" 12
"$BIN/dse-run" "$T/job.toml" --client-endpoint "$CEP" --dump-all --output "$T/all" -q \
    || fail "--dump-all run"
feasible=$(json_field "$T/all/summary.json" feasible)
rows=$(($(wc -l <"$T/all/all_points.csv") - 1))
[ "$rows" -eq "$feasible" ] || fail "all_points.csv has $rows rows, summary says $feasible feasible"
"$BIN/dse-run" "$T/job.toml" --workers 1 --output "$T/plain" -q || fail "plain run"
same_outputs "$T/plain" "$T/all"
