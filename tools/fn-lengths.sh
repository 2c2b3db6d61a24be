#!/bin/sh
# Lists the functions of the project's C sources longer than a limit (default
# 100 lines), longest first: "LINES FILE: FIRST LINE OF THE DEFINITION".
# A definition is taken to start at a line that begins in column 0 with a
# name and a parenthesis and does not end with ';', and to end at the next
# '}' in column 0 (the project's style; see STYLE.md).
#
#   sh tools/fn-lengths.sh            # library and programs, not tests or benchmarks
#   sh tools/fn-lengths.sh 60 --all   # every C file, over 60 lines
set -u
limit=${1:-100}
files=$(git ls-files '*.c')
if [ "${2:-}" != "--all" ]; then
    files=$(printf '%s\n' $files | grep -v '^tests/' | grep -v '^bench/')
fi
awk -v limit="$limit" '
FNR == 1 { start = 0 }
/^[A-Za-z_].*\(/ && !/;[ \t]*$/ && !/^(typedef|#)/ { if (!start) { name = $0; start = FNR } }
/^}/ { if (start) { n = FNR - start + 1; if (n > limit) print n " " FILENAME ": " name; start = 0 } }
' $files | sort -rn
