# A worker frozen with SIGSTOP is detected within about 3 heartbeat
# intervals and its units are finished elsewhere; after SIGCONT its stale
# results are ignored without harm and it joins again.
. tests/integration/lib.sh
slow_job "$T/job.toml"
"$BIN/dse-run" "$T/job.toml" --workers 1 --output "$T/ref" -q || fail "reference run"
run_on_two_workers "$T/job.toml" "$T/out" --verbose
sleep 0.8
note "freezing worker $W1"
kill -STOP $W1
t0=$(date +%s.%N)
n=0
until grep -q "declared dead" "$T/coordinator.log"; do
    n=$((n + 1)); [ $n -gt 100 ] && fail "frozen worker not detected within 10 s"; sleep 0.05
done
t1=$(date +%s.%N)
note "detected after $(echo "$t1 - $t0" | bc 2>/dev/null || echo '?') s (heartbeat 0.2 s x 3)"
wait_pid $RUN 120 || fail "dse-run failed with a frozen worker"
same_outputs "$T/ref" "$T/out"
kill -CONT $W1
# the revived worker re-registers and serves a second job
sleep 1.5
"$BIN/dse-run" "$T/job.toml" --client-endpoint "$CEP" --output "$T/out2" -q \
    || fail "second job after SIGCONT"
same_outputs "$T/ref" "$T/out2"
kill -0 $W1 || fail "the revived worker died"
[ "$(grep -c 'joined' "$T/coordinator.log")" -ge 3 ] || fail "the revived worker did not rejoin"
