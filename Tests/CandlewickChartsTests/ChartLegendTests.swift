@testable import CandlewickCharts
import CandlewickCore
import Foundation
import Testing

/// The chart is the model's evidence: no label or legend may hide a plotted series, and every
/// panel's axis carries at least three values. Real series: the bundled daily CSVs, daily and weekly.
@Suite("Chart legends and axes on real series")
struct ChartLegendTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let cases = ["GOOG@2017-12-29", "SPY@2017-12-29", "AAPL@2016-06-24", "MSFT@2008-10-10", "INTC@2002-07-31"]

    static func input(_ spec: String, _ timeframe: Timeframe) throws -> ChartInput {
        let parts = spec.split(separator: "@").map(String.init)
        let csv = try String(contentsOf: root.appendingPathComponent("deploy/data/daily/\(parts[0]).csv"), encoding: .utf8)
        let cutoff = UTCTimestamp.parse(parts[1])!
        let bars = try BarCSV.parse(csv, source: parts[0]).bars.filter { $0.timestamp <= cutoff }
        let (daily, weekly) = try ChartInput.dailyAndWeekly(symbol: parts[0], daily: bars, asOf: bars.last!.timestamp)
        return timeframe == .daily ? daily : weekly
    }

    /// The daily (60 bars) and weekly (52 weeks) chart of a case.
    static func charts(_ spec: String) throws -> [(Timeframe, ChartInput, ChartConfig)] {
        try [Timeframe.daily, .weekly].map { timeframe in
            let input = try Self.input(spec, timeframe)
            return (timeframe, input, try ChartConfig(symbol: input.symbol, timeframe: timeframe, lookbackPeriods: timeframe == .daily ? 60 : 52))
        }
    }

    static let seriesColors: [RGB] = [Palette.macd, Palette.signal, Palette.rsi, Palette.upVolume, Palette.downVolume,
                                      Palette.sma20, Palette.sma50, Palette.sma200, Palette.up, Palette.down]

    @Test(arguments: cases)
    func noSeriesPixelIsCoveredByALabel(spec: String) throws {
        let renderer = try ChartRenderer()
        for (timeframe, input, config) in try Self.charts(spec) {
            let (drawn, layout, _, _) = try renderer.draw(input, config: config, panelLabels: true)
            let (bare, _, _, _) = try renderer.draw(input, config: config, panelLabels: false)
            for (name, panel) in [("price", layout.price), ("volume", layout.volume), ("rsi", layout.rsi), ("macd", layout.macd)] {
                var series = 0, covered = 0
                for y in panel.y0..<panel.y1 {
                    for x in panel.x0..<panel.x1 where Self.seriesColors.contains(bare.pixel(x, y)) {
                        series += 1
                        if drawn.pixel(x, y) != bare.pixel(x, y) { covered += 1 }
                    }
                }
                #expect(series > 100, "\(spec) \(timeframe) \(name): series drawn")
                #expect(covered == 0, "\(spec) \(timeframe) \(name): \(covered) of \(series) series pixels covered by a label")
            }
        }
    }

    /// Rows of text right of a panel (its axis labels), counted as runs of rows with ink.
    static func axisLabelCount(_ canvas: Canvas, panel: PixelRect, layout: ChartLayout) -> Int {
        let x0 = panel.x1 + Int(6 * layout.scale), x1 = min(canvas.width, panel.x1 + Int(110 * layout.scale))
        var runs = 0, inRun = false
        for y in panel.y0..<panel.y1 {
            let ink = (x0..<x1).contains { canvas.pixel($0, y) != Palette.background }
            if ink && !inRun { runs += 1 }
            inRun = ink
        }
        return runs
    }

    @Test(arguments: cases)
    func everyPanelAxisHasThreeLabels(spec: String) throws {
        let renderer = try ChartRenderer()
        for (timeframe, input, config) in try Self.charts(spec) {
            let (canvas, layout, _, _) = try renderer.draw(input, config: config)
            for (name, panel) in [("price", layout.price), ("volume", layout.volume), ("rsi", layout.rsi), ("macd", layout.macd)] {
                let n = Self.axisLabelCount(canvas, panel: panel, layout: layout)
                #expect(n >= 3, "\(spec) \(timeframe) \(name): \(n) axis labels")
            }
        }
    }
}
