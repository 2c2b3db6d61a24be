#!/bin/sh
# layering.sh - checks the layering of the library from its object files.
#
#   sh tools/layering.sh OBJ...      (make layering; part of make test)
#   sh tools/layering.sh --self-test (checks that the checker catches faults)
#
# Reads each object's symbols with nm: an undefined symbol that another of
# the given objects defines is an edge from the first to the second. Fails
# (exit 1, each fault on stderr) on
#   - an edge from a folder to a folder above it in LAYERS (a lower layer
#     using a higher one), or to a folder LAYERS does not list;
#   - a cycle between object files (found by tsort);
#   - a cycle between folders.
# Objects live in BUILD/FOLDER/NAME.o; the folder is the path's second-last
# component.
set -u
LAYERS="core kernels hwmodels config eval search outputs worker coordinator"

check() {
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/dse-layering.XXXXXX")
    for o in "$@"; do
        [ -f "$o" ] || { echo "layering: no object $o" >&2; rm -rf "$tmp"; return 1; }
        nm -P "$o" | awk -v o="$o" '
            $2 == "U" { print "U", o, $1; next }
            $2 ~ /^[TDBRGSCVW]$/ { print "D", o, $1 }'
    done > "$tmp/syms"
    awk -v layers="$LAYERS" '
        function folder(p,  n, a) { n = split(p, a, "/"); return n >= 2 ? a[n - 1] : "." }
        BEGIN { n = split(layers, L, " "); for (i = 1; i <= n; i++) rank[L[i]] = i }
        $1 == "D" { def[$3] = $2; next }
        $1 == "U" { use[++nu] = $2 " " $3 }
        END {
            bad = 0
            for (i = 1; i <= nu; i++) {
                split(use[i], u, " ")
                if (!(u[2] in def) || def[u[2]] == u[1])
                    continue
                a = u[1]; b = def[u[2]]; fa = folder(a); fb = folder(b)
                print a, b > "/dev/stdout"
                if (fa != fb)
                    print fa, fb > "'"$tmp"'/folders"
                key = fa SUBSEP fb
                if (fa == fb || seen[key]++)
                    continue
                if (!(fa in rank) || !(fb in rank)) {
                    printf "layering: %s uses %s (%s): folder %s is not in the layers (%s)\n",
                           a, b, u[2], !(fa in rank) ? fa : fb, layers > "/dev/stderr"
                    bad = 1
                } else if (rank[fa] < rank[fb]) {
                    printf "layering: %s uses %s (%s): %s is below %s\n", a, b, u[2], fa, fb \
                           > "/dev/stderr"
                    bad = 1
                }
            }
            exit bad
        }' "$tmp/syms" > "$tmp/files"
    rc=$?
    touch "$tmp/folders"
    if ! sort -u "$tmp/files" | tsort > /dev/null 2> "$tmp/loop"; then
        echo "layering: a cycle between object files:" >&2
        sed 's/^tsort: /  /' "$tmp/loop" >&2
        rc=1
    fi
    if ! sort -u "$tmp/folders" | tsort > /dev/null 2> "$tmp/loop"; then
        echo "layering: a cycle between folders:" >&2
        sed 's/^tsort: /  /' "$tmp/loop" >&2
        rc=1
    fi
    [ "$rc" = 0 ] && echo "layering: $# objects, $(sort -u "$tmp/files" | wc -l) edges, no" \
        "cycle, each folder uses only those before it: $(echo "$LAYERS" | sed 's/ / < /g')"
    rm -rf "$tmp"
    return "$rc"
}

self_test() {
    d=$(mktemp -d "${TMPDIR:-/tmp}/dse-layering-self.XXXXXX")
    mkdir -p "$d/core" "$d/search"
    CC=${CC:-cc}
    obj() { printf '%s\n' "$2" > "$d/$1.c" && "$CC" -c "$d/$1.c" -o "$d/$1.o" || exit 1; }
    obj core/a 'int b(void); int a(void) { return 1; } int a2(void) { return b(); }'
    obj core/b 'int a(void); int b(void) { return a(); }'
    obj search/s 'int a(void); int s(void) { return a(); }'
    obj core/up 'int s(void); int up(void) { return s(); }'
    fails=0
    check "$d/core/a.o" "$d/search/s.o" > /dev/null 2>&1 || { echo "self-test: a clean pair failed"; fails=1; }
    check "$d/core/a.o" "$d/core/b.o" > /dev/null 2> "$d/err1" && { echo "self-test: missed a file cycle"; fails=1; }
    grep -q "cycle between object files" "$d/err1" || { echo "self-test: no cycle message"; fails=1; }
    check "$d/core/up.o" "$d/search/s.o" "$d/core/a.o" > /dev/null 2> "$d/err2" && \
        { echo "self-test: missed an upward edge"; fails=1; }
    grep -q "core is below search" "$d/err2" || { echo "self-test: no upward-edge message"; fails=1; }
    rm -rf "$d"
    [ "$fails" = 0 ] && echo "layering: self-test passed (a clean pair, a file cycle, an upward edge)"
    return "$fails"
}

case "${1:-}" in
--self-test) self_test ;;
"") echo "usage: layering.sh OBJ... | --self-test" >&2; exit 2 ;;
*) check "$@" ;;
esac
