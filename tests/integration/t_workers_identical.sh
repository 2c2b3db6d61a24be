# The same job with 1, 2 and 4 workers, embedded and external, gives
# byte-identical CSVs.
. tests/integration/lib.sh
slow_job "$T/job.toml"
for n in 1 2 4; do
    note "embedded, $n workers"
    "$BIN/dse-run" "$T/job.toml" --workers $n --output "$T/emb$n" -q || fail "embedded $n"
done
same_outputs "$T/emb1" "$T/emb2"
same_outputs "$T/emb1" "$T/emb4"
[ "$(json_field "$T/emb4/summary.json" workers_seen)" -ge 2 ] || fail "4 workers: fewer than 2 seen"

start_coordinator
for i in 1 2; do start_worker "$WEP"; done
note "external coordinator, 2 workers"
"$BIN/dse-run" "$T/job.toml" --client-endpoint "$CEP" --output "$T/ext" -q \
    || fail "external run"
same_outputs "$T/emb1" "$T/ext"
note "outputs identical"
