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
        let cases = try [daily, weekly].map { ($0, try ChartConfig(symbol: symbol, timeframe: $0.timeframe)) }
        // Warm up for a second (glyph caches, page faults, CPU clocks), then measure both charts interleaved
        // so neither gets the quieter half of the run.
        let warmEnd = DispatchTime.now().uptimeNanoseconds + 1_000_000_000
        while DispatchTime.now().uptimeNanoseconds < warmEnd { for (i, c) in cases { _ = try renderer.render(i, config: c) } }
        var anchorBytes = [0, 0]
        let canvases = try cases.map { try renderer.draw($0.0, config: $0.1).0 }
        /// CPU time the process used per measurement (every thread: the two-part deflate's second thread included).
        var cpu: [String: [[Double]]] = [:]
        /// Times `body` for each chart, interleaved, `repeats` times; one loop per measurement so each
        /// runs like a worker doing only that. Wall time is returned; process CPU time is kept in `cpu[name]`.
        func measure(_ name: String, _ body: (Int) throws -> Void) rethrows -> [[Double]] {
            var times = [[Double]](repeating: [], count: cases.count)
            var cpuTimes = times
            for _ in 0..<repeats {
                for k in cases.indices {
                    let c0 = processCPUNanos(), t0 = DispatchTime.now().uptimeNanoseconds
                    try body(k)
                    times[k].append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
                    cpuTimes[k].append(Double(processCPUNanos() - c0) / 1e6)
                }
            }
            cpu[name] = cpuTimes
            return times
        }
        let draw = try measure("draw") { k in _ = try renderer.draw(cases[k].0, config: cases[k].1) }
        let encode = try measure("encode") { k in anchorBytes[k] = try PNGEncoder.encode(canvases[k]).count }  // libpng alone: the anchor
        let parallel = try measure("parallel_encode") { k in _ = try PNGEncoder.encode(canvases[k], parts: PNGEncoder.parts) }
        let pngs = try canvases.map { try PNGEncoder.encode($0, parts: PNGEncoder.parts) }
        let hashing = measure("sha256") { k in _ = SHA256Digest.hex(of: pngs[k]) }
        let total = try measure("render_encode") { k in
            let chart = try renderer.render(cases[k].0, config: cases[k].1)
            if let out { try chart.png.write(to: URL(fileURLWithPath: "\(out)/swift_\(cases[k].0.timeframe.rawValue).png")) }
        }
        for (k, (input, _)) in cases.enumerated() {
            result[input.timeframe.rawValue] = [
                "draw_ms": percentile(draw[k], 0.5), "encode_ms": percentile(encode[k], 0.5),
                "parallel_encode_ms": percentile(parallel[k], 0.5), "sha256_ms": percentile(hashing[k], 0.5), "render_encode_ms": percentile(total[k], 0.5),
                "bytes": pngs[k].count, "anchor_bytes": anchorBytes[k],
                "palette": pngs[k][25] == 3, "render_encode_ms_p90": percentile(total[k], 0.9),
                "draw_cpu_ms": percentile(cpu["draw"]![k], 0.5), "encode_cpu_ms": percentile(cpu["encode"]![k], 0.5),
                "render_encode_cpu_ms": percentile(cpu["render_encode"]![k], 0.5),
            ]
        }
        result["peak_rss_mb"] = peakRSSMegabytes()
        let data = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }
}

/// CPU time used by every thread of this process, in nanoseconds.
func processCPUNanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}
