import Foundation

/// One bin of confidence scores: [lower, upper), the last one closed at 100.
public struct CalibrationBin: Sendable, Hashable, Codable {
    public var lower: Double
    public var upper: Double
    /// Resolved outcomes (target or stop exits) whose score falls in the bin.
    public var count: Int
    /// Mean of score / 100; nil when the bin is empty.
    public var meanPredicted: Double?
    /// Target exits / count; nil when the bin is empty.
    public var realisedWinRate: Double?

    enum CodingKeys: String, CodingKey {
        case lower, upper, count, meanPredicted = "mean_predicted", realisedWinRate = "realised_win_rate"
    }
}

/// Calibration of one confidence label.
public struct CalibrationLevel: Sendable, Hashable, Codable {
    public var count: Int
    /// Target exits / count; nil when empty.
    public var winRate: Double?
    /// Mean of score / 100; nil when empty.
    public var meanPredicted: Double?

    enum CodingKeys: String, CodingKey { case count, winRate = "win_rate", meanPredicted = "mean_predicted" }
}

/// How well confidence scores predicted target-before-stop.
public struct CalibrationReport: Sendable, Hashable, Codable {
    /// The bin width used (10 when the requested one was not in 0.01...100).
    public var binWidth: Double
    /// Outcomes counted: those with `hitTarget` (target or stop exits).
    public var resolved: Int
    /// Outcomes left out: unfilled, time and open exits (and any with a non-finite score).
    public var unresolved: Int
    /// Every bin from 0 to 100, empty ones included.
    public var bins: [CalibrationBin]
    /// mean((score / 100 − hit)²) over the resolved outcomes, hit 1 for a target exit and 0 for a stop; nil when none.
    public var brier: Double?
    /// HIGH, MEDIUM and LOW, always present.
    public var byConfidence: [String: CalibrationLevel]

    enum CodingKeys: String, CodingKey {
        case binWidth = "bin_width", resolved, unresolved, bins, brier, byConfidence = "by_confidence"
    }
}

/// Calibration of confidence scores against realised target-or-stop results.
public enum Calibration {
    /// Bins [0, w), [w, 2w) … up to 100 (the last bin closed at 100, so a score of 100 falls in it), the Brier score and
    /// the per-label figures of the outcomes with `hitTarget` set. Scores outside 0...100 are clamped into it.
    public static func compute(_ outcomes: [ShadowOutcome], binWidth: Double = 10) -> CalibrationReport {
        let width = binWidth >= 0.01 && binWidth <= 100 ? binWidth : 10
        let resolved = outcomes.filter { $0.confidenceScore.isFinite }.compactMap { o in
            o.hitTarget.map { (score: min(max(o.confidenceScore, 0), 100), p: min(max(o.confidenceScore, 0), 100) / 100, hit: $0, level: o.confidence) }
        }
        let binCount = Int((100 / width).rounded(.up))
        var members = Array(repeating: [(p: Double, hit: Bool)](), count: binCount)
        for r in resolved {
            members[min(Int(r.score / width), binCount - 1)].append((r.p, r.hit))
        }
        let bins = members.enumerated().map { i, m in
            CalibrationBin(lower: Double(i) * width, upper: min(Double(i + 1) * width, 100), count: m.count,
                           meanPredicted: mean(m.map(\.p)), realisedWinRate: mean(m.map { $0.hit ? 1 : 0 }))
        }
        var levels: [String: CalibrationLevel] = [:]
        for level in SignalConfidence.allCases {
            let m = resolved.filter { $0.level == level }
            levels[level.rawValue] = CalibrationLevel(count: m.count, winRate: mean(m.map { $0.hit ? 1 : 0 }), meanPredicted: mean(m.map(\.p)))
        }
        let brier = mean(resolved.map { ($0.p - ($0.hit ? 1 : 0)) * ($0.p - ($0.hit ? 1 : 0)) })
        return CalibrationReport(binWidth: width, resolved: resolved.count, unresolved: outcomes.count - resolved.count,
                                 bins: bins, brier: brier, byConfidence: levels)
    }

    static func mean(_ xs: [Double]) -> Double? { xs.isEmpty ? nil : xs.reduce(0, +) / Double(xs.count) }
}
