// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the keepalived.conf front end (VRRPConfig: lexer, preprocessor, tree
// parser, typed builder, validator), fed arbitrary bytes as the main configuration file.
// Built by `scripts/fuzz build config`, not by SwiftPM. See docs/reliability.md.
//
// Loading never traps: every input ends as a configuration or as diagnostics, and a
// configuration compared with itself shows no difference.
import VRRPConfig

private let mainPath = "/etc/keepalived/keepalived.conf"
/// A second file, so `include conf.d/*.conf` and `include /etc/keepalived/keepalived.conf`
/// (self-inclusion) reach real content.
private let included = """
    vrrp_instance INC {
        interface eth1
        virtual_router_id 52
        priority 100
        virtual_ipaddress {
            198.18.1.100/24
        }
    }

    """

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    let fileSystem = InMemoryFileSystem(bytes: [
        mainPath: bytes,
        "/etc/keepalived/conf.d/inc.conf": Array(included.utf8),
    ])
    let result = ConfigurationLoader(fileSystem: fileSystem).load(path: mainPath)
    for diagnostic in result.diagnostics { _ = diagnostic.description }
    _ = result.exitCode
    // --strict refuses exactly the files with an error (keepalived's corrections included).
    let strict = ConfigurationLoader(fileSystem: fileSystem, strict: true).load(path: mainPath)
    precondition((strict.configuration == nil) == !strict.errors.isEmpty, "--strict verdict disagrees with its errors")
    if let configuration = result.configuration {
        _ = ScriptSecurityCheck.check(configuration, fileSystem: fileSystem)
    }
    guard let configuration = result.configuration else {
        precondition(!result.errors.isEmpty, "no configuration and no error")
        return 0
    }
    precondition(ConfigurationDiff(old: configuration, new: configuration).isEmpty, "a configuration differs from itself")
    for instance in configuration.instances { _ = ConfigTest.summary(instance) }
    _ = ClusterLint.check([.init(name: "a", configuration: configuration), .init(name: "b", configuration: configuration)])
    return 0
}
