#!/bin/sh
# The composition on CNV w2a2 (pynq-z1, finn-2021) as objectives and pruning
# ratios grow (run by `make bench` from the repository root): 3 objectives
# with 6 pruning ratios per layer, then the 4-objective config with the
# pruning ratio as a fifth objective, and latency_cycles as a sixth. Each
# line gives the composition's wall and CPU time alone (the layer fronts
# are computed first, in process) or why it was refused.
BUILD=${BUILD:-build}
out=$(mktemp -d "${TMPDIR:-/tmp}/dse-bench-XXXXXX")
trap 'rm -rf "$out"' EXIT
mkdir -p "$out/configs"
cp -r configs/hw "$out/configs/hw"
sed 's/^prune = .*/prune = [0.0, 0.15, 0.3, 0.45, 0.6, 0.75]/' configs/cnv-w2a2-pynq.toml \
    >"$out/configs/cnv-w2a2-6ratios.toml"
sed 's/^objectives = .*/objectives = ["max_cycles", "lut", "bram18", "dsp", "prune"]/' \
    configs/cnv-w2a2-pynq-4obj.toml >"$out/configs/cnv-w2a2-5obj.toml"
sed 's/^objectives = .*/objectives = ["max_cycles", "latency_cycles", "lut", "bram18", "dsp", "prune"]/' \
    configs/cnv-w2a2-pynq-4obj.toml >"$out/configs/cnv-w2a2-6obj.toml"
sed 's/^\[search\]/[search]\nepsilon = 0.05/' "$out/configs/cnv-w2a2-6ratios.toml" \
    >"$out/configs/cnv-w2a2-6ratios-eps0.05.toml"
for c in cnv-w2a2-6ratios cnv-w2a2-6ratios-eps0.05 cnv-w2a2-5obj cnv-w2a2-6obj; do
    timeout 600 "$BUILD/bench-compose" "$out/configs/$c.toml" || true
done
