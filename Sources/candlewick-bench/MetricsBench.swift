import ArgumentParser
import CandlewickBus
import CandlewickCore
import CandlewickRuntime
import Foundation

/// `candlewick-bench metrics`: what the metrics cost where it matters: one bus hook (a cached labelled counter,
/// as `BusPublisher`/`BusSubscriber` call it per message), a heartbeat's exposition, and the console's merge.
struct MetricsBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "metrics", abstract: "Cost of a metrics hook, an exposition and a merge.")

    @Option(help: "Hook calls per run.") var count = 2_000_000
    @Option(help: "Message types the calls rotate through (series of the family).") var types = 30
    @Option(help: "Repetitions (the median is reported).") var repeats = 5

    func run() async throws {
        ProcessMetrics.bootstrap(process: "candlewick-bench", instance: "candlewick-bench.1")
        let family = LabelledCounters("candlewick_bench_messages_total", labels: ["type"])
        let names = (0..<types).map { "bench.type_\($0)" }
        var hookNs: [Double] = []
        for _ in 0..<repeats {
            let start = ContinuousClock.now
            for i in 0..<count { family.increment(names[i % names.count]) }
            hookNs.append(seconds(ContinuousClock.now - start) * 1e9 / Double(count))
        }
        var text = ""
        var emitUs: [Double] = []
        for _ in 0..<repeats {
            let start = ContinuousClock.now
            text = ProcessMetrics.exposition() ?? ""
            emitUs.append(seconds(ContinuousClock.now - start) * 1e6)
        }
        // The console's merge of eight processes' expositions (each its own instance).
        let inputs = (0..<8).map { text.replacingOccurrences(of: "candlewick-bench.1", with: "candlewick-bench.\($0)") }
        var mergeMs: [Double] = []
        for _ in 0..<repeats {
            let start = ContinuousClock.now
            precondition(PrometheusExposition.merge(inputs).skipped.isEmpty)
            mergeMs.append(seconds(ContinuousClock.now - start) * 1e3)
        }
        let result: [String: Any] = [
            "count": count, "types": types, "repeats": repeats,
            "hook_ns_p50": percentile(hookNs, 0.5), "exposition_bytes": text.utf8.count, "exposition_us_p50": percentile(emitUs, 0.5),
            "merge_8_processes_ms_p50": percentile(mergeMs, 0.5),
        ]
        print(String(decoding: try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys]), as: UTF8.self))
    }
}

private func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
