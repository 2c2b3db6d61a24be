# Slow job preparation stalls no event loop. With the testfn test knob
# DSE_TESTFN_PREPARE_MS (hwmodels/testfn.h) the coordinator takes 4 s to
# prepare a testfn job, and so does each of its two workers. Meanwhile:
# - the coordinator serves another client's (pulp-cluster) job, submitted
#   after the slow one: accepted first, and run to the end;
# - neither worker is declared dead during its 4 s preparation (the
#   heartbeat limit is 3 x 0.4 s: a heartbeat of 0.4 s rather than the
#   other tests' 0.2 s, so that a loaded machine does not starve a loop
#   that long), and neither finds the coordinator silent;
# - a worker SIGKILLed during its preparation is declared dead, and the
#   units it held go back in the queue;
# and both jobs' outputs equal those of undisturbed runs.
IT_HEARTBEAT=0.4
. tests/integration/lib.sh
slow_job "$T/a.toml" 30
cat >"$T/b.toml" <<TOML
[job]
name = "fast"
$(conv_pair_body)
[search]
objectives = ["cycles", "l1_bytes"]
[cluster]
heartbeat = 0.2
TOML
"$BIN/dse-run" "$T/a.toml" --workers 1 --output "$T/refa" -q || fail "reference a"
"$BIN/dse-run" "$T/b.toml" --workers 1 --output "$T/refb" -q || fail "reference b"
digest=$(sed -n 's/^  "digest": "\([0-9a-f]*\)".*/\1/p' "$T/refa/summary.json" | cut -c1-12)
[ -n "$digest" ] || fail "no digest in $T/refa/summary.json"

# wait_log FILE PATTERN SECONDS WHAT: waits for a line, bounded
wait_log() {
    n=0
    until grep -q "$2" "$1" 2>/dev/null; do
        n=$((n + 1)); [ $n -gt $(( $3 * 20 )) ] && fail "$4 (no '$2' in $1 after $3 s)"
        sleep 0.05
    done
}

# the knob, for the coordinator and the workers only (not for dse-run)
export DSE_TESTFN_PREPARE_MS=4000
start_coordinator --verbose
start_worker "$WEP" --verbose
W1=$WORKER
"$BIN/dse-worker" --connect "$WEP" --threads 1 --heartbeat "$IT_HEARTBEAT" --death-timeout 60 --verbose \
    >"$T/w2.log" 2>&1 &
W2=$!
PIDS="$PIDS $W2"
unset DSE_TESTFN_PREPARE_MS
n=0
until [ "$(grep -c 'joined' "$T/coordinator.log")" -ge 2 ]; do
    n=$((n + 1)); [ $n -gt 200 ] && fail "the two workers did not join within 10 s"; sleep 0.05
done

"$BIN/dse-run" "$T/a.toml" --client-endpoint "$CEP" --output "$T/outa" -q &
A=$!
PIDS="$PIDS $A"
wait_log "$T/coordinator.log" "a job submitted: preparing it" 10 "the slow job was not submitted"
"$BIN/dse-run" "$T/b.toml" --client-endpoint "$CEP" --output "$T/outb" -q &
B=$!
PIDS="$PIDS $B"
wait_pid $B 120 || fail "the fast job failed while the slow one was being prepared"
same_outputs "$T/refb" "$T/outb"
fast=$(grep -n "'fast' accepted" "$T/coordinator.log" | head -1 | cut -d: -f1)
slow=$(grep -n "'slow' accepted" "$T/coordinator.log" | head -1 | cut -d: -f1)
[ -n "$fast" ] || fail "the fast job was not accepted"
note "fast job accepted at log line $fast, slow job at line ${slow:-(not yet)}"
[ -z "$slow" ] || [ "$fast" -lt "$slow" ] ||
    fail "the fast job, submitted second, waited for the slow job's preparation"

# the slow job reaches the workers, which prepare it for 4 s each
wait_log "$T/w2.log" "preparing job $digest" 60 "the second worker did not prepare the slow job"
note "killing worker $W2 during its preparation"
kill -9 $W2
t0=$(date +%s.%N)
wait_log "$T/coordinator.log" "declared dead" 10 "the killed worker was not declared dead"
t1=$(date +%s.%N)
note "declared dead after $(echo "$t1 - $t0" | bc 2>/dev/null || echo '?') s (heartbeat $IT_HEARTBEAT s x 3)"
wait_pid $A 120 || fail "the slow job failed after a worker was killed"
same_outputs "$T/refa" "$T/outa"

grep "declared dead" "$T/coordinator.log"
[ "$(grep -c 'declared dead' "$T/coordinator.log")" = 1 ] ||
    fail "a worker was declared dead while it prepared a job"
held=$(sed -n 's/.*declared dead; \([0-9]*\) units\{0,1\} back in the queue.*/\1/p' \
       "$T/coordinator.log")
[ "${held:-0}" -ge 1 ] || fail "the killed worker held no unit of the slow job"
re=$(json_field "$T/outa/summary.json" units_reissued)
[ "${re:-0}" -ge 1 ] || fail "summary.json shows no re-issued units"
grep -q "job $digest built" "$T/workers.log" || fail "the first worker did not prepare the slow job"
if grep -q "coordinator silent" "$T/workers.log" "$T/w2.log"; then
    fail "a worker found the coordinator silent while it prepared a job"
fi
note "re-issued units: $re; the killed worker held $held"
