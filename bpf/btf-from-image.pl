#!/usr/bin/perl
# SPDX-License-Identifier: Apache-2.0
# Prints the kernel's BTF (the raw .BTF section, what /sys/kernel/btf/vmlinux holds) found in an
# uncompressed kernel Image (arm64's vmlinuz is one: no ELF headers, the section is just there).
# Looks for BTF headers (magic 0xeB9F, version 1, 24-byte header) whose type and string sections
# follow each other and fit in the file, and takes the largest: the kernel's own BTF.
# usage: btf-from-image.pl IMAGE > vmlinux.btf   (then: bpftool btf dump file vmlinux.btf format c)
use strict;
use warnings;
my $path = shift @ARGV or die "usage: btf-from-image.pl IMAGE\n";
open(my $fh, '<:raw', $path) or die "btf-from-image: cannot read $path: $!\n";
my $img = do { local $/; <$fh> };
close $fh;
my $magic = "\x9f\xeb\x01\x00\x18\x00\x00\x00";
my ($best_at, $best_len) = (-1, 0);
for (my $at = index($img, $magic); $at >= 0; $at = index($img, $magic, $at + 1)) {
	last if $at + 24 > length($img);
	my ($type_off, $type_len, $str_off, $str_len) = unpack('V4', substr($img, $at + 8, 16));
	next unless $type_off == 0 && $str_off == $type_len && $type_len > 0 && $str_len > 0;
	my $len = 24 + $str_off + $str_len;
	next if $at + $len > length($img);
	($best_at, $best_len) = ($at, $len) if $len > $best_len;
}
die "btf-from-image: no BTF in $path (a kernel built without CONFIG_DEBUG_INFO_BTF, or a compressed image)\n" if $best_at < 0;
binmode STDOUT;
print substr($img, $best_at, $best_len);
