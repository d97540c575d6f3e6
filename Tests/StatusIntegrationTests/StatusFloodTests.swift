// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import VRRPLab
import VRRPTestSupport
import VRRPStatus

/// 50 instances (VRID 1…50, VIP 198.18.1.N/24) with `priority` on eth0.
func fiftyInstances(priority: Int) -> [LabVRRPInstance] {
    (1...50).map { vrrpInstance(name: "VI_\($0)", vrid: $0, priority: priority, vip: "198.18.1.\($0)") }
}

/// p1 MASTER and p2 BACKUP of 50 instances.
func electedFiftyPair(_ lab: Lab) throws -> (master: LabVRRPNode, backup: LabVRRPNode, topology: LabTopology) {
    let topology = try LabTopology(in: lab, proxies: 2)
    let master = try startDaemon(lab, on: topology.proxies[0],
                                      config: LabVRRPInstance.configuration(routerID: "p1", fiftyInstances(priority: 150)))
    try master.waitUntil("p1 MASTER of all 50", timeout: .seconds(30)) {
        try master.snapshot().instances.allSatisfy { $0.state == "MASTER" }
    }
    let backup = try startDaemon(lab, on: topology.proxies[1],
                                      config: LabVRRPInstance.configuration(routerID: "p2", fiftyInstances(priority: 100)))
    try backup.waitUntil("p2 BACKUP of all 50, hearing p1", timeout: .seconds(30)) {
        try backup.snapshot().instances.allSatisfy { $0.state == "BACKUP" && $0.master?.address == "198.18.0.11" }
    }
    return (master, backup, topology)
}

/// Opens `clients` connections to a status socket, writes `status\n` × `requests` on each in
/// one write, then reads every reply (or gives up after `limit` seconds). Prints one line:
/// the replies received per client, space separated.
let pipelineScript = """
import selectors, socket, sys, time
path, clients, requests, limit = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
socks = []
for _ in range(clients):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    socks.append(s)
for s in socks:
    s.sendall(b"status\\n" * requests)
for s in socks:
    s.setblocking(False)
sel = selectors.DefaultSelector()
count = {}
for s in socks:
    sel.register(s, selectors.EVENT_READ)
    count[s] = 0
deadline = time.time() + limit
while sel.get_map() and time.time() < deadline:
    for key, _ in sel.select(timeout=1):
        s = key.fileobj
        try:
            data = s.recv(1 << 20)
        except BlockingIOError:
            continue
        if not data:
            sel.unregister(s)
            continue
        count[s] += data.count(b"\\n")
        if count[s] >= requests:
            sel.unregister(s)
print(" ".join(str(count[s]) for s in socks))
"""

extension StatusIntegrationTests {
    @Test("16 clients pipelining 585 status requests each at 50 instances: adverts keep their interval, no second master, all answered")
    func pipelinedStatusFlood() async throws {
        try requireLab(statusRequirements)
        try await withLab { lab in
            let (master, backup, _) = try electedFiftyPair(lab)
            let capture = try lab.startCapture(backup.host, ifname: "eth0", filter: "vrrp", name: "adverts")
            let scriptPath = "\(lab.directory)/pipeline.py"
            try pipelineScript.write(toFile: scriptPath, atomically: true, encoding: .utf8)
            let (clients, requests) = (16, 585)
            let started = Date().timeIntervalSince1970
            let flood = try lab.run(master.host, ["python3", scriptPath, master.socketPath, "\(clients)", "\(requests)", "240"],
                                    timeout: .seconds(300))
            let ended = Date().timeIntervalSince1970
            // A little after the flood: a loop still busy with it would show here too.
            try await Task.sleep(for: .seconds(2))
            let path = capture.stop()
            #expect(flood.succeeded, "flood client: \(flood.stderr)")
            let answered = flood.stdout.split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { Int($0) }
            #expect(answered == Array(repeating: requests, count: clients), "replies per client: \(flood.stdout)")

            let gaps = try lab.readAdverts(path).longestGaps(from: "198.18.0.11", between: started, and: ended + 1.5)
            #expect(gaps.count == 50, "adverts heard from p1 for \(gaps.count) VRIDs")
            let worst = gaps.max { $0.value < $1.value }
            #expect((worst?.value ?? 99) <= 1.5, "longest advert gap \(worst.map { "VRID \($0.key): \($0.value) s" } ?? "-") (flood took \(ended - started) s)")

            // The loop's own account of the same stall: timers fired at most one interval late.
            let lag = try master.snapshot().daemon.loopLagLastMinute
            #expect(lag != nil && lag! < 1.0, "p1 loop lag over the last minute: \(lag.map { "\($0) s" } ?? "not reported")")

            print("pipelined flood: \(ended - started) s, longest advert gap \(worst?.value ?? -1) s, p1 loop lag \(lag ?? -1) s")

            let backupStatus = try backup.snapshot()
            #expect(backupStatus.instances.allSatisfy { $0.state == "BACKUP" }, "a second master on p2")
            #expect(backupStatus.instances.allSatisfy { $0.counters.becomeMaster == 0 }, "p2 became master during the flood")
            #expect(try master.snapshot().instances.allSatisfy { $0.state == "MASTER" })
            #expect(lab.isRunning(master.process) && lab.isRunning(backup.process))
        }
    }
}
