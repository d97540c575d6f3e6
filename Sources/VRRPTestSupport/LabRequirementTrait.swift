// SPDX-License-Identifier: Apache-2.0
import Testing
import VRRPLab

/// A test trait applying the project's one skip policy for root-only tests (see
/// `LabRequirement`): `@Suite("…", .requires(.root, .iproute2, .vrrpd))`. Before each test
/// of the suite it checks the requirements: all met, the test runs; one missing, the test is
/// skipped (cancelled) with "skipped: needs …", or, under CI (`CI=true`), fails.
public struct LabRequirementTrait: TestTrait, SuiteTrait, TestScoping {
    public let requirements: [LabRequirement]

    public var isRecursive: Bool { true }

    /// Once per test function (not per suite, not per argument).
    public func scopeProvider(for test: Test, testCase: Test.Case?) -> Self? {
        test.isSuite || testCase != nil ? nil : self
    }

    public func provideScope(for test: Test, testCase: Test.Case?,
                             performing function: @Sendable () async throws -> Void) async throws {
        try requireLab(requirements)
        try await function()
    }
}

extension Trait where Self == LabRequirementTrait {
    /// The requirements of a root-only suite or test; `.requires()` alone means
    /// `LabRequirement.namespaceLab` (root, iproute2, a built vrrpd).
    public static func requires(_ requirements: LabRequirement...) -> Self {
        LabRequirementTrait(requirements: requirements.isEmpty ? LabRequirement.namespaceLab : requirements)
    }

    /// The requirements as a list (e.g. a suite's shared `LabRequirement.namespaceLab + […]`).
    public static func requires(all requirements: [LabRequirement]) -> Self {
        LabRequirementTrait(requirements: requirements)
    }
}

/// A missing requirement under CI: the test fails with this.
public struct LabRequirementMissing: Error, CustomStringConvertible {
    public let description: String
}

/// The skip policy inside a test body (for requirements known only there): returns when all
/// are met; otherwise skips the test (Test.cancel) or, under CI, throws `LabRequirementMissing`.
public func requireLab(_ requirements: [LabRequirement], sourceLocation: SourceLocation = #_sourceLocation) throws {
    guard let reason = LabRequirement.unmetReason(requirements) else { return }
    if LabRequirement.isCI {
        throw LabRequirementMissing(description: "\(reason); CI (CI=true) runs every namespace test as root, so this fails instead of skipping")
    }
    try Test.cancel(Comment(rawValue: "skipped: \(reason)"), sourceLocation: sourceLocation)
}
