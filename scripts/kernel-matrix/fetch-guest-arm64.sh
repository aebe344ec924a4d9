#!/usr/bin/env bash
# The arm64 guest's userland for the kernel matrix, from the current suite's arm64 packages
# (apt-get download through the machine's apt configuration, which has the arm64 architecture:
# scripts/install-system-deps adds it), unpacked into build/kernels/arm64-root/ (gitignored):
# busybox (static), setpriv and prlimit (util-linux), setcap and getcap (libcap2-bin), bpftool,
# and the shared libraries they and the pinned Node runtime need (glibc, libstdc++, ...).
# Nothing is installed on this machine. Idempotent. Prints the root's path.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out="$root/build/kernels/arm64-root"
debs="$root/build/kernels/arm64-debs"
packages=(busybox-static util-linux libcap2-bin bpftool libc6 libstdc++6 libgcc-s1 libcap2 libcap-ng0 libsmartcols1 libelf1 zlib1g)
mkdir -p "$debs"
stamp="$out/.packages"
if [ "$(cat "$stamp" 2>/dev/null)" != "${packages[*]}" ]; then
  rm -rf "$out"
  mkdir -p "$out"
  for p in "${packages[@]}"; do
    if ! ls "$debs/${p}_"*_arm64.deb >/dev/null 2>&1; then
      (cd "$debs" && apt-get -o Debug::NoLocking=1 -o APT::Sandbox::User=root download "$p:arm64" >&2)
    fi
    dpkg-deb -x "$(ls "$debs/${p}_"*_arm64.deb | head -1)" "$out"
  done
  echo "${packages[*]}" > "$stamp"
fi
echo "$out"
