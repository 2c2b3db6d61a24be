# CURVE keys (issue 16): dse-keygen; a coordinator with --keys runs a job for
# an allowed worker and an allowed client with the outputs of a keyless run;
# an unknown worker gets no unit and is logged; an unknown client, a worker's
# key used by a client and a client's key used by a worker are refused at
# once, with a clear message on both sides; bad key files and allow-lists
# (oversized, bad Z85, a secret key, folders others can write) are refused
# at start, naming the file. Loopback only.
. tests/integration/lib.sh
umask 022
K="$T/keys"
mkdir -p "$K/allowed/workers" "$K/allowed/clients" "$T/w" "$T/c"

note "dse-keygen"
"$BIN/dse-keygen" "$K/coordinator" >/dev/null || fail "keygen coordinator"
for n in w1 w2; do "$BIN/dse-keygen" "$T/w/$n" >/dev/null || fail "keygen $n"; done
for n in c1 c2; do "$BIN/dse-keygen" "$T/c/$n" >/dev/null || fail "keygen $n"; done
[ "$(stat -c %a "$T/w/w1.key")" = 600 ] || fail "w1.key is not mode 600: $(stat -c %a "$T/w/w1.key")"
grep -q '^public-key = "[^"]\{40\}"$' "$T/w/w1.pub" || fail "w1.pub has no Z85 public key"
grep -q secret "$T/w/w1.pub" && grep -q '^secret-key' "$T/w/w1.pub" && fail "w1.pub holds a secret"
cp "$T/w/w1.key" "$T/w1.before"
"$BIN/dse-keygen" "$T/w/w1" 2>"$T/err"; [ $? -eq 1 ] || fail "keygen over an existing pair: exit 1"
grep -q "w1.key: already exists (give --force" "$T/err" || { cat "$T/err"; fail "keygen: overwrite message"; }
cmp -s "$T/w/w1.key" "$T/w1.before" || fail "keygen replaced a key without --force"
"$BIN/dse-keygen" "$T/w/w1.key" 2>/dev/null; [ $? -eq 2 ] || fail "keygen NAME.key: exit 2"
"$BIN/dse-keygen" --force "$T/w/w3" >/dev/null || fail "keygen --force on a new name"
"$BIN/dse-keygen" --force "$T/w/w3" >/dev/null || fail "keygen --force over a pair"
cp "$T/w/w3.key" "$T/w3.before"
# (its messages through a pipe, which the file-size limit does not cover)
msg=$( (ulimit -f 0; trap '' XFSZ; exec "$BIN/dse-keygen" --force "$T/w/w3") 2>&1 )
[ $? -eq 1 ] || fail "keygen under a file-size limit: exit 1 expected"
echo "$msg" | grep -q "w3.key: cannot write: File too large" || { echo "$msg"; fail "keygen: disk error message"; }
cmp -s "$T/w/w3.key" "$T/w3.before" || fail "a failed keygen --force replaced the pair"
ls "$T/w" | grep -v '^w[123]\.\(key\|pub\)$' && fail "keygen left temporary files"
"$BIN/dse-keygen" "$T/w/liar" >/dev/null || fail "keygen liar"
cp "$T/w/w1.pub" "$T/w/liar.pub" "$K/allowed/workers/"
cp "$T/c/c1.pub" "$K/allowed/clients/"
CK="$K/coordinator.pub"

slow_job "$T/job.toml" 12
# the same without the busy loop: the coordinator re-evaluates the rows of
# layers it evaluates fast, so a lie in them is always caught
sed 's/^cost = 6000$/cost = 0/' "$T/job.toml" >"$T/cheap.toml"

note "the keyless run, for reference"
start_coordinator
start_worker "$WEP"
"$BIN/dse-run" "$T/job.toml" --client-endpoint "$CEP" --output "$T/plain" -q || fail "keyless run"
"$BIN/dse-run" "$T/cheap.toml" --client-endpoint "$CEP" --output "$T/plain2" -q || fail "keyless run 2"
kill $WORKER $COORD; wait $WORKER $COORD 2>/dev/null

note "with keys: an allowed worker and client; an unknown worker beside them"
start_coordinator --keys "$K"
grep -q "CURVE keys from $K: 2 worker keys and 1 client key allowed" "$T/coordinator.log" ||
    fail "the coordinator does not say which keys it allows"
start_worker "$WEP" --key "$T/w/w1.key" --coordinator-key "$CK"
"$BIN/dse-worker" --connect "$WEP" --threads 1 --heartbeat 0.2 --death-timeout 60 \
    --key "$T/w/w2.key" --coordinator-key "$CK" >"$T/w2.log" 2>&1 &
W2=$!
PIDS="$PIDS $W2"
"$BIN/dse-run" "$T/job.toml" --client-endpoint "$CEP" --output "$T/keyed" -q \
    --key "$T/c/c1.key" --coordinator-key "$CK" || fail "the run with keys"
same_outputs "$T/plain" "$T/keyed"
[ "$(json_field "$T/keyed/summary.json" workers_seen)" = 1 ] ||
    fail "workers_seen is not 1: the unknown worker got units"
W2PUB=$(sed -n 's/^public-key = "\(.*\)"$/\1/p' "$T/w/w2.pub")
grep -qF "refused a worker connection from 127.0.0.1: key $W2PUB is not in $K/allowed/workers/" \
    "$T/coordinator.log" || { cat "$T/coordinator.log"; fail "the refused worker is not logged"; }
n=0
until grep -q "refused this worker's key 'w2'" "$T/w2.log"; do
    n=$((n + 1)); [ $n -gt 100 ] && { cat "$T/w2.log"; fail "the refused worker does not say so"; }
    sleep 0.1
done
kill -0 $W2 2>/dev/null || fail "a refused worker should keep retrying (the key may be added)"

note "a worker quarantined for false results: its key is refused from then on"
timeout 60 "$BIN/dse-hostile" liar "$WEP" 30 "$T/w/liar.key" "$CK" >"$T/liar.out" &
LIAR=$!
PIDS="$PIDS $LIAR"
sleep 0.5
"$BIN/dse-run" "$T/cheap.toml" --client-endpoint "$CEP" --output "$T/keyed2" -q \
    --key "$T/c/c1.key" --coordinator-key "$CK" 2>"$T/run2.err" || { cat "$T/run2.err"; fail "the run beside a liar"; }
same_outputs "$T/plain2" "$T/keyed2"
grep -q '"workers_quarantined": \["hostile #[0-9]*: point' "$T/keyed2/summary.json" ||
    { grep workers_quarantined "$T/keyed2/summary.json"; fail "the lying worker was not quarantined"; }
timeout 20 "$BIN/dse-hostile" liar "$WEP" 2 "$T/w/liar.key" "$CK" >"$T/liar2.out"
grep -q "refused worker 'liar' ($K/allowed/workers/liar.pub) from 127.0.0.1: quarantined for results" \
    "$T/coordinator.log" || { tail "$T/coordinator.log"; fail "the quarantined key was not refused"; }
grep -q "liar: 0 results" "$T/liar2.out" || fail "the quarantined key got work again"
kill $LIAR 2>/dev/null

note "an unknown client: refused at once, nothing written"
timeout 30 "$BIN/dse-run" "$T/job.toml" --client-endpoint "$CEP" --output "$T/c2out" -q \
    --key "$T/c/c2.key" --coordinator-key "$CK" --timeout 20 2>"$T/err"
rc=$?
[ $rc -eq 1 ] || fail "unknown client: exit $rc, expected 1 (124: it waited)"
grep -q "refused this client's key 'c2' ($T/c/c2.key" "$T/err" || { cat "$T/err"; fail "unknown client: message"; }
[ -e "$T/c2out" ] && fail "a refused client wrote outputs"

note "roles: a worker's key as a client, a client's key as a worker"
timeout 30 "$BIN/dse-run" "$T/job.toml" --client-endpoint "$CEP" --output "$T/x" -q \
    --key "$T/w/w1.key" --coordinator-key "$CK" --timeout 20 2>"$T/err"
[ $? -eq 1 ] || fail "a worker's key as a client: not refused"
grep -q "refused this client's key 'w1'" "$T/err" || { cat "$T/err"; fail "worker key as client: message"; }
grep -q "refused a client connection from 127.0.0.1: key .* is a worker's ($K/allowed/workers/w1.pub)" \
    "$T/coordinator.log" || fail "worker key as client: not logged as such"
"$BIN/dse-worker" --connect "$WEP" --threads 1 --heartbeat 0.2 --death-timeout 3 \
    --key "$T/c/c1.key" --coordinator-key "$CK" >"$T/wc.log" 2>&1 &
WC=$!
PIDS="$PIDS $WC"
wait_pid $WC 30
grep -q "refused this worker's key 'c1'" "$T/wc.log" || { cat "$T/wc.log"; fail "client key as worker: message"; }
grep -q "refused a worker connection from 127.0.0.1: key .* is a client's ($K/allowed/clients/c1.pub)" \
    "$T/coordinator.log" || fail "client key as worker: not logged as such"

note "without keys, or with the wrong coordinator key"
timeout 30 "$BIN/dse-run" "$T/job.toml" --client-endpoint "$CEP" --output "$T/x" -q --timeout 20 \
    2>"$T/err"
[ $? -eq 1 ] || fail "a keyless client: not refused"
# the mismatch, or (when the coordinator closes first) a closed handshake
grep -q "this client needs --key FILE and --coordinator-key FILE" "$T/err" ||
    { cat "$T/err"; fail "keyless client: message"; }
timeout 30 "$BIN/dse-run" "$T/job.toml" --client-endpoint "$CEP" --output "$T/x" -q --timeout 20 \
    --key "$T/c/c1.key" --coordinator-key "$T/w/w2.pub" 2>"$T/err"
[ $? -eq 1 ] || fail "a wrong coordinator key: exit 1 expected"
grep -q "is $T/w/w2.pub (--coordinator-key) the public key of this coordinator" "$T/err" ||
    { cat "$T/err"; fail "wrong coordinator key: message"; }
[ -e "$T/x" ] && fail "a refused client wrote outputs"
# the side that sees the mismatch first closes, so the other may see a closed handshake only
grep -q "refused a client connection: the peer does not use CURVE (a dse-run without --key\|a client connection closed during its handshake" \
    "$T/coordinator.log" || { cat "$T/coordinator.log"; fail "the keyless client is not logged"; }
grep -q "refused a client connection: its handshake does not decrypt with this coordinator's key" \
    "$T/coordinator.log" || { cat "$T/coordinator.log"; fail "the wrong coordinator key is not logged"; }
n=$(grep -cF "key $W2PUB is not in" "$T/coordinator.log")
echo "the unknown worker was refused $n times"
[ "$n" -le 12 ] || fail "the refused worker retried $n times: it should back off (1 s, 2 s, ...)"
kill $W2 $COORD 2>/dev/null

note "key files on the command line"
"$BIN/dse-worker" --connect "$WEP" --key "$T/w/w1.key" 2>"$T/err"; [ $? -eq 2 ] || fail "--key alone: exit 2"
grep -q "go together" "$T/err" || fail "--key alone: message"
"$BIN/dse-run" "$T/job.toml" --key "$T/c/c1.key" --coordinator-key "$CK" 2>"$T/err"
[ $? -eq 2 ] || fail "dse-run --key without a coordinator: exit 2"
cp "$T/c/c1.key" "$T/open.key"; chmod 644 "$T/open.key"
"$BIN/dse-run" "$T/job.toml" --client-endpoint "$CEP" --key "$T/open.key" --coordinator-key "$CK" \
    2>"$T/err"; [ $? -eq 1 ] || fail "a readable secret key: exit 1"
grep -q "^dse-run: $T/open.key: a secret key accessible by group or others (mode 644)" "$T/err" ||
    { cat "$T/err"; fail "a readable secret key: message"; }
"$BIN/dse-worker" --connect "$WEP" --key "$T/none.key" --coordinator-key "$CK" 2>"$T/err"
[ $? -eq 1 ] || fail "a missing key file: exit 1"
grep -q "$T/none.key: cannot open the key file: No such file" "$T/err" || { cat "$T/err"; fail "missing key: message"; }
"$BIN/dse-worker" --connect "$WEP" --key "$T/w/w1.key" --coordinator-key "$K/coordinator.key" 2>"$T/err"
[ $? -eq 1 ] || fail "a secret key as --coordinator-key: exit 1"
grep -q "coordinator.key: holds a secret key: public keys only here" "$T/err" || { cat "$T/err"; fail "secret as public: message"; }
"$BIN/dse-worker" --connect "$WEP" --key "$T/w/w1.pub" --coordinator-key "$CK" 2>"$T/err"
[ $? -eq 1 ] || fail "a .pub as --key: exit 1"
grep -q "w1.pub: holds no secret-key" "$T/err" || { cat "$T/err"; fail ".pub as --key: message"; }

# bad_start WHAT PATTERN: a coordinator on $K must exit 1 at once, saying PATTERN
bad_start() {
    timeout 20 "$BIN/dse-coordinator" --bind "tcp://127.0.0.1:*" --keys "$K" >"$T/bad.log" 2>&1
    rc=$?
    [ $rc -eq 1 ] || { cat "$T/bad.log"; fail "$1: exit $rc, expected 1"; }
    grep -q "$2" "$T/bad.log" || { cat "$T/bad.log"; fail "$1: message"; }
    grep -q "workers connect to" "$T/bad.log" && fail "$1: it bound a socket"
    return 0
}
note "bad allow-lists and keys refused at start, naming the file"
{ echo 'public-key = "'"$W2PUB"'"'; printf 'name = "'; head -c 600 /dev/zero | tr '\0' a; echo '"'; } \
    >"$K/allowed/workers/meta.pub"
bad_start "oversized metadata" "allowed/workers/meta.pub:2:9: name longer than 64 characters"
{ echo 'public-key = "'"$W2PUB"'"'; head -c 5000 /dev/zero | tr '\0' '#'; } >"$K/allowed/workers/meta.pub"
bad_start "an oversized file" "allowed/workers/meta.pub: 5056 bytes: a key file has at most 4096"
echo 'public-key = "~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~"' >"$K/allowed/workers/meta.pub"
bad_start "bad Z85" "allowed/workers/meta.pub:1:15: public-key is not a Z85 key"
echo 'public-key = "abc"' >"$K/allowed/workers/meta.pub"
bad_start "a short key" "allowed/workers/meta.pub:1:15: public-key has 3 characters"
rm "$K/allowed/workers/meta.pub"
cp "$T/w/w2.key" "$K/allowed/workers/"
bad_start "a secret key in the allow-list" "allowed/workers/w2.key: not a NAME.pub file.*looks like a secret key"
rm "$K/allowed/workers/w2.key"
chmod g+w "$K/allowed/clients"
bad_start "a group-writable folder" "$K/allowed/clients: writable by group or others (mode 775)"
chmod g-w "$K/allowed/clients"; chmod o+w "$K"
bad_start "a world-writable keys folder" "$K: writable by group or others (mode 757)"
chmod o-w "$K"; chmod 644 "$K/coordinator.key"
bad_start "a readable coordinator key" "$K/coordinator.key: a secret key accessible by group or others"
chmod 600 "$K/coordinator.key"; chmod g+w "$K/allowed/workers/w1.pub"
bad_start "a group-writable allowed key" "allowed/workers/w1.pub: writable by group or others"
chmod g-w "$K/allowed/workers/w1.pub"; mv "$K/coordinator.key" "$T/coordinator.key"
bad_start "no coordinator key" "coordinator.key: cannot open the key file: No such file.*dse-keygen $K/coordinator"
mv "$T/coordinator.key" "$K/coordinator.key"
start_coordinator --keys "$K"
exit 0
