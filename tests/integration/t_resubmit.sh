# A job cancelled with Ctrl-C on a standing cluster, then the same config
# submitted again: the workers serve the new job at once (the cancel
# concerned the first job only, not the config).
. tests/integration/lib.sh
slow_job "$T/job.toml" 48
start_coordinator
start_worker "$WEP"
start_worker "$WEP"
"$BIN/dse-run" "$T/job.toml" --client-endpoint "$CEP" --output "$T/same" -q &
RUN=$!
PIDS="$PIDS $RUN"
sleep 1
kill -INT $RUN
wait_pid $RUN 20; rc=$?
[ $rc -eq 130 ] || fail "first run: exit $rc, expected 130"
slow_job "$T/small.toml" 16
t0=$(date +%s)
"$BIN/dse-run" "$T/small.toml" --client-endpoint "$CEP" --output "$T/again" -q \
    --timeout 30 || fail "the run after a cancel"
"$BIN/dse-run" "$T/job.toml" --client-endpoint "$CEP" --output "$T/same" -q \
    --timeout 60 || fail "the same config again"
t1=$(date +%s)
[ $((t1 - t0)) -lt 40 ] || fail "resubmission took $((t1 - t0)) s: units were stuck"
grep -q '"units_quarantined": \[\]' "$T/same/summary.json" || fail "units quarantined"
"$BIN/dse-run" "$T/job.toml" --workers 2 --output "$T/ref" -q || fail "reference"
same_outputs "$T/ref" "$T/same"
