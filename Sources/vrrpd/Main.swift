// SPDX-License-Identifier: Apache-2.0
import VRRPControl

/// One binary, two programs (as busybox does): the package installs `/usr/sbin/vrrpd` and makes
/// `/usr/bin/vrrpctl` a symbolic link to it, which saves a second copy of the statically linked
/// Swift runtime, FoundationEssentials and the argument parser (docs/operations.md, "Package
/// size"). Run under any other name it is the daemon.
@main
enum Main {
    static func main() {
        if invokedName(CommandLine.arguments.first ?? "") == "vrrpctl" {
            VRRPCtl.main()
        } else {
            VRRPD.main()
        }
    }

    /// The last path component of argv[0]: `/usr/bin/vrrpctl` → `vrrpctl`.
    static func invokedName(_ argv0: String) -> String {
        argv0.split(separator: "/").last.map(String.init) ?? argv0
    }
}
