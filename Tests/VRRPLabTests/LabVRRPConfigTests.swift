// SPDX-License-Identifier: Apache-2.0
import Testing
@testable import VRRPLab

/// The one keepalived.conf generator and vrrpd's start-up paths: pure, no root.
@Suite("Lab keepalived.conf generator and vrrpd options")
struct LabVRRPConfigTests {
    @Test("tracking, notify, sync groups, scripts and track files render as keepalived reads them")
    func rendersTrackingAndNotify() {
        var instance = LabVRRPInstance()
        instance.version = nil
        instance.addressDevice = false
        instance.trackScripts = ["chk_nginx weight -60"]
        instance.trackFiles = ["flap"]
        instance.trackInterfaces = ["eth1 weight 10"]
        instance.trackProcesses = ["nginx_up"]
        instance.notifyMaster = "/etc/vrrp/master.sh VI_1"
        instance.extraLines = ["higher_prio_send_advert"]
        let text = LabVRRPInstance.configuration(routerID: "p1", [instance], globalLines: ["script_user root"], blocks: [
            LabVRRPInstance.trackFile("flap", path: "/tmp/flap", weight: -120),
            LabVRRPInstance.script("chk_nginx", "/usr/bin/curl -fs http://127.0.0.1/", interval: 0.5, fall: 2, weight: -60),
            LabVRRPInstance.syncGroup("G", ["VI_1"]),
        ])
        #expect(text == """
            global_defs {
                router_id p1
                script_user root
            }

            vrrp_track_file flap {
                file /tmp/flap
                weight -120
            }

            vrrp_script chk_nginx {
                script "/usr/bin/curl -fs http://127.0.0.1/"
                interval 0.50
                fall 2
                weight -60
            }

            vrrp_sync_group G {
                group {
                    VI_1
                }
            }

            vrrp_instance VI_1 {
                state BACKUP
                interface eth0
                virtual_router_id 51
                priority 100
                advert_int 1
                track_script {
                    chk_nginx weight -60
                }
                track_file {
                    flap
                }
                track_interface {
                    eth1 weight 10
                }
                track_process {
                    nginx_up
                }
                notify_master "/etc/vrrp/master.sh VI_1"
                higher_prio_send_advert
                virtual_ipaddress {
                    198.18.0.100/24
                }
            }

            """)
    }

    @Test("every vrrpd path is settable; unset ones are named after the tag in the directory")
    func vrrpdPaths() throws {
        let host = LabHost(name: "p1", namespace: "x-h-p1", directory: "/tmp/lab/p1", interfaces: [])
        var options = LabVRRPDOptions(tag: "vrrpd-2", arguments: ["-D"])
        options.binary = "/opt/vrrpd"
        options.wrapper = ["/usr/bin/setpriv", "--no-new-privs"]
        #expect(try options.commandLine(on: host) == [
            "/usr/bin/setpriv", "--no-new-privs", "/opt/vrrpd", "-f", "/tmp/lab/p1/vrrpd-2.conf",
            "--pid-file", "/tmp/lab/p1/vrrpd-2.pid", "--status-socket", "/tmp/lab/p1/vrrpd-2.sock",
            "--dump-dir", "/tmp/lab/p1", "-D",
        ])
        options.wrapper = []
        options.directory = "/srv/d"
        options.configPath = "/srv/keepalived.conf"
        options.statusSocket = "/run/s.sock"
        options.dumpDirectory = "/srv/d/dump"
        #expect(try options.commandLine(on: host) == [
            "/opt/vrrpd", "-f", "/srv/keepalived.conf", "--pid-file", "/srv/d/vrrpd-2.pid",
            "--status-socket", "/run/s.sock", "--dump-dir", "/srv/d/dump", "-D",
        ])
        #expect(options.paths(on: host).log == "/srv/d/vrrpd-2.log")
    }

    @Test("a missing requirement is named in the reason; met ones are not")
    func requirementReasons() {
        #expect(LabRequirement.unmetReason([.file("/")]) == nil)
        let reason = LabRequirement.unmetReason([.file("/"), .tool("no-such-tool-here"), .file("/no/such/file")])
        #expect(reason == "needs no-such-tool-here (scripts/setup-debian installs it), /no/such/file")
        #expect(LabRequirement.which("/bin/sh") == "/bin/sh")
    }
}
