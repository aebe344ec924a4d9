#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Prints assets/manifest.json for every platform directory under ASSETS (linux-x86_64,
# linux-aarch64): path (relative to ASSETS), SHA-256 and size of each artifact.
# usage: manifest.sh ASSETS VERSION
set -eu
assets=$1
version=$2
export LC_ALL=C

entry() { # name relpath
	f="$assets/$2"
	printf '      "%s": { "path": "%s", "sha256": "%s", "size": %s }' \
		"$1" "$2" "$(sha256sum "$f" | cut -d' ' -f1)" "$(stat -c %s "$f")"
}

printf '{\n  "version": 1,\n  "sampler_version": "%s",\n  "artifacts": {\n' "$version"
first=1
for dir in "$assets"/linux-*/; do
	platform=$(basename "$dir")
	[ -f "$dir/emberscope-sampler" ] || continue
	[ $first = 1 ] || printf ',\n'
	first=0
	printf '    "%s": {\n' "$platform"
	entry sampler "$platform/emberscope-sampler"
	printf ',\n'
	entry bpf_object "$platform/sampler.bpf.o"
	printf '\n    }'
done
printf '\n  }\n}\n'
