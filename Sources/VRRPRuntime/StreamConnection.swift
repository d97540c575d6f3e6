// SPDX-License-Identifier: Apache-2.0
import Logging
import VRRPCore
import VRRPLinux

/// A non-blocking stream socket served on the event loop: reads are callbacks, writes are
/// queued and drained without ever blocking the loop. A peer whose queue grows past a bound
/// (a stuck `watch` client) is dropped.
final class StreamConnection {
    let socket: StreamSocket
    var fd: Int32 { socket.fd }
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

    init(socket: StreamSocket, loop: any EventLoopProtocol, maximumQueued: Int = 1 << 20) {
        self.socket = socket
        self.loop = loop
        self.lastProgress = loop.now()
        self.maximumQueued = maximumQueued
    }

    /// Reads what is there; nil at end of stream or on an error (the caller closes).
    func readAvailable() -> [UInt8]? {
        switch socket.read() {
        case .bytes(let bytes): bytes
        case .wouldBlock: []
        case .closed: nil
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
            switch socket.send(outgoing) {
            case .sent(let n):
                lastProgress = loop.now()
                outgoing.removeFirst(n)
                continue
            case .wouldBlock:
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
            case .failed:
                close()
                return
            }
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
        socket.close()
        onClose?()
    }
}

/// A listening socket on the loop that survives running out of descriptors: when accept(2)
/// fails with EMFILE/ENFILE the listener stays readable, so it is taken off the loop for
/// `backoff` instead of being called again at once (issue 19, case 4: that spun at 100 % CPU).
final class GuardedListener {
    let listener: StreamListener
    private var fd: Int32 { listener.fd }
    private unowned let loop: any EventLoopProtocol
    private let what: String
    private let log: Logger
    private let onAccept: ([StreamSocket]) -> Void
    private var paused = false
    private var closed = false
    let backoff = Interval.seconds(1)

    init(listener: StreamListener, loop: any EventLoopProtocol, what: String, log: Logger,
         onAccept: @escaping ([StreamSocket]) -> Void) throws {
        self.listener = listener
        self.loop = loop
        self.what = what
        self.log = log
        self.onAccept = onAccept
        try loop.register(fd: fd) { [unowned self] in self.readable() }
    }

    private func readable() {
        let result = listener.accept(limit: 64)
        if !result.sockets.isEmpty { onAccept(result.sockets) }
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
        listener.close()
    }
}
