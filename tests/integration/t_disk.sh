# Disk errors: an output folder that cannot be made, a file-size limit, and
# (where this machine lets us mount one) a full tmpfs. Each gives exit 1 and
# a clear error naming the path, and the previous outputs stay as they were:
# no file of the new run replaces one of the old, and no temporary is left.
. tests/integration/lib.sh
slow_job "$T/job.toml" 12
"$BIN/dse-run" "$T/job.toml" --workers 1 --output "$T/ref" -q || fail "reference run"
cp -r "$T/ref" "$T/ref.copy"
intact() { # DIR
    for f in "$T"/ref.copy/*; do
        cmp -s "$f" "$1/$(basename "$f")" || fail "$(basename "$f") changed in $1"
    done
    [ "$(ls -A "$1" | wc -l)" -eq "$(ls -A "$T/ref.copy" | wc -l)" ] ||
        fail "files were added to $1: $(ls -A "$1")"
}
# a different job (another layer bound), so that every file would change
sed 's/^f1_max = 0.8/f1_max = 0.5/' "$T/job.toml" >"$T/job2.toml"

note "an output folder that cannot be made"
: >"$T/plain"
"$BIN/dse-run" "$T/job2.toml" --workers 1 --output "$T/plain/out" -q 2>"$T/err"
[ $? -eq 1 ] || fail "unmakeable folder: exit 1"
# the error names the part of the path that is not a folder
grep -q "$T/plain: not a folder" "$T/err" || { cat "$T/err"; fail "the error does not name the folder"; }

note "a file-size limit (writes fail with EFBIG)"
(trap '' XFSZ; ulimit -f 4; exec "$BIN/dse-run" "$T/job2.toml" --workers 1 --output "$T/ref" -q) \
    2>"$T/err"
rc=$?
[ $rc -eq 1 ] || { cat "$T/err"; fail "file-size limit: exit $rc, expected 1"; }
grep -q "^$T/ref/[a-z_]*\.[a-z]*: write failed: File too large" "$T/err" ||
    { cat "$T/err"; fail "file-size limit: message"; }
# the run's journal (OUT/.dse-state) met the limit first: said once, and the run went on
grep -q "$T/ref/.dse-state/journal: write failed: File too large; the journal is off from now on" \
    "$T/err" || { cat "$T/err"; fail "file-size limit: the journal's failure was not said"; }
intact "$T/ref"

note "a full disk"
mkdir "$T/small"
if mount -t tmpfs -o size=64k tmpfs "$T/small" 2>/dev/null; then
    "$BIN/dse-run" "$T/job.toml" --workers 1 --output "$T/small/out" -q || { umount "$T/small"; fail "run on the tmpfs"; }
    cp -r "$T/small/out" "$T/small.copy"
    used=$(du -sk "$T/small/out" | cut -f1)
    # leave less room than the new run's files need
    dd if=/dev/zero of="$T/small/filler" bs=1k count=$((64 - used - used / 2)) 2>/dev/null
    "$BIN/dse-run" "$T/job2.toml" --workers 1 --output "$T/small/out" -q 2>"$T/err"
    rc=$?
    ok=1
    for f in "$T"/small.copy/*; do cmp -s "$f" "$T/small/out/$(basename "$f")" || ok=0; done
    left=$(ls -A "$T/small/out" | wc -l)
    umount "$T/small"
    [ $rc -eq 1 ] || { cat "$T/err"; fail "full disk: exit $rc, expected 1"; }
    grep -q "$T/small/out/.*No space left on device" "$T/err" || { cat "$T/err"; fail "full disk: message"; }
    [ $ok -eq 1 ] || fail "full disk: the previous outputs changed"
    [ "$left" -eq "$(ls -A "$T/small.copy" | wc -l)" ] || fail "full disk: temporaries left"
else
    note "SKIPPED the full-disk case: cannot mount a tmpfs here (needs root)"
fi
exit 0
