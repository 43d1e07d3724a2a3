import CandlewickCore
@testable import CandlewickGateway
import CandlewickTWS
import Foundation
import Testing

@Suite("OrderDeskState: each transition, without sockets")
struct OrderDeskStateTests {
    @Test("a fresh intent: snapshot of the connection, contract, ids, the bracket written as BracketMapping maps it, acked once IB reported every leg")
    func freshPlacement() throws {
        var h = DeskHarness()
        let plan = DeskHarness.bracket("s1")
        let id = h.place(plan)
        #expect(h.sent.contains { if case .reqAllOpenOrders = $0 { true } else { false } }, "no placement before a snapshot of this connection")
        #expect(h.writes.isEmpty)
        h.drain()
        let ack = try #require(h.ack(id))
        #expect(!ack.duplicate && ack.connectionEpoch == 1)
        #expect(ack.brokerIds == [plan.legs[0].orderRef: 1, plan.legs[1].orderRef: 2, plan.legs[2].orderRef: 3])
        let written = try #require(h.writes[1])
        #expect(written.map(\.ref) == plan.legs.map(\.orderRef))
        let orders = h.held.values.sorted { $0.orderId < $1.orderId }.map(\.order)
        #expect(orders.map(\.parentId) == [0, 1, 1] && orders.map(\.transmit) == [false, false, true])
        #expect(h.desk.written.isEmpty && h.timers.isEmpty && h.desk.openRequests == 0)
        #expect(h.desk.contractRequests == 1 && h.desk.cachedContracts == 1)
    }

    @Test("not acked before the last leg is reported")
    func notAckedEarly() throws {
        var h = DeskHarness()
        let id = h.place(DeskHarness.bracket("s1"))
        while h.ack(id) == nil, !h.inbox.isEmpty || !h.completions.isEmpty {
            let reportedLegs = h.reported[1]?.count ?? 0
            #expect(reportedLegs == 3 || h.placed(id) == nil)
            if !h.completions.isEmpty { h.send(h.completions.removeFirst()) } else { h.send(h.inbox.removeFirst()) }
        }
        #expect(h.ack(id) != nil && h.reported[1]?.count == 3)
    }

    @Test("a duplicate is answered from IB's report on the current connection, never written twice")
    func duplicate() throws {
        var h = DeskHarness()
        let plan = DeskHarness.bracket("s1")
        let first = h.place(plan)
        // While the first placement is in flight, a second request for the intent is told so.
        h.drain()
        let firstAck = try #require(h.ack(first))
        let again = h.place(plan)
        h.drain()
        let dup = try #require(h.ack(again))
        #expect(dup.duplicate && dup.brokerIds == firstAck.brokerIds && dup.connectionEpoch == 1)
        #expect(h.writes[1]?.count == 3)
    }

    @Test("a second request while the intent is being placed: in_progress")
    func inProgress() throws {
        var h = DeskHarness()
        let plan = DeskHarness.bracket("s1")
        let first = h.place(plan)
        // Deliver until the legs are written but not reported.
        while h.writes.isEmpty { h.send(h.inbox.removeFirst()) }
        let second = h.place(plan)
        #expect(h.rejection(second)?.unknownReason == .inProgress)
        h.drain()
        #expect(h.ack(first) != nil && h.writes[1]?.count == 3)
    }

    @Test("a reconnect drops every belief; the next answer comes from the new connection's snapshot")
    func reconnectDropsBeliefs() throws {
        var h = DeskHarness()
        let plan = DeskHarness.bracket("s1")
        _ = h.placeAndDrain(plan, .report)
        #expect(h.desk.orders.count == 3 && h.desk.syncedEpoch == 1)
        h.reconnect()
        #expect(h.desk.orders.isEmpty && h.desk.written.isEmpty && h.desk.syncedEpoch == nil)
        #expect(h.logs.contains("gateway.belief_dropped"))
        let sentBefore = h.sent.count
        let again = h.place(plan)
        #expect(h.placed(again) == nil && h.sent.count > sentBefore, "a snapshot is asked first")
        h.drain()
        let dup = try #require(h.ack(again))
        #expect(dup.duplicate && dup.connectionEpoch == 2)
        #expect(h.writes[2] == nil, "nothing written on the new connection")
    }

    @Test("a new connection seen before the old one's drop arrives: the old beliefs are dropped all the same; the late drop changes nothing")
    func upBeforeDrop() throws {
        var h = DeskHarness()
        let plan = DeskHarness.bracket("s1")
        _ = h.placeAndDrain(plan, .report)
        h.ibEpoch = 2
        h.send(.connectionUp(epoch: 2, accounts: ["DU1"]))
        #expect(h.desk.orders.isEmpty && h.desk.syncedEpoch == nil)
        let again = h.place(plan)
        h.drain()
        #expect(h.ack(again)?.duplicate == true && h.ack(again)?.connectionEpoch == 2 && h.desk.syncedEpoch == 2)
        h.send(.connectionLost(epoch: 1, reason: "late"))
        #expect(h.desk.syncedEpoch == 2 && h.desk.orders.count == 3)
    }

    @Test("a placement in flight when its connection drops: outcome unknown (connection_lost), its timer cancelled")
    func dropInFlight() throws {
        var h = DeskHarness()
        h.writeMode = .silent
        let id = h.place(DeskHarness.bracket("s1"))
        h.drain()
        #expect(h.placed(id) == nil && h.timers == [.placement(id)])
        h.reconnect()
        let no = try #require(h.rejection(id))
        #expect(no.outcomeUnknown && no.unknownReason == .connectionLost && no.code == nil)
        #expect(h.timers.isEmpty)
    }

    @Test("a stale report is ignored: an old connection's order under a rolled-back id, and a late drop of an older epoch")
    func staleAck() throws {
        var h = DeskHarness()
        h.reconnect()   // now on connection 2; IB restarted and its ids roll back
        h.writeMode = .silent
        let plan = DeskHarness.bracket("s2")
        let id = h.place(plan)
        h.drain()
        let ids = try #require(h.writes[2]).map(\.id)
        // Orders of another intent under the same ids (the rolled-back ids of old orders): no leg confirmed.
        let old = DeskHarness.bracket("s-old")
        for (i, leg) in zip(ids, old.legs) {
            let stale = TWSOpenOrder(orderId: i, contract: TWSContract(symbol: "AAPL"),
                                     order: TWSOrder(action: "BUY", totalQuantity: 10, orderType: "LMT", orderRef: leg.orderRef),
                                     state: TWSOrderState(status: "Submitted"))
            h.send(.tws(.openOrder(stale)))
        }
        // The drop of connection 1, delivered late, does not touch the placement on 2.
        h.send(.connectionLost(epoch: 1, reason: "late"))
        #expect(h.placed(id) == nil && h.desk.written[plan.intentId] != nil)
        // Statuses of another client's orders acknowledge nothing either.
        for i in ids { h.send(.tws(.orderStatus(DeskHarness.status(i, "Submitted", clientId: 99)))) }
        #expect(h.placed(id) == nil)
        for i in ids { h.send(.tws(.orderStatus(DeskHarness.status(i, "Submitted", clientId: 7)))) }
        #expect(h.ack(id)?.connectionEpoch == 2)
    }

    @Test("IB holds only some legs: unknown, partial_at_ib, alerted; never 'already at IB'")
    func partial() throws {
        var h = DeskHarness()
        let plan = DeskHarness.bracket("s1")
        let first = h.placeAndDrain(plan, .cutAfterFirst)
        h.reconnect()
        #expect(h.rejection(first)?.unknownReason == .connectionLost)
        h.writeMode = .report
        let again = h.place(plan)
        h.drain()
        let no = try #require(h.rejection(again))
        #expect(no.outcomeUnknown && no.unknownReason == .partialAtIB && no.message.contains(plan.legs[0].orderRef))
        #expect(h.logs.contains("gateway.partial_intent_at_ib") && h.writes[2] == nil)
    }

    @Test("no acknowledgement in time: unknown (timeout); asked again, a fresh look; still not reported: unconfirmed, never rewritten")
    func timeoutThenUnconfirmed() throws {
        var h = DeskHarness()
        h.writeMode = .silent
        h.held = [:]
        let plan = DeskHarness.bracket("s1")
        let first = h.place(plan)
        h.drain()
        h.held = [:]   // IB lost them: nothing in the next snapshot either
        h.expireTimers()
        let no = try #require(h.rejection(first))
        #expect(no.unknownReason == .timeout && no.message.contains("within 5"))
        #expect(h.desk.written[plan.intentId] != nil)
        let snapshotsBefore = h.sent.filter { if case .reqAllOpenOrders = $0 { true } else { false } }.count
        let again = h.place(plan)
        h.drain()
        #expect(h.sent.filter { if case .reqAllOpenOrders = $0 { true } else { false } }.count == snapshotsBefore + 1)
        #expect(h.rejection(again)?.unknownReason == .unconfirmed && h.logs.contains("gateway.unconfirmed_intent"))
        #expect(h.writes[1]?.count == 3)
    }

    @Test("IB refuses a leg: a rejection with IB's code, the legs cancelled, the intent may be placed again")
    func refused() throws {
        var h = DeskHarness()
        let plan = DeskHarness.bracket("s1")
        let id = h.placeAndDrain(plan, .refuse)
        let no = try #require(h.rejection(id))
        #expect(no.code == 201 && !no.outcomeUnknown && no.unknownReason == nil)
        let cancels = h.sent.compactMap { if case .cancelOrder(let i, _) = $0 { i } else { nil } }
        #expect(cancels == [1, 2, 3] && h.desk.written.isEmpty && h.timers.isEmpty)
    }

    @Test("an unknown symbol: IB's code 200, not an unknown outcome; a contract wait that times out: unknown")
    func contractFailures() throws {
        var h = DeskHarness()
        let id = h.place(DeskHarness.bracket("s1", symbol: "NOPE"))
        h.drain()
        let no = try #require(h.rejection(id))
        #expect(no.code == 200 && !no.outcomeUnknown)
        var h2 = DeskHarness()
        let id2 = h2.place(DeskHarness.bracket("s1"))
        while h2.desk.isSynced == false { h2.send(h2.inbox.removeFirst()) }
        h2.inbox = []   // the contract details never come
        h2.expireTimers()
        let no2 = try #require(h2.rejection(id2))
        #expect(no2.code == nil && no2.outcomeUnknown && no2.message.contains("no contract details"))
        #expect(h2.timers.isEmpty && h2.desk.openRequests == 0)
    }

    /// A snapshot asked, then a placement while its round runs.
    static func snapshotThenPlace() -> (DeskHarness, DeskRequestId, DeskRequestId) {
        var h = DeskHarness()
        let snap = h.request { .snapshotRequested($0) }
        let place = h.place(DeskHarness.bracket("s1"))
        return (h, snap, place)
    }

    @Test("a snapshot that does not complete: the caller gets the error, a waiting placement is not_synced")
    func snapshotTimeout() throws {
        var (h, snap, place) = Self.snapshotThenPlace()
        h.inbox = []
        h.expireTimers()
        #expect(try #require(h.failure(snap)).message.contains("did not complete"))
        // The placement asked after the first round began: it waits for its own round, which times out too.
        #expect(h.rejection(place)?.unknownReason == .notSynced)
        #expect(h.timers.isEmpty && h.desk.openRequests == 0)
    }

    @Test("a snapshot whose connection changed before it completed is refused; a placement asked meanwhile waits for the next round")
    func snapshotAcrossConnections() throws {
        var (h, snap, place) = Self.snapshotThenPlace()
        h.ibEpoch = 2
        h.send(.connectionUp(epoch: 2, accounts: ["DU1"]))
        h.drain()
        #expect(try #require(h.failure(snap), "the snapshot of connection 1 was accepted on 2").message.contains("connection changed"))
        #expect(h.ack(place)?.connectionEpoch == 2 && h.desk.syncedEpoch == 2)
        #expect(h.writes[1] == nil)
    }

    @Test("a write that fails: unknown (connection_lost)")
    func writeFails() throws {
        var h = DeskHarness()
        let id = h.place(DeskHarness.bracket("s1"))
        while h.writes.isEmpty { h.send(h.inbox.removeFirst()) }
        h.completions = [.legsWritten(id, error: "broken pipe", at: h.now)]
        h.send(h.completions.removeFirst())
        #expect(h.rejection(id)?.unknownReason == .connectionLost && h.timers.isEmpty)
    }

    @Test("an order status changes a believed order: published once")
    func statusPublished() throws {
        var h = DeskHarness()
        let id = h.place(DeskHarness.bracket("s1"))
        h.drain()
        let ack = try #require(h.ack(id))
        h.published = []
        let entry = try #require(ack.brokerIds.values.min())
        h.send(.tws(.orderStatus(DeskHarness.status(entry, "Filled", clientId: 7, filled: 10))))
        h.send(.tws(.orderStatus(DeskHarness.status(entry, "Filled", clientId: 7, filled: 10))))
        #expect(h.published.map(\.status) == ["Filled"] && h.published.first?.filled == 10)
    }
}
