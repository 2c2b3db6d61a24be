#!/bin/sh
# The network fronts of two builds, config by config: the composition's
# digest (bench-compose: FNV-1a over every metric and chosen point index of
# every row, so any change of a value, a tie or the row order shows) and
# its CPU seconds side by side, with the speed-up. Exits non-zero when a
# digest differs.
#
#   OLD=/path/to/old/build [NEW=build] sh bench/compose-digests.sh [CONFIG...]
#
# (default: every shipped config under configs/ but the huge one, plus the
# 6-pruning-ratio CNV variant of bench/compose.sh). Run from the repository
# root; configs whose layer search takes long are skipped by a timeout of
# TIMEOUT seconds (default 300) per run, and said so.
NEW=${NEW:-build}
: "${OLD:?set OLD to the build directory of the other version}"
TIMEOUT=${TIMEOUT:-300}
out=$(mktemp -d "${TMPDIR:-/tmp}/dse-digests-XXXXXX")
trap 'rm -rf "$out"' EXIT
mkdir -p "$out/configs"
cp -r configs/hw "$out/configs/hw"
if [ $# -eq 0 ]; then
    sed 's/^prune = .*/prune = [0.0, 0.15, 0.3, 0.45, 0.6, 0.75]/' configs/cnv-w2a2-pynq.toml \
        >"$out/configs/cnv-w2a2-6ratios.toml"
    set -- $(ls configs/*.toml | grep -v huge) "$out/configs/cnv-w2a2-6ratios.toml"
fi
rc=0
for c in "$@"; do
    a=$(timeout "$TIMEOUT" "$OLD/bench-compose" "$c" 2>&1 | tail -1)
    b=$(timeout "$TIMEOUT" "$NEW/bench-compose" "$c" 2>&1 | tail -1)
    da=$(echo "$a" | sed -n 's/.*digest \([0-9a-f]*\).*/\1/p')
    db=$(echo "$b" | sed -n 's/.*digest \([0-9a-f]*\).*/\1/p')
    ca=$(echo "$a" | sed -n 's/.*(CPU \([0-9.]*\) s).*/\1/p')
    cb=$(echo "$b" | sed -n 's/.*(CPU \([0-9.]*\) s).*/\1/p')
    name=$(basename "$c")
    if [ -z "$da" ] || [ -z "$db" ]; then
        if [ "$(echo "$a" | sed 's/failed after [0-9.]* s//')" = "$(echo "$b" | sed 's/failed after [0-9.]* s//')" ] &&
            echo "$a" | grep -q "failed after"; then
            echo "digest $name: both refuse: $(echo "$b" | sed 's/.*failed after [0-9.]* s: //' | cut -c1-100)..."
        else
            echo "digest $name: no digest to compare (old: $(echo "$a" | cut -c1-120); new: $(echo "$b" | cut -c1-120))"
            [ -n "$da$db" ] && rc=1
        fi
        continue
    fi
    if [ "$da" = "$db" ]; then
        echo "digest $name: same ($db), compose CPU $ca s -> $cb s ($(awk -v a="$ca" -v b="$cb" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'))"
    else
        echo "digest $name: DIFFERENT: old $da, new $db"
        rc=1
    fi
done
exit $rc
