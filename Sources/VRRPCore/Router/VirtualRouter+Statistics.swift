// SPDX-License-Identifier: Apache-2.0
extension VirtualRouter {
    /// Counters named after the VRRPv3 MIB (RFC 6527 `vrrpv3Statistics…`) and, for the v2
    /// authentication ones, the VRRP MIB (RFC 2787 `vrrpStats…`).
    ///
    /// Every advertisement given to ``VirtualRouter/handle(_:at:)`` in Backup or Master increments
    /// exactly one of `advertiseRcvd` (valid) or one error counter (discarded).
    public struct Statistics: Hashable, Sendable {
        public var becomeMaster: UInt64 = 0
        public var advertiseRcvd: UInt64 = 0
        public var advertiseIntervalErrors: UInt64 = 0
        public var authFailures: UInt64 = 0
        public var ipTtlErrors: UInt64 = 0
        public var priorityZeroPktsRcvd: UInt64 = 0
        public var priorityZeroPktsSent: UInt64 = 0
        public var invalidTypePktsRcvd: UInt64 = 0
        public var addressListErrors: UInt64 = 0
        public var invalidAuthType: UInt64 = 0
        public var authTypeMismatch: UInt64 = 0
        public var packetLengthErrors: UInt64 = 0
        public var checksumErrors: UInt64 = 0
        public var versionErrors: UInt64 = 0
        public var vrIdErrors: UInt64 = 0
        /// Adverts this router asked to send (all priorities).
        public var advertisementsSent: UInt64 = 0
        /// Valid non-zero-priority adverts received while Master (another router claims the VRID).
        public var masterConflicts: UInt64 = 0
        /// Priority-255 adverts received while at 255 (keepalived #1835: we drop to 254).
        public var ownerConflicts: UInt64 = 0
        /// Adverts from a non-peer (unicast) or to another destination (multicast): not one of
        /// the RFC 6527 errors, and not in ``totalErrors``.
        public var notForUs: UInt64 = 0

        public init() {}

        /// Increments the one counter that `rejection` maps to.
        public mutating func count(_ rejection: AdvertisementRejection) {
            switch rejection {
            case .ipTTL: ipTtlErrors += 1
            case .version: versionErrors += 1
            case .checksum: checksumErrors += 1
            case .vrid: vrIdErrors += 1
            case .packetLength: packetLengthErrors += 1
            case .invalidType: invalidTypePktsRcvd += 1
            case .addressList: addressListErrors += 1
            case .invalidAuthType: invalidAuthType += 1
            case .authTypeMismatch: authTypeMismatch += 1
            case .authFailure: authFailures += 1
            case .advertInterval: advertiseIntervalErrors += 1
            case .notForUs(.ownAdvertisement): break
            case .notForUs: notForUs += 1
            }
        }

        /// The sum of all error counters.
        public var totalErrors: UInt64 {
            advertiseIntervalErrors + authFailures + ipTtlErrors + invalidTypePktsRcvd + addressListErrors
                + invalidAuthType + authTypeMismatch + packetLengthErrors + checksumErrors + versionErrors + vrIdErrors
        }
    }

    /// Counts a rejection found outside the router (the wire decoder), in the same statistics.
    public mutating func record(_ rejection: AdvertisementRejection) {
        statistics.count(rejection)
    }
}
