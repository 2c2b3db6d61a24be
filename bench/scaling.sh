#!/bin/sh
# Wall time of dse-run (embedded coordinator and local workers) as the job
# grows, one dimension at a time, with the growth order between the last two
# sizes (log of the time ratio over log of the size ratio). Run by
# `make bench` from the repository root.
# - layers: testfn (ZDT1) layers of 10^3 = 1,000 points each, 2 workers (the
#   network front of L layers grows about linearly, so composition dominates);
# - points per layer: one testfn layer of n^3 points, 2 workers;
# - local workers on this machine's cores: one testfn layer of 300^3 points;
# - objectives: CNV w2a2 (pynq-z1, four budgets' worth of steering), 2 workers.
BUILD=${BUILD:-build}
out=$(mktemp -d "${TMPDIR:-/tmp}/dse-scaling-XXXXXX")
trap 'rm -rf "$out"' EXIT
mkdir -p "$out/configs"
cp -r configs/hw "$out/configs/hw"

testfn() { # LAYERS N > config
    printf '[job]\nname = "scaling"\n\n[target]\nmodel = "testfn"\n\n[workload]\n'
    i=0
    while [ "$i" -lt "$1" ]; do
        printf '[[workload.layer]]\nname = "l%d"\nop = "elementwise"\nin_shape = [1]\nn = %d\n\n' "$i" "$2"
        i=$((i + 1))
    done
    printf '[search]\nobjectives = ["f1", "f2"]\n'
}

# run NAME CONFIG WORKERS: prints the wall seconds (or "failed")
run() {
    t0=$(date +%s.%N)
    if timeout 600 "$BUILD/dse-run" "$2" --workers "$3" --output "$out/$1" -q >"$out/$1.log" 2>&1; then
        t1=$(date +%s.%N)
        awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }'
    else
        echo "failed"
    fi
}

# table TITLE: reads "size seconds" lines, prints them and the growth order
table() {
    awk -v title="$1" '
        { n++; x[n] = $1; t[n] = $2; printf "scaling %s %s: %s s\n", title, $1, $2 }
        END {
            if (n >= 2 && t[n] > 0 && t[n - 1] > 0 && x[n] != x[n - 1])
                printf "scaling %s: growth order %.2f between %s and %s\n", title,
                       log(t[n] / t[n - 1]) / log(x[n] / x[n - 1]), x[n - 1], x[n]
        }'
}

for L in 1 4 16 64 256; do
    testfn "$L" 10 >"$out/L$L.toml"
    echo "$L $(run "L$L" "$out/L$L.toml" 2)"
done | table "layers (1,000 points each)"

for n in 22 47 100 216 465; do
    testfn 1 "$n" >"$out/n$n.toml"
    echo "$((n * n * n)) $(run "n$n" "$out/n$n.toml" 2)"
done | table "points per layer"

testfn 1 300 >"$out/w.toml"
for w in 1 2 4 8; do
    echo "$w $(run "w$w" "$out/w.toml" "$w")"
done | table "local workers (27,000,000 points)"

objs='"max_cycles", "lut"|"max_cycles", "lut", "bram18"|"max_cycles", "lut", "bram18", "dsp"|"max_cycles", "lut", "bram18", "dsp", "prune"|"max_cycles", "latency_cycles", "lut", "bram18", "dsp", "prune"'
k=2
echo "$objs" | tr '|' '\n' | while read -r o; do
    sed "s/^objectives = .*/objectives = [$o]/" configs/cnv-w2a2-pynq-4obj.toml >"$out/configs/o$k.toml"
    s=$(run "o$k" "$out/configs/o$k.toml" 2)
    if grep -q "no network front" "$out/o$k.log"; then
        # (before a layer that would pass the work limit, or after the first
        # layers on the forecast of the rest: the reason either way)
        echo "scaling objectives $k: $s s, composition refused: $(sed -n 's/.*compose: \(.*\); this front is out of reach.*/\1/p' "$out/o$k.log" | head -1)"
    else
        echo "scaling objectives $k: $s s, network front $(sed -n 's/^  "network_front": \([0-9]*\).*/\1/p' "$out/o$k/summary.json") points"
    fi
    k=$((k + 1))
done
