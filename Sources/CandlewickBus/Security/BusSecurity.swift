import CZMQ
import CandlewickCore
import Foundation
import Logging
import Synchronization

/// A process's bus identity and the checks made in its name. Given to every socket through
/// `SocketOptions.security`, it makes each bound socket a CURVE server whose ZAP handler admits
/// only allow-listed keys of the roles the endpoint admits, each connecting socket a CURVE client
/// that expects the key of the role serving the endpoint, and each command server check the
/// authenticated role of every request against `MessageAuthority`. Every refusal is counted
/// (`auth.refused.<reason>`, in heartbeats and so in `candlewick status`), logged with the key id
/// and written to the audit log.
public final class BusSecurity: Sendable {
    public let role: BusRole
    public let keyPair: CurveKeyPair
    public let store: KeyStore
    /// Configured endpoint text → its name (so both ends agree on the ZAP domain and server role).
    private let endpointNames: [String: BusEndpointName]
    private let generateMissing: Bool
    private let allow: AllowListWatcher
    private let logger: Logger
    public let audit: AuditLog?
    private let counts = Mutex<[String: Int]>([:])
    private let replay = Mutex(ReplayGuard())
    /// Connection refusals repeat at the peer's reconnect rate: each is counted, but logged and
    /// audited once per `quietPeriod` per (reason, key, endpoint), with how many were not.
    private let quiet = Mutex<[String: (last: Date, suppressed: Int)]>([:])
    private static let quietPeriod: TimeInterval = 10
    /// Distinguishes this object's sockets in the process-wide ZAP handler.
    let token = String(UUID().uuidString.prefix(8))

    /// - Parameters:
    ///   - endpoints: the endpoints this process's configuration names (`bus.publish` → `ipc://…`).
    ///   - generateMissing: a server role's key missing from the allow-list is generated on first use
    ///     (the one-host stack: all keys live in one directory); otherwise that is an error.
    public init(role: BusRole, keyPair: CurveKeyPair, store: KeyStore, endpoints: [BusEndpointName: String],
                generateMissing: Bool, auditPath: String?, logger: Logger) throws {
        guard CurveKeyPair.available else { throw BusError("bus security", message: "this libzmq has no CURVE support (built without libsodium)") }
        self.role = role
        self.keyPair = keyPair
        self.store = store
        var names: [String: BusEndpointName] = [:]
        for (name, endpoint) in endpoints { names[endpoint] = name }
        endpointNames = names
        self.generateMissing = generateMissing
        allow = try AllowListWatcher(store: store)
        self.logger = logger
        audit = auditPath.map(AuditLog.init(path:))
    }

    /// The name of a configured endpoint, if it is one.
    public func endpointName(for endpoint: String) -> BusEndpointName? { endpointNames[endpoint] }

    // MARK: socket set-up

    func configureServer(_ socket: ZMQSocket, endpoint: String) throws {
        try ZAPHandler.shared.register(self)
        let name = endpointName(for: endpoint)
        try socket.set(ZMQ_ZAP_DOMAIN, bytes: Array("\(token)|\(name?.rawValue ?? "")".utf8))
        try socket.set(ZMQ_CURVE_SERVER, 1)
        try socket.set(ZMQ_CURVE_SECRETKEY, bytes: Array(keyPair.secretKey.utf8) + [0])
        try HandshakeMonitor.attach(to: socket, endpoint: endpoint, security: self)
    }

    func configureClient(_ socket: ZMQSocket, endpoint: String) throws {
        guard let name = endpointName(for: endpoint) else {
            throw BusError("connect \(endpoint)", message: "no server key known for this endpoint: it is not one of the configured endpoints (\(BusEndpointName.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let server = try serverKey(for: name.server, endpoint: endpoint)
        try socket.set(ZMQ_CURVE_SERVERKEY, bytes: Array(server.utf8) + [0])
        try socket.set(ZMQ_CURVE_PUBLICKEY, bytes: Array(keyPair.publicKey.utf8) + [0])
        try socket.set(ZMQ_CURVE_SECRETKEY, bytes: Array(keyPair.secretKey.utf8) + [0])
    }

    /// The public key a client expects the server of `role` to hold.
    func serverKey(for server: BusRole, endpoint: String) throws -> String {
        if server == role { return keyPair.publicKey }
        let (list, _) = allow.current()
        if let e = list.serverKey(for: server, at: Date()) { return e.publicKey }
        guard generateMissing else {
            throw BusError("connect \(endpoint)", message: "no key of role \(server.rawValue) (the server of this endpoint) in \(store.allowListPath): add it with `candlewick keys add`")
        }
        do { return try store.loadOrGenerate(role: server, name: server.rawValue, generate: true).publicKey } catch {
            throw BusError("connect \(endpoint)", message: "\(error)")
        }
    }

    // MARK: ZAP (connections)

    struct ZAPAnswer { let ok: Bool; let status: String; let userId: String; let keyId: String }

    /// Decides one ZAP request: `domain` is `<token>|<endpoint name>`.
    func zap(domain: String, address: String, mechanism: String, credential: Data?) -> ZAPAnswer {
        let name = BusEndpointName(rawValue: String(domain.split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false).last ?? ""))
        let place = name?.rawValue ?? "(unnamed endpoint)"
        guard mechanism == "CURVE", let credential, let key = CurveKeyPair.z85(credential) else {
            refuse(.noCurve, keyId: "-", role: nil, detail: "mechanism \(mechanism)", at: place, peer: address)
            return ZAPAnswer(ok: false, status: "CURVE required", userId: "", keyId: "-")
        }
        let keyId = KeyId.of(publicKey: key)
        let (list, error) = allow.current()
        if let error { logger.error("auth.allow_list_unreadable", metadata: ["error": "\(error)"]) }
        guard let entry = list.entry(forKey: key, at: Date()) else {
            refuse(.unknownKey, keyId: keyId, role: nil, detail: "key not on the allow-list (or expired)", at: place, peer: address)
            return ZAPAnswer(ok: false, status: "unknown key", userId: "", keyId: keyId)
        }
        if let name, !name.admitted.contains(entry.role) {
            refuse(.roleNotAdmitted, keyId: keyId, role: entry.role, detail: "role \(entry.role.rawValue) may not connect to \(name.rawValue)",
                   at: place, peer: address)
            return ZAPAnswer(ok: false, status: "role not admitted", userId: "", keyId: keyId)
        }
        bump("auth.admitted")
        logger.debug("auth.admitted", metadata: ["key_id": "\(keyId)", "role": "\(entry.role.rawValue)", "endpoint": "\(place)", "peer": "\(address)"])
        return ZAPAnswer(ok: true, status: "OK", userId: entry.role.rawValue, keyId: keyId)
    }

    /// A handshake that failed before ZAP (no CURVE, a wrong server key, garbage).
    func noteHandshakeFailure(endpoint: String, reason: MessageAuthority.Refusal, detail: String) {
        refuse(reason, keyId: "-", role: nil, detail: detail, at: endpointName(for: endpoint)?.rawValue ?? endpoint, peer: "-")
    }

    // MARK: commands

    /// Checks one request received on the command socket bound at `endpoint`: the connection's
    /// authenticated role (`userId`) and key (`keyId`, still on the allow-list), the envelope's
    /// `source` against that role, the type against `MessageAuthority.table`, expiry and replay.
    /// Accepted authority-bearing requests and every refusal go to the audit log.
    public func authorize(_ message: BusMessage, endpoint: String, userId: String?, keyId: String?) -> Bool {
        let h = message.header
        let name = endpointName(for: endpoint)
        let place = name?.rawValue ?? endpoint
        let role = userId.flatMap(BusRole.init(rawValue:))
        let kid = keyId ?? "-"
        let readOnly = (message.payload as? TradingCommand)?.action == .status
        var refusal: (MessageAuthority.Refusal, String)?
        if role == nil {
            refusal = (.notAuthenticated, "the connection has no authenticated key")
        } else if let keyId, !allow.current().0.entries.contains(where: { $0.keyId == keyId && $0.isValid(at: Date()) }) {
            refusal = (.revoked, "key \(keyId) is no longer on the allow-list")
        } else if let name, MessageAuthority.table[name] != nil {
            refusal = MessageAuthority.check(endpoint: name, type: h.type, source: h.source, role: role, readOnly: readOnly)
        } else if let role, !role.owns(source: h.source) {
            refusal = (.sourceMismatch, "source \"\(h.source.prefix(64))\" is not a process of role \(role.rawValue)")
        }
        if refusal == nil {
            refusal = replay.withLock {
                $0.admit(id: h.id, expires: h.expires, required: MessageAuthority.replayProtected.contains(h.type), now: Date())
            }
        }
        if let (reason, detail) = refusal {
            refuse(reason, keyId: kid, role: role, detail: detail, at: place, peer: "-", message: h)
            return false
        }
        if let name, MessageAuthority.table[name]?[h.type] != nil {
            bump("auth.commands_accepted")
            write(["event": "accepted", "endpoint": place, "type": h.type, "id": h.id, "source": h.source,
                   "role": role?.rawValue ?? "-", "key_id": kid, "run_id": h.runId ?? "-"])
        }
        return true
    }

    // MARK: counting, logging, audit

    private func refuse(_ reason: MessageAuthority.Refusal, keyId: String, role: BusRole?, detail: String, at place: String, peer: String,
                        message: EnvelopeHeader? = nil) {
        counts.withLock {
            $0["auth.refused", default: 0] += 1
            $0["auth.refused.\(reason.rawValue)", default: 0] += 1
        }
        var repeats = 0
        if message == nil {
            let now = Date()
            let quietKey = "\(reason.rawValue)|\(keyId)|\(place)"
            let speak = quiet.withLock { q -> Bool in
                if let e = q[quietKey], now.timeIntervalSince(e.last) < Self.quietPeriod {
                    q[quietKey]?.suppressed += 1
                    return false
                }
                repeats = q[quietKey]?.suppressed ?? 0
                q[quietKey] = (now, 0)
                if q.count > 10_000 { q = q.filter { now.timeIntervalSince($0.value.last) < Self.quietPeriod } }
                return true
            }
            guard speak else { return }
        }
        var meta: Logger.Metadata = ["reason": "\(reason.rawValue)", "key_id": "\(keyId)", "role": "\(role?.rawValue ?? "-")",
                                     "endpoint": "\(place)", "detail": "\(detail.prefix(300))"]
        var record = ["event": "refused", "reason": reason.rawValue, "key_id": keyId, "role": role?.rawValue ?? "-",
                      "endpoint": place, "detail": String(detail.prefix(300))]
        if peer != "-" { meta["peer"] = "\(peer)"; record["peer"] = peer }
        if repeats > 0 { meta["repeats_not_logged"] = "\(repeats)"; record["repeats_not_logged"] = "\(repeats)" }
        if let h = message {
            meta["type"] = "\(h.type.prefix(64))"
            meta["msg.id"] = "\(h.id.prefix(64))"
            meta["source"] = "\(h.source.prefix(64))"
            record["type"] = String(h.type.prefix(64))
            record["id"] = String(h.id.prefix(64))
            record["source"] = String(h.source.prefix(64))
        }
        logger.warning("auth.refused", metadata: meta)
        write(record)
    }

    private func write(_ record: [String: String]) {
        guard let audit else { return }
        var r = record
        r["by_role"] = role.rawValue
        if let error = audit.record(r) { logger.error("auth.audit_write_failed", metadata: ["error": "\(error)"]) }
    }

    private func bump(_ key: String) { counts.withLock { $0[key, default: 0] += 1 } }

    /// Refusal and admission counters, for heartbeats.
    public func counters() -> [String: Double] { counts.withLock { $0.mapValues(Double.init) } }
}
