#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Rebuilds the sampler for each platform from a copy of bpf/ in a fresh temporary directory (so
# a different path) and fails if an artifact's SHA-256 differs from the manifest.
# usage: verify.sh MANIFEST PLATFORM...   (linux-x86_64 linux-aarch64)
set -eu
manifest=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d /tmp/emberscope-verify.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM

for platform in "$@"; do
	if ! grep -q "\"$platform\"" "$manifest"; then
		echo "verify: $manifest has no $platform entry" >&2
		exit 1
	fi
done
"$here/toolchain.sh" check || echo "verify: toolchain differs from bpf/toolchain.txt: a hash mismatch below is expected" >&2

mkdir "$tmp/src"
cp -R "$here/Makefile" "$here"/*.c "$here"/*.h "$here"/*.sh "$here/vmlinux" "$tmp/src/"
status=0
for platform in "$@"; do
	machine=${platform#linux-}
	make -s -C "$tmp/src" MACHINE="$machine" OUTPUT=".output/$machine" >&2
	# The manifest's entries for this platform: name, path, sha256 (one line per artifact).
	sed -n "/\"$platform\": {/,/^    }/p" "$manifest" |
		sed -n 's/.*"\([a-z_]*\)": { "path": "\([^"]*\)", "sha256": "\([0-9a-f]*\)".*/\1 \2 \3/p' > "$tmp/expected"
	[ -s "$tmp/expected" ] || { echo "verify: no artifacts for $platform in $manifest" >&2; exit 1; }
	while read -r name path sha; do
		built="$tmp/src/.output/$machine/$(basename "$path")"
		got=$(sha256sum "$built" | cut -d' ' -f1)
		if [ "$got" = "$sha" ]; then
			echo "verify: $name $path $got ok"
		else
			echo "verify: $name $path differs: manifest $sha, rebuilt $got" >&2
			status=1
		fi
	done < "$tmp/expected"
done
exit $status
