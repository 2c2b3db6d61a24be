# A point whose evaluation kills its worker every time: the units that hold
# it are split in halves after --max-attempts deaths while running alone,
# until the point itself is quarantined and named. The job completes without
# it (exit 3), says so on stderr and in summary.json, and every other point
# is merged (the neighbours of the point that shared its units included).
. tests/integration/lib.sh
slow_job "$T/job.toml" 16
# x1 = 3, x2 = 7, x3 = 5: point (3-1) + 16 (7-1) + 256 (5-1) = 1122 of layer b
sed -i 's/^problem = "dtlz2"/problem = "dtlz2"\ncrash_x1 = 3\ncrash_x2 = 7\ncrash_x3 = 5/' "$T/job.toml"
start_coordinator --max-attempts 2 --verbose
# supervisors keep two workers alive, as a process manager would (bounded)
supervise() {
    i=0
    while [ $i -lt 40 ]; do
        "$BIN/dse-worker" --connect "$WEP" --threads 1 --heartbeat 0.2 \
            --death-timeout 20 >>"$T/workers.log" 2>&1
        i=$((i + 1))
    done
}
supervise &
S1=$!
supervise &
S2=$!
PIDS="$PIDS $S1 $S2"
"$BIN/dse-run" "$T/job.toml" --client-endpoint "$CEP" --output "$T/out" -q \
    2>"$T/run.err" &
RUN=$!
PIDS="$PIDS $RUN"
wait_pid $RUN 120; rc=$?
[ $rc -eq 3 ] || { cat "$T/run.err"; fail "exit $rc, expected 3 (quarantined units)"; }
grep -q "quarantined" "$T/run.err" || fail "no word of quarantine on stderr"
grep -q '"complete": false' "$T/out/summary.json" || fail "summary.json says complete"
grep -q '"layer": "b", "lo": 1122, "hi": 1123, "attempts": 2, "error": "worker lost"' \
    "$T/out/summary.json" || { cat "$T/out/summary.json"; fail "summary.json lacks the quarantined point"; }
[ "$(grep -c '"attempts"' "$T/out/summary.json")" -eq 1 ] || fail "more than the one point quarantined"
grep -q "point 1122 of layer 'b' quarantined after 2 attempts" "$T/coordinator.log" ||
    fail "the coordinator did not name the point"
grep -q "split into halves" "$T/coordinator.log" || fail "no unit was split"
# the other layers are complete and equal an undisturbed run's
sed -i '/^crash_x/d' "$T/job.toml"
"$BIN/dse-run" "$T/job.toml" --workers 1 --output "$T/ref" -q || fail "reference"
for l in a c; do
    grep "^$l," "$T/ref/pareto_layers.csv" >"$T/ref.$l"
    grep "^$l," "$T/out/pareto_layers.csv" >"$T/out.$l"
    cmp -s "$T/ref.$l" "$T/out.$l" || fail "layer $l differs"
done
# layer b: every point but 1122 was evaluated (16^3 - 1)
python3 - "$T/out/summary.json" <<'PY' || fail "layer b's counts"
import json, sys
s = json.load(open(sys.argv[1]))
b = [l for l in s["layers"] if l["name"] == "b"][0]
n = b["evaluated"] + b.get("skipped", 0)
assert n == 16 ** 3 - 1, n
PY
kill $S1 $S2 2>/dev/null
pkill -f "dse-worker --connect $WEP" 2>/dev/null
exit 0
