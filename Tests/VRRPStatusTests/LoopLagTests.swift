// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing
@testable import VRRPStatus

@Suite("Loop lag in the snapshot")
struct LoopLagTests {
    @Test("the loop-lag figures reach the metrics and survive the JSON round trip; an old snapshot without them decodes")
    func loopLag() throws {
        let info = DaemonInfo(version: "t", pid: 1, startedAt: 0, configFile: "/c", loopLagMax: 0.25, loopLagLastMinute: 0.01)
        let snapshot = Snapshot(daemon: info, instances: [])
        let samples = try PrometheusTests.parse(snapshot.renderPrometheus())
        #expect(samples[#"vrrpd_loop_lag_seconds{window="since_start"}"#] == 0.25)
        #expect(samples[#"vrrpd_loop_lag_seconds{window="last_minute"}"#] == 0.01)

        let decoded = try StatusReply.decode(line: StatusReply(snapshot: snapshot).encodedLine())
        #expect(decoded.snapshot?.daemon.loopLagMax == 0.25)
        #expect(decoded.snapshot?.daemon.loopLagLastMinute == 0.01)

        let old = try JSONDecoder().decode(DaemonInfo.self, from: Data(#"{"version":"t","pid":1,"startedAt":0,"configFile":"/c"}"#.utf8))
        #expect(old.loopLagMax == nil)
        #expect(!Snapshot(daemon: old, instances: []).renderPrometheus().contains("vrrpd_loop_lag_seconds"))
    }
}
