# Random and malformed frames sent to both coordinator sockets: the
# coordinator keeps serving the running job, which completes correctly.
. tests/integration/lib.sh
slow_job "$T/job.toml"
"$BIN/dse-run" "$T/job.toml" --workers 1 --output "$T/ref" -q || fail "reference run"
start_coordinator
start_worker "$WEP"
start_worker "$WEP"
"$BIN/dse-run" "$T/job.toml" --client-endpoint "$CEP" --output "$T/out" -q &
RUN=$!
PIDS="$PIDS $RUN"
sleep 0.3
"$BIN/dse-noise" "$WEP" 3000 1 || fail "noise to the worker socket"
"$BIN/dse-noise" "$CEP" 3000 2 || fail "noise to the client socket"
wait_pid $RUN 120 || fail "the job failed under noise"
same_outputs "$T/ref" "$T/out"
kill -0 $COORD || fail "the coordinator died"
grep -q "malformed" "$T/coordinator.log" || fail "no protocol error was logged"
lines=$(wc -l <"$T/coordinator.log")
[ "$lines" -lt 200 ] || fail "protocol errors flooded the log ($lines lines)"
