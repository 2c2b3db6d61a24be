# Two jobs submitted at once to one coordinator both complete, each with
# its own correct output.
. tests/integration/lib.sh
slow_job "$T/a.toml" 30
sed 's/^name = "slow"/name = "other"/; s/^problem = "dtlz2"/problem = "zdt1"/' "$T/a.toml" >"$T/b.toml"
"$BIN/dse-run" "$T/a.toml" --workers 1 --output "$T/refa" -q || fail "reference a"
"$BIN/dse-run" "$T/b.toml" --workers 1 --output "$T/refb" -q || fail "reference b"
cmp -s "$T/refa/pareto_layers.csv" "$T/refb/pareto_layers.csv" && fail "the two jobs should differ"
start_coordinator
start_worker "$WEP"
start_worker "$WEP"
"$BIN/dse-run" "$T/a.toml" --client-endpoint "$CEP" --output "$T/outa" -q &
A=$!
"$BIN/dse-run" "$T/b.toml" --client-endpoint "$CEP" --output "$T/outb" -q &
B=$!
PIDS="$PIDS $A $B"
wait_pid $A 120 || fail "job a"
wait_pid $B 120 || fail "job b"
same_outputs "$T/refa" "$T/outa"
same_outputs "$T/refb" "$T/outb"
