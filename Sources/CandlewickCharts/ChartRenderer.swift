import CandlewickCore
import Foundation

/// A rendered chart: PNG bytes and what is in them.
public struct RenderedChart: Sendable {
    public let png: Data
    public let sha256: String
    public let width: Int
    public let height: Int
    public let barsShown: Int
    public let indicatorsDrawn: [String]
    public let layout: ChartLayout
    public let symbol: String
    public let timeframe: Timeframe

    /// The `ChartResult` describing this chart.
    public func result(renderedAt: Date, filePath: String? = nil, attachment: Int? = nil) throws -> ChartResult {
        try ChartResult(symbol: symbol, timeframe: timeframe, width: width, height: height, filePath: filePath,
                        attachment: attachment, byteSize: png.count, sha256: sha256, indicatorsDrawn: indicatorsDrawn,
                        barsShown: barsShown, renderedAt: renderedAt)
    }
}

/// Draws trader-style candlestick charts: title, candles, SMA 20/50/200, Bollinger Bands with a
/// legend of current values, volume, RSI with 30/70 guides, MACD, price and date axes, gridlines
/// and a last-price marker. Deterministic: the same input gives the same bytes.
///
/// Not thread-safe (it caches glyphs): use one renderer per worker thread.
public final class ChartRenderer {
    let fonts: FontRenderer

    public init(fonts: FontSet = FontSet()) throws {
        self.fonts = try FontRenderer(fonts: fonts)
    }

    /// Renders and encodes one chart.
    public func render(_ input: ChartInput, config: ChartConfig) throws -> RenderedChart {
        let (canvas, layout, drawn, shown) = try draw(input, config: config)
        let png = try PNGEncoder.encode(canvas, parts: PNGEncoder.parts)
        return RenderedChart(png: png, sha256: SHA256Digest.hex(of: png), width: canvas.width, height: canvas.height,
                             barsShown: shown, indicatorsDrawn: drawn, layout: layout, symbol: input.symbol,
                             timeframe: input.timeframe)
    }

    /// Draws the chart into a canvas without encoding it (benchmarks separate the two).
    public func draw(_ input: ChartInput, config: ChartConfig) throws -> (Canvas, ChartLayout, [String], Int) {
        try draw(input, config: config, panelLabels: true)
    }

    /// `panelLabels: false` draws the same chart without panel labels and legends (tests compare the two).
    func draw(_ input: ChartInput, config: ChartConfig, panelLabels: Bool) throws -> (Canvas, ChartLayout, [String], Int) {
        guard !input.bars.isEmpty else { throw ChartError("\(input.symbol): no bars to chart") }
        guard config.symbol == input.symbol else {
            throw ChartError("chart config is for \(config.symbol), data is for \(input.symbol)")
        }
        var scene = ChartScene(input: input, config: config, fonts: fonts)
        scene.showPanelLabels = panelLabels
        scene.drawAll()
        return (scene.canvas, scene.layout, scene.drawnIndicators, scene.shown)
    }
}
