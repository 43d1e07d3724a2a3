import ArgumentParser
import CandlewickCharts
import CandlewickCore
import Foundation

/// `chart-worker render --csv FILE --symbol SYM --out DIR`: the daily and weekly charts of a CSV.
struct RenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Render the daily (last 60 bars) and weekly (last 52 weeks) charts of a CSV of daily bars.",
        discussion: """
            Writes DIR/SYM_daily.png and DIR/SYM_weekly.png and prints {"charts": [ChartResult, ChartResult], \
            "indicators": TechnicalIndicators (daily), "weekly_indicators": TechnicalIndicators} as JSON. \
            Indicators are computed on the full history, so SMA 200 is defined wherever the data allows.
            """)

    @Option(help: "CSV with date, open, high, low, close, volume columns (any case; others ignored).")
    var csv: String

    @Option(help: "The symbol (upper case).")
    var symbol: String

    @Option(help: "Output directory (created if missing).")
    var out: String

    @Option(help: "Chart width in pixels.") var width = 1920
    @Option(help: "Chart height in pixels.") var height = 1080
    @Option(help: "Daily bars shown.") var dailyBars = 60
    @Option(help: "Weekly bars shown.") var weeklyBars = 52
    @Option(help: "Only use bars up to this date (YYYY-MM-DD), as if run on that day.") var asOf: String?

    func run() throws {
        let loaded = try BarCSV.load(path: csv)
        for r in loaded.rejected { FileHandle.standardError.write(Data("rejected \(csv) \(r)\n".utf8)) }
        var bars = loaded.bars
        if let asOf {
            guard let cutoff = UTCTimestamp.parse(asOf) else { throw ValidationError("--as-of: not a date: \(asOf)") }
            bars = bars.filter { $0.timestamp <= cutoff }
        }
        guard let lastDay = bars.last?.timestamp else { throw ValidationError("\(csv): no valid bars") }
        let (daily, weekly) = try ChartInput.dailyAndWeekly(symbol: symbol, daily: bars, asOf: lastDay)
        let renderer = try ChartRenderer()
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        var results: [ChartResult] = []
        for (input, lookback) in [(daily, dailyBars), (weekly, weeklyBars)] {
            let config = try ChartConfig(symbol: symbol, timeframe: input.timeframe, lookbackPeriods: lookback,
                                         width: width, height: height)
            let chart = try renderer.render(input, config: config)
            let path = (out as NSString).appendingPathComponent("\(symbol)_\(input.timeframe.rawValue).png")
            try chart.png.write(to: URL(fileURLWithPath: path), options: .atomic)
            results.append(try chart.result(renderedAt: Date(), filePath: path))
        }
        struct Output: Encodable {
            let charts: [ChartResult]
            let indicators: TechnicalIndicators
            let weeklyIndicators: TechnicalIndicators
            let lastClose: Decimal
            let chartLow: Decimal
            let chartHigh: Decimal
            enum CodingKeys: String, CodingKey {
                case charts, indicators
                case weeklyIndicators = "weekly_indicators", lastClose = "last_close", chartLow = "chart_low", chartHigh = "chart_high"
            }
        }
        let window = ChartWindow(bars: bars, lookback: dailyBars)!  // bars is not empty (checked above)
        let output = Output(charts: results, indicators: try daily.series.snapshot(symbol: symbol),
                            weeklyIndicators: try weekly.series.snapshot(symbol: symbol), lastClose: bars.last!.close,
                            chartLow: window.low, chartHigh: window.high)
        let encoder = CandlewickJSON.encoder()
        encoder.outputFormatting.insert(.prettyPrinted)
        FileHandle.standardOutput.write(try encoder.encode(output) + Data("\n".utf8))
    }
}
