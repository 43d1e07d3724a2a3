import CandlewickChartWorker
import CandlewickCharts
import CandlewickCore
import CandlewickTesting
import Foundation
import Testing

@Suite("Chart jobs")
struct ChartJobTests {
    func job(_ bars: [OHLCVBar], symbol: String = "TEST", dir: String? = nil) throws -> ChartJob {
        let md = try MarketData(symbol: symbol, bars: bars, fetchedAt: bars.last!.timestamp)
        return try ChartJob(jobId: "job-1", marketData: md, daily: ChartConfig(symbol: symbol, timeframe: .daily),
                            weekly: ChartConfig(symbol: symbol, timeframe: .weekly), artifactDir: dir)
    }

    @Test func jobProducesBothChartsMatchingTheirAttachments() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cw-job-\(UUID().uuidString.prefix(6))").path
        let runner = try ChartJobRunner(worker: "chart-worker.test")
        let (result, pngs) = runner.run(try job(try syntheticBars(400), dir: dir))
        #expect(result.status == "ok" && result.error == nil)
        #expect(result.charts.map(\.timeframe) == [.daily, .weekly])
        #expect(result.charts.map(\.attachment) == [0, 1])
        #expect(result.charts[0].barsShown == 60 && result.charts[1].barsShown == 52)
        for (chart, png) in zip(result.charts, pngs) {
            #expect(chart.sha256 == SHA256Digest.hex(of: png) && chart.byteSize == png.count)
            let onDisk = try Data(contentsOf: URL(fileURLWithPath: chart.filePath!))
            #expect(onDisk == png)
        }
        #expect(result.indicators?.sma200 != nil)
        #expect(result.weeklyIndicators?.symbol == "TEST")
    }

    @Test func badDataBecomesAFailedResultNotACrash() throws {
        let runner = try ChartJobRunner(worker: "chart-worker.test")
        let bars = try syntheticBars(100)
        // An artifact folder that cannot be created: the job fails with the reason, the runner survives.
        let (result, pngs) = runner.run(try job(bars, dir: "/proc/no-such-dir/charts"))
        #expect(result.status == "failed" && pngs.isEmpty)
        #expect(result.error?.isEmpty == false)
        let (again, _) = runner.run(try job(bars))
        #expect(again.status == "ok")
    }

    @Test func jobRulesAreValidated() throws {
        let md = try MarketData(symbol: "AAA", bars: try syntheticBars(5), fetchedAt: Date())
        #expect {
            _ = try ChartJob(jobId: "j", marketData: md, daily: ChartConfig(symbol: "BBB", timeframe: .daily),
                             weekly: ChartConfig(symbol: "AAA", timeframe: .weekly))
        } throws: { ($0 as? ModelValidationError)?.field == "daily.symbol" }
        #expect {
            _ = try ChartJob(jobId: "j", marketData: md, daily: ChartConfig(symbol: "AAA", timeframe: .weekly),
                             weekly: ChartConfig(symbol: "AAA", timeframe: .weekly))
        } throws: { ($0 as? ModelValidationError)?.field == "daily.timeframe" }
        #expect {
            _ = try ChartJobResult(jobId: "j", symbol: "AAA", status: "failed", worker: "w", renderMs: 1)
        } throws: { ($0 as? ModelValidationError)?.field == "error" }
    }
}
