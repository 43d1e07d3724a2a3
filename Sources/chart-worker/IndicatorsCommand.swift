import ArgumentParser
import CandlewickCore
import Foundation

/// `chart-worker indicators --csv FILE`: every indicator series as JSON (what the TA-Lib oracle
/// test compares), plus the snapshot at the last bar.
struct IndicatorsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "indicators",
        abstract: "Print SMA 20/50/200, RSI 14, MACD 12/26/9, Bollinger 20/2 and ATR 14 for a CSV of daily bars as JSON.")

    @Option(help: "CSV with date, open, high, low, close, volume columns (any case; others ignored).")
    var csv: String

    @Option(help: "Symbol for the snapshot.")
    var symbol: String = "SYMBOL"

    @Flag(help: "Resample to weekly bars first.")
    var weekly = false

    func run() throws {
        let loaded = try BarCSV.load(path: csv)
        for r in loaded.rejected { FileHandle.standardError.write(Data("rejected \(csv) \(r)\n".utf8)) }
        guard let lastDay = loaded.bars.last?.timestamp else { throw ValidationError("\(csv): no valid bars") }
        let bars = weekly ? try WeeklyResampler.weekly(loaded.bars, asOf: lastDay).bars : loaded.bars
        let series = IndicatorSeries(bars: bars)
        var out: [String: Any] = [
            "timestamps": bars.map { UTCTimestamp.formatDay($0.timestamp) },
            "close": series.closes,
            "rejected_rows": loaded.rejected.map(\.line),
        ]
        for (name, values) in series.namedSeries { out[name] = values.map { $0.isNaN ? NSNull() : $0 as Any } }
        let snapshot = try JSONSerialization.jsonObject(with: CandlewickJSON.encode(try series.snapshot(symbol: symbol)))
        out["snapshot"] = snapshot
        let data = try JSONSerialization.data(withJSONObject: out, options: [.sortedKeys])
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }
}
