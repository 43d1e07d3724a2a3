import CandlewickCore
import Foundation
import Testing
@testable import CandlewickPaper
@testable import CandlewickTWS

/// ib-paper matching edges: a sell stop gapping down, a short closed at a loss, a long flipped short.
@Suite("ib-paper matching: gaps and position arithmetic")
struct PaperMatchingEdgeTests {
    @Test("a SELL STP gapping down fills at the open, not at the stop")
    func sellStopGapsDown() {
        let bar = Fixture.bar(20200107, "96", "97", "90", "91")
        #expect(PaperBroker.fillPrice(TWSOrder(action: "SELL", totalQuantity: 1, orderType: "STP", auxPrice: 100), bar, alreadyTriggered: false).price == 96)
        #expect(PaperBroker.fillPrice(TWSOrder(action: "SELL", totalQuantity: 1, orderType: "STP", auxPrice: 92), bar, alreadyTriggered: false).price == 92)
        #expect(PaperBroker.fillPrice(TWSOrder(action: "SELL", totalQuantity: 1, orderType: "STP", auxPrice: 89), bar, alreadyTriggered: false).price == nil)
    }

    @Test("closing a short at a higher price realises a loss (commissions included)")
    func shortLoss() {
        var b = Fixture.broker()
        _ = Fixture.place(&b, 1, TWSOrder(action: "SELL", totalQuantity: 10, orderType: "MKT", tif: "GTC"))
        _ = b.advanceDay()   // fills at 102
        #expect(b.state.positions["TEST"]?.quantity == -10)
        _ = Fixture.place(&b, 2, TWSOrder(action: "BUY", totalQuantity: 10, orderType: "MKT", tif: "GTC"))
        _ = b.advanceDay()   // fills at 104
        let avg = Decimal(102) - Decimal(1) / 10                     // short proceeds per share net of the $1 commission
        let expected = (Decimal(104) - avg) * 10 * -1 - 1
        #expect(b.state.positions["TEST"]?.quantity == 0)
        #expect((b.state.realizedPnL - expected).isZero, "\(b.state.realizedPnL) vs \(expected)")
        #expect(b.state.realizedPnL < 0)
    }

    @Test("selling more than held closes the long and opens a short at the fill price")
    func flip() {
        var b = Fixture.broker()
        _ = Fixture.place(&b, 1, TWSOrder(action: "BUY", totalQuantity: 10, orderType: "MKT", tif: "GTC"))
        _ = b.advanceDay()   // 10 at 102
        _ = Fixture.place(&b, 2, TWSOrder(action: "SELL", totalQuantity: 15, orderType: "MKT", tif: "GTC"))
        _ = b.advanceDay()   // 15 at 104
        let avg = Decimal(102) + Decimal(1) / 10
        let expected = (Decimal(104) - avg) * 10 - 1
        #expect(b.state.positions["TEST"]?.quantity == -5)
        #expect(b.state.positions["TEST"]?.avgCost == 104)
        #expect((b.state.realizedPnL - expected).isZero, "\(b.state.realizedPnL) vs \(expected)")
    }
}
