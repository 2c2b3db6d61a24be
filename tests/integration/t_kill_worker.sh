# A worker killed with SIGKILL in the middle of a run: the job completes,
# the CSVs equal the undisturbed run's, summary.json shows re-issued units.
. tests/integration/lib.sh
slow_job "$T/job.toml"
"$BIN/dse-run" "$T/job.toml" --workers 1 --output "$T/ref" -q || fail "reference run"
run_on_two_workers "$T/job.toml" "$T/out"
sleep 0.8
note "killing worker $W1"
kill -9 $W1
wait_pid $RUN 120 || fail "dse-run failed after a worker was killed"
same_outputs "$T/ref" "$T/out"
re=$(json_field "$T/out/summary.json" units_reissued)
[ "${re:-0}" -ge 1 ] || fail "summary.json shows no re-issued units"
note "re-issued units: $re"
grep -q "back in the queue" "$T/coordinator.log" || fail "the coordinator did not report the loss"
