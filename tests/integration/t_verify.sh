# [evaluator] verify: measured points measured again on another worker
# (real processes, loopback only, the deterministic fake simulator):
#   - bad values are config errors at their line and column;
#   - two honest workers: every sampled point agrees, the fronts are those
#     of a run without verify;
#   - one worker whose simulator differs (FAKE_SIM_SCALE=1.5 in its
#     environment): disagreements, each naming that worker, in verify.csv
#     and summary.json; the fronts keep the first measurements;
#   - one worker only: nothing to compare with, said in summary.json, no hang.
. tests/integration/lib.sh
SIM="$BIN/dse-fake-sim"

job() { # OUT_TOML NAME VERIFY_LINES
    { printf '[job]\nname = "%s"\n' "$2"; pw_measured_head; cat <<TOML
command = ["$SIM", "--sleep", "0.02", "layer={layer}", "cin={cin}", "cout={cout}", "tile_cout={tile_cout}", "tile_ho={tile_ho}", "matmul={matmul}", "buffering={buffering}"]
timeout = 10
parse = "regex"
metrics = { cycles = '\[0\] cycles = (\d+)' }
$3
TOML
    } >"$1"
}
verify_field() { # SUMMARY FIELD -> the number in the "verify" object
    sed -n "s/.*\"verify\": {.*\"$2\": \\([0-9.]*\\).*/\\1/p" "$1" | head -1
}

note "bad values: errors at their line and column"
job "$T/bad.toml" bad "verify = -1"
"$BIN/dse-run" "$T/bad.toml" --allow-command -q --output "$T/bad" 2>"$T/bad.err" && fail "verify = -1 accepted"
grep -q "bad.toml:35:10: .*verify must be a whole number" "$T/bad.err" || { cat "$T/bad.err"; fail "no line:col for verify"; }
job "$T/bad.toml" bad 'verify = 2
verify_tolerance = "5%"'
"$BIN/dse-run" "$T/bad.toml" --allow-command -q --output "$T/bad" 2>"$T/bad.err" && fail "a string tolerance accepted"
grep -q "bad.toml:36:20: .*verify_tolerance must be a number" "$T/bad.err" || { cat "$T/bad.err"; fail "no line:col for verify_tolerance"; }
[ ! -e "$T/bad" ] || fail "a bad config wrote its output folder"

note "reference: no verify, one worker"
job "$T/plain.toml" v ""
"$BIN/dse-run" "$T/plain.toml" --workers 1 --allow-command --no-cache --output "$T/plain" -q \
    || fail "reference run"
[ ! -e "$T/plain/verify.csv" ] || fail "a job without verify wrote verify.csv"

job "$T/v.toml" v "verify = 3"

note "two honest workers: every sampled point agrees"
start_coordinator --no-cache -v
start_worker "$WEP" --allow-command
start_worker "$WEP" --allow-command
"$BIN/dse-run" "$T/v.toml" --client-endpoint "$CEP" --output "$T/honest" -q 2>"$T/honest.err" \
    || fail "the honest run failed"
S="$T/honest/summary.json"
[ "$(verify_field "$S" sampled)" = 6 ] || { cat "$S"; fail "not 3 points per layer sampled"; }
[ "$(verify_field "$S" agreed)" = 6 ] || { cat "$T/honest/verify.csv"; fail "honest workers disagreed"; }
[ "$(verify_field "$S" disagreed)" = 0 ] || fail "disagreements between honest workers"
[ "$(wc -l <"$T/honest/verify.csv")" = 7 ] || fail "verify.csv does not hold 6 points"
# each point measured again by the other worker
awk -F, 'NR > 1 && ($(NF-6) == $(NF-5) || $(NF-5) == "") { bad = 1 } END { exit bad }' \
    "$T/honest/verify.csv" || { cat "$T/honest/verify.csv"; fail "a point was measured again by the same worker"; }
same_outputs "$T/plain" "$T/honest"
[ "$(json_field "$S" measured)" = "$(json_field "$T/plain/summary.json" measured)" ] \
    || fail "re-measurements counted as measured points"
kill $COORD
wait_pid $COORD 10 || fail "the first coordinator did not stop"
mv "$T/coordinator.log" "$T/coordinator-honest.log" # this part reads the log of its own

note "one worker's simulator differs (x1.5): disagreements name it"
# heartbeats of 1 s: a worker declared dead on a loaded machine would
# register again under another number, and this part names them by number
start_coordinator --no-cache -v --heartbeat 1
FAKE_SIM_SCALE=1.5 start_worker "$WEP" --allow-command --heartbeat 1
n=0
until grep -q "(#1) joined" "$T/coordinator.log"; do
    n=$((n + 1)); [ $n -gt 200 ] && fail "the first worker never joined"; sleep 0.05
done
start_worker "$WEP" --allow-command --heartbeat 1
n=0
until grep -q "(#2) joined" "$T/coordinator.log"; do
    n=$((n + 1)); [ $n -gt 200 ] && fail "the second worker never joined"; sleep 0.05
done
"$BIN/dse-run" "$T/v.toml" --client-endpoint "$CEP" --output "$T/liar" -q 2>"$T/liar.err" \
    || fail "the run with a differing worker failed"
S="$T/liar/summary.json"
d=$(verify_field "$S" disagreed)
[ "${d:-0}" -gt 0 ] || { cat "$T/liar/verify.csv"; fail "no disagreement found"; }
grep -q "disagreed beyond the tolerance" "$T/liar.err" || fail "dse-run did not warn"
grep -q '"measured_by": .*#[12]", "remeasured_by": .*#[12]"' "$S" || fail "summary.json does not name the workers"
# every disagreement involves worker #1, and it disagrees on cycles
grep ',disagree,' "$T/liar/verify.csv" >"$T/dis.csv"
[ "$(wc -l <"$T/dis.csv")" = "$d" ] || fail "verify.csv and summary.json count differently"
grep -v '#1,' "$T/dis.csv" | grep -q . && fail "a disagreement without the differing worker"
grep -v ',cycles,' "$T/dis.csv" | grep -q . && fail "a disagreement on another metric than cycles"
note "$d of 6 sampled points disagree"
grep -q "verify: point .* disagree: cycles" "$T/coordinator.log" || fail "the coordinator did not log it"
grep -q "(#3) joined" "$T/coordinator.log" && fail "a worker registered again: the numbers above may be wrong"
kill $COORD

note "one worker: nothing to compare with, said, no hang"
timeout 60 "$BIN/dse-run" "$T/v.toml" --workers 1 --allow-command --no-cache --output "$T/one" -q \
    2>"$T/one.err" || fail "the one-worker run failed"
S="$T/one/summary.json"
[ "$(verify_field "$S" not_verified)" = 6 ] || { cat "$S"; fail "points verified with one worker"; }
grep -q '"warning": "6 of 6 sampled points not verified.*no other worker' "$S" || fail "no warning in summary.json"
grep -q "6 sampled points not verified" "$T/one.err" || fail "dse-run did not say so"
same_outputs "$T/plain" "$T/one"
note "ok"
