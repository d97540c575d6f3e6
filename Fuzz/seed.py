#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the fuzz seed corpora under Fuzz/seeds/ (run by `scripts/fuzz seed`).

packet:  the raw bytes of every frame in the tcpdump -xx vector files, and for VRRP frames
         also the IP packet and the bare VRRP message inside.
hexdump: the vector files themselves (what users paste into `vrrpctl decode`).
config:  the example configurations and the config test fixtures.
netlink: the hex fixtures of the netlink codec tests: whole datagrams as they are, bare
         payloads wrapped in an RTM_NEWADDR header (little-endian host).
"""
import pathlib, re, shutil, struct, sys

root = pathlib.Path(__file__).resolve().parent.parent
seeds = root / "Fuzz" / "seeds"


def fresh(name):
    d = seeds / name
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    return d


def frames(text):
    out, cur = [], None
    for line in text.splitlines():
        m = re.match(r"^\s+0x([0-9a-f]{4}):\s+((?:[0-9a-f]{2,4} ?)+)", line)
        if not m:
            continue
        if int(m.group(1), 16) == 0:
            cur = bytearray()
            out.append(cur)
        cur += bytes.fromhex(m.group(2).replace(" ", ""))
    return out


def packet_and_hexdump(vectors):
    packet, hexdump = fresh("packet"), fresh("hexdump")
    for f in sorted(vectors.glob("*.txt")):
        shutil.copy(f, hexdump / f.name)
        seen = set()
        for i, fr in enumerate(frames(f.read_text())):
            parts = [fr]
            if fr[12:14] == b"\x08\x00" and fr[23] == 112:  # IPv4 VRRP
                parts += [fr[14:], fr[14 + (fr[14] & 15) * 4:]]
            if fr[12:14] == b"\x86\xdd" and fr[20] == 112:  # IPv6 VRRP
                parts += [fr[14:], fr[54:]]
            for j, p in enumerate(parts):
                if bytes(p) not in seen:
                    seen.add(bytes(p))
                    (packet / f"{f.stem}-{i:02d}-{j}").write_bytes(p)


def config(dirs):
    out = fresh("config")
    for d in dirs:
        for f in sorted(d.glob("*.conf")):
            shutil.copy(f, out / f.name)


def netlink(test_file):
    out = fresh("netlink")
    text = test_file.read_text()
    for i, block in enumerate(re.findall(r'hex\("""\n(.*?)"""\)', text, re.S)):
        data = bytes.fromhex(" ".join(l.split("//")[0] for l in block.splitlines()))
        if len(data) < 16 or struct.unpack_from("<I", data)[0] > len(data):
            data = struct.pack("<IHHII", 16 + len(data), 20, 0, 0, 0) + data  # RTM_NEWADDR
        (out / f"codec-test-{i:02d}").write_bytes(data)


shared = pathlib.Path("/work/shared")
vectors = shared / "vectors"
if not vectors.is_dir():
    vectors = root / "Tests" / "VRRPCoreTests" / "Fixtures"
packet_and_hexdump(vectors)
config([d for d in [shared / "examples" / "seed", root / "Tests" / "VRRPConfigTests" / "Fixtures",
                   root / "Tests" / "Fixtures" / "corpus"] if d.is_dir()])
nl = root / "Tests" / "VRRPLinuxTests" / "NetlinkCodecTests.swift"
if nl.is_file():
    netlink(nl)
print(f"seed: {sum(1 for p in seeds.rglob('*') if p.is_file())} files in {seeds.relative_to(root)}", file=sys.stderr)
