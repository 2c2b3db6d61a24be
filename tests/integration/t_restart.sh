# Workers started before the coordinator connect when it appears; a
# coordinator restarted under running workers is rejoined.
. tests/integration/lib.sh
slow_job "$T/job.toml" 20
"$BIN/dse-run" "$T/job.toml" --workers 1 --output "$T/ref" -q || fail "reference run"
PORT=$(pick_port)
start_worker $PORT
start_worker $PORT
sleep 1
note "coordinator starts after its workers"
start_coordinator $PORT --verbose
"$BIN/dse-run" "$T/job.toml" --coordinator "tcp://127.0.0.1:$PORT" --output "$T/out1" -q \
    --timeout 30 || fail "first job"
same_outputs "$T/ref" "$T/out1"
note "coordinator killed and restarted"
kill -9 $COORD
wait $COORD 2>/dev/null
sleep 0.5
start_coordinator $PORT --verbose
"$BIN/dse-run" "$T/job.toml" --coordinator "tcp://127.0.0.1:$PORT" --output "$T/out2" -q \
    --timeout 60 || fail "job after the restart"
same_outputs "$T/ref" "$T/out2"
[ "$(grep -c 'joined' "$T/coordinator.log")" -ge 4 ] || fail "workers did not rejoin"
note "coordinator killed in the middle of a job: the client submits again"
slow_job "$T/long.toml" 40
"$BIN/dse-run" "$T/long.toml" --workers 1 --output "$T/longref" -q || fail "reference long"
"$BIN/dse-run" "$T/long.toml" --coordinator "tcp://127.0.0.1:$PORT" --output "$T/long" -q \
    --timeout 60 &
RUN=$!
PIDS="$PIDS $RUN"
sleep 1
kill -9 $COORD
wait $COORD 2>/dev/null
sleep 1
start_coordinator $PORT --verbose
wait_pid $RUN 120 || fail "the job did not survive the coordinator's restart"
same_outputs "$T/longref" "$T/long"
