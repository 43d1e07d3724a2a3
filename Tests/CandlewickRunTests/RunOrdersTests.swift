import CandlewickCore
import CandlewickRun
import Foundation
import Testing

@Suite("Run orders from the broker's closing snapshot")
struct RunOrdersTests {
    func order(_ ref: String, _ status: String) -> BrokerOrder {
        BrokerOrder(orderRef: ref, brokerOrderId: 1, permId: 1, symbol: "SPY", side: .buy, orderType: "LMT", quantity: 1,
                    filled: status == "Filled" ? 1 : 0, avgFillPrice: nil, status: status, parentId: 0, ocaGroup: "")
    }

    @Test func workingCandlewickOrdersThisRunDidNotDecideAreCounted() throws {
        var orders = RunOrders()
        #expect(orders.othersWorking == nil)
        let mine = "cw-11111111111111111111"
        orders.decisions["SPY"] = RouterDecision(runId: "r", symbol: "SPY", signalId: "s", intentId: mine, outcome: .denied)
        let snapshot = BrokerSnapshot(
            accounts: ["DU1"],
            orders: [order("\(mine)-E", "Submitted"), order("cw-22222222222222222222-TP", "Submitted"), order("cw-22222222222222222222-SL", "PreSubmitted"),
                     order("cw-33333333333333333333-E", "Filled"), order("cw-44444444444444444444-E", "Cancelled"), order("manual-1", "Submitted")],
            executions: [], portfolio: try Portfolio(cash: 1, positions: [], timestamp: Date(timeIntervalSince1970: 0)), accountValues: [:],
            connectionEpoch: 1, takenAt: Date(timeIntervalSince1970: 0))
        orders.absorb(snapshot)
        #expect(orders.othersWorking == ["cw-22222222222222222222-SL", "cw-22222222222222222222-TP"])
    }
}
