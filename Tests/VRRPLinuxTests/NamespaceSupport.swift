// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import CVRRPLinux
import Synchronization
import VRRPCore
@testable import VRRPLinux

/// Thrown by the test helpers.
struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs `ip` (or another program) and waits; throws on a non-zero exit.
func run(_ arguments: String...) throws {
    var pid = pid_t()
    var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
    defer { for p in argv { free(p) } }
    let rc = posix_spawnp(&pid, arguments[0], nil, nil, &argv, environ)
    guard rc == 0 else { throw SystemError("posix_spawnp \(arguments[0])", errno: rc) }
    var status: CInt = 0
    while waitpid(pid, &status, 0) == -1 {
        guard errno == EINTR else { throw TestFailure("waitpid \(arguments)") }
    }
    guard status & 0x7F == 0, (status >> 8) & 0xFF == 0 else {
        throw TestFailure("\(arguments.joined(separator: " ")) exited with status \(status)")
    }
}

/// Runs a command through popen and returns its standard output; throws on a non-zero exit.
func output(_ arguments: String...) throws -> String {
    guard let pipe = popen(arguments.joined(separator: " "), "r") else { throw TestFailure("popen \(arguments)") }
    var text = ""
    var buffer = [CChar](repeating: 0, count: 4096)
    while fgets(&buffer, CInt(buffer.count), pipe) != nil {
        text += String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
    guard pclose(pipe) == 0 else { throw TestFailure("\(arguments.joined(separator: " ")) failed") }
    return text
}

private let namespaceCounter = Atomic<Int>(0)

/// Creates `count` fresh network namespaces with a per-run unique prefix, runs `body`, and
/// deletes them on every exit path (their veths go with them).
func withNamespaces<T>(_ count: Int, _ body: ([String]) throws -> T) throws -> T {
    var names: [String] = []
    defer { for name in names { try? run("ip", "netns", "delete", name) } }
    for _ in 0..<count {
        let n = namespaceCounter.add(1, ordering: .relaxed).newValue
        let name = "vrrpt-\(getpid())-\(n)-\(UInt16.random(in: 0...UInt16.max))"
        try run("ip", "netns", "add", name)
        names.append(name)
    }
    return try body(names)
}

private final class ThreadWork {
    let run: () -> Void
    init(_ run: @escaping () -> Void) { self.run = run }
}

/// Starts a joinable pthread running `body`.
func startThread(_ body: @escaping () -> Void) throws -> pthread_t {
    let context = Unmanaged.passRetained(ThreadWork(body)).toOpaque()
    var thread = pthread_t()
    let rc = pthread_create(&thread, nil, { raw in
        Unmanaged<ThreadWork>.fromOpaque(raw!).takeRetainedValue().run()
        return nil
    }, context)
    guard rc == 0 else {
        Unmanaged<ThreadWork>.fromOpaque(context).release()
        throw SystemError("pthread_create", errno: rc)
    }
    return thread
}

/// Runs `body` on a new thread; returns its result after joining.
func onNewThread<T>(_ body: @escaping () throws -> T) throws -> T {
    var result: Result<T, any Error>?
    let thread = try startThread { result = Result { try body() } }
    pthread_join(thread, nil)
    return try result!.get()
}

/// Starts `body` on a new thread; the returned function joins it and rethrows.
func onNewThreadAsync(_ body: @escaping () throws -> Void) throws -> () throws -> Void {
    var failure: (any Error)?
    let thread = try startThread { do { try body() } catch { failure = error } }
    return {
        pthread_join(thread, nil)
        if let failure { throw failure }
    }
}

/// Runs `body` on a new thread that first joins namespace `name` with setns(CLONE_NEWNET),
/// so sockets it creates live in that namespace (and stay there when the thread ends).
func inNamespace<T>(_ name: String, _ body: @escaping () throws -> T) throws -> T {
    try onNewThread {
        let fd = try syscall("open /run/netns/\(name)") { open("/run/netns/\(name)", O_RDONLY | O_CLOEXEC) }
        defer { close(fd) }
        try syscall("setns \(name)") { cvrrp_setns(fd, CVRRP_CLONE_NEWNET) }
        return try body()
    }
}

/// Polls `body` every 20 ms until it returns a value or `seconds` pass (a hang guard, not a
/// timing assertion).
func eventually<T>(within seconds: Int64 = 10, _ what: String, _ body: () throws -> T?) throws -> T {
    let deadline = EventLoop.now() + .seconds(seconds)
    while EventLoop.now() < deadline {
        if let value = try body() { return value }
        usleep(20_000)
    }
    throw TestFailure("timed out waiting for \(what)")
}

/// Waits until `fd` is readable or `milliseconds` pass.
func waitReadable(_ fd: CInt, milliseconds: CInt) {
    var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
    _ = poll(&entry, 1, milliseconds)
}

extension RouteNetlink {
    func index(of name: String) throws -> Int32 {
        guard let link = try links().first(where: { $0.name == name }) else { throw TestFailure("no link \(name)") }
        return link.index
    }
}
