import CandlewickCore
import Foundation

/// One chart being drawn: the visible window, its scales, and the canvas.
struct ChartScene {
    let input: ChartInput
    let config: ChartConfig
    let fonts: FontRenderer
    let start: Int
    let shown: Int
    let layout: ChartLayout
    var canvas: Canvas
    var drawnIndicators: [String] = []
    /// Off only in tests: the same chart without panel labels, to prove the labels cover no series pixel.
    var showPanelLabels = true

    init(input: ChartInput, config: ChartConfig, fonts: FontRenderer) {
        self.input = input
        self.config = config
        self.fonts = fonts
        let n = input.bars.count
        start = max(0, n - config.lookbackPeriods)
        shown = n - start
        let s = input.series
        let window = start..<n
        var lo = Double.infinity, hi = -Double.infinity
        for i in window {
            lo = min(lo, s.lows[i])
            hi = max(hi, s.highs[i])
        }
        // Prices are never negative: when no bar is, the axis stops at zero and a band below it is clipped.
        let axisFloor = lo >= 0 ? 0.0 : -Double.infinity
        for (name, line) in [("sma_20", s.sma20), ("sma_50", s.sma50), ("sma_200", s.sma200), ("bollinger", s.bbUpper),
                             ("bollinger", s.bbLower)] where config.indicators.contains(name) {
            for i in window where line[i].isFinite {
                lo = min(lo, line[i])
                hi = max(hi, line[i])
            }
        }
        var pad = (hi - lo) * 0.06
        if pad <= 0 { pad = max(abs(hi) * 0.01, 1e-6) }
        var mlo = 0.0, mhi = 0.0
        for i in window {
            for v in [s.macd[i], s.macdSignal[i], s.macdHistogram[i]] where v.isFinite {
                mlo = min(mlo, v)
                mhi = max(mhi, v)
            }
        }
        if mhi - mlo <= 0 { (mlo, mhi) = (-1, 1) }
        let mpad = (mhi - mlo) * 0.1
        let maxVolume = window.map { s.volumes[$0] }.max() ?? 0
        layout = ChartLayout(width: config.width, height: config.height,
                             slots: max(shown, min(config.lookbackPeriods, 20)),
                             priceRange: max(axisFloor, lo - pad, lo > 0 ? lo * 0.5 : lo - pad)...(hi + pad),
                             macdRange: (mlo - mpad)...(mhi + mpad), maxVolume: maxVolume)
        canvas = Canvas(width: config.width, height: config.height, background: Palette.background)
    }

    var s: Double { layout.scale }

    /// Narrows the clip to `rect`; returns the previous clip for restoring.
    mutating func pushClip(_ rect: PixelRect) -> PixelRect {
        let saved = canvas.clip
        canvas.clip = saved.intersection(rect)
        return saved
    }
    func px(_ v: Double) -> Int { max(1, Int((v * s).rounded())) }
    func wants(_ name: String) -> Bool { config.indicators.contains(name) }

    /// Points of `values` over the visible window; undefined values are gaps.
    func points(_ values: [Double], _ y: (Double) -> Double) -> [(Double, Double)?] {
        (start..<input.bars.count).map { i in values[i].isFinite ? (layout.x(i - start), y(values[i])) : nil }
    }

    mutating func drawAll() {
        drawGrid()
        drawPricePanel()
        if wants("volume") { drawVolume() }
        if wants("rsi") { drawRSI() }
        if wants("macd") { drawMACD() }
        drawDateAxis()
        drawTitle()
        for r in [layout.price, layout.volume, layout.rsi, layout.macd] { canvas.strokeRect(r, Palette.frame) }
    }

    // MARK: grid and axes

    mutating func drawGrid() {
        let ticks = AxisTicks.ticks(low: layout.priceRange.lowerBound, high: layout.priceRange.upperBound, target: 8)
        let step = ticks.count > 1 ? ticks[1] - ticks[0] : 1
        for t in ticks {
            let y = Int(layout.yPrice(t).rounded())
            guard y > layout.price.y0 + 2, y < layout.price.y1 - 2 else { continue }
            canvas.horizontalLine(y: y, x0: layout.price.x0, x1: layout.price.x1, Palette.grid)
            fonts.draw(AxisTicks.priceLabel(t, step: step), x: layout.price.x1 + px(8), y: y + px(5), size: px(15),
                       color: Palette.mutedText, on: &canvas)
        }
        for i in dateTickIndices() {
            let x = Int(layout.x(i).rounded())
            for r in [layout.price, layout.volume, layout.rsi, layout.macd] {
                canvas.verticalLine(x: x, y0: r.y0, y1: r.y1 - 1, Palette.grid)
            }
        }
    }

    func dateTickIndices() -> [Int] {
        let every = max(1, Int((Double(shown) / 8).rounded(.up)))
        return stride(from: (shown - 1) % every, to: shown, by: every).map { $0 }
    }

    mutating func drawDateAxis() {
        var lastYear = -1
        for i in dateTickIndices() {
            let (y, m, d) = Self.civil(input.bars[start + i].timestamp)
            let label: String
            if input.timeframe == .weekly || shown > 150 {
                label = "\(Self.months[m - 1]) \(y)"
            } else {
                label = y != lastYear && lastYear != -1 ? "\(Self.months[m - 1]) \(d), \(y)" : "\(Self.months[m - 1]) \(d)"
            }
            lastYear = y
            fonts.draw(label, x: Int(layout.x(i).rounded()), y: layout.macd.y1 + px(24), size: px(15),
                       color: Palette.mutedText, align: .center, on: &canvas)
        }
    }

    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func civil(_ d: Date) -> (Int, Int, Int) {
        let parts = UTCTimestamp.formatDay(d).split(separator: "-").compactMap { Int($0) }
        return (parts[0], parts[1], parts[2])
    }
}
