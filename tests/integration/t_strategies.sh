# random and nsga2 through real processes: the outputs do not depend on the
# number of workers nor on a worker killed mid-run; the evaluations stay
# within the budget; nsga2 runs several generations of point lists.
. tests/integration/lib.sh
for st in random nsga2; do
    slow_job "$T/$st.toml" 60
    sed -i "s/^\[search\]/[search]\nstrategy = \"$st\"\nbudget = 9000\nseed = 7/" "$T/$st.toml"
    "$BIN/dse-run" "$T/$st.toml" --workers 1 --output "$T/$st-1" -q || fail "$st: one worker"
    ev=$(json_field "$T/$st-1/summary.json" evaluated)
    [ "$ev" -gt 0 ] && [ "$ev" -le 9000 ] || fail "$st: $ev evaluations for a budget of 9000"
    grep -q "\"strategy\": \"$st\"" "$T/$st-1/summary.json" || fail "$st: summary.json strategy"
    note "$st: $ev evaluations"
    run_on_two_workers "$T/$st.toml" "$T/$st-2"
    sleep 0.6
    note "$st: killing worker $W1"
    kill -9 $W1
    wait_pid $RUN 120 || fail "$st: dse-run failed after a worker was killed"
    same_outputs "$T/$st-1" "$T/$st-2"
    kill $COORD
    # a different seed samples differently (on a budget too small to find
    # the whole front, which nsga2 does with 9000 evaluations here)
    sed "s/^budget = 9000/budget = 300/" "$T/$st.toml" >"$T/$st-seed7.toml"
    sed "s/^seed = 7/seed = 8/" "$T/$st-seed7.toml" >"$T/$st-seed8.toml"
    "$BIN/dse-run" "$T/$st-seed7.toml" --workers 1 --output "$T/$st-7" -q || fail "$st: seed 7"
    "$BIN/dse-run" "$T/$st-seed8.toml" --workers 1 --output "$T/$st-8" -q || fail "$st: seed 8"
    cmp -s "$T/$st-7/pareto_layers.csv" "$T/$st-8/pareto_layers.csv" &&
        fail "$st: seeds 7 and 8 gave the same fronts"
done
# every model: both strategies run its reference config within the budget
# and give a network front
for c in quickstart:2000 mobilenetv2-siracusa:3000 cnv-w1a1-pynq:600; do
    name=${c%%:*}; budget=${c##*:}
    for st in random nsga2; do
        sed "s/^strategy = .*/strategy = \"$st\"\nbudget = $budget/" "configs/$name.toml" \
            >"$T/$name-$st.toml"
        timeout 300 "$BIN/dse-run" "$T/$name-$st.toml" --workers 2 --output "$T/$name-$st" -q ||
            fail "$name with $st"
        ev=$(json_field "$T/$name-$st/summary.json" evaluated)
        nf=$(json_field "$T/$name-$st/summary.json" network_front)
        [ "$ev" -le "$budget" ] || fail "$name $st: $ev evaluations for a budget of $budget"
        [ "$nf" -gt 0 ] || fail "$name $st: empty network front"
        note "$name $st: $ev evaluations, $nf network points"
    done
done
# a baseline as a strategy: FINN's greedy search through the same engine
# gives its one deployment (LUT budget only: greedy's point breaks the BRAM one)
sed 's/^strategy = .*/strategy = "greedy"/; s/^constraints = .*/constraints = ["lut <= 45220"]/' \
    configs/cnv-w1a1-pynq.toml >"$T/greedy.toml"
"$BIN/dse-run" "$T/greedy.toml" --workers 2 --output "$T/greedy" -q || fail "strategy greedy"
rows=$(($(wc -l <"$T/greedy/pareto_network.csv") - 1))
[ "$rows" -eq 1 ] || fail "greedy: $rows network points, expected its one deployment"
got=$(sed -n 2p "$T/greedy/pareto_network.csv" | cut -d, -f2)
want=$(grep -o '"name": "greedy", "feasible": true, "max_cycles": [0-9]*' "$T/greedy/summary.json" |
       sed 's/.*: //')
[ "$got" = "$want" ] || fail "greedy: max_cycles $got, its baseline says $want"
note "greedy as a strategy: $got cycles, as its baseline"
