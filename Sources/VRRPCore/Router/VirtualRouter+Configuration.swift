// SPDX-License-Identifier: Apache-2.0
extension VirtualRouter {
    /// The state keepalived's `state` keyword asks for at startup.
    ///
    /// keepalived 2.2 (`vrrp_scheduler.c` `vrrp_init_state`, `vrrp_fault`) treats it as a hint only:
    /// - the address owner (priority 255) goes to Master at once whatever `state` says (RFC 5798 §6.4.1);
    /// - a non-owner with `state MASTER` still starts in Backup, but with a short Master_Down_Timer of
    ///   one Master_Adver_Interval plus the minimum skew (`VRRP_TIMER_SKEW_MIN`, interval/256), so it
    ///   claims mastership after about one interval unless it hears a master first;
    /// - `state BACKUP` is the RFC startup: Master_Down_Timer := Master_Down_Interval.
    /// The same choice applies when leaving FAULT. We implement exactly that.
    public enum InitialState: String, Hashable, Sendable {
        case backup
        case master
    }

    /// Everything the protocol needs about one virtual router, with keepalived's defaults.
    public struct Configuration: Hashable, Sendable {
        /// The instance name (`vrrp_instance NAME`), for logs and status.
        public var name: String
        /// Virtual Router Identifier, 1...255 (RFC 5798 §5.2.3).
        public var vrid: UInt8
        public var version: VRRPVersion
        public var family: AddressFamily
        /// Configured priority 1...255; 255 means the address owner (RFC 5798 §5.2.4).
        public var priority: UInt8
        /// Advertisement_Interval (RFC 5798 §6.1). v2 uses whole seconds (multiples of 100 cs).
        public var advertisementInterval: Centiseconds
        /// IPvX_Addresses (RFC 5798 §6.1), all of `family`.
        public var virtualAddresses: [IPAddress]
        /// Preempt_Mode (RFC 5798 §6.1); keepalived `nopreempt` sets it to false.
        public var preempt: Bool
        /// keepalived `preempt_delay`: after startup (or leaving FAULT, or first seeing a lower-priority
        /// master) a backup waits this long before it preempts a lower-priority master.
        public var preemptDelay: Interval
        /// Accept_Mode (RFC 5798 §6.1). keepalived's default is on; the core only reports it.
        public var acceptMode: Bool
        /// VRRPv2 authentication (RFC 3768 §5.3.6, keepalived `auth_type`).
        public var authentication: Authentication
        /// keepalived `state` (see ``InitialState``).
        public var initialState: InitialState
        /// Discard adverts whose TTL / hop limit is not 255 (RFC 5798 §7.1). keepalived turns this
        /// off in unicast mode unless a TTL range is configured.
        public var checkTTL: Bool
        /// Discard adverts whose address list differs from ours (keepalived's behaviour; RFC 5798 §7.1
        /// makes the check a MAY). keepalived `skip_check_adv_addr` turns it off.
        public var checkAddressList: Bool
        /// As Master, answer a lower-priority advert with an advert at once (RFC 9568 §6.4.3;
        /// keepalived default, `lower_prio_no_advert` turns it off).
        public var lowerPriorityAnswer: Bool
        /// As Master, send one advert before yielding to a higher-priority one
        /// (keepalived `higher_prio_send_advert`).
        public var higherPrioritySendAdvert: Bool
        /// Gratuitous ARPs / unsolicited NAs per burst on becoming Master (keepalived `garp_master_repeat`).
        public var garpMasterRepeat: Int
        /// Delay of the second burst after becoming Master (keepalived `garp_master_delay`; zero: none).
        public var garpMasterDelay: Interval
        /// Period of the refresh bursts while Master (keepalived `garp_master_refresh`; nil: none).
        public var garpMasterRefresh: Interval?
        /// Gratuitous ARPs per refresh burst (keepalived `garp_master_refresh_repeat`).
        public var garpMasterRefreshRepeat: Int
        /// The "3" of Master_Down_Interval (keepalived `down_timer_adverts`).
        public var downTimerAdverts: Int
        /// As Master, gratuitous ARPs / unsolicited NAs per virtual address sent when a
        /// lower-priority advert arrives (keepalived `garp_lower_prio_repeat`; 0: none). That advert
        /// means another node thought it was Master (a healed partition): hosts may still send to
        /// its MAC address, and the burst points them back at us.
        public var garpLowerPriorityRepeat: Int
        /// After such a burst, a second one this much later if still Master (keepalived
        /// `garp_lower_prio_delay`, vrrp_scheduler.c `vrrp_lower_prio_gratuitous_arp_thread`;
        /// zero: none).
        public var garpLowerPriorityDelay: Interval = .zero
        /// keepalived `unicast_peer`: when not empty, only adverts from these addresses are heard
        /// (and adverts go to them instead of the group).
        public var unicastPeers: [IPAddress]
        /// The multicast group adverts are sent to and heard on (RFC 5798 §5.1.1.2, §5.1.2.2:
        /// 224.0.0.18 / ff02::12 unless keepalived's `mcast_dst_ip` / `vrrp_mcast_group4|6` say otherwise).
        public var multicastGroup: IPAddress
        /// vrrpd extension `fast_preempt` (#17): a Backup that would preempt (Preempt_Mode, no
        /// `preempt_delay` window running) and receives an advert below its own priority arms
        /// Master_Down_Timer at Skew_Time instead of discarding it (RFC 5798 §6.4.2), so it takes
        /// over within Skew_Time rather than Master_Down_Interval. The end state is the one the
        /// RFC reaches anyway; only the wait is shorter.
        public var fastPreempt: Bool

        public init(
            name: String, vrid: UInt8, version: VRRPVersion = .v2, family: AddressFamily = .ipv4,
            priority: UInt8 = 100, advertisementInterval: Centiseconds = .oneSecond,
            virtualAddresses: [IPAddress], preempt: Bool = true, preemptDelay: Interval = .zero,
            acceptMode: Bool = true, authentication: Authentication = .none,
            initialState: InitialState = .backup, checkTTL: Bool = true, checkAddressList: Bool = true,
            lowerPriorityAnswer: Bool = true, higherPrioritySendAdvert: Bool = false,
            garpMasterRepeat: Int = 5, garpMasterDelay: Interval = .seconds(5),
            garpMasterRefresh: Interval? = nil, garpMasterRefreshRepeat: Int = 1,
            downTimerAdverts: Int = 3, garpLowerPriorityRepeat: Int = 0,
            unicastPeers: [IPAddress] = [], multicastGroup: IPAddress? = nil, fastPreempt: Bool = false
        ) {
            self.name = name
            self.vrid = vrid
            self.version = version
            self.family = family
            self.priority = priority
            self.advertisementInterval = advertisementInterval
            self.virtualAddresses = virtualAddresses
            self.preempt = preempt
            self.preemptDelay = preemptDelay
            self.acceptMode = acceptMode
            self.authentication = authentication
            self.initialState = initialState
            self.checkTTL = checkTTL
            self.checkAddressList = checkAddressList
            self.lowerPriorityAnswer = lowerPriorityAnswer
            self.higherPrioritySendAdvert = higherPrioritySendAdvert
            self.garpMasterRepeat = garpMasterRepeat
            self.garpMasterDelay = garpMasterDelay
            self.garpMasterRefresh = garpMasterRefresh
            self.garpMasterRefreshRepeat = garpMasterRefreshRepeat
            self.downTimerAdverts = downTimerAdverts
            self.garpLowerPriorityRepeat = garpLowerPriorityRepeat
            self.unicastPeers = unicastPeers
            self.multicastGroup = multicastGroup ?? (family == .ipv4 ? .v4(.vrrpMulticast) : .v6(.vrrpMulticast))
            self.fastPreempt = fastPreempt
        }

        /// True when adverts go to `unicastPeers` instead of the multicast group.
        public var isUnicast: Bool { !unicastPeers.isEmpty }

        /// True for the IPvX address owner (RFC 5798 §5.2.4: priority 255).
        public var isAddressOwner: Bool { priority == 255 }
    }
}
