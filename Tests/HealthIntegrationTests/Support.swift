// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import Foundation
import Testing
import VRRPLab
import VRRPStatus

/// What the machine needs for these tests (root, iproute2, vrrpd, nginx with its stream
/// module, RabbitMQ): the one skip policy, `.requires(all:)`, skips or (CI) fails without them.
enum Services {
    static let nginx = Lab.nginxPath
    static let streamModule = Lab.nginxStreamModule
    static let rabbitmq = "/usr/lib/rabbitmq/bin/rabbitmq-server"

    static let lab = LabRequirement.namespaceLab
    static let nginxLab = lab + [.tool(nginx), .file(streamModule)]
    static let rabbitMQLab = nginxLab + [.tool(rabbitmq)]

    static var haveRabbitMQ: Bool { LabRequirement.unmetReason(rabbitMQLab) == nil }
}

/// Writes `config` to `<host dir>/<name>.conf` and starts `vrrpd -f … -D` in the host through
/// VRRPLab (pid file, status socket and log named after `name`), behind `wrapper` (e.g.
/// `setpriv --no-new-privs`, as the shipped unit's NoNewPrivileges=yes); returns once its
/// status socket answers.
func startDaemon(_ lab: Lab, on host: LabHost, config: String, name: String = "vrrpd",
                 wrapper: [String] = []) throws -> LabVRRPNode {
    var options = LabVRRPDOptions(tag: name, arguments: ["-D"], waitForStatus: .seconds(15))
    options.wrapper = wrapper
    return try lab.startVRRPD(host, config: config, options: options)
}

extension LabVRRPNode {
    /// The status ("ok", "failing", "unknown") of a tracked item.
    func tracked(_ item: String, instance: String = "VI_1") throws -> String? {
        try self.instance(instance).tracked.first { $0.name == item }?.status
    }
}

extension Lab {
    /// True when `address` is configured on any interface of `host`.
    func hasAddress(_ host: LabHost, _ address: String) throws -> Bool {
        let out = try runChecked(host, ["ip", "-o", "addr", "show"]).stdout
        return out.split(separator: "\n").contains { line in
            line.split(separator: " ").contains { $0.hasPrefix(address + "/") }
        }
    }

    /// Sends the AMQP 0-9-1 protocol header to ADDRESS:PORT from `host` and returns true when
    /// the first frame back is a Connection.Start (type 1, channel 0, class 10, method 10).
    func amqpHandshake(from host: LabHost, _ address: String, port: Int = 5672) throws -> Bool {
        let script = """
            exec 3<>/dev/tcp/\(address)/\(port) || exit 2
            printf 'AMQP\\000\\000\\011\\001' >&3
            head -c 11 <&3 | od -An -v -tx1
            """
        let result = try run(host, ["timeout", "5", "bash", "-c", script], timeout: .seconds(10))
        let bytes = result.stdout.split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { UInt8($0, radix: 16) }
        // Frame header: type 1 (method), channel 0, 4-byte size; payload: class 10, method 10.
        return bytes.count == 11 && bytes[0] == 1 && bytes[1] == 0 && bytes[2] == 0
            && bytes[7] == 0 && bytes[8] == 10 && bytes[9] == 0 && bytes[10] == 10
    }

    /// Starts RabbitMQ in `host` (node rabbit@localhost, its files in the host directory,
    /// epmd started by it inside the namespace, so teardown ends it by PID) and waits for
    /// the AMQP handshake to work on 127.0.0.1:5672.
    func startRabbitMQ(_ host: LabHost) throws -> LabProcess {
        let dir = "\(host.directory)/rabbitmq"
        for sub in ["", "/mnesia", "/log"] {
            try FileManager.default.createDirectory(atPath: dir + sub, withIntermediateDirectories: true)
        }
        try """
            listeners.tcp.default = 5672
            loopback_users = none

            """.write(toFile: "\(dir)/rabbitmq.conf", atomically: true, encoding: .utf8)
        try "[].\n".write(toFile: "\(dir)/enabled_plugins", atomically: true, encoding: .utf8)
        let process = try spawn(host, [Services.rabbitmq], name: "rabbitmq", environment: [
            "HOME": dir,   // the Erlang cookie goes here, not into root's home
            "RABBITMQ_MNESIA_BASE": "\(dir)/mnesia",
            "RABBITMQ_LOG_BASE": "\(dir)/log",
            "RABBITMQ_CONFIG_FILE": "\(dir)/rabbitmq.conf",
            "RABBITMQ_PID_FILE": "\(dir)/rabbitmq.pid",
            "RABBITMQ_ENABLED_PLUGINS_FILE": "\(dir)/enabled_plugins",
            "RABBITMQ_NODENAME": "rabbit@localhost",
            "RABBITMQ_USE_LONGNAME": "false",
        ])
        try waitUntil("RabbitMQ on \(host.name) to accept AMQP", timeout: .seconds(90), poll: .milliseconds(500)) {
            guard isRunning(process) else {
                throw LabError.unexpectedOutput("rabbitmq-server on \(host.name) exited:\n\(log(process))")
            }
            return try amqpHandshake(from: host, "127.0.0.1")
        }
        return process
    }
}
