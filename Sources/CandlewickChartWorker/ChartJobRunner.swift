import CandlewickCharts
import CandlewickCore
import Foundation

/// Turns one `ChartJob` into a `ChartJobResult` plus the two PNGs: indicators computed once on the
/// full history, both charts rendered, optionally written to the job's artifact folder. Errors
/// become a `failed` result naming what went wrong; nothing here throws past the job.
public struct ChartJobRunner {
    private let renderer: ChartRenderer
    private let worker: String

    public init(worker: String, fonts: FontSet = FontSet()) throws {
        renderer = try ChartRenderer(fonts: fonts)
        self.worker = worker
    }

    /// The result and the PNG attachments (daily, weekly) for `job`.
    public func run(_ job: ChartJob, now: Date = Date()) -> (ChartJobResult, [Data]) {
        let started = DispatchTime.now().uptimeNanoseconds
        func elapsed() -> Double { Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6 }
        do {
            let md = job.marketData
            let (daily, weekly) = try ChartInput.dailyAndWeekly(symbol: md.symbol, daily: md.bars, asOf: md.fetchedAt)
            var results: [ChartResult] = []
            var pngs: [Data] = []
            for (index, (input, config)) in [(daily, job.daily), (weekly, job.weekly)].enumerated() {
                let chart = try renderer.render(input, config: config)
                var path: String?
                if let dir = job.artifactDir {
                    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                    let file = (dir as NSString).appendingPathComponent("\(md.symbol)_\(config.timeframe.rawValue).png")
                    try chart.png.write(to: URL(fileURLWithPath: file), options: .atomic)
                    path = file
                }
                results.append(try chart.result(renderedAt: now, filePath: path, attachment: index))
                pngs.append(chart.png)
            }
            let result = try ChartJobResult(
                jobId: job.jobId, symbol: md.symbol, status: "ok", charts: results,
                indicators: try daily.series.snapshot(symbol: md.symbol),
                weeklyIndicators: try weekly.series.snapshot(symbol: md.symbol), worker: worker, renderMs: elapsed(),
                lastClose: md.latestPrice)
            return (result, pngs)
        } catch {
            let failed = (try? ChartJobResult(jobId: job.jobId, symbol: job.marketData.symbol, status: "failed",
                                               error: "\(error)", worker: worker, renderMs: elapsed()))!
            return (failed, [])
        }
    }
}
