#!/bin/sh
# Wall time to the exact fronts of the reference configs, with 2 local
# workers (run by `make bench` from the repository root). CNV w2a2 also runs
# with 6 pruning ratios per layer and with the 4-objective front
# (max_cycles, lut, bram18, dsp) under three budgets; composition dominates
# their time.
BUILD=${BUILD:-build}
out=$(mktemp -d "${TMPDIR:-/tmp}/dse-bench-XXXXXX")
trap 'rm -rf "$out"' EXIT
sed 's/^prune = .*/prune = [0.0, 0.15, 0.3, 0.45, 0.6, 0.75]/' configs/cnv-w2a2-pynq.toml \
    >"$out/cnv-w2a2-pynq-6ratios.toml"
for c in configs/quickstart.toml configs/resnet8-train.toml configs/dscnn-infer.toml \
         configs/mobilenetv2-siracusa.toml configs/slm-prefill.toml configs/cnv-w2a2-pynq.toml \
         "$out/cnv-w2a2-pynq-6ratios.toml" configs/cnv-w2a2-pynq-4obj.toml; do
    name=$(basename "$c" .toml)
    t0=$(date +%s.%N)
    timeout 600 "$BUILD/dse-run" "$c" --workers 2 --output "$out/$name" -q || {
        echo "front $name: did not finish in 600 s (or failed)"; continue; }
    t1=$(date +%s.%N)
    s="$out/$name/summary.json"
    printf 'front %-28s %8s s wall (evaluation %s s, composition %s s), %s network points\n' \
        "$name" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')" \
        "$(sed -n 's/^  "wall_seconds": \([0-9.]*\).*/\1/p' "$s" | cut -c1-6)" \
        "$(sed -n 's/^  "compose_seconds": \([0-9.]*\).*/\1/p' "$s" | cut -c1-6)" \
        "$(sed -n 's/^  "network_front": \([0-9]*\).*/\1/p' "$s")"
done
