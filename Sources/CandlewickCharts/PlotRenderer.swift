import CandlewickCore
import Foundation

/// Where a drawn `LinePlot` put things, and its data-to-pixel mapping (public so tests and callers can
/// probe pixels at computed positions).
public struct PlotFrame: Sendable, Hashable {
    /// The plot area inside the axes (its frame is drawn on its border).
    public let plot: PixelRect
    /// The legend row(s).
    public let legend: PixelRect
    public let xRange: ClosedRange<Double>
    public let yRange: ClosedRange<Double>
    /// Pixels kept free inside the frame on every side, so points on a range bound stay visible.
    public let inset: Double

    /// The pixel x of data x.
    public func x(_ v: Double) -> Double {
        Double(plot.x0) + inset + (v - xRange.lowerBound) / (xRange.upperBound - xRange.lowerBound) * (Double(plot.width) - 2 * inset)
    }

    /// The pixel y of data y.
    public func y(_ v: Double) -> Double {
        Double(plot.y1) - inset - (v - yRange.lowerBound) / (yRange.upperBound - yRange.lowerBound) * (Double(plot.height) - 2 * inset)
    }
}

/// A rendered plot: PNG bytes and where things are in it.
public struct RenderedPlot: Sendable {
    /// The PNG file's bytes (palette or RGB, 8 bits, no timestamp: the same plot gives the same bytes).
    public let png: Data
    public let width: Int
    public let height: Int
    public let frame: PlotFrame
}

/// Draws `LinePlot`s with the chart engine: anti-aliased lines and markers, FreeType text, axis ticks
/// from `AxisTicks`, a legend, PNG through `PNGEncoder`. Deterministic: the same plot gives the same bytes.
///
/// Not thread-safe (it caches glyphs): one renderer per thread.
public final class PlotRenderer {
    let fonts: FontRenderer

    public init(fonts: FontSet = FontSet()) throws {
        self.fonts = try FontRenderer(fonts: fonts)
    }

    /// Validates, draws and encodes `plot`.
    public func render(_ plot: LinePlot) throws -> RenderedPlot {
        let (canvas, frame) = try draw(plot)
        return RenderedPlot(png: try PNGEncoder.encode(canvas, parts: PNGEncoder.parts), width: canvas.width, height: canvas.height,
                            frame: frame)
    }

    /// Validates and draws `plot` into a canvas (tests probe its pixels). Throws a `ChartError` for bad input.
    public func draw(_ plot: LinePlot) throws -> (canvas: Canvas, frame: PlotFrame) {
        try plot.validate()
        var canvas = Canvas(width: plot.width, height: plot.height, background: Palette.background)
        let (xRange, yRange, hasData) = Self.ranges(plot)
        for (axis, r) in [("x", xRange), ("y", yRange)] where !(r.upperBound - r.lowerBound).isFinite {
            throw ChartError("plot \"\(plot.title)\": the \(axis) values span more than a double can hold (\(r))")
        }
        let yTicks = AxisTicks.ticks(low: yRange.lowerBound, high: yRange.upperBound, target: max(2, plot.height / 90))
        let yStep = yTicks.count > 1 ? yTicks[1] - yTicks[0] : (yRange.upperBound - yRange.lowerBound)
        let labelSize = 13, titleSize = 19, legendSize = 14

        fonts.draw(plot.title, x: 16, y: 28, size: titleSize, color: Palette.text, bold: true, on: &canvas)
        let legend = drawLegend(plot, top: 40, size: legendSize, on: &canvas)
        var top = legend.y1 + 10
        if !plot.yTitle.isEmpty {
            fonts.draw(plot.yTitle, x: 16, y: top + 12, size: labelSize, color: Palette.mutedText, on: &canvas)
            top += 20
        }
        let yLabelWidth = yTicks.map { fonts.measure(plot.yFormat.label($0, step: yStep), size: labelSize) }.max() ?? 0
        let bottom = plot.height - 30 - (plot.xTitle.isEmpty ? 0 : 20)
        let rect = PixelRect(x0: 16 + yLabelWidth + 10, y0: top, x1: plot.width - 24, y1: bottom)
        guard rect.width >= 40, rect.height >= 30 else {
            throw ChartError("plot \"\(plot.title)\": \(plot.width)x\(plot.height) leaves no room for the plot area under the legend")
        }
        let frame = PlotFrame(plot: rect, legend: legend, xRange: xRange, yRange: yRange, inset: 6)

        for t in yTicks {
            let y = Int(frame.y(t).rounded())
            guard y >= rect.y0, y < rect.y1 else { continue }
            canvas.horizontalLine(y: y, x0: rect.x0, x1: rect.x1, Palette.grid)
            fonts.draw(plot.yFormat.label(t, step: yStep), x: rect.x0 - 8, y: y + 5, size: labelSize, color: Palette.mutedText,
                       align: .right, on: &canvas)
        }
        for (x, label) in xTicks(plot, frame: frame) {
            let px = Int(x.rounded())
            canvas.verticalLine(x: px, y0: rect.y0, y1: rect.y1 - 1, Palette.grid)
            let w = fonts.measure(label, size: labelSize)
            let cx = min(max(px, w / 2 + 2), plot.width - w / 2 - 2)
            fonts.draw(label, x: cx, y: rect.y1 + 18, size: labelSize, color: Palette.mutedText, align: .center, on: &canvas)
        }
        if !plot.xTitle.isEmpty {
            fonts.draw(plot.xTitle, x: (rect.x0 + rect.x1) / 2, y: rect.y1 + 38, size: labelSize, color: Palette.mutedText,
                       align: .center, on: &canvas)
        }
        if !hasData {
            fonts.draw("no data", x: (rect.x0 + rect.x1) / 2, y: (rect.y0 + rect.y1) / 2, size: legendSize, color: Palette.mutedText,
                       align: .center, on: &canvas)
        }
        canvas.clipped(to: PixelRect(x0: rect.x0 + 1, y0: rect.y0 + 1, x1: rect.x1 - 1, y1: rect.y1 - 1)) { c in
            for s in plot.series where s.style != .markers { Self.drawLine(s, frame: frame, on: &c) }
        }
        canvas.strokeRect(rect, Palette.frame)
        // Markers last and not clipped to the frame: a large one on a range bound stays round.
        for s in plot.series where s.style == .markers {
            for p in s.points {
                let r = (p.size ?? 10) / 2, (cx, cy) = (frame.x(p.x), frame.y(p.y))
                canvas.dot(cx, cy, width: 2 * r, s.color)
                guard let note = p.note, !note.isEmpty else { continue }
                fonts.draw(note, x: Int((cx + r * 0.7 + 3).rounded()), y: Int((cy - r * 0.7 - 3).rounded()), size: 12,
                           color: Palette.text, on: &canvas)
            }
        }
        return (canvas, frame)
    }

    /// The x and y ranges: fixed ones as given, else the data's (y padded 5%); a flat or empty one widened so it has a span.
    static func ranges(_ plot: LinePlot) -> (ClosedRange<Double>, ClosedRange<Double>, Bool) {
        let points = plot.series.flatMap(\.points)
        func span(_ lo: Double, _ hi: Double, pad: Double) -> ClosedRange<Double> {
            guard hi > lo else {
                let d = abs(lo) * 0.01 > 1e-12 ? abs(lo) * 0.01 : 1
                return (lo - d)...(hi + d)
            }
            let p = (hi - lo) * pad
            return (lo - p)...(hi + p)
        }
        let xs = points.map(\.x), ys = points.map(\.y)
        let x: ClosedRange<Double>
        if let fixed = plot.xRange {
            x = fixed
        } else if let labels = plot.xLabels {
            x = labels.count > 1 ? 0...Double(labels.count - 1) : -0.5...0.5
        } else if let lo = xs.min(), let hi = xs.max() {
            x = span(lo, hi, pad: 0)
        } else {
            x = 0...1
        }
        let y = plot.yRange ?? (ys.min().map { span($0, ys.max()!, pad: 0.05) } ?? 0...1)
        return (x, y, !points.isEmpty)
    }

    /// Positions and labels of the x ticks: for categories, about one label per 110 pixels (the first one always), else
    /// `AxisTicks` over the range.
    func xTicks(_ plot: LinePlot, frame: PlotFrame) -> [(Double, String)] {
        let room = max(2, frame.plot.width / 110)
        if let labels = plot.xLabels {
            guard !labels.isEmpty else { return [] }
            let every = max(1, Int((Double(labels.count) / Double(room)).rounded(.up)))
            return stride(from: 0, to: labels.count, by: every).map { (frame.x(Double($0)), labels[$0]) }
        }
        let ticks = AxisTicks.ticks(low: frame.xRange.lowerBound, high: frame.xRange.upperBound, target: min(room, 10))
        let step = ticks.count > 1 ? ticks[1] - ticks[0] : 1
        return ticks.map { (frame.x($0), plot.xFormat.label($0, step: step)) }
    }

    static func drawLine(_ s: PlotSeries, frame: PlotFrame, on canvas: inout Canvas) {
        let pts = s.points.map { (frame.x($0.x), frame.y($0.y)) }
        if s.style == .line {
            if pts.count == 1 { canvas.dot(pts[0].0, pts[0].1, width: s.lineWidth * 2, s.color) }
            canvas.polyline(pts.map { Optional($0) }, width: s.lineWidth, s.color)
            return
        }
        let dash = 8.0, gap = 6.0
        var phase = 0.0
        for (a, b) in zip(pts, pts.dropFirst()) {
            let length = ((b.0 - a.0) * (b.0 - a.0) + (b.1 - a.1) * (b.1 - a.1)).squareRoot()
            guard length > 0 else { continue }
            var t = 0.0
            while t < length {
                let inDash = phase < dash
                let run = min(length - t, inDash ? dash - phase : dash + gap - phase)
                if inDash {
                    let (t0, t1) = (t / length, (t + run) / length)
                    canvas.segment(a.0 + (b.0 - a.0) * t0, a.1 + (b.1 - a.1) * t0, a.0 + (b.0 - a.0) * t1, a.1 + (b.1 - a.1) * t1,
                                   width: s.lineWidth, s.color)
                }
                t += run
                phase = (phase + run).truncatingRemainder(dividingBy: dash + gap)
            }
        }
    }

    /// The legend: a swatch and the name of every named series, wrapped onto more rows when needed.
    func drawLegend(_ plot: LinePlot, top: Int, size: Int, on canvas: inout Canvas) -> PixelRect {
        var x = 16, row = 0, right = 16
        let rowHeight = size + 8
        for s in plot.series where !s.name.isEmpty {
            let w = 30 + fonts.measure(s.name, size: size) + 22
            if x > 16, x + w > plot.width - 16 {
                row += 1
                x = 16
            }
            let cy = Double(top + row * rowHeight + rowHeight / 2)
            switch s.style {
            case .line: canvas.segment(Double(x), cy, Double(x + 22), cy, width: 3, s.color)
            case .dashed:
                canvas.segment(Double(x), cy, Double(x + 8), cy, width: 2, s.color)
                canvas.segment(Double(x + 14), cy, Double(x + 22), cy, width: 2, s.color)
            case .markers: canvas.dot(Double(x + 11), cy, width: 10, s.color)
            }
            fonts.draw(s.name, x: x + 30, y: Int(cy) + size / 2 - 1, size: size, color: Palette.text, on: &canvas)
            x += w
            right = max(right, x)
        }
        return PixelRect(x0: 16, y0: top, x1: right, y1: top + (row + 1) * rowHeight)
    }
}
