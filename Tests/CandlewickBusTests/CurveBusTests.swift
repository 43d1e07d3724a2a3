import CandlewickBus
import CandlewickCore
import Foundation
import Testing

@Suite("Bus with CURVE and ZAP", .serialized)
struct CurveBusTests {
    struct Setup {
        let store: KeyStore
        let endpoint: String
        func security(_ role: BusRole) throws -> BusSecurity {
            let pair = try store.loadOrGenerate(role: role, name: role.rawValue, generate: true)
            return try BusSecurity(role: role, keyPair: pair, store: store, endpoints: [.routerCommands: endpoint],
                                   generateMissing: true, auditPath: "\(store.directory)/../audit-\(role.rawValue).jsonl", logger: testLogger)
        }
        func options(_ role: BusRole) throws -> SocketOptions {
            var o = SocketOptions()
            o.security = try security(role)
            o.lingerMs = 0
            return o
        }
    }

    static func setup() throws -> Setup {
        let dir = ZMQBusTests.tempDir()
        return Setup(store: KeyStore(directory: "\(dir)/keys"), endpoint: "ipc://\(dir)/router.sock")
    }

    @Test func keyStoreFilesAreZeroMQCertificatesWithPrivateModes() throws {
        let s = try Self.setup()
        let pair = try s.store.loadOrGenerate(role: .tracker, name: "tracker", generate: true)
        #expect(try s.store.loadOrGenerate(role: .tracker, name: "tracker", generate: true) == pair, "an existing key is kept")
        var st = stat()
        #expect(stat(s.store.secretPath("tracker"), &st) == 0 && st.st_mode & 0o777 == 0o600)
        #expect(stat(s.store.directory, &st) == 0 && st.st_mode & 0o777 == 0o700)
        #expect(try KeyStore.publicKey(inCertificate: s.store.publicPath("tracker")) == pair.publicKey)
        #expect(!"\(pair)".contains(pair.publicKey.prefix(10)), "printing a key pair shows only its id")
        #expect(try s.store.readAllowList().entries.map(\.role) == [.tracker])
        chmod(s.store.secretPath("tracker"), 0o644)
        #expect(throws: KeyStoreError.self) { try s.store.loadKeyPair(name: "tracker") }
        #expect(throws: KeyStoreError.self) { try s.store.loadOrGenerate(role: .proxy, name: "proxy", generate: false) }
        // Rotation: the old key stays listed until the end of the overlap, the new one serves.
        chmod(s.store.secretPath("tracker"), 0o600)
        let until = Date().addingTimeInterval(60)
        let next = try s.store.generate(role: .tracker, name: "tracker", expireOld: until)
        let list = try s.store.readAllowList()
        #expect(list.entries.count == 2 && list.entries[0].expires != nil && list.serverKey(for: .tracker, at: Date())?.publicKey == next.publicKey)
    }

    @Test func commandsAreCheckedAgainstTheAuthenticatedRole() async throws {
        let s = try Self.setup()
        let serverOptions = try s.options(.orderRouter)
        let security = try #require(serverOptions.security)
        let server = try RequestServer(bind: s.endpoint, source: "order-router.t", options: serverOptions, logger: testLogger)
        let seen = Mailbox(server.requests())
        func client(_ role: BusRole, source: String) throws -> RequestClient {
            try RequestClient(connect: s.endpoint, source: source, options: s.options(role), logger: testLogger)
        }
        let status = try TradingCommand(action: .status, reason: "", source: "cli")
        let halt = try TradingCommand(action: .halt, reason: "t", source: "cli")
        let operatorClient = try client(.operator, source: "candlewick-trading.1")
        let observer = try client(.observer, source: "tap.1")
        let worker = try client(.chartWorker, source: "chart-worker.1")
        let liar = try client(.operator, source: "order-router.1")
        for (c, p) in [(operatorClient, halt), (observer, status), (observer, halt), (worker, status), (liar, halt)] {
            Task { _ = try? await c.request(p, timeout: .seconds(2)) }
        }
        // All five handled, proven by events rather than a quiet window: the three refusals counted and two requests in.
        func refused(_ reason: String) -> Double { security.counters()["auth.refused.\(reason)", default: 0] }
        var got: [IncomingRequest] = []
        try await waitUntil("three refusals counted and two requests arrived", seconds: 10) {
            got += seen.drain()
            return got.count >= 2 && ["role_not_admitted", "not_permitted", "source_mismatch"].allSatisfy { refused($0) >= 1 }
        }
        got += seen.drain()
        #expect(got.count == 2, "only the operator's halt and the observer's status may arrive")
        #expect(Set(got.compactMap { $0.role }) == [.operator, .observer])
        #expect(got.contains { $0.role == .operator && ($0.message.payload as? TradingCommand)?.action == .halt })
        // Revoking the operator's key takes effect on the next command of the open connection: refused and counted as
        // revoked (the event that proves the command was read), and never delivered.
        let operatorKey = try #require(try s.store.loadKeyPair(name: "operator"))
        try s.store.updateAllowList { $0.entries.removeAll { $0.publicKey == operatorKey.publicKey } }
        Task { _ = try? await operatorClient.request(status, timeout: .seconds(2)) }
        try await waitUntil("the revoked key's command refused", seconds: 10) { refused("revoked") >= 1 }
        #expect(seen.drain().isEmpty, "a revoked key's command arrived")
        let c = security.counters()
        for reason in ["role_not_admitted", "not_permitted", "source_mismatch", "revoked"] {
            #expect(c["auth.refused.\(reason)", default: 0] >= 1, "\(reason) not counted: \(c)")
        }
        let audit = try String(contentsOfFile: "\(s.store.directory)/../audit-order-router.jsonl", encoding: .utf8)
        #expect(audit.contains("\"reason\":\"source_mismatch\"") && audit.contains("\"event\":\"accepted\""))
        for c in [operatorClient, observer, worker, liar] { await c.close() }
        seen.close()
        await server.close()
    }
}
