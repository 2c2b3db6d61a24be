# make: after a build, `make all` has nothing left to do (each benchmark is
# built once, its object is not deleted as an intermediate), and `make deps`
# says nothing when no package is missing.
. tests/integration/lib.sh
command -v make >/dev/null 2>&1 || { echo "SKIPPED: no make"; exit 0; }
[ -f Makefile ] || { echo "SKIPPED: not run from the checkout"; exit 0; }
for b in "$BIN"/bench-*; do
    [ -f "$b" ] && [ -x "$b" ] || continue
    o="$BIN/bench/$(basename "$b" | sed 's/^bench-//').o"
    [ -f "$o" ] || fail "$o was deleted after the build: the next make links $(basename "$b") again"
done
make -q BUILD="$BUILD" all || { make -n BUILD="$BUILD" all | head -5; fail "make all is not up to date right after the build"; }
out=$(make deps 2>&1) || fail "make deps failed: $out"
[ -z "$out" ] || fail "make deps printed something with nothing missing: $out"
exit 0
