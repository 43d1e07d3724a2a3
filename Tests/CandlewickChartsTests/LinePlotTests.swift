import CandlewickCharts
import Foundation
import Testing

/// `PlotRenderer` draws `LinePlot`s with the chart engine: lines where the data says, a legend with the series' names,
/// empty data without a crash, bad numbers refused with an error naming them.
@Suite("Line plots")
struct LinePlotTests {
    static let red = RGB(hex: 0xD8353B)

    static func diagonal(name: String = "equity", width: Double = 3) -> LinePlot {
        LinePlot(title: "Test", series: [PlotSeries(name: name, color: red, points: (0...10).map { PlotPoint(x: Double($0), y: Double($0)) },
                                                    lineWidth: width)],
                 xRange: 0...10, yRange: 0...10, width: 600, height: 400)
    }

    @Test func theLinePassesThroughTheDataPixelsAndNowhereElse() throws {
        let (canvas, frame) = try PlotRenderer().draw(Self.diagonal())
        for v in stride(from: 0.5, through: 9.5, by: 1.5) {
            let (x, y) = (Int(frame.x(v)), Int(frame.y(v)))
            #expect(canvas.pixel(x, y) == Self.red, "on the line at \(v): (\(x), \(y))")
            // The mirror image (y flipped) is far from the line: no red there.
            let (mx, my) = (Int(frame.x(v)), Int(frame.y(10 - v)))
            if abs(my - y) > 6 { #expect(canvas.pixel(mx, my) != Self.red, "off the line at (\(v), \(10 - v))") }
        }
        // The line goes up to the right: the top-left corner of the plot area has no red, the bottom-left does.
        let p = frame.plot
        let red = { (x0: Int, x1: Int, y0: Int, y1: Int) in
            (y0..<y1).reduce(0) { n, y in n + (x0..<x1).filter { canvas.pixel($0, y) == Self.red }.count }
        }
        #expect(red(p.x0, p.x0 + 60, p.y0, p.y0 + 60) == 0)
        #expect(red(p.x0, p.x0 + 60, p.y1 - 60, p.y1) > 20)
    }

    @Test func theLegendDrawsTheSeriesName() throws {
        let renderer = try PlotRenderer()
        let (named, frame) = try renderer.draw(Self.diagonal(name: "placed brackets"))
        let (unnamed, _) = try renderer.draw(Self.diagonal(name: ""))
        let text = RGB(hex: 0x1F2430)
        func textPixels(_ c: Canvas) -> Int {
            (frame.legend.y0..<frame.legend.y1).reduce(0) { n, y in n + (frame.legend.x0..<frame.legend.x1).filter { c.pixel($0, y) == text }.count }
        }
        #expect(frame.legend.width > 100, "the legend has room for the name")
        #expect(textPixels(named) > 30, "the name's glyphs are drawn")
        #expect(textPixels(unnamed) == 0, "a series without a name has no legend entry")
        // The swatch in the series' colour starts the entry.
        let swatch = (frame.legend.x0..<frame.legend.x0 + 22).contains { x in named.pixel(x, (frame.legend.y0 + frame.legend.y1) / 2) == Self.red }
        #expect(swatch)
    }

    @Test func emptySeriesAndNoSeriesAreDrawnWithoutData() throws {
        let renderer = try PlotRenderer()
        for plot in [LinePlot(title: "nothing", series: []),
                     LinePlot(title: "empty", series: [PlotSeries(name: "a", color: Self.red, points: [])]),
                     LinePlot.labelled(title: "no days", series: [(name: "equity", color: Self.red, points: [])]),
                     LinePlot.reliability(title: "no bins", bins: [], color: Self.red)] {
            let rendered = try renderer.render(plot)
            let decoded = try DecodedPNG(rendered.png)
            #expect(decoded.width == plot.width && decoded.height == plot.height, "\(plot.title)")
            let (canvas, frame) = try renderer.draw(plot)
            let p = frame.plot
            let red = (p.y0..<p.y1).reduce(0) { n, y in n + (p.x0..<p.x1).filter { canvas.pixel($0, y) == Self.red }.count }
            #expect(red == 0, "\(plot.title): nothing drawn in the plot area")
        }
        // One point: a dot, no crash.
        let one = LinePlot.labelled(title: "one day", series: [(name: "equity", color: Self.red, points: [(label: "2016-03-01", y: 100_000)])])
        let (canvas, frame) = try renderer.draw(one)
        #expect(canvas.pixel(Int(frame.x(0)), Int(frame.y(100_000))) == Self.red)
    }

    @Test(arguments: [(Double.nan, 1.0, "x"), (1.0, Double.infinity, "y"), (1.0, -Double.infinity, "y")])
    func nonFiniteValuesAreRefusedByName(x: Double, y: Double, field: String) throws {
        var plot = Self.diagonal(name: "SPY")
        plot.series[0].points[4] = PlotPoint(x: x, y: y)
        let error = try #require(throws: ChartError.self) { try PlotRenderer().render(plot) }
        #expect(error.message.contains("series \"SPY\" point 4 has a non-finite \(field)"), "\(error.message)")
    }

    @Test func badSizesRangesAndMarkersAreRefused() throws {
        let renderer = try PlotRenderer()
        var small = Self.diagonal()
        small.width = 0
        #expect(throws: ChartError.self) { try renderer.draw(small) }
        var reversed = Self.diagonal()
        reversed.yRange = 5...5
        #expect(throws: ChartError.self) { try renderer.draw(reversed) }
        let nanMarker = LinePlot(title: "m", series: [PlotSeries(name: "m", color: Self.red, points: [PlotPoint(x: 0, y: 0, size: .nan)],
                                                                   style: .markers)])
        #expect(throws: ChartError.self) { try renderer.draw(nanMarker) }
    }

    @Test func extremeButFiniteValuesAreDrawnOrRefusedNeverACrash() throws {
        let renderer = try PlotRenderer()
        func plot(_ ys: [Double]) -> LinePlot {
            LinePlot(title: "extreme", series: [PlotSeries(name: "s", color: Self.red, points: ys.enumerated().map { PlotPoint(x: Double($0), y: $1) })])
        }
        let wide = try #require(throws: ChartError.self) { try renderer.draw(plot([-1e308, 1e308])) }
        #expect(wide.message.contains("the y values span more than a double can hold"), "\(wide.message)")
        let tiny = Double.leastNonzeroMagnitude
        let (canvas, frame) = try renderer.draw(plot([tiny, tiny, tiny]))
        #expect(canvas.pixel(Int(frame.x(1)), Int(frame.y(tiny))) == Self.red, "a flat line of tiny values is drawn")
    }

    @Test func drawdownIsTheFractionBelowTheRunningPeak() throws {
        let dd = try LinePlot.drawdown([100, 110, 99, 121, 121])
        #expect(zip(dd, [0, 0, 0.1, 0, 0]).allSatisfy { abs($0 - $1) < 1e-12 }, "\(dd)")
        let fromCash = try LinePlot.drawdown([90, 120], start: 100)
        #expect(abs(fromCash[0] - 0.1) < 1e-12 && fromCash[1] == 0)
        #expect(try LinePlot.drawdown([]).isEmpty)
        #expect(throws: ChartError.self) { try LinePlot.drawdown([100, .nan]) }
        #expect(throws: ChartError.self) { try LinePlot.drawdown([0, 0]) }
    }

    @Test func labelledSeriesShareTheSortedUnionOfLabels() throws {
        let plot = LinePlot.labelled(title: "t", series: [
            (name: "a", color: Self.red, points: [(label: "2016-03-03", y: 3), (label: "2016-03-01", y: 1)]),
            (name: "b", color: Self.red, points: [(label: "2016-03-02", y: 2)]),
        ])
        #expect(plot.xLabels == ["2016-03-01", "2016-03-02", "2016-03-03"])
        #expect(plot.series[0].points.map(\.x) == [0, 2] && plot.series[0].points.map(\.y) == [1, 3])
        #expect(plot.series[1].points.map(\.x) == [1])
    }

    @Test func theReliabilityPlotDrawsBinsAndTheDiagonal() throws {
        let blue = RGB(hex: 0x2F6FDB)
        let plot = LinePlot.reliability(title: "cal", bins: [(predicted: 0.75, realised: 0.25, count: 8), (predicted: 0.5, realised: 0.9, count: 0)],
                                        color: blue)
        #expect(plot.series[1].points.count == 1, "an empty bin is left out")
        #expect(plot.series[1].points[0].note == "n=8")
        let (canvas, frame) = try PlotRenderer().draw(plot)
        #expect(canvas.pixel(Int(frame.x(0.75)), Int(frame.y(0.25))) == blue, "the bin's marker")
        #expect(canvas.pixel(Int(frame.x(0.5)), Int(frame.y(0.9))) != blue, "no marker for the empty bin")
        // The dashed diagonal: guide-coloured pixels near (t, t) for most t.
        let guide = RGB(hex: 0x9AA1AE)
        let hits = stride(from: 0.1, through: 0.9, by: 0.1).filter { t in
            (-6...6).contains { d in canvas.pixel(Int(frame.x(t)) + d, Int(frame.y(t)) - d) == guide }
        }.count
        #expect(hits >= 6, "\(hits) of 9 diagonal probes hit a dash")
        #expect(canvas.pixel(Int(frame.x(0.2)), Int(frame.y(0.8))) != guide)
    }

    @Test func theSamePlotGivesTheSameBytesAndDecodesToItsPixels() throws {
        let renderer = try PlotRenderer()
        let a = try renderer.render(Self.diagonal()), b = try PlotRenderer().render(Self.diagonal())
        #expect(a.png == b.png)
        let (canvas, _) = try renderer.draw(Self.diagonal())
        #expect(try DecodedPNG(a.png).pixels == canvas.rgb)
    }
}

@Suite("Plot tick labels")
struct PlotValueFormatTests {
    @Test func labelsHaveTheDecimalsTheirStepNeeds() {
        #expect(PlotValueFormat.percent.label(-0.025, step: 0.025) == "-2.5%")
        #expect(PlotValueFormat.percent.label(-0.05, step: 0.025) == "-5.0%")
        #expect(PlotValueFormat.percent.label(0.2, step: 0.2) == "20%")
        #expect(PlotValueFormat.number.label(102_500, step: 2500) == "102,500")
        #expect(PlotValueFormat.number.label(0.75, step: 0.25) == "0.75")
        #expect(PlotValueFormat.number.label(3, step: 0.5) == "3.0")
    }
}
