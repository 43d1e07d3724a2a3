import CandlewickCore
import CandlewickPaper
import Foundation

/// The universe `all`: every daily file in a data folder ib-paper serves.
public enum BacktestUniverse {
    /// The symbols of `SYMBOL.csv` / `SYMBOL.csv.gz` files whose header names an open and a close
    /// column (sp500-daily's `constituents.csv` is no history), upper case, sorted.
    public static func symbols(in directory: String) throws -> [String] {
        var out: [String] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: directory).sorted() {
            let symbol: String
            if name.hasSuffix(".csv.gz") { symbol = String(name.dropLast(7)) } else if name.hasSuffix(".csv") { symbol = String(name.dropLast(4)) } else { continue }
            guard let raw = FileManager.default.contents(atPath: directory + "/" + name) else { continue }
            let data = name.hasSuffix(".gz") ? try PaperGzip.decompress(raw, source: name) : raw
            let header = String(decoding: data.prefix(while: { $0 != 0x0A }), as: UTF8.self).lowercased()
            let columns = Set(header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) })
            if columns.contains("open") && columns.contains("close") { out.append(symbol.uppercased()) }
        }
        return out
    }
}

/// Writes a backtest's results into its folder, each file replaced atomically: `signals.csv`,
/// `trades.csv`, `equity.csv`, `metrics.json` (with the assumptions stated), `calibration.json`.
/// Nothing in them depends on a run id or the wall clock, so the same backtest writes the same bytes.
public enum BacktestOutput {
    /// metrics.json: the figures, and what they rest on.
    struct MetricsFile: Encodable {
        let backtest: BacktestSettings
        let assumptions: [String]
        let scoredThrough: String?
        let metrics: MetricsReport
        let split: SplitReport?

        enum CodingKeys: String, CodingKey { case backtest, assumptions, metrics, split; case scoredThrough = "scored_through" }

        func encode(to encoder: any Encoder) throws {
            // The report's own keys at the top level (overall, by_action, benchmarks …), beside what it rests on.
            try metrics.encode(to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(backtest, forKey: .backtest)
            try c.encode(assumptions, forKey: .assumptions)
            try c.encodeIfPresent(scoredThrough, forKey: .scoredThrough)
            try c.encodeIfPresent(split, forKey: .split)
        }
    }

    /// Every assumption a backtest states (metrics.json, the report, the printed summary): the simulation's, then the
    /// in-sample / out-of-sample split (or that there is none).
    public static func assumptions(_ settings: BacktestSettings) -> [String] {
        settings.assumptions.describe() + [BacktestSplit.statement(oosFrom: settings.oosFrom)]
    }

    public static func write(_ r: BacktestResults, settings: BacktestSettings, folder: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        func put(_ name: String, _ data: Data) throws { try data.write(to: URL(fileURLWithPath: folder + "/" + name), options: .atomic) }
        try put("signals.csv", Data(BacktestFiles.signalsCSV(r.signals).utf8))
        try put("trades.csv", Data(BacktestFiles.tradesCSV(r.outcomes).utf8))
        try put("equity.csv", Data(BacktestFiles.equityCSV(r.equity, benchmarks: r.benchmarks).utf8))
        try put("metrics.json", try BacktestFiles.json(MetricsFile(backtest: settings, assumptions: assumptions(settings),
                                                                     scoredThrough: r.scoredThrough, metrics: r.metrics, split: r.split)))
        try put("calibration.json", try BacktestFiles.json(r.calibration))
    }
}
