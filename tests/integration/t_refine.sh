# strategy = "refine" with the fake simulator perturbing the model's cycles
# by at most 5% (so the model's relative error is at most 0.05/0.95, and a
# margin of 0.12 >= (1 + delta)/(1 - delta) - 1 = 0.111 guarantees the
# result): the layer fronts equal those of measuring every point, while
# refine measures a fraction of the points (reported); the same with a
# margin per objective (0 on l1_bytes, which the fake does not measure).
. tests/integration/lib.sh
cat >"$T/job.toml" <<TOML
[job]
name = "refine-fake"
$(conv_pair_body)
matmul = ["mm", "mm_unroll_2x1", "mm_unroll_1x4", "mm_unroll_2x4"]
[search]
strategy = "STRATEGY"
objectives = ["cycles", "l1_bytes"]
MARGIN
[cluster]
heartbeat = 0.2
[evaluator]
kind = "command"
command = ["$BIN/dse-fake-sim", "--json", "--perturb", "0.05", "model={model.cycles}", "t={tile_cout}", "b={buffering}"]
timeout = 10
TOML
sed 's/STRATEGY/exhaustive/; s/^MARGIN$//' "$T/job.toml" >"$T/all.toml"
sed 's/STRATEGY/refine/; s/^MARGIN$/margin = 0.12\nmargin_mode = "declared"/' "$T/job.toml" >"$T/refine.toml"
"$BIN/dse-run" "$T/all.toml" --workers 2 --allow-command --no-cache --output "$T/all" -q \
    || fail "measuring every point"
"$BIN/dse-run" "$T/refine.toml" --workers 2 --allow-command --no-cache --output "$T/refine" -q \
    || fail "refine"
cmp "$T/all/pareto_layers.csv" "$T/refine/pareto_layers.csv" || fail "refine's fronts differ"
cmp "$T/all/pareto_network.csv" "$T/refine/pareto_network.csv" || fail "refine's network differs"
# measured jobs end each layer front row with its source; every row here
# comes from a measurement
head -1 "$T/refine/pareto_layers.csv" | grep -q ',source.$' || fail "no source column"
rows=$(tail -n +2 "$T/refine/pareto_layers.csv" | wc -l)
meas=$(tail -n +2 "$T/refine/pareto_layers.csv" | grep -c ',measured.$')
[ "$rows" -gt 0 ] && [ "$rows" = "$meas" ] || fail "$meas of $rows front rows say measured"
# a model job's pareto_layers.csv has no source column
sed 's/STRATEGY/exhaustive/; s/^MARGIN$//; /^\[evaluator\]/,$d' "$T/job.toml" >"$T/model.toml"
"$BIN/dse-run" "$T/model.toml" --workers 1 --output "$T/model" -q || fail "model job"
head -1 "$T/model/pareto_layers.csv" | grep -q source && fail "a model job has a source column"
all=$(json_field "$T/all/summary.json" measured)
got=$(json_field "$T/refine/summary.json" measured)
points=$(json_field "$T/all/summary.json" points)
note "refine measured $got of $points points ($all feasible points measured by exhaustive)"
[ "$got" -lt "$all" ] || fail "refine measured every feasible point"
# a margin per objective: l1_bytes is the model's exact value (the fake
# measures the cycles only), so it needs none and the guarantee still holds
sed 's/STRATEGY/refine/; s/^MARGIN$/margin = { cycles = 0.12, l1_bytes = 0.0 }\nmargin_mode = "declared"/' "$T/job.toml" \
    >"$T/per.toml"
"$BIN/dse-run" "$T/per.toml" --workers 2 --allow-command --no-cache --output "$T/per" -q \
    || fail "refine with a margin per objective"
cmp "$T/all/pareto_layers.csv" "$T/per/pareto_layers.csv" || fail "per-objective margin: fronts differ"
per=$(json_field "$T/per/summary.json" measured)
note "with margin 0 on l1_bytes: $per measured"
[ "$per" -le "$got" ] || fail "a margin of 0 on l1_bytes measured more points"
grep -q '"margin_mode": "declared"' "$T/per/summary.json" || fail "summary.json: no declared margin_mode"
# the adaptive margin (the default): the margin comes from the refitted
# model's errors seen on the measured points; same fronts, fewer points
sed 's/STRATEGY/refine/; s/^MARGIN$//' "$T/job.toml" >"$T/adapt.toml"
"$BIN/dse-run" "$T/adapt.toml" --workers 2 --allow-command --no-cache --output "$T/adapt" -q \
    || fail "refine, adaptive margin"
cmp "$T/all/pareto_layers.csv" "$T/adapt/pareto_layers.csv" || { diff "$T/all/pareto_layers.csv" "$T/adapt/pareto_layers.csv"; json_field "$T/adapt/summary.json" measured; fail "adaptive margin: fronts differ"; }
cmp "$T/all/pareto_network.csv" "$T/adapt/pareto_network.csv" || fail "adaptive margin: network differs"
ad=$(json_field "$T/adapt/summary.json" measured)
note "adaptive margin: $ad of $points points measured"
[ "$ad" -lt "$per" ] || fail "the adaptive margin measured no fewer points than the declared one"
grep -q '"margin_mode": "adaptive", "margin_safety": 1.5' "$T/adapt/summary.json" \
    || fail "summary.json: no adaptive margin_mode"
grep -q 'largest seen on the measured points' "$T/adapt/summary.json" || fail "summary.json: no guarantee"
# a bad margin_mode is an error at its line and column
sed 's/STRATEGY/refine/; s/^MARGIN$/margin_mode = "adaptve"/' "$T/job.toml" >"$T/badmode.toml"
"$BIN/dse-run" "$T/badmode.toml" --check >"$T/badmode.out" 2>&1 && fail "margin_mode = adaptve accepted"
grep -q 'badmode.toml:[0-9]*:[0-9]*:.*margin_mode = "adaptve" is not one of' "$T/badmode.out" \
    || { cat "$T/badmode.out"; fail "no clear error for a bad margin_mode"; }
# a simulator whose constants differ from the preset's (150 cycles more
# per tile): refine refits the model's calibratable keys between rounds,
# and its fronts still equal those of measuring every point
sed 's/STRATEGY/exhaustive/; s/^MARGIN$//; s/"--perturb", "0.05", /"--per-tile", "150", "tiles={model.tiles}", /' \
    "$T/job.toml" >"$T/tall.toml"
sed 's/STRATEGY/refine/; s/^MARGIN$/margin = 0.12/; s/"--perturb", "0.05", /"--per-tile", "150", "tiles={model.tiles}", /' \
    "$T/job.toml" >"$T/tile.toml"
"$BIN/dse-run" "$T/tall.toml" --workers 2 --allow-command --no-cache --output "$T/tall" -q \
    || fail "measuring every point (per-tile fake)"
"$BIN/dse-run" "$T/tile.toml" --workers 2 --allow-command --no-cache --output "$T/tile" -v \
    >"$T/tile.out" 2>&1 || { tail "$T/tile.out"; fail "refine (per-tile fake)"; }
cmp "$T/tall/pareto_layers.csv" "$T/tile/pareto_layers.csv" || fail "per-tile fake: refine's fronts differ"
grep "refine refitted" "$T/tile.out" || fail "refine did not refit the model between rounds"
rms=$(sed -n 's/.*rms log error \([0-9.]*\) before the first -> \([0-9.]*\).*/\1 \2/p' "$T/tile.out" | head -1)
awk -v r="$rms" 'BEGIN { split(r, a, " "); exit !(a[2] < a[1] / 2) }' || fail "the refit did not halve the error ($rms)"
note "per-tile fake: refine measured $(json_field "$T/tile/summary.json" measured) of $(json_field "$T/tall/summary.json" measured) feasible points"
# a model job may not use refine
sed 's/STRATEGY/refine/; s/^MARGIN$//; /^\[evaluator\]/,$d' "$T/job.toml" >"$T/bad.toml"
"$BIN/dse-run" "$T/bad.toml" --check >"$T/bad.out" 2>&1 && fail "refine without a command accepted"
grep -q "needs \[evaluator\] kind = \"command\"" "$T/bad.out" || fail "no reason for refusing refine"
note "ok"
