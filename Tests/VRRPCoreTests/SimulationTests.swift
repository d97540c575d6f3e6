// SPDX-License-Identifier: Apache-2.0
import Testing
import VRRPCore
import VRRPTestSupport

/// Builds a LAN of routers on one VRID with the given priorities; router i has 198.18.0.(i+1).
private func lan(_ priorities: [UInt8], version: VRRPVersion = .v3, interval: Centiseconds = .oneSecond,
                 preempt: Bool = true, delay: Interval = .milliseconds(1), seed: UInt64 = 1,
                 loss: Double = 0) -> InMemoryLAN {
    var net = InMemoryLAN(seed: seed, deliveryDelay: delay, lossProbability: loss)
    for (i, priority) in priorities.enumerated() {
        net.add(RouterFixtures.configuration(version: version, priority: priority, interval: interval, preempt: preempt),
                address: RouterFixtures.address(UInt8(i + 1)))
    }
    return net
}

/// Exactly one master, and it is the only router holding the VIPs.
private func expectSingleMaster(_ net: InMemoryLAN, _ expected: InMemoryLAN.RouterID,
                                sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(net.masters() == [expected], sourceLocation: sourceLocation)
    let holders = net.nodes.indices.filter { net.nodes[$0].holdsVirtualAddresses }
    #expect(holders == [expected], sourceLocation: sourceLocation)
}

@Suite("Simulation: elections on an in-memory LAN")
struct SimulationTests {
    @Test("Cold start: the highest priority becomes the one master, the others stay backup")
    func coldStart() {
        var net = lan([100, 200, 150])
        net.start()
        net.run(until: .ms(20_000))
        expectSingleMaster(net, 1)
        #expect(net.state(0) == .backup)
        #expect(net.state(2) == .backup)
        // The winner took over at its own Master_Down_Interval (priority 200: 3.21875 s).
        let entered = net.history(of: 1).first { $0.to == .master }
        #expect(entered?.at == Instant.zero + Interval(nanoseconds: 3_218_750_000))
        #expect(net.history(of: 0).allSatisfy { $0.to != .master })
    }

    // RFC checklist F29
    @Test("F29: after a master crash the best backup becomes master exactly Master_Down_Interval after the last advert it received")
    func masterCrash() {
        var net = lan([255, 200, 100])
        net.start()
        net.run(until: .ms(10_500))
        expectSingleMaster(net, 0)
        net.crash(0)
        net.run(until: .ms(20_000))
        expectSingleMaster(net, 1)
        let takeover = net.history(of: 1).last { $0.to == .master }!
        let backup = net.router(1)
        let lastHeard = backup.lastAdvertisement!
        #expect(lastHeard.from == RouterFixtures.address(1))
        #expect(takeover.at == lastHeard.at + VirtualRouter.masterDownInterval(
            version: .v3, priority: 200, masterAdverInterval: .oneSecond))
        #expect(backup.lastTakeover == Interval(nanoseconds: 3_218_750_000))
        #expect(net.state(2) == .backup)
    }

    // RFC checklist F30, F33
    @Test("F30/F33: a graceful stop sends priority 0 and the best backup takes over after Skew_Time")
    func priorityZeroRelease() {
        var net = lan([255, 200, 100], delay: .milliseconds(2))
        net.start()
        net.run(until: .ms(10_300))
        net.stop(0)
        let stoppedAt = net.now
        net.run(until: .ms(20_000))
        #expect(net.state(0) == .initialize)
        expectSingleMaster(net, 1)
        let takeover = net.history(of: 1).last { $0.to == .master }!
        // Delivery delay + Skew_Time(200) = 2 ms + 0.21875 s.
        #expect(takeover.at == stoppedAt + .milliseconds(2) + Interval(nanoseconds: 218_750_000))
        #expect(net.router(1).statistics.priorityZeroPktsRcvd == 1)
        // The priority-100 backup did not become master: it waited its longer skew, then heard 200.
        #expect(net.history(of: 2).allSatisfy { $0.to != .master })
    }

    // RFC checklist F31, F36
    @Test("Preempt: a higher-priority router that starts later takes over from the lower master")
    func preempt() {
        var net = lan([100, 200])
        net.start([0])
        net.run(until: .ms(10_000))
        expectSingleMaster(net, 0)
        net.start([1])
        net.run(until: .ms(20_000))
        expectSingleMaster(net, 1)
        #expect(net.history(of: 0).last?.reason == .preferredMasterSeen(priority: 200, address: RouterFixtures.address(2)))
    }

    @Test("fast_preempt: the master's priority drops below the backup's; the backup takes over within Skew_Time, once, with no flap")
    func fastPreemptTakeover() {
        for fast in [true, false] {
            var net = InMemoryLAN(deliveryDelay: .milliseconds(1))
            net.recordAdvertisements = true
            for (i, priority) in [UInt8(150), 120].enumerated() {
                net.add(RouterFixtures.configuration(priority: priority, fastPreempt: fast),
                        address: RouterFixtures.address(UInt8(i + 1)))
            }
            net.start()
            net.run(until: .ms(10_300))
            expectSingleMaster(net, 0)
            let drop = Instant.ms(10_300)
            // nginx died on the master: tracking takes 150 → 90 (weight -60).
            net.schedule(.priorityChanged(90), to: 0, at: drop)
            net.run(until: .ms(60_000))
            expectSingleMaster(net, 1)
            let took = net.history(of: 1).filter { $0.to == .master }
            #expect(took.count == 1, "one takeover, no flap: \(net.history)")
            let gaveUp = net.history(of: 0).filter { $0.at > drop }
            #expect(gaveUp.map(\.to) == [.backup], "the old master steps down once: \(gaveUp)")
            guard let t = took.first, let down = gaveUp.first else { continue }
            let skew = net.router(1).skewTime
            if fast {
                // The master advertises 90 at once (#17) and the backup arms Skew_Time on it.
                #expect(t.at <= drop + skew + .milliseconds(2), "took over at \(t.at), skew \(skew)")
            } else {
                // Without it the backup discards the lower adverts and waits for Master_Down_Interval.
                // (Master_Down_Interval from the last 150 advert before the drop: over 2 s here.)
                #expect(t.at >= drop + .seconds(2))
            }
            // Two masters only while the new master's first advert is in flight (the same window
            // as every RFC preemption): one delivery delay.
            #expect(down.at - t.at <= .milliseconds(1), "overlap \(down.at - t.at)")
        }
    }

    @Test("fast_preempt on both nodes: restoring the old master's priority hands back once; nopreempt stays put")
    func fastPreemptBothWays() {
        for preempt in [true, false] {
            var net = InMemoryLAN(deliveryDelay: .milliseconds(1))
            for (i, priority) in [UInt8(150), 120].enumerated() {
                net.add(RouterFixtures.configuration(priority: priority, preempt: preempt, fastPreempt: true),
                        address: RouterFixtures.address(UInt8(i + 1)))
            }
            net.start()
            net.run(until: .ms(10_300))
            net.schedule(.priorityChanged(90), to: 0, at: .ms(10_300))
            net.run(until: .ms(20_000))
            expectSingleMaster(net, preempt ? 1 : 0)
            net.schedule(.priorityChanged(150), to: 0, at: .ms(20_000))
            net.run(until: .ms(60_000))
            expectSingleMaster(net, 0)
            #expect(net.history(of: 0).filter { $0.to == .master }.count == (preempt ? 2 : 1), "\(net.history)")
        }
    }

    // RFC checklist F38
    @Test("F38: nopreempt: a higher-priority router that starts later stays backup")
    func noPreempt() {
        var net = lan([100, 200], preempt: false)
        net.start([0])
        net.run(until: .ms(10_000))
        net.start([1])
        net.run(until: .ms(60_000))
        expectSingleMaster(net, 0)
        #expect(net.router(1).masterPriority == 100)
    }

    // RFC checklist F36
    @Test("F36: equal priorities starting together are resolved by the greater address")
    func equalPriorities() {
        var net = lan([100, 100, 100])
        net.start()
        net.run(until: .ms(20_000))
        expectSingleMaster(net, 2)  // 198.18.0.3 is the greatest
        // All three timed out together and became master; two stepped down.
        #expect(net.history.filter { $0.to == .master }.count == 3)
    }

    @Test("Partition gives two masters; healing brings back one master within one advert interval")
    func partitionAndHeal() {
        var net = lan([200, 100])
        net.start()
        net.run(until: .ms(10_000))
        expectSingleMaster(net, 0)
        net.partition([[0], [1]])
        net.run(until: .ms(20_000))
        #expect(Set(net.masters()) == [0, 1])
        net.heal()
        let healedAt = net.now
        net.run(until: healedAt + .seconds(1) + .milliseconds(2))
        expectSingleMaster(net, 0)
        let stepDown = net.history(of: 1).last!
        #expect(stepDown.to == .backup)
        #expect(stepDown.at <= healedAt + .seconds(1) + .milliseconds(1))
    }

    // RFC checklist F31 (§6.4.2: v3 learns Master_Adver_Interval)
    @Test("v3 interval learning: a backup configured at 1 s times a 3 s master with the master's interval")
    func intervalLearning() {
        var net = InMemoryLAN(seed: 1)
        net.add(RouterFixtures.configuration(priority: 200, interval: Centiseconds(300)), address: RouterFixtures.address(1))
        net.add(RouterFixtures.configuration(priority: 100, interval: .oneSecond), address: RouterFixtures.address(2))
        net.start([0])
        net.run(until: .ms(15_000))
        net.start([1])
        net.run(until: .ms(60_000))
        // The backup's Master_Down_Interval comes from the learnt 300 cs, not its own 100 cs.
        expectSingleMaster(net, 0)
        #expect(net.router(1).masterAdverInterval == Centiseconds(300))
        #expect(net.router(1).masterDownInterval == .seconds(9) + Interval(nanoseconds: 1_828_125_000))
        net.crash(0)
        let last = net.router(1).lastAdvertisement!.at
        net.run(until: .ms(80_000))
        let takeover = net.history(of: 1).last { $0.to == .master }!
        #expect(takeover.at == last + .seconds(9) + Interval(nanoseconds: 1_828_125_000))
    }

    @Test("v2 routers elect the same way (integer-second intervals, fixed skew)")
    func v2Election() {
        var net = lan([150, 50], version: .v2)
        net.start()
        net.run(until: .ms(30_000))
        expectSingleMaster(net, 0)
        #expect(net.history(of: 0).first { $0.to == .master }?.at
                == Instant.zero + .seconds(3) + Interval(nanoseconds: 414_062_500))
    }

    @Test("With 20% loss, the master stays master (three adverts must be lost in a row) most of the time and there is never a lasting split")
    func lossyLAN() {
        var net = lan([200, 100], seed: 42, loss: 0.2)
        net.start()
        net.run(until: .ms(600_000))
        // A takeover needs three consecutive losses; afterwards the next advert restores order.
        expectSingleMaster(net, 0)
        let flaps = net.history(of: 1).filter { $0.to == .master }.count
        #expect(flaps < 20)
        // Loss really happened: the backup processed clearly fewer adverts than the master sent.
        let sent = net.router(0).statistics.advertisementsSent
        let heard = net.router(1).statistics.advertiseRcvd
        #expect(heard < sent * 9 / 10)
        #expect(heard > sent * 7 / 10)
    }

    @Test("Deterministic: the same seed gives the same history")
    func deterministic() {
        func history(seed: UInt64) -> [InMemoryLAN.Transition] {
            var net = lan([200, 100, 150], seed: seed, loss: 0.3)
            net.start()
            net.run(until: .ms(300_000))
            return net.history
        }
        #expect(history(seed: 7) == history(seed: 7))
    }

    @Test("A crashed master that restarts with the highest priority preempts again")
    func crashAndRestart() {
        var net = lan([200, 100])
        net.start()
        net.run(until: .ms(10_000))
        net.crash(0)
        net.run(until: .ms(20_000))
        expectSingleMaster(net, 1)
        net.restart(0)
        net.run(until: .ms(30_000))
        expectSingleMaster(net, 0)
    }

    @Test("A fault on the master hands over at once via priority 0; clearing it preempts back")
    func faultHandover() {
        var net = lan([200, 100])
        net.start()
        net.run(until: .ms(10_000))
        net.schedule(.faultRaised("eth0 down"), to: 0)
        net.run(until: .ms(11_000))
        #expect(net.state(0) == .fault)
        expectSingleMaster(net, 1)
        net.schedule(.faultCleared("eth0 down"), to: 0)
        net.run(until: .ms(20_000))
        expectSingleMaster(net, 0)
    }
}

@Suite("Simulation: scale")
struct SimulationScaleTests {
    @Test("1 000 instances (500 VRIDs × 2 routers) for two simulated hours: one master per VRID, always the better one",
          .timeLimit(.minutes(2)))
    func thousandInstances() {
        // 250 VRIDs per family (IPv4 and IPv6 are separate protocols, RFC 5798 §5.1): 500 virtual routers.
        var lan = InMemoryLAN(seed: 3, lossProbability: 0.01)
        var pairs: [(InMemoryLAN.RouterID, InMemoryLAN.RouterID)] = []
        for family in [AddressFamily.ipv4, .ipv6] {
            for vrid in 1...250 {
                var ids: [InMemoryLAN.RouterID] = []
                for (i, priority) in [UInt8(200), 100].enumerated() {
                    let address = family == .ipv4 ? RouterFixtures.address(UInt8(i + 1)) : RouterFixtures.address6(UInt16(i + 1))
                    ids.append(lan.add(RouterFixtures.configuration(vrid: UInt8(vrid), priority: priority,
                                                                    interval: Centiseconds(vrid % 2 == 0 ? 1000 : 4000),
                                                                    family: family),
                                       address: address))
                }
                pairs.append((ids[0], ids[1]))
            }
        }
        #expect(lan.nodes.count == 1000)
        lan.start()
        lan.run(until: .ms(2 * 3600 * 1000))
        for (best, other) in pairs {
            #expect(lan.state(best) == .master)
            #expect(lan.state(other) == .backup)
        }
        #expect(lan.masters().count == 500)
        #expect(lan.eventsHandled > 300_000)
    }
}
