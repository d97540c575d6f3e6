// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The real file system: `fopen`/`fread` and `glob(3)`. The only non-pure file of VRRPConfig.
public struct LocalFileSystem: ConfigFileSystem {
    /// Files larger than this are refused (a keepalived.conf is kilobytes).
    public static let maximumFileSize = 16 << 20

    public init() {}

    public func readFile(atPath path: String) throws(ConfigFileSystemError) -> [UInt8] {
        guard let file = fopen(path, "rb") else {
            let code = errno
            throw ConfigFileSystemError("cannot open \(path): \(String(cString: strerror(code)))")
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if count > 0 { bytes += buffer[0..<count] }
            if bytes.count > Self.maximumFileSize {
                throw ConfigFileSystemError("\(path) is larger than \(Self.maximumFileSize >> 20) MiB; is it really a keepalived.conf?")
            }
            if count < buffer.count {
                if ferror(file) != 0 {
                    throw ConfigFileSystemError("cannot read \(path)")
                }
                return bytes
            }
        }
    }

    public func userExists(_ name: String) -> Bool? {
        getpwnam(name) != nil
    }

    public func regularFileExists(atPath path: String) -> Bool? {
        var st = stat()
        guard stat(path, &st) == 0 else { return false }
        return (st.st_mode & S_IFMT) == S_IFREG
    }

    public func glob(_ pattern: String) -> [String] {
        var result = glob_t()
        defer { globfree(&result) }
        guard Glibc.glob(pattern, 0, nil, &result) == 0 else { return [] }
        var paths: [String] = []
        for index in 0..<Int(result.gl_pathc) {
            if let p = result.gl_pathv[index] { paths.append(String(cString: p)) }
        }
        return paths.sorted()
    }
}
