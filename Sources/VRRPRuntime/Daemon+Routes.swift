// SPDX-License-Identifier: Apache-2.0
import VRRPConfig
import VRRPCore
import VRRPLinux

/// What this process added of the `static_*` blocks (keepalived vrrp_daemon.c: added at start-up
/// whatever the VRRP state, re-synced by reload, deleted at exit). Keyed by the configured entry,
/// with the request that added it (so the delete matches even if an ifindex changed since).
struct StaticEntries {
    /// The interface each static address went on, and what its add found (an address already
    /// there is someone else's: never deleted).
    var addresses: [VirtualAddress: (ifindex: Int32, outcome: AddOutcome)] = [:]
    var routes: [VirtualRoute: RouteSpec] = [:]
    var rules: [VirtualRule: RuleSpec] = [:]
}

extension Daemon {
    // MARK: Requests from configured entries

    /// The rtnetlink request of a configured route: `dev` resolved to its ifindex now; nil (with
    /// an error logged) while that interface does not exist.
    func routeSpec(_ r: VirtualRoute, for owner: String) -> RouteSpec? {
        var oif: Int32?
        if let device = r.device {
            guard let index = self.ifindex(named: device) else {
                log.error("\(owner) route \(r.destination)/\(r.prefix) left out: interface \(device) does not exist")
                return nil
            }
            oif = index
        }
        return RouteSpec(destination: r.destination, prefix: r.prefix, gateway: r.gateway, ifindex: oif,
                         source: r.source, table: r.table, metric: r.metric, blackhole: r.blackhole, scope: r.scope,
                         onlink: r.onlink)
    }

    func ruleSpec(_ r: VirtualRule) -> RuleSpec {
        let action: RuleSpec.Action = switch r.action {
        case .table(let n): .table(n)
        case .blackhole: .blackhole
        case .prohibit: .prohibit
        case .unreachable: .unreachable
        }
        return RuleSpec(family: r.family, from: r.from, fromPrefix: r.fromPrefix, to: r.to, toPrefix: r.toPrefix,
                        inputInterface: r.inputInterface, outputInterface: r.outputInterface, fwmark: r.fwmark,
                        fwmask: r.fwmask, priority: r.preference, action: action, invert: r.invert)
    }

    // Route and rule requests run on the request worker (`AddressRequestQueue`), in order with
    // the address requests, never on the loop thread (issue 15). An entry counts as ours as soon
    // as its add is submitted, so that a delete that follows (leaving MASTER, reload, exit) is
    // queued behind it; the answer, when it comes back, tells ours from someone else's. A delete
    // carries protocol 86, so the kernel never removes an identical entry vrrpd did not add.

    /// Submits the add; `settle(true)` when this process added it, `settle(false)` when it was
    /// already there (someone else's: used, never deleted) or could not be added.
    func requestAdd(_ spec: RouteSpec, _ owner: String, settle: @escaping (_ ours: Bool) -> Void) {
        requestAdd("route \(spec.destination)/\(spec.prefix) table \(spec.table)", owner, { try $0.addRoute(spec) }, settle)
    }

    func requestAdd(_ spec: RuleSpec, _ owner: String, settle: @escaping (_ ours: Bool) -> Void) {
        requestAdd("rule \(describe(spec))", owner, { try $0.addRule(spec) }, settle)
    }

    func requestDelete(_ spec: RouteSpec, _ owner: String) {
        requestDelete("route \(spec.destination)/\(spec.prefix)", owner) { try $0.deleteRoute(spec) }
    }

    func requestDelete(_ spec: RuleSpec, _ owner: String) {
        requestDelete("rule \(describe(spec))", owner) { try $0.deleteRule(spec) }
    }

    private func requestAdd(_ what: String, _ owner: String,
                            _ add: @escaping @Sendable (any AddressConfigurator) throws -> RouteNetlink.AddResult,
                            _ settle: @escaping (_ ours: Bool) -> Void) {
        addressRequests.submit(add) { [weak self] result in
            switch result {
            case .success(.added):
                settle(true)
            case .success(.alreadyExists):
                self?.log.info("\(owner) \(what) is already there (not added by vrrpd): it will not be removed")
                settle(false)
            case .failure(let error):
                self?.log.error("\(owner) cannot add \(what): \(error)")
                settle(false)
            }
        }
    }

    private func requestDelete(_ what: String, _ owner: String,
                               _ delete: @escaping @Sendable (any AddressConfigurator) throws -> RouteNetlink.DeleteResult) {
        addressRequests.submit(delete) { [weak self] result in
            guard case .failure(let error) = result else { return }
            self?.log.error("\(owner) cannot remove \(what): \(error)")
        }
    }

    func describe(_ r: RuleSpec) -> String {
        var t = r.from.map { "from \($0)/\(r.fromPrefix)" } ?? "from all"
        if let to = r.to { t += " to \(to)/\(r.toPrefix)" }
        if let p = r.priority { t += " preference \(p)" }
        return t
    }

    // MARK: virtual_routes / virtual_rules

    /// On becoming MASTER, after the addresses (keepalived vrrp.c vrrp_state_become_master: VIPs,
    /// then routes, then rules). Entries already added stay as they are.
    func installRoutesAndRules(_ d: InstanceDriver) {
        let owner = "(\(d.name))"
        for r in d.settings.virtualRoutes where d.addedRoutes[r] == nil && !d.presentRoutes.contains(r) {
            guard let spec = routeSpec(r, for: owner) else { continue }
            d.addedRoutes[r] = spec
            requestAdd(spec, owner) { [weak d] ours in
                guard let d, !ours, d.addedRoutes[r] == spec else { return }
                d.addedRoutes[r] = nil
                d.presentRoutes.insert(r)
            }
        }
        for r in d.settings.virtualRules where d.addedRules[r] == nil && !d.presentRules.contains(r) {
            let spec = ruleSpec(r)
            d.addedRules[r] = spec
            requestAdd(spec, owner) { [weak d] ours in
                guard let d, !ours, d.addedRules[r] == spec else { return }
                d.addedRules[r] = nil
                d.presentRules.insert(r)
            }
        }
    }

    /// On leaving MASTER (BACKUP, FAULT, stop), before the addresses (keepalived vrrp.c
    /// vrrp_restore_interface: rules, then routes, then VIPs). Only what this process added.
    func removeRulesAndRoutes(_ d: InstanceDriver) {
        let owner = "(\(d.name))"
        for r in d.settings.virtualRules.reversed() {
            if let spec = d.addedRules.removeValue(forKey: r) { requestDelete(spec, owner) }
        }
        for (_, spec) in d.addedRules { requestDelete(spec, owner) }
        d.addedRules.removeAll()
        for r in d.settings.virtualRoutes.reversed() {
            if let spec = d.addedRoutes.removeValue(forKey: r) { requestDelete(spec, owner) }
        }
        for (_, spec) in d.addedRoutes { requestDelete(spec, owner) }
        d.addedRoutes.removeAll()
        d.presentRoutes.removeAll()
        d.presentRules.removeAll()
    }

    /// Reload of an instance kept in place: entries no longer configured go, new ones come (if
    /// MASTER); unchanged ones are not touched.
    func reconcileRoutesAndRules(_ d: InstanceDriver) {
        let owner = "(\(d.name))"
        let rules = Set(d.settings.virtualRules), routes = Set(d.settings.virtualRoutes)
        for (r, spec) in d.addedRules where !rules.contains(r) {
            requestDelete(spec, owner)
            d.addedRules[r] = nil
        }
        for (r, spec) in d.addedRoutes where !routes.contains(r) {
            requestDelete(spec, owner)
            d.addedRoutes[r] = nil
        }
        d.presentRoutes.formIntersection(routes)
        d.presentRules.formIntersection(rules)
        if d.router.state == .master { installRoutesAndRules(d) }
    }

    /// Start-up: a crashed run may have left its virtual and static routes and rules. Each one
    /// configured is deleted once with our protocol in the request, which matches only an
    /// entry a vrrpd added (keepalived deletes its static entries before adding them too).
    func removeLeftoverRoutesAndRules(_ settings: [InstanceSettings]) {
        let routes = configuration.staticRoutes + settings.flatMap(\.virtualRoutes)
        let rules = configuration.staticRules + settings.flatMap(\.virtualRules)
        for r in rules {
            if (try? netlink.deleteRule(ruleSpec(r))) == .deleted { log.info("removed leftover rule \(describe(ruleSpec(r)))") }
        }
        for r in routes {
            guard let spec = routeSpec(r, for: "leftover") else { continue }
            if (try? netlink.deleteRoute(spec)) == .deleted { log.info("removed leftover route \(r.destination)/\(r.prefix)") }
        }
    }

    // MARK: static_ipaddress / static_routes / static_rules

    /// Start-up and reload: makes the kernel hold the configured static entries. Entries no
    /// longer configured are deleted (if we added them), new ones added, unchanged ones left alone
    /// (keepalived clear_diff_static_*).
    func syncStatics(_ c: Configuration) {
        let owner = "static:"
        let rules = Set(c.staticRules), routes = Set(c.staticRoutes), addresses = Set(c.staticAddresses)
        for (r, spec) in statics.rules where !rules.contains(r) {
            requestDelete(spec, owner)
            statics.rules[r] = nil
        }
        for (r, spec) in statics.routes where !routes.contains(r) {
            requestDelete(spec, owner)
            statics.routes[r] = nil
        }
        for (a, entry) in statics.addresses where !addresses.contains(a) {
            deleteStatic(a, entry)
            statics.addresses[a] = nil
        }
        for a in c.staticAddresses where statics.addresses[a] == nil {
            guard let device = a.dev, let index = ifindex(named: device) else {
                log.error("static: cannot add \(a): interface \(a.dev ?? "?") does not exist")
                continue
            }
            let key = PrefixedAddress(a.address, a.prefix)
            let outcome = AddOutcome()
            statics.addresses[a] = (index, outcome)
            addedAddresses.insert(key)
            addressRequests.submit({ netlink in
                let result = try netlink.addAddress(a.address, prefix: a.prefix, ifindex: index, label: a.label,
                                                    scope: AddressScope(rawValue: InstanceSettings.scope(a.scope, address: a.address)),
                                                    broadcast: a.broadcast, noDAD: true)
                if result == .alreadyExists { outcome.borrowed = true }
                return result
            }) { [weak self] result in
                guard let self, self.statics.addresses[a]?.outcome === outcome else { return }
                switch result {
                case .success(.added):
                    break
                case .success(.alreadyExists):
                    self.statics.addresses[a] = nil
                    self.addedAddresses.remove(key)
                case .failure(let error):
                    self.statics.addresses[a] = nil
                    self.addedAddresses.remove(key)
                    self.log.error("static: cannot add \(a) on \(device): \(error)")
                }
            }
        }
        for r in c.staticRoutes where statics.routes[r] == nil {
            guard let spec = routeSpec(r, for: owner) else { continue }
            statics.routes[r] = spec
            requestAdd(spec, owner) { [weak self] ours in
                guard let self, !ours, self.statics.routes[r] == spec else { return }
                self.statics.routes[r] = nil
            }
        }
        for r in c.staticRules where statics.rules[r] == nil {
            let spec = ruleSpec(r)
            statics.rules[r] = spec
            requestAdd(spec, owner) { [weak self] ours in
                guard let self, !ours, self.statics.rules[r] == spec else { return }
                self.statics.rules[r] = nil
            }
        }
    }

    /// Exit: keepalived 2.2.7 deletes its static entries when it stops (vrrp_daemon.c
    /// vrrp_terminate_phase1, "Clear static entries"); vrrpd deletes those it added.
    func removeStatics() {
        for (_, spec) in statics.rules { requestDelete(spec, "static:") }
        for (_, spec) in statics.routes { requestDelete(spec, "static:") }
        for (a, entry) in statics.addresses { deleteStatic(a, entry) }
        statics = StaticEntries()
    }

    /// Queued behind the add: skipped when the add found the address already there.
    private func deleteStatic(_ a: VirtualAddress, _ entry: (ifindex: Int32, outcome: AddOutcome)) {
        addedAddresses.remove(PrefixedAddress(a.address, a.prefix))
        let (index, outcome) = entry
        addressRequests.submit({ netlink -> RouteNetlink.DeleteResult? in
            if outcome.borrowed { return nil }
            return try netlink.deleteAddress(a.address, prefix: a.prefix, ifindex: index)
        }) { [weak self] result in
            guard case .failure(let error) = result else { return }
            self?.log.error("static: cannot remove \(a): \(error)")
        }
    }
}
