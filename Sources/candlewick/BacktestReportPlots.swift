import CandlewickCharts
import CandlewickCore
import CandlewickRun
import Foundation

/// The backtest report's three plots, drawn by the chart engine (`PlotRenderer`): the equity of the placed brackets
/// beside buy-and-hold and the benchmark, their drawdowns, and the reliability diagram of the confidence scores.
enum BacktestReportPlots {
    /// A plot's file (under `plots/`), its size and its alt text.
    struct Plot {
        let file: String
        let alt: String
        let plot: LinePlot
    }

    static let placedName = "placed brackets"
    static let colors: [RGB] = [Palette.sma20, Palette.sma50, Palette.sma200, Palette.up, Palette.down]

    /// The curves in legend order: the placed brackets, buy-and-hold of the universe, then the other benchmarks by name.
    static func curves(_ r: BacktestResults) -> [(name: String, points: [EquityPoint])] {
        let others = r.benchmarks.keys.filter { $0 != "buy_and_hold" }.sorted()
        return [(placedName, r.equity)] + (r.benchmarks["buy_and_hold"].map { [(displayName("buy_and_hold"), $0)] } ?? [])
            + others.map { (displayName($0), r.benchmarks[$0]!) }
    }

    /// A benchmark's name in the report: `buy_and_hold` is the universe's.
    static func displayName(_ key: String) -> String { key == "buy_and_hold" ? "buy-and-hold (universe)" : key }

    static func plots(_ r: BacktestResults, settings: BacktestSettings) throws -> [Plot] {
        let curves = curves(r)
        let names = curves.map(\.name).joined(separator: ", ")
        func colored(_ values: [(String, [(label: String, y: Double)])]) -> [(name: String, color: RGB, points: [(label: String, y: Double)])] {
            values.enumerated().map { i, v in (v.0, colors[i % colors.count], v.1) }
        }
        let equity = LinePlot.labelled(
            title: "Equity (USD at each day's close)",
            series: colored(curves.map { c in (c.name, c.points.map { (label: $0.date, y: DecimalText.double($0.equity)) }) }),
            yFormat: .number, width: 1000, height: 460)
        let start = DecimalText.double(settings.startingCash)
        let drawdowns = try curves.map { c in
            let values = c.points.map { DecimalText.double($0.equity) }
            // The placed brackets' peak starts at the starting cash, as max_drawdown in metrics.json; a benchmark's at its first point.
            let dd = try LinePlot.drawdown(values, start: c.name == placedName ? start : nil)
            return (c.name, zip(c.points, dd).map { (label: $0.date, y: -$1) })
        }
        let drawdown = LinePlot.labelled(title: "Drawdown (below the running peak)", series: colored(drawdowns), yFormat: .percent,
                                         width: 1000, height: 360)
        let bins = r.calibration.bins.compactMap { b in
            b.meanPredicted.flatMap { p in b.realisedWinRate.map { (predicted: p, realised: $0, count: b.count) } }
        }
        let calibration = LinePlot.reliability(title: "Calibration of the confidence score", bins: bins, color: Palette.sma20)
        return [
            Plot(file: "equity.png", alt: "Equity curves by day: \(names). Figures in the metrics table.", plot: equity),
            Plot(file: "drawdown.png", alt: "Drawdown below the running peak by day: \(names). Maximum drawdowns in the metrics table.",
                 plot: drawdown),
            Plot(file: "calibration.png", alt: "Reliability diagram: mean predicted against realised win rate per confidence-score bin, "
                 + "with the diagonal of perfect calibration. Figures in the calibration table.", plot: calibration),
        ]
    }

    /// Renders the plots into `<folder>/plots/`, each file replaced atomically; returns them with their pixel sizes.
    static func write(_ r: BacktestResults, settings: BacktestSettings, folder: String) throws -> [(Plot, RenderedPlot)] {
        let dir = folder + "/plots"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let renderer = try PlotRenderer()
        return try plots(r, settings: settings).map { p in
            let rendered = try renderer.render(p.plot)
            try rendered.png.write(to: URL(fileURLWithPath: dir + "/" + p.file), options: .atomic)
            return (p, rendered)
        }
    }
}
