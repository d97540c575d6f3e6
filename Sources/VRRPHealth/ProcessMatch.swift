// SPDX-License-Identifier: Apache-2.0
/// A keepalived `vrrp_track_process` block.
public struct ProcessSpec: Sendable, Hashable {
    public enum ParameterMatch: Sendable, Hashable {
        /// `param_match full` (default): the arguments after argv[0] equal `parameters`.
        case full
        /// `param_match initial`: the arguments start with `parameters`.
        case initial
        /// `param_match partial`: `parameters` appear as a consecutive run of the arguments.
        case partial
    }

    public var name: String
    /// `process`: the name compared with /proc/PID/comm (the kernel keeps 15 characters),
    /// or, with `fullCommand`, with argv[0] from /proc/PID/cmdline.
    public var processName: String
    /// `param`: nil ignores the arguments.
    public var parameters: [String]?
    public var parameterMatch: ParameterMatch
    public var fullCommand: Bool
    /// `quorum` and `quorum_max`: OK while `quorum <= count <= quorumMax`.
    public var quorum: Int
    public var quorumMax: Int
    /// `delay`: how long the count must stay out of quorum before failing is reported.
    public var delay: Duration
    public var weight: Int
    public var reverse: Bool

    public init(name: String, processName: String, parameters: [String]? = nil,
                parameterMatch: ParameterMatch = .full, fullCommand: Bool = false,
                quorum: Int = 1, quorumMax: Int = .max, delay: Duration = .zero,
                weight: Int = 0, reverse: Bool = false) {
        self.name = name
        self.processName = processName
        self.parameters = parameters
        self.parameterMatch = parameterMatch
        self.fullCommand = fullCommand
        self.quorum = quorum
        self.quorumMax = quorumMax
        self.delay = delay
        self.weight = weight
        self.reverse = reverse
    }

    /// Whether the spec needs /proc/PID/cmdline (otherwise comm is enough).
    public var needsCommandLine: Bool { fullCommand || parameters != nil }

    /// Pure matcher. `comm` without its trailing newline; `commandLine` split at NULs.
    public func matches(comm: String, commandLine: [String]) -> Bool {
        if fullCommand {
            guard let argv0 = commandLine.first, argv0 == processName else { return false }
        } else {
            // TASK_COMM_LEN is 16 including the NUL: the kernel truncates comm to 15 bytes.
            let wanted = String(decoding: processName.utf8.prefix(15), as: UTF8.self)
            guard comm == wanted else { return false }
        }
        guard let parameters else { return true }
        let args = Array(commandLine.dropFirst())
        switch parameterMatch {
        case .full:
            return args == parameters
        case .initial:
            return args.count >= parameters.count && Array(args.prefix(parameters.count)) == parameters
        case .partial:
            if parameters.isEmpty { return true }
            guard args.count >= parameters.count else { return false }
            for start in 0...(args.count - parameters.count)
            where Array(args[start..<(start + parameters.count)]) == parameters {
                return true
            }
            return false
        }
    }

    public func status(count: Int) -> HealthStatus {
        count >= quorum && count <= quorumMax ? .ok : .failing
    }

    public func reason(count: Int) -> String {
        let plural = count == 1 ? "process" : "processes"
        if count < quorum { return "\(count) \(plural), below quorum \(quorum)" }
        if count > quorumMax { return "\(count) \(plural), above quorum_max \(quorumMax)" }
        return "\(count) \(plural) running"
    }
}

/// Events of the kernel's process connector (linux/cn_proc.h), decoded from bytes.
public enum ProcEvent: Sendable, Hashable {
    case fork(childPID: Int32, childTGID: Int32)
    case exec(pid: Int32, tgid: Int32)
    case comm(pid: Int32, tgid: Int32)
    case exit(pid: Int32, tgid: Int32)
    case other(what: UInt32)

    // enum proc_event.what (linux/cn_proc.h): a stable kernel ABI.
    static let procEventFork: UInt32 = 0x0000_0001
    static let procEventExec: UInt32 = 0x0000_0002
    static let procEventComm: UInt32 = 0x0000_0200
    static let procEventExit: UInt32 = 0x8000_0000

    /// Size of struct nlmsghdr and struct cn_msg (id.idx, id.val, seq, ack, len, flags).
    static let nlmsghdrSize = 16
    static let cnMsgSize = 20

    /// Decodes every connector message in a netlink datagram (host byte order, as the
    /// kernel sends them). Malformed or truncated messages are skipped, never trapped on.
    public static func decode(datagram: [UInt8]) -> [ProcEvent] {
        var events: [ProcEvent] = []
        var offset = 0
        while offset + nlmsghdrSize <= datagram.count {
            let length = Int(load32(datagram, offset))
            guard length >= nlmsghdrSize, offset + length <= datagram.count else { break }
            let cn = offset + nlmsghdrSize
            if cn + cnMsgSize <= offset + length {
                let dataLength = Int(load16(datagram, cn + 16))
                let ev = cn + cnMsgSize
                if dataLength >= 16 + 8, ev + dataLength <= offset + length {
                    events.append(decodeProcEvent(datagram, ev))
                }
            }
            offset += (length + 3) & ~3   // NLMSG_ALIGN
        }
        return events
    }

    /// struct proc_event: what(4) cpu(4) timestamp_ns(8) then the per-event union.
    static func decodeProcEvent(_ b: [UInt8], _ at: Int) -> ProcEvent {
        let what = load32(b, at)
        let data = at + 16
        func i32(_ index: Int) -> Int32 { Int32(bitPattern: load32(b, data + 4 * index)) }
        switch what {
        case procEventFork: return .fork(childPID: i32(2), childTGID: i32(3))
        case procEventExec: return .exec(pid: i32(0), tgid: i32(1))
        case procEventComm: return .comm(pid: i32(0), tgid: i32(1))
        case procEventExit: return .exit(pid: i32(0), tgid: i32(1))
        default: return .other(what: what)
        }
    }

    static func load32(_ b: [UInt8], _ at: Int) -> UInt32 {
        guard at + 4 <= b.count else { return 0 }
        return UInt32(littleEndianOrHost: b, at)
    }

    static func load16(_ b: [UInt8], _ at: Int) -> UInt16 {
        guard at + 2 <= b.count else { return 0 }
        let v = UInt16(b[at]) | UInt16(b[at + 1]) << 8
        return UInt16(littleEndian: v)
    }
}

extension UInt32 {
    /// Reads a host-order UInt32 (netlink uses host byte order).
    init(littleEndianOrHost b: [UInt8], _ at: Int) {
        let v = UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24
        self = UInt32(littleEndian: v)
    }
}
