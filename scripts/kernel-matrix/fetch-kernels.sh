#!/usr/bin/env bash
# Fetches the Debian kernels of the matrix into build/kernels/ (gitignored) and unpacks their
# vmlinuz and config:  build/kernels/<release>/{vmlinuz,config}.  Idempotent: a kernel already
# unpacked is left alone.
#   6.1   the current suite's (bookworm) linux-image-amd64, through the machine's apt configuration
#   5.10  the bullseye suite of the same Debian archive, through a PRIVATE apt configuration
#         (own sources file, lists and cache under build/kernels/apt): the machine's apt
#         configuration is never changed.
#   arm64 the current suite's linux-image-arm64:arm64 (dpkg needs the arm64 architecture:
#         scripts/install-system-deps adds it), for qemu-system-aarch64
# Prints one line per kernel: <release> <dir> <uname -m of the kernel>.
# usage: fetch-kernels.sh [6.1] [5.10] [arm64]    (default: all three)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out="$root/build/kernels"
debs="$out/debs"
mkdir -p "$debs"

# The Debian archive this machine is configured with (deb822 .sources or one-line sources.list).
archive_uri() {
  local uri=""
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    uri=$(awk '/^URIs:/ {u=$2} /^Suites:/ && /bookworm( |$)/ {print u; exit}' "$f")
    [ -n "$uri" ] && break
  done
  if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
    uri=$(awk '$1=="deb" && $3=="bookworm" {print $2; exit}' /etc/apt/sources.list)
  fi
  [ -n "$uri" ] || { echo "fetch-kernels: no bookworm source in /etc/apt/sources.list(.d)" >&2; exit 1; }
  echo "$uri"
}

unpack() { # <deb> -> prints "<release> <dir>"
  local deb=$1 tmp rel
  tmp=$(mktemp -d "$out/unpack-XXXXXX")
  dpkg-deb -x "$deb" "$tmp"
  rel=$(basename "$(ls "$tmp"/boot/vmlinuz-*)" | sed 's/^vmlinuz-//')
  mkdir -p "$out/$rel"
  cp "$tmp/boot/vmlinuz-$rel" "$out/$rel/vmlinuz"
  cp "$tmp/boot/config-$rel" "$out/$rel/config"
  rm -rf "$tmp"
  echo "$rel $out/$rel $(machine_of "$rel")"
}

machine_of() { case $1 in *-arm64) echo aarch64 ;; *) echo x86_64 ;; esac; }

# <suite label> <meta package> <apt options...>: resolves the meta package's kernel package,
# downloads it once.
fetch() {
  local label=$1 meta=$2; shift 2
  local pkg deb
  pkg=$(apt-cache "$@" depends "$meta" | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
  [ -n "$pkg" ] || { echo "fetch-kernels: no kernel package for $label" >&2; exit 1; }
  deb=$(ls "$debs/${pkg%%:*}_"*.deb 2>/dev/null | head -1 || true)
  if [ -z "$deb" ]; then
    (cd "$debs" && apt-get "$@" download "$pkg" >&2)
    deb=$(ls "$debs/${pkg%%:*}_"*.deb | head -1)
  fi
  local rel=${pkg#linux-image-}
  rel=${rel%%:*}
  if [ -f "$out/$rel/vmlinuz" ]; then echo "$rel $out/$rel $(machine_of "$rel")"; else unpack "$deb"; fi
}

want=("$@"); [ ${#want[@]} -gt 0 ] || want=(6.1 5.10 arm64)
for k in "${want[@]}"; do
  case $k in
    6.1) fetch bookworm linux-image-amd64 -o Debug::NoLocking=1 -o APT::Sandbox::User=root ;;
    arm64)
      dpkg --print-foreign-architectures | grep -qx arm64 ||
        { echo "fetch-kernels: dpkg has no arm64 architecture: run scripts/install-system-deps" >&2; exit 1; }
      fetch bookworm-arm64 linux-image-arm64:arm64 -o Debug::NoLocking=1 -o APT::Sandbox::User=root ;;
    5.10)
      priv="$out/apt"
      mkdir -p "$priv/sources.d" "$priv/lists/partial" "$priv/cache/archives/partial"
      printf 'Types: deb\nURIs: %s\nSuites: bullseye\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
        "$(archive_uri)" > "$priv/sources.d/bullseye.sources"
      opts=(-o "Dir::Etc::sourcelist=/dev/null" -o "Dir::Etc::sourceparts=$priv/sources.d"
            -o "Dir::State::Lists=$priv/lists" -o "Dir::Cache=$priv/cache" -o "Dir::State::status=/dev/null"
            -o "Debug::NoLocking=1" -o "APT::Sandbox::User=root")
      if [ -z "$(find "$priv/lists" -name '*bullseye*Packages*' -mmin -1440 2>/dev/null | head -1)" ]; then
        apt-get "${opts[@]}" update -qq >&2
      fi
      fetch bullseye linux-image-amd64 "${opts[@]}" ;;
    *) echo "fetch-kernels: unknown kernel $k (6.1, 5.10, arm64)" >&2; exit 2 ;;
  esac
done
