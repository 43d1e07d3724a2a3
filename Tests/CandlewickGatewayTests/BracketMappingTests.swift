import CandlewickCore
import CandlewickGateway
import CandlewickTWS
import Foundation
import Testing

@Suite("BracketMapping: an order plan as TWS orders")
struct BracketMappingTests {
    static let contract = TWSContract(conId: 265598, symbol: "AAPL", exchange: "SMART", primaryExchange: "NASDAQ", currency: "USD")

    func leg(_ intent: String, _ role: LegRole, _ side: OrderSide, _ type: OrderType, limit: Decimal? = nil, stop: Decimal? = nil,
             tif: TimeInForce = .day) -> PlannedLeg {
        PlannedLeg(role: role, orderRef: IntentId.ref(intent, role), side: side, orderType: type, quantity: 10, limitPrice: limit,
                   stopPrice: stop, tif: tif, outsideRth: false)
    }

    func bracket(_ side: OrderSide = .buy) throws -> OrderPlan {
        let intent = IntentId.make(runId: "r1", symbol: "AAPL", signalId: "s1")
        let up: Decimal = side == .buy ? 1 : -1
        return try OrderPlan(intentId: intent, runId: "r1", symbol: "AAPL", signalId: "s1",
                             legs: [leg(intent, .entry, side, .limit, limit: 100),
                                    leg(intent, .takeProfit, side.opposite, .limit, limit: 100 + 10 * up, tif: .gtc),
                                    leg(intent, .stopLoss, side.opposite, .stop, stop: 100 - 5 * up, tif: .gtc)],
                             ocaGroup: "oca-\(intent)", account: "DU123", notional: 1000, opening: true, receivedAt: Date(timeIntervalSince1970: 0))
    }

    @Test("a bracket: children point at the entry, share its OCA group (type 1), only the stop-loss transmits")
    func bracketLegs() throws {
        let plan = try bracket()
        let r = BracketMapping.requests(for: plan, contract: Self.contract, orderIds: [41, 42, 43])
        #expect(r.map(\.orderId) == [41, 42, 43])
        #expect(r.map(\.order.parentId) == [0, 41, 41])
        #expect(r.map(\.order.transmit) == [false, false, true])
        #expect(r.map(\.order.ocaGroup) == ["", plan.ocaGroup!, plan.ocaGroup!])
        #expect(r.map(\.order.ocaType) == [0, 1, 1])
        #expect(r.map(\.order.action) == ["BUY", "SELL", "SELL"])
        #expect(r.map(\.order.orderType) == ["LMT", "LMT", "STP"])
        #expect(r.map(\.order.lmtPrice) == [100, 110, nil] && r.map(\.order.auxPrice) == [nil, nil, 95])
        #expect(r.map(\.order.tif) == ["DAY", "GTC", "GTC"])
        #expect(r.map(\.order.orderRef) == plan.legs.map(\.orderRef))
        #expect(r.allSatisfy { $0.order.account == "DU123" && $0.order.totalQuantity == 10 && $0.contract == Self.contract })
    }

    @Test("a short bracket mirrors the sides and levels")
    func sellBracket() throws {
        let r = BracketMapping.requests(for: try bracket(.sell), contract: Self.contract, orderIds: [7, 8, 9])
        #expect(r.map(\.order.action) == ["SELL", "BUY", "BUY"])
        #expect(r.map(\.order.lmtPrice) == [100, 90, nil] && r.map(\.order.auxPrice) == [nil, nil, 105])
        #expect(r.map(\.order.parentId) == [0, 7, 7])
    }

    @Test("a single exit order stands alone: no parent, no OCA group, transmits itself")
    func exitOrder() throws {
        let intent = IntentId.make(runId: "r1", symbol: "AAPL", signalId: "s2")
        let plan = try OrderPlan(intentId: intent, runId: "r1", symbol: "AAPL", signalId: "s2",
                                 legs: [leg(intent, .exit, .sell, .market)], ocaGroup: nil, account: "DU123", notional: 1000,
                                 opening: false, receivedAt: Date(timeIntervalSince1970: 0))
        let r = BracketMapping.requests(for: plan, contract: Self.contract, orderIds: [99])
        #expect(r.count == 1)
        #expect(r[0].order.parentId == 0 && r[0].order.transmit && r[0].order.ocaGroup == "" && r[0].order.ocaType == 0)
        #expect(r[0].order.orderType == "MKT" && r[0].order.lmtPrice == nil && r[0].order.auxPrice == nil)
    }

    @Test("every order type has IB's code")
    func types() {
        #expect(OrderType.allCases.map(BracketMapping.ibType) == ["MKT", "LMT", "STP", "STP LMT"])
    }
}

@Suite("BracketMapping: a real intent journal replayed")
struct BracketMappingReplayTests {
    /// order-router's journal from a run of the whole stack (tests/python/test_pipeline_orders.py: ib-paper, gateway-bridge,
    /// two brackets placed, order-router killed and restarted, both entries filled).
    static func journal() throws -> [JournalEntry] {
        let url = try #require(Bundle.module.url(forResource: "intents-orders-stack", withExtension: "jsonl", subdirectory: "Fixtures"))
        let decoder = CandlewickJSON.decoder()
        return try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map { try decoder.decode(JournalEntry.self, from: Data($0.utf8)) }
    }

    @Test("each planned bracket, with the ids IB gave it, maps to the orders IB acknowledged; the wire form reads back the same")
    func replay() throws {
        let entries = try Self.journal()
        let plans = entries.compactMap(\.plan)
        #expect(plans.count == 2)
        for plan in plans {
            let placed = try #require(entries.first { $0.kind == .placed && $0.intentId == plan.intentId }?.brokerIds)
            let ids = try plan.legs.map { try #require(placed[$0.orderRef]) }
            #expect(ids == ids.sorted(), "IB ids are taken in leg order")
            let requests = BracketMapping.requests(for: plan, contract: TWSContract(symbol: plan.symbol), orderIds: ids)
            #expect(requests.map(\.order.parentId) == [0, ids[0], ids[0]])
            #expect(requests.map(\.order.transmit) == [false, false, true])
            #expect(requests.map(\.order.orderRef) == plan.legs.map(\.orderRef))
            #expect(requests.dropFirst().allSatisfy { $0.order.ocaGroup == plan.ocaGroup && $0.order.ocaType == 1 })
            for r in requests {
                guard case .placeOrder(let read) = try TWSRequest.decode(TWSRequest.placeOrder(r).fields()) else {
                    Issue.record("\(r.order.orderRef) did not read back as placeOrder")
                    continue
                }
                #expect(read.orderId == r.orderId && read.order.orderRef == r.order.orderRef && read.order.parentId == r.order.parentId)
                #expect(read.order.transmit == r.order.transmit && read.order.ocaGroup == r.order.ocaGroup && read.order.orderType == r.order.orderType)
                #expect(read.order.lmtPrice == r.order.lmtPrice && read.order.auxPrice == r.order.auxPrice)
            }
        }
        // Both entries filled in that run.
        #expect(entries.filter { $0.kind == .filled }.count == 2)
    }
}
