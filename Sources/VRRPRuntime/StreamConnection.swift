// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import Logging
import VRRPCore
import VRRPLinux

/// A non-blocking stream socket served on the event loop: reads are callbacks, writes are
/// queued and drained without ever blocking the loop. A peer whose queue grows past a bound
/// (a stuck `watch` client) is dropped.
final class StreamConnection {
    let fd: Int32
    private unowned let loop: any EventLoopProtocol
    private var outgoing: [UInt8] = []
    private var retry: TimerToken?
    private(set) var isClosed = false
    let maximumQueued: Int
    var onClose: (() -> Void)?
    /// Called when a queue that could not be written at once has been written out.
    var onDrain: (() -> Void)?
    /// Bytes accepted by `write` and not yet taken by the kernel.
    var queuedBytes: Int { outgoing.count }
    /// When the kernel last took bytes (or the queue last started filling): a peer whose queue
    /// stays non-empty long after this is not reading.
    private(set) var lastProgress: Instant

    init(fd: Int32, loop: any EventLoopProtocol, maximumQueued: Int = 1 << 20) {
        self.fd = fd
        self.loop = loop
        self.lastProgress = loop.now()
        self.maximumQueued = maximumQueued
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
    }

    /// Reads what is there; nil at end of stream or on an error (the caller closes).
    func readAvailable() -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 { return Array(buffer[0..<n]) }
            if n == 0 { return nil }
            let err = errno
            if err == EINTR { continue }
            if err == EAGAIN || err == EWOULDBLOCK { return [] }
            return nil
        }
    }

    /// Queues bytes and writes as much as the socket takes now.
    func write(_ bytes: [UInt8]) {
        guard !isClosed else { return }
        if outgoing.isEmpty { lastProgress = loop.now() }
        outgoing += bytes
        if outgoing.count > maximumQueued {
            close()
            return
        }
        flush()
    }

    private func flush() {
        while !outgoing.isEmpty, !isClosed {
            let n = outgoing.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n > 0 {
                lastProgress = loop.now()
                outgoing.removeFirst(n)
                continue
            }
            let err = errno
            if n < 0, err == EINTR { continue }
            if n < 0, err == EAGAIN || err == EWOULDBLOCK {
                // The peer is slow: try again shortly rather than block (the loop watches
                // readability only).
                if retry == nil {
                    retry = loop.schedule(after: .milliseconds(20)) { [weak self] in
                        guard let self else { return }
                        self.retry = nil
                        self.flush()
                        if self.outgoing.isEmpty, !self.isClosed { self.onDrain?() }
                    }
                }
                return
            }
            close()
            return
        }
        if outgoing.isEmpty, closeWhenFlushed { close() }
    }

    private var closeWhenFlushed = false

    /// Closes once everything queued has been written.
    func finish() {
        closeWhenFlushed = true
        if outgoing.isEmpty { close() }
    }

    func close() {
        guard !isClosed else { return }
        isClosed = true
        if let retry { _ = loop.cancel(retry) }
        loop.unregister(fd: fd)
        Glibc.close(fd)
        onClose?()
    }
}

/// Creates, binds and listens on a socket; returns the fd.
func listenSocket(family: Int32, address: UnsafeRawBufferPointer, what: String) throws -> Int32 {
    let fd = try syscall("socket(\(what))") {
        socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
    }
    var one: Int32 = 1
    if family != AF_UNIX {
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
    }
    do {
        try syscall("bind(\(what))") {
            bind(fd, address.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(address.count))
        }
        try syscall("listen(\(what))") { listen(fd, 64) }
    } catch {
        Glibc.close(fd)
        throw error
    }
    return fd
}

/// A listening socket on the loop that survives running out of descriptors: when accept(2)
/// fails with EMFILE/ENFILE the listener stays readable, so it is taken off the loop for
/// `backoff` instead of being called again at once (issue 19, case 4: that spun at 100 % CPU).
final class GuardedListener {
    let fd: Int32
    private unowned let loop: any EventLoopProtocol
    private let what: String
    private let log: Logger
    private let onAccept: ([Int32]) -> Void
    private var paused = false
    private var closed = false
    let backoff = Interval.seconds(1)

    init(fd: Int32, loop: any EventLoopProtocol, what: String, log: Logger, onAccept: @escaping ([Int32]) -> Void) throws {
        self.fd = fd
        self.loop = loop
        self.what = what
        self.log = log
        self.onAccept = onAccept
        try loop.register(fd: fd) { [unowned self] in self.readable() }
    }

    private func readable() {
        let result = acceptPending(fd, limit: 64)
        if !result.descriptors.isEmpty { onAccept(result.descriptors) }
        if result.descriptorsExhausted, !paused, !closed {
            paused = true
            loop.unregister(fd: fd)
            log.warning("\(what): out of file descriptors; not accepting connections for \(backoff.seconds) s")
            _ = loop.schedule(after: backoff) { [weak self] in
                guard let self, self.paused, !self.closed else { return }
                self.paused = false
                do {
                    try self.loop.register(fd: self.fd) { [unowned self] in self.readable() }
                } catch {
                    self.log.error("\(self.what): cannot watch the listener again: \(error)")
                }
            }
        }
    }

    func close() {
        guard !closed else { return }
        closed = true
        loop.unregister(fd: fd)
        Glibc.close(fd)
    }
}
