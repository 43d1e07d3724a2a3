import CandlewickCore

/// The price panel: Bollinger fill and lines, candles, moving averages, last-price marker.
extension ChartScene {
    mutating func drawPricePanel() {
        let series = input.series
        let n = input.bars.count
        let rect = layout.price
        let yP: (Double) -> Double = { [layout] in layout.yPrice($0) }
        let upper = points(series.bbUpper, yP), lower = points(series.bbLower, yP)
        let hasBands = wants("bollinger") && upper.contains { $0 != nil }
        do {
            let saved = pushClip(rect)
            defer { canvas.clip = saved }
            if hasBands { canvas.fillBetween(upper, lower, Palette.bollingerFill, opacity: 0.55) }
        }
        drawCandles()
        do {
            let saved = pushClip(rect)
            defer { canvas.clip = saved }
            if hasBands {
                canvas.polyline(upper, width: 1.3 * s, Palette.bollinger)
                canvas.polyline(lower, width: 1.3 * s, Palette.bollinger)
                canvas.polyline(points(series.bbMiddle, yP), width: 1 * s, Palette.bollinger)
            }
        }
        if hasBands { drawnIndicators.append("bollinger") }
        for (name, line, color, width) in [("sma_200", series.sma200, Palette.sma200, 2.4), ("sma_50", series.sma50, Palette.sma50, 2.2),
                                            ("sma_20", series.sma20, Palette.sma20, 2.0)] where wants(name) {
            let pts = points(line, yP)
            guard pts.contains(where: { $0 != nil }) else { continue }
            do {
            let saved = pushClip(rect)
            defer { canvas.clip = saved }
            canvas.polyline(pts, width: width * s, color)
        }
            drawnIndicators.append(name)
        }
        drawnIndicators.sort { ChartConfig.knownIndicators.firstIndex(of: $0)! < ChartConfig.knownIndicators.firstIndex(of: $1)! }
        // Last price: a dashed line across the panel and a tag on the axis.
        let last = series.closes[n - 1]
        let y = Int(layout.yPrice(last).rounded())
        let color = n > 1 && last < series.closes[n - 2] ? Palette.down : Palette.up
        do {
            let saved = pushClip(rect)
            defer { canvas.clip = saved }
            canvas.horizontalLine(y: y, x0: rect.x0, x1: rect.x1, color, dash: px(6), gap: px(4))
        }
        let ticks = AxisTicks.ticks(low: layout.priceRange.lowerBound, high: layout.priceRange.upperBound, target: 8)
        let label = AxisTicks.priceLabel(last, step: ticks.count > 1 ? (ticks[1] - ticks[0]) / 10 : 0.01)
        let tagWidth = fonts.measure(label, size: px(15), bold: true) + px(14)
        canvas.fillRect(x0: rect.x1 + 1, y0: y - px(12), x1: rect.x1 + 1 + tagWidth, y1: y + px(12), color)
        fonts.draw(label, x: rect.x1 + px(8), y: y + px(5), size: px(15), color: Palette.background, bold: true, on: &canvas)
    }

    mutating func drawCandles() {
        let series = input.series
        let body = max(1, layout.slotWidth * 0.68)
        let wick = max(1, Int((1.4 * s).rounded()))
        do {
            let saved = pushClip(layout.price)
            defer { canvas.clip = saved }
            for i in start..<input.bars.count {
                let o = series.opens[i], h = series.highs[i], l = series.lows[i], cl = series.closes[i]
                let color = cl >= o ? Palette.up : Palette.down
                let xc = layout.x(i - start)
                let wx = Int((xc - Double(wick) / 2).rounded())
                canvas.fillRect(x0: wx, y0: Int(layout.yPrice(h).rounded()), x1: wx + wick,
                           y1: Int(layout.yPrice(l).rounded()) + 1, color)
                let top = Int(layout.yPrice(max(o, cl)).rounded()), bottom = Int(layout.yPrice(min(o, cl)).rounded())
                let x0 = Int((xc - body / 2).rounded()), x1 = Int((xc + body / 2).rounded())
                canvas.fillRect(x0: x0, y0: top, x1: max(x1, x0 + 1), y1: max(bottom, top + 1), color)
            }
        }
    }
}
