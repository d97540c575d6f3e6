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
