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
    PORT=$(pick_port)
    start_coordinator $PORT
    start_worker $PORT; W1=$WORKER
    start_worker $PORT
    "$BIN/dse-run" "$T/$st.toml" --coordinator "tcp://127.0.0.1:$PORT" --output "$T/$st-2" -q &
    RUN=$!
    PIDS="$PIDS $RUN"
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
