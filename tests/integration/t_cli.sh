# Bad input on the command line and in configs: a clear message with the
# position, a non-zero exit, nothing written. Ctrl-C writes no output (it keeps the
# run's state for --resume).
. tests/integration/lib.sh
"$BIN/dse-run" >/dev/null 2>&1; [ $? -eq 2 ] || fail "no arguments: exit 2"
"$BIN/dse-run" x.toml --bogus >/dev/null 2>&1; [ $? -eq 2 ] || fail "unknown option: exit 2"
"$BIN/dse-worker" >/dev/null 2>&1; [ $? -eq 2 ] || fail "worker without --connect: exit 2"
note "one option table for every program: the same errors, naming the option and the value"
"$BIN/dse-run" x.toml --bogus 2>"$T/err"
grep -q "^dse-run: unknown option '--bogus'$" "$T/err" || { cat "$T/err"; fail "unknown option: message"; }
grep -q "^  --workers N  *local workers" "$T/err" || fail "unknown option: no usage after it"
"$BIN/dse-run" x.toml --workers 2>"$T/err"; [ $? -eq 2 ] || fail "missing value: exit 2"
grep -q "^dse-run: --workers needs a value (N)$" "$T/err" || { cat "$T/err"; fail "missing value: message"; }
"$BIN/dse-run" x.toml --workers=2.5 2>"$T/err"; [ $? -eq 2 ] || fail "--workers=2.5: exit 2"
grep -q "^dse-run: --workers takes a whole number from 1 to 1024 (got '2.5')$" "$T/err" ||
    { cat "$T/err"; fail "--workers=2.5: message"; }
"$BIN/dse-run" x.toml --check=yes 2>"$T/err"; [ $? -eq 2 ] || fail "a flag with a value: exit 2"
grep -q "^dse-run: --check takes no value (got '--check=yes')$" "$T/err" || { cat "$T/err"; fail "flag with a value: message"; }
"$BIN/dse-worker" --connect "ipc://$T/w" --threads many 2>"$T/err"; [ $? -eq 2 ] || fail "worker --threads many: exit 2"
grep -q "^dse-worker: --threads takes a whole number from 1 to 1024 (got 'many')$" "$T/err" || { cat "$T/err"; fail "worker bad number: message"; }
"$BIN/dse-worker" --connect "ipc://$T/w" --bogus 2>"$T/err"; [ $? -eq 2 ] || fail "worker unknown option: exit 2"
grep -q "^dse-worker: unknown option '--bogus'$" "$T/err" || { cat "$T/err"; fail "worker unknown option: message"; }
"$BIN/dse-coordinator" --heartbeat 0 2>"$T/err"; [ $? -eq 2 ] || fail "coordinator --heartbeat 0: exit 2"
grep -q "^dse-coordinator: --heartbeat takes a number from 0.01 to 3600 (got '0')$" "$T/err" || { cat "$T/err"; fail "coordinator bad number: message"; }
"$BIN/dse-coordinator" --max-attempts 2>"$T/err"; [ $? -eq 2 ] || fail "coordinator missing value: exit 2"
grep -q "^dse-coordinator: --max-attempts needs a value (N)$" "$T/err" || { cat "$T/err"; fail "coordinator missing value: message"; }
"$BIN/dse-kernel-timer" --op=pw --cin=0 --cout=4 2>"$T/err"; [ $? -eq 2 ] || fail "kernel-timer --cin=0: exit 2"
grep -q "^dse-kernel-timer: --cin takes a whole number from 1 to 65536 (got '0')$" "$T/err" || { cat "$T/err"; fail "kernel-timer bad number: message"; }
"$BIN/dse-keygen" --bogus 2>"$T/err"; [ $? -eq 2 ] || fail "keygen unknown option: exit 2"
grep -q "^dse-keygen: unknown option '--bogus'$" "$T/err" || { cat "$T/err"; fail "keygen unknown option: message"; }
# the help is generated from the table: every option once, and exit 0
for p in dse-run dse-coordinator dse-worker dse-keygen dse-kernel-timer; do
    "$BIN/$p" --help >"$T/help" || fail "$p --help: exit $?"
    grep -q "^  -h, --help  *this text$" "$T/help" || fail "$p --help: no generated option lines"
done
"$BIN/dse-worker" --help | grep -q "^  --allow-command\[=PROG\]  *run the commands" || fail "dse-worker --help: --allow-command"
"$BIN/dse-run" /nonexistent.toml 2>"$T/err"; [ $? -eq 1 ] || fail "missing file: exit 1"
grep -q "cannot open" "$T/err" || fail "missing file: message"
printf '[job]\noutput = "%s/never"\n[target]\nmodel = "testfn"\n[workload]\n[[workload.layer]]\nname = "a"\nop = "elementwise"\nin_shape = [1]\nn = 1\n' "$T" >"$T/bad.toml"
"$BIN/dse-run" "$T/bad.toml" 2>"$T/err"; [ $? -eq 1 ] || fail "bad config: exit 1"
grep -q "bad.toml:10:5: 'n' = 1 is out of range" "$T/err" || { cat "$T/err"; fail "bad config: message"; }
[ -e "$T/never" ] && fail "a bad config wrote something"
note "a bind beyond loopback needs --insecure (refused before any socket is opened)"
"$BIN/dse-coordinator" --bind "tcp://0.0.0.0:5555" 2>"$T/err"; [ $? -eq 1 ] || fail "0.0.0.0: exit 1"
grep -q "^refusing to bind tcp://0.0.0.0:.*give --insecure" "$T/err" || { cat "$T/err"; fail "0.0.0.0: message"; }
note "oversized input"
timeout 20 "$BIN/dse-run" /dev/zero 2>"$T/err"; [ $? -eq 1 ] || fail "/dev/zero: exit 1"
grep -q "^/dev/zero: larger than 16777216 bytes" "$T/err" || { cat "$T/err"; fail "/dev/zero: message"; }
# five layers of a million values each: 600 bytes of TOML, over 100 MB of canonical text
{ printf '[job]\noutput = "%s/never"\n[target]\nmodel = "testfn"\n[workload]\n' "$T"
  for i in 1 2 3 4 5; do
      printf '[[workload.layer]]\nname = "l%s"\nop = "elementwise"\nin_shape = [1]\nn = 1000000\n' $i
  done; } >"$T/amp.toml"
timeout 60 "$BIN/dse-run" "$T/amp.toml" 2>"$T/err"; [ $? -eq 1 ] || fail "expanding job: exit 1"
grep -q "amp.toml:6:1: layer 'l1': the domains of the job up to this layer list .* bytes of values, more than the 15728640" "$T/err" ||
    { cat "$T/err"; fail "expanding job: message"; }
[ -e "$T/never" ] && fail "an oversized job wrote something"
"$BIN/dse-run" --check configs/quickstart.toml >"$T/check" || fail "--check quickstart"
grep -q "^total: " "$T/check" || fail "--check prints the total"
note "Ctrl-C"
slow_job "$T/job.toml" 60
"$BIN/dse-run" "$T/job.toml" --workers 2 --output "$T/int" -q &
RUN=$!
PIDS="$PIDS $RUN"
sleep 1
# this run's own workers (not every dse-worker on the machine: other runs may
# be going on beside this one)
KIDS=$(pgrep -P $RUN)
[ -n "$KIDS" ] || fail "no embedded workers found under dse-run"
kill -INT $RUN
wait_pid $RUN 20; rc=$?
[ $rc -eq 130 ] || fail "Ctrl-C: exit $rc, expected 130"
# no output file; only the run's state, for dse-run --resume (t_resume)
[ "$(ls -A "$T/int")" = ".dse-state" ] || fail "Ctrl-C left more than the run's state: $(ls -A "$T/int")"
sleep 0.5
for k in $KIDS; do kill -0 "$k" 2>/dev/null && fail "embedded worker $k survived Ctrl-C"; done
note "a failed submit leaves no folder"
"$BIN/dse-run" "$T/job.toml" --client-endpoint "ipc://$T/nobody.ipc" --timeout 1 \
    --output "$T/failed/sub" -q 2>"$T/err"; [ $? -eq 1 ] || fail "failed submit: exit 1"
[ -e "$T/failed" ] && fail "a failed submit left a folder behind"
: >"$T/afile"
"$BIN/dse-run" "$T/job.toml" --output "$T/afile/out" -q 2>"$T/err"; [ $? -eq 1 ] || fail "output below a file: exit 1"
grep -q "afile: not a folder" "$T/err" || { cat "$T/err"; fail "output below a file: message"; }
note "a run replaces every file the tool owns in its folder"
slow_job "$T/small.toml" 6
"$BIN/dse-run" configs/cnv-w1a1-pynq.toml --workers 1 --output "$T/same" -q || fail "finn run"
[ -s "$T/same/folding_config.json" ] || fail "finn run: no folding_config.json"
"$BIN/dse-run" "$T/small.toml" --workers 1 --dump-all --output "$T/same" -q || fail "dump-all run"
[ -e "$T/same/folding_config.json" ] && fail "another job's folding_config.json stayed"
[ -s "$T/same/all_points.csv" ] || fail "no all_points.csv with --dump-all"
echo "mine" >"$T/same/notes.txt"
"$BIN/dse-run" "$T/small.toml" --workers 1 --output "$T/same" -q || fail "plain run"
[ -e "$T/same/all_points.csv" ] && fail "a stale all_points.csv stayed"
[ "$(cat "$T/same/notes.txt")" = mine ] || fail "a file the tool does not own was touched"
note "the digest does not depend on --output"
"$BIN/dse-run" "$T/small.toml" --workers 1 --output "$T/other" -q || fail "run into another folder"
d1=$(sed -n 's/.*"digest": "\([0-9a-f]*\)".*/\1/p' "$T/same/summary.json")
d2=$(sed -n 's/.*"digest": "\([0-9a-f]*\)".*/\1/p' "$T/other/summary.json")
[ -n "$d1" ] && [ "$d1" = "$d2" ] || fail "digests differ with --output: '$d1' vs '$d2'"
exit 0
