# Ports and the cluster connection: a coordinator binds ports the system
# picks and reports them; one that cannot bind fails at once; an endpoint
# without its transport is a usage error with an example; dse-run counts down
# on a terminal while no coordinator answers, and says "waiting for workers:
# 0 connected" (as does the coordinator's log) when a job has no worker.
. tests/integration/lib.sh
slow_job "$T/job.toml" 8
start_coordinator
case "$WEP" in tcp://127.0.0.1:[0-9]*) ;; *) fail "worker endpoint not resolved: $WEP";; esac
case "$CEP" in tcp://127.0.0.1:[0-9]*) ;; *) fail "client endpoint not resolved: $CEP";; esac
grep -q "workers connect to $WEP" "$T/coordinator.log" || fail "the log does not name the worker endpoint"
grep -q "clients connect to $CEP" "$T/coordinator.log" || fail "the log does not name the client endpoint"

note "a port already bound: exit 1 at once, with the reason"
timeout 10 "$BIN/dse-coordinator" --bind "$WEP" --client-bind "tcp://127.0.0.1:*" 2>"$T/bind.err"
rc=$?
[ $rc -eq 1 ] || fail "second bind of $WEP: exit $rc, expected 1 (124 = it hung)"
grep -q "cannot bind $WEP" "$T/bind.err" || { cat "$T/bind.err"; fail "bind failure: message"; }
grep -q "port \* lets the system pick" "$T/bind.err" || fail "bind failure: no advice"

note "endpoints without their transport: exit 2 with an example"
"$BIN/dse-run" "$T/job.toml" --coordinator localhost:5555 2>"$T/e1"; rc=$?
[ $rc -eq 2 ] || fail "dse-run --coordinator localhost:5555: exit $rc, expected 2"
grep -q "did you mean tcp://localhost:5555" "$T/e1" || { cat "$T/e1"; fail "dse-run: no example"; }
"$BIN/dse-worker" --connect 127.0.0.1:5555 2>"$T/e2"; rc=$?
[ $rc -eq 2 ] || fail "dse-worker --connect 127.0.0.1:5555: exit $rc, expected 2"
grep -q "did you mean tcp://127.0.0.1:5555" "$T/e2" || fail "dse-worker: no example"
"$BIN/dse-coordinator" --bind '*:5555' 2>"$T/e3"; rc=$?
[ $rc -eq 2 ] || fail "dse-coordinator --bind *:5555: exit $rc, expected 2"
"$BIN/dse-run" --help | grep -q "5556, the next one" || fail "dse-run --help does not name both ports"
"$BIN/dse-coordinator" --help | grep -q "clients to 5556" || fail "dse-coordinator --help does not name both ports"

note "a job on a coordinator with no workers"
"$BIN/dse-run" "$T/job.toml" --client-endpoint "$CEP" --coordinator "$WEP" --output "$T/none" \
    2>"$T/none.err" &
RUN=$!
PIDS="$PIDS $RUN"
n=0
until grep -q "waiting for workers: 0 connected (they connect to $WEP)" "$T/none.err"; do
    n=$((n + 1)); [ $n -gt 150 ] && { cat "$T/none.err"; fail "dse-run did not say it waits for workers"; }
    sleep 0.1
done
grep -q "waiting for workers: 0 connected (workers connect to $WEP)" "$T/coordinator.log" ||
    fail "the coordinator's log does not say it waits for workers"
kill -INT $RUN
wait_pid $RUN 20; rc=$?
[ $rc -eq 130 ] || fail "interrupted wait: exit $rc"
start_worker "$WEP"
"$BIN/dse-run" "$T/job.toml" --client-endpoint "$CEP" --output "$T/one" -q || fail "the job with a worker"
[ -s "$T/one/pareto_layers.csv" ] || fail "no outputs with a worker"

note "no coordinator: a countdown on a terminal, then a clear error"
if python3 -c 'import pty' 2>/dev/null; then
    python3 -c 'import pty, sys; sys.exit(pty.spawn(sys.argv[1:]) >> 8)' \
        "$BIN/dse-run" "$T/job.toml" --client-endpoint "ipc://$T/nobody.ipc" --timeout 3 \
        --output "$T/never" >"$T/tty.out" 2>&1
    rc=$?
    [ $rc -eq 1 ] || { cat "$T/tty.out"; fail "no coordinator: exit $rc, expected 1"; }
    grep -q "waiting for the coordinator at ipc://$T/nobody.ipc: giving up in [12] s" "$T/tty.out" ||
        { cat "$T/tty.out"; fail "no countdown on a terminal"; }
    grep -q "no answer from the coordinator at ipc://$T/nobody.ipc" "$T/tty.out" ||
        fail "no final message"
else
    echo "SKIPPED the terminal part: python3 has no pty module"
fi
exit 0
