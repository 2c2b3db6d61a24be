# dse-run --resume: an embedded run keeps its state in OUT/.dse-state; after
# a kill -9 of dse-run (or Ctrl-C) the run continues from its merged units,
# and the outputs are byte-identical to an undisturbed run. Clear errors for
# a folder with no state and for a job whose text changed.
. tests/integration/lib.sh
slow_job "$T/job.toml" 50
"$BIN/dse-run" "$T/job.toml" --workers 1 --output "$T/ref" -q || fail "reference run"
# start_run OUT: dse-run in the background (RUN), returns once units are merged
start_run() {
    "$BIN/dse-run" "$T/job.toml" --workers 2 --output "$1" -q 2>"$T/run.err" &
    RUN=$!
    PIDS="$PIDS $RUN"
    n=0
    while [ "$(stat -c %s "$1/.dse-state/journal" 2>/dev/null || echo 0)" -lt 30000 ]; do
        n=$((n + 1)); [ $n -gt 600 ] && fail "the journal did not grow in 60 s"
        kill -0 $RUN 2>/dev/null || { cat "$T/run.err"; fail "the run ended before it could be stopped"; }
        sleep 0.1
    done
}
note "dse-run killed with -9, then dse-run --resume OUT"
start_run "$T/out"
kill -9 $RUN
wait $RUN 2>/dev/null
sleep 0.5 # its workers go with it (they are told when their parent dies)
[ "$(ls -A "$T/out")" = ".dse-state" ] || fail "the killed run left more than its state: $(ls -A "$T/out")"
note "a job whose text changed is refused"
sed 's/^f1_max = 0.8/f1_max = 0.5/' "$T/job.toml" >"$T/job2.toml"
"$BIN/dse-run" "$T/job2.toml" --resume --output "$T/out" -q 2>"$T/err"
[ $? -eq 1 ] || fail "a changed job: exit 1"
grep -q "cannot resume: the interrupted run kept here is of another job text" "$T/err" ||
    { cat "$T/err"; fail "a changed job: message"; }
[ -s "$T/out/.dse-state/journal" ] || fail "the refusal touched the state"
"$BIN/dse-run" --resume "$T/out" --workers 2 -q 2>"$T/err" || { cat "$T/err"; fail "--resume OUT"; }
same_outputs "$T/ref" "$T/out"
grep -q "resuming the interrupted run" "$T/err" || fail "--resume said nothing"
merged=$(sed -n 's/.*restored from .*: \([0-9]*\) of \([0-9]*\) units merged.*/\1 of \2/p' "$T/err")
note "resumed with $merged units merged before the kill"
[ -e "$T/out/.dse-state" ] && fail "a finished run left its state behind"
note "a folder with no state"
"$BIN/dse-run" --resume "$T/out" -q 2>"$T/err"
[ $? -eq 1 ] || fail "no state: exit 1"
grep -q "$T/out: no interrupted run to resume here" "$T/err" || { cat "$T/err"; fail "no state: message"; }
"$BIN/dse-run" "$T/job.toml" --resume --output "$T/ref" -q 2>"$T/err"
[ $? -eq 1 ] || fail "no state (config form): exit 1"
grep -q "no interrupted run to resume here" "$T/err" || { cat "$T/err"; fail "no state: message"; }
[ -e "$T/ref/.dse-state" ] && fail "a refused resume left a state behind"
note "Ctrl-C, then dse-run CONFIG --resume"
start_run "$T/int"
kill -INT $RUN
wait_pid $RUN 20; rc=$?
[ $rc -eq 130 ] || fail "Ctrl-C: exit $rc"
grep -q "dse-run --resume $T/int continues it" "$T/run.err" || { cat "$T/run.err"; fail "Ctrl-C: message"; }
"$BIN/dse-run" "$T/job.toml" --resume --output "$T/int" --workers 2 -q 2>"$T/err" ||
    { cat "$T/err"; fail "CONFIG --resume"; }
same_outputs "$T/ref" "$T/int"
note "killed, then the same command again: it resumes on its own"
start_run "$T/again"
kill -9 $RUN
wait $RUN 2>/dev/null
sleep 0.5
"$BIN/dse-run" "$T/job.toml" --output "$T/again" --workers 2 -q 2>"$T/err" || { cat "$T/err"; fail "run again"; }
grep -q "resuming the interrupted run" "$T/err" || fail "the same command did not resume"
same_outputs "$T/ref" "$T/again"
exit 0
