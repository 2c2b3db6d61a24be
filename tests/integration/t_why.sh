# An empty layer front explains itself (issue 11): with an L1 too small for
# the quickstart's first layer, the run's closing lines and summary.json name
# the capacity that rejected the most points and the smallest value seen
# against its bound; the same with 1 and 3 workers. A microLlama layer on
# Siracusa does the same with its L1; a per-layer constraint is named too.
. tests/integration/lib.sh
sed 's/^hardware = "pulp-open"/hardware = "pulp-open"\nl1_bytes = 4096/' configs/quickstart.toml >"$T/tiny.toml"
for w in 1 3; do
    "$BIN/dse-run" "$T/tiny.toml" --workers $w --output "$T/tiny$w" -q 2>"$T/err$w" ||
        fail "tiny L1 run ($w workers)"
    grep -q "^dse-run: conv1: no feasible point; every point needs at least 6.6 KiB of l1_bytes, above the 4 KiB of the preset (l1_bytes); try tile_cin" "$T/err$w" ||
        fail "closing line ($w workers): $(cat "$T/err$w")"
done
python3 - "$T/tiny1/summary.json" "$T/tiny3/summary.json" <<'PY' || fail "summary.json why"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
w = a["layers"][0]["why"]
l = a["layers"][0]
# every point evaluated needs more L1 (how many were evaluated depends on skipping)
assert w["reason"] == "l1_bytes" and w["points"] == l["evaluated"] == l["infeasible"], (w, l)
assert w["value"] == 6724 and w["bound"] == 4096, w
assert all("why" not in l for l in a["layers"][1:]), a["layers"]
wb = b["layers"][0]["why"]
assert all(w[k] == wb[k] for k in ("reason", "value", "bound", "message")), (w, wb)
PY
# Siracusa: a softmax whose smallest tile needs more L1 than the preset has
cat >"$T/sm.toml" <<'TOML'
[job]
name = "why-softmax"
[target]
model = "siracusa"
hardware = "siracusa"
l1_bytes = 2048
[workload]
dtype = "int8"
steps = ["fw"]
[[workload.layer]]
name = "softmax"
op = "softmax"
in_shape = [16, 64, 256]
[space]
l1 = ["tiled"]
[search]
strategy = "exhaustive"
objectives = ["cycles", "l1_bytes"]
TOML
"$BIN/dse-run" "$T/sm.toml" --workers 2 --output "$T/sm" -q 2>"$T/errsm" || fail "softmax run"
grep -q "^dse-run: softmax: no feasible point; every point needs at least 8.5 KiB of l1_bytes, above the 2 KiB of the preset (l1_bytes)" "$T/errsm" ||
    fail "softmax closing line: $(cat "$T/errsm")"
# a per-layer constraint that nothing meets
sed 's/^objectives = \["cycles", "l1_bytes"\]/objectives = ["cycles", "l1_bytes"]\nconstraints = ["cycles <= 1000"]/; s/^l1_bytes = 2048/l1_bytes = 262144/' "$T/sm.toml" >"$T/smc.toml"
"$BIN/dse-run" "$T/smc.toml" --workers 2 --output "$T/smc" -q 2>"$T/errsmc" || fail "constraint run"
grep -q "^dse-run: softmax: no feasible point; 17 of 19 points evaluated break the constraint cycles <= 1000 cycles: the closest has cycles = 1.38675e+06 cycles" "$T/errsmc" ||
    fail "constraint closing line: $(cat "$T/errsmc")"
grep -q '"reason": "constraint: cycles <= 1000"' "$T/smc/summary.json" || fail "constraint in summary.json"
note "empty fronts explained"
