# Measured evaluation ([evaluator] kind = "command") with the deterministic
# fake simulator (build/dse-fake-sim), real processes, loopback only:
#   - refused without --allow-command (dse-run writes nothing; a standing
#     coordinator never sends the job to a worker that did not opt in; a
#     worker allowing another program refuses the units, with the reason);
#   - 2 workers, one SIGKILLed in the middle of a point: the same CSVs as an
#     undisturbed run;
#   - the same job again measures 0 points (the cache);
#   - a hanging command is killed at its timeout with its children; garbage
#     output and a failing exit fail their points, with the reason, in
#     failures.csv and summary.json;
#   - `requires` routes units only to workers with the tag;
#   - dse-kernel-timer works as the command (configs/measured/kernel-timer-host.toml).
. tests/integration/lib.sh
SIM="$BIN/dse-fake-sim"

measured_job() { # OUT_TOML NAME TIMEOUT MAX_ATTEMPTS [extra TOML line] -- fake-sim options...
    f=$1; name=$2; to=$3; ma=$4; extra=$5; shift 5
    args=""
    for a in "$@"; do args="$args\"$a\", "; done
    { printf '[job]\nname = "%s"\n' "$name"; pw_measured_head; cat <<TOML
command = ["$SIM", ${args}"layer={layer}", "cin={cin}", "cout={cout}", "h={h}", "w={w}", "tile_cout={tile_cout}", "tile_ho={tile_ho}", "matmul={matmul}", "buffering={buffering}"]
timeout = $to
max_attempts = $ma
parse = "regex"
metrics = { cycles = '\[0\] cycles = (\d+)' }
cache_key = "fake-sim 1"
$extra
TOML
    } >"$f"
}

note "refused without --allow-command"
measured_job "$T/job.toml" m 10 2 "" --sleep 0
if "$BIN/dse-run" "$T/job.toml" --output "$T/refused" -q 2>"$T/refused.err"; then
    fail "dse-run ran a command job without --allow-command"
fi
grep -q -- "--allow-command" "$T/refused.err" || fail "the refusal does not name --allow-command"
[ ! -e "$T/refused" ] || fail "a refused run wrote its output folder"

note "undisturbed reference run (embedded, 2 workers)"
measured_job "$T/job.toml" m 10 2 "" --sleep 0.05
"$BIN/dse-run" "$T/job.toml" --workers 2 --allow-command --cache "$T/cacheA" --output "$T/ref" -q \
    || fail "reference run"
[ "$(json_field "$T/ref/summary.json" measured)" = 88 ] || fail "the reference run did not measure 88 points"
[ "$(wc -l <"$T/ref/failures.csv")" = 1 ] || fail "failures.csv of a clean run is not a header alone"

note "the same job again: everything from the cache"
"$BIN/dse-run" "$T/job.toml" --workers 1 --allow-command --cache "$T/cacheA" --output "$T/again" -q \
    || fail "second run"
[ "$(json_field "$T/again/summary.json" measured)" = 0 ] || fail "the second run measured points"
[ "$(json_field "$T/again/summary.json" cached)" = 88 ] || fail "the second run did not use the cache"
# points from the cache are measurements too: the source column says so
grep -q ',model.$' "$T/again/pareto_layers.csv" && fail "a cached front row has source model"
[ "$(grep -c ',measured.$' "$T/again/pareto_layers.csv")" -gt 0 ] || fail "no measured front rows"
same_outputs "$T/ref" "$T/again"

note "2 workers on a standing coordinator, one SIGKILLed in the middle of a point"
start_coordinator --cache "$T/cacheB"
start_worker "$WEP" --allow-command; W1=$WORKER
start_worker "$WEP" --allow-command; W2=$WORKER
measured_job "$T/slow.toml" m 10 2 "" --sleep 0.05 --sleep-if tile_cout=16 1.5
"$BIN/dse-run" "$T/slow.toml" --client-endpoint "$CEP" --output "$T/killed" -q &
RUN=$!
PIDS="$PIDS $RUN"
# wait until W1 runs a slow point (a fake-sim child of W1 with tile_cout=16)
n=0
while ! pgrep -P $W1 -f "tile_cout=16" >/dev/null 2>&1; do
    n=$((n + 1)); [ $n -gt 300 ] && fail "worker $W1 never ran a slow point"; sleep 0.05
done
note "killing worker $W1 while it measures"
kill -9 $W1
wait_pid $RUN 120 || fail "dse-run failed after a worker was killed"
same_outputs "$T/ref" "$T/killed"
grep -q "back in the queue" "$T/coordinator.log" || fail "the coordinator did not report the loss"

note "a worker that allows another program refuses the units"
start_worker "$WEP" --allow-command=/bin/true
W3=$WORKER
kill $W2
measured_job "$T/other.toml" other 10 1 "" --sleep 0
"$BIN/dse-run" "$T/other.toml" --client-endpoint "$CEP" --output "$T/other" -q --no-cache \
    || fail "the run with a refusing worker failed as a whole"
grep -q "allows only '/bin/true'" "$T/other/failures.csv" || fail "failures.csv lacks the refusal"
kill $W3

note "a worker without --allow-command never gets the job"
start_worker "$WEP" -v
W4=$WORKER
"$BIN/dse-run" "$T/other.toml" --client-endpoint "$CEP" --output "$T/waits" -q &
RUN=$!
PIDS="$PIDS $RUN"
n=0
while ! grep -q "waits for a worker started with --allow-command" "$T/coordinator.log"; do
    n=$((n + 1)); [ $n -gt 100 ] && fail "the coordinator does not say the job waits"; sleep 0.1
done
grep -q "job .* built" "$T/workers.log" && fail "a worker without --allow-command built the job"
kill $RUN $W4

note "hang (killed at the timeout, with its child), garbage and a failing exit"
measured_job "$T/bad.toml" bad 1 1 "" --hang-if tile_cout=2 --garbage-if tile_cout=4 \
    --fail-if tile_cout=8
"$BIN/dse-run" "$T/bad.toml" --workers 2 --allow-command --keep-failed --no-cache \
    --output "$T/bad" -q || fail "the run with bad points failed as a whole"
grep -q "timed out after 1 s" "$T/bad/failures.csv" || fail "no timeout in failures.csv"
grep -q "no match for cycles's regex" "$T/bad/failures.csv" || fail "no garbage reason"
grep -q "exit status 3 (stderr: 'Errors: 1 out of 64')" "$T/bad/failures.csv" || fail "no exit reason"
grep -q '"failed": [1-9]' "$T/bad/summary.json" || fail "summary.json counts no failed point"
grep -q "timed out" "$T/bad/summary.json" || fail "summary.json lacks the reason"
# the hung simulator and its child wrote their pids in the kept folder
dir=$(sed -n 's/.*timed out.*\[kept: \([^]]*\)\].*/\1/p' "$T/bad/failures.csv" | head -1)
[ -s "$dir/pids" ] || fail "the hung point's folder was not kept ($dir)"
[ "$(wc -l <"$dir/pids")" -ge 2 ] || fail "the hung simulator did not start its child"
for p in $(cat "$dir/pids"); do
    kill -0 "$p" 2>/dev/null && fail "process $p of the hung point survived its timeout"
done
rows=$(($(wc -l <"$T/bad/failures.csv") - 1))
note "$rows failed points; the others measured"
grep -q "^pw1" "$T/bad/pareto_layers.csv" || fail "the good points of pw1 are missing"
sed -n 's/.*\[kept: \([^]]*\)\].*/\1/p' "$T/bad/failures.csv" | while read -r d; do rm -rf "$d"; done

note "requires routes units only to tagged workers"
start_coordinator --no-cache
"$BIN/dse-worker" --connect "$WEP" --threads 1 --heartbeat 0.2 --death-timeout 60 \
    --allow-command -v >"$T/untagged.log" 2>&1 &
PIDS="$PIDS $!"
"$BIN/dse-worker" --connect "$WEP" --threads 1 --heartbeat 0.2 --death-timeout 60 \
    --allow-command --tag gvsoc -v >"$T/tagged.log" 2>&1 &
PIDS="$PIDS $!"
measured_job "$T/tag.toml" tagged 10 2 'requires = "gvsoc"' --sleep 0
"$BIN/dse-run" "$T/tag.toml" --client-endpoint "$CEP" --output "$T/tag" -q \
    || fail "the tagged run failed"
grep -q "built" "$T/tagged.log" || fail "the tagged worker did not get the job"
grep -q "built" "$T/untagged.log" && fail "the untagged worker got the job"
same_outputs "$T/ref" "$T/tag"
note "dse-kernel-timer as the command: the project's kernels timed on this host"
sed "s|\"build/dse-kernel-timer\"|\"$BIN/dse-kernel-timer\"|; s|--repeats=9|--repeats=3|" \
    configs/measured/kernel-timer-host.toml >"$T/timer.toml"
"$BIN/dse-run" "$T/timer.toml" --allow-command --no-cache --output "$T/timer" -q \
    || fail "the kernel-timer job failed"
[ "$(json_field "$T/timer/summary.json" measured)" -gt 0 ] || fail "the kernel timer measured nothing"
[ "$(wc -l <"$T/timer/failures.csv")" = 1 ] || { cat "$T/timer/failures.csv"; fail "timer points failed"; }
grep -q "^pw1" "$T/timer/pareto_layers.csv" || fail "no measured front for pw1"
note "ok"
