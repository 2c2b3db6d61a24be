# Random and malformed frames sent to both coordinator sockets: the
# coordinator keeps serving the running job, which completes correctly.
. tests/integration/lib.sh
slow_job "$T/job.toml"
"$BIN/dse-run" "$T/job.toml" --workers 1 --output "$T/ref" -q || fail "reference run"
PORT=$(pick_port)
start_coordinator $PORT
start_worker $PORT
start_worker $PORT
"$BIN/dse-run" "$T/job.toml" --coordinator "tcp://127.0.0.1:$PORT" --output "$T/out" -q &
RUN=$!
PIDS="$PIDS $RUN"
sleep 0.3
"$BIN/dse-noise" "tcp://127.0.0.1:$PORT" 3000 1 || fail "noise to the worker socket"
"$BIN/dse-noise" "tcp://127.0.0.1:$((PORT + 1))" 3000 2 || fail "noise to the client socket"
wait_pid $RUN 120 || fail "the job failed under noise"
same_outputs "$T/ref" "$T/out"
kill -0 $COORD || fail "the coordinator died"
grep -q "malformed" "$T/coordinator.log" || fail "no protocol error was logged"
lines=$(wc -l <"$T/coordinator.log")
[ "$lines" -lt 200 ] || fail "protocol errors flooded the log ($lines lines)"
