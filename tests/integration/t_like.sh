# Like for like (issue 11): the quickstart prunes nothing and its front is
# compared with the autotuner on equal networks; a pruned space that is
# neither an objective nor covered by an accuracy table is warned about
# (--check and the run), and summary.json and pareto.svg say the front's
# best is not an equal network.
. tests/integration/lib.sh
"$BIN/dse-run" --check configs/quickstart.toml >/dev/null 2>"$T/err0" || fail "--check quickstart"
[ ! -s "$T/err0" ] || fail "quickstart warns: $(cat "$T/err0")"
"$BIN/dse-run" configs/quickstart.toml --workers 2 --output "$T/qs" -q || fail "quickstart run"
python3 - "$T/qs/summary.json" <<'PY' || fail "quickstart like for like"
import json, sys
d = json.load(open(sys.argv[1]))
a = [b for b in d["baselines"] if b["name"] == "autotuner"][0]
l = a["front_like_for_like"]
assert l["prune"] == 0 and a["prune"] == 0, a
assert abs(l["baseline_over_front"] - a["cycles"] / l["cycles"]) < 1e-9, a
assert l["baseline_over_front"] > 1.8, a
assert "front_best" not in a, a
PY
sed 's/^prune = .*/prune = [0.0, 0.25, 0.5]/' configs/quickstart.toml >"$T/p.toml"
"$BIN/dse-run" --check "$T/p.toml" >/dev/null 2>"$T/err1" || fail "--check pruned"
grep -q "warning: 6 layers may prune (up to 0.5) but pruning is neither an objective nor covered by an accuracy table" "$T/err1" ||
    fail "--check: no warning: $(cat "$T/err1")"
"$BIN/dse-run" "$T/p.toml" --workers 2 --output "$T/p" -q 2>"$T/err2" || fail "pruned run"
grep -q "warning: 6 layers may prune" "$T/err2" || fail "run: no warning"
python3 - "$T/p/summary.json" <<'PY' || fail "pruned like for like"
import json, sys
d = json.load(open(sys.argv[1]))
a = [b for b in d["baselines"] if b["name"] == "autotuner"][0]
# the front (cycles, l1_bytes) holds no unpruned network: nothing equal to compare
assert a["front_like_for_like"] is None, a
assert a["front_best"]["prune"] > 0 and a["front_best"]["accuracy_cost"].startswith("unknown"), a
PY
grep -q "Not like for like" "$T/p/pareto.svg" || fail "pareto.svg says nothing"
# prune as an objective: no warning, and the unpruned end of the front compares like for like
sed 's/^objectives = \["cycles", "l1_bytes"\]/objectives = ["cycles", "l1_bytes", "prune"]/' "$T/p.toml" >"$T/po.toml"
"$BIN/dse-run" "$T/po.toml" --workers 2 --output "$T/po" -q 2>"$T/err3" || fail "prune objective run"
[ ! -s "$T/err3" ] || fail "prune objective warns: $(cat "$T/err3")"
python3 - "$T/po/summary.json" "$T/qs/summary.json" <<'PY' || fail "prune objective like for like"
import json, sys
po, qs = (json.load(open(p)) for p in sys.argv[1:])
a = [b for b in po["baselines"] if b["name"] == "autotuner"][0]
q = [b for b in qs["baselines"] if b["name"] == "autotuner"][0]
assert a["front_like_for_like"]["cycles"] == q["front_like_for_like"]["cycles"], (a, q)
PY
grep -q "Not like for like" "$T/po/pareto.svg" && fail "pareto.svg warns with prune as an objective"
note "like for like"
