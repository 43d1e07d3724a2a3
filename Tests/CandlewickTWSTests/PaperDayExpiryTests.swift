import CandlewickCore
import Foundation
import Testing
@testable import CandlewickPaper
@testable import CandlewickTWS

/// Each leg's own time in force: a DAY entry with GTC children (`risk.child_tif = GTC`, a backtest's bracket).
@Suite struct PaperDayExpiryTests {
    /// A bracket on `Fixture.broker()`: BUY LMT `entry` (DAY) with a take-profit at 110 and a stop at 85 (neither is reached).
    static func bracket(_ b: inout PaperBroker, entry: Double, childTif: String) {
        _ = Fixture.place(&b, 1, TWSOrder(action: "BUY", totalQuantity: 10, orderType: "LMT", lmtPrice: entry, tif: "DAY", transmit: false))
        _ = Fixture.place(&b, 2, TWSOrder(action: "SELL", totalQuantity: 10, orderType: "LMT", lmtPrice: 110, tif: childTif, transmit: false, parentId: 1))
        _ = Fixture.place(&b, 3, TWSOrder(action: "SELL", totalQuantity: 10, orderType: "STP", auxPrice: 85, tif: childTif, parentId: 1))
    }

    static func statuses(_ b: PaperBroker) -> [PaperOrderStatus] { b.state.orders.sorted { $0.orderId < $1.orderId }.map(\.status) }

    @Test func filledDayEntryKeepsItsGtcChildrenWorkingDayAfterDay() throws {
        var b = Fixture.broker()
        Self.bracket(&b, entry: 103, childTif: "GTC")
        _ = b.advanceDay()  // 20200103 opens at 102: the entry fills, the children start working
        #expect(Self.statuses(b) == [.filled, .submitted, .submitted])
        _ = b.advanceDay()
        _ = b.advanceDay()
        #expect(b.state.asOf == 20200107)
        #expect(Self.statuses(b) == [.filled, .submitted, .submitted], "GTC children outlive the days they did not fill on")
    }

    @Test func dayChildrenExpireAfterTheirFirstBar() throws {
        var b = Fixture.broker()
        Self.bracket(&b, entry: 103, childTif: "DAY")
        _ = b.advanceDay()
        #expect(Self.statuses(b) == [.filled, .submitted, .submitted])
        let expiry = (b.advanceDay() ?? []).map(\.event)
        #expect(Self.statuses(b) == [.filled, .cancelled, .cancelled])
        #expect(Fixture.codes(expiry) == [202, 202])
    }

    @Test func unfilledDayEntryExpiresWithItsGtcChildren() throws {
        var b = Fixture.broker()
        Self.bracket(&b, entry: 95, childTif: "GTC")  // 20200103 trades 101.5…105: the limit 95 is not reached
        let out = (b.advanceDay() ?? []).map(\.event)
        #expect(Self.statuses(b) == [.cancelled, .cancelled, .cancelled])
        #expect(Fixture.codes(out) == [202, 202, 202])
        #expect(b.state.fills.isEmpty && b.state.positions.isEmpty)
    }
}
