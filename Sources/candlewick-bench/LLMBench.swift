import ArgumentParser
import CandlewickCharts
import CandlewickCore
import CandlewickLLM
import Foundation
import Logging

/// `candlewick-bench llm`: many analyses through one worker's analyzer against a server that takes
/// a fixed time per call; reports wall time against the ideal count / concurrency × delay.
struct LLMBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "llm", abstract: "Concurrent analyses against a slow mock.")

    @Option(help: "OpenAI-compatible base URL of the mock.") var baseURL: String
    @Option(help: "CSV of daily bars for the charts.") var csv: String
    @Option(help: "Analyses.") var count = 200
    @Option(help: "Requests in flight.") var concurrency = 16
    @Option(help: "Seconds the mock takes per call (for the ideal).") var delay = 1.0

    func run() async throws {
        let bars = try BarCSV.load(path: csv).bars
        let (daily, weekly) = try ChartInput.dailyAndWeekly(symbol: "SPY", daily: bars, asOf: bars.last!.timestamp)
        let renderer = try ChartRenderer()
        let charts = try [daily, weekly].map { try renderer.render($0, config: try ChartConfig(symbol: "SPY", timeframe: $0.timeframe)).png }
        // With the weekly readings the chart worker computes (without them every answer's weekly readings are refused).
        let context = try AnalysisContext.from(symbol: "SPY", bars: bars, weekly: try weekly.series.snapshot(symbol: "SPY"))
        var settings = ProviderSettings(baseURL: baseURL, model: "test-model", apiKey: "sk-test-secret-123")
        settings.timeout = 30
        var logger = Logger(label: "bench")
        logger.logLevel = .critical
        let analyzer = Analyzer(provider: OpenAIProvider(settings: settings),
                                gate: RequestGate(maxConcurrent: concurrency, perMinute: 100_000), cache: nil, logger: logger)
        let start = ContinuousClock.now
        let results = await withTaskGroup(of: AnalysisReport.self) { group in
            for i in 0..<count { group.addTask { await analyzer.analyze(context, charts: charts, signalId: "b\(i)") } }
            var all: [AnalysisReport] = []
            for await r in group { all.append(r) }
            return all
        }
        let d = ContinuousClock.now - start
        let wall = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        let ideal = Double(count) / Double(concurrency) * delay
        let out: [String: Any] = [
            "count": count, "concurrency": concurrency, "delay_s": delay, "wall_s": wall, "ideal_s": ideal, "ratio": wall / ideal,
            "accepted": results.filter(\.outcome.accepted).count,
            "refusal_reasons": Array(Set(results.flatMap(\.outcome.reasons))).sorted().prefix(5).map { String($0.prefix(200)) }, "attempts": results.map(\.attempts).reduce(0, +),
            "latency_p50_ms": percentile(results.map(\.latencyMs), 0.5), "peak_rss_mb": peakRSSMegabytes(),
        ]
        print(String(decoding: try JSONSerialization.data(withJSONObject: out, options: [.sortedKeys]), as: UTF8.self))
    }
}
