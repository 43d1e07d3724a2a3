import CandlewickCore
import Foundation
import Testing
@testable import CandlewickPaper
@testable import CandlewickTWS

/// The backtest's shadow simulator (CandlewickCore) must match exactly as ib-paper does: the same bracket placed in a
/// `PaperBroker` over the same seeded random bars must fill on the same days at the same prices, with the same commission.
@Suite("Backtest simulator agrees with ib-paper")
struct BacktestParityTests {
    /// `yyyymmdd` of day `i` counted from 2024-01-01.
    static func day(_ i: Int) -> (paper: PaperDay, text: String) {
        let text = UTCTimestamp.formatDay(Date(timeIntervalSince1970: 1_704_067_200 + Double(i) * 86_400))
        return (Int(text.replacingOccurrences(of: "-", with: ""))!, text)
    }

    static func cents(_ c: Int) -> Decimal { Decimal(c) / 100 }

    /// 2 to 25 random daily bars (prices in cents, at least 1.00) and a random BUY or SELL bracket as of the first day.
    static func scenario(_ rng: inout SplitMix64) throws -> (paper: [PaperBar], core: [OHLCVBar], signal: ShadowSignal) {
        var paper: [PaperBar] = [], core: [OHLCVBar] = []
        var close = 10_000
        for i in 0..<Int.random(in: 2...25, using: &rng) {
            let o = max(100, close + Int.random(in: -300...300, using: &rng))
            let c = max(100, o + Int.random(in: -400...400, using: &rng))
            let h = max(o, c) + Int.random(in: 0...300, using: &rng), l = max(50, min(o, c) - Int.random(in: 0...300, using: &rng))
            close = c
            paper.append(PaperBar(day: day(i).paper, open: cents(o), high: cents(h), low: cents(l), close: cents(c), volume: 1_000_000))
            core.append(try OHLCVBar(timestamp: UTCTimestamp.parse(day(i).text)!, open: cents(o), high: cents(h), low: cents(l),
                                     close: cents(c), volume: 1_000_000))
        }
        let buy = Bool.random(using: &rng)
        let entry = max(200, (paper[0].close as NSDecimalNumber).intValue * 100 + Int.random(in: -200...200, using: &rng))
        let risk = Int.random(in: 50...500, using: &rng), reward = Int.random(in: 50...800, using: &rng)
        let signal = ShadowSignal(asOf: day(0).text, symbol: "TEST", action: buy ? .buy : .sell, confidence: .high, confidenceScore: 80,
                                  entry: cents(entry), stop: cents(buy ? entry - risk : entry + risk),
                                  target: cents(buy ? entry + reward : max(60, entry - reward)), quantity: Decimal(Int.random(in: 1...500, using: &rng)))
        return (paper, core, signal)
    }

    @Test("400 random brackets: same entry and exit days and prices, same exit reason, same commission")
    func randomBrackets() throws {
        var rng = SplitMix64(seed: 2026)
        var reasons: [ExitReason: Int] = [:], gaps = (entry: 0, target: 0, stop: 0)
        for trial in 0..<400 {
            let (paperBars, coreBars, s) = try Self.scenario(&rng)
            let market = PaperMarket(instruments: [PaperInstrument(symbol: "TEST", conId: 1, primaryExchange: "NYSE", longName: "T",
                                                                   bars: paperBars, synthetic: false)])
            var broker = PaperBroker(market: market, state: PaperState(asOf: paperBars[0].day, account: "DU1", cash: 10_000_000))
            let open = s.action == .buy ? "BUY" : "SELL", close = s.action == .buy ? "SELL" : "BUY"
            func place(_ id: Int, _ o: TWSOrder) -> [Int] {
                broker.place(TWSPlaceOrder(orderId: id, contract: TWSContract(symbol: "TEST"), order: o), clientId: 1).compactMap {
                    if case .error(let e) = $0.event, e.code != 202 { e.code } else { nil }
                }
            }
            var errors = place(1, TWSOrder(action: open, totalQuantity: s.quantity, orderType: "LMT", lmtPrice: DecimalText.double(s.entry),
                                           tif: "DAY", transmit: false))
            errors += place(2, TWSOrder(action: close, totalQuantity: s.quantity, orderType: "LMT", lmtPrice: DecimalText.double(s.target),
                                        tif: "GTC", transmit: false, parentId: 1))
            errors += place(3, TWSOrder(action: close, totalQuantity: s.quantity, orderType: "STP", auxPrice: DecimalText.double(s.stop),
                                        tif: "GTC", parentId: 1))
            #expect(errors.isEmpty, "trial \(trial): \(errors)")
            while broker.advanceDay() != nil {}

            let o = ShadowSimulator.simulate(s, following: coreBars, assumptions: BacktestAssumptions(holdDays: 1000, commission: .ibFixed))
            reasons[o.exitReason, default: 0] += 1
            if let p = o.entryPrice, !(p - s.entry).isZero { gaps.entry += 1 }
            if let p = o.exitPrice, o.exitReason == .target, !(p - s.target).isZero { gaps.target += 1 }
            if let p = o.exitPrice, o.exitReason == .stop, !(p - s.stop).isZero { gaps.stop += 1 }
            let fills = broker.state.fills
            let entryFill = fills.first { $0.execution.orderId == 1 }, exitFill = fills.first { $0.execution.orderId != 1 }
            let label = "trial \(trial): \(s) → \(o.exitReason) \(String(describing: o.entryPrice)) \(String(describing: o.exitPrice))"
            #expect(o.filled == (entryFill != nil), "\(label)")
            guard let entryFill else { continue }
            #expect(o.entryDate == Self.text(entryFill.day) && o.entryPrice.map(DecimalText.double) == entryFill.execution.price, "\(label)")
            switch o.exitReason {
            case .target, .stop:
                #expect(exitFill?.execution.orderId == (o.exitReason == .target ? 2 : 3), "\(label)")
                #expect(o.exitDate == exitFill.map { Self.text($0.day) } && o.exitPrice.map(DecimalText.double) == exitFill?.execution.price, "\(label)")
                let paid = fills.reduce(0.0) { $0 + $1.commission.commission }
                #expect(abs(DecimalText.double(o.commission) - paid) < 1e-9, "\(label) paid \(paid)")
                #expect(abs(DecimalText.double(o.pnl) - DecimalText.double(broker.state.realizedPnL)) < 1e-6, "\(label)")
            default:
                #expect(exitFill == nil, "\(label)")
            }
        }
        // The random scenarios reach every branch ib-paper has (it has no time exit), gaps at the open included.
        #expect(ExitReason.allCases.allSatisfy { $0 == .time || reasons[$0, default: 0] > 10 }, "\(reasons)")
        #expect(gaps.entry > 10 && gaps.target > 10 && gaps.stop > 10, "\(gaps)")
    }

    static func text(_ d: PaperDay) -> String { String(format: "%04d-%02d-%02d", d / 10_000, d / 100 % 100, d % 100) }

    @Test("ibFixed equals PaperBroker.commission", arguments: [1, 7, 100, 199, 200, 333, 1000, 10_000])
    func fixedCommission(shares: Int) {
        for price in ["0.3", "3.3333", "12.5", "50", "185.25", "999.99"] {
            let p = Decimal(string: price)!
            let a = CommissionModel.ibFixed.commission(shares: Decimal(shares), price: p), b = PaperBroker.commission(shares: Decimal(shares), price: p)
            #expect((a - b).isZero, "\(shares) @ \(price): \(a) vs \(b)")
        }
    }
}
