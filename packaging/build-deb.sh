#!/usr/bin/env bash
# Builds the Debian package of swift-vrrp: vrrpd_VERSION_ARCH.deb.
#
#   packaging/build-deb.sh [--bin-dir DIR] [--output DIR] [--compression xz|gzip|zstd]
#
# --bin-dir DIR (or VRRP_PACKAGE_BIN_DIR): take vrrpd, vrrpctl (and vrrp-lab, when present)
#   from DIR instead of building them. Without it the script builds them with
#   `swift build -c release --static-swift-stdlib --scratch-path .build-release`: the Swift
#   runtime is linked in, so the package runs on hosts without a Swift toolchain. The first
#   such build takes several minutes on 2 cores; later ones are incremental.
# --output DIR: where the .deb goes (default: out/). The path of the .deb is the last line
#   printed.
# --compression xz|gzip|zstd: dpkg-deb's compressor (default xz: ~30 MB, ~1.5 min on a busy
#   2-core machine; gzip: ~45 MB in seconds, what the packaging test uses).
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
    products=(vrrpd vrrpctl)
    grep -q 'name: "vrrp-lab"' "$root/Package.swift" && products+=(vrrp-lab)
    # -z now -z relro: full RELRO, as Debian's hardening flags ask (lintian: hardening-no-bindnow).
    build=(swift build --package-path "$root" -c release --static-swift-stdlib --scratch-path "$root/.build-release"
           -Xlinker -z -Xlinker now -Xlinker -z -Xlinker relro)
    for product in "${products[@]}"; do
        echo "build-deb: ${build[*]} --product $product" >&2
        "${build[@]}" --product "$product" >&2
    done
    bin_dir=$("${build[@]}" --show-bin-path)
fi
for required in vrrpd vrrpctl; do
    [ -x "$bin_dir/$required" ] || { echo "build-deb: $bin_dir/$required is missing" >&2; exit 1; }
done

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
install -m 0755 "$bin_dir/vrrpd" "$pkg/usr/sbin/vrrpd"
install -m 0755 "$bin_dir/vrrpctl" "$pkg/usr/bin/vrrpctl"
[ -x "$bin_dir/vrrp-lab" ] && install -m 0755 "$bin_dir/vrrp-lab" "$pkg/usr/bin/vrrp-lab"
for b in "$pkg"/usr/sbin/* "$pkg"/usr/bin/*; do
    strip --remove-section=.comment --remove-section=.note --strip-unneeded "$b"
done

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
if [ -x "$pkg/usr/bin/vrrp-lab" ]; then
    man_for usr/bin/vrrp-lab 1 | gzip -9n > "$pkg/usr/share/man/man1/vrrp-lab.1.gz"
fi

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
{
    printf 'vrrpd (%s) unstable; urgency=medium\n\n' "$version"
    printf '  * Built from the swift-vrrp sources%s.\n\n' \
        "$(git -C "$root" rev-parse --short HEAD 2>/dev/null | sed 's/^/ at commit /')"
    printf ' -- swift-vrrp maintainers <swift-vrrp@packages.invalid>  %s\n' \
        "$(date -u -R -d "$date")"
} | gzip -9n > "$doc/changelog.gz"

# Control files.
installed_size=$(du -k -s --exclude=DEBIAN "$pkg" | cut -f1)
# Shared-library dependencies as Debian computes them (dpkg-shlibdeps wants a source tree's
# debian/control, so give it a minimal one): libc6, libcap2, libgcc-s1, libstdc++6. The Swift
# runtime is static and needs nothing.
mkdir -p "$stage/src/debian"
printf 'Source: vrrpd\n\nPackage: vrrpd\nArchitecture: any\n' > "$stage/src/debian/control"
shlibs=$(cd "$stage/src" && dpkg-shlibdeps -O $(for b in "$pkg"/usr/sbin/* "$pkg"/usr/bin/*; do printf -- '-e%s ' "$b"; done) \
    | sed -n 's/^shlibs:Depends=//p')
[ -n "$shlibs" ] || { echo "build-deb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$installed_size/" \
    -e "s/@SHLIBS@/$shlibs/" \
    "$here/control.in" > "$pkg/DEBIAN/control"
printf '/etc/default/vrrpd\n/etc/vrrpd/keepalived.conf\n' > "$pkg/DEBIAN/conffiles"
for script in postinst prerm postrm; do
    install -m 0755 "$here/$script" "$pkg/DEBIAN/$script"
done
(cd "$pkg" && find . -path ./DEBIAN -prune -o -path ./etc -prune -o -type f -printf '%P\0' \
    | sort -z | xargs -0 md5sum) > "$pkg/DEBIAN/md5sums"
chmod 0644 "$pkg/DEBIAN/md5sums" "$pkg/DEBIAN/control" "$pkg/DEBIAN/conffiles"
find "$pkg" -type d -exec chmod 0755 {} +

mkdir -p "$output"
deb="$output/vrrpd_${version}_${arch}.deb"
dpkg-deb --root-owner-group "-Z$compression" --build "$pkg" "$deb" >&2
echo "$deb"
