#!/bin/sh
# toml-test.sh DECODER - runs the TOML 1.0.0 conformance corpus (toml-test)
# against DECODER (build/toml-decoder).
#
# The corpus is $TOML_TEST_DIR, else ../shared/toml-test beside the repo root.
# Every case in its files-toml-1.0.0 runs under `timeout 10`: a valid case must
# exit 0 with nothing on stderr and print JSON equal (as a tree, see
# tests/toml_compare.py) to the expected .json; an invalid case must exit 1.
# Exits 0 when every case passes (or the corpus is absent: SKIPPED).
set -u

if [ $# -ne 1 ]; then
    echo "usage: sh tests/toml-test.sh DECODER" >&2
    exit 2
fi
case $1 in
    /*) dec=$1 ;;
    *) dec=$(pwd)/$1 ;;
esac
root=$(cd "$(dirname "$0")/.." && pwd)
corpus=${TOML_TEST_DIR:-$root/../shared/toml-test}

if [ ! -f "$corpus/files-toml-1.0.0" ]; then
    echo "toml-test: corpus not found at $corpus, SKIPPED"
    exit 0
fi
if [ ! -x "$dec" ]; then
    echo "toml-test: decoder $dec not found or not executable" >&2
    exit 2
fi
command -v python3 >/dev/null 2>&1 || { echo "toml-test: python3 is required" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/toml-test.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM

vpass=0 vfail=0 ipass=0 ifail=0 n=0
: >"$tmp/compare.list"
while IFS= read -r case_path; do
    case $case_path in
        *.toml) ;;
        *) continue ;;
    esac
    name=${case_path%.toml}
    file=$corpus/tests/$case_path
    n=$((n + 1))
    out=$tmp/$n.out
    errf=$tmp/$n.err
    timeout 10 "$dec" <"$file" >"$out" 2>"$errf"
    rc=$?
    case $name in
        valid/*)
            if [ "$rc" -eq 124 ]; then
                echo "FAIL $name: timed out"
                vfail=$((vfail + 1))
            elif [ "$rc" -ne 0 ]; then
                echo "FAIL $name: exit status $rc, expected 0: $(head -c 300 "$errf")"
                vfail=$((vfail + 1))
            elif [ -s "$errf" ]; then
                echo "FAIL $name: wrote to stderr: $(head -c 300 "$errf")"
                vfail=$((vfail + 1))
            else
                printf '%s\t%s\t%s\n' "$name" "$corpus/tests/$name.json" "$out" >>"$tmp/compare.list"
            fi
            ;;
        invalid/*)
            if [ "$rc" -eq 1 ]; then
                ipass=$((ipass + 1))
            elif [ "$rc" -eq 124 ]; then
                echo "FAIL $name: timed out"
                ifail=$((ifail + 1))
            elif [ "$rc" -eq 0 ]; then
                echo "FAIL $name: accepted an invalid document"
                ifail=$((ifail + 1))
            else
                echo "FAIL $name: exit status $rc, expected 1"
                ifail=$((ifail + 1))
            fi
            ;;
    esac
done <"$corpus/files-toml-1.0.0"

ncmp=$(wc -l <"$tmp/compare.list")
python3 "$root/tests/toml_compare.py" "$tmp/compare.list" >"$tmp/compare.out"
cat "$tmp/compare.out"
cfail=$(grep -c '^FAIL ' "$tmp/compare.out")
vfail=$((vfail + cfail))
vpass=$((ncmp - cfail))

echo "toml-test: valid: $vpass passed, $vfail failed"
echo "toml-test: invalid: $ipass passed, $ifail failed"
echo "toml-test: $((vpass + ipass)) passed, $((vfail + ifail)) failed"
[ $((vfail + ifail)) -eq 0 ]
