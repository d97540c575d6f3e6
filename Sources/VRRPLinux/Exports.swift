// SPDX-License-Identifier: Apache-2.0
// SystemError and syscall() were born here: modules that import VRRPLinux keep seeing them.
@_exported import VRRPSystem
