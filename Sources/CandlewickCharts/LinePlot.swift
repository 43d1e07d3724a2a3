import Foundation

/// One point of a plot series.
public struct PlotPoint: Sendable, Hashable {
    /// Data coordinates (for a categorical x axis, x is the index of the label); must be finite.
    public var x: Double
    public var y: Double
    /// Marker diameter in pixels (`.markers` series); nil: the series' default.
    public var size: Double?
    /// A short text drawn beside the marker (`.markers` series), e.g. a count.
    public var note: String?

    public init(x: Double, y: Double, size: Double? = nil, note: String? = nil) {
        self.x = x
        self.y = y
        self.size = size
        self.note = note
    }
}

/// A named series: a line, a dashed line or markers, in one colour, named in the legend.
public struct PlotSeries: Sendable, Hashable {
    public enum Style: Sendable, Hashable {
        /// An anti-aliased polyline through the points in order.
        case line
        /// The same, dashed (guides such as a diagonal).
        case dashed
        /// A round marker at each point (diameter `PlotPoint.size` or 10 px), with its note beside it.
        case markers
    }

    /// The legend's text; empty: not in the legend.
    public var name: String
    public var color: RGB
    /// In drawing order (a line joins them in this order).
    public var points: [PlotPoint]
    public var style: Style
    /// Line width in pixels.
    public var lineWidth: Double

    public init(name: String, color: RGB, points: [PlotPoint], style: Style = .line, lineWidth: Double = 2.2) {
        self.name = name
        self.color = color
        self.points = points
        self.style = style
        self.lineWidth = lineWidth
    }
}

/// How the y axis (and a numeric x axis) labels its ticks.
public enum PlotValueFormat: Sendable, Hashable {
    /// Grouped digits, as many decimals as the tick step needs (`100,250`, `0.25`).
    case number
    /// The value × 100 with a `%` sign (`-2.5%`).
    case percent

    /// The label of tick `value` on an axis stepping by `step`.
    public func label(_ value: Double, step: Double) -> String {
        switch self {
        case .number:
            return AxisTicks.grouped(value, decimals: Self.decimals(step))
        case .percent:
            return AxisTicks.grouped(value * 100, decimals: Self.decimals(step * 100)) + "%"
        }
    }

    /// The fewest decimals (0…8) that write `step` exactly: 2500 → 0, 2.5 → 1, 0.25 → 2.
    static func decimals(_ step: Double) -> Int {
        guard step > 0, step.isFinite else { return 0 }
        for d in 0...8 {
            let scaled = step * pow(10, Double(d))
            if abs(scaled - scaled.rounded()) < 1e-6 * max(1, scaled) { return d }
        }
        return 8
    }
}

/// A line plot: several named series on one pair of axes, with a title and a legend. The x axis is
/// numeric, or categorical when `xLabels` is set (then a point's x is an index into `xLabels`).
/// Ranges follow the data (y padded by 5%) unless fixed. Drawn by `PlotRenderer`.
public struct LinePlot: Sendable, Hashable {
    /// Drawn in bold at the top left.
    public var title: String
    /// Drawn in order (markers over lines), named in the legend in order.
    public var series: [PlotSeries]
    /// Labels of a categorical x axis: x = 0 is `xLabels[0]`, and so on; nil for a numeric axis.
    public var xLabels: [String]?
    /// Fixed axis ranges (e.g. 0...1 for probabilities); nil: from the data.
    public var xRange: ClosedRange<Double>?
    public var yRange: ClosedRange<Double>?
    public var xFormat: PlotValueFormat
    public var yFormat: PlotValueFormat
    /// Axis titles, drawn under the x axis and above the y axis labels; empty: none.
    public var xTitle: String
    public var yTitle: String
    /// The image size in pixels (at least `minimumSize`).
    public var width: Int
    public var height: Int

    public init(title: String, series: [PlotSeries], xLabels: [String]? = nil, xRange: ClosedRange<Double>? = nil,
                yRange: ClosedRange<Double>? = nil, xFormat: PlotValueFormat = .number, yFormat: PlotValueFormat = .number,
                xTitle: String = "", yTitle: String = "", width: Int = 1000, height: Int = 480) {
        self.title = title
        self.series = series
        self.xLabels = xLabels
        self.xRange = xRange
        self.yRange = yRange
        self.xFormat = xFormat
        self.yFormat = yFormat
        self.xTitle = xTitle
        self.yTitle = yTitle
        self.width = width
        self.height = height
    }

    /// The smallest plot drawn: room for a title, a legend, the axis labels and a plot area.
    public static let minimumSize = (width: 240, height: 160)

    /// Throws a `ChartError` naming what is wrong: a size below `minimumSize`, a non-finite coordinate, marker size or
    /// fixed range bound, an empty or reversed fixed range.
    public func validate() throws {
        guard width >= Self.minimumSize.width, height >= Self.minimumSize.height, width <= 8000, height <= 8000 else {
            throw ChartError("plot \"\(title)\": size \(width)x\(height) is outside \(Self.minimumSize.width)x\(Self.minimumSize.height)…8000x8000")
        }
        for (axis, range) in [("x", xRange), ("y", yRange)] {
            guard let range else { continue }
            guard range.lowerBound.isFinite, range.upperBound.isFinite, range.upperBound > range.lowerBound else {
                throw ChartError("plot \"\(title)\": the \(axis) range \(range) must be finite and not empty")
            }
        }
        for s in series {
            guard s.lineWidth.isFinite, s.lineWidth > 0 else {
                throw ChartError("plot \"\(title)\": series \"\(s.name)\" has line width \(s.lineWidth); it must be a positive number")
            }
            for (i, p) in s.points.enumerated() {
                for (field, v) in [("x", p.x), ("y", p.y), ("size", p.size ?? 1)] where !v.isFinite {
                    throw ChartError("plot \"\(title)\": series \"\(s.name)\" point \(i) has a non-finite \(field) (\(v))")
                }
                if let size = p.size, size < 0 {
                    throw ChartError("plot \"\(title)\": series \"\(s.name)\" point \(i) has a negative marker size (\(size))")
                }
            }
        }
    }
}
