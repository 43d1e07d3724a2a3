import CandlewickCore
import Foundation
import Testing
@testable import CandlewickPaper
@testable import CandlewickTWS

/// ib-paper's opt-in partial fills: an order takes at most floor(fraction × volume) shares of a bar.
@Suite("ib-paper matching: partial fills by volume participation")
struct PaperPartialFillTests {
    /// The fixture's bars trade 1000 shares a day; 30% lets an order take 300 shares per bar.
    static func broker() -> PaperBroker {
        let base = Fixture.broker()
        return PaperBroker(market: base.market, state: PaperState(asOf: 20200102, account: "DU1", cash: 100_000),
                           maxVolumeParticipation: Decimal(string: "0.3")!)
    }

    static func statuses(_ events: [TWSEvent]) -> [Int: TWSOrderStatus] {
        var out: [Int: TWSOrderStatus] = [:]
        for case .orderStatus(let s) in events { out[s.orderId] = s }
        return out
    }

    static func executions(_ events: [TWSEvent]) -> [TWSExecution] { events.compactMap { if case .execDetails(_, let e) = $0 { e } else { nil } } }
    static func commissions(_ events: [TWSEvent]) -> [Double] { events.compactMap { if case .commissionReport(let c) = $0 { c.commission } else { nil } } }

    @Test("the participation cap: floor(fraction × volume), all without a cap, none below one share")
    func fillQuantityRule() {
        let f = Decimal(string: "0.3")!
        #expect(PaperBroker.fillQuantity(remaining: 500, volume: 1000, participation: f) == 300)
        #expect(PaperBroker.fillQuantity(remaining: 200, volume: 1000, participation: f) == 200)
        #expect(PaperBroker.fillQuantity(remaining: 500, volume: 1005, participation: f) == 301)   // 301.5 rounds down
        #expect(PaperBroker.fillQuantity(remaining: 500, volume: 3, participation: f) == 0)
        #expect(PaperBroker.fillQuantity(remaining: 500, volume: 1000, participation: nil) == 500)
    }

    /// Day 2 (open 102): the entry takes 300 of 400 at 102; its children start working for 300. Day 3 (open 104, low 95):
    /// the rest (100) fills at the 103 limit; the children grow to 400. Day 4 (open 96, low 90): the stop (94) takes 300,
    /// the take-profit shrinks to the 100 still held.
    @Test("a bracket whose entry fills over two bars: executions, cumulative status, per-order commission, child sizes")
    func bracketEntryFillsInParts() throws {
        var b = Self.broker()
        _ = Fixture.place(&b, 1, TWSOrder(action: "BUY", totalQuantity: 400, orderType: "LMT", lmtPrice: 103, tif: "GTC", transmit: false))
        _ = Fixture.place(&b, 2, TWSOrder(action: "SELL", totalQuantity: 400, orderType: "LMT", lmtPrice: 110, tif: "GTC", transmit: false, parentId: 1))
        _ = Fixture.place(&b, 3, TWSOrder(action: "SELL", totalQuantity: 400, orderType: "STP", auxPrice: 94, tif: "GTC", parentId: 1))

        let day2 = (b.advanceDay() ?? []).map(\.event)
        let e2 = Self.executions(day2), s2 = Self.statuses(day2)
        #expect(e2.map(\.shares) == [300] && e2.first?.cumQty == 300 && e2.first?.price == 102)
        #expect(s2[1]?.status == "Submitted" && s2[1]?.filled == 300 && s2[1]?.remaining == 100 && s2[1]?.avgFillPrice == 102)
        #expect(s2[2]?.status == "Submitted" && s2[2]?.remaining == 300, "take-profit works for the 300 held")
        #expect(s2[3]?.status == "Submitted" && s2[3]?.remaining == 300, "stop works for the 300 held")
        #expect(Self.commissions(day2) == [1.5])
        #expect(b.state.positions["TEST"]?.quantity == 300)

        // A restart between the parts: the state round-trips through its file format.
        let saved = try JSONDecoder().decode(PaperState.self, from: JSONEncoder().encode(b.state))
        b = PaperBroker(market: b.market, state: saved, maxVolumeParticipation: b.maxVolumeParticipation)

        let day3 = (b.advanceDay() ?? []).map(\.event)
        let e3 = Self.executions(day3), s3 = Self.statuses(day3)
        #expect(e3.map(\.shares) == [100] && e3.first?.cumQty == 400 && e3.first?.price == 103)
        #expect(e3.first?.avgPrice == 102.25)
        #expect(s3[1]?.status == "Filled" && s3[1]?.filled == 400 && s3[1]?.remaining == 0 && s3[1]?.avgFillPrice == 102.25)
        #expect(s3[2]?.remaining == 400 && s3[3]?.remaining == 400, "children grow to the full 400")
        #expect(Self.commissions(day3) == [0.5], "the order pays 2.00 in all (400 × 0.005): 1.50 then 0.50, not a second minimum")
        #expect(b.state.positions["TEST"]?.quantity == 400)
        #expect(b.state.fills.count == 2)

        let day4 = (b.advanceDay() ?? []).map(\.event)
        let e4 = Self.executions(day4), s4 = Self.statuses(day4)
        #expect(e4.map(\.orderId) == [3] && e4.first?.shares == 300 && e4.first?.price == 94)
        #expect(s4[3]?.status == "Submitted" && s4[3]?.filled == 300 && s4[3]?.remaining == 100)
        #expect(s4[2]?.status == "Submitted" && s4[2]?.remaining == 100, "the take-profit covers only the 100 still held")
        #expect(b.state.positions["TEST"]?.quantity == 100)
    }

    @Test("without a participation limit the same entry fills in full on one bar")
    func defaultFillsInFull() {
        var b = Fixture.broker()
        _ = Fixture.place(&b, 1, TWSOrder(action: "BUY", totalQuantity: 5000, orderType: "LMT", lmtPrice: 103, tif: "GTC"))
        let day2 = (b.advanceDay() ?? []).map(\.event)
        #expect(Self.executions(day2).map(\.shares) == [5000])
        #expect(Self.statuses(day2)[1]?.status == "Filled")
    }

    @Test("a DAY order's unfilled rest expires after its bar; what filled stays filled")
    func dayOrderRestExpires() {
        var b = Self.broker()
        _ = Fixture.place(&b, 1, TWSOrder(action: "BUY", totalQuantity: 500, orderType: "MKT", tif: "DAY"))
        let day2 = (b.advanceDay() ?? []).map(\.event)
        #expect(Self.executions(day2).map(\.shares) == [300])
        #expect(Fixture.codes(day2) == [202])
        #expect(b.state.orders[0].status == .cancelled && b.state.orders[0].filled == 300)
        #expect(b.state.positions["TEST"]?.quantity == 300)
    }

    @Test("a bracket whose DAY entry fills in part: the rest expires, the children keep working for what filled")
    func dayEntryRestExpiresChildrenStay() {
        var b = Self.broker()
        _ = Fixture.place(&b, 1, TWSOrder(action: "BUY", totalQuantity: 500, orderType: "LMT", lmtPrice: 103, tif: "DAY", transmit: false))
        _ = Fixture.place(&b, 2, TWSOrder(action: "SELL", totalQuantity: 500, orderType: "LMT", lmtPrice: 110, tif: "GTC", transmit: false, parentId: 1))
        _ = Fixture.place(&b, 3, TWSOrder(action: "SELL", totalQuantity: 500, orderType: "STP", auxPrice: 80, tif: "GTC", parentId: 1))
        let day2 = (b.advanceDay() ?? []).map(\.event)
        #expect(Fixture.codes(day2) == [202])
        #expect(b.state.orders.map(\.status) == [.cancelled, .submitted, .submitted])
        #expect(b.state.orders[0].filled == 300 && b.state.orders[1].remaining == 300 && b.state.orders[2].remaining == 300)
    }
}
