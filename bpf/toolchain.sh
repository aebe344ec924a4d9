#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The Debian packages whose contents end up in the sampler artifacts (compilers, linker,
# static libraries, bpftool's skeleton generator), with the versions the committed
# artifacts were built with (toolchain.txt).
#   toolchain.sh record   rewrite toolchain.txt from this machine
#   toolchain.sh check    exit 1 (and say which) if this machine differs from toolchain.txt
set -eu
here=$(cd "$(dirname "$0")" && pwd)
packages="clang-14 llvm-14 gcc-12 cpp-12 binutils-x86-64-linux-gnu libc6-dev libbpf-dev libelf-dev zlib1g-dev bpftool"
current() {
	for p in $packages; do
		printf '%s=%s\n' "$p" "$(dpkg-query -W -f='${Version}' "$p" 2>/dev/null || echo missing)"
	done
}
case "${1:-check}" in
record) current > "$here/toolchain.txt" ;;
check)
	current | diff -u "$here/toolchain.txt" - >&2 || exit 1
	;;
*) echo "usage: toolchain.sh record|check" >&2; exit 2 ;;
esac
