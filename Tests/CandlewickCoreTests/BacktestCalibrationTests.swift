import CandlewickCore
import Foundation
import Testing

@Suite("Backtest calibration: bins, Brier score, per label")
struct BacktestCalibrationTests {
    /// Six resolved outcomes and two that are not (a time exit and an unfilled signal).
    static let set = [
        outcome(.buy, .high, score: 85, reason: .target),
        outcome(.buy, .high, score: 75, reason: .stop),
        outcome(.sell, .high, score: 72, reason: .target),
        outcome(.buy, .medium, score: 55, reason: .stop),
        outcome(.buy, .high, score: 100, reason: .target),
        outcome(.sell, .low, score: 30, reason: .stop),
        outcome(.buy, .high, score: 90, reason: .time),
        outcome(.buy, .low, score: 10, reason: .unfilled),
    ]

    @Test("bins [0,10) … [90,100], empty ones with count 0 and nil rates; 100 falls in the last bin")
    func bins() {
        let c = Calibration.compute(Self.set)
        #expect(c.resolved == 6 && c.unresolved == 2 && c.bins.count == 10)
        #expect(c.bins.map(\.count) == [0, 0, 0, 1, 0, 1, 0, 2, 1, 1])
        #expect(c.bins[0].lower == 0 && c.bins[0].upper == 10 && c.bins[9].lower == 90 && c.bins[9].upper == 100)
        #expect(c.bins[0].meanPredicted == nil && c.bins[0].realisedWinRate == nil)
        #expect(close(c.bins[7].meanPredicted, 0.735) && c.bins[7].realisedWinRate == 0.5)     // 75 stop, 72 target
        #expect(close(c.bins[9].meanPredicted, 1) && c.bins[9].realisedWinRate == 1)           // the 100
        #expect(close(c.bins[3].meanPredicted, 0.3) && c.bins[3].realisedWinRate == 0)
    }

    /// (0.85−1)² + 0.75² + (0.72−1)² + 0.55² + 0² + 0.3² = 0.0225 + 0.5625 + 0.0784 + 0.3025 + 0 + 0.09 = 1.0559; / 6.
    @Test("Brier score by hand")
    func brier() {
        #expect(close(Calibration.compute(Self.set).brier, 1.0559 / 6))
        #expect(Calibration.compute([outcome(.buy, .high, score: 90, reason: .time)]).brier == nil)
    }

    @Test("per label: count, win rate and mean predicted; every label present")
    func levels() {
        let c = Calibration.compute(Self.set)
        #expect(c.byConfidence["HIGH"]?.count == 4 && c.byConfidence["HIGH"]?.winRate == 0.75 && close(c.byConfidence["HIGH"]?.meanPredicted, 0.83))
        #expect(c.byConfidence["MEDIUM"]?.count == 1 && c.byConfidence["MEDIUM"]?.winRate == 0 && close(c.byConfidence["MEDIUM"]?.meanPredicted, 0.55))
        let empty = Calibration.compute([])
        #expect(empty.byConfidence["LOW"]?.count == 0 && empty.byConfidence["LOW"]?.winRate == nil && empty.bins.count == 10)
    }

    @Test("another bin width; an unusable one falls back to 10")
    func widths() {
        let c = Calibration.compute(Self.set, binWidth: 25)
        #expect(c.bins.map(\.count) == [0, 1, 2, 3])   // 30 | 55, 72 | 75, 85, 100
        #expect(Calibration.compute(Self.set, binWidth: 0).binWidth == 10 && Calibration.compute(Self.set, binWidth: .nan).bins.count == 10)
    }
}
