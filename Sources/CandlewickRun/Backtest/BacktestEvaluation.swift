import CandlewickCore
import Foundation

/// What a backtest came to: every signal, the simulated outcome of each with levels, the equity of
/// what was placed beside buy-and-hold, the metrics and the calibration.
public struct BacktestResults: Sendable {
    public let signals: [SignalRow]
    public let outcomes: [ShadowOutcome]
    public let equity: [EquityPoint]
    public let benchmarks: [String: [EquityPoint]]
    public let metrics: MetricsReport
    public let calibration: CalibrationReport
    /// The days scored: from the first as-of day to the last one plus the bars a bracket may need.
    public let scoredThrough: String?
    /// In-sample and out-of-sample figures when the backtest has `oosFrom`.
    public let split: SplitReport?
}

/// Scores a backtest's days on the bars that followed them (pure: the same data gives the same bytes).
///
/// Every signal with levels (BUY or SELL, LOW confidence included, placed or not) gets a shadow
/// outcome, simulated with ib-paper's matching rules on the bars after its as-of day; the equity
/// curve holds only the brackets order-router placed. Bars are cut at the last as-of day plus
/// `entryValidBars + holdDays + 1` trading days, so a backtest resumed after its last day (whose
/// clock went further) scores exactly the same.
public enum BacktestEvaluation {
    public static func evaluate(_ data: BacktestData) -> BacktestResults {
        let s = data.settings
        let a = s.assumptions
        // Each bar's day, worked out once (bars are in ascending order, `MarketData`'s rule).
        let allDated = data.bars.mapValues { $0.map { (day: CalendarDay.of($0.timestamp), bar: $0) } }
        let days = tradingDays(allDated, benchmark: s.benchmark)
        let first = data.steps.first?.asOf ?? s.from
        let lastStep = data.steps.last?.asOf ?? s.from
        let afterLast = days.filter { $0 > lastStep }
        let end = afterLast.prefix(a.entryValidBars + a.holdDays + 1).last ?? lastStep
        let scored = days.filter { $0 >= first && $0 <= end }
        let dated = allDated.mapValues { $0.filter { $0.day <= end } }

        var rows: [SignalRow] = []
        var outcomes: [ShadowOutcome] = []
        var placedOutcomes: [ShadowOutcome] = []
        for step in data.steps {
            for sig in step.signals {
                rows.append(SignalRow(asOf: step.asOf, symbol: sig.symbol, action: sig.action, confidence: sig.confidence,
                                      confidenceScore: sig.confidenceScore, entry: sig.entry, stop: sig.stop, target: sig.target,
                                      analyst: sig.provider ?? "", model: sig.model, router: RouterOutcome(text: sig.router) ?? .unknown, close: sig.lastClose))
                guard sig.action != .hold, let entry = sig.entry, let stop = sig.stop, let target = sig.target else { continue }
                let shadow = ShadowSignal(asOf: step.asOf, symbol: sig.symbol, action: sig.action, confidence: sig.confidence,
                                          confidenceScore: sig.confidenceScore, entry: entry, stop: stop, target: target,
                                          quantity: sig.quantity ?? s.shadowShares)
                let mine = dated[sig.symbol] ?? []
                let following = mine[(mine.firstIndex { $0.day > step.asOf } ?? mine.endIndex)...].map(\.bar)
                let outcome = ShadowSimulator.simulate(shadow, following: following, assumptions: a)
                outcomes.append(outcome)
                if sig.placed { placedOutcomes.append(outcome) }
            }
        }
        let closes = dated.mapValues { Dictionary($0.map { ($0.day, $0.bar.close) }, uniquingKeysWith: { _, last in last }) }
        let equity = BacktestEquity.daily(placedOutcomes, closes: closes, dates: scored, startingCash: s.startingCash)
        func series(_ symbols: [String]) -> [String: [(date: String, close: Decimal)]] {
            Dictionary(uniqueKeysWithValues: symbols.compactMap { sym in
                dated[sym].map { (sym, $0.map { (date: $0.day, close: $0.bar.close) }) }
            })
        }
        let benchmarks = [
            "buy_and_hold": BacktestMetrics.buyAndHold(closes: series(s.universe), dates: scored, cash: s.startingCash),
            s.benchmark: BacktestMetrics.buyAndHold(closes: series([s.benchmark]), dates: scored, cash: s.startingCash),
        ]
        let metrics = BacktestMetrics.compute(outcomes: outcomes, equity: equity, startingCash: s.startingCash, benchmarks: benchmarks)
        let split = s.oosFrom.map {
            BacktestSplit.compute(oosFrom: $0, asOfDays: data.steps.map(\.asOf), outcomes: outcomes, equity: equity, startingCash: s.startingCash,
                                  benchmarks: benchmarks)
        }
        return BacktestResults(signals: rows, outcomes: outcomes, equity: equity, benchmarks: benchmarks, metrics: metrics,
                               calibration: Calibration.compute(outcomes), scoredThrough: scored.last, split: split)
    }

    /// The benchmark's trading days (every symbol's, when the benchmark has no bars), sorted.
    static func tradingDays(_ dated: [String: [(day: String, bar: OHLCVBar)]], benchmark: String) -> [String] {
        let source = dated[benchmark].map { [$0] } ?? Array(dated.values)
        return Set(source.flatMap { $0.map(\.day) }).sorted()
    }
}
