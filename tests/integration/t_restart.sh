# Workers started before the coordinator connect when it appears; a
# coordinator restarted under running workers is rejoined.
. tests/integration/lib.sh
slow_job "$T/job.toml" 20
"$BIN/dse-run" "$T/job.toml" --workers 1 --output "$T/ref" -q || fail "reference run"
# fixed endpoints, so that the workers can start first and the coordinator
# can come back on them: ipc paths in this test's folder, which no other
# program uses
W_AT="ipc://$T/workers.ipc"; C_AT="ipc://$T/clients.ipc"
start_worker "$W_AT"
start_worker "$W_AT"
sleep 1
note "coordinator starts after its workers"
start_coordinator_at "$W_AT" "$C_AT" --verbose
"$BIN/dse-run" "$T/job.toml" --client-endpoint "$CEP" --output "$T/out1" -q \
    --timeout 30 || fail "first job"
same_outputs "$T/ref" "$T/out1"
note "coordinator killed and restarted"
kill -9 $COORD
wait $COORD 2>/dev/null
sleep 0.5
start_coordinator_at "$W_AT" "$C_AT" --verbose
"$BIN/dse-run" "$T/job.toml" --client-endpoint "$CEP" --output "$T/out2" -q \
    --timeout 60 || fail "job after the restart"
same_outputs "$T/ref" "$T/out2"
[ "$(grep -c 'joined' "$T/coordinator.log")" -ge 4 ] || fail "workers did not rejoin"
note "coordinator killed in the middle of a job: the client submits again"
slow_job "$T/long.toml" 40
"$BIN/dse-run" "$T/long.toml" --workers 1 --output "$T/longref" -q || fail "reference long"
"$BIN/dse-run" "$T/long.toml" --client-endpoint "$CEP" --output "$T/long" -q \
    --timeout 60 &
RUN=$!
PIDS="$PIDS $RUN"
sleep 1
kill -9 $COORD
wait $COORD 2>/dev/null
sleep 1
start_coordinator_at "$W_AT" "$C_AT" --verbose
wait_pid $RUN 120 || fail "the job did not survive the coordinator's restart"
same_outputs "$T/longref" "$T/long"
