import CandlewickCore
import Foundation
import Testing

@Suite("Bus authority: allow-list, role table, replay guard")
struct BusAuthorityTests {
    static let keyA = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
    static let keyB = "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID"

    @Test func allowListRoundTripsAndExpires() throws {
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        let list = AllowList(entries: [.init(role: .chartWorker, name: "chart-worker.b", publicKey: Self.keyA, expires: t0),
                                       .init(role: .chartWorker, name: "chart-worker.b", publicKey: Self.keyB)])
        let parsed = try AllowList(text: list.text, origin: "t")
        #expect(parsed == list)
        #expect(parsed.entry(forKey: Self.keyA, at: t0.addingTimeInterval(-1))?.role == .chartWorker)
        #expect(parsed.entry(forKey: Self.keyA, at: t0) == nil, "a key is refused from its expiry on")
        #expect(parsed.serverKey(for: .chartWorker, at: t0)?.publicKey == Self.keyB, "the newest valid key serves")
        #expect(parsed.entries[0].keyId.count == 12 && !list.text.contains("secret"))
    }

    @Test func allowListErrorsNameTheLine() {
        for (text, needle) in [("wizard x \(Self.keyA)", "unknown role"), ("tracker x short", "Z85"),
                               ("tracker x \(Self.keyA) until=tomorrow", "expires="), ("tracker", "field(s)")] {
            #expect(throws: AllowListError.self) { try AllowList(text: "# c\n\(text)", origin: "allow.list") }
            do { _ = try AllowList(text: "# c\n\(text)", origin: "allow.list") } catch {
                #expect("\(error)".contains("allow.list:2") && "\(error)".contains(needle), "\(error)")
            }
        }
    }

    @Test func theRoleTableDecidesNotTheFields() {
        let ok = MessageAuthority.check(endpoint: .routerCommands, type: "signal.submit", source: "candlewick-run.42", role: .runOwner)
        #expect(ok == nil)
        #expect(MessageAuthority.check(endpoint: .routerCommands, type: "signal.submit", source: "candlewick-run.42", role: .chartWorker)?.0 == .sourceMismatch)
        #expect(MessageAuthority.check(endpoint: .routerCommands, type: "signal.submit", source: "chart-worker.1", role: .chartWorker)?.0 == .notPermitted)
        #expect(MessageAuthority.check(endpoint: .routerCommands, type: "signal.submit", source: "cli", role: .runOwner)?.0 == .sourceMismatch)
        #expect(MessageAuthority.check(endpoint: .gatewayCommands, type: "order.place", source: "candlewick-run.1", role: .runOwner)?.0 == .notPermitted)
        #expect(MessageAuthority.check(endpoint: .gatewayCommands, type: "order.place", source: "order-router.1", role: .orderRouter) == nil)
        #expect(MessageAuthority.check(endpoint: .routerCommands, type: "trading.command", source: "tap.1", role: .observer)?.0 == .notPermitted)
        #expect(MessageAuthority.check(endpoint: .routerCommands, type: "trading.command", source: "tap.1", role: .observer, readOnly: true) == nil)
        #expect(MessageAuthority.check(endpoint: .routerCommands, type: "trading.command", source: "x", role: nil)?.0 == .notAuthenticated)
        #expect(!BusEndpointName.routerCommands.admitted.contains(.chartWorker))
        #expect(!BusEndpointName.busPublish.admitted.contains(.observer))
        #expect(BusEndpointName.gatewayEvents.admitted == [.orderRouter])
        #expect(BusRole.forProcess("candlewick-run") == .runOwner && BusRole.forProcess("ib-paper") == nil)
    }

    @Test func replayGuardRefusesReusedExpiredAndUnboundedRequests() {
        var g = ReplayGuard()
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(g.admit(id: "a", expires: now + 10, required: true, now: now) == nil)
        #expect(g.admit(id: "a", expires: now + 10, required: true, now: now + 1)?.0 == .replay)
        #expect(g.admit(id: "b", expires: now - 1, required: true, now: now)?.0 == .expired)
        #expect(g.admit(id: "c", expires: nil, required: true, now: now)?.0 == .missingExpiry)
        #expect(g.admit(id: "d", expires: now + MessageAuthority.maxLifetime + 1, required: true, now: now)?.0 == .expired)
        #expect(g.admit(id: "e", expires: nil, required: false, now: now) == nil)
        #expect(g.admit(id: "e", expires: nil, required: false, now: now) == nil, "ids of unprotected requests are not kept")
        // Ids are forgotten once their expiry passed (a replay then fails as expired anyway).
        #expect(g.admit(id: "f", expires: now + 100, required: true, now: now + 20) == nil)
        #expect(g.remembered == 1)
        #expect(g.admit(id: "a", expires: now + 10, required: true, now: now + 11)?.0 == .expired)
    }

    @Test func constantTimeEquality() {
        #expect(ConstantTime.equal("abc", "abc") && !ConstantTime.equal("abc", "abd") && !ConstantTime.equal("abc", "abcd") && !ConstantTime.equal("", "a"))
    }
}
