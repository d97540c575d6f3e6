// SPDX-License-Identifier: Apache-2.0
import Testing
import VRRPConfig
import VRRPCore

@Suite("Every supported keyword parses into the typed model")
struct KeywordTests {
    let result = ConfigurationLoader(fileSystem: LocalFileSystem()).load(path: Fixture.path("full-keepalived.conf"))

    @Test("the full fixture loads without errors; ignored keywords warn")
    func loads() {
        #expect(result.errors.isEmpty, "\(result.errors)")
        #expect(result.hasWarning(containing: "`notification_email` is ignored"))
        #expect(result.hasWarning(containing: "`smtp_server` is ignored"))
        #expect(result.hasWarning(containing: "`smtp_alert` is ignored"))
        #expect(!result.hasWarning(containing: "use_vmac"))
        #expect(!result.hasWarning(containing: "unknown keyword"))
    }

    @Test("global_defs fields")
    func globals() throws {
        let g = try #require(result.configuration).globals
        #expect(g.routerID == "lb-a")
        #expect(g.vrrpVersion == .v2)
        #expect(!g.vrrpStrict)
        #expect(g.multicastGroup4 == IPv4Address(224, 0, 0, 19))
        #expect(g.multicastGroup6 == IPv6Address("ff02::13"))
        #expect(g.garpMasterDelay == 7 && g.garpMasterRepeat == 3)
        #expect(g.garpMasterRefresh == 60 && g.garpMasterRefreshRepeat == 2)
        #expect(g.garpInterval == .milliseconds(1) && g.gnaInterval == .milliseconds(2))
        // Issue #13: GARP pacing, max_auto_priority and the FIFO scripts.
        #expect(g.garpLowerPriorityDelay == 9)
        #expect(g.maxAutoPriority == 20 && g.minAutoPriorityDelay == 250_000)
        #expect(g.notifyFifoScript?.command == "/usr/local/bin/fifo-reader all")
        #expect(g.vrrpNotifyFifoScript?.command == "/usr/local/bin/fifo-reader")
        #expect(g.skipCheckAdvertisementAddresses)
        #expect(g.scriptUser == "nobody" && g.scriptGroup == "nogroup")
        #expect(g.enableScriptSecurity)
        #expect(g.startupDelay == .milliseconds(2500))
    }

    @Test("vrrp_script and the native checks")
    func checks() throws {
        let c = try #require(result.configuration)
        let s = try #require(c.script(named: "chk_nginx"))
        #expect(s.script == "/usr/bin/pgrep -x nginx")
        #expect(s.interval == .seconds(2) && s.effectiveTimeout == .seconds(3))
        #expect(s.weight == -20 && s.weightReverse)
        #expect(s.rise == 2 && s.fall == 3 && s.user == "nobody" && s.initFail)

        let tcp = try #require(c.nativeCheck(named: "chk_tcp"))
        #expect(tcp.kind == .tcp)
        #expect(tcp.host == IPAddress("198.18.0.5") && tcp.port == 8080)
        #expect(tcp.effectiveConnectTimeout == .milliseconds(1500) && tcp.effectiveTimeout == .seconds(4))
        #expect(tcp.rise == 2 && tcp.fall == 2 && tcp.weight == 10 && !tcp.initFail)

        let http = try #require(c.nativeCheck(named: "chk_http"))
        #expect(http.kind == .http(path: "/healthz", hostHeader: "www.example.com", statusCodes: [200, 204]))
        #expect(http.port == 8081 && http.weight == 5 && http.weightReverse && http.initFail)
        // Defaults: interval 1 s, timeout = interval, connect timeout = timeout.
        #expect(http.interval == .seconds(1) && http.effectiveConnectTimeout == .seconds(1))

        let amqp = try #require(c.nativeCheck(named: "chk_amqp"))
        #expect(amqp.kind == .amqp(virtualHost: "/prod"))
        #expect(amqp.host == IPAddress("2001:db8::5") && amqp.port == 5672 && amqp.interval == .seconds(5))
    }

    @Test("vrrp_track_file and vrrp_track_process")
    func tracked() throws {
        let c = try #require(result.configuration)
        let f = try #require(c.trackFile(named: "prio_file"))
        #expect(f.path == "/run/keepalived/prio" && f.weight == 3 && f.weightReverse)
        #expect(f.initialValue == 10 && f.initOverwrite)
        let p = try #require(c.trackProcess(named: "nginx_proc"))
        #expect(p.process == "nginx" && p.parameters == ["-g", "daemon"] && p.parameterMatch == .partial)
        #expect(p.weight == 15 && p.quorum == 2 && p.quorumMax == 4)
        #expect(p.delay == .seconds(1) && p.terminateDelay == .seconds(2) && p.forkDelay == .milliseconds(500))
    }

    @Test("a vrrp_instance with every option")
    func fullInstance() throws {
        let i = try #require(result.configuration?.instance(named: "VI_4"))
        #expect(i.initialState == .master && i.interface == "eth0" && i.virtualRouterID == 51)
        #expect(i.priority == 150 && i.advertisementInterval == Centiseconds(200) && i.version == .v2)
        #expect(i.authentication == .password("s3cret"))
        #expect(i.virtualAddresses == [
            VirtualAddress(address: IPAddress("198.18.0.10")!, prefix: 24, dev: "eth1",
                           broadcast: IPv4Address(198, 18, 0, 255), scope: "global", label: "eth1:vip"),
            VirtualAddress(address: IPAddress("198.18.0.11")!, prefix: 32),
        ])
        #expect(i.excludedVirtualAddresses == [VirtualAddress(address: IPAddress("198.18.0.12")!, noTrack: true)])
        #expect(i.virtualRoutes == [try VirtualRoute(words: ["198.18.5.0/24", "via", "198.18.0.254", "dev", "eth0"])])
        #expect(i.unicastSourceAddress == IPAddress("198.18.0.2"))
        #expect(i.unicastPeers == [IPAddress("198.18.0.3")!, IPAddress("198.18.0.4")!])
        #expect(i.preempt && i.preemptDelay == .seconds(10) && !i.acceptMode)
        #expect(i.garpMasterDelay == 1 && i.garpMasterRepeat == 2)
        #expect(i.garpMasterRefresh == 30 && i.garpMasterRefreshRepeat == 4)
        #expect(i.garpLowerPriorityDelay == 6 && i.garpLowerPriorityRepeat == 7)
        #expect(i.trackInterfaces == [TrackedObject(name: "eth1", weight: -10), TrackedObject(name: "eth2")])
        #expect(i.trackScripts == [TrackedObject(name: "chk_nginx"), TrackedObject(name: "chk_http", weight: 7)])
        #expect(i.trackFiles == [TrackedObject(name: "prio_file", weight: 2)])
        #expect(i.trackProcesses == [TrackedObject(name: "nginx_proc")])
        #expect(i.notify.master == "/etc/keepalived/notify.sh master")
        #expect(i.notify.backup == "/etc/keepalived/backup.sh" && i.notify.fault == "/etc/keepalived/fault.sh")
        #expect(i.notify.stop == "/etc/keepalived/stop.sh" && i.notify.any == "/etc/keepalived/notify.sh")
        #expect(i.dontTrackPrimary && i.multicastSourceAddress == IPAddress("198.18.0.2"))
        #expect(i.unicastTTL == 64 && i.checkUnicastSource && i.trackSourceAddress)
        #expect(i.promoteSecondaries && i.lowerPriorityNoAdvert && i.higherPrioritySendAdvert && i.fastPreempt)
        #expect(!i.v3ChecksumAsV2 && !i.useVirtualMAC)
    }

    @Test("a VRRPv3 IPv6 instance with fractional advert_int, nopreempt and accept")
    func v3Instance() throws {
        let i = try #require(result.configuration?.instance(named: "VI_6"))
        #expect(i.version == .v3 && i.family == .ipv6)
        #expect(i.advertisementInterval == Centiseconds(50))
        #expect(!i.preempt && i.acceptMode)
        #expect(i.multicastDestination == IPAddress("ff02::12"))
        #expect(i.v3ChecksumAsV2 && i.useVirtualMAC && i.virtualMACInterfaceName == "vrrp.52")
        #expect(i.virtualAddresses == [VirtualAddress(address: IPAddress("2001:db8::10")!, prefix: 64)])
        #expect(i.trackScripts == [TrackedObject(name: "chk_tcp")])
    }

    @Test("an instance with only the required keywords gets keepalived's defaults, garp ones from global_defs")
    func defaults() throws {
        let i = try #require(result.configuration?.instance(named: "VI_7"))
        #expect(i.initialState == .backup && i.priority == 100 && i.advertisementInterval == .oneSecond)
        #expect(i.version == .v2 && i.authentication == .none && i.preempt && i.preemptDelay == .zero && i.acceptMode)
        #expect(i.garpMasterDelay == 7 && i.garpMasterRepeat == 3 && i.garpMasterRefresh == 60)
        #expect(i.unicastPeers.isEmpty && i.unicastTTL == nil && i.notify.isEmpty)
    }

    @Test("vrrp_sync_group fields")
    func syncGroup() throws {
        let c = try #require(result.configuration)
        let g = try #require(c.syncGroups.first)
        #expect(g.name == "G1" && g.instances == ["VI_4", "VI_6"])
        #expect(g.notify.master == "/etc/keepalived/g_master.sh" && g.notify.backup == "/etc/keepalived/g_backup.sh")
        #expect(g.notify.fault == "/etc/keepalived/g_fault.sh" && g.notify.stop == "/etc/keepalived/g_stop.sh")
        #expect(g.notify.any == "/etc/keepalived/g_notify.sh")
        #expect(g.trackScripts == [TrackedObject(name: "chk_amqp")])
        #expect(g.trackInterfaces == [TrackedObject(name: "eth3", weight: 5)])
        #expect(g.trackFiles == [TrackedObject(name: "prio_file")])
        #expect(c.syncGroup(containing: "VI_6")?.name == "G1")
        #expect(c.syncGroup(containing: "VI_7") == nil)
    }

    @Test("vrrp_strict turns accept mode off and removes authentication")
    func strict() throws {
        let r = load("global_defs {\n vrrp_strict\n}\n" + instance("authentication {\n auth_type PASS\n auth_pass x\n}"))
        let i = try #require(r.configuration?.instances.first)
        #expect(!i.acceptMode && i.authentication == .none)
        #expect(r.hasError(containing: "vrrp_strict forbids authentication"))
    }

    @Test("vrrp_version 3 in global_defs is every instance's default")
    func globalVersion() throws {
        let r = load("global_defs {\n vrrp_version 3\n}\n" + instance("advert_int 0.25"))
        let i = try #require(r.configuration?.instances.first)
        #expect(i.version == .v3 && i.advertisementInterval == Centiseconds(25))
    }
}

@Suite("The public keyword table")
struct KeywordTableTests {
    static func wrap(_ info: KeywordInfo) -> String {
        switch info.block {
        case .topLevel: info.example
        case .globalDefs: "global_defs {\n\(info.example)\n}"
        case .instance: "vrrp_instance V {\n\(info.example)\n}"
        case .authentication: "vrrp_instance V {\nauthentication {\n\(info.example)\n}\n}"
        default: "\(info.block.rawValue) N {\n\(info.example)\n}"
        }
    }

    @Test("every table entry's example is recognised by the parser in its block",
          arguments: KeywordTable.all)
    func exampleIsKnown(info: KeywordInfo) {
        let r = load(Self.wrap(info))
        #expect(!r.diagnostics.contains { $0.message.contains("unknown keyword") },
                "\(info.block.rawValue) \(info.name): \(r.diagnostics)")
    }

    @Test("the table names each keyword once per block and every example starts with its keyword")
    func unique() {
        let keys = KeywordTable.all.map { "\($0.block.rawValue) \($0.name)" }
        #expect(Set(keys).count == keys.count)
        for info in KeywordTable.all {
            #expect(info.example.hasPrefix(info.name), "\(info.name)")
        }
    }

    @Test("an unknown keyword is a located warning, not an error")
    func unknownKeyword() throws {
        let r = load(instance("frobnicate 3"))
        let w = try #require(r.warnings.first { $0.message.contains("unknown keyword `frobnicate`") })
        #expect(w.location.line == 7 && w.location.column == 1)
        #expect(r.configuration != nil)
    }
}
