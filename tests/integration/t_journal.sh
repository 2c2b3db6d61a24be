# The coordinator's journal (--state DIR): a coordinator killed with -9 in
# the middle of a job and started again on the same folder resumes the job;
# its client, which submits again on its own, gets outputs byte-identical to
# an undisturbed run, and only the units in flight are run again. Also: a
# second coordinator on the same folder is refused, and a damaged header is
# a clear error.
. tests/integration/lib.sh
slow_job "$T/job.toml" 40
"$BIN/dse-run" "$T/job.toml" --workers 1 --output "$T/ref" -q || fail "reference run"
W_AT="ipc://$T/workers.ipc"; C_AT="ipc://$T/clients.ipc"
start_worker "$W_AT"
start_worker "$W_AT"
start_coordinator_at "$W_AT" "$C_AT" --state "$T/state" --verbose
note "a second coordinator on the same --state folder is refused"
"$BIN/dse-coordinator" --bind "ipc://$T/w2.ipc" --client-bind "ipc://$T/c2.ipc" \
    --state "$T/state" 2>"$T/err2" && fail "a second coordinator started on the same state"
grep -q "another coordinator uses this --state folder" "$T/err2" || { cat "$T/err2"; fail "message"; }
note "coordinator killed with -9 in the middle of a job, started again on the same state"
"$BIN/dse-run" "$T/job.toml" --client-endpoint "$CEP" --output "$T/out" -q --timeout 60 \
    2>"$T/run.err" &
RUN=$!
PIDS="$PIDS $RUN"
# wait until some units are merged (the journal grows past its header and the job record)
n=0
while [ "$(stat -c %s "$T/state/journal" 2>/dev/null || echo 0)" -lt 20000 ]; do
    n=$((n + 1)); [ $n -gt 300 ] && fail "the journal did not grow in 30 s"
    kill -0 $RUN 2>/dev/null || fail "the job ended before the coordinator could be killed"
    sleep 0.1
done
kill -9 $COORD
wait $COORD 2>/dev/null
sleep 0.5
start_coordinator_at "$W_AT" "$C_AT" --state "$T/state" --verbose
wait_pid $RUN 120 || { cat "$T/run.err"; fail "the job did not survive the coordinator's restart"; }
same_outputs "$T/ref" "$T/out"
grep -q "restored from $T/state/journal" "$T/coordinator.log" || fail "no job restored"
grep -q "resumed by its client" "$T/coordinator.log" || fail "the client did not re-attach"
merged=$(sed -n 's/.*resumed by its client: \([0-9]*\) of \([0-9]*\) units.*/\1/p' "$T/coordinator.log" | head -1)
total=$(sed -n 's/.*resumed by its client: \([0-9]*\) of \([0-9]*\) units.*/\2/p' "$T/coordinator.log" | head -1)
[ "$merged" -gt 0 ] || fail "nothing was kept across the restart"
units=$(json_field "$T/out/summary.json" units)
note "restart kept $merged of $total units; the job had $units"
# the finished job leaves the journal with its header and one SEQ record
[ "$(stat -c %s "$T/state/journal")" -le 40 ] || fail "the journal was not cut back after the job"
kill $COORD; wait_pid $COORD 10
note "a torn tail is cut back, with a line saying how many bytes"
good=$(stat -c %s "$T/state/journal")
printf 'torn record' >>"$T/state/journal"
start_coordinator_at "$W_AT" "$C_AT" --state "$T/state"
grep -q "$T/state/journal: cut a torn or corrupt tail: 11 bytes dropped" "$T/coordinator.log" ||
    { tail -3 "$T/coordinator.log"; fail "the torn tail was not reported"; }
[ "$(stat -c %s "$T/state/journal")" -eq "$good" ] || fail "the torn tail was not cut"
kill $COORD; wait_pid $COORD 10
note "a journal with a damaged header is a clear error"
printf 'XXXX' | dd of="$T/state/journal" bs=1 seek=0 conv=notrunc 2>/dev/null
"$BIN/dse-coordinator" --bind "ipc://$T/w3.ipc" --client-bind "ipc://$T/c3.ipc" \
    --state "$T/state" 2>"$T/err3" && fail "a damaged journal was accepted"
grep -q "$T/state/journal: not a dse-coordinator journal" "$T/err3" || { cat "$T/err3"; fail "message"; }
exit 0
