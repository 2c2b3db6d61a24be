#!/bin/sh
# Runs every tests/integration/t_*.sh, each under its own timeout, and prints
# "integration: N passed, N failed". BUILD names the build folder.
BUILD=${BUILD:-build}
export BUILD
pass=0
fail=0
failed=""
for t in tests/integration/t_*.sh; do
    [ -e "$t" ] || continue
    name=$(basename "$t" .sh)
    log="$BUILD/integration-$name.log"
    if timeout 600 sh "$t" >"$log" 2>&1; then
        pass=$((pass + 1))
        echo "ok   $name"
    else
        fail=$((fail + 1))
        failed="$failed $name"
        echo "FAIL $name (log: $log)"
        tail -n 30 "$log" | sed 's/^/    /'
    fi
done
echo "integration: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
