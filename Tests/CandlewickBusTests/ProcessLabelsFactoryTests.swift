import CandlewickCore
import CandlewickRuntime
import Foundation
import Metrics
import Prometheus
import Testing

@Suite("Process labels on metrics")
struct ProcessLabelsFactoryTests {
    /// A label factory over a registry of its own (the global `MetricsSystem` is left alone).
    func factory() -> (ProcessLabelsFactory, PrometheusCollectorRegistry) {
        let registry = PrometheusCollectorRegistry()
        return (ProcessLabelsFactory(wrapping: PrometheusMetricsFactory(registry: registry), process: "chart-worker", instance: "chart-worker.7"),
                registry)
    }

    @Test func everyKindOfMetricCarriesProcessAndInstance() {
        let (f, registry) = factory()
        CoreMetrics.Counter(label: "candlewick_jobs_taken_total", dimensions: [("stage", "charts")], factory: f).increment(by: 3)
        CoreMetrics.FloatingPointCounter(label: "candlewick_llm_cost_usd_total", dimensions: [("provider", "p")], factory: f).increment(by: 0.25)
        CoreMetrics.Gauge(label: "candlewick_run_queue_depth", dimensions: [], factory: f).record(5)
        CoreMetrics.Timer(label: "candlewick_llm_request_duration_seconds", dimensions: [], factory: f).recordMilliseconds(300)
        let text = registry.emitToString()
        #expect(text.contains(#"candlewick_jobs_taken_total{stage="charts",process="chart-worker",instance="chart-worker.7"} 3"#), "\(text)")
        #expect(text.contains(#"candlewick_llm_cost_usd_total{provider="p",process="chart-worker",instance="chart-worker.7"} 0.25"#))
        #expect(text.contains(#"candlewick_run_queue_depth{process="chart-worker",instance="chart-worker.7"} 5"#))
        #expect(text.contains(#"candlewick_llm_request_duration_seconds_count{process="chart-worker",instance="chart-worker.7"} 1"#))
        // What the registry emits is an exposition the merge accepts as it is.
        let merged = PrometheusExposition.merge([text])
        #expect(merged.skipped.isEmpty, "\(merged.skipped)")
    }

    @Test func aDimensionTheCallerGivesIsNotGivenTwice() {
        let (f, registry) = factory()
        #expect(f.dimensions([("instance", "mine")]).map(\.0) == ["instance", "process"])
        CoreMetrics.Counter(label: "x_total", dimensions: [("instance", "mine")], factory: f).increment()
        #expect(registry.emitToString().contains(#"x_total{instance="mine",process="chart-worker"} 1"#))
    }

    @Test func residentMemoryIsReadFromStatm() throws {
        #expect((ProcessMetrics.residentBytes() ?? 0) > 0)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("statm-\(UUID().uuidString)")
        try "100 25 3 1 0 20 0\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        #expect(ProcessMetrics.residentBytes(statm: file.path) == 25 * Int(sysconf(Int32(_SC_PAGESIZE))))
        try "garbage".write(to: file, atomically: true, encoding: .utf8)
        #expect(ProcessMetrics.residentBytes(statm: file.path) == nil)
    }
}
