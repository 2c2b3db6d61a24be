# [search] epsilon through dse-run: CNV w2a2 (3 objectives under the LUT and
# BRAM18 budgets) exact and with epsilon = 0.1. The approximate front is
# reported with its bound in summary.json, holds only networks within the
# budgets, and covers every exact network that meets the budgets divided by
# 1.1 within a factor 1.1 on every objective.
. tests/integration/lib.sh
sed 's/^\[search\]/[search]\nepsilon = 0.1/' configs/cnv-w2a2-pynq.toml >"$T/eps.toml"
"$BIN/dse-run" configs/cnv-w2a2-pynq.toml --workers 2 --output "$T/x" -q || fail "exact run"
"$BIN/dse-run" "$T/eps.toml" --workers 2 --output "$T/e" -q || fail "epsilon run"
grep -q '"epsilon": 0.1,' "$T/e/summary.json" || fail "no epsilon in summary.json"
grep -q '"epsilon_bound": "every network of the exact front' "$T/e/summary.json" || fail "no bound"
grep -q '"epsilon"' "$T/x/summary.json" && fail "epsilon in the exact run's summary"
python3 - "$T/x/pareto_network.csv" "$T/e/pareto_network.csv" <<'PY' || fail "epsilon front does not meet its bound"
import csv, sys
obj = ["max_cycles", "lut", "prune"]
lut_budget, bram_budget = 45220, 0.8 * 280
ex = list(csv.DictReader(open(sys.argv[1])))
ap = list(csv.DictReader(open(sys.argv[2])))
for r in ap:
    assert float(r["lut"]) <= lut_budget and float(r["bram18"]) <= bram_budget, r
n = 0
for x in ex:
    if float(x["lut"]) * 1.1 > lut_budget:
        continue
    n += 1
    xs = [float(x[o]) for o in obj]
    if not any(all(float(y[o]) <= 1.1 * v * (1 + 1e-9) for o, v in zip(obj, xs)) for y in ap):
        print("not covered:", xs)
        sys.exit(1)
print("exact front", len(ex), "rows,", n, "within the tightened budget; epsilon front", len(ap))
sys.exit(0 if 0 < len(ap) else 1)
PY
