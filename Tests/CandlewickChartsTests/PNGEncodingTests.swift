import CandlewickCharts
import CandlewickCore
import CandlewickTesting
import CPNG
import Foundation
import Testing

/// A canvas whose pixels take exactly `colours` distinct colours (one per pixel from the top-left,
/// the rest repeating the first), over a background that is one of them.
func canvas(withColours colours: Int, width: Int = 64, height: Int = 48) -> Canvas {
    var c = Canvas(width: width, height: height, background: RGB(0, 0, 0))
    for k in 1..<colours {
        // Distinct and never black: k runs over 1...; spread over all three channels.
        c.fillRect(x0: k % width, y0: k / width, x1: k % width + 1, y1: k / width + 1,
                   RGB(UInt8(k & 0xff), UInt8((k >> 8) & 0xff), UInt8((k * 37) & 0xff)))
    }
    return c
}

@Suite("PNG encoding")
struct PNGEncodingTests {
    @Test(arguments: [256, 257])
    func theTestCanvasHasTheColoursAskedFor(colours: Int) {
        let rgb = canvas(withColours: colours).rgb
        var distinct = Set<[UInt8]>()
        for i in stride(from: 0, to: rgb.count, by: 3) { distinct.insert(Array(rgb[i..<i + 3])) }
        #expect(distinct.count == colours)
    }

    @Test(arguments: [1, 2, 200, 256])
    func atMost256ColoursIsAPalettePNG(colours: Int) throws {
        let c = canvas(withColours: colours)
        for parts in [1, 2] {
            let decoded = try DecodedPNG(try PNGEncoder.encode(c, parts: parts))
            #expect(decoded.colourType == PNG_COLOR_TYPE_PALETTE, "\(colours) colours, \(parts) parts")
            #expect(decoded.paletteCount == colours)
            #expect(decoded.pixels == c.rgb, "lossless")
        }
    }

    /// 257 and 1,000 colours over a few rows (found by the full scan), 300 in the first row alone
    /// (found by the row sample).
    @Test(arguments: [(257, 64), (1000, 64), (300, 400)])
    func moreThan256ColoursIsRGB(colours: Int, width: Int) throws {
        let c = canvas(withColours: colours, width: width)
        for parts in [1, 2] {
            let decoded = try DecodedPNG(try PNGEncoder.encode(c, parts: parts))
            #expect(decoded.colourType == PNG_COLOR_TYPE_RGB, "\(colours) colours, \(parts) parts")
            #expect(decoded.pixels == c.rgb, "lossless")
        }
    }

    /// The worker's encoding, on a drawn chart (RGB: anti-aliasing gives it ~1,000 colours) and on
    /// a few-colour image (palette): decoding gives back exactly the canvas, and encoding again
    /// gives the same bytes. The third image's colours differ only in single low bits, so an
    /// encoder that merged near colours would fail it.
    @Test func losslessAndDeterministic() throws {
        let renderer = try ChartRenderer()
        let input = ChartInput(symbol: "TEST", timeframe: .daily, bars: try syntheticBars(300))
        let (chart, _, _, _) = try renderer.draw(input, config: try ChartConfig(symbol: "TEST", timeframe: .daily))
        var flat = Canvas(width: 300, height: 200, background: Palette.background)
        flat.fillRect(x0: 10, y0: 10, x1: 120, y1: 90, Palette.up)
        flat.horizontalLine(y: 150, x0: 0, x1: 300, Palette.guide, dash: 4, gap: 3)
        // Eight colours that differ from each other in the lowest bit of one or more channels.
        var near = Canvas(width: 40, height: 30, background: RGB(100, 100, 100))
        for y in 0..<30 {
            for x in 0..<40 {
                let k = (x + y / 3) % 8
                near.fillRect(x0: x, y0: y, x1: x + 1, y1: y + 1, RGB(UInt8(100 + k & 1), UInt8(100 + (k >> 1) & 1), UInt8(100 + (k >> 2) & 1)))
            }
        }
        let cases = [("chart", chart, PNG_COLOR_TYPE_RGB), ("flat", flat, PNG_COLOR_TYPE_PALETTE), ("near", near, PNG_COLOR_TYPE_PALETTE)]
        for (name, canvas, type) in cases {
            let png = try PNGEncoder.encode(canvas, parts: PNGEncoder.parts)
            let decoded = try DecodedPNG(png)
            #expect(decoded.colourType == type, "\(name)")
            #expect(decoded.width == canvas.width && decoded.height == canvas.height)
            #expect(decoded.pixels == canvas.rgb, "\(name): PNG decodes to exactly the drawn pixels")
            #expect(try PNGEncoder.encode(canvas, parts: PNGEncoder.parts) == png, "\(name): same pixels, same bytes")
        }
    }

    @Test func coverageIsRoundedToSixteenths() {
        var c = Canvas(width: 4, height: 1, background: RGB(0, 0, 0))
        c.blend(0, 0, RGB(255, 255, 255), 0.5)
        c.blend(1, 0, RGB(255, 255, 255), 0.52)   // nearer 8/16 than 9/16
        c.blend(2, 0, RGB(255, 255, 255), 0.01)   // below 1/32: not drawn
        c.blend(3, 0, RGB(255, 255, 255), 0.99)   // above 31/32: fully covered
        #expect(c.pixel(0, 0) == RGB(127, 127, 127) && c.pixel(1, 0) == c.pixel(0, 0))
        #expect(c.pixel(2, 0) == RGB(0, 0, 0) && c.pixel(3, 0) == RGB(255, 255, 255))
    }

    /// The SPY charts of `scripts/bench charts` are no larger than mplfinance's for the same
    /// content (139,943 and 138,144 bytes, measured in the same bench run; docs/benchmarks.md).
    @Test func benchChartsAreNoLargerThanMplfinance() throws {
        let csv = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("CandlewickCoreTests/Fixtures/ohlcv/SPY.csv")
        let bars = try BarCSV.load(path: csv.path).bars
        let (daily, weekly) = try ChartInput.dailyAndWeekly(symbol: "SPY", daily: bars, asOf: bars.last!.timestamp)
        let renderer = try ChartRenderer()
        for (input, mplfinance) in [(daily, 139_943), (weekly, 138_144)] {
            let chart = try renderer.render(input, config: try ChartConfig(symbol: "SPY", timeframe: input.timeframe))
            #expect(chart.png.count <= mplfinance, "\(input.timeframe): \(chart.png.count) bytes")
        }
    }
}
