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
