# The attacks of issue 16 against live processes on loopback:
# - forged RESULTs and FAILs from a socket that never registered, and from a
#   registered fake for units it does not hold; READY sent again and again
#   with a large credit; empty results, -inf metrics and FAILs for other
#   units in answer to real work. A concurrent job completes with outputs
#   identical to an undisturbed run, nothing quarantined, the coordinator's
#   memory bounded;
# - a worker that evaluates honestly but halves the metrics of one row of
#   each result: the coordinator's re-evaluation catches it, quarantines it
#   (summary.json names it), and the outputs are still identical;
# - a small SUBMIT whose domains expand past the wire's limit is answered
#   with an error at once;
# - a job whose points take seconds is prepared off the coordinator's loop:
#   another client's job completes meanwhile;
# - 3000 hostile frames to a live worker from its coordinator's socket: the
#   worker survives, its memory bounded, and still evaluates a unit.
. tests/integration/lib.sh
rss_kb() { sed -n 's/^VmRSS:[^0-9]*\([0-9]*\).*/\1/p' "/proc/$1/status"; }
slow_job "$T/job.toml" 30
"$BIN/dse-run" "$T/job.toml" --workers 1 --output "$T/ref" -q || fail "reference run"
start_coordinator
start_worker "$WEP"
start_worker "$WEP"
note "forged results and failures during a job"
"$BIN/dse-run" "$T/job.toml" --client-endpoint "$CEP" --output "$T/out" -q \
    2>"$T/run.err" &
RUN=$!
PIDS="$PIDS $RUN"
sleep 0.2
timeout 30 "$BIN/dse-hostile" forge "$WEP" 3 >"$T/forge.out" ||
    fail "dse-hostile forge"
cat "$T/forge.out"
wait_pid $RUN 120 || { cat "$T/run.err"; fail "the job failed under forged messages"; }
same_outputs "$T/ref" "$T/out"
grep -q '"complete": true' "$T/out/summary.json" || fail "units were quarantined"
grep -q "refused a RESULT for unit .* from a peer that is not a registered worker" \
    "$T/coordinator.log" || fail "no RESULT from nobody was refused"
grep -q "refused a FAIL for unit .* from hostile" "$T/coordinator.log" ||
    fail "no FAIL for a unit the fake does not hold was refused"
kill -0 $COORD || fail "the coordinator died"
rss=$(rss_kb $COORD)
note "coordinator RSS ${rss} kB"
[ "$rss" -lt 200000 ] || fail "coordinator RSS ${rss} kB"
lines=$(wc -l <"$T/coordinator.log")
[ "$lines" -lt 200 ] || fail "the forged messages flooded the log ($lines lines)"

note "a worker that forges one row of each result"
timeout 60 "$BIN/dse-hostile" liar "$WEP" 30 >"$T/liar.out" &
LIAR=$!
PIDS="$PIDS $LIAR"
sleep 0.5
"$BIN/dse-run" "$T/job.toml" --client-endpoint "$CEP" --output "$T/out3" -q \
    2>"$T/run3.err" &
RUN=$!
PIDS="$PIDS $RUN"
wait_pid $RUN 120 || { cat "$T/run3.err"; fail "the job failed beside a lying worker"; }
same_outputs "$T/ref" "$T/out3"
grep -q '"complete": true' "$T/out3/summary.json" || fail "units were quarantined"
grep -q '"workers_quarantined": \["hostile #[0-9]*: point [0-9]*: [a-z0-9_]* = ' "$T/out3/summary.json" ||
    { grep workers_quarantined "$T/out3/summary.json"; fail "summary.json does not name the lying worker"; }
grep -q "1 worker was quarantined" "$T/run3.err" || { cat "$T/run3.err"; fail "dse-run did not say so"; }
grep -q "worker hostile #[0-9]*: point .*quarantined: it gets no more units" "$T/coordinator.log" ||
    fail "the coordinator did not log the quarantine"
kill $LIAR 2>/dev/null

note "a SUBMIT that expands past the wire's limit"
{ printf '[job]\nname = "amp"\n[target]\nmodel = "testfn"\n[workload]\n'
  for i in 1 2 3 4 5; do
      printf '[[workload.layer]]\nname = "l%s"\nop = "elementwise"\nin_shape = [1]\nn = 1000000\n' $i
  done; } >"$T/amp.toml"
[ "$(wc -c <"$T/amp.toml")" -lt 600 ] || fail "the expanding job is not small"
timeout 60 "$BIN/dse-hostile" submit "$CEP" "$T/amp.toml" 30 \
    >"$T/submit.out" || { cat "$T/submit.out"; fail "no answer to the expanding SUBMIT"; }
grep -q "^ERROR: .*layer 'l1': the domains of the job up to this layer list" "$T/submit.out" ||
    { cat "$T/submit.out"; fail "the expanding SUBMIT: wrong answer"; }
kill -0 $COORD || fail "the coordinator died"

note "a job slow to prepare does not stall another client"
cat >"$T/costly.toml" <<TOML
[job]
name = "costly"
[target]
model = "testfn"
cost = 10000000000
[workload]
[[workload.layer]]
name = "a"
op = "elementwise"
in_shape = [1]
[[workload.layer]]
name = "b"
op = "elementwise"
in_shape = [1]
[[workload.layer]]
name = "c"
op = "elementwise"
in_shape = [1]
TOML
"$BIN/dse-run" "$T/costly.toml" --client-endpoint "$CEP" --output "$T/costly" -q \
    2>"$T/costly.err" &
COSTLY=$!
PIDS="$PIDS $COSTLY"
sleep 0.3
"$BIN/dse-run" "$T/job.toml" --client-endpoint "$CEP" --output "$T/out2" -q &
RUN=$!
PIDS="$PIDS $RUN"
wait_pid $RUN 60 || fail "the second client's job failed"
same_outputs "$T/ref" "$T/out2"
# the costly job takes at least three evaluations of 10^10 iterations to prepare
kill -0 $COSTLY || fail "the costly job ended: the test proves nothing"
kill -INT $COSTLY
wait_pid $COSTLY 30

note "hostile frames to a live worker"
timeout 90 "$BIN/dse-hostile" coordinator "ipc://$T/hostile.ipc" "$T/job.toml" 60 \
    >"$T/wattack.out" 2>&1 &
HOST=$!
PIDS="$PIDS $HOST"
start_worker "ipc://$T/hostile.ipc"
W=$WORKER
wait_pid $HOST 90 || { cat "$T/wattack.out"; tail -5 "$T/workers.log"; fail "the worker did not evaluate a unit after the hostile frames"; }
cat "$T/wattack.out"
grep -q "^result [1-9][0-9]* rows" "$T/wattack.out" || fail "no rows from the attacked worker"
kill -0 $W || fail "the worker died"
rss=$(rss_kb $W)
note "worker RSS ${rss} kB"
[ "$rss" -lt 200000 ] || fail "worker RSS ${rss} kB"
exit 0
