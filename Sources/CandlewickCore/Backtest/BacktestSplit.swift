import Foundation

/// One side of an in-sample / out-of-sample split: the metrics and the Brier score of the signals whose as-of day falls
/// in it, and the account's equity over its days.
public struct SplitSegment: Sendable, Hashable, Codable {
    /// First and last as-of day of a signal in the segment (nil when it holds none).
    public var firstAsOf: String?
    public var lastAsOf: String?
    /// As-of days in the segment.
    public var asOfDays: Int
    /// The metrics of the segment's signals, and of the account's equity over the segment's days (the out-of-sample
    /// curve starts from the equity at the last close before the split: `starting_cash`).
    public var metrics: MetricsReport
    /// Brier score of the segment's resolved outcomes (target or stop); nil when none.
    public var brier: Double?
    /// Resolved outcomes (target or stop exits) in the segment.
    public var resolved: Int

    enum CodingKeys: String, CodingKey {
        case metrics, brier, resolved
        case firstAsOf = "first_as_of", lastAsOf = "last_as_of", asOfDays = "as_of_days"
    }
}

/// metrics.json's `split`: in-sample before `oos_from`, out-of-sample from it on.
public struct SplitReport: Sendable, Hashable, Codable {
    /// The first out-of-sample as-of day (`--oos-from`).
    public var oosFrom: String
    public var inSample: SplitSegment
    public var outOfSample: SplitSegment

    enum CodingKeys: String, CodingKey { case oosFrom = "oos_from", inSample = "in_sample", outOfSample = "out_of_sample" }
}

/// The in-sample / out-of-sample split of a backtest (pure). A signal belongs to the segment of its as-of day: before
/// `oosFrom` in-sample, on or after it out-of-sample; its trade counts there even when it closes after the split.
/// The equity figures of a segment are the account's over the segment's days: in-sample from the first day through
/// the last day before `oosFrom`, from the starting cash; out-of-sample from the first day on or after `oosFrom` to
/// the end, from the equity at the last close before it (so a bracket opened in-sample and still held moves the
/// out-of-sample curve too — the trade statistics do not have that overlap). Benchmarks are cut the same way.
public enum BacktestSplit {
    /// The split of `outcomes` and the daily curves at `oosFrom` (`YYYY-MM-DD`).
    public static func compute(oosFrom: String, asOfDays: [String], outcomes: [ShadowOutcome], equity: [EquityPoint], startingCash: Decimal,
                               benchmarks: [String: [EquityPoint]]) -> SplitReport {
        let inDays = asOfDays.filter { $0 < oosFrom }, outDays = asOfDays.filter { $0 >= oosFrom }
        let inOutcomes = outcomes.filter { $0.asOf < oosFrom }, outOutcomes = outcomes.filter { $0.asOf >= oosFrom }
        let inEquity = equity.filter { $0.date < oosFrom }, outEquity = equity.filter { $0.date >= oosFrom }
        let outStart = inEquity.last?.equity ?? startingCash
        // Benchmarks: in-sample from their first point; out-of-sample from the last point before the split (or the first after).
        let inBench = benchmarks.mapValues { $0.filter { $0.date < oosFrom } }
        let outBench = benchmarks.mapValues { curve in
            let before = curve.last { $0.date < oosFrom }
            return (before.map { [$0] } ?? []) + curve.filter { $0.date >= oosFrom }
        }
        func segment(_ days: [String], _ outcomes: [ShadowOutcome], _ curve: [EquityPoint], _ start: Decimal,
                     _ bench: [String: [EquityPoint]]) -> SplitSegment {
            let calibration = Calibration.compute(outcomes)
            return SplitSegment(firstAsOf: days.first, lastAsOf: days.last, asOfDays: days.count,
                                metrics: BacktestMetrics.compute(outcomes: outcomes, equity: curve, startingCash: start, benchmarks: bench),
                                brier: calibration.brier, resolved: calibration.resolved)
        }
        return SplitReport(oosFrom: oosFrom,
                           inSample: segment(inDays, inOutcomes, inEquity, startingCash, inBench),
                           outOfSample: segment(outDays, outOutcomes, outEquity, outStart, outBench))
    }

    /// The first out-of-sample day when the last `fraction` of `asOfDays` (in order) is held out: the day at index
    /// `round(count × (1 − fraction))`, kept within 1…count−1 so both samples have a day. Refuses a fraction outside
    /// (0, 1) and fewer than two days.
    public static func firstOutOfSampleDay(asOfDays: [String], fraction: Double) throws -> String {
        guard fraction > 0, fraction < 1 else { throw BacktestSplitError("--oos-fraction must be between 0 and 1 (exclusive), got \(fraction)") }
        guard asOfDays.count >= 2 else {
            throw BacktestSplitError("--oos-fraction needs at least two as-of days to split, the range has \(asOfDays.count)")
        }
        let index = Int((Double(asOfDays.count) * (1 - fraction)).rounded())
        return asOfDays[min(max(index, 1), asOfDays.count - 1)]
    }

    /// The assumption the report and metrics.json state about the split (nil `oosFrom`: there is none).
    public static func statement(oosFrom: String?) -> String {
        let why = "Choosing an analyst, a prompt, a model or a threshold on the same period it is then measured on overstates "
            + "what it will do on new data (the choice fits that period's noise), and the more analysts are compared the larger "
            + "the best one's in-sample lead by chance alone."
        guard let oosFrom else {
            return "No out-of-sample split (--oos-from not given): every figure here is in-sample. " + why
                + " To compare analysts, choose on an earlier period and compare them on a later one (--oos-from)."
        }
        return "In-sample / out-of-sample split: signals of as-of days before \(oosFrom) are in-sample, from \(oosFrom) on "
            + "out-of-sample; a trade belongs to its signal's as-of day. " + why
            + " Tune on the in-sample figures only and compare analysts on the out-of-sample ones; the out-of-sample equity "
            + "starts from the account at the last close before \(oosFrom), including brackets still held from before it."
    }
}

/// A split that cannot be made; the message names the option and the value.
public struct BacktestSplitError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
