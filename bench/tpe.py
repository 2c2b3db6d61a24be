#!/usr/bin/python3
"""bench/tpe.py - refine against Optuna's multivariate TPE, nsga2 and random
at equal measured budgets (1%, 2%, 5% of each layer's points).

Every search optimises the same function: the stand-in measurement of
build/bench-refine (the model's latency times 1 + 0.05 u, u a fixed number
in [-1, 1] per point; the other objectives the model's). TPE gets it from
`bench-refine --dump CONFIG LAYER` (every feasible point's measured
objectives); refine (adaptive margin, the model refitted between rounds),
nsga2 and random run in C (`bench-refine --budgets`).
A point the model finds infeasible costs nothing (TPE is told the trial
failed), and a point asked twice is measured once. Each layer's figure is
the hypervolume of the measured front found over that of the true measured
front, against the true front's reference point (dse_front_reference).

    /usr/bin/python3 bench/tpe.py [--build DIR] [--seeds N] [--max-trials N]
                                  CONFIG[:LAYER] ...

Without python3-optuna it says it skipped TPE and prints the C columns.
"""
import argparse
import warnings
import math
import subprocess
import sys


def hypervolume(points, ref):
    """The volume dominated by points (minimised) and bounded by ref."""
    pts = [p for p in points if all(x < r for x, r in zip(p, ref))]
    if not pts:
        return 0.0
    if len(ref) == 1:
        return ref[0] - min(p[0] for p in pts)
    if len(ref) == 2:
        pts.sort()
        vol, best = 0.0, ref[1]
        for x, y in pts:
            if y < best:
                vol += (ref[0] - x) * (best - y)
                best = y
        return vol
    # slice on the last objective
    pts.sort(key=lambda p: p[-1])
    vol = 0.0
    for i, p in enumerate(pts):
        top = pts[i + 1][-1] if i + 1 < len(pts) else ref[-1]
        if top > p[-1]:
            vol += (top - p[-1]) * hypervolume([q[:-1] for q in pts[:i + 1]], ref[:-1])
    return vol


def front(points):
    out = []
    for p in sorted(set(points)):
        if not any(all(a <= b for a, b in zip(q, p)) and q != p for q in out):
            out = [q for q in out if not all(a <= b for a, b in zip(p, q))]
            out.append(p)
    return out


def dump(build, config, layer):
    txt = subprocess.run([build + "/bench-refine", "--dump", config, str(layer)],
                         check=True, capture_output=True, text=True).stdout.split("\n")
    domains = [int(x) for x in txt[0].split()[1:]]
    ref = [float(x) for x in txt[1].split()[1:]]
    hv = float(txt[2].split()[1])
    pts = {}
    for line in txt[3:]:
        if line:
            f = line.split()
            pts[int(f[0])] = tuple(float(x) for x in f[1:])
    return domains, ref, hv, pts


def tpe(optuna, domains, pts, budget, seed, max_trials):
    n_obj = len(next(iter(pts.values())))
    sampler = optuna.samplers.TPESampler(multivariate=True, seed=seed)
    study = optuna.create_study(directions=["minimize"] * n_obj, sampler=sampler)
    seen = {}
    asked = 0
    while len(seen) < budget and asked < max_trials:
        asked += 1
        t = study.ask()
        idx, mul = 0, 1
        for p, n in enumerate(domains):
            if n > 1:
                idx += mul * t.suggest_int("p%d" % p, 0, n - 1)
            mul *= n
        if idx in pts:
            seen[idx] = pts[idx]
            study.tell(t, list(pts[idx]))
        else:
            study.tell(t, state=optuna.trial.TrialState.FAIL)
    return list(seen.values())


def c_columns(build, config, layer):
    out = subprocess.run([build + "/bench-refine", "--budgets", config, str(layer)],
                         check=True, capture_output=True, text=True).stdout.split("\n")
    rows = {}
    for line in out[1:]:
        f = line.split()
        if len(f) == 8:
            rows[float(f[3].rstrip("%"))] = (int(f[2]), int(f[4]), float(f[5]), float(f[6]),
                                             float(f[7]))
    return rows


def layers_of(build, config):
    out = subprocess.run([build + "/bench-refine", "--budgets", config],
                         check=True, capture_output=True, text=True).stdout.split("\n")
    return sorted({int(line.split()[1]) for line in out[1:] if len(line.split()) == 8})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--max-trials", type=int, default=20,
                    help="asks per budget point at most (infeasible ones included)")
    ap.add_argument("targets", nargs="+", help="CONFIG or CONFIG:LAYER")
    a = ap.parse_args()
    warnings.filterwarnings("ignore", message=".*experimental")
    try:
        import optuna
        optuna.logging.set_verbosity(optuna.logging.ERROR)
    except ImportError:
        optuna = None
        print("skipped TPE: python3-optuna not installed (apt-get install python3-optuna)")
    print("%-34s %5s %6s %4s %6s %8s %8s %8s %8s" % ("config", "layer", "points", "pct", "budget",
                                                   "refine", "tpe", "nsga2", "random"))
    sums = {}
    for target in a.targets:
        config, _, layer = target.partition(":")
        layers = [int(layer)] if layer else layers_of(a.build, config)
        for l in layers:
            rows = c_columns(a.build, config, l)
            domains, ref, hv, pts = dump(a.build, config, l) if optuna else (None,) * 4
            if optuna:
                check = hypervolume(front(list(pts.values())), ref)
                if abs(check - hv) > 1e-9 * max(1.0, hv):
                    sys.exit("bench/tpe.py: hypervolume %r differs from C's %r" % (check, hv))
            for pct, (size, budget, r, n, rnd) in sorted(rows.items()):
                t = float("nan")
                if optuna and pts:
                    qs = []
                    for seed in range(a.seeds):
                        got = tpe(optuna, domains, pts, budget, seed, a.max_trials * budget)
                        qs.append(hypervolume(front(got), ref) / hv if hv > 0 else 1.0)
                    t = sum(qs) / len(qs)
                print("%-34s %5d %6d %3.0f%% %6d %8.4f %8.4f %8.4f %8.4f"
                      % (config, l, size, pct, budget, r, t, n, rnd), flush=True)
                s = sums.setdefault(pct, [0, 0.0, 0.0, 0.0, 0.0])
                s[0] += 1
                for k, v in enumerate((r, t, n, rnd)):
                    s[k + 1] += v
    for pct, s in sorted(sums.items()):
        print("%-34s %5s %6s %3.0f%% %6s %8.4f %8.4f %8.4f %8.4f"
              % ("mean over %d layers" % s[0], "", "", pct, "", s[1] / s[0], s[2] / s[0],
                 s[3] / s[0], s[4] / s[0]))


if __name__ == "__main__":
    main()
