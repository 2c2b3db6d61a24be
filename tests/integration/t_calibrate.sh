# dse-run --calibrate: a fake simulator whose per-tile overhead differs from
# the preset's (measured = model + 150 cycles per tile); after one measured
# run, the calibration fits the model's calibratable keys to the cached
# measurements, lowers the error, and writes a preset a later job can use.
. tests/integration/lib.sh
cat >"$T/job.toml" <<TOML
[job]
name = "cal"
output = "$T/out"
$(conv_pair_body)
matmul = ["mm", "mm_unroll_2x4"]
[search]
objectives = ["cycles", "l1_bytes"]
[cluster]
heartbeat = 0.2
[evaluator]
kind = "command"
command = ["$BIN/dse-fake-sim", "--json", "--per-tile", "150", "model={model.cycles}", "tiles={model.tiles}"]
timeout = 10
TOML
"$BIN/dse-run" "$T/job.toml" --calibrate --cache "$T/cache" >"$T/none.out" 2>&1 \
    && fail "calibration without measurements succeeded"
grep -q "holds no measurement of this job" "$T/none.out" || fail "no reason without measurements"
"$BIN/dse-run" "$T/job.toml" --workers 2 --allow-command --cache "$T/cache" -q || fail "measured run"
"$BIN/dse-run" "$T/job.toml" --calibrate --cache "$T/cache" >"$T/cal.out" || fail "calibration"
cat "$T/cal.out"
p="$T/out/calibrated-cal.toml"
[ -s "$p" ] || fail "no calibrated preset"
before=$(sed -n 's/.*rms of log(model \/ measured) \([0-9.]*\) -> \([0-9.]*\);.*/\1/p' "$p" | head -1)
after=$(sed -n 's/.*rms of log(model \/ measured) \([0-9.]*\) -> \([0-9.]*\);.*/\2/p' "$p" | head -1)
note "rms log error $before -> $after"
awk -v a="$after" -v b="$before" 'BEGIN { exit !(a < b / 2) }' || fail "the error did not halve"
grep -q "^# fitted within" "$p" || fail "no fitted key with its error"
# a later job on the calibrated preset: the same measurements (from the
# cache), and fidelity.csv shows the model closer to them
mkdir -p "$T/hw" && cp "$p" "$T/hw/"
sed 's/^hardware = "pulp-open"/hardware = "calibrated-cal"/; s|^output = .*|output = "'"$T"'/out2"|' \
    "$T/job.toml" >"$T/job2.toml"
"$BIN/dse-run" "$T/job2.toml" --allow-command --cache "$T/cache" -q || fail "the calibrated job"
[ "$(json_field "$T/out2/summary.json" measured)" = 0 ] || fail "the calibrated job measured again"
err() { awk -F, 'NR > 1 && $2 == "cycles" { s += $4 * $3; n += $3 } END { printf "%.6f", s / n }' "$1"; }
e1=$(err "$T/out/fidelity.csv"); e2=$(err "$T/out2/fidelity.csv")
note "fidelity.csv, mean relative error of cycles: $e1 -> $e2"
awk -v a="$e2" -v b="$e1" 'BEGIN { exit !(a < b) }' || fail "fidelity.csv shows no gain"
note "ok"
