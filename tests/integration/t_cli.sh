# Bad input on the command line and in configs: a clear message with the
# position, a non-zero exit, nothing written. Ctrl-C leaves no file behind.
. tests/integration/lib.sh
"$BIN/dse-run" >/dev/null 2>&1; [ $? -eq 2 ] || fail "no arguments: exit 2"
"$BIN/dse-run" x.toml --bogus >/dev/null 2>&1; [ $? -eq 2 ] || fail "unknown option: exit 2"
"$BIN/dse-worker" >/dev/null 2>&1; [ $? -eq 2 ] || fail "worker without --connect: exit 2"
"$BIN/dse-run" /nonexistent.toml 2>"$T/err"; [ $? -eq 1 ] || fail "missing file: exit 1"
grep -q "cannot open" "$T/err" || fail "missing file: message"
printf '[job]\noutput = "%s/never"\n[target]\nmodel = "testfn"\n[workload]\n[[workload.layer]]\nname = "a"\nop = "elementwise"\nin_shape = [1]\nn = 1\n' "$T" >"$T/bad.toml"
"$BIN/dse-run" "$T/bad.toml" 2>"$T/err"; [ $? -eq 1 ] || fail "bad config: exit 1"
grep -q "bad.toml:10:5: 'n' = 1 is out of range" "$T/err" || { cat "$T/err"; fail "bad config: message"; }
[ -e "$T/never" ] && fail "a bad config wrote something"
note "a bind beyond loopback needs --insecure (refused before any socket is opened)"
"$BIN/dse-coordinator" --bind "tcp://0.0.0.0:$(pick_port)" 2>"$T/err"; [ $? -eq 1 ] || fail "0.0.0.0: exit 1"
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
kill -INT $RUN
wait_pid $RUN 20; rc=$?
[ $rc -eq 130 ] || fail "Ctrl-C: exit $rc, expected 130"
[ -z "$(ls "$T/int" 2>/dev/null)" ] || fail "Ctrl-C left files: $(ls "$T/int")"
sleep 0.5
# only this build's workers: other checkouts may run tests on the same machine
pgrep -af "$BIN/dse-worker --connect tcp://127.0.0.1" | grep -q " --death-timeout 30" && fail "embedded workers survived Ctrl-C"
exit 0
