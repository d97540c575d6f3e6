// SPDX-License-Identifier: Apache-2.0
/// Pure wire helpers for the native checks (no IO, testable with byte fixtures).
public enum HTTPStatusLine {
    /// The request sent by the HTTP check: HTTP/1.1, `Connection: close`.
    public static func request(path: String, host: String) -> [UInt8] {
        let p = path.isEmpty ? "/" : path
        return Array("GET \(p) HTTP/1.1\r\nHost: \(host)\r\nUser-Agent: vrrpd-health\r\nAccept: */*\r\nConnection: close\r\n\r\n".utf8)
    }

    public enum Parse: Equatable, Sendable {
        case needMore
        case status(Int)
        case invalid
    }

    /// Parses `HTTP/1.x NNN reason\r\n` from the start of a response.
    public static func parse(_ bytes: ArraySlice<UInt8>) -> Parse {
        let prefix = Array("HTTP/".utf8)
        let available = Array(bytes.prefix(prefix.count))
        if available != Array(prefix.prefix(available.count)) { return .invalid }
        guard let lineEnd = bytes.firstIndex(of: UInt8(ascii: "\n")) else {
            return bytes.count > 1024 ? .invalid : .needMore
        }
        let line = bytes[bytes.startIndex..<lineEnd]
        // "HTTP/1.1 200 OK": version, space, three digits, then space or end of line.
        guard let space = line.firstIndex(of: UInt8(ascii: " ")) else { return .invalid }
        let digits = line[(space + 1)...].prefix(3)
        guard digits.count == 3, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return .invalid }
        let code = digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
        return .status(code)
    }
}

/// AMQP 0-9-1 handshake (RabbitMQ). The client sends the protocol header; a broker answers
/// with a method frame carrying Connection.Start (AMQP 0-9-1 §4.2.3 frame format:
/// type(1) channel(2) size(4) payload(size) frame-end 0xCE; method payload starts with
/// class-id(2) method-id(2); Connection.Start is class 10 method 10).
public enum AMQPHandshake {
    /// "AMQP" 0 0 9 1.
    public static let protocolHeader: [UInt8] = [0x41, 0x4D, 0x51, 0x50, 0x00, 0x00, 0x09, 0x01]

    /// Refuse absurd frame sizes from something that is not a broker.
    public static let maximumStartFrame = 64 * 1024

    public enum Parse: Equatable, Sendable {
        case needMore
        case connectionStart
        case invalid(String)
    }

    public static func parse(_ bytes: ArraySlice<UInt8>) -> Parse {
        let b = Array(bytes)
        if b.count >= 4 && b[0] == 0x41 && b[1] == 0x4D && b[2] == 0x51 && b[3] == 0x50 {
            // The broker replied with its own protocol header: version mismatch (§4.2.2).
            return .invalid("AMQP protocol version mismatch")
        }
        if let first = b.first, first != 1 {
            return .invalid("no Connection.Start (frame type \(first))")
        }
        guard b.count >= 7 else { return .needMore }
        let channel = UInt16(b[1]) << 8 | UInt16(b[2])
        if channel != 0 { return .invalid("no Connection.Start (channel \(channel))") }
        let size = Int(b[3]) << 24 | Int(b[4]) << 16 | Int(b[5]) << 8 | Int(b[6])
        if size < 4 || size > maximumStartFrame { return .invalid("no Connection.Start (frame size \(size))") }
        if b.count >= 11 {
            let classID = UInt16(b[7]) << 8 | UInt16(b[8])
            let methodID = UInt16(b[9]) << 8 | UInt16(b[10])
            if classID != 10 || methodID != 10 {
                return .invalid("no Connection.Start (method \(classID).\(methodID))")
            }
        }
        guard b.count >= 7 + size + 1 else { return .needMore }
        if b[7 + size] != 0xCE { return .invalid("no Connection.Start (bad frame end)") }
        return .connectionStart
    }
}
