# Every hardware model runs end to end through dse-run on the shipped
# configs (FINN with pruning fixed at 0 to keep the composition short):
# fronts, baselines and the FINN folding export are written.
. tests/integration/lib.sh
run() { # CONFIG OUT
    "$BIN/dse-run" "$1" --workers 2 --output "$2" -q || fail "$1"
    for f in pareto_layers.csv pareto_network.csv summary.json baselines.csv; do
        [ -s "$2/$f" ] || fail "$1: no $f"
    done
    n=$(json_field "$2/summary.json" network_front)
    [ "${n:-0}" -ge 1 ] || fail "$1: empty network front"
    grep -q '"complete": true' "$2/summary.json" || fail "$1: incomplete"
    note "$1: network front $n"
}
run configs/quickstart.toml "$T/qs"
run configs/resnet8-train.toml "$T/r8"
run configs/dscnn-infer.toml "$T/dsi"
run configs/slm-autoregressive-64k.toml "$T/slm"
run configs/mobilenetv2-siracusa-64k.toml "$T/mb"
grep -q '"name": "autotuner", "feasible": true' "$T/qs/summary.json" || fail "autotuner baseline"
grep -q '"name": "deeploy"' "$T/mb/summary.json" || fail "deeploy baseline"
# the front's fastest point is at least as fast as the baselines
fast=$(awk -F, 'NR > 1 { if (min == "" || $2 < min) min = $2 } END { print min }' "$T/qs/pareto_network.csv")
auto=$(sed -n 's/.*"name": "autotuner", "feasible": true, "cycles": \([0-9.e+]*\).*/\1/p' "$T/qs/summary.json")
awk -v a="$fast" -v b="$auto" 'BEGIN { exit !(a <= b) }' || fail "exact front ($fast) slower than the autotuner ($auto)"
sed 's/^prune = .*/prune = [0.0]/' configs/cnv-w2a2-pynq.toml >"$T/cnv.toml"
run "$T/cnv.toml" "$T/cnv"
[ -s "$T/cnv/folding_config.json" ] || fail "no folding_config.json"
grep -q '"MatrixVectorActivation_0": {"PE": ' "$T/cnv/folding_config.json" || fail "folding_config.json form"
python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$T/cnv/folding_config.json" || fail "folding_config.json is not JSON"
python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$T/cnv/summary.json" || fail "summary.json is not JSON"
python3 - "$T/qs/summary.json" <<'PY' || fail "summary.json hypervolumes"
import json, sys
d = json.load(open(sys.argv[1]))
hv = d["network_hypervolume"]
assert hv["value"] > 0 and len(hv["reference"]) == len(d["objectives"]), hv
assert all(l["hypervolume"]["value"] > 0 for l in d["layers"]), d["layers"]
assert d["compose_seconds"] >= 0 and d["wall_seconds"] > 0
PY
