#!/bin/sh
# layering.sh - checks the layering of the library from its object files.
#
#   sh tools/layering.sh OBJ...      (make layering; part of make test)
#   sh tools/layering.sh --includes  (the same order for #include "FOLDER/...")
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

# Removes a folder this script made with mktemp, and nothing else.
s_rm_tmp() {
    case "$1" in
    "${TMPDIR:-/tmp}"/dse-layering*.??????) rm -rf "$1" ;;
    *) echo "layering: not removing $1" >&2 ;;
    esac
}

check() {
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/dse-layering.XXXXXX")
    for o in "$@"; do
        [ -f "$o" ] || { echo "layering: no object $o" >&2; s_rm_tmp "$tmp"; return 1; }
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
    s_rm_tmp "$tmp"
    return "$rc"
}

# Source files of the layer folders under root $1 (default .): an #include
# of a header in a folder after the file's own is a fault.
includes() {
    root=${1:-.}
    rc=0
    n=0
    for layer in $LAYERS; do
        for f in "$root/$layer"/*.c "$root/$layer"/*.h; do
            [ -f "$f" ] || continue
            n=$((n + 1))
            out=$(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([a-z_]*\)\/.*/\1/p' "$f" |
                  sort -u | awk -v layers="$LAYERS" -v me="$layer" -v f="$f" '
                BEGIN { n = split(layers, L, " "); for (i = 1; i <= n; i++) rank[L[i]] = i }
                ($1 in rank) && rank[$1] > rank[me] {
                    printf "layering: %s includes a header of %s, which is after %s\n", f, $1, me }')
            [ -n "$out" ] && { echo "$out" >&2; rc=1; }
        done
    done
    [ "$rc" = 0 ] && echo "layering: $n sources include only headers of their folder or before"
    return "$rc"
}

self_test() {
    st_dir=$(mktemp -d "${TMPDIR:-/tmp}/dse-layering-self.XXXXXX") || return 1
    mkdir -p "$st_dir/core" "$st_dir/search"
    CC=${CC:-cc}
    obj() { printf '%s\n' "$2" > "$st_dir/$1.c" && "$CC" -c "$st_dir/$1.c" -o "$st_dir/$1.o" || exit 1; }
    obj core/a 'int b(void); int a(void) { return 1; } int a2(void) { return b(); }'
    obj core/b 'int a(void); int b(void) { return a(); }'
    obj search/s 'int a(void); int s(void) { return a(); }'
    obj core/up 'int s(void); int up(void) { return s(); }'
    fails=0
    check "$st_dir/core/a.o" "$st_dir/search/s.o" > /dev/null 2>&1 || { echo "self-test: a clean pair failed"; fails=1; }
    check "$st_dir/core/a.o" "$st_dir/core/b.o" > /dev/null 2> "$st_dir/err1" && { echo "self-test: missed a file cycle"; fails=1; }
    grep -q "cycle between object files" "$st_dir/err1" || { echo "self-test: no cycle message"; fails=1; }
    check "$st_dir/core/up.o" "$st_dir/search/s.o" "$st_dir/core/a.o" > /dev/null 2> "$st_dir/err2" && \
        { echo "self-test: missed an upward edge"; fails=1; }
    grep -q "core is below search" "$st_dir/err2" || { echo "self-test: no upward-edge message"; fails=1; }
    mkdir -p "$st_dir/src/core" "$st_dir/src/search"
    printf '#include "core/a.h"\n' > "$st_dir/src/search/s.c"
    includes "$st_dir/src" > /dev/null 2>&1 || { echo "self-test: a downward include failed"; fails=1; }
    printf '#include "search/s.h"\n' > "$st_dir/src/core/up.c"
    includes "$st_dir/src" > /dev/null 2> "$st_dir/err3" && { echo "self-test: missed an upward include"; fails=1; }
    grep -q "includes a header of search" "$st_dir/err3" || { echo "self-test: no include message"; fails=1; }
    s_rm_tmp "$st_dir"
    [ "$fails" = 0 ] && echo "layering: self-test passed (a clean pair, a file cycle, an upward" \
        "edge, an upward include)"
    return "$fails"
}

case "${1:-}" in
--self-test) self_test ;;
--includes) includes "${2:-.}" ;;
"") echo "usage: layering.sh OBJ... | --includes [ROOT] | --self-test" >&2; exit 2 ;;
*) check "$@" ;;
esac
