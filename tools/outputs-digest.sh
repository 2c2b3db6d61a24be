#!/bin/sh
# Prints one line per output file of every shipped job: "RUN/FILE SHA256", with
# what depends on the machine's timing taken out: summary.json's wall_seconds,
# compose_seconds, workers_seen, units (sized by the measured rate),
# units_reissued (idle workers at the end), and the counts evaluated,
# infeasible and skipped (skipping depends on where units split; feasible and
# points stay); fidelity.csv's numbers rounded to 12 digits.
# Two builds whose listings are equal wrote byte-identical outputs on every
# configs/*.toml (resnet8-train-huge with a budget instead of seconds), plus the
# other strategies, the finn baselines run as strategies, the opt-in outputs
# and the measured jobs (the fake simulator, no cache).
#
#   BUILD=build sh tools/outputs-digest.sh > after.txt
#   sh tools/outputs-digest.sh --compare before.txt     # exit 1 on any change
#
# To compare against another commit: build it in a second worktree, run this
# script there with its BUILD, and --compare here. Runs take about a minute.
set -u
BUILD=${BUILD:-build}
compare=
if [ "${1:-}" = "--compare" ]; then compare=${2:?--compare needs a file}; fi
for b in dse-run dse-worker dse-fake-sim; do
    [ -x "$BUILD/$b" ] || { echo "outputs-digest: no $BUILD/$b (make all first)" >&2; exit 2; }
done
out=$(mktemp -d "${TMPDIR:-/tmp}/dse-digest.XXXXXX")
trap 'rm -rf "$out"' EXIT INT TERM
list="$out/list.txt"
: > "$list"
fail=0

# run NAME CONFIG [dse-run options...]
run() {
    name=$1; cfg=$2; shift 2
    d="$out/runs/$name"
    mkdir -p "$d"
    rc=0
    timeout 300 "$BUILD/dse-run" "$cfg" --output "$d" --workers 2 -q "$@" \
        > "$out/$name.log" 2>&1 || rc=$?
    if [ "$rc" != 0 ]; then
        # exit 3 (quarantined units) is an outcome worth comparing too
        echo "$name/exit $rc" >> "$list"
        [ "$rc" = 3 ] || { echo "outputs-digest: $name failed ($rc):" >&2; \
                           tail -5 "$out/$name.log" >&2; fail=1; }
    fi
    for f in $(cd "$d" && find . -type f | LC_ALL=C sort); do
        if [ "${f##*/}" = summary.json ]; then
            sum=$(grep -v '"wall_seconds"\|"compose_seconds"\|"workers_seen"\|"units"\|"units_reissued"' "$d/$f" |
                  sed -E 's/"(evaluated|infeasible|skipped)": [0-9]+(, )?//g' | sha256sum)
        elif [ "${f##*/}" = fidelity.csv ]; then
            # its means are summed in the order the points arrive: the last
            # digit of a double moves from run to run (known, left as is)
            sum=$(awk -F, -v OFS=, '{ for (i = 1; i <= NF; i++)
                    if ($i ~ /^-?[0-9]+\.[0-9]+(e[-+]?[0-9]+)?$/) $i = sprintf("%.12g", $i)
                  print }' "$d/$f" | sha256sum)
        else
            sum=$(sha256sum < "$d/$f")
        fi
        echo "$name/${f#./} ${sum%% *}" >> "$list"
    done
}

# variant NAME CONFIG 'SED EXPRESSION' [options]: the config with its strategy line edited
variant() {
    name=$1; cfg=$2; expr=$3; shift 3
    v="$out/$name.toml"
    sed "$expr" "$cfg" > "$v"
    # a job's relative paths (accuracy tables, hardware presets) name its own folder
    cp "$v" "$(dirname "$cfg")/.digest-$name.toml"
    run "$name" "$(dirname "$cfg")/.digest-$name.toml" "$@"
    rm -f "$(dirname "$cfg")/.digest-$name.toml"
}

for c in configs/*.toml; do
    n=$(basename "$c" .toml)
    [ "$n" = resnet8-train-huge ] && continue
    run "$n" "$c"
done
S='s/^strategy = "exhaustive"/strategy = "'
variant huge-nsga2 configs/resnet8-train-huge.toml 's/^seconds = 60/budget = 3000/'
variant quickstart-random configs/quickstart.toml "${S}random\"\nbudget = 2000/"
variant quickstart-nsga2 configs/quickstart.toml "${S}nsga2\"\nbudget = 3000/"
variant resnet8-nsga2 configs/resnet8-train.toml "${S}nsga2\"\nbudget = 3000\nseed = 7/"
variant cnv-setfolding configs/cnv-w1a1-pynq.toml "${S}setfolding\"/"
variant cnv-greedy configs/cnv-w2a2-pynq.toml "${S}greedy\"/"
variant cnv-random configs/cnv-w2a2-ultra96.toml "${S}random\"\nbudget = 500/"
run quickstart-all configs/quickstart.toml --dump-all --plot-layers
run testfn-all configs/testfn.toml --dump-all --plot-layers
run measured-fake configs/measured/autotuner-fake-gvsoc.toml --allow-command --no-cache
variant measured-refine configs/measured/autotuner-fake-gvsoc.toml \
    's/^\[search\]/[search]\nstrategy = "refine"/' --allow-command --no-cache

if [ -n "$compare" ]; then
    if diff -u "$compare" "$list"; then echo "outputs-digest: identical ($(wc -l < "$list") files)"
    else echo "outputs-digest: outputs differ" >&2; fail=1; fi
else
    cat "$list"
fi
exit $fail
