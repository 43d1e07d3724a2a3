import CandlewickCharts
import CandlewickCore
import CandlewickTesting
import Foundation
import Testing

func isClose(_ a: RGB, _ b: RGB, tolerance: Int = 2) -> Bool {
    abs(Int(a.r) - Int(b.r)) <= tolerance && abs(Int(a.g) - Int(b.g)) <= tolerance && abs(Int(a.b) - Int(b.b)) <= tolerance
}

@Suite("Chart rendering")
struct ChartRenderTests {
    let renderer: ChartRenderer

    init() throws { renderer = try ChartRenderer() }

    @Test func sizeAndPNGRoundTrip() throws {
        let input = ChartInput(symbol: "TEST", timeframe: .daily, bars: try syntheticBars(300))
        for (w, h) in [(1920, 1080), (1456, 816)] {
            let config = try ChartConfig(symbol: "TEST", timeframe: .daily, width: w, height: h)
            let chart = try renderer.render(input, config: config)
            let decoded = try DecodedPNG(chart.png)
            #expect(decoded.width == w && decoded.height == h)
            let (canvas, _, _, _) = try renderer.draw(input, config: config)
            #expect(decoded.pixels == canvas.rgb, "PNG decodes to exactly the drawn pixels")
            #expect(chart.sha256 == SHA256Digest.hex(of: chart.png))
        }
    }

    @Test func parallelDeflateIsAValidPNGOfTheSamePixels() throws {
        let input = ChartInput(symbol: "TEST", timeframe: .daily, bars: try syntheticBars(300))
        let (canvas, _, _, _) = try renderer.draw(input, config: try ChartConfig(symbol: "TEST", timeframe: .daily))
        for parts in [1, 2, 3, 7] {
            let png = try PNGEncoder.encode(canvas, parts: parts)
            let decoded = try DecodedPNG(png)
            #expect(decoded.pixels == canvas.rgb, "\(parts) parts")
            #expect(try PNGEncoder.encode(canvas, parts: parts) == png, "deterministic with \(parts) parts")
        }
        let single = try PNGEncoder.encode(canvas)
        let two = try PNGEncoder.encode(canvas, parts: 2)
        #expect(Double(two.count) < Double(single.count) * 1.05, "priming each part with the previous 32 KiB keeps the size")
    }

    @Test func deterministicBytes() throws {
        let bars = try syntheticBars(260)
        let config = try ChartConfig(symbol: "TEST", timeframe: .daily)
        let a = try renderer.render(ChartInput(symbol: "TEST", timeframe: .daily, bars: bars), config: config)
        let b = try ChartRenderer().render(ChartInput(symbol: "TEST", timeframe: .daily, bars: bars), config: config)
        #expect(a.png == b.png && a.sha256 == b.sha256)
        let other = try renderer.render(ChartInput(symbol: "TEST", timeframe: .daily, bars: Array(bars.dropLast())), config: config)
        #expect(other.sha256 != a.sha256)
    }

    @Test func candleBodiesHaveTheirColourAtTheirPosition() throws {
        let bars = try syntheticBars(120)
        let input = ChartInput(symbol: "TEST", timeframe: .daily, bars: bars)
        let config = try ChartConfig(symbol: "TEST", timeframe: .daily, indicators: ["volume", "rsi", "macd"])
        let (canvas, layout, _, shown) = try renderer.draw(input, config: config)
        let start = bars.count - shown
        var checkedUp = 0, checkedDown = 0
        for i in start..<bars.count {
            let o = bars[i].open.doubleValue, c = bars[i].close.doubleValue
            let top = layout.yPrice(max(o, c)), bottom = layout.yPrice(min(o, c))
            guard bottom - top >= 6 else { continue }   // a body tall enough to probe its middle
            let x = Int(layout.x(i - start)) + 3         // beside the wick
            let y = Int((top + bottom) / 2)
            let expected = c >= o ? Palette.up : Palette.down
            #expect(canvas.pixel(x, y) == expected, "bar \(i) at (\(x), \(y))")
            if c >= o { checkedUp += 1 } else { checkedDown += 1 }
        }
        #expect(checkedUp > 5 && checkedDown > 5)
        // Between two candles the panel is background (or grid), never a candle colour.
        let gapX = Int((layout.x(0) + layout.x(1)) / 2)
        let midY = (layout.price.y0 + layout.price.y1) / 2
        #expect(canvas.pixel(gapX, midY) != Palette.up && canvas.pixel(gapX, midY) != Palette.down)
    }

    @Test func rsiGuidesSitAtTheirRows() throws {
        let input = ChartInput(symbol: "TEST", timeframe: .daily, bars: try syntheticBars(200))
        let (canvas, layout, _, _) = try renderer.draw(input, config: try ChartConfig(symbol: "TEST", timeframe: .daily))
        for (level, color) in [(70.0, Palette.down), (30.0, Palette.up)] {
            let y = Int(layout.yRSI(level).rounded())
            let xs = stride(from: layout.rsi.x0 + 1, to: layout.rsi.x1 - 1, by: 1)
            let onGuide = xs.filter { canvas.pixel($0, y) == color }.count
            let offGuide = xs.filter { canvas.pixel($0, y + 3) == color }.count
            #expect(onGuide > layout.rsi.width / 3, "the \(level) guide is drawn on row \(y)")
            #expect(offGuide < 10, "and not three rows lower")
        }
    }

    @Test func titleAreaHasText() throws {
        let input = ChartInput(symbol: "TEST", timeframe: .daily, bars: try syntheticBars(100))
        let (canvas, layout, _, _) = try renderer.draw(input, config: try ChartConfig(symbol: "TEST", timeframe: .daily))
        var dark = 0
        for y in layout.titleArea.y0..<Int(50 * layout.scale) {
            for x in 0..<400 where canvas.pixel(x, y).r < 80 { dark += 1 }
        }
        #expect(dark > 200, "dark text pixels in the title's first 400 columns: \(dark)")
        var blank = 0
        for y in 0..<8 { for x in 0..<canvas.width where canvas.pixel(x, y) != Palette.background { blank += 1 } }
        #expect(blank == 0, "the margin above the title is empty")
    }

    @Test func shortHistoryShowsUnavailableIndicatorsNotZero() throws {
        let bars = try syntheticBars(30)
        let chart = try renderer.render(ChartInput(symbol: "TEST", timeframe: .daily, bars: bars),
                                        config: try ChartConfig(symbol: "TEST", timeframe: .daily))
        #expect(chart.barsShown == 30)
        #expect(!chart.indicatorsDrawn.contains("sma_200") && !chart.indicatorsDrawn.contains("sma_50"))
        #expect(!chart.indicatorsDrawn.contains("macd"))
        #expect(chart.indicatorsDrawn.contains("sma_20") && chart.indicatorsDrawn.contains("rsi"))
        // The price axis spans only real prices: a zero-valued SMA would have pulled it to 0.
        let lows = bars.map(\.low.doubleValue)
        #expect(chart.layout.priceRange.lowerBound > lows.min()! * 0.8)
    }

    /// Issue 17: an unadjusted 5:1 split (2,200 → 440) pulls the lower Bollinger band to about −440;
    /// the price axis still stops at zero and the band is clipped there.
    @Test func priceAxisNeverGoesBelowZero() throws {
        let t0 = UTCTimestamp.parse("2020-07-01")!
        let bars = try (0..<40).map { i -> OHLCVBar in
            let p: Decimal = i < 30 ? 2200 : 440
            return try OHLCVBar(timestamp: t0.addingTimeInterval(Double(i) * 86_400), open: p, high: p + 10, low: p - 10, close: p, volume: 1_000)
        }
        let chart = try renderer.render(ChartInput(symbol: "TEST", timeframe: .daily, bars: bars),
                                        config: try ChartConfig(symbol: "TEST", timeframe: .daily))
        #expect(chart.indicatorsDrawn.contains("bollinger"))
        #expect(chart.layout.priceRange.lowerBound == 0, "axis from \(chart.layout.priceRange)")
    }

    @Test(arguments: [1, 2, 34])
    func tinyHistoriesRender(count: Int) throws {
        let chart = try renderer.render(ChartInput(symbol: "TEST", timeframe: .daily, bars: try syntheticBars(count)),
                                        config: try ChartConfig(symbol: "TEST", timeframe: .daily))
        #expect(chart.barsShown == count && chart.png.count > 1000)
    }

    @Test func flatHugeTinyAndZeroVolumeRender() throws {
        let t0 = UTCTimestamp.parse("2021-03-01")!
        let flat = try (0..<80).map {
            try OHLCVBar(timestamp: t0.addingTimeInterval(Double($0) * 86_400), open: 50, high: 50, low: 50, close: 50, volume: 0)
        }
        let flatChart = try renderer.render(ChartInput(symbol: "FLAT", timeframe: .daily, bars: flat),
                                            config: try ChartConfig(symbol: "FLAT", timeframe: .daily))
        #expect(flatChart.layout.priceRange.lowerBound < 50 && flatChart.layout.priceRange.upperBound > 50)
        for (symbol, scale) in [("HUGE", 10_000.0), ("TINY", 0.000_001)] {
            let bars = try syntheticBars(250, scale: scale, volume: 0)
            let chart = try renderer.render(ChartInput(symbol: symbol, timeframe: .daily, bars: bars),
                                            config: try ChartConfig(symbol: symbol, timeframe: .daily))
            #expect(chart.layout.priceRange.lowerBound > 0)
            #expect(chart.indicatorsDrawn.contains("sma_200"))
        }
    }

    @Test func mismatchedSymbolAndEmptyDataAreClearErrors() throws {
        let input = ChartInput(symbol: "AAA", timeframe: .daily, bars: try syntheticBars(10))
        #expect { _ = try renderer.render(input, config: try ChartConfig(symbol: "BBB", timeframe: .daily)) } throws: {
            "\($0)".contains("BBB") && "\($0)".contains("AAA")
        }
        let empty = ChartInput(symbol: "AAA", timeframe: .daily, bars: [])
        #expect(throws: ChartError.self) { _ = try renderer.render(empty, config: try ChartConfig(symbol: "AAA", timeframe: .daily)) }
    }

    @Test func missingFontIsAClearError() {
        #expect { _ = try ChartRenderer(fonts: FontSet(regular: "/nonexistent/Font.ttf")) } throws: {
            "\($0)".contains("/nonexistent/Font.ttf")
        }
    }
}

@Suite("Axis ticks")
struct AxisTickTests {
    @Test func niceSteps() {
        #expect(AxisTicks.niceStep(0.7) == 1)
        #expect(AxisTicks.niceStep(1.3) == 2)
        #expect(AxisTicks.niceStep(2.2) == 2.5)
        #expect(AxisTicks.niceStep(3) == 5)
        #expect(AxisTicks.niceStep(0.00031) == 0.0005)
        #expect(AxisTicks.ticks(low: 238.2, high: 271.4, target: 8) == [240, 245, 250, 255, 260, 265, 270])
    }

    @Test func labelsAdaptToMagnitude() {
        #expect(AxisTicks.priceLabel(1_234_500, step: 500) == "1,234,500")
        #expect(AxisTicks.priceLabel(266.86, step: 5) == "266.86")
        #expect(AxisTicks.priceLabel(0.00012, step: 0.00001) == "0.00012")
        #expect(AxisTicks.compact(164_400_000) == "164.4M")
    }
}
