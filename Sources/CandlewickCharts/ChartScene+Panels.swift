import CandlewickCore

/// The lower panels: volume, RSI and MACD.
extension ChartScene {
    mutating func drawVolume() {
        let series = input.series
        let rect = layout.volume
        let w = max(1, layout.slotWidth * 0.68)
        do {
            let saved = pushClip(rect)
            defer { canvas.clip = saved }
            for i in start..<input.bars.count {
                let xc = layout.x(i - start)
                let color = series.closes[i] >= series.opens[i] ? Palette.upVolume : Palette.downVolume
                canvas.fillRect(x0: Int((xc - w / 2).rounded()), y0: Int(layout.yVolume(series.volumes[i]).rounded()),
                           x1: Int((xc + w / 2).rounded()), y1: rect.y1, color)
            }
        }
        let lastVolume = series.volumes[input.bars.count - 1]
        panelLabel("Volume \(AxisTicks.compact(lastVolume))", in: rect, color: Palette.mutedText)
        if layout.maxVolume > 0 {
            axisLabels(low: 0, high: layout.maxVolume * 1.08, in: layout.volumePlot, y: { [layout] in layout.yVolume($0) },
                       label: { v, _ in AxisTicks.compact(v) })
        }
        drawnIndicators.append("volume")
    }

    mutating func drawRSI() {
        let rect = layout.rsi
        let y70 = Int(layout.yRSI(70).rounded()), y30 = Int(layout.yRSI(30).rounded())
        canvas.fillRect(x0: rect.x0, y0: y70, x1: rect.x1, y1: y30, Palette.rsiBand)
        canvas.horizontalLine(y: y70, x0: rect.x0, x1: rect.x1, Palette.down, dash: px(6), gap: px(4))
        canvas.horizontalLine(y: y30, x0: rect.x0, x1: rect.x1, Palette.up, dash: px(6), gap: px(4))
        for v in [70, 50, 30] {
            fonts.draw("\(v)", x: rect.x1 + px(8), y: Int(layout.yRSI(Double(v)).rounded()) + px(5), size: px(14),
                       color: Palette.mutedText, on: &canvas)
        }
        let pts = points(input.series.rsi14) { [layout] in layout.yRSI($0) }
        do {
            let saved = pushClip(rect)
            defer { canvas.clip = saved }
            canvas.polyline(pts, width: 2 * s, Palette.rsi)
        }
        let last = input.series.rsi14.last.flatMap { $0.isFinite ? $0 : nil }
        panelLabel("RSI 14: " + (last.map { String(format: "%.1f", $0) } ?? "n/a"), in: rect, color: Palette.rsi)
        if pts.contains(where: { $0 != nil }) { drawnIndicators.append("rsi") }
    }

    mutating func drawMACD() {
        let series = input.series
        let rect = layout.macd
        let zero = Int(layout.yMACD(0).rounded())
        canvas.horizontalLine(y: zero, x0: rect.x0, x1: rect.x1, Palette.guide)
        let w = max(1, layout.slotWidth * 0.6)
        do {
            let saved = pushClip(rect)
            defer { canvas.clip = saved }
            for i in start..<input.bars.count where series.macdHistogram[i].isFinite {
                let xc = layout.x(i - start)
                let y = Int(layout.yMACD(series.macdHistogram[i]).rounded())
                let color = series.macdHistogram[i] >= 0 ? Palette.upVolume : Palette.downVolume
                canvas.fillRect(x0: Int((xc - w / 2).rounded()), y0: min(y, zero), x1: Int((xc + w / 2).rounded()),
                           y1: max(y, zero) + 1, color)
            }
        }
        let yM: (Double) -> Double = { [layout] in layout.yMACD($0) }
        let line = points(series.macd, yM), signal = points(series.macdSignal, yM)
        do {
            let saved = pushClip(rect)
            defer { canvas.clip = saved }
            canvas.polyline(line, width: 2 * s, Palette.macd)
            canvas.polyline(signal, width: 1.8 * s, Palette.signal)
        }
        axisLabels(low: layout.macdRange.lowerBound, high: layout.macdRange.upperBound, in: layout.macdPlot,
                   y: { [layout] in layout.yMACD($0) }, label: { AxisTicks.priceLabel($0, step: $1) })
        func last(_ a: [Double]) -> String { a.last.flatMap { $0.isFinite ? String(format: "%.3f", $0) : nil } ?? "n/a" }
        var x = panelLabel("MACD 12,26,9", in: rect, color: Palette.text)
        x = legendItem("MACD \(last(series.macd))", color: Palette.macd, x: x + px(16), y: rect.y0 + px(21))
        x = legendItem("Signal \(last(series.macdSignal))", color: Palette.signal, x: x + px(16), y: rect.y0 + px(21))
        _ = legendItem("Hist \(last(series.macdHistogram))", color: Palette.upVolume, x: x + px(16), y: rect.y0 + px(21))
        if line.contains(where: { $0 != nil }) { drawnIndicators.append("macd") }
    }

    /// At least three value labels on a panel's right axis: the roundest steps of which three fit
    /// inside the plot area; for a range too narrow for that, its top, middle and bottom values.
    mutating func axisLabels(low: Double, high: Double, in plot: PixelRect, y: (Double) -> Double,
                             label: (Double, Double) -> String) {
        let margin = Double(px(8))
        let top = Double(plot.y0) + margin, bottom = Double(plot.y1) - margin
        var chosen: [Double] = []
        var step = high - low
        for target in 3...12 {
            let t = AxisTicks.ticks(low: low, high: high, target: target).filter { y($0) >= top && y($0) <= bottom }
            if t.count >= 3 {
                (chosen, step) = (t, t[1] - t[0])
                break
            }
        }
        if chosen.count < 3 {
            // Linear scale: the values at the top and bottom margins, and halfway.
            let perPixel = (high - low) / max(1, y(low) - y(high))
            let vTop = low + (y(low) - top) * perPixel, vBottom = low + (y(low) - bottom) * perPixel
            chosen = [vBottom, (vBottom + vTop) / 2, vTop]
            step = (vTop - vBottom) / 2
        }
        for v in chosen {
            fonts.draw(label(v, step), x: plot.x1 + px(8), y: Int(y(v).rounded()) + px(5), size: px(14), color: Palette.mutedText, on: &canvas)
        }
    }

    /// A label in the label row at the top of a panel (above the plot area, so it covers no data); returns its right edge.
    @discardableResult
    mutating func panelLabel(_ text: String, in rect: PixelRect, color: RGB) -> Int {
        let size = px(16)
        let w = fonts.measure(text, size: size, bold: true)
        if showPanelLabels { fonts.draw(text, x: rect.x0 + px(8), y: rect.y0 + px(21), size: size, color: color, bold: true, on: &canvas) }
        return rect.x0 + px(12) + w
    }

    /// A coloured swatch and a label; returns the right edge.
    mutating func legendItem(_ text: String, color: RGB, x: Int, y: Int, size: Int? = nil) -> Int {
        let size = size ?? px(15)
        let w = fonts.measure(text, size: size)
        if showPanelLabels {
            canvas.fillRect(x0: x, y0: y - size / 2 - px(1), x1: x + px(18), y1: y - size / 2 + px(2), color)
            fonts.draw(text, x: x + px(24), y: y, size: size, color: Palette.text, on: &canvas)
        }
        return x + px(26) + w
    }
}
