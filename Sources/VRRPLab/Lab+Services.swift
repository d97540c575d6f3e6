// SPDX-License-Identifier: Apache-2.0
import Foundation

/// Services the lab runs next to the VRRP daemons (nginx for health checks, the demo and the
/// benchmarks).
extension Lab {
    /// Debian's nginx (scripts/setup-debian installs it).
    public static var nginxPath: String { LabRequirement.which("nginx") ?? "/usr/sbin/nginx" }
    /// nginx's stream module (for the AMQP proxy).
    public static let nginxStreamModule = "/usr/lib/nginx/modules/ngx_stream_module.so"

    /// Starts nginx in `host` with its own prefix, config, pid and logs in `<host dir>/nginx/`
    /// and waits until it answers: on port 80 of every address (127.0.0.1 for checks, the VIP
    /// once it arrives) `/health` answers 200 "ok", `/health-204` 204, `/moved` 301, anything
    /// else 200 "served by HOST"; with `upstream`, a `stream` proxy on the wildcard 5672
    /// forwards to `upstream` (AMQP through the proxy).
    /// - binary: the nginx executable (a renamed copy gives this host's nginx its own process
    ///   name: the lab's hosts share one PID namespace, so `track_process` sees every host's).
    public func startNginx(_ host: LabHost, upstream: String? = nil, name: String = "nginx",
                           binary: String = Lab.nginxPath) throws -> LabProcess {
        let dir = "\(host.directory)/nginx"
        for sub in ["", "/tmp", "/logs"] {
            try FileManager.default.createDirectory(atPath: dir + sub, withIntermediateDirectories: true)
        }
        var conf = """
            daemon off;
            master_process on;
            worker_processes 1;
            pid \(dir)/nginx.pid;
            error_log \(dir)/logs/error.log;

            """
        if let upstream {
            conf = "load_module \(Lab.nginxStreamModule);\n" + conf + """
                stream {
                    server {
                        listen 5672;
                        proxy_connect_timeout 2s;
                        proxy_pass \(upstream);
                    }
                }

                """
        }
        conf += """
            events { worker_connections 64; }
            http {
                access_log off;
                client_body_temp_path \(dir)/tmp/body;
                proxy_temp_path \(dir)/tmp/proxy;
                fastcgi_temp_path \(dir)/tmp/fastcgi;
                uwsgi_temp_path \(dir)/tmp/uwsgi;
                scgi_temp_path \(dir)/tmp/scgi;
                server {
                    listen 80;
                    location = /health { return 200 "ok\\n"; }
                    location = /health-204 { return 204; }
                    location = /moved { return 301 /health; }
                    location / { default_type text/plain; return 200 "served by \(host.name)\\n"; }
                }
            }

            """
        try conf.write(toFile: "\(dir)/nginx.conf", atomically: true, encoding: .utf8)
        let process = try spawn(host, [binary, "-p", dir + "/", "-e", "\(dir)/logs/error.log",
                                       "-c", "\(dir)/nginx.conf"], name: name)
        try waitUntil("nginx on \(host.name) to answer /health", timeout: .seconds(10)) {
            guard isRunning(process) else {
                throw LabError.unexpectedOutput("nginx on \(host.name) exited:\n\(log(process))")
            }
            return try run(host, ["curl", "-fsS", "-m", "1", "http://127.0.0.1/health"]).succeeded
        }
        return process
    }

}
