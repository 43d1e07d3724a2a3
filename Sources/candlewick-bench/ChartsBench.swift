import ArgumentParser
import CandlewickCharts
import CandlewickCore
import Foundation

/// `candlewick-bench charts`: draw-only, encode-only and draw+encode times for the daily and
/// weekly charts of a CSV (the same bars the mplfinance anchor renders).
struct ChartsBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "charts", abstract: "Chart render vs PNG encode.")

    @Option(help: "CSV of daily bars.") var csv: String
    @Option(help: "Symbol.") var symbol = "SPY"
    @Option(help: "Timed repetitions per measurement.") var repeats = 30
    @Option(help: "Directory to write the rendered PNGs (for a look).") var out: String?

    func run() throws {
        let bars = try BarCSV.load(path: csv).bars
        let (daily, weekly) = try ChartInput.dailyAndWeekly(symbol: symbol, daily: bars, asOf: bars.last!.timestamp)
        let renderer = try ChartRenderer()
        var result: [String: Any] = [:]
        for input in [daily, weekly] {
            let config = try ChartConfig(symbol: symbol, timeframe: input.timeframe)
            for _ in 0..<10 { _ = try renderer.render(input, config: config) }
            var draw: [Double] = [], encode: [Double] = [], total: [Double] = [], parallel: [Double] = []
            var bytes = 0
            for _ in 0..<repeats {
                let t0 = DispatchTime.now().uptimeNanoseconds
                let (canvas, _, _, _) = try renderer.draw(input, config: config)
                let t1 = DispatchTime.now().uptimeNanoseconds
                let png = try PNGEncoder.encode(canvas)  // libpng's own single-threaded encode: the anchor
                let t2 = DispatchTime.now().uptimeNanoseconds
                _ = try PNGEncoder.encode(canvas, parts: PNGEncoder.parts)
                let t25 = DispatchTime.now().uptimeNanoseconds
                let chart = try renderer.render(input, config: config)
                let t3 = DispatchTime.now().uptimeNanoseconds
                parallel.append(Double(t25 - t2) / 1e6)
                draw.append(Double(t1 - t0) / 1e6)
                encode.append(Double(t2 - t1) / 1e6)
                total.append(Double(t3 - t25) / 1e6)
                bytes = png.count
                if let out { try chart.png.write(to: URL(fileURLWithPath: "\(out)/swift_\(input.timeframe.rawValue).png")) }
            }
            result[input.timeframe.rawValue] = [
                "draw_ms": percentile(draw, 0.5), "encode_ms": percentile(encode, 0.5),
                "parallel_encode_ms": percentile(parallel, 0.5),
                "render_encode_ms": percentile(total, 0.5), "bytes": bytes,
                "render_encode_ms_p90": percentile(total, 0.9),
            ]
        }
        result["peak_rss_mb"] = peakRSSMegabytes()
        let data = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }
}
