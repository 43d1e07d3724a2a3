import Foundation

/// Ready-made plots: series over labelled x values (dates), drawdown, reliability diagram.
extension LinePlot {
    /// A plot of series given as (x label, y) points, e.g. equity curves by date. The x axis is the sorted union of
    /// every series' labels (ISO dates sort by time); a series without a value at a label has no point there (its line
    /// joins its neighbours).
    public static func labelled(title: String, series: [(name: String, color: RGB, points: [(label: String, y: Double)])],
                                yFormat: PlotValueFormat = .number, yTitle: String = "", width: Int = 1000,
                                height: Int = 480) -> LinePlot {
        let labels = Set(series.flatMap { $0.points.map(\.label) }).sorted()
        let index = Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($1, Double($0)) })
        let plotted = series.map { s in
            PlotSeries(name: s.name, color: s.color, points: s.points.map { PlotPoint(x: index[$0.label]!, y: $0.y) }.sorted { $0.x < $1.x })
        }
        return LinePlot(title: title, series: plotted, xLabels: labels, yFormat: yFormat, yTitle: yTitle, width: width, height: height)
    }

    /// The fraction below the running peak at each value, (peak − value) / peak, 0 at a new peak; the peak starts at
    /// `start` when given, else at the first value. Throws when a peak is not positive (the fraction is undefined).
    public static func drawdown(_ values: [Double], start: Double? = nil) throws -> [Double] {
        var peak = start ?? values.first ?? 0
        return try values.enumerated().map { i, v in
            peak = max(peak, v)
            guard peak > 0, peak.isFinite, v.isFinite else {
                throw ChartError("drawdown: value \(i) (\(v)) under a peak of \(peak); needs finite values and a positive peak")
            }
            return (peak - v) / peak
        }
    }

    /// A reliability diagram: each bin's mean predicted probability (x) against its realised rate (y), as a marker whose
    /// area grows with the bin's count and labelled `n=count`, over the dashed diagonal of perfect calibration. Both
    /// axes 0…100%. Bins with count 0 are left out.
    public static func reliability(title: String, bins: [(predicted: Double, realised: Double, count: Int)], color: RGB,
                                   width: Int = 640, height: Int = 560) -> LinePlot {
        let shown = bins.filter { $0.count > 0 }
        let largest = Double(shown.map(\.count).max() ?? 1)
        let markers = shown.map { b in
            PlotPoint(x: b.predicted, y: b.realised, size: 8 + 16 * (Double(b.count) / largest).squareRoot(), note: "n=\(b.count)")
        }
        return LinePlot(
            title: title,
            series: [PlotSeries(name: "perfect calibration", color: Palette.guide, points: [PlotPoint(x: 0, y: 0), PlotPoint(x: 1, y: 1)],
                                style: .dashed, lineWidth: 1.6),
                     PlotSeries(name: "bins (marker area ∝ count)", color: color, points: markers, style: .markers)],
            xRange: 0...1, yRange: 0...1, xFormat: .percent, yFormat: .percent, xTitle: "mean predicted (confidence score / 100)",
            yTitle: "realised win rate (target before stop)", width: width, height: height)
    }
}
