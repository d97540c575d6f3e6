#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the swift-vrrp container image (packaging/container/Containerfile) from a scratch
# base: vrrpd and vrrpctl with every shared library `ldd` says they load.
#
#   packaging/container/build-image.sh [--bin-dir DIR] [--tag TAG] [--engine podman|docker]
#                                      [--context DIR]
#
#   --bin-dir DIR   take vrrpd and vrrpctl from DIR; default: build them with
#                   scripts/release-build (`swift build -c release --static-swift-stdlib --scratch-path .build-release`)
#                   (as packaging/build-deb.sh does; only glibc and libcap stay dynamic)
#   --tag TAG       image name (default localhost/swift-vrrp:latest)
#   --engine E      podman (default when installed) or docker
#   --context DIR   assemble the build context in DIR (default: a temporary directory,
#                   removed afterwards); with --engine none only the context is made
#
# Prints the image ID last.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin_dir="" tag="localhost/swift-vrrp:latest" engine="" context=""
while (($#)); do
    case $1 in
        --bin-dir) bin_dir=$2; shift 2 ;;
        --tag) tag=$2; shift 2 ;;
        --engine) engine=$2; shift 2 ;;
        --context) context=$2; shift 2 ;;
        *) echo "build-image.sh: unknown argument $1" >&2; exit 64 ;;
    esac
done
if [[ -z $engine ]]; then
    if command -v podman >/dev/null; then engine=podman; elif command -v docker >/dev/null; then engine=docker
    else echo "build-image.sh: neither podman nor docker is installed (scripts/setup-debian installs podman)" >&2; exit 1; fi
fi
if [[ -z $bin_dir ]]; then
    "$root/scripts/release-build" --product vrrpd >&2
    "$root/scripts/release-build" --product vrrpctl >&2
    bin_dir=$("$root/scripts/release-build" --show-bin-path)
fi
for b in vrrpd vrrpctl; do
    [[ -x $bin_dir/$b ]] || { echo "build-image.sh: $bin_dir/$b is missing" >&2; exit 1; }
done

cleanup=""
if [[ -z $context ]]; then
    context=$(mktemp -d /tmp/swift-vrrp-image.XXXXXX)
    cleanup=$context
fi
trap '[[ -n $cleanup ]] && rm -rf "$cleanup"' EXIT
rootfs=$context/rootfs
rm -rf "$rootfs"
mkdir -p "$rootfs/usr/sbin" "$rootfs/usr/bin" "$rootfs/etc/keepalived" "$rootfs/run/vrrpd" "$rootfs/tmp"
chmod 1777 "$rootfs/tmp"
chmod 0755 "$rootfs/run/vrrpd"
install -m 0755 "$bin_dir/vrrpd" "$rootfs/usr/sbin/vrrpd"
install -m 0755 "$bin_dir/vrrpctl" "$rootfs/usr/bin/vrrpctl"
# Debug symbols make up most of an unstripped binary (as packaging/build-deb.sh does).
if command -v strip >/dev/null; then strip --strip-unneeded "$rootfs/usr/sbin/vrrpd" "$rootfs/usr/bin/vrrpctl"; fi
# The shared libraries, at the paths the binaries look them up (the loader's own path included).
for lib in $( { ldd "$bin_dir/vrrpd"; ldd "$bin_dir/vrrpctl"; } | grep -o '/[^ ]*' | sort -u); do
    mkdir -p "$rootfs$(dirname "$lib")"
    cp -L "$lib" "$rootfs$lib"
done
# Name lookups for root only (the status socket's group is root unless --status-group).
printf 'root:x:0:0:root:/:/usr/sbin/nologin\n' > "$rootfs/etc/passwd"
printf 'root:x:0:\n' > "$rootfs/etc/group"
cp "$root/LICENSE" "$rootfs/LICENSE"
cp "$root/packaging/copyright" "$rootfs/COPYRIGHT"
cp "$here/Containerfile" "$context/Containerfile"
[[ $engine == none ]] && { echo "$context"; cleanup=""; exit 0; }
"$engine" build --quiet --file "$context/Containerfile" --tag "$tag" "$context"
