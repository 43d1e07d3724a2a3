import CandlewickCore
import Foundation

/// The title line (symbol, timeframe, dates, last close and change) and the indicator legend.
extension ChartScene {
    mutating func drawTitle() {
        let series = input.series
        let n = input.bars.count
        let first = UTCTimestamp.formatDay(input.bars[start].timestamp)
        let lastDay = UTCTimestamp.formatDay(input.bars[n - 1].timestamp)
        let timeframe = input.timeframe == .daily ? "Daily" : "Weekly"
        var x = px(24)
        let baseline = px(38)
        x += fonts.draw(input.symbol, x: x, y: baseline, size: px(30), color: Palette.text, bold: true, on: &canvas) + px(16)
        let range = "\(timeframe) · \(first) – \(lastDay)" + (input.lastBarPartial ? " (week in progress)" : "")
            + " · \(shown) bars"
        x += fonts.draw(range, x: x, y: baseline, size: px(20), color: Palette.mutedText, on: &canvas) + px(28)
        let last = series.closes[n - 1]
        let ticks = AxisTicks.ticks(low: layout.priceRange.lowerBound, high: layout.priceRange.upperBound, target: 8)
        let step = ticks.count > 1 ? (ticks[1] - ticks[0]) / 10 : 0.01
        x += fonts.draw("Last \(AxisTicks.priceLabel(last, step: step))", x: x, y: baseline, size: px(22),
                        color: Palette.text, bold: true, on: &canvas) + px(14)
        if n > 1 {
            let prev = series.closes[n - 2]
            let change = last - prev
            let pct = prev != 0 ? change / prev * 100 : 0
            let sign = change >= 0 ? "+" : "−"
            let text = "\(sign)\(AxisTicks.priceLabel(abs(change), step: step)) (\(sign)\(String(format: "%.2f", abs(pct)))%)"
            fonts.draw(text, x: x, y: baseline, size: px(22), color: change >= 0 ? Palette.up : Palette.down, bold: true,
                       on: &canvas)
        }
        drawLegend(y: px(74))
    }

    mutating func drawLegend(y: Int) {
        let series = input.series
        let ticks = AxisTicks.ticks(low: layout.priceRange.lowerBound, high: layout.priceRange.upperBound, target: 8)
        let step = ticks.count > 1 ? (ticks[1] - ticks[0]) / 10 : 0.01
        func value(_ a: [Double]) -> String { a.last.flatMap { $0.isFinite ? AxisTicks.priceLabel($0, step: step) : nil } ?? "n/a" }
        var x = px(24)
        let size = px(17)
        for (name, label, line, color) in [("sma_20", "SMA 20", series.sma20, Palette.sma20),
                                           ("sma_50", "SMA 50", series.sma50, Palette.sma50),
                                           ("sma_200", "SMA 200", series.sma200, Palette.sma200)] where wants(name) {
            x = legendItem("\(label) \(value(line))", color: color, x: x, y: y, size: size) + px(18)
        }
        if wants("bollinger") {
            let text = series.bbUpper.last.map { $0.isFinite } == true
                ? "BB 20,2 \(value(series.bbUpper)) / \(value(series.bbMiddle)) / \(value(series.bbLower))" : "BB 20,2 n/a"
            x = legendItem(text, color: Palette.bollinger, x: x, y: y, size: size) + px(18)
        }
        let atr = series.atr14.last.flatMap { $0.isFinite ? AxisTicks.priceLabel($0, step: step) : nil } ?? "n/a"
        fonts.draw("ATR 14 \(atr)", x: x, y: y, size: size, color: Palette.mutedText, on: &canvas)
    }
}
