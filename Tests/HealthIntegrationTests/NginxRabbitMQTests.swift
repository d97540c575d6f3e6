// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing
import VRRPLab
import VRRPTestSupport
import VRRPStatus

/// Issue 5 with the real services: one RabbitMQ host, two proxies each running nginx (a
/// `stream` proxy to RabbitMQ's 5672 and an HTTP /health location) and vrrpd, one client.
/// Each test builds its own namespaces; teardown ends every process by PID and deletes them.
@Suite("nginx + RabbitMQ behind two vrrpd proxies", .serialized,
       .requires(all: Services.rabbitMQLab))
struct NginxRabbitMQTests {
    @Test("the client's AMQP handshake through the VIP survives nginx failing on the master, and the VIP returns with preempt")
    func failoverAndPreempt() async throws {
        try await withLab { lab in
            let lan = try lab.addLAN("lan")
            let p1 = try lab.addHost("p1", on: [lan], ipv4: ["198.18.0.11/24"])
            let p2 = try lab.addHost("p2", on: [lan], ipv4: ["198.18.0.12/24"])
            let client = try lab.addHost("c", on: [lan], ipv4: ["198.18.0.2/24"])
            let mq = try lab.addHost("mq", on: [lan], ipv4: ["198.18.0.20/24"])
            let vip = Configs.vip

            _ = try lab.startRabbitMQ(mq)
            var nginx1 = try lab.startNginx(p1, upstream: "198.18.0.20:5672")
            _ = try lab.startNginx(p2, upstream: "198.18.0.20:5672")
            let tracks = ["chk_nginx", "chk_amqp"]
            let d1 = try startDaemon(lab, on: p1, config: Configs.proxy(routerID: "p1", priority: 150,
                                                                          checks: Configs.proxyChecks, tracks: tracks))
            let d2 = try startDaemon(lab, on: p2, config: Configs.proxy(routerID: "p2", priority: 100,
                                                                          checks: Configs.proxyChecks, tracks: tracks))

            // 1. p1 (150) is master, both checks pass, the client reaches RabbitMQ through the VIP.
            try waitUntil("p1 MASTER with the VIP, p2 BACKUP", timeout: .seconds(20)) {
                try d1.instance().state == "MASTER" && d2.instance().state == "BACKUP" && lab.hasAddress(p1, vip)
            }
            try waitUntil("p1's checks to pass", timeout: .seconds(10)) {
                try d1.tracked("chk_nginx") == "ok" && d1.tracked("chk_amqp") == "ok"
            }
            #expect(try d1.instance().effectivePriority == 150)
            #expect(try !lab.hasAddress(p2, vip))
            try waitUntil("the AMQP handshake through the VIP", timeout: .seconds(10), poll: .milliseconds(250)) {
                try lab.amqpHandshake(from: client, vip)
            }

            // 2. nginx dies on the master: both checks fail (150 - 120 = 30 < 100), p2 takes over.
            lab.stop(nginx1)
            try waitUntil("p1's checks to fail", timeout: .seconds(15)) {
                try d1.tracked("chk_nginx") == "failing" && d1.tracked("chk_amqp") == "failing"
            }
            try waitUntil("the VIP to move to p2", timeout: .seconds(20)) {
                try d2.instance().state == "MASTER" && lab.hasAddress(p2, vip) && !lab.hasAddress(p1, vip)
            }
            #expect(try d1.instance().state == "BACKUP")
            #expect(try d1.instance().effectivePriority == 30)
            try waitUntil("the AMQP handshake through the VIP, now via p2", timeout: .seconds(15),
                          poll: .milliseconds(250)) {
                try lab.amqpHandshake(from: client, vip)
            }

            // 3. nginx comes back on p1: its checks rise, priority 150 preempts p2.
            nginx1 = try lab.startNginx(p1, upstream: "198.18.0.20:5672", name: "nginx-restarted")
            try waitUntil("the VIP to return to p1", timeout: .seconds(20)) {
                try d1.instance().state == "MASTER" && lab.hasAddress(p1, vip) && !lab.hasAddress(p2, vip)
            }
            try waitUntil("p2 to step back to BACKUP", timeout: .seconds(10)) { try d2.instance().state == "BACKUP" }
            try waitUntil("the AMQP handshake through the VIP, via p1 again", timeout: .seconds(15),
                          poll: .milliseconds(250)) {
                try lab.amqpHandshake(from: client, vip)
            }
            #expect(lab.isRunning(d1.process) && lab.isRunning(d2.process))
        }
    }
}
