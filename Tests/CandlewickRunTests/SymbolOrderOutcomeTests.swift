import CandlewickCore
import CandlewickRun
import Foundation

import Testing

@Suite("A symbol's order outcome: the router's decision and the broker's closing snapshot")
struct SymbolOrderOutcomeTests {
    static let epoch = Date(timeIntervalSince1970: 0)

    func plan(_ symbol: String, quantity: Decimal) throws -> OrderPlan {
        let intent = IntentId.make(runId: "r1", symbol: symbol, signalId: "s-\(symbol)")
        func leg(_ role: LegRole, _ side: OrderSide, _ type: OrderType, limit: Decimal? = nil, stop: Decimal? = nil) -> PlannedLeg {
            PlannedLeg(role: role, orderRef: IntentId.ref(intent, role), side: side, orderType: type, quantity: quantity, limitPrice: limit,
                       stopPrice: stop, tif: .gtc, outsideRth: false)
        }
        return try OrderPlan(intentId: intent, runId: "r1", symbol: symbol, signalId: "s-\(symbol)",
                             legs: [leg(.entry, .buy, .limit, limit: 100), leg(.takeProfit, .sell, .limit, limit: 110), leg(.stopLoss, .sell, .stop, stop: 95)],
                             ocaGroup: "oca-\(intent)", account: "DU1", notional: 100 * quantity, opening: true, receivedAt: Self.epoch)
    }

    func brokerOrders(_ plan: OrderPlan, filled: Decimal) -> [BrokerOrder] {
        plan.legs.enumerated().map { i, l in
            BrokerOrder(orderRef: l.orderRef, brokerOrderId: 10 + i, permId: 100 + i, symbol: plan.symbol, side: l.side, orderType: "LMT",
                        quantity: l.quantity, filled: l.role == .entry ? filled : 0, avgFillPrice: nil,
                        status: l.role == .entry && filled == l.quantity ? "Filled" : "Submitted", parentId: 0, ocaGroup: "")
        }
    }

    func execution(_ id: String, _ plan: OrderPlan, _ quantity: Decimal, _ price: Decimal) throws -> TradeExecution {
        try TradeExecution(executionId: id, symbol: plan.symbol, side: .buy, quantity: quantity, price: price, orderRef: plan.firstLeg.orderRef,
                           timestamp: Self.epoch)
    }

    @Test func placedFilledDeniedAndUnconfirmedSymbolsEachSayWhatBecameOfThem() throws {
        let aapl = try plan("AAPL", quantity: 10), msft = try plan("MSFT", quantity: 7)
        var orders = RunOrders()
        orders.decisions["AAPL"] = RouterDecision(runId: "r1", symbol: "AAPL", signalId: "s-AAPL", intentId: aapl.intentId, outcome: .placed,
                                                  clamps: [RiskNote(.orderNotionalClamped, "12 → 10 shares")], plan: aapl)
        orders.decisions["MSFT"] = RouterDecision(runId: "r1", symbol: "MSFT", signalId: "s-MSFT", intentId: msft.intentId, outcome: .placed, plan: msft)
        orders.decisions["SPY"] = RouterDecision(runId: "r1", symbol: "SPY", signalId: "s-SPY", intentId: "cw-spy", outcome: .denied,
                                                 note: RiskNote(.shortNotAllowed, "SELL SPY with no position: shorting is off"))
        // Before any snapshot: nothing is confirmed or unconfirmed, nothing filled.
        let before = try #require(orders.outcome("AAPL"))
        #expect(before.confirmedAtIB == nil && before.filledQuantity == nil && !before.filled)
        #expect(before.quantity == 10 && before.clamps.map(\.code) == [.orderNotionalClamped])

        // IB reports every AAPL leg, its entry filled in two executions; of MSFT only the entry.
        let snapshot = BrokerSnapshot(
            accounts: ["DU1"], orders: brokerOrders(aapl, filled: 10) + brokerOrders(msft, filled: 0).prefix(1),
            executions: [try execution("e1", aapl, 6, 100), try execution("e2", aapl, 4, 101)],
            portfolio: try Portfolio(cash: 1, positions: [], timestamp: Self.epoch), accountValues: [:], connectionEpoch: 1, takenAt: Self.epoch)
        orders.absorb(snapshot)

        let placed = try #require(orders.outcome("AAPL"))
        #expect(placed.outcome == .placed && placed.intentId == aapl.intentId && placed.note == nil)
        #expect(placed.confirmedAtIB == true)
        #expect(placed.filledQuantity == 10 && placed.fillPrice == Decimal(string: "100.4") && placed.filled)

        let partial = try #require(orders.outcome("MSFT"))
        #expect(partial.confirmedAtIB == false && partial.filledQuantity == nil && partial.quantity == 7)

        let denied = try #require(orders.outcome("SPY"))
        #expect(denied.outcome == .denied && denied.note == RiskNote(.shortNotAllowed, "SELL SPY with no position: shorting is off"))
        #expect(denied.quantity == nil && denied.confirmedAtIB == nil && !denied.filled)

        #expect(orders.outcome("GOOG") == nil, "a symbol the run never sent has no outcome")
    }
}
