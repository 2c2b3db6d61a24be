#!/bin/sh
# Installs the Debian packages the project needs, when they are missing.
# `sh .ci/deps.sh` for building and testing; `sh .ci/deps.sh fuzz` adds clang.
set -e
pkgs="libzmq3-dev libczmq-dev libmsgpack-dev libhwloc-dev pkg-config make gcc libc6-dev python3 coreutils
      protobuf-c-compiler libprotobuf-c-dev libonnx-dev python3-onnx libonnx-testdata"
[ "${1:-}" = fuzz ] && pkgs="$pkgs clang libclang-rt-14-dev"
missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing="$missing $p"
done
# python3 may come from outside Debian (pyenv); one that works is enough.
# (the word python3 alone: python3-onnx is a package of its own)
case "$missing " in *" python3 "*) command -v python3 >/dev/null 2>&1 &&
    missing=$(echo "$missing " | sed 's/ python3 / /; s/ $//');; esac
[ -z "$missing" ] && exit 0
echo "deps: installing$missing"
if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq $missing
