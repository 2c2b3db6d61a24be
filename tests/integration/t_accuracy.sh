# A measured accuracy table: the front with accuracy maximised equals the
# front with the pruning ratio minimised, mapped through the table and
# filtered again (exact, because the table does not increase with pruning).
. tests/integration/lib.sh
cat >"$T/acc.csv" <<CSV
prune,accuracy
0,88.0
0.1,87.9
0.2,87.0
0.3,84.5
0.5,80.0
CSV
base() { # OBJECTIVES
    sed -e 's/^\[search\]/[search]\naccuracy = "acc.csv"/' \
        -e "s/^objectives = .*/objectives = $1/" configs/resnet8-train.toml |
        sed '/^\[space\]/a prune = [0.0, 0.25, 0.5]'
}
base '["cycles", "accuracy"]' >"$T/acc.toml"
base '["cycles", "prune"]' >"$T/prune.toml"
"$BIN/dse-run" "$T/acc.toml" --workers 2 --output "$T/a" -q || fail "accuracy run"
"$BIN/dse-run" "$T/prune.toml" --workers 2 --output "$T/p" -q || fail "prune run"
head -1 "$T/a/pareto_network.csv" | tr -d "\r" | grep -q ",prune,time_us,accuracy," || fail "no accuracy column after the network metrics"
grep -q '"objectives": \["cycles", "accuracy"\]' "$T/a/summary.json" || fail "summary objectives"
python3 - "$T/p/pareto_network.csv" "$T/a/pareto_network.csv" <<'PY' || fail "accuracy front differs from the refiltered ratio front"
import csv, sys
table = [(0, 88.0), (0.1, 87.9), (0.2, 87.0), (0.3, 84.5), (0.5, 80.0)]
def acc(p):
    for (x0, y0), (x1, y1) in zip(table, table[1:]):
        if p <= x1 + 1e-9:
            return y0 if p <= x0 + 1e-9 else y0 + (y1 - y0) * (p - x0) / (x1 - x0)
    return None
prune = list(csv.DictReader(open(sys.argv[1])))
got = sorted((float(r["cycles"]), float(r["accuracy"])) for r in csv.DictReader(open(sys.argv[2])))
pts = [(float(r["cycles"]), -acc(float(r["prune"]))) for r in prune if acc(float(r["prune"])) is not None]
front = sorted({p for p in pts if not any(q[0] <= p[0] and q[1] <= p[1] and q != p for q in pts)})
want = sorted((c, -a) for c, a in front)
ok = len(got) == len(want) and all(abs(a[0] - b[0]) <= 1e-9 * abs(b[0]) and abs(a[1] - b[1]) < 1e-9 for a, b in zip(got, want))
print("accuracy front", len(got), "rows; by hand", len(want))
sys.exit(0 if ok else 1)
PY
