import CandlewickCore
import Foundation
import Testing

/// An outcome built by hand for the metrics and calibration tests.
func outcome(_ action: SignalAction, _ confidence: SignalConfidence, score: Double, reason: ExitReason, pnl: String = "0",
             r: Double? = nil, commission: String = "0", entry: (String, String)? = nil, exit: (String, String)? = nil,
             quantity: String = "10", asOf: String = "2024-01-01", symbol: String = "TEST") -> ShadowOutcome {
    var o = ShadowOutcome(signal: ShadowSignal(asOf: asOf, symbol: symbol, action: action, confidence: confidence, confidenceScore: score,
                                               entry: 100, stop: 95, target: 110, quantity: dec(quantity)))
    o.exitReason = reason
    guard reason != .unfilled else { return o }
    o.filled = true
    o.pnl = dec(pnl)
    o.rMultiple = r
    o.commission = dec(commission)
    o.entryDate = entry?.0
    o.entryPrice = entry.map { dec($0.1) }
    o.exitDate = exit?.0
    o.exitPrice = exit.map { dec($0.1) }
    o.hitTarget = reason == .target ? true : reason == .stop ? false : nil
    return o
}

func points(_ values: [String], from day: Int = 1) -> [EquityPoint] {
    values.enumerated().map { EquityPoint(date: String(format: "2024-02-%02d", day + $0.offset), equity: dec($0.element)) }
}

func close(_ a: Double?, _ b: Double, _ tolerance: Double = 1e-9) -> Bool { a.map { abs($0 - b) <= tolerance } ?? false }

@Suite("Backtest metrics: groups, equity curve, benchmarks")
struct BacktestMetricsTests {
    static let outcomes = [
        outcome(.buy, .high, score: 80, reason: .target, pnl: "20", r: 2, commission: "2", entry: ("2024-02-02", "10"), exit: ("2024-02-03", "11")),
        outcome(.buy, .medium, score: 50, reason: .stop, pnl: "-10", r: -1, commission: "1"),
        outcome(.sell, .high, score: 75, reason: .time, pnl: "5", r: 0.5, commission: "1"),
        outcome(.sell, .low, score: 20, reason: .unfilled),
    ]

    @Test("group figures: hit rate over target/stop exits only, mean R, expectancy per trade, totals")
    func groups() {
        let m = BacktestMetrics.compute(outcomes: Self.outcomes, equity: [], startingCash: 100, benchmarks: [:])
        let all = m.overall
        #expect(all.signals == 4 && all.trades == 3 && all.wins == 1 && all.losses == 1)
        #expect(all.hitRate == 0.5 && all.averageR == 0.5 && same(all.expectancy, "5") && same(all.totalPnl, "15") && same(all.commissions, "4"))
        #expect(Set(m.byAction.keys) == ["BUY", "SELL"] && Set(m.byConfidence.keys) == ["HIGH", "MEDIUM", "LOW"])
        #expect(m.byAction["BUY"]?.hitRate == 0.5 && same(m.byAction["BUY"]?.totalPnl, "10"))
        #expect(m.byAction["SELL"]?.trades == 1 && m.byAction["SELL"]?.hitRate == nil && m.byAction["SELL"]?.signals == 2)
        #expect(m.byConfidence["HIGH"]?.wins == 1 && m.byConfidence["HIGH"]?.averageR == 1.25)
        #expect(m.byConfidence["LOW"]?.trades == 0 && m.byConfidence["LOW"]?.expectancy == nil && m.byConfidence["LOW"]?.averageR == nil)
        #expect(same(m.commissions, "4") && m.totalReturn == nil && m.sharpe == nil && m.exposure == nil)
    }

    /// 100 → 110 → 99 → 108.9: returns +0.1, −0.1, +0.1. Mean 1/30, sample sd √(1/75), so Sharpe = √75/30 × √252 = √18900/30
    /// = 4.582576; downside deviation √(0.01/3), so Sortino = (1/30)/√(1/300) × √252 = √84 = 9.165151. Peak 110 → 99 = 10%.
    @Test("equity curve: total return, CAGR, max drawdown, Sharpe and Sortino by hand")
    func curve() {
        let equity = points(["100", "110", "99", "108.9"])
        let m = BacktestMetrics.compute(outcomes: [], equity: equity, startingCash: 100, benchmarks: [:])
        #expect(close(m.totalReturn, 0.089))
        #expect(close(m.maxDrawdown, 0.1))
        #expect(close(m.sharpe, 18900.0.squareRoot() / 30))
        #expect(close(m.sharpe, 4.582576, 1e-6))
        #expect(close(m.sortino, 84.0.squareRoot()))
        #expect(close(m.cagr, pow(1.089, 84) - 1, 1e-6))   // 252 / 3 returns
        #expect(same(m.endingEquity, "108.9"))
    }

    @Test("a flat curve has no Sharpe; a curve that never falls has no Sortino and no drawdown")
    func undefinedRatios() {
        let flat = CurveMetrics(points(["100", "100", "100"]))
        #expect(flat.sharpe == nil && flat.sortino == nil && flat.maxDrawdown == 0 && flat.totalReturn == 0)
        let up = CurveMetrics(points(["100", "101", "103"]))
        #expect(up.sortino == nil && up.sharpe != nil && up.maxDrawdown == 0)
        #expect(CurveMetrics(points(["100"])).sharpe == nil && CurveMetrics(points(["100"])).cagr == nil)
    }

    @Test("exposure counts equity dates from entry day to exit day; turnover is traded notional / average equity")
    func exposureAndTurnover() {
        let held = outcome(.buy, .high, score: 80, reason: .target, entry: ("2024-02-02", "10"), exit: ("2024-02-03", "11"))
        let open = outcome(.buy, .high, score: 80, reason: .open, entry: ("2024-02-04", "10"), exit: ("2024-02-04", "12"))
        let equity = points(["100", "110", "99", "108.9"])
        #expect(BacktestMetrics.exposure([held], dates: equity.map(\.date)) == 0.5)
        #expect(BacktestMetrics.exposure([held, open], dates: equity.map(\.date)) == 0.75)
        #expect(BacktestMetrics.exposure([outcome(.buy, .high, score: 80, reason: .unfilled)], dates: equity.map(\.date)) == 0)
        // (10 × 10 + 10 × 11) + 10 × 10 (the open trade's mark is not traded) = 310; average equity 104.475.
        #expect(close(BacktestMetrics.turnover([held, open], equity: equity), 310 / 104.475))
    }

    /// A at 10 and B at 20 on the first day get 500 each: 50 and 25 shares; C has no first-day close and is left out.
    /// Day 2: 50 × 11 + 25 × 20 (B's last close) = 1050; day 3: 50 × 12 + 25 × 18 = 1050.
    @Test("buy and hold: equal weight at the first date's close, last close carried, benchmark figures")
    func buyAndHold() {
        let closes: [String: [(date: String, close: Decimal)]] = [
            "A": [("2024-02-01", 10), ("2024-02-02", 11), ("2024-02-03", 12)],
            "B": [("2024-02-01", 20), ("2024-02-03", 18)],
            "C": [("2024-02-02", 5), ("2024-02-03", 50)],
        ]
        let curve = BacktestMetrics.buyAndHold(closes: closes, dates: ["2024-02-01", "2024-02-02", "2024-02-03"], cash: 1000)
        #expect(curve.map(\.date) == ["2024-02-01", "2024-02-02", "2024-02-03"])
        #expect(same(curve[0].equity, "1000") && same(curve[1].equity, "1050") && same(curve[2].equity, "1050"))
        let m = BacktestMetrics.compute(outcomes: [], equity: curve, startingCash: 1000, benchmarks: ["buy_and_hold": curve])
        let b = m.benchmarks["buy_and_hold"]
        // Returns 0.05 and 0: mean 0.025, sample sd 0.025 × √2, Sharpe = √252 / √2 = √126.
        #expect(close(b?.totalReturn, 0.05) && b?.maxDrawdown == 0 && close(b?.sharpe, 126.0.squareRoot()))
        #expect(BacktestMetrics.buyAndHold(closes: [:], dates: ["2024-02-01"], cash: 7).map(\.equity) == [7])
    }
}
