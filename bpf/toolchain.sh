#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The Debian packages whose contents end up in the sampler artifacts (compilers, linker,
# static libraries, bpftool's skeleton generator), with the versions the committed
# artifacts were built with (toolchain.txt).
#   toolchain.sh record   rewrite toolchain.txt from this machine
#   toolchain.sh check    exit 1 (and say which) if this machine differs from toolchain.txt
set -eu
here=$(cd "$(dirname "$0")" && pwd)
# A name without :arch is this machine's architecture; the :arm64 ones and the *-aarch64-linux-gnu
# cross toolchain build linux-aarch64.
packages="clang-14 llvm-14 gcc-12 cpp-12 binutils-x86-64-linux-gnu libc6-dev libbpf-dev libelf-dev zlib1g-dev bpftool
gcc-12-aarch64-linux-gnu cpp-12-aarch64-linux-gnu binutils-aarch64-linux-gnu libgcc-12-dev-arm64-cross
libc6-dev:arm64 libbpf-dev:arm64 libelf-dev:arm64 zlib1g-dev:arm64 linux-libc-dev:arm64"
current() {
	for p in $packages; do
		# libbpf-dev alone would name both architectures' packages; Architecture: all ones have no :arch.
		case $p in *:*) q=$p ;; *) q=$p:$(dpkg --print-architecture) ;; esac
		v=$(dpkg-query -W -f='${Version}' "$q" 2>/dev/null || dpkg-query -W -f='${Version}' "$p" 2>/dev/null || echo missing)
		printf '%s=%s\n' "$p" "$v"
	done
}
case "${1:-check}" in
record) current > "$here/toolchain.txt" ;;
check)
	current | diff -u "$here/toolchain.txt" - >&2 || exit 1
	;;
*) echo "usage: toolchain.sh record|check" >&2; exit 2 ;;
esac
