// SPDX-License-Identifier: Apache-2.0
/// The rtnetlink wire codec: `nlmsghdr`, `ifaddrmsg`, `ifinfomsg`, `rtattr`, `NLMSG_ERROR`.
/// Pure: no syscalls, no pointers. Netlink is host byte order; integers are written and read
/// in native order (the hex fixtures in the tests are little-endian).

/// One netlink message: the 16-byte `nlmsghdr` fields and the payload after it.
public struct NetlinkMessage: Hashable, Sendable {
    public var type: UInt16
    public var flags: UInt16
    public var sequence: UInt32
    public var portID: UInt32
    /// The bytes after the header, without trailing alignment padding.
    public var payload: [UInt8]

    public static let headerSize = 16

    public init(type: UInt16, flags: UInt16, sequence: UInt32, portID: UInt32 = 0, payload: [UInt8]) {
        self.type = type
        self.flags = flags
        self.sequence = sequence
        self.portID = portID
        self.payload = payload
    }

    /// The message bytes, padded to NLMSG_ALIGNTO (4). `nlmsg_len` excludes the padding.
    public func encode() -> [UInt8] {
        var out = ByteWriter()
        out.append(UInt32(Self.headerSize + payload.count))  // nlmsg_len
        out.append(type)                                      // nlmsg_type
        out.append(flags)                                     // nlmsg_flags
        out.append(sequence)                                  // nlmsg_seq
        out.append(portID)                                    // nlmsg_pid
        out.append(payload)
        out.pad()
        return out.bytes
    }

    /// Splits a datagram into messages. Each `nlmsg_len` must be at least a header and fit.
    public static func decode(_ bytes: [UInt8]) throws(NetlinkDecodeError) -> [NetlinkMessage] {
        var messages: [NetlinkMessage] = []
        var offset = 0
        while bytes.count - offset >= headerSize {
            var reader = ByteReader(bytes[offset...])
            let length = Int(reader.u32()!)
            guard length >= headerSize, length <= bytes.count - offset else {
                throw .badLength(offset: offset, length: length)
            }
            let type = reader.u16()!
            let flags = reader.u16()!
            let sequence = reader.u32()!
            let portID = reader.u32()!
            let payload = Array(bytes[(offset + headerSize)..<(offset + length)])
            messages.append(NetlinkMessage(type: type, flags: flags, sequence: sequence, portID: portID, payload: payload))
            offset += align4(length)
        }
        guard offset >= bytes.count else { throw .truncatedHeader(offset: offset) }
        return messages
    }

    /// The payload interpreted by message type.
    public func body() throws(NetlinkDecodeError) -> NetlinkBody {
        switch type {
        case RTNL.newAddress, RTNL.delAddress: return .address(try AddressMessage(decoding: payload))
        case RTNL.newLink, RTNL.delLink: return .link(try LinkMessage(decoding: payload))
        case RTNL.error: return .error(try NetlinkErrorMessage(decoding: payload))
        case RTNL.done: return .done
        case RTNL.noop: return .noop
        default: return .other
        }
    }
}

/// What a netlink message carries, by `nlmsg_type`.
public enum NetlinkBody: Hashable, Sendable {
    case address(AddressMessage)
    case link(LinkMessage)
    /// NLMSG_ERROR; `errno == 0` is an ACK.
    case error(NetlinkErrorMessage)
    case done
    case noop
    case other
}

public enum NetlinkDecodeError: Error, Hashable, Sendable {
    case truncatedHeader(offset: Int)
    case badLength(offset: Int, length: Int)
    case truncatedBody(type: String, length: Int)
    case badAttribute(offset: Int)
}

/// One `rtattr`: `rta_len` (u16, header + value), `rta_type` (u16), value, padding to 4.
public struct RouteAttribute: Hashable, Sendable {
    public var type: UInt16
    public var value: [UInt8]

    public init(type: UInt16, value: [UInt8]) {
        self.type = type
        self.value = value
    }

    public init(type: UInt16, u8: UInt8) { self.init(type: type, value: [u8]) }
    public init(type: UInt16, u32: UInt32) {
        var w = ByteWriter()
        w.append(u32)
        self.init(type: type, value: w.bytes)
    }
    /// A nested attribute (IFLA_LINKINFO, IFLA_AF_SPEC): the children, each padded to 4.
    public init(type: UInt16, nested children: [RouteAttribute]) {
        var w = ByteWriter()
        RouteAttribute.encode(children, into: &w)
        self.init(type: type, value: w.bytes)
    }
    /// A NUL-terminated string value (IFA_LABEL, IFLA_IFNAME).
    public init(type: UInt16, string: String) { self.init(type: type, value: Array(string.utf8) + [0]) }

    func encode(into out: inout ByteWriter) {
        out.append(UInt16(4 + value.count))
        out.append(type)
        out.append(value)
        out.pad()
    }

    static func encode(_ attributes: [RouteAttribute], into out: inout ByteWriter) {
        for attribute in attributes { attribute.encode(into: &out) }
    }

    static func decode(_ bytes: ArraySlice<UInt8>) throws(NetlinkDecodeError) -> [RouteAttribute] {
        var out: [RouteAttribute] = []
        var offset = bytes.startIndex
        while bytes.endIndex - offset >= 4 {
            var reader = ByteReader(bytes[offset...])
            let length = Int(reader.u16()!)
            let type = reader.u16()!
            guard length >= 4, length <= bytes.endIndex - offset else { throw .badAttribute(offset: offset) }
            out.append(RouteAttribute(type: type, value: Array(bytes[(offset + 4)..<(offset + length)])))
            offset += align4(length)
        }
        return out
    }

    /// The value as a native-order integer, nil if the size is wrong.
    public var u8: UInt8? { value.count == 1 ? value[0] : nil }
    public var u32: UInt32? {
        guard value.count == 4 else { return nil }
        var reader = ByteReader(value[...])
        return reader.u32()
    }
    /// The value up to its first NUL.
    public var string: String {
        String(decoding: value.prefix { $0 != 0 }, as: UTF8.self)
    }
}

extension [RouteAttribute] {
    /// The first attribute of `type` (flag bits ignored).
    public func first(_ type: UInt16) -> RouteAttribute? {
        first { $0.type & RTNL.attributeTypeMask == type }
    }
}

/// `struct ifaddrmsg` (8 bytes) and its attributes: RTM_NEWADDR / RTM_DELADDR / RTM_GETADDR.
public struct AddressMessage: Hashable, Sendable {
    public var family: UInt8
    public var prefixLength: UInt8
    /// `ifa_flags`: the low 8 address flags; IFA_FLAGS, if present, holds all 32.
    public var flags: UInt8
    public var scope: UInt8
    public var index: UInt32
    public var attributes: [RouteAttribute]

    public init(family: UInt8, prefixLength: UInt8, flags: UInt8 = 0, scope: UInt8 = 0, index: UInt32,
                attributes: [RouteAttribute] = []) {
        self.family = family
        self.prefixLength = prefixLength
        self.flags = flags
        self.scope = scope
        self.index = index
        self.attributes = attributes
    }

    public func encode() -> [UInt8] {
        var out = ByteWriter()
        out.append(family)        // ifa_family
        out.append(prefixLength)  // ifa_prefixlen
        out.append(flags)         // ifa_flags
        out.append(scope)         // ifa_scope
        out.append(index)         // ifa_index
        RouteAttribute.encode(attributes, into: &out)
        return out.bytes
    }

    public init(decoding bytes: [UInt8]) throws(NetlinkDecodeError) {
        var reader = ByteReader(bytes[...])
        guard let family = reader.u8(), let prefix = reader.u8(), let flags = reader.u8(), let scope = reader.u8(),
              let index = reader.u32() else { throw .truncatedBody(type: "ifaddrmsg", length: bytes.count) }
        self.init(family: family, prefixLength: prefix, flags: flags, scope: scope, index: index,
                  attributes: try RouteAttribute.decode(bytes[8...]))
    }
}

/// `struct rtmsg` (12 bytes) and its attributes: RTM_NEWROUTE / RTM_DELROUTE (encode only).
public struct RouteMessage: Hashable, Sendable {
    public var family: UInt8
    public var destinationLength: UInt8
    public var sourceLength: UInt8 = 0
    public var tos: UInt8 = 0
    /// `rtm_table`: the table id if below 256, else RT_TABLE_UNSPEC and RTA_TABLE carries it.
    public var table: UInt8
    public var routeProtocol: UInt8
    public var scope: UInt8
    public var type: UInt8
    public var flags: UInt32 = 0
    public var attributes: [RouteAttribute]

    public init(family: UInt8, destinationLength: UInt8, table: UInt8, routeProtocol: UInt8, scope: UInt8,
                type: UInt8, attributes: [RouteAttribute] = []) {
        self.family = family
        self.destinationLength = destinationLength
        self.table = table
        self.routeProtocol = routeProtocol
        self.scope = scope
        self.type = type
        self.attributes = attributes
    }

    public func encode() -> [UInt8] {
        var out = ByteWriter()
        out.append(family)             // rtm_family
        out.append(destinationLength)  // rtm_dst_len
        out.append(sourceLength)       // rtm_src_len
        out.append(tos)                // rtm_tos
        out.append(table)              // rtm_table
        out.append(routeProtocol)      // rtm_protocol
        out.append(scope)              // rtm_scope
        out.append(type)               // rtm_type
        out.append(flags)              // rtm_flags
        RouteAttribute.encode(attributes, into: &out)
        return out.bytes
    }
}

/// `struct ifinfomsg` (16 bytes) and its attributes: RTM_NEWLINK / RTM_DELLINK / RTM_GETLINK.
public struct LinkMessage: Hashable, Sendable {
    public var family: UInt8
    /// `ifi_type`: ARPHRD_* (1 is Ethernet).
    public var deviceType: UInt16
    public var index: Int32
    /// `ifi_flags`: IFF_*.
    public var flags: UInt32
    public var change: UInt32
    public var attributes: [RouteAttribute]

    public init(family: UInt8 = RTNL.afUnspec, deviceType: UInt16 = 0, index: Int32 = 0, flags: UInt32 = 0,
                change: UInt32 = 0, attributes: [RouteAttribute] = []) {
        self.family = family
        self.deviceType = deviceType
        self.index = index
        self.flags = flags
        self.change = change
        self.attributes = attributes
    }

    public func encode() -> [UInt8] {
        var out = ByteWriter()
        out.append(family)            // ifi_family
        out.append(UInt8(0))          // __ifi_pad
        out.append(deviceType)        // ifi_type
        out.append(UInt32(bitPattern: index))  // ifi_index
        out.append(flags)             // ifi_flags
        out.append(change)            // ifi_change
        RouteAttribute.encode(attributes, into: &out)
        return out.bytes
    }

    public init(decoding bytes: [UInt8]) throws(NetlinkDecodeError) {
        var reader = ByteReader(bytes[...])
        guard let family = reader.u8(), reader.u8() != nil, let type = reader.u16(), let index = reader.u32(),
              let flags = reader.u32(), let change = reader.u32()
        else { throw .truncatedBody(type: "ifinfomsg", length: bytes.count) }
        self.init(family: family, deviceType: type, index: Int32(bitPattern: index), flags: flags, change: change,
                  attributes: try RouteAttribute.decode(bytes[16...]))
    }
}

/// `struct nlmsgerr`: a negative errno (0 for an ACK) and the header of the request it answers.
public struct NetlinkErrorMessage: Hashable, Sendable {
    /// The positive errno, 0 for an ACK.
    public var errno: Int32
    /// The request's type and sequence number, echoed by the kernel.
    public var requestType: UInt16
    public var requestSequence: UInt32

    public init(errno: Int32, requestType: UInt16, requestSequence: UInt32) {
        self.errno = errno
        self.requestType = requestType
        self.requestSequence = requestSequence
    }

    public init(decoding bytes: [UInt8]) throws(NetlinkDecodeError) {
        var reader = ByteReader(bytes[...])
        guard let error = reader.u32(), reader.u32() != nil, let type = reader.u16(), reader.u16() != nil,
              let sequence = reader.u32()
        else { throw .truncatedBody(type: "nlmsgerr", length: bytes.count) }
        // The kernel sends a negated errno; negate with wrap-around so a hostile 0x80000000
        // decodes (to Int32.min, no errno) instead of trapping (found by the netlink fuzzer).
        self.init(errno: 0 &- Int32(bitPattern: error), requestType: type, requestSequence: sequence)
    }
}

@inline(__always) func align4(_ n: Int) -> Int { (n + 3) & ~3 }

/// Appends native-order integers.
struct ByteWriter {
    var bytes: [UInt8] = []
    mutating func append<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value) { bytes.append(contentsOf: $0) }
    }
    mutating func append(_ raw: [UInt8]) { bytes.append(contentsOf: raw) }
    mutating func pad() { bytes.append(contentsOf: repeatElement(0, count: align4(bytes.count) - bytes.count)) }
}

/// Reads native-order integers; nil past the end, never traps.
struct ByteReader {
    private var rest: ArraySlice<UInt8>
    init(_ bytes: ArraySlice<UInt8>) { rest = bytes }

    mutating func read<T: FixedWidthInteger>(_: T.Type) -> T? {
        let size = MemoryLayout<T>.size
        guard rest.count >= size else { return nil }
        var value = T.zero
        withUnsafeMutableBytes(of: &value) { raw in
            for (i, byte) in rest.prefix(size).enumerated() { raw[i] = byte }
        }
        rest = rest.dropFirst(size)
        return value
    }
    mutating func u8() -> UInt8? { read(UInt8.self) }
    mutating func u16() -> UInt16? { read(UInt16.self) }
    mutating func u32() -> UInt32? { read(UInt32.self) }
}
