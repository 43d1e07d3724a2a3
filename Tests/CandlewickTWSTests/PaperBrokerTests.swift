import CandlewickCore
import Foundation
import Logging
import Testing
@testable import CandlewickPaper
@testable import CandlewickTWS

/// A tiny market: three days of one symbol with hand-picked prices.
enum Fixture {
    static func bar(_ day: Int, _ o: String, _ h: String, _ l: String, _ c: String) -> PaperBar {
        PaperBar(day: day, open: Decimal(string: o)!, high: Decimal(string: h)!, low: Decimal(string: l)!, close: Decimal(string: c)!, volume: 1000)
    }

    static func broker() -> PaperBroker {
        let bars = [bar(20200102, "100", "101", "99", "100"), bar(20200103, "102", "105", "101.5", "104"),
                    bar(20200106, "104", "104.5", "95", "96"), bar(20200107, "96", "97", "90", "91")]
        let market = PaperMarket(instruments: [PaperInstrument(symbol: "TEST", conId: 1, primaryExchange: "NYSE", longName: "T", bars: bars, synthetic: false)])
        return PaperBroker(market: market, state: PaperState(asOf: 20200102, account: "DU1", cash: 10_000))
    }

    static func place(_ b: inout PaperBroker, _ id: Int, _ order: TWSOrder) -> [TWSEvent] {
        b.place(TWSPlaceOrder(orderId: id, contract: TWSContract(symbol: "TEST"), order: order), clientId: 1).map(\.event)
    }

    static func codes(_ events: [TWSEvent]) -> [Int] { events.compactMap { if case .error(let e) = $0 { e.code } else { nil } } }
}

@Suite struct PaperBrokerTests {
    /// IB fixed pricing for US stocks: USD 0.005/share, minimum USD 1.00, maximum 1% of trade value.
    @Test func commissionFollowsIbFixedSchedule() {
        #expect(PaperBroker.commission(shares: 100, price: 50) == 1)       // 0.50 → minimum 1.00
        #expect(PaperBroker.commission(shares: 1000, price: 50) == 5)      // 1000 × 0.005
        #expect(PaperBroker.commission(shares: 100, price: Decimal(string: "0.5")!) == Decimal(string: "0.5")!)  // 1% of 50 cap
    }

    @Test func invalidOrdersGetIbErrors() {
        var b = Fixture.broker()
        #expect(Fixture.codes(Fixture.place(&b, 1, TWSOrder(action: "BUY", totalQuantity: 10, orderType: "LMT", lmtPrice: 100.005))) == [110])
        #expect(Fixture.codes(Fixture.place(&b, 2, TWSOrder(action: "BUY", totalQuantity: -1, orderType: "MKT"))) == [201])
        #expect(Fixture.codes(Fixture.place(&b, 3, TWSOrder(action: "BUY", totalQuantity: 1, orderType: "TRAIL"))) == [201])
        #expect(Fixture.codes(Fixture.place(&b, 4, TWSOrder(action: "BUY", totalQuantity: 1, orderType: "LMT"))) == [201])
        #expect(Fixture.codes(Fixture.place(&b, 2, TWSOrder(action: "BUY", totalQuantity: 1, orderType: "MKT"))) == [103])
        var unknown = TWSPlaceOrder(orderId: 9, contract: TWSContract(symbol: "NOPE"), order: TWSOrder(action: "BUY", totalQuantity: 1, orderType: "MKT"))
        #expect(Fixture.codes(b.place(unknown, clientId: 1).map(\.event)) == [200])
        unknown.orderId = 10
        #expect(Fixture.codes(b.cancel(orderId: 77, clientId: 1).map(\.event)) == [10147])
    }

    /// Bracket: BUY LMT 103 fills at the 102 open; TP 104.4 fills on day 3 (open 104 ≥? no: high 104.5 ≥ 104.4 → at limit);
    /// the stop (95.5) is on the same bar (low 95) but the open reaches neither, so the pessimistic rule fills the stop.
    @Test func bracketFillsParentThenOneChildAndCancelsTheOther() throws {
        var b = Fixture.broker()
        _ = Fixture.place(&b, 1, TWSOrder(action: "BUY", totalQuantity: 10, orderType: "LMT", lmtPrice: 103, tif: "GTC", transmit: false))
        _ = Fixture.place(&b, 2, TWSOrder(action: "SELL", totalQuantity: 10, orderType: "LMT", lmtPrice: 104.4, tif: "GTC", transmit: false, parentId: 1))
        let released = Fixture.place(&b, 3, TWSOrder(action: "SELL", totalQuantity: 10, orderType: "STP", auxPrice: 95.5, tif: "GTC", parentId: 1))
        let statuses = released.compactMap { if case .orderStatus(let s) = $0 { "\(s.orderId):\(s.status)" } else { nil } }
        #expect(statuses == ["1:Submitted", "2:PreSubmitted", "3:PreSubmitted"])
        let day1 = (b.advanceDay() ?? []).map(\.event)
        #expect(!day1.isEmpty)
        #expect(day1.contains { if case .execDetails(_, let e) = $0 { e.orderId == 1 && e.price == 102 } else { false } })
        #expect(b.state.positions["TEST"]?.quantity == 10)
        #expect((b.state.cash - 8979).isZero, "\(b.state.cash)")
        let day2 = (b.advanceDay() ?? []).map(\.event)
        #expect(day2.contains { if case .execDetails(_, let e) = $0 { e.orderId == 3 && e.price == 95.5 } else { false } })
        #expect(day2.contains { if case .orderStatus(let s) = $0 { s.orderId == 2 && s.status == "Cancelled" } else { false } })
        #expect(Fixture.codes(day2) == [202])
        #expect(b.state.positions["TEST"]?.quantity == 0)
        let realized = (Decimal(string: "95.5")! - (102 + Decimal(1) / 10)) * 10 - 1
        #expect((b.state.realizedPnL - realized).isZero, "\(b.state.realizedPnL) vs \(realized)")
    }

    @Test func stopAndLimitGapFillsUseTheOpen() {
        let bar = Fixture.bar(20200103, "102", "105", "101.5", "104")
        #expect(PaperBroker.fillPrice(TWSOrder(action: "BUY", totalQuantity: 1, orderType: "STP", auxPrice: 101), bar, alreadyTriggered: false).price == 102)
        #expect(PaperBroker.fillPrice(TWSOrder(action: "BUY", totalQuantity: 1, orderType: "STP", auxPrice: 104), bar, alreadyTriggered: false).price == 104)
        #expect(PaperBroker.fillPrice(TWSOrder(action: "SELL", totalQuantity: 1, orderType: "LMT", lmtPrice: 101), bar, alreadyTriggered: false).price == 102)
        #expect(PaperBroker.fillPrice(TWSOrder(action: "BUY", totalQuantity: 1, orderType: "LMT", lmtPrice: 101), bar, alreadyTriggered: false).price == nil)
        let stpLmt = TWSOrder(action: "BUY", totalQuantity: 1, orderType: "STP LMT", lmtPrice: 104.5, auxPrice: 104)
        #expect(PaperBroker.fillPrice(stpLmt, bar, alreadyTriggered: false).price == 104)
    }

    @Test func dayOrdersExpireAfterOneSession() {
        var b = Fixture.broker()
        _ = Fixture.place(&b, 1, TWSOrder(action: "BUY", totalQuantity: 1, orderType: "LMT", lmtPrice: 50, tif: "DAY"))
        let events = (b.advanceDay() ?? []).map(\.event)
        #expect(Fixture.codes(events) == [202])
        #expect(b.state.orders[0].status == .cancelled)
    }

    @Test func stateSurvivesSaveAndLoad() throws {
        var b = Fixture.broker()
        _ = Fixture.place(&b, 5, TWSOrder(action: "BUY", totalQuantity: 3, orderType: "MKT"))
        _ = b.advanceDay()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("paper-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let store = PaperStateStore(directory: dir)
        try store.save(b.state)
        let loaded = try #require(try store.load())
        #expect(loaded.positions == b.state.positions && loaded.cash == b.state.cash && loaded.asOf == 20200103)
        #expect(loaded.nextValidId(clientId: 1) == 6)
        try Data("{".utf8).write(to: URL(fileURLWithPath: store.path))
        #expect(throws: PaperError.self) { try store.load() }
    }

    @Test("the state saver writes the newest state (group commit), flushes, and writes inline after stop")
    func stateSaverWritesTheNewestState() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("paper-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let store = PaperStateStore(directory: dir)
        let saver = PaperStateSaver(store: store, logger: Logger(label: "test"))
        for cash in 1...500 { saver.submit(PaperState(asOf: 20_200_103, account: "DU1", cash: Decimal(cash))) }
        saver.flush()
        #expect(try store.load()?.cash == 500)
        saver.stop()
        saver.submit(PaperState(asOf: 20_200_106, account: "DU1", cash: 7))
        #expect(try store.load()?.cash == 7 && (try store.load()?.asOf) == 20_200_106)
    }

    @Test func pacingFlagsIdenticalHistoricalRequestsAndMessageFloods() {
        var p = PaperPacing()
        let h = TWSHistoricalDataRequest(reqId: 1, contract: TWSContract(symbol: "AAPL"), durationStr: "1800 S", barSizeSetting: "5 secs")
        #expect(p.historical(h, at: 0) == nil)
        #expect(p.historical(h, at: 10) != nil)
        #expect(p.historical(h, at: 30) == nil)
        // IB's scope: bars of 30 s or less. Daily bars are never paced, however fast.
        var d = PaperPacing()
        let daily = TWSHistoricalDataRequest(reqId: 2, contract: TWSContract(symbol: "AAPL"), durationStr: "1 Y", barSizeSetting: "1 day")
        #expect((0..<100).allSatisfy { d.historical(daily, at: Double($0) * 0.01) == nil })
        // 60 per 10 minutes (injected times: no waiting): the 61st within 600 s is refused, one after the window is not.
        var ten = PaperPacing()
        for i in 0..<60 {
            let r = TWSHistoricalDataRequest(reqId: i, contract: TWSContract(symbol: "S\(i)"), durationStr: "60 S", barSizeSetting: "1 secs")
            #expect(ten.historical(r, at: Double(i) * 3) == nil)
        }
        let extra = TWSHistoricalDataRequest(reqId: 99, contract: TWSContract(symbol: "X"), durationStr: "60 S", barSizeSetting: "1 secs")
        #expect(ten.historical(extra, at: 590)?.contains("10 minutes") == true)
        #expect(ten.historical(extra, at: 1_200) == nil)
        var m = PaperPacing()
        let verdicts = (0..<120).map { m.message(at: Double($0) * 0.01) }
        #expect(verdicts.filter { $0 == .warn }.count == 1)
        #expect(verdicts.last == .disconnect || verdicts.contains(.disconnect))
    }

    @Test("messages are counted per rolling second, not per calendar second; the busiest window is kept")
    func rollingMessageWindow() {
        // 30 at 0.6 s and 30 at 1.2 s: 30 in each calendar second, 60 within 0.6 s → a violation.
        var p = PaperPacing()
        let verdicts = (0..<30).map { _ in p.message(at: 0.6) } + (0..<30).map { _ in p.message(at: 1.2) }
        #expect(verdicts.contains(.warn))
        #expect(p.peakPerSecond == 51)
        // 50 a second apart exactly: never more than 50 in a window.
        var q = PaperPacing()
        let ok = (0..<50).map { _ in q.message(at: 0) } + (0..<50).map { _ in q.message(at: 1) }
        #expect(ok.allSatisfy { $0 == .ok })
        #expect(q.peakPerSecond == 50)
    }
}

@Suite("ib-paper WAP")
struct PaperTypicalPriceTests {
    @Test("the integer typical price equals Decimal arithmetic rounded half up, on 20,000 random bars")
    func matchesDecimalArithmetic() {
        var rng = CandlewickCore.SplitMix64(seed: 11)
        func price() -> Decimal {
            Decimal(sign: .plus, exponent: -Int.random(in: 0...8, using: &rng), significand: Decimal(UInt64.random(in: 1...999_999_999, using: &rng)))
        }
        for _ in 0..<20_000 {
            let b = PaperBar(day: 20_171_004, open: price(), high: price(), low: price(), close: price(), volume: 1)
            var wap = (b.high + b.low + b.close) / 3, expected = Decimal()
            NSDecimalRound(&expected, &wap, 4, .plain)
            #expect(PaperBroker.typicalPrice(b) == expected, "\(b)")
        }
        // Ties round up: (1 + 1 + 1.00015) / 3 = 1.00005.
        let tie = Fixture.bar(1, "1", "1", "1", "1.00015")
        #expect(PaperBroker.typicalPrice(tie) == Decimal(string: "1.0001"))
        #expect(PaperBroker.typicalPrice(Fixture.bar(1, "1", "2", "1", "1.00015")) == Decimal(string: "1.3334"))
    }
}
