// SPDX-License-Identifier: Apache-2.0
import Testing
import VRRPConfig

@Test("a diagnostic prints as file:line:column: severity: message")
func diagnosticFormat() {
    let d = Diagnostic.error(SourceLocation(file: "k.conf", line: 3, column: 5), "missing interface")
    #expect(d.description == "k.conf:3:5: error: missing interface")
}
