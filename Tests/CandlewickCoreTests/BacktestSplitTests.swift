import CandlewickCore
import Foundation
import Testing

@Suite("Backtest in-sample / out-of-sample split")
struct BacktestSplitTests {
    // As-of days 02-01, 02-03 (in-sample) and 02-05, 02-07 (out-of-sample from 02-05).
    static let outcomes = [
        outcome(.buy, .high, score: 80, reason: .target, pnl: "20", r: 2, asOf: "2024-02-01"),
        outcome(.buy, .medium, score: 60, reason: .stop, pnl: "-10", r: -1, asOf: "2024-02-03"),
        outcome(.sell, .high, score: 70, reason: .stop, pnl: "-8", r: -1, asOf: "2024-02-05"),
        outcome(.sell, .low, score: 30, reason: .stop, pnl: "-5", r: -1, asOf: "2024-02-07"),
        outcome(.buy, .low, score: 20, reason: .unfilled, asOf: "2024-02-07"),
    ]
    // Equity 02-01 … 02-08.
    static let equity = points(["1000", "1010", "1020", "1000", "1100", "1050", "1155", "1155"])
    static let days = ["2024-02-01", "2024-02-03", "2024-02-05", "2024-02-07"]

    @Test("signals go to the segment of their as-of day: counts, hit rates and Brier score per segment")
    func signalsBySegment() {
        let s = BacktestSplit.compute(oosFrom: "2024-02-05", asOfDays: Self.days, outcomes: Self.outcomes, equity: Self.equity,
                                      startingCash: 1000, benchmarks: [:])
        #expect(s.oosFrom == "2024-02-05")
        #expect(s.inSample.asOfDays == 2 && s.inSample.firstAsOf == "2024-02-01" && s.inSample.lastAsOf == "2024-02-03")
        #expect(s.outOfSample.asOfDays == 2 && s.outOfSample.firstAsOf == "2024-02-05" && s.outOfSample.lastAsOf == "2024-02-07")
        #expect(s.inSample.metrics.overall.signals == 2 && s.inSample.metrics.overall.wins == 1 && s.inSample.metrics.overall.losses == 1)
        #expect(s.inSample.metrics.overall.hitRate == 0.5)
        #expect(s.outOfSample.metrics.overall.signals == 3 && s.outOfSample.metrics.overall.trades == 2)
        #expect(s.outOfSample.metrics.overall.hitRate == 0)
        #expect(s.outOfSample.metrics.overall.totalPnl == -13)
        #expect(s.inSample.metrics.byConfidence["HIGH"]?.hitRate == 1)
        // Brier: in-sample ((0.8 − 1)² + (0.6 − 0)²) / 2 = 0.2; out-of-sample (0.7² + 0.3²) / 2 = 0.29.
        #expect(close(s.inSample.brier, 0.2) && s.inSample.resolved == 2)
        #expect(close(s.outOfSample.brier, 0.29) && s.outOfSample.resolved == 2)
    }

    @Test("equity per segment: in-sample from the starting cash up to the day before the split; out-of-sample from the last close before it")
    func equityBySegment() {
        let bench = points(["100", "100", "100", "100", "110", "110", "110", "121"])
        let s = BacktestSplit.compute(oosFrom: "2024-02-05", asOfDays: Self.days, outcomes: Self.outcomes, equity: Self.equity,
                                      startingCash: 1000, benchmarks: ["buy_and_hold": bench])
        // In-sample 02-01 … 02-04: 1000 → 1000.
        #expect(s.inSample.metrics.startingCash == 1000 && s.inSample.metrics.endingEquity == 1000)
        #expect(close(s.inSample.metrics.totalReturn, 0))
        #expect(close(s.inSample.metrics.maxDrawdown, 20.0 / 1020))
        // Out-of-sample 02-05 … 02-08, from 1000 (02-04's close): 1155 / 1000 − 1.
        #expect(s.outOfSample.metrics.startingCash == 1000 && s.outOfSample.metrics.endingEquity == 1155)
        #expect(close(s.outOfSample.metrics.totalReturn, 0.155))
        // The benchmark out-of-sample starts at its 02-04 point (100): 121 / 100 − 1; in-sample it never moves.
        #expect(close(s.outOfSample.metrics.benchmarks["buy_and_hold"]?.totalReturn, 0.21))
        #expect(close(s.inSample.metrics.benchmarks["buy_and_hold"]?.totalReturn, 0))
    }

    @Test("--oos-fraction: the first day of the held-out last share of the as-of days, both samples kept non-empty")
    func fraction() throws {
        let days = (1...10).map { String(format: "2024-03-%02d", $0) }
        #expect(try BacktestSplit.firstOutOfSampleDay(asOfDays: days, fraction: 0.3) == "2024-03-08")  // days 8, 9, 10 held out
        #expect(try BacktestSplit.firstOutOfSampleDay(asOfDays: days, fraction: 0.5) == "2024-03-06")
        #expect(try BacktestSplit.firstOutOfSampleDay(asOfDays: days, fraction: 0.01) == "2024-03-10")  // at least one day out
        #expect(try BacktestSplit.firstOutOfSampleDay(asOfDays: days, fraction: 0.99) == "2024-03-02")  // at least one day in
        for bad in [0, 1, -0.5, 2, Double.nan] {
            #expect { try BacktestSplit.firstOutOfSampleDay(asOfDays: days, fraction: bad) } throws: { "\($0)".contains("between 0 and 1") }
        }
        #expect { try BacktestSplit.firstOutOfSampleDay(asOfDays: ["2024-03-01"], fraction: 0.5) } throws: { "\($0)".contains("at least two") }
    }

    @Test("the statement names the split day and why it matters; without a split it says every figure is in-sample")
    func statement() {
        let with = BacktestSplit.statement(oosFrom: "2024-02-05")
        #expect(with.contains("before 2024-02-05 are in-sample") && with.contains("compare analysts on the out-of-sample"))
        #expect(with.contains("overstates"))
        let without = BacktestSplit.statement(oosFrom: nil)
        #expect(without.contains("every figure here is in-sample") && without.contains("--oos-from"))
    }
}
