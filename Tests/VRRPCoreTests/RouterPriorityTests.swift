// SPDX-License-Identifier: Apache-2.0
import Testing
import VRRPCore

@Suite("PriorityCalculator: keepalived tracking weights")
struct RouterPriorityTests {
    @Test("Positive weights add while up; negative weights add while down")
    func weights() {
        var calc = PriorityCalculator(base: 100)
        calc.track("eth1", .init(weight: 20))
        calc.track("chk", .init(weight: -30))
        #expect(calc.effectivePriority == 120)
        calc.setUp("eth1", false)
        #expect(calc.effectivePriority == 100)
        calc.setUp("chk", false)
        #expect(calc.effectivePriority == 70)
    }

    @Test("reverse swaps up and down")
    func reverse() {
        var calc = PriorityCalculator(base: 100)
        calc.track("file", .init(weight: -10, reverse: true))
        #expect(calc.effectivePriority == 90)
        calc.setUp("file", false)
        #expect(calc.effectivePriority == 100)
    }

    @Test("The result is clamped to 1...254; the owner's 255 is never changed")
    func clamping() {
        var calc = PriorityCalculator(base: 250)
        calc.track("a", .init(weight: 50))
        #expect(calc.effectivePriority == 254)
        calc.base = 10
        calc.track("b", .init(weight: -100, isUp: false))
        #expect(calc.effectivePriority == 1)
        var owner = PriorityCalculator(base: 255)
        owner.track("b", .init(weight: -100, isUp: false))
        #expect(owner.effectivePriority == 255)
    }

    @Test("A weight-0 tracker going down is a fault, and events(since:) reports it")
    func weightZeroFault() {
        var calc = PriorityCalculator(base: 100)
        calc.track("eth0", .init(weight: 0))
        calc.track("chk", .init(weight: -20))
        let before = calc
        #expect(calc.faults.isEmpty)
        calc.setUp("eth0", false)
        calc.setUp("chk", false)
        #expect(calc.faults == ["eth0"])
        #expect(calc.events(since: before) == [.faultRaised("eth0"), .priorityChanged(80)])
        let down = calc
        calc.setUp("eth0", true)
        #expect(calc.events(since: down) == [.faultCleared("eth0")])
    }
}

@Suite("PriorityCalculator: track_file values and unknown verdicts")
struct RouterPriorityFileTests {
    @Test("A file adds value × weight, clamped to -254...253; -254 is a fault")
    func fileProduct() {
        var calc = PriorityCalculator(base: 100)
        calc.track("f", .file(weight: 10, value: 3))
        #expect(calc.effectivePriority == 130)
        calc.setFileValue("f", -5)
        #expect(calc.effectivePriority == 50)
        #expect(calc.faults.isEmpty)
        calc.setFileValue("f", -100)
        #expect(calc.faults == ["f"])
        #expect(calc.effectivePriority == 100)
        calc.setFileValue("f", Int.max)
        #expect(calc.effectivePriority == 254)
    }

    @Test("keepalived update_track_file_status vectors", arguments: [
        (5, 2, false, 10, false), (5, 2, true, -10, false), (200, 2, false, 253, false),
        (-254, 1, false, 0, true), (-200, 3, false, 0, true), (3, 0, false, 0, true),
        (0, 0, false, 0, false), (0, 0, true, 0, true),
    ])
    func fileVectors(value: Int, weight: Int, reverse: Bool, delta: Int, fault: Bool) {
        let t = PriorityCalculator.Tracker.file(weight: weight, reverse: reverse, value: value)
        #expect(t.contribution == delta)
        #expect(t.isFault == fault)
    }

    @Test("A weight-0 file faults on a non-zero value; reverse faults on zero")
    func fileWeightZero() {
        var calc = PriorityCalculator(base: 100)
        calc.track("f", .file(weight: 0, value: 0))
        calc.track("r", .file(weight: 0, reverse: true, value: 1))
        #expect(calc.faults.isEmpty)
        calc.setFileValue("f", 2)
        calc.setFileValue("r", 0)
        #expect(calc.faults == ["f", "r"])
    }

    @Test("An object with no verdict yet neither adds nor subtracts nor faults")
    func unknown() {
        var calc = PriorityCalculator(base: 100)
        calc.track("up", .init(weight: 20, isKnown: false))
        calc.track("down", .init(weight: 0, isUp: false, isKnown: false))
        calc.track("f", .file(weight: 5, value: nil))
        #expect(calc.effectivePriority == 100)
        #expect(calc.faults.isEmpty)
        calc.setUp("up", true)
        #expect(calc.effectivePriority == 120)
    }
}
