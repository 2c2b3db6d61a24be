# pareto.svg: parsed as XML, the network panel has one marker per row of
# pareto_network.csv (its tooltip holding the row's values), markers inside
# the plot area and ordered like the values; with --plot-layers one panel
# per layer with one marker per row of that layer in pareto_layers.csv;
# baselines marked; accuracy shown as it is (maximised); an empty network
# front still gives a plot that says so.
. tests/integration/lib.sh
cat >"$T/check.py" <<'PY'
import csv, json, re, sys
import xml.etree.ElementTree as ET
outdir, want_layers, xmax, ymax = sys.argv[1], sys.argv[2] == "1", sys.argv[3] == "1", sys.argv[4] == "1"
NS = "{http://www.w3.org/2000/svg}"
root = ET.parse(outdir + "/pareto.svg").getroot()
assert root.tag == NS + "svg", root.tag
summary = json.load(open(outdir + "/summary.json"))
objs = summary["objectives"]
panels = [g for g in root.iter(NS + "g") if g.get("class") == "panel"]
nl = len(summary["layers"])
empty = summary["network_front"] == 0
par = len(objs) >= 3 and not empty
assert len(panels) == (1 if par else 0) + (1 + nl if want_layers or empty else 1), (len(panels), nl)
if par:
    lines = [l for l in panels[1].iter(NS + "polyline") if l.get("class") == "pc"]
    assert len(lines) == min(summary["network_front"], 2000) or len(lines) > 0, len(lines)
    panels = panels[:1] + panels[2:]

def points(panel):
    area = [r for r in panel.iter(NS + "rect") if r.get("class") == "plot-area"][0]
    x0, y0 = float(area.get("x")), float(area.get("y"))
    x1, y1 = x0 + float(area.get("width")), y0 + float(area.get("height"))
    pts = []
    for c in panel.iter(NS + "circle"):
        if c.get("class") != "pt":
            continue
        cx, cy = float(c.get("cx")), float(c.get("cy"))
        assert x0 <= cx <= x1 and y0 <= cy <= y1, (cx, cy, x0, y0, x1, y1)
        t = c.find(NS + "title").text
        m = re.match(r"#(\d+): .* (\S+), .* (\S+)$", t)
        pts.append((int(m.group(1)), cx, cy, float(m.group(2)), float(m.group(3))))
    return pts

def check_order(pts):
    # a larger value: not left of (x), not below (y; SVG's y grows downwards)
    for a in pts:
        for b in pts:
            if a[3] < b[3]:
                assert a[1] <= b[1], (a, b)
            if a[4] < b[4]:
                assert a[2] >= b[2], (a, b)

def close(a, b):
    return abs(a - b) <= 1e-5 * max(abs(a), abs(b)) + 1e-12

# the network panel against pareto_network.csv
rows = list(csv.DictReader(open(outdir + "/pareto_network.csv")))
net = points(panels[0])
assert len(net) == len(rows), (len(net), len(rows))
# the plotted metrics, named by the axis titles: the first two objectives,
# with time_us in place of cycles where the model has it, or [job] plot
def axis_metric(cls):
    t = [t for t in panels[0].iter(NS + "text") if t.get("class") == cls][0].text
    return re.split(r" [\[(]", t)[0]
if net:
    mx, my = axis_metric("xlabel"), axis_metric("ylabel")
    want = [("time_us" if o == "cycles" and "time_us" in rows[0] else o) for o in objs[:2]]
    if len(sys.argv) > 5:
        want = sys.argv[5].split(",")
    assert [mx, my] == want, (mx, my, want)
for sol, cx, cy, x, y in net:
    r = rows[sol]
    assert int(r["solution"]) == sol
    assert close(x, float(r[mx])) and close(y, float(r[my])), (sol, x, y, r)
check_order(net)
# on a two-objective front the staircase joins every point: better on x,
# worse on y
if len(objs) == 2:
    s = sorted(net, key=lambda p: (-p[3] if xmax else p[3], -p[4] if ymax else p[4]))
    for a, b in zip(s, s[1:]):
        assert (b[4] <= a[4]) if not ymax else (b[4] >= a[4]), (a, b)
        assert (b[1] >= a[1]) if not xmax else (b[1] <= a[1]), (a, b)
        assert (b[2] >= a[2]) if not ymax else (b[2] <= a[2]), (a, b)
    stair = [p for p in panels[0].iter(NS + "path") if p.get("class") == "stair"]
    assert not net or stair[0].get("d").count("H") == len(net) - 1
title = [t for t in panels[0].iter(NS + "text") if t.get("class") == "title"][0].text
assert summary["job"] in title and str(len(rows)) in title, title
# a two-objective front has its knee ringed, on a point of the front
knee = [c for c in panels[0].iter(NS + "circle") if c.get("class") == "knee"]
assert len(knee) == (1 if len(objs) == 2 and len(net) >= 3 else 0) or len(knee) <= 1, len(knee)
for c in knee:
    assert any(abs(float(c.get("cx")) - p[1]) < 0.01 and abs(float(c.get("cy")) - p[2]) < 0.01 for p in net)
ylabel = [t for t in panels[0].iter(NS + "text") if t.get("class") == "ylabel"]
assert not ylabel or ("higher is better" in ylabel[0].text) == ymax
# baselines: every feasible one drawn, every one in the legend
bl = summary.get("baselines", [])
legend = [t.text for t in panels[0].iter(NS + "text") if t.get("class") == "legend-bl"]
assert [l.split(" (")[0] for l in legend] == [b["name"] for b in bl], (legend, bl)
drawn = [p for p in panels[0].iter(NS + "path") if p.get("class") in ("bl", "bl-out")]
assert len(drawn) <= len(bl) and len(drawn) >= (0 if xmax or ymax else sum(b.get("feasible", False) for b in bl)), (len(drawn), bl)
if empty:
    notes = " ".join(t.text for t in panels[0].iter(NS + "text") if t.get("class") == "note")
    assert "empty" in notes or "No network front" in notes, notes
# the layer panels against pareto_layers.csv
if len(panels) > 1:
    lrows = list(csv.DictReader(open(outdir + "/pareto_layers.csv")))
    for i, layer in enumerate(summary["layers"]):
        pts = points(panels[1 + i])
        mine = [r for r in lrows if r["layer"] == layer["name"]]
        assert len(pts) == len(mine) == layer["front"], (layer["name"], len(pts), len(mine))
        check_order(pts)
        t = [t for t in panels[1 + i].iter(NS + "text") if t.get("class") == "title"][0].text
        assert layer["name"] in t, t
print("pareto.svg:", len(panels), "panels,", len(net), "network points,", len(drawn), "baselines drawn")
PY

"$BIN/dse-run" configs/quickstart.toml --plot-layers --workers 2 --output "$T/qs" -q || fail "quickstart --plot-layers"
python3 "$T/check.py" "$T/qs" 1 0 0 || fail "quickstart pareto.svg"
grep -c 'class="bl"' "$T/qs/pareto.svg" | grep -q '^[1-9]' || fail "no baseline marker"

note "without --plot-layers: the network panel alone, the same bytes"
"$BIN/dse-run" configs/quickstart.toml --workers 2 --output "$T/qs1" -q || fail "quickstart"
python3 "$T/check.py" "$T/qs1" 0 0 0 || fail "quickstart pareto.svg, one panel"
sed -n '/id="panel-0"/,/^<\/g>$/p' "$T/qs/pareto.svg" >"$T/p0a"
sed -n '/id="panel-0"/,/^<\/g>$/p' "$T/qs1/pareto.svg" >"$T/p0b"
[ -s "$T/p0a" ] && cmp -s "$T/p0a" "$T/p0b" || fail "the network panel differs between runs"

note "[job] plot_layers = true"
sed 's/^name = "quickstart-dscnn-train"/name = "q.a"\nplot_layers = true/' configs/quickstart.toml >"$T/q.toml"
"$BIN/dse-run" "$T/q.toml" --workers 2 --output "$T/qk" -q || fail "plot_layers config"
python3 "$T/check.py" "$T/qk" 1 0 0 || fail "plot_layers = true"

note "accuracy, maximised"
printf 'prune,accuracy\n0,88.0\n0.25,86.0\n0.5,80.0\n' >"$T/acc.csv"
sed -e 's/^\[search\]/[search]\naccuracy = "acc.csv"/' \
    -e 's/^objectives = .*/objectives = ["cycles", "accuracy"]/' configs/quickstart.toml >"$T/acc.toml"
"$BIN/dse-run" "$T/acc.toml" --workers 2 --output "$T/acc" -q || fail "accuracy run"
python3 "$T/check.py" "$T/acc" 0 0 1 || fail "accuracy pareto.svg"

note "an empty network front"
cat >"$T/empty.toml" <<TOML
[job]
name = "empty"
[target]
model = "testfn"
[workload]
[[workload.layer]]
name = "a<1>"
op = "elementwise"
in_shape = [1]
n = 4
[[workload.layer]]
name = "b&c"
op = "elementwise"
in_shape = [1]
n = 4
[search]
objectives = ["f1", "f2"]
constraints = ["f1 > 100"]
TOML
"$BIN/dse-run" "$T/empty.toml" --workers 2 --output "$T/e" -q || fail "empty run"
python3 "$T/check.py" "$T/e" 0 0 0 || fail "empty network front pareto.svg"

note "[job] plot chooses the plotted metrics; three objectives add parallel coordinates"
sed -e 's/^name = "quickstart-dscnn-train"/name = "qp"\nplot = ["l2_traffic_bytes", "cycles"]/' \
    -e 's/^objectives = .*/objectives = ["cycles", "l1_bytes", "l2_traffic_bytes"]/' \
    configs/quickstart.toml >"$T/qp.toml"
"$BIN/dse-run" "$T/qp.toml" --workers 2 --output "$T/qp" -q || fail "plot = [...] run"
python3 "$T/check.py" "$T/qp" 0 0 0 l2_traffic_bytes,cycles || fail "plot = [...] pareto.svg"
grep -q 'class="pc"' "$T/qp/pareto.svg" || fail "no parallel-coordinates panel for 3 objectives"
grep -q 'layer a&lt;1&gt;' "$T/e/pareto.svg" || fail "layer name not escaped"
exit 0
