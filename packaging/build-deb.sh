#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the Debian packages of swift-vrrp: vrrpd_VERSION_ARCH.deb (the daemon and vrrpctl)
# and, when vrrp-lab is built, vrrpd-lab_VERSION_ARCH.deb (the namespace lab and chaos tool).
#
#   packaging/build-deb.sh [--bin-dir DIR] [--output DIR] [--compression xz|gzip|zstd]
#
# vrrpd is one binary for the daemon and the CLI: the package installs /usr/sbin/vrrpd and
# /usr/bin/vrrpctl as a link to it (run as vrrpctl, it is vrrpctl). Neither links Foundation
# (only FoundationEssentials), so the package stays small; vrrp-lab needs Foundation and ICU
# (~60 MB) and goes in its own package.
#
# --bin-dir DIR (or VRRP_PACKAGE_BIN_DIR): take vrrpd (and vrrp-lab, when present) from DIR
#   instead of building them. Without it the script builds them with scripts/release-build
#   (`swift build -c release --static-swift-stdlib --scratch-path .build-release` plus the
#   link flags that keep the daemon's memory small, and full RELRO): the Swift runtime is
#   linked in, so the package runs on hosts without a Swift toolchain (glibc >= 2.36). The
#   first such build takes several minutes on 2 cores; later ones are incremental.
# --output DIR: where the .debs go (default: out/). The path of each .deb is printed, vrrpd's
#   last.
# --compression xz|gzip|zstd: dpkg-deb's compressor (default xz, the smallest; gzip is
#   faster, what the packaging test uses). Sizes: docs/operations.md, "Package size".
#
# Needs dpkg-deb, dpkg-shlibdeps (dpkg-dev), gzip, python3 (man pages) and strip. Runs as
# any user: files in the package belong to root:root (--root-owner-group), no fakeroot.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
export PATH="/opt/swift/usr/bin:$PATH"

bin_dir=${VRRP_PACKAGE_BIN_DIR:-}
output="$root/out"
compression=xz
while [ $# -gt 0 ]; do
    case "$1" in
        --bin-dir) bin_dir=$2; shift 2 ;;
        --output) output=$2; shift 2 ;;
        --compression) compression=$2; shift 2 ;;
        -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
        *) echo "build-deb: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done

if [ -z "$bin_dir" ]; then
    products=(vrrpd)
    grep -q 'name: "vrrp-lab"' "$root/Package.swift" && products+=(vrrp-lab)
    # The flags (full RELRO among them, lintian: hardening-no-bindnow) are in scripts/release-build.
    build=("$root/scripts/release-build")
    for product in "${products[@]}"; do
        echo "build-deb: ${build[*]} --product $product" >&2
        "${build[@]}" --product "$product" >&2
    done
    bin_dir=$("${build[@]}" --show-bin-path)
fi
[ -x "$bin_dir/vrrpd" ] || { echo "build-deb: $bin_dir/vrrpd is missing" >&2; exit 1; }

version=$("$bin_dir/vrrpd" --version)
arch=$(dpkg --print-architecture)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
pkg="$stage/vrrpd"
doc="$pkg/usr/share/doc/vrrpd"
install -d "$pkg/DEBIAN" "$pkg/usr/sbin" "$pkg/usr/bin" "$pkg/lib/systemd/system" \
    "$pkg/etc/vrrpd" "$pkg/etc/default" "$pkg/usr/share/man/man8" "$pkg/usr/share/man/man1" \
    "$pkg/usr/share/bash-completion/completions" "$pkg/usr/share/zsh/vendor-completions" \
    "$pkg/usr/share/fish/vendor_completions.d" "$doc"

# Binaries, stripped (the release build carries DWARF; lintian: unstripped-binary-or-object).
# vrrpctl is vrrpd under another name (a relative link: both are below /usr, Policy 10.5).
install_binary() { # source destination
    install -m 0755 "$1" "$2"
    strip --remove-section=.comment --remove-section=.note --strip-unneeded "$2"
}
install_binary "$bin_dir/vrrpd" "$pkg/usr/sbin/vrrpd"
ln -s ../sbin/vrrpd "$pkg/usr/bin/vrrpctl"

# Unit, configuration, defaults.
install -m 0644 "$here/vrrpd.service" "$pkg/lib/systemd/system/vrrpd.service"
install -m 0644 "$here/keepalived.conf" "$pkg/etc/vrrpd/keepalived.conf"
install -m 0644 "$here/default" "$pkg/etc/default/vrrpd"

# Man pages from the argument parsers' own description (--experimental-dump-help).
date=$(date -u -d "@${SOURCE_DATE_EPOCH:-$(git -C "$root" log -1 --format=%ct 2>/dev/null || date +%s)}" +%Y-%m-%d)
man_for() { # binary section
    "$pkg/$1" --experimental-dump-help | python3 "$here/manpage.py" --section "$2" --date "$date" --version "$version"
}
man_for usr/sbin/vrrpd 8 | gzip -9n > "$pkg/usr/share/man/man8/vrrpd.8.gz"
man_for usr/bin/vrrpctl 1 | gzip -9n > "$pkg/usr/share/man/man1/vrrpctl.1.gz"

# Shell completions.
for b in "$pkg"/usr/sbin/vrrpd "$pkg"/usr/bin/vrrpctl; do
    name=$(basename "$b")
    # A completion file is sourced, not run: no #! line (lintian: bash-completion-with-hashbang).
    "$b" --generate-completion-script bash | sed '1{/^#!/d}' > "$pkg/usr/share/bash-completion/completions/$name"
    "$b" --generate-completion-script zsh > "$pkg/usr/share/zsh/vendor-completions/_$name"
    "$b" --generate-completion-script fish > "$pkg/usr/share/fish/vendor_completions.d/$name.fish"
done

# Documentation.
install -m 0644 "$here/copyright" "$doc/copyright"
for f in configuration.md operations.md architecture.md status-socket.md health-checks.md; do
    [ -f "$root/docs/$f" ] && install -m 0644 "$root/docs/$f" "$doc/$f"
done
if [ -d "$root/examples" ]; then
    install -d "$doc/examples"
    cp -R "$root/examples/." "$doc/examples/"
    find "$doc/examples" -type d -exec chmod 0755 {} + -o -type f -exec chmod 0644 {} +
fi
changelog() { # package
    printf '%s (%s) unstable; urgency=medium\n\n' "$1" "$version"
    printf '  * Built from the swift-vrrp sources%s.\n\n' \
        "$(git -C "$root" rev-parse --short HEAD 2>/dev/null | sed 's/^/ at commit /')"
    printf ' -- swift-vrrp maintainers <swift-vrrp@packages.invalid>  %s\n' \
        "$(date -u -R -d "$date")"
}
changelog vrrpd | gzip -9n > "$doc/changelog.gz"

# Control files: control_for PACKAGE TEMPLATE writes PACKAGE's DEBIAN/control and md5sums.
# Shared-library dependencies as Debian computes them (dpkg-shlibdeps wants a source tree's
# debian/control, so give it a minimal one): libc6 and libcap2. The Swift runtime, libstdc++
# and libgcc are static (scripts/release-build) and need nothing.
mkdir -p "$stage/src/debian"
printf 'Source: vrrpd\n\nPackage: vrrpd\nArchitecture: any\n' > "$stage/src/debian/control"
control_for() { # package template
    local tree="$stage/$1" installed_size shlibs
    installed_size=$(du -k -s --exclude=DEBIAN "$tree" | cut -f1)
    shlibs=$(cd "$stage/src" && dpkg-shlibdeps -O $(find "$tree/usr/sbin" "$tree/usr/bin" -type f -printf '-e%p ' 2>/dev/null) \
        | sed -n 's/^shlibs:Depends=//p')
    [ -n "$shlibs" ] || { echo "build-deb: dpkg-shlibdeps found no dependencies for $1" >&2; exit 1; }
    # Packed relative relocations (DT_RELR, scripts/release-build) need glibc 2.36's loader:
    # a version node (GLIBC_ABI_DT_RELR), not a symbol, so dpkg-shlibdeps does not count it.
    local relr=0 bin libc
    for bin in $(find "$tree/usr/sbin" "$tree/usr/bin" -type f 2>/dev/null); do
        # grep reads it all (no -q): under pipefail an early exit would fail readelf with SIGPIPE.
        if readelf -d "$bin" 2>/dev/null | grep '(RELR)' > /dev/null; then relr=1; fi
    done
    libc=$(printf '%s\n' "$shlibs" | sed -n 's/.*libc6 (>= \([^)]*\)).*/\1/p')
    if [ "$relr" = 1 ] && [ -n "$libc" ] && dpkg --compare-versions "$libc" lt 2.36; then
        shlibs=$(printf '%s\n' "$shlibs" | sed "s/libc6 (>= [^)]*)/libc6 (>= 2.36)/")
    fi
    sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$installed_size/" \
        -e "s/@SHLIBS@/$shlibs/" \
        "$here/$2" > "$tree/DEBIAN/control"
    (cd "$tree" && find . -path ./DEBIAN -prune -o -path ./etc -prune -o -type f -printf '%P\0' \
        | sort -z | xargs -0 md5sum) > "$tree/DEBIAN/md5sums"
    chmod 0644 "$tree/DEBIAN/md5sums" "$tree/DEBIAN/control"
    find "$tree" -type d -exec chmod 0755 {} +
}
control_for vrrpd control.in
printf '/etc/default/vrrpd\n/etc/vrrpd/keepalived.conf\n' > "$pkg/DEBIAN/conffiles"
chmod 0644 "$pkg/DEBIAN/conffiles"
for script in postinst prerm postrm; do
    install -m 0755 "$here/$script" "$pkg/DEBIAN/$script"
done

# vrrpd-lab: the lab and chaos tool, /usr/sbin/vrrp-lab (it needs root; it finds vrrpd next
# to it). Its own package because it links Foundation.
lab_deb=
if [ -x "$bin_dir/vrrp-lab" ]; then
    lab="$stage/vrrpd-lab"
    lab_doc="$lab/usr/share/doc/vrrpd-lab"
    install -d "$lab/DEBIAN" "$lab/usr/sbin" "$lab/usr/share/man/man8" "$lab_doc"
    install_binary "$bin_dir/vrrp-lab" "$lab/usr/sbin/vrrp-lab"
    "$lab/usr/sbin/vrrp-lab" --experimental-dump-help \
        | python3 "$here/manpage.py" --section 8 --date "$date" --version "$version" \
        | gzip -9n > "$lab/usr/share/man/man8/vrrp-lab.8.gz"
    install -m 0644 "$here/copyright" "$lab_doc/copyright"
    for f in lab.md reliability.md; do
        [ -f "$root/docs/$f" ] && install -m 0644 "$root/docs/$f" "$lab_doc/$f"
    done
    changelog vrrpd-lab | gzip -9n > "$lab_doc/changelog.gz"
    control_for vrrpd-lab control-lab.in
    mkdir -p "$output"
    lab_deb="$output/vrrpd-lab_${version}_${arch}.deb"
    dpkg-deb --root-owner-group "-Z$compression" --build "$lab" "$lab_deb" >&2
fi

mkdir -p "$output"
deb="$output/vrrpd_${version}_${arch}.deb"
dpkg-deb --root-owner-group "-Z$compression" --build "$pkg" "$deb" >&2
[ -z "$lab_deb" ] || echo "$lab_deb"
echo "$deb"
