/// Where everything goes on a chart of a given size, and the mappings from data to pixels.
/// Public so tests can probe pixels at computed positions.
public struct ChartLayout: Sendable {
    public let width: Int
    public let height: Int
    /// 1 at 1920×1080; everything scales with it.
    public let scale: Double
    public let price: PixelRect
    public let volume: PixelRect
    public let rsi: PixelRect
    public let macd: PixelRect
    public let titleArea: PixelRect
    /// Height of the label row at the top of the volume, RSI and MACD panels. No data maps into
    /// it: the panel's label and legend sit above the series, never on them.
    public let labelStrip: Int
    /// Where the volume, RSI and MACD data are drawn: each panel below its label row.
    public let volumePlot: PixelRect
    public let rsiPlot: PixelRect
    public let macdPlot: PixelRect
    /// Number of bar slots across the plot.
    public let slots: Int
    public let priceRange: ClosedRange<Double>
    public let macdRange: ClosedRange<Double>
    public let maxVolume: Double

    public init(width: Int, height: Int, slots: Int, priceRange: ClosedRange<Double>, macdRange: ClosedRange<Double>,
                maxVolume: Double) {
        self.width = width
        self.height = height
        scale = min(Double(width) / 1920, Double(height) / 1080)
        let s = scale
        let left = Int(24 * s), right = width - Int(118 * s)
        let top = Int(96 * s), bottom = height - Int(44 * s)
        let gap = Int(10 * s)
        let plotHeight = Double(bottom - top - 3 * gap)
        let hPrice = Int(plotHeight * 0.56), hVolume = Int(plotHeight * 0.12), hRSI = Int(plotHeight * 0.14)
        price = PixelRect(x0: left, y0: top, x1: right, y1: top + hPrice)
        volume = PixelRect(x0: left, y0: price.y1 + gap, x1: right, y1: price.y1 + gap + hVolume)
        rsi = PixelRect(x0: left, y0: volume.y1 + gap, x1: right, y1: volume.y1 + gap + hRSI)
        macd = PixelRect(x0: left, y0: rsi.y1 + gap, x1: right, y1: bottom)
        titleArea = PixelRect(x0: 0, y0: 0, x1: width, y1: top)
        labelStrip = Int((30 * s).rounded())
        volumePlot = PixelRect(x0: volume.x0, y0: volume.y0 + labelStrip, x1: volume.x1, y1: volume.y1)
        rsiPlot = PixelRect(x0: rsi.x0, y0: rsi.y0 + labelStrip, x1: rsi.x1, y1: rsi.y1)
        macdPlot = PixelRect(x0: macd.x0, y0: macd.y0 + labelStrip, x1: macd.x1, y1: macd.y1)
        self.slots = max(1, slots)
        self.priceRange = priceRange
        self.macdRange = macdRange
        self.maxVolume = maxVolume
    }

    /// Width of one bar slot in pixels.
    public var slotWidth: Double { Double(price.width) / Double(slots) }

    /// The x of the centre of slot `i` (0 = leftmost shown bar).
    public func x(_ i: Int) -> Double { Double(price.x0) + (Double(i) + 0.5) * slotWidth }

    /// The y of a price in the price panel.
    public func yPrice(_ p: Double) -> Double { y(p, in: priceRange, rect: price) }

    /// The y of an RSI value (0…100) in the RSI panel.
    public func yRSI(_ v: Double) -> Double { y(v, in: 0...100, rect: rsiPlot) }

    /// The y of a MACD value in the MACD panel.
    public func yMACD(_ v: Double) -> Double { y(v, in: macdRange, rect: macdPlot) }

    /// The y of a volume in the volume panel (0 at the bottom).
    public func yVolume(_ v: Double) -> Double {
        maxVolume > 0 ? y(v, in: 0...maxVolume * 1.08, rect: volumePlot) : Double(volume.y1)
    }

    private func y(_ v: Double, in range: ClosedRange<Double>, rect: PixelRect) -> Double {
        let span = range.upperBound - range.lowerBound
        guard span > 0 else { return Double(rect.y0 + rect.y1) / 2 }
        return Double(rect.y1) - (v - range.lowerBound) / span * Double(rect.height)
    }
}
